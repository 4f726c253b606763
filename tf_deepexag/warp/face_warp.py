"""`warp_face`: the pipeline's thin-plate-spline warp of a photo onto new landmarks.

Shapes: H, W image size, C channels, N landmarks.

Differences from `sparse_image_warp`, for photos of any size:
- points in (x, y) pixel order (the pipeline's convention), converted to the
  warp's (y, x) here and nowhere else;
- the border is pinned with zero-flow control points, so the background does
  not swim;
- the spline is solved in float64 on the control points only and evaluated
  in float32 on a coarse grid of nodes at multiples of `grid_step` pixels;
  the flow is upsampled bilinearly and applied by one bilinear sampler
  (`dense_image_warp` for float images, the integer sampler of
  `_rgb_uint8_sampler` for uint8 RGB). Memory is O(H W) instead of the
  O(H W (N + 3)) of evaluating the spline per pixel. Measured against the
  exact per-pixel spline (the astronaut at 512^2, `_exaggerated` points of
  `tests/warp/test_warp_face.py`, flow up to 10 px): step 8 mean 0.004 px,
  99th percentile 0.04 px, 99.9th 0.46 px, max 2.4 px right beside a
  landmark whose neighbours move differently; step 4 mean 0.001 px, max
  0.7 px;
- uint8 images come back as uint8 (rounded), float images in their dtype.

Eager calls run the small solve as a TensorFlow graph and the rest as the
XLA programs of `_eager_programs` (bench/warp.py times them); inside a
`tf.function` it is plain TensorFlow ops (exported graphs need no XLA).

Mathematical details:
    Thin-plate spline (order 2) through the destination points `d_i` with
    values `d_i - s_i` (the backward flow, tensorflow-addons' convention):
    `flow(p) = sum_i w_i phi(|p - d_i|^2) + A [p, 1]`, `phi(r) = 0.5 r log r`,
    and `out(p) = image(p - flow(p))`, so the photo's point `s_i` appears
    at `d_i`. With border points `b_j` (value 0) appended to the `d_i` as
    centres `c_k`, the weights solve
        [K + lambda I   P] [w]   [f]
        [P^T            0] [A] = [0],   K_kl = phi(|c_k - c_l|^2), P = [c, 1],
    which makes `flow` the interpolant of least bending energy
    `integral (f_yy^2 + 2 f_xy^2 + f_xx^2)` (lambda = 0). Bookstein (1989),
    "Principal warps: thin-plate splines and the decomposition of
    deformations", section II.
"""

import threading

import numpy as np
import tensorflow as tf

from tf_deepexag.warp import _checks
from tf_deepexag.warp import _rgb_uint8_sampler as _sampler
from tf_deepexag.warp.dense_image_warp import dense_image_warp
from tf_deepexag.warp import interpolate_spline as _spline


def _border_points(height, width, per_edge):
    """`(4 * per_edge, 2)` (y, x) points evenly spaced around the image border."""
    h, w = tf.cast(height - 1, tf.float64), tf.cast(width - 1, tf.float64)
    t = tf.linspace(tf.constant(0.0, tf.float64), 1.0, per_edge + 1)[:-1]  # [0, 1)
    zeros, ones = tf.zeros_like(t), tf.ones_like(t)
    return tf.concat([
        tf.stack([zeros, t * w], -1),            # top, left to right
        tf.stack([t * h, ones * w], -1),         # right, top to bottom
        tf.stack([ones * h, (1 - t) * w], -1),   # bottom, right to left
        tf.stack([(1 - t) * h, zeros], -1),      # left, bottom to top
    ], axis=0)


def _solve(height, width, src_points_xy, dst_points_xy, border_points_per_edge,
           regularization_weight):
    """Solves the thin-plate spline on the landmarks and the border points.

    Coordinates are in units of the longer side: the kernel values stay O(1),
    so the grid evaluation is accurate in float32; the small system is solved
    in float64. The thin-plate spline is scale-equivariant (r^2 log(s^2 r^2)
    differs by an affine term), so this changes nothing at
    regularization_weight=0; a positive weight is in these units.

    Returns:
        `(controls, w, v)`: float32 `(1, M, 2)` scaled (y, x) centres, `(1, M, 2)`
        kernel weights and `(1, 3, 2)` affine part.
    """
    src = tf.cast(tf.reshape(src_points_xy, [-1, 2]), tf.float64)[:, ::-1]  # (N, 2) y, x
    dst = tf.cast(tf.reshape(dst_points_xy, [-1, 2]), tf.float64)[:, ::-1]
    border = _border_points(height, width, border_points_per_edge)
    controls = tf.concat([dst, border], axis=0)[None]               # (1, M, 2), M = N + 4E
    values = tf.concat([dst - src, tf.zeros_like(border)], axis=0)[None]
    controls /= tf.cast(tf.maximum(height, width) - 1, tf.float64)
    w, v = _spline.solve_interpolation(controls, values, 2, regularization_weight)
    return tuple(tf.cast(t, tf.float32) for t in (controls, w, v))


