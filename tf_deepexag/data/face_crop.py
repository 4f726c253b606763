"""Face-centred square crops for the style model's unpaired images.

Shapes: points `(N, 2)` float (x, y) pixels, N = 68 (iBUG) or 17
(WebCaricature); images `(H, W, 3)` uint8 RGB.

Mathematical details (the FFHQ crop rule of Karras et al., "A Style-Based
Generator Architecture for GANs", CVPR 2019, without its rotation): with the
eye centres e_r, e_l and the mouth centre m,
    e = (e_r + e_l) / 2,   d_eye = |e_l - e_r|,   d_mouth = |m - e|
    half side = max(2.0 * d_eye, 1.8 * d_mouth)
    centre    = e + 0.1 * (m - e)
so the square holds the head with its hair and chin, as the selfie2anime
crops U-GAT-IT was trained on. The square stays axis-aligned (a caricature's
tilt is part of its style) and is shrunk and shifted to lie inside the image,
so crops never hold padding.
"""

import numpy as np
from PIL import Image

# Eye and mouth-corner indices per scheme: iBUG 300-W markup (right eye
# 36-41, left eye 42-47, mouth corners 48 and 54) and WebCaricature's 17
# points (`landmarks.WEBCARICATURE17`: eyes 8-9 and 10-11, mouth 15-16).
_ANCHORS = {
    68: (tuple(range(36, 42)), tuple(range(42, 48)), (48, 54)),
    17: ((8, 9), (10, 11), (15, 16)),
}


def face_square(points, scale=1.0):
    """The face-centred square of a face's landmarks.

    Args:
        points: `(68, 2)` or `(17, 2)` (x, y) landmarks.
        scale: float, multiplies the side. Defaults to `1.0`.

    Returns:
        `(cx, cy, side)` floats, in the points' pixels.

    Raises:
        ValueError: another number of points, non-finite points, or a face
            whose eyes and mouth coincide.
    """
    points = np.asarray(points, np.float64)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) not in _ANCHORS:
        raise ValueError(f"`points` must have shape (68, 2) or (17, 2), got {points.shape}.")
    if not np.all(np.isfinite(points)):
        raise ValueError("`points` contains NaN or inf values.")
    right, left, mouth = (points[list(i)].mean(axis=0) for i in _ANCHORS[len(points)])
    eyes = (right + left) / 2.0
    half = max(2.0 * np.linalg.norm(left - right), 1.8 * np.linalg.norm(mouth - eyes))
    if half <= 0:
        raise ValueError("`points` place the eyes and the mouth at one point.")
    centre = eyes + 0.1 * (mouth - eyes)
    return float(centre[0]), float(centre[1]), float(2.0 * half * scale)


def fit_square(cx, cy, side, width, height):
    """An integer square box of about `side` centred near (cx, cy) inside the image.

    The side is capped at the image's shorter side; the box is then shifted
    (not shrunk further) to lie inside the image.

    Returns:
        `(x0, y0, x1, y1)` ints with `x1 - x0 == y1 - y0`, pixel edges.
    """
    side = int(np.floor(min(max(side, 1.0), width, height) + 0.5))
    # Pixel centres sit at integers: pixels x0 .. x0 + side - 1 centre on cx.
    x0 = int(np.floor(cx + 0.5 - side / 2.0 + 0.5))
    y0 = int(np.floor(cy + 0.5 - side / 2.0 + 0.5))
    x0 = min(max(x0, 0), width - side)
    y0 = min(max(y0, 0), height - side)
    return x0, y0, x0 + side, y0 + side


def centre_square(width, height):
    """The largest centred square box `(x0, y0, x1, y1)` of a width x height image."""
    return fit_square((width - 1) / 2.0, (height - 1) / 2.0, min(width, height),
                      width, height)


def crop_resize(image, box, size):
    """Crops `box` out of `image` and resizes it to `(size, size, 3)` uint8.

    Lanczos resampling (PIL antialiases when shrinking).
    """
    x0, y0, x1, y1 = box
    crop = Image.fromarray(np.ascontiguousarray(image[y0:y1, x0:x1]))
    if crop.size != (size, size):
        crop = crop.resize((size, size), Image.LANCZOS)
    return np.asarray(crop, np.uint8)
