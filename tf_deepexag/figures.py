"""Drawings of landmarks and the side-by-side figure of a caricature.

Used by the `--figure` option of the CLI, the demo and TensorBoard images.
"""

import cv2
import numpy as np

from tf_deepexag import landmarks as landmarks_lib

PHOTO_COLOUR = (40, 200, 40)        # green: the photo's landmarks
GENERATED_COLOUR = (230, 40, 40)    # red: generated (exaggerated) landmarks
TARGET_COLOUR = (40, 90, 230)       # blue: the artist's caricature


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
    landmarks, the warped photo with the generated landmarks, the caricature.

    Returns:
        uint8 `(panel_size, 4 * panel_size, 3)` image.
    """
    photo = result.photo.copy()
    draw_landmarks(photo, result.photo_points, PHOTO_COLOUR)
    shapes = landmark_canvas([(result.photo_points, PHOTO_COLOUR),
                              (result.generated_points, GENERATED_COLOUR)],
                             size=photo.shape[0])
    warped = result.warped.copy()
    draw_landmarks(warped, result.generated_points, GENERATED_COLOUR)
    panels = [_letterbox(p, panel_size)
              for p in (photo, shapes, warped, result.caricature)]
    return np.concatenate(panels, axis=1)


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