def _coarse_flow(height, width, controls, w, v, grid_step):
    """The spline at the nodes `(i, j) * grid_step`: `(1, Gh, Gw, 2)` float32.

    `Gh = ceil(H / grid_step) + 1` (and the same for W), so the last node is
    at or past the far edge and every pixel lies between two nodes. Squared
    distances are taken per axis on the regular grid (no `|a|^2 - 2ab + |b|^2`
    cancellation).
    """
    grid_h = (height + grid_step - 1) // grid_step + 1
    grid_w = (width + grid_step - 1) // grid_step + 1
    unit = tf.cast(grid_step, tf.float32) / tf.cast(tf.maximum(height, width) - 1, tf.float32)
    node_y = tf.cast(tf.range(grid_h), tf.float32) * unit            # (Gh,)
    node_x = tf.cast(tf.range(grid_w), tf.float32) * unit            # (Gw,)
    dy2 = tf.square(node_y[:, None] - controls[0, :, 0])            # (Gh, M)
    dx2 = tf.square(node_x[:, None] - controls[0, :, 1])            # (Gw, M)
    r = tf.reshape(dy2[:, None] + dx2[None], [1, grid_h * grid_w, -1])  # (1, G, M)
    rbf = tf.matmul(_spline.phi(r, 2), w)                           # (1, G, 2)
    grid_y, grid_x = tf.meshgrid(node_y, node_x, indexing="ij")
    affine = (grid_y[..., None] * v[0, 0] + grid_x[..., None] * v[0, 1] + v[0, 2])
    return tf.reshape(rbf, [1, grid_h, grid_w, 2]) + affine[None]   # (1, Gh, Gw, 2)


def _coarse_flow_like(like, controls, w, v, grid_step):
    """`_coarse_flow` for the image size of `like` (static under XLA)."""
    return _coarse_flow(tf.shape(like)[1], tf.shape(like)[2], controls, w, v, grid_step)


def _dense_flow(like, controls, w, v, grid_step):
    """The `(1, H, W, 2)` flow for the image size of `like` (coarse grid, upsampled)."""
    coarse = _coarse_flow_like(like, controls, w, v, grid_step)
    return _sampler.upsample_flow_matmul(coarse, like, grid_step)


# Eager calls run the small solve as a graph (TensorFlow's LU is ~4x faster
# than XLA's QR-based solve here) and the rest as four XLA programs: the coarse grid, its upsampling,
# the sampler and the unpacking (float images: dense_image_warp).
# Fused into one program XLA recomputes producers inside every gather and the
# upsampling per pixel (2-3x slower, bench/warp.py). Each new image size
# compiles once. Inside a caller's tf.function warp_face stays plain ops, so
# exported graphs need no XLA.
_EAGER_PROGRAMS = {}
_EAGER_PROGRAMS_LOCK = threading.Lock()


def _eager_programs(grid_step, border_points_per_edge, regularization_weight, dtype):
    """The eager path's compiled functions for these settings (built once).

    Fixed input signatures (dynamic sizes) keep the per-call dispatch cost
    low; XLA still compiles once per concrete image size. No autograph: the
    functions have no Python control flow on tensors, and converting them
    cost ~0.8 s of a process's first warp (bench/cold_start.py).
    """
    key = (grid_step, border_points_per_edge, regularization_weight, dtype)
    with _EAGER_PROGRAMS_LOCK:  # one set (one compilation) when threads race
        if key in _EAGER_PROGRAMS:
            return _EAGER_PROGRAMS[key]
        scalar = tf.TensorSpec([], tf.int32)
        points = tf.TensorSpec([None, 2], tf.float64)
        image = tf.TensorSpec([1, None, None, None], dtype)
        spline = [tf.TensorSpec([1, None, 2], tf.float32), tf.TensorSpec([1, None, 2], tf.float32),
                  tf.TensorSpec([1, 3, 2], tf.float32)]
        coarse = tf.TensorSpec([1, None, None, 2], tf.float32)
        _EAGER_PROGRAMS[key] = (
            tf.function(lambda h, w, s, d: _solve(h, w, s, d, border_points_per_edge,
                                                  regularization_weight),
                        input_signature=[scalar, scalar, points, points], autograph=False),
            tf.function(lambda like, c, w, v: _coarse_flow_like(like, c, w, v, grid_step),
                        input_signature=[image] + spline, jit_compile=True, autograph=False),
            tf.function(lambda c, like: _sampler.upsample_flow(c, like, grid_step),
                        input_signature=[coarse, image], jit_compile=True, autograph=False),
            tf.function(_sampler.warp_rgb_uint8, jit_compile=True, autograph=False,
                        input_signature=[tf.TensorSpec([1, None, None, 3], tf.uint8), coarse]),
            tf.function(_sampler.unpack_rgb0, jit_compile=True, autograph=False,
                        input_signature=[tf.TensorSpec([1, None, None], tf.int32)]))
        return _EAGER_PROGRAMS[key]


