"""Figures of AutoToon's test faces: landmark plots (committed) and images (private).

The committed figure draws landmarks only (the photos are Flickr's and the
caricatures the authors' artists': they are not redistributed). Per face: the
photo's points (green), the artist's (blue) and ours (red), the latter two
similarity-aligned onto the photo; beside it the displacements from the photo
as arrows, magnified. The image version (photo | artist | ours warped at
strengths 1 and 2) needs
a clone of the dataset and is for looking at, not for committing.
"""

import cv2
import numpy as np

from tf_deepexag import figures, landmarks

_PANEL = 240
_MAGNIFY = 3.0


def _fit(points_list, size, margin=0.08):
    all_points = np.concatenate(points_list)
    lo, hi = all_points.min(0), all_points.max(0)
    scale = (1 - 2 * margin) * size / float(np.max(hi - lo))
    offset = size / 2.0 - scale * (lo + hi) / 2.0
    return [p * scale + offset for p in points_list]


def _arrows(photo, target, ours, size):
    """Displacements from the photo points, magnified, on a white panel."""
    canvas = np.full((size, size, 3), 255, np.uint8)
    p, t, o = _fit([photo, photo + _MAGNIFY * (target - photo),
                    photo + _MAGNIFY * (ours - photo)], size)
    figures.draw_landmarks(canvas, p, (190, 190, 190), radius=1)
    for colour, end in ((figures.TARGET_COLOUR, t), (figures.GENERATED_COLOUR, o)):
        for a, b in zip(p, end):
            cv2.arrowedLine(canvas, tuple(int(v) for v in np.round(a)),
                            tuple(int(v) for v in np.round(b)), colour, 1, cv2.LINE_AA,
                            tipLength=0.3)
    return canvas


def _label(canvas, text, y=16):
    cv2.putText(canvas, text, (6, y), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1,
                cv2.LINE_AA)
    return canvas


def landmark_figure(ids, photo, artist, ours, scores, columns=3):
    """uint8 figure: per face the shapes overlaid and the magnified arrows.

    Args:
        ids: `(B,)` pair ids.
        photo, artist, ours: `(B, N, 2)` points (image frame).
        scores: `(B,)` our landmark error per face (IOD).
        columns: faces per row.
    """
    tiles = []
    for i, face_id in enumerate(ids):
        t = landmarks.align(artist[i], photo[i], "procrustes")
        o = landmarks.align(ours[i], photo[i], "procrustes")
        shapes = figures.landmark_canvas([(photo[i], figures.PHOTO_COLOUR),
                                          (t, figures.TARGET_COLOUR),
                                          (o, figures.GENERATED_COLOUR)], size=_PANEL)
        arrows = _arrows(photo[i].astype(np.float64), t, o, _PANEL)
        _label(shapes, f"{face_id}  error {scores[i]:.4f}")
        _label(arrows, f"displacement x{_MAGNIFY:g}")
        tiles.append(np.concatenate([shapes, arrows], axis=1))
    legend = np.full_like(tiles[0], 255)
    for row, (text, colour) in enumerate((("photo (detected)", figures.PHOTO_COLOUR),
                                          ("artist (warp-mapped)", figures.TARGET_COLOUR),
                                          ("ours (deterministic)", figures.GENERATED_COLOUR))):
        y = 40 + 30 * row
        cv2.line(legend, (20, y - 4), (60, y - 4), colour, 3, cv2.LINE_AA)
        cv2.putText(legend, text, (70, y), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 1,
                    cv2.LINE_AA)
    tiles.append(legend)
    return _tile(tiles, columns)


def _tile(tiles, columns):
    """Tiles (two panels wide each) in rows of `columns`, grey separators."""
    while len(tiles) % columns:
        tiles.append(np.full_like(tiles[0], 255))
    rows = [np.concatenate(tiles[r:r + columns], axis=1)
            for r in range(0, len(tiles), columns)]
    figure = np.concatenate(rows, axis=0)
    for x in range(2 * _PANEL, figure.shape[1], 2 * _PANEL):  # Face separators.
        figure[:, x - 1:x + 1] = 160
    for y in range(_PANEL, figure.shape[0], _PANEL):
        figure[y - 1:y + 1] = 160
    return figure


