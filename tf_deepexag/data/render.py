"""Renders landmark faces as images: the two domains of the synthetic style set.

`photo` style: smooth shading, soft edges, sensor noise, a lit background.
`caricature` style: flat colours, thick dark outlines, paper background.
The two differ in style the way photos and drawn caricatures do, so an
unpaired translator has something to learn.
"""

import cv2
import numpy as np

SKIN_TONES = np.array([[224, 172, 140], [198, 134, 100], [241, 194, 160],
                       [160, 105, 75], [230, 185, 150]], np.float64)
HAIR_COLOURS = np.array([[40, 30, 25], [90, 60, 35], [150, 110, 60], [20, 20, 20],
                         [180, 150, 100]], np.float64)


def _forehead(points):
    """An arc over the brows closing the jaw into a head outline, `(K, 2)`."""
    left, right = points[0], points[16]
    centre = (left + right) / 2.0
    width = np.linalg.norm(right - left) / 2.0
    brow_top = points[17:27, 1].min()
    height = (centre[1] - brow_top) + 0.45 * width
    angles = np.linspace(0.0, np.pi, 15)
    return np.stack([centre[0] + width * np.cos(angles),
                     centre[1] - height * np.sin(angles)], axis=-1)


def _poly(points):
    return [np.round(points * 16).astype(np.int32)]  # 4 fractional bits


def render_face(points, style, rng, size=256):
    """Draws one face.

    Args:
        points: `(68, 2)` (x, y) landmarks in a `size`-pixel frame.
        style: `"photo"` or `"caricature"`.
        rng: `np.random.Generator` for colours, lighting and noise.
        size: int, the image side.

    Returns:
        uint8 `(size, size, 3)` RGB image.
    """
    if style not in ("photo", "caricature"):
        raise ValueError(f"`style` must be 'photo' or 'caricature', got {style!r}.")
    points = np.asarray(points, np.float64)
    skin = SKIN_TONES[rng.integers(len(SKIN_TONES))] + rng.normal(0, 8, 3)
    hair = HAIR_COLOURS[rng.integers(len(HAIR_COLOURS))]
    photo = style == "photo"
    shift = 4  # cv2 fixed-point fractional bits, matching `_poly`
    line = cv2.LINE_AA
    if photo:
        top, bottom = rng.uniform(60, 200, 3), rng.uniform(40, 180, 3)
        ramp = np.linspace(0, 1, size)[:, None, None]
        canvas = (top * (1 - ramp) + bottom * ramp) * np.ones((size, size, 1))
    else:
        canvas = np.full((size, size, 3), 245.0) + rng.normal(0, 3, 3)
    canvas = np.clip(canvas, 0, 255).astype(np.uint8).copy()
    head = np.concatenate([points[:17], _forehead(points)[1:-1]])
    hair_outline = np.concatenate([_forehead(points) * [1, 1] - [0, 0.12 * size],
                                   points[16:15:-1], points[:1]])
    outline = (30, 25, 25)
    thick = 2 if not photo else 1
    cv2.fillPoly(canvas, _poly(hair_outline), hair.tolist(), line, shift)
    cv2.fillPoly(canvas, _poly(head), skin.tolist(), line, shift)
    for group in (range(17, 22), range(22, 27)):
        cv2.polylines(canvas, _poly(points[list(group)]), False, hair.tolist(),
                      max(2, size // 64), line, shift)
    for eye in (range(36, 42), range(42, 48)):
        eye_pts = points[list(eye)]
        cv2.fillPoly(canvas, _poly(eye_pts), (250, 250, 250), line, shift)
        centre = eye_pts.mean(axis=0)
        radius = 0.22 * np.linalg.norm(eye_pts[3] - eye_pts[0])
        cv2.circle(canvas, tuple(np.round(centre * 16).astype(int)),
                   int(radius * 16), (60, 40, 30), -1, line, shift)
        if not photo:
            cv2.polylines(canvas, _poly(eye_pts), True, outline, thick, line, shift)
    nose_colour = (skin * 0.7).tolist()
    cv2.polylines(canvas, _poly(points[27:31]), False, nose_colour, thick, line, shift)
    cv2.polylines(canvas, _poly(points[31:36]), False,
                  outline if not photo else nose_colour, thick + 1, line, shift)
    lip = (190, 70, 70) if photo else (220, 40, 40)
    cv2.fillPoly(canvas, _poly(points[48:60]), lip, line, shift)
    cv2.fillPoly(canvas, _poly(points[60:68]), (90, 20, 30), line, shift)
    if photo:
        # Soft light from one side, blur and sensor noise.
        light = np.linspace(rng.uniform(0.75, 0.95), rng.uniform(1.0, 1.15), size)
        image = canvas.astype(np.float64) * light[None, :, None]
        image = cv2.GaussianBlur(image, (0, 0), 1.2)
        image += rng.normal(0, 4, image.shape)
        return np.clip(image, 0, 255).astype(np.uint8)
    cv2.polylines(canvas, _poly(head), True, outline, thick + 1, line, shift)
    cv2.polylines(canvas, _poly(points[48:60]), True, outline, thick, line, shift)
    return canvas
