"""AutoToon's artist warp fields: their frame, and points mapped through them.

Shapes: N points, h x w the stored field's grid (32 x 32 for `warp32`,
16 x 16 for `warp16`), S = 256 the model frame's side.

How the authors define and apply a field (adobe-research/AutoToon,
`dataset.py`, `models/AutoToon.py`, `test_utils.py`; checked against their
rendered `warp32/visual/*_gt.png`, see below):
    1. The frame. A photo (1024 x 1024) is centre-cropped to 700 x 700
       (`crop_img`: `img[y0:-y0, x0:-x0]` with `y0 = (H - 700) // 2`) and
       resized to S x S by `cv2.resize` (bilinear, pixel centres at
       `(i + 0.5) * S / 700 - 0.5`).
    2. The field. `warpXX/<id>.npy` is float32 `(2, h, w)`: channel 0 is the
       x component, channel 1 the y component, in grid_sample's normalised
       units (2 = the frame's width). It is upsampled to S x S by
       `nn.UpsamplingBilinear2d` (align_corners=True: pixel `i` reads grid
       position `i (h - 1) / (S - 1)`).
    3. The warp is backward: the caricature's pixel q is read from the photo at
       `g(q) = 2 q / (S - 1) - 1 + flow(q)` (`flow_warp`, `grid_sample`), i.e.
       at pixel `q + (S - 1) / 2 * flow(q)`.
So the caricature point q of a photo point p solves
`q + (S - 1) / 2 * flow(q) = p`; `invert` finds it by Newton's method.

Check (scratch script, 4 pairs): resampling the 256-pixel photo this way
reproduces the authors' `_gt.png` renderings to a mean 1.3-2.5 grey levels
(8-bit), against 3.4-21.7 for the other readings (grid_sample's
align_corners=False, the sign flipped, x and y swapped).
"""

import numpy as np

CROP_SIZE = 700  # `crop_img` of AutoToon's dataset.py / test_utils.py.
MODEL_SIZE = 256  # `rescale_img`: the model's input side.


def crop_box(image_shape, crop_size=CROP_SIZE):
    """`(y0, x0, height, width)` of the authors' centre crop of an image.

    Mirrors `img[y0:-y0, x0:-x0]`: the crop is `H - 2 y0` high (701 for an
    odd margin).

    Raises:
        ValueError: the image is not larger than the crop.
    """
    height, width = int(image_shape[0]), int(image_shape[1])
    y0, x0 = (height - crop_size) // 2, (width - crop_size) // 2
    if y0 <= 0 or x0 <= 0:
        raise ValueError(f"AutoToon images must be larger than {crop_size} px a side, "
                         f"got {height} x {width}.")
    return y0, x0, height - 2 * y0, width - 2 * x0


def image_to_model(points, image_shape, size=MODEL_SIZE):
    """`(..., N, 2)` image pixels -> pixels of the S x S model frame."""
    y0, x0, h, w = crop_box(image_shape)
    points = np.asarray(points, np.float64)
    scale = np.array([size / w, size / h])
    return (points - [x0, y0] + 0.5) * scale - 0.5


def model_to_image(points, image_shape, size=MODEL_SIZE):
    """The inverse of `image_to_model`."""
    y0, x0, h, w = crop_box(image_shape)
    points = np.asarray(points, np.float64)
    scale = np.array([w / size, h / size])
    return (points + 0.5) * scale - 0.5 + [x0, y0]


def check_field(field, name="field"):
    """Validates a stored field; returns it as float64 `(2, h, w)`."""
    field = np.asarray(field, np.float64)
    if field.ndim != 3 or field.shape[0] != 2 or min(field.shape[1:]) < 2:
        raise ValueError(f"`{name}` must have shape (2, h, w) with h, w >= 2, got "
                         f"{field.shape}.")
    if not np.all(np.isfinite(field)):
        raise ValueError(f"`{name}` contains NaN or inf values.")
    return field


def sample_field(field, points, size=MODEL_SIZE):
    """The upsampled field at model-frame points, `(..., 2)` (fx, fy) units.

    The continuous form of align_corners=True upsampling: bilinear in the
    stored grid at `p (h - 1) / (S - 1)`, clamped at the border.
    """
    field = check_field(field)
    _, h, w = field.shape
    points = np.asarray(points, np.float64)
    u = np.clip(points[..., 0] * (w - 1) / (size - 1), 0, w - 1)
    v = np.clip(points[..., 1] * (h - 1) / (size - 1), 0, h - 1)
    i0 = np.minimum(np.floor(v).astype(int), h - 2)
    j0 = np.minimum(np.floor(u).astype(int), w - 2)
    tv, tu = v - i0, u - j0
    out = (field[:, i0, j0] * (1 - tv) * (1 - tu) + field[:, i0, j0 + 1] * (1 - tv) * tu
           + field[:, i0 + 1, j0] * tv * (1 - tu) + field[:, i0 + 1, j0 + 1] * tv * tu)
    return np.moveaxis(out, 0, -1)  # (..., 2)


def source(field, points, size=MODEL_SIZE):
    """Where the warp reads each caricature point from: `q + (S-1)/2 flow(q)`."""
    points = np.asarray(points, np.float64)
    return points + (size - 1) / 2.0 * sample_field(field, points, size)


