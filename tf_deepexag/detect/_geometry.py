"""Coordinate bookkeeping of the detector: rotations, rescaling, box mapping.

Points are (x, y) with the origin at the centre of the top-left pixel, so a
pixel index is a point; boxes are `(x0, y0, x1, y1)` pixel edges (a box holding
pixels 10..19 is `(10, 20)` along that axis, width `x1 - x0`).
"""

import numpy as np

# MTCNN box -> the box dlib's HOG detector would draw around the same face, which
# is what the 68-point predictor was trained with: a square of side
# `_HOG_SIDE_PER_WIDTH * w`, centred on the MTCNN box shifted down by
# `_HOG_SHIFT_Y_PER_HEIGHT * h`. Measured as medians over the faces where both
# detectors fire: the astronaut and 93 faces of `skimage.data.lfw_subset()`
# (upscaled x6, padded); see `bench/detect.py` and the README section `detect`.
_HOG_SIDE_PER_WIDTH = 1.12
_HOG_SHIFT_Y_PER_HEIGHT = 0.045


def mtcnn_to_hog_box(box):
    """Maps an MTCNN box to a HOG-detector-like square box.

    Args:
        box: `(x0, y0, x1, y1)` MTCNN box edges.

    Returns:
        `(x0, y0, x1, y1)` float box edges.
    """
    x0, y0, x1, y1 = (float(v) for v in box)
    w, h = x1 - x0, y1 - y0
    cx, cy = 0.5 * (x0 + x1), 0.5 * (y0 + y1) + _HOG_SHIFT_Y_PER_HEIGHT * h
    half = 0.5 * _HOG_SIDE_PER_WIDTH * w
    return (cx - half, cy - half, cx + half, cy + half)


def to_dlib_rectangle(box):
    """Box edges -> `dlib.rectangle` (integer, inclusive right/bottom pixels)."""
    import dlib  # pylint: disable=g-import-not-at-top

    x0, y0, x1, y1 = (int(round(v)) for v in box)
    return dlib.rectangle(x0, y0, max(x1 - 1, x0), max(y1 - 1, y0))


def from_dlib_rectangle(rect):
    """`dlib.rectangle` -> float box edges."""
    return (float(rect.left()), float(rect.top()), float(rect.right() + 1),
            float(rect.bottom() + 1))


def rotate_image(image, quarter_turns):
    """Rotates counter-clockwise by `90 * quarter_turns` degrees (contiguous copy)."""
    return np.ascontiguousarray(np.rot90(image, quarter_turns))


def unrotate_points(points, quarter_turns, shape):
    """Maps (x, y) points of `rotate_image(image, k)` back to `image`.

    Args:
        points: `(N, 2)` (x, y) points in the rotated image.
        quarter_turns: int, the `k` given to `rotate_image`.
        shape: the ORIGINAL image's shape `(H, W, ...)`.

    Returns:
        `(N, 2)` float32 points in the original image.
    """
    return _unrotate(np.asarray(points, np.float64), quarter_turns, shape, 1.0)


def unrotate_box(box, quarter_turns, shape):
    """Maps box edges of `rotate_image(image, k)` back to `image`."""
    corners = np.array([[box[0], box[1]], [box[2], box[3]]], np.float64)
    corners = _unrotate(corners, quarter_turns, shape, 0.0)
    (x0, y0), (x1, y1) = corners.min(axis=0), corners.max(axis=0)
    return (float(x0), float(y0), float(x1), float(y1))


def _unrotate(xy, quarter_turns, shape, pixel):
    # `pixel` is 1 for pixel-centre points (last index W - 1), 0 for edges (last W).
    h, w = float(shape[0]), float(shape[1])
    x, y = xy[:, 0], xy[:, 1]
    k = quarter_turns % 4
    if k == 0:
        out = (x, y)
    elif k == 1:    # rotated[i, j] = image[j, W - 1 - i]
        out = (w - pixel - y, x)
    elif k == 2:    # rotated[i, j] = image[H - 1 - i, W - 1 - j]
        out = (w - pixel - x, h - pixel - y)
    else:           # rotated[i, j] = image[H - 1 - j, i]
        out = (y, h - pixel - x)
    return np.stack(out, axis=-1).astype(np.float32)


def downscale(image, max_side):
    """Shrinks `image` so its longest side is at most `max_side`.

    Returns:
        `(small_image, scale)` with `scale = small / original` (1.0 when untouched).
    """
    import cv2  # pylint: disable=g-import-not-at-top

    h, w = image.shape[:2]
    longest = max(h, w)
    if max_side is None or longest <= max_side:
        return image, 1.0
    scale = max_side / float(longest)
    size = (max(1, int(round(w * scale))), max(1, int(round(h * scale))))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    # The effective scale per axis differs by rounding; use the x one for both.
    return small, size[0] / float(w)


def upscale_points(points, scale):
    """Maps pixel-centre points of a `scale`-times image back to full size."""
    points = np.asarray(points, np.float32)
    return (points + 0.5) / scale - 0.5 if scale != 1.0 else points


def upscale_box(box, scale):
    """Maps box edges of a `scale`-times image back to full size."""
    return tuple(float(v) / scale for v in box)