def _tensorflow_warp(batched, src, dst, rgb_uint8, grid_step, border_points_per_edge,
                     regularization_weight):
    """`warp_face` in TensorFlow ops on checked `(1, H, W, C)` inputs.

    Eagerly: the solve as a graph and the XLA programs of `_eager_programs`;
    inside a `tf.function`: plain ops. uint8 RGB takes the integer sampler,
    other images `dense_image_warp` (uint8 rounded back).
    """
    shape = tf.shape(batched)
    height, width = shape[1], shape[2]
    if tf.executing_eagerly():
        solve, coarse_flow, upsample, sample, unpack = _eager_programs(
            grid_step, border_points_per_edge, regularization_weight, batched.dtype)
        controls, w, v = solve(height, width, src, dst)
        flow = upsample(coarse_flow(batched, controls, w, v), batched)  # (1, H, W, 2)
    else:
        sample, unpack = _sampler.warp_rgb_uint8, _sampler.unpack_rgb0
        controls, w, v = _solve(height, width, src, dst, border_points_per_edge,
                                regularization_weight)
        flow = _dense_flow(batched, controls, w, v, grid_step)  # (1, H, W, 2)
    if rgb_uint8:
        return unpack(sample(batched, flow))
    working = tf.cast(batched, tf.float32) if batched.dtype == tf.uint8 else batched
    # The flow stays float32 for float16 images: float16 positions would be
    # off by up to half a pixel in a 1000 px photo.
    flow = tf.cast(flow, tf.float64) if working.dtype == tf.float64 else flow
    warped = dense_image_warp(working, flow)
    if batched.dtype == tf.uint8:
        warped = tf.cast(tf.clip_by_value(tf.round(warped), 0.0, 255.0), tf.uint8)
    return warped


def face_flow(height, width, src_points_xy, dst_points_xy, grid_step=8,
              border_points_per_edge=8, regularization_weight=0.0):
    """The dense `(1, H, W, 2)` float32 (dy, dx) flow of `warp_face`.

    See `warp_face` for the arguments.
    """
    controls, w, v = _solve(height, width, src_points_xy, dst_points_xy,
                            border_points_per_edge, regularization_weight)
    like = tf.zeros(tf.stack([1, height, width, 0]))
    return _dense_flow(like, controls, w, v, grid_step)


