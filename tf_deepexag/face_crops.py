"""The pipeline's face crops: a square box around a face, the crop cut out of
the photo at the working size, and the processed crop pasted back.

Shapes: N points `(N, 2)` float (x, y) photo pixels; images `(H, W, 3)`
uint8 RGB; crops `(S, S, 3)`.
"""

import cv2
import numpy as np


def face_width(points):
    """The horizontal extent of `(N, 2)` points, in their pixels."""
    points = np.asarray(points)
    return float(points[:, 0].max() - points[:, 0].min())


def face_crop_box(points, image_shape, margin=0.9):
    """A square box around the landmarks, `margin` times their size each side.

    Args:
        points: `(N, 2)` landmarks in photo pixels.
        image_shape: the photo's `(H, W, ...)`; the box may extend past it.
        margin: float, extra room relative to the landmark extent.

    Returns:
        `(x0, y0, x1, y1)` integer box (x1, y1 exclusive).
    """
    lo, hi = points.min(axis=0), points.max(axis=0)
    centre = (lo + hi) / 2.0
    centre[1] -= 0.1 * (hi[1] - lo[1])  # landmarks stop at the brows: make room
    half = 0.5 * float(max(hi - lo)) * (1.0 + margin)
    half = max(half, 8.0)
    x0, y0 = int(np.floor(centre[0] - half)), int(np.floor(centre[1] - half))
    size = int(np.ceil(2 * half))
    del image_shape  # the crop pads with the border colour when it leaves the photo
    return x0, y0, x0 + size, y0 + size


def crop_and_resize(image, box, size):
    """Cuts `box` out of `image` (replicating the border) and resizes to `size`."""
    x0, y0, x1, y1 = box
    h, w = image.shape[:2]
    pad = max(0, -x0, -y0, x1 - w, y1 - h)
    if pad:
        image = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    crop = image[y0 + pad:y1 + pad, x0 + pad:x1 + pad]
    interpolation = cv2.INTER_AREA if crop.shape[0] > size else cv2.INTER_CUBIC
    return cv2.resize(crop, (size, size), interpolation=interpolation)


def paste_back(photo, crop, box, points):
    """Blends a processed square crop back into the photo with a feathered mask.

    The mask is the convex hull of the face points, grown and blurred, so only
    the face region changes and the seam is invisible.

    Args:
        photo: uint8 `(H, W, 3)`.
        crop: uint8 `(S, S, 3)`, the processed crop of `box` at any side S.
        box: `(x0, y0, x1, y1)` square box of the crop in the photo.
        points: `(..., 2)` points in `crop` pixels (e.g. the photo's and the
            generated landmarks stacked, so the hull covers both faces).

    Returns:
        uint8 `(H, W, 3)`.
    """
    x0, y0, x1, y1 = box
    size = x1 - x0
    h, w = photo.shape[:2]
    # Points are in crop pixels: scale them to the box before the crop is.
    scale = size / float(crop.shape[0])
    crop = cv2.resize(crop, (size, size), interpolation=cv2.INTER_CUBIC)
    mask = np.zeros(crop.shape[:2], np.float32)
    points = np.asarray(points, np.float32).reshape(-1, 2)
    hull = cv2.convexHull(np.round(points * scale).astype(np.int32))
    cv2.fillConvexPoly(mask, hull, 1.0)
    grow = max(3, size // 12) | 1
    mask = cv2.dilate(mask, np.ones((grow, grow), np.uint8))
    mask = cv2.GaussianBlur(mask, (0, 0), sigmaX=grow / 2.0)[..., None]
    out = photo.astype(np.float32)
    # Intersect the box with the photo.
    ax0, ay0, ax1, ay1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if ax0 >= ax1 or ay0 >= ay1:
        return photo
    sub_crop = crop[ay0 - y0:ay1 - y0, ax0 - x0:ax1 - x0].astype(np.float32)
    sub_mask = mask[ay0 - y0:ay1 - y0, ax0 - x0:ax1 - x0]
    region = out[ay0:ay1, ax0:ax1]
    out[ay0:ay1, ax0:ax1] = region * (1 - sub_mask) + sub_crop * sub_mask
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)