def image_figure(photo_images, caricature_images, photo, ours, crop=560, size=256,
                 strengths=(1.0, 2.0)):
    """uint8 rows of photo | artist's caricature | ours at each strength (the
    photo warped onto `photo + s (ours - photo)` by the map of the plane
    through the fold guard, as the pipeline warps), centre crops. `photo` and
    `ours`: `(B, T, 2)` controls (landmarks, then any head points)."""
    from tf_deepexag import plane_map, warp  # pylint: disable=g-import-not-at-top

    rows = []
    for image, caricature, p, o in zip(photo_images, caricature_images, photo, ours):
        planes = [plane_map.unfolded(p, p + s * (o - p)) for s in strengths]
        warped = [np.asarray(warp.warp_face(image, m.source, m.target,
                                            border_points_per_edge=0)) for m in planes]
        h, w = image.shape[:2]
        y0, x0 = (h - crop) // 2, (w - crop) // 2
        panels = [cv2.resize(np.ascontiguousarray(x[y0:y0 + crop, x0:x0 + crop]),
                             (size, size), interpolation=cv2.INTER_AREA)
                  for x in [image, caricature] + warped]
        rows.append(np.concatenate(panels, axis=1))
    return np.concatenate(rows, axis=0)


def _grid_lines(points68, lines=(9, 11), samples=40):
    """Polylines `(L, samples, 2)` of a grid over the head: a square in the face
    frame of the photo's landmarks (`landmarks.head.face_frame`), 1.6 eye-centre
    distances either side of the eyes' midpoint, from 2.2 above them to 2.3
    below."""
    m = np.asarray(landmarks.head.face_frame(np.asarray(points68, np.float64)))
    u = np.linspace(-1.6, 1.6, samples)
    v = np.linspace(-2.2, 2.3, samples)
    frame = [np.stack([np.full(samples, x), v], -1) for x in np.linspace(-1.6, 1.6, lines[0])]
    frame += [np.stack([u, np.full(samples, y)], -1) for y in np.linspace(-2.2, 2.3, lines[1])]
    return np.stack(frame) @ m[:, :2].T + m[:, 2]


def _grid_panel(photo, target, title, colour, size=_PANEL, magnify=_MAGNIFY):
    """The head grid and points of one face, moved by the map of the plane
    through `photo -> photo + magnify (target - photo)` (all `(T, 2)`)."""
    from tf_deepexag import plane_map  # pylint: disable=g-import-not-at-top

    photo = np.asarray(photo, np.float64)
    moved = photo + magnify * (np.asarray(target, np.float64) - photo)
    lines = _grid_lines(photo[:68])
    warped = plane_map.PlaneMap(photo, moved).forward(lines.reshape(-1, 2)).reshape(
        lines.shape)
    fitted = _fit([lines.reshape(-1, 2), warped.reshape(-1, 2), photo, moved], size)
    base, bent = (f.reshape(lines.shape) for f in fitted[:2])
    canvas = np.full((size, size, 3), 255, np.uint8)
    for group, line_colour in ((base, (215, 215, 215)), (bent, colour)):
        for line in group:
            cv2.polylines(canvas, [np.round(line).astype(np.int32)], False, line_colour, 1,
                          cv2.LINE_AA)
    figures.draw_landmarks(canvas, fitted[3][:68], colour, radius=1)
    for x, y in np.round(fitted[3][68:]).astype(int):
        cv2.circle(canvas, (int(x), int(y)), 3, colour, -1, cv2.LINE_AA)
    return _label(canvas, title)


def head_grid_figure(ids, photo, artist, ours, columns=4, magnify=2.0):
    """uint8 figure: per face the artist's and our map of the head.

    Each panel is a grid over the head (grey: the photo's; coloured: moved
    by the thin-plate spline through the landmarks and head points, the
    displacements magnified `magnify` times) with the moved points (head
    points as larger dots). No images.

    Args:
        ids: `(B,)` pair ids.
        photo, artist, ours: `(B, 68 + K, 2)` points (image frame).
    """
    tiles = []
    for i, face_id in enumerate(ids):
        tiles.append(np.concatenate([
            _grid_panel(photo[i], artist[i], f"{face_id} artist", figures.TARGET_COLOUR,
                        magnify=magnify),
            _grid_panel(photo[i], ours[i], "ours (strength 1)", figures.GENERATED_COLOUR,
                        magnify=magnify)], axis=1))
    legend = np.full_like(tiles[0], 255)
    _label(legend, f"grids over the head, moves x{magnify:g}", 40)
    _label(legend, "blue: artist (AutoToon warp)", 70)
    _label(legend, "red: ours, deterministic", 100)
    _label(legend, "large dots: head points", 130)
    tiles.append(legend)
    return _tile(tiles, columns)
