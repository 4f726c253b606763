"""Encoding of the app's answers: one caricature, a grid of samples, panels, morphs.

With several samples `POST /api/caricature` answers one PNG: the samples in a
grid of up to `GRID_COLUMNS` a row, left to right then top to bottom, on
white, each tile the caricature shrunk so the grid's longest side is at most
`MAX_GRID_SIDE` pixels. With `morph=1` it answers one animated WebP laid out
the same way, frame by frame.
"""

import base64

import cv2
import numpy as np

GRID_COLUMNS = 4
MAX_GRID_SIDE = 4096
GRID_GAP = 8  # white pixels between tiles


def encode_png(image):
    """uint8 RGB `(H, W, 3)` -> PNG bytes."""
    ok, encoded = cv2.imencode(".png", np.ascontiguousarray(image[..., ::-1]))
    if not ok:
        raise ValueError(f"Cannot encode an image of shape {image.shape} as PNG.")
    return encoded.tobytes()


def data_url(image):
    """uint8 RGB image -> `data:image/png;base64,...` for the page."""
    return "data:image/png;base64," + base64.b64encode(encode_png(image)).decode("ascii")


def encode_webp(animation):
    """A `motion.Morph` -> animated WebP bytes (looping)."""
    from tf_deepexag import motion  # pylint: disable=g-import-not-at-top

    return motion.encode_webp(animation)


def webp_data_url(animation):
    """A `motion.Morph` -> `data:image/webp;base64,...` for the page."""
    return "data:image/webp;base64," + base64.b64encode(encode_webp(animation)).decode(
        "ascii")


def morph_grid(animations):
    """The samples' morphs as one `motion.Morph`, each frame laid out by `grid`.

    Args:
        animations: list of `motion.Morph` with one timing and frame shape.
    """
    from tf_deepexag import motion  # pylint: disable=g-import-not-at-top

    if not animations:
        raise ValueError("`animations` must not be empty.")
    first = animations[0]
    if any((a.periods, a.fps) != (first.periods, first.fps) for a in animations):
        raise ValueError("`animations` must share one timing.")
    frames = tuple(grid([a.frames[k] for a in animations]) for k in range(len(first.frames)))
    return motion.Morph(frames, first.periods, first.fps)


def grid(images, columns=GRID_COLUMNS, max_side=MAX_GRID_SIDE, gap=GRID_GAP):
    """Lays out equally sized images in a grid.

    Args:
        images: list of uint8 `(H, W, 3)` with one shape.
        columns: int, tiles a row at most.
        max_side: int, the grid's longest side at most (tiles are shrunk).
        gap: int, white pixels between tiles.

    Returns:
        uint8 `(rows * h + (rows - 1) * gap, cols * w + (cols - 1) * gap, 3)`,
        the first image alone when there is one.
    """
    if not images:
        raise ValueError("`images` must not be empty.")
    if len(images) == 1:
        return images[0]
    h, w = images[0].shape[:2]
    if any(im.shape[:2] != (h, w) for im in images):
        raise ValueError(f"`images` must share one shape, got "
                         f"{[im.shape for im in images]}.")
    cols = min(columns, len(images))
    rows = -(-len(images) // cols)
    scale = min(1.0, (max_side - (cols - 1) * gap) / float(cols * w),
                (max_side - (rows - 1) * gap) / float(rows * h))
    if scale < 1:
        size = (max(1, int(w * scale)), max(1, int(h * scale)))
        images = [cv2.resize(im, size, interpolation=cv2.INTER_AREA) for im in images]
        h, w = images[0].shape[:2]
    out = np.full((rows * h + (rows - 1) * gap, cols * w + (cols - 1) * gap, 3), 255,
                  np.uint8)
    for k, im in enumerate(images):
        r, c = divmod(k, cols)
        out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = im
    return out
