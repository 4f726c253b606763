"""Drawings of landmarks and the side-by-side figure of a caricature.

Used by the `--figure` option of the CLI, the demo and TensorBoard images.
"""

import cv2
import numpy as np

from tf_deepexag import landmarks as landmarks_lib
from tf_deepexag import plane_map as plane_map_lib

PHOTO_COLOUR = (40, 200, 40)        # green: the photo's landmarks
GENERATED_COLOUR = (230, 40, 40)    # red: generated (exaggerated) landmarks
TARGET_COLOUR = (40, 90, 230)       # blue: the artist's caricature
GRID_COLOUR = (250, 200, 40)        # yellow: a grid over the head, through the map


def draw_landmarks(canvas, points, colour, scheme=landmarks_lib.IBUG68, thickness=1,
                   radius=2):
    """Draws a face's contours and points onto `canvas` in place.

    Args:
        canvas: uint8 `(H, W, 3)` RGB image.
        points: `(N, 2)` (x, y) pixels.
        colour: RGB tuple.
        scheme: the `LandmarkScheme` whose groups are the contours.
        thickness: int, line width.
        radius: int, point radius (0 draws no points).

    Returns:
        `canvas`.
    """
    points = np.asarray(points, np.float32)
    for name, indices in scheme.groups:
        contour = np.round(points[list(indices)]).astype(np.int32)
        cv2.polylines(canvas, [contour], name in scheme.closed, colour, thickness,
                      cv2.LINE_AA)
    if radius:
        for x, y in np.round(points).astype(np.int32):
            cv2.circle(canvas, (int(x), int(y)), radius, colour, -1, cv2.LINE_AA)
    return canvas


def head_grid(landmarks, lines=12, samples=48):
    """Polylines of a square grid over the head: `(2 * lines, samples, 2)`.

    The grid spans the disc inside the map's inner pinned ring
    (`plane_map.face_frame`, `PIN_RADII[0]`), axis-aligned in the image.
    """
    centre, size, _ = plane_map_lib.face_frame(landmarks)
    half = plane_map_lib.PIN_RADII[0] * float(size) / np.sqrt(2.0)
    ticks = np.linspace(-half, half, lines)
    along = np.linspace(-half, half, samples)
    rows = np.stack([np.broadcast_to(along, (lines, samples)),
                     np.broadcast_to(ticks[:, None], (lines, samples))], -1)
    return np.concatenate([rows, rows[..., ::-1]]) + centre


def draw_map(canvas, plane_map, landmarks, colour=GRID_COLOUR, thickness=1):
    """Draws `head_grid(landmarks)` carried by `plane_map.forward` onto `canvas`
    in place (an identity map draws the square grid); returns `canvas`."""
    grid = head_grid(landmarks)
    moved = plane_map.forward(grid.reshape(-1, 2)).reshape(grid.shape)
    cv2.polylines(canvas, list(np.round(moved).astype(np.int32)), False, colour,
                  thickness, cv2.LINE_AA)
    return canvas


def landmark_canvas(faces, size=256, margin=0.1):
    """Draws several faces on one white canvas, fitted jointly to its size.

    Args:
        faces: sequence of `(points (N, 2), colour)`.
        size: int, the canvas side in pixels.
        margin: float, the fraction of the side left empty around the faces.

    Returns:
        uint8 `(size, size, 3)` image.
    """
    canvas = np.full((size, size, 3), 255, np.uint8)
    all_points = np.concatenate([np.asarray(p, np.float32) for p, _ in faces])
    lo, hi = all_points.min(axis=0), all_points.max(axis=0)
    scale = (1 - 2 * margin) * size / max(float(np.max(hi - lo)), 1e-6)
    offset = size / 2.0 - scale * (lo + hi) / 2.0
    for points, colour in faces:
        draw_landmarks(canvas, np.asarray(points, np.float32) * scale + offset, colour)
    return canvas


def side_by_side(result, panel_size=384):
    """The four-panel figure of a `pipeline.CaricatureResult`.

    Panels: photo with its landmarks, photo (green) and generated (red)
    landmarks, the warped photo with the generated landmarks (and a grid over
    the head carried by the map of the plane, when the result has one), the
    caricature.

    Returns:
        uint8 `(panel_size, 4 * panel_size, 3)` image.
    """
    photo, warped = map_panels(result)
    shapes = landmark_canvas([(result.photo_points, PHOTO_COLOUR),
                              (result.generated_points, GENERATED_COLOUR)],
                             size=photo.shape[0])
    panels = [_letterbox(p, panel_size)
              for p in (photo, shapes, warped, result.caricature)]
    return np.concatenate(panels, axis=1)


def map_panels(result):
    """`(photo, warped)` copies of a `pipeline.CaricatureResult`'s crops with
    the landmarks drawn, and on the warped one the head grid through the map
    when the result has one (the CLI's figure and the web page show these)."""
    photo = np.asarray(result.photo, np.uint8).copy()
    warped = np.asarray(result.warped, np.uint8).copy()
    landmarks = np.asarray(result.photo_points)[:plane_map_lib.NUM_LANDMARKS]
    if result.plane_map is not None:
        draw_map(warped, result.plane_map, landmarks)
    draw_landmarks(photo, result.photo_points[:plane_map_lib.NUM_LANDMARKS], PHOTO_COLOUR)
    draw_landmarks(warped, result.generated_points[:plane_map_lib.NUM_LANDMARKS],
                   GENERATED_COLOUR)
    return photo, warped


def _letterbox(image, size):
    """Fits `image` into a white `size` x `size` square, keeping its aspect."""
    h, w = image.shape[:2]
    scale = size / float(max(h, w))
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    resized = cv2.resize(np.ascontiguousarray(image), (nw, nh),
                         interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    out = np.full((size, size, 3), 255, np.uint8)
    y0, x0 = (size - nh) // 2, (size - nw) // 2
    out[y0:y0 + nh, x0:x0 + nw] = resized
    return out
