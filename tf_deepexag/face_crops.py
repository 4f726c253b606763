"""The pipeline's face crops: a square box around a face, the crop cut out of
the photo at the working size, and the processed crop pasted back.

Shapes: N points `(N, 2)` float (x, y) photo pixels; images `(H, W, 3)`
uint8 RGB; crops `(S, S, 3)`.
"""

import cv2
import numpy as np

from tf_deepexag import plane_map


def face_width(points):
    """The horizontal extent of `(N, 2)` points, in their pixels."""
    points = np.asarray(points)
    return float(points[:, 0].max() - points[:, 0].min())


def face_crop_box(points, image_shape, radius=plane_map.CROP_RADIUS):
    """A square box around the head: `plane_map.head_box` in whole pixels.

    It holds the whole head and the map's inner pinned ring with a band
    beyond it (where the map is still), whatever the crop is resized to.

    Args:
        points: `(68, 2)` landmarks in photo pixels.
        image_shape: the photo's `(H, W, ...)`; the box may extend past it.
        radius: float, half the side in face sizes (`plane_map.face_frame`).

    Returns:
        `(x0, y0, x1, y1)` integer box (x1, y1 exclusive).
    """
    bx0, by0, bx1, by1 = plane_map.head_box(points, radius)
    half = max(0.5 * float(bx1 - bx0), 8.0)
    centre = (0.5 * float(bx0 + bx1), 0.5 * float(by0 + by1))
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


def paste_back(photo, crop, box, points, feather=None):
    """Blends a processed square crop back into the photo with a feathered mask.

    The mask is the convex hull of the points, grown and blurred, so only
    that region changes and the seam is invisible.

    Args:
        photo: uint8 `(H, W, 3)`.
        crop: uint8 `(S, S, 3)`, the processed crop of `box` at any side S.
        box: `(x0, y0, x1, y1)` square box of the crop in the photo.
        points: `(..., 2)` points in `crop` pixels (e.g. the map's inner
            pinned ring, `paste_points`, so the hull covers everything the
            map moves).
        feather: float or None, the width in `crop` pixels of the band
            beyond the hull where the mask fades out; None: a sixth of the
            box side.

    Returns:
        uint8 `(H, W, 3)`.
    """
    x0, y0, x1, y1 = box
    size = x1 - x0
    h, w = photo.shape[:2]
    # Points are in crop pixels: scale them to the box before the crop is.
    scale = size / float(crop.shape[0])
    crop = cv2.resize(crop, (size, size), interpolation=cv2.INTER_CUBIC)
    points = np.asarray(points, np.float32).reshape(-1, 2) * scale
    mask = feathered_mask(size, points, None if feather is None else feather * scale)
    mask = mask[..., None]
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


def feathered_mask(size, points, feather=None):
    """The paste mask `(size, size)` float32: 1 on the convex hull of `points`
    (pixels), fading out over about `feather` pixels beyond it (None: a sixth
    of `size`)."""
    mask = np.zeros((size, size), np.float32)
    hull = cv2.convexHull(np.round(np.asarray(points, np.float32)).astype(np.int32))
    cv2.fillConvexPoly(mask, hull, 1.0)
    # The mask fades from the hull to about twice the dilation beyond it.
    grow = (max(3, size // 12) if feather is None else max(3, int(0.5 * float(feather)))) | 1
    mask = cv2.dilate(mask, np.ones((grow, grow), np.uint8))
    return cv2.GaussianBlur(mask, (0, 0), sigmaX=grow / 2.0)


def paste_points(plane, landmarks):
    """`(points, feather)` for `paste_back` of a crop warped by `plane` (a
    `plane_map.PlaneMap` in crop pixels): the map's inner pinned ring (the
    hull covers everything the map moves) and a band that fades out before
    the crop's edge (`plane_map.CROP_RADIUS`)."""
    ring = plane.source[plane.num_controls:][:plane_map.PINS_PER_RING]
    _, size, _ = plane_map.face_frame(landmarks)
    return ring, (plane_map.CROP_RADIUS - plane_map.PIN_RADII[0]) * float(size)