def warp_face(image, src_points_xy, dst_points_xy, grid_step=8,
              border_points_per_edge=8, regularization_weight=0.0):
    """Warps a photo so that its landmarks move from `src` to `dst`.

    Args:
        image: `(H, W, C)` or `(1, H, W, C)` uint8 or float image (NumPy or
            tensor); H and W may be dynamic inside a `tf.function`.
        src_points_xy: `(N, 2)` (x, y) landmarks in the photo. Points outside
            the image are fine.
        dst_points_xy: `(N, 2)` (x, y) positions they move to.
        grid_step: int, pixels between the coarse-grid nodes where the spline
            is evaluated. Defaults to 8.
        border_points_per_edge: int >= 0, zero-flow points pinning each image
            edge. Defaults to 8. The pipeline passes 0 and the pins of its
            `plane_map.PlaneMap` among the points, so the warp is that map.
        regularization_weight: float >= 0, spline smoothing, in coordinates
            where the longer image side is 1. Defaults to 0 (the landmarks
            land exactly on `dst`).

    Returns:
        The warped image, of the input's shape and dtype (a NumPy array when
        called eagerly with one, else a tensor).

    Raises:
        ValueError: bad ranks or shapes (naming the argument), NaN/inf points
            (eagerly; `InvalidArgumentError` in a `tf.function`), or fewer
            than 3 landmarks.

    Example:
        >>> out = warp_face(photo_uint8, points, exaggerated_points)
        >>> out.dtype, out.shape == photo_uint8.shape
        (dtype('uint8'), True)
    """
    if int(grid_step) < 1:
        raise ValueError(f"`grid_step` must be at least 1, got {grid_step}.")
    if int(border_points_per_edge) < 0:
        raise ValueError(f"`border_points_per_edge` must be at least 0, got "
                         f"{border_points_per_edge}.")
    eager = tf.executing_eagerly()
    as_numpy = not tf.is_tensor(image) and eager
    # Eagerly, NumPy arrays and tensors are checked and cast in NumPy and an
    # image is batched as a view before its one conversion: each eager op
    # (convert, cast, expand_dims, squeeze) costs ~0.03-0.1 ms at 512^2.
    # Other inputs (lists) go through tf.convert_to_tensor for its dtypes.
    if as_numpy and isinstance(image, np.ndarray):
        image_shape = tf.TensorShape(image.shape)
    else:
        image = tf.convert_to_tensor(image)
        image_shape = image.shape
    src, dst = (_eager_points(points) if eager else tf.convert_to_tensor(points)
                for points in (src_points_xy, dst_points_xy))
    if image_shape.rank not in (3, 4) or (image_shape.rank == 4 and image_shape[0] not in
                                           (1, None)):
        raise ValueError(f"`image` must have shape (H, W, C) or (1, H, W, C), got "
                         f"{image_shape}.")
    src_shape, dst_shape = tf.TensorShape(src.shape), tf.TensorShape(dst.shape)
    for shape, label in ((src_shape, "src_points_xy"), (dst_shape, "dst_points_xy")):
        _checks.check_rank_and_last_dim(shape, label, 2, 2)
        if shape[0] is not None and shape[0] < 3:
            raise ValueError(f"`{label}` needs at least 3 points, got shape {shape}.")
    if src_shape.is_fully_defined() and dst_shape.is_fully_defined() \
            and src_shape != dst_shape:
        raise ValueError(f"`src_points_xy` {src_shape} and `dst_points_xy` {dst_shape} "
                         "differ.")
    if eager:
        src, dst = src.astype(np.float64), dst.astype(np.float64)
    else:
        src, dst = tf.cast(src, tf.float64), tf.cast(dst, tf.float64)
    src = _checks.check_finite(src, "src_points_xy")
    dst = _checks.check_finite(dst, "dst_points_xy")
    if isinstance(image, np.ndarray):
        batched = tf.convert_to_tensor(image if image.ndim == 4 else image[None])
    else:
        # expand_dims, not image[None]: eagerly a strided slice costs ~0.15 ms.
        batched = image if image_shape.rank == 4 else tf.expand_dims(image, 0)
    rgb_uint8 = batched.dtype == tf.uint8 and batched.shape[-1] == 3
    if rgb_uint8:
        for axis, label in ((1, "height"), (2, "width")):
            if batched.shape[axis] is not None and batched.shape[axis] < 2:
                raise ValueError(f"`image` {label} must be at least 2, got shape "
                                 f"{image_shape}.")
    settings = (int(grid_step), int(border_points_per_edge), float(regularization_weight))
    warped = _tensorflow_warp(batched, src, dst, rgb_uint8, *settings)
    if as_numpy:  # numpy() copies (a view of a tensor is read-only); [0] views the copy
        warped = warped.numpy()
        return warped if image_shape.rank == 4 else warped[0]
    # squeeze, not warped[0]: eagerly a strided slice costs ~0.15 ms.
    return warped if image_shape.rank == 4 else tf.squeeze(warped, 0)


def map_warp(image, src_points_xy, dst_points_xy):
    """`warp_face` without border pins: the warp by the thin-plate spline
    through exactly these points. The pipeline passes a
    `plane_map.PlaneMap`'s `source` and `target` (pins included), so the
    warp is that map (`Exaggerator.map_points` inverts it)."""
    return warp_face(image, src_points_xy, dst_points_xy, border_points_per_edge=0)


def _eager_points(points):
    """Eager points as a NumPy array: tensors and arrays viewed, others converted.

    Sequences go through `tf.convert_to_tensor`, so that Python floats are
    float32 as before and inside a `tf.function`.
    """
    if not (tf.is_tensor(points) or isinstance(points, np.ndarray)):
        points = tf.convert_to_tensor(points)
    return np.asarray(points)
