"""Small unpaired image folders written on the fly (mixed sizes and modes)."""

import os

import numpy as np
from PIL import Image


def structured_image(rng, h, w):
    """A smooth random colour field with a disc: (h, w, 3) uint8."""
    y, x = np.mgrid[0:h, 0:w] / max(h, w)
    f = rng.uniform(1, 4, 3)
    img = np.stack([np.sin(f[c] * 4 * x + c) * np.cos(f[c] * 3 * y) for c in range(3)], -1)
    cy, cx, r = rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7), rng.uniform(0.1, 0.25)
    img[(y - cy) ** 2 + (x - cx) ** 2 < r * r] = rng.uniform(-1, 1, 3)
    return ((img + 1) * 127.5).clip(0, 255).astype(np.uint8)


def write_unpaired(root, per_domain=3, seed=0, modes=True):
    """Writes trainA/trainB/testA/testB; with `modes`, trainA also gets a
    grayscale and an RGBA image of other sizes. Returns `root`."""
    rng = np.random.default_rng(seed)
    for d in ("trainA", "trainB", "testA", "testB"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
        for i in range(per_domain):
            img = structured_image(rng, 40 + 4 * i, 48)
            Image.fromarray(img).save(os.path.join(root, d, f"{i}.png"))
    if modes:
        gray = structured_image(rng, 30, 50)[..., 0]
        Image.fromarray(gray, "L").save(os.path.join(root, "trainA", "gray.png"))
        rgba = np.concatenate([structured_image(rng, 50, 30),
                               np.full((50, 30, 1), 128, np.uint8)], -1)
        Image.fromarray(rgba, "RGBA").save(os.path.join(root, "trainA", "rgba.png"))
        Image.fromarray(structured_image(rng, 33, 33)).save(
            os.path.join(root, "trainB", "x.jpg"), quality=90)
    return str(root)
