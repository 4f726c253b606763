"""Bilinear sampling and dense image warping, numerically as tensorflow-addons 0.23.

Shapes: B batch, H height, W width, C channels, Q query points.

Conventions (kept from tensorflow-addons for drop-in compatibility): query
points and flows are in (y, x) order; `flow[b, y, x] = (dy, dx)` and
`out[b, y, x] = image[b, y - dy, x - dx]`. Samples outside the image take the
nearest border values (the corner indices are clamped to [0, size - 2] and
the interpolation weight to [0, 1]).

Mathematical details:
    With `y0 = clip(floor(qy), 0, H - 2)`, `ay = clip(qy - y0, 0, 1)` (and the
    same for x), the sample is
    `top = I[y0, x0] + ax (I[y0, x0+1] - I[y0, x0])`,
    `bottom = I[y0+1, x0] + ax (I[y0+1, x0+1] - I[y0+1, x0])`,
    `value = top + ay (bottom - top)`.
"""

import tensorflow as tf

from tf_deepexag.warp import _checks


def interpolate_bilinear(grid, query_points, indexing="ij", name=None):
    """Samples `grid` at fractional `query_points` by bilinear interpolation.

    Args:
        grid: float `(B, H, W, C)` tensor, H and W at least 2.
        query_points: float `(B, Q, 2)` tensor, (y, x) for "ij" indexing or
            (x, y) for "xy".
        indexing: `"ij"` or `"xy"`. Defaults to `"ij"`.
        name: optional name scope.

    Returns:
        `(B, Q, C)` tensor of `grid`'s dtype.

    Raises:
        ValueError: bad indexing, ranks or last dimension.
    """
    if indexing not in ("ij", "xy"):
        raise ValueError(f"`indexing` must be 'ij' or 'xy', got {indexing!r}.")
    with tf.name_scope(name or "interpolate_bilinear"):
        grid = tf.convert_to_tensor(grid)
        query_points = tf.convert_to_tensor(query_points)
        _checks.check_rank_and_last_dim(grid, "grid", 4)
        _checks.check_rank_and_last_dim(query_points, "query_points", 3, 2)
        shape = tf.shape(grid)
        batch, height, width, channels = shape[0], shape[1], shape[2], shape[3]
        num_queries = tf.shape(query_points)[1]
        query_type, grid_type = query_points.dtype, grid.dtype
        order = (0, 1) if indexing == "ij" else (1, 0)
        floors, alphas = [], []
        for axis, size in zip(order, (height, width)):
            queries = query_points[..., axis]                        # (B, Q)
            floor = tf.minimum(tf.maximum(tf.zeros([], query_type), tf.floor(queries)),
                               tf.cast(size - 2, query_type))
            alpha = tf.cast(queries - floor, grid_type)
            alpha = tf.clip_by_value(alpha, tf.zeros([], grid_type), tf.ones([], grid_type))
            floors.append(tf.cast(floor, tf.int32))
            alphas.append(alpha[..., None])                          # (B, Q, 1)
        flat = tf.reshape(grid, [batch * height * width, channels])
        # Flat index of the top-left corner, computed once; the other corners
        # are at +1, +W, +W+1. Four plain gathers beat one gather of stacked
        # indices (no stack/unstack copies), with or without XLA (bench/warp.py).
        top_left_index = (tf.range(batch) * height * width)[:, None] \
            + floors[0] * width + floors[1]                        # (B, Q)
        top_left = tf.gather(flat, top_left_index)                   # (B, Q, C)
        top_right = tf.gather(flat, top_left_index + 1)
        bottom_left = tf.gather(flat, top_left_index + width)
        bottom_right = tf.gather(flat, top_left_index + width + 1)
        top = alphas[1] * (top_right - top_left) + top_left
        bottom = alphas[1] * (bottom_right - bottom_left) + bottom_left
        result = alphas[0] * (bottom - top) + top
        return tf.reshape(result, [batch, num_queries, channels])


def dense_image_warp(image, flow, name=None):
    """Warps `image` by a per-pixel `flow`: `out[b, y, x] = image[b, y - dy, x - dx]`.

    Args:
        image: float16/32/64 `(B, H, W, C)` tensor, H and W at least 2.
        flow: float `(B, H, W, 2)` tensor of (dy, dx) offsets (any float dtype).
        name: optional name scope.

    Returns:
        `(B, H, W, C)` tensor of `image`'s dtype.

    Raises:
        ValueError: wrong ranks, shapes or dtypes (naming the argument), or a
            NaN/inf flow (eagerly; in graph mode an `InvalidArgumentError`).

    Example:
        >>> shifted = dense_image_warp(image, tf.fill([1, h, w, 2], 1.0))
        >>> # shifted[:, y, x] == image[:, y - 1, x - 1] inside the image.
    """
    with tf.name_scope(name or "dense_image_warp"):
        image = tf.convert_to_tensor(image)
        flow = tf.convert_to_tensor(flow)
        _checks.check_float(image, "image")
        _checks.check_float(flow, "flow")
        _checks.check_rank_and_last_dim(image, "image", 4)
        _checks.check_rank_and_last_dim(flow, "flow", 4, 2)
        _checks.check_same_leading_dims(image, "image", flow, "flow", 3)
        for axis, label in ((1, "height"), (2, "width")):
            if image.shape[axis] is not None and image.shape[axis] < 2:
                raise ValueError(f"`image` {label} must be at least 2, got shape "
                                 f"{image.shape}.")
        flow = _checks.check_finite(flow, "flow")
        shape = tf.shape(image)
        batch, height, width, channels = shape[0], shape[1], shape[2], shape[3]
        grid_y, grid_x = tf.meshgrid(tf.range(height), tf.range(width), indexing="ij")
        grid = tf.cast(tf.stack([grid_y, grid_x], axis=-1), flow.dtype)  # (H, W, 2)
        queries = tf.reshape(grid[None] - flow, [batch, height * width, 2])
        warped = interpolate_bilinear(image, queries)
        return tf.reshape(warped, [batch, height, width, channels])