def _jacobian(field, q, size, step=1e-4):
    """Central-difference `(..., 2, 2)` Jacobian of `source`: d source_i / d q_j."""
    columns = [(source(field, q + d, size) - source(field, q - d, size)) / (2 * step)
               for d in (np.array([step, 0.0]), np.array([0.0, step]))]
    return np.stack(columns, axis=-1)


def _newton(field, q, points, size, iterations, tolerance):
    """Damped Newton from starts `q` towards `source(q) = points`, `(M, 2)` each."""
    r = source(field, q, size) - points
    for _ in range(iterations):
        norm = np.linalg.norm(r, axis=-1)
        if np.max(norm) < tolerance:
            break
        jac = _jacobian(field, q, size)
        jac[np.abs(np.linalg.det(jac)) < 1e-9] = np.eye(2)
        delta = np.linalg.solve(jac, r[..., None])[..., 0]
        scale = np.ones(norm.shape)
        for _ in range(30):  # Backtracking: halve the step where the residual grew.
            candidate = q - scale[:, None] * delta
            new_r = source(field, candidate, size) - points
            worse = np.linalg.norm(new_r, axis=-1) >= norm
            if not np.any(worse & (norm >= tolerance)):
                break
            scale = np.where(worse, scale / 2, scale)
        better = np.linalg.norm(new_r, axis=-1) < norm
        q = np.where(better[:, None], candidate, q)
        r = np.where(better[:, None], new_r, r)
    return q, np.linalg.norm(r, axis=-1)


def invert(field, points, size=MODEL_SIZE, iterations=60, tolerance=1e-6, radius=4.0):
    """Caricature points q with `source(q) = p` for model-frame photo points p.

    The stored fields are coarse, and where an artist squeezed a region (often
    the mouth) the upsampled field folds (about 2-4 % of the frame in some
    pairs): there p has several preimages and Newton from p alone can stall.
    So every pixel whose source lies within `radius` pixels of p seeds a damped
    Newton solve; of the exact solutions, one where the warp keeps its
    orientation (positive Jacobian) and, among those, the nearest to p wins.

    Returns:
        `(q (..., N, 2) float64, residual)`: the largest `|source(q) - p|` in
        pixels (0 up to `tolerance` unless a point has no preimage).
    """
    points = np.asarray(points, np.float64)
    flat = points.reshape(-1, 2)
    grid = np.stack(np.meshgrid(np.arange(size, dtype=np.float64),
                                np.arange(size, dtype=np.float64)), -1).reshape(-1, 2)
    grid_source = source(field, grid, size)
    seeds, owners = [], []
    for i, p in enumerate(flat):
        distance = np.linalg.norm(grid_source - p, axis=-1)
        near = np.flatnonzero(distance < max(radius, distance.min() + 1.0))
        seeds.append(np.concatenate([p[None], grid[near]]))
        owners.append(np.full(len(near) + 1, i))
    seeds, owners = np.concatenate(seeds), np.concatenate(owners)
    q, res = _newton(field, seeds, flat[owners], size, iterations, tolerance)
    positive = np.linalg.det(_jacobian(field, q, size)) > 0
    moved = np.linalg.norm(q - flat[owners], axis=-1)
    # Lexicographic choice: solved first, then orientation kept, then nearest.
    score = np.where(res < 1e-3, 0.0, 1e6 + res) + np.where(positive, 0.0, 1e3) + moved
    best = np.array([np.flatnonzero(owners == i)[np.argmin(score[owners == i])]
                     for i in range(len(flat))])
    return q[best].reshape(points.shape), float(res[best].max())


def map_points(field, points, image_shape, size=MODEL_SIZE):
    """Photo points (image pixels) -> caricature points (image pixels).

    Args:
        field: `(2, h, w)` stored warp field.
        points: `(..., N, 2)` photo points in pixels of the full image.
        image_shape: `(H, W)` of the photo (and of its caricature).
        size: the model frame's side. Defaults to 256.

    Returns:
        `(points (..., N, 2) float64, residual)`, see `invert`.
    """
    q, residual = invert(field, image_to_model(points, image_shape, size), size)
    return model_to_image(q, image_shape, size), residual


def warp_image(image, field):
    """The authors' `flow_warp` of an S x S image (bilinear, border padding).

    Args:
        image: `(S, S, C)` array.
        field: `(2, h, w)` stored field.

    Returns:
        float64 `(S, S, C)`.
    """
    image = np.asarray(image, np.float64)
    size = image.shape[0]
    if image.ndim != 3 or image.shape[1] != size:
        raise ValueError(f"`image` must be square (S, S, C), got {image.shape}.")
    grid = np.stack(np.meshgrid(np.arange(size, dtype=np.float64),
                                np.arange(size, dtype=np.float64)), axis=-1)  # (S, S, 2)
    src = np.clip(source(field, grid, size), 0, size - 1)
    x, y = src[..., 0], src[..., 1]
    x0 = np.minimum(np.floor(x).astype(int), size - 2)
    y0 = np.minimum(np.floor(y).astype(int), size - 2)
    tx, ty = (x - x0)[..., None], (y - y0)[..., None]
    return (image[y0, x0] * (1 - tx) * (1 - ty) + image[y0, x0 + 1] * tx * (1 - ty)
            + image[y0 + 1, x0] * (1 - tx) * ty + image[y0 + 1, x0 + 1] * tx * ty)
