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
    photo warped onto `photo + s (ours - photo)` by the map of the plane, as
    the pipeline warps), centre crops."""
    from tf_deepexag import plane_map, warp  # pylint: disable=g-import-not-at-top

    rows = []
    for image, caricature, p, o in zip(photo_images, caricature_images, photo, ours):
        planes = [plane_map.PlaneMap(p, p + s * (o - p)) for s in strengths]
        warped = [np.asarray(warp.warp_face(image, m.source, m.target,
                                            border_points_per_edge=0)) for m in planes]
        h, w = image.shape[:2]
        y0, x0 = (h - crop) // 2, (w - crop) // 2
        panels = [cv2.resize(np.ascontiguousarray(x[y0:y0 + crop, x0:x0 + crop]),
                             (size, size), interpolation=cv2.INTER_AREA)
                  for x in [image, caricature] + warped]
        rows.append(np.concatenate(panels, axis=1))
    return np.concatenate(rows, axis=0)
