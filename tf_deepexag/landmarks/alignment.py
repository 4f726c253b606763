"""Similarity alignment of landmark sets, in TensorFlow ops.

Shapes: N points, `...` any leading batch dimensions. A similarity transform
(uniform scale, rotation, translation; no reflection) is a `(..., 2, 3)`
matrix `M` acting as `p' = M[:, :2] @ p + M[:, 2]`.

Mathematical details:
    Writing points as complex numbers `z = x + iy`, a similarity is
    `z' = a z + b` with complex `a = s e^{i theta}` and `b`.
    - Jaw rule (DeepExaggeration): `a = (d_16 - d_0) / (s_16 - s_0)`,
      `b = d_0 - a s_0`, so landmark 0 lands exactly on its target and the jaw
      vector 0 -> 16 takes the target's length and direction.
    - Least squares (Procrustes, Umeyama 1991 without reflection): with
      centred points `s~ = s - mean(s)`, `d~ = d - mean(d)`,
      `a = sum(conj(s~) d~) / sum(|s~|^2)`, `b = mean(d) - a mean(s)`,
      which minimises `sum |a s + b - d|^2`.
    The complex products are written out in real arithmetic: TFLite has no
    complex ops, and these functions are the ones the exported graphs run.

The functions accept arrays or tensors, compute in the points' float dtype
(NumPy float64 stays float64, anything else float32) and return tensors.
`similarity_matrix` builds a matrix from parameters (a NumPy helper for
data synthesis and tests).
"""

import numpy as np
import tensorflow as tf

from tf_deepexag.landmarks.scheme import points_tensor, scheme_for

METHODS = ("jaw", "procrustes")
# Squared lengths below this (pixels^2) are degenerate: inside a graph the
# division uses the floor instead of failing (eagerly it raises).
_TINY = 1e-12


def similarity_matrix(scale=1.0, angle=0.0, translation=(0.0, 0.0)):
    """Builds a float64 `(2, 3)` similarity matrix from scale, angle (radians), shift."""
    c, s = scale * np.cos(angle), scale * np.sin(angle)
    return np.array([[c, -s, translation[0]], [s, c, translation[1]]], np.float64)


def _to_matrix(a_re, a_im, b_x, b_y):
    row0 = tf.stack([a_re, -a_im, b_x], axis=-1)
    row1 = tf.stack([a_im, a_re, b_y], axis=-1)
    return tf.stack([row0, row1], axis=-2)  # (..., 2, 3)


def _matrix_tensor(matrix, dtype):
    matrix = tf.convert_to_tensor(matrix)
    return matrix if matrix.dtype == dtype else tf.cast(matrix, dtype)


def apply_similarity(points, matrix):
    """Applies `(..., 2, 3)` matrices to `(..., N, 2)` points.

    Returns:
        `(..., N, 2)` tensor of the points' dtype.
    """
    points = tf.convert_to_tensor(points)
    if not points.dtype.is_floating:
        points = tf.cast(points, tf.float32)
    m = _matrix_tensor(matrix, points.dtype)[..., None, :, :]  # (..., 1, 2, 3)
    x, y = points[..., 0], points[..., 1]  # (..., N)
    return tf.stack([m[..., 0, 0] * x + m[..., 0, 1] * y + m[..., 0, 2],
                     m[..., 1, 0] * x + m[..., 1, 1] * y + m[..., 1, 2]], axis=-1)


def invert_similarity(matrix):
    """The inverse of `(..., 2, 3)` similarity matrices: `a' = 1/a`, `b' = -b/a`."""
    matrix = tf.convert_to_tensor(matrix)
    a_re, a_im = matrix[..., 0, 0], matrix[..., 1, 0]
    b_x, b_y = matrix[..., 0, 2], matrix[..., 1, 2]
    norm = a_re * a_re + a_im * a_im
    inv_re, inv_im = a_re / norm, -a_im / norm
    return _to_matrix(inv_re, inv_im, -(inv_re * b_x - inv_im * b_y),
                      -(inv_im * b_x + inv_re * b_y))


def _fail_if(condition, message):
    """Raises `ValueError(message)` when eager and any `condition` holds."""
    if tf.executing_eagerly() and bool(tf.reduce_any(condition)):
        raise ValueError(message)


def estimate_similarity(source, target, method="jaw", scheme=None):
    """Estimates the similarity that maps `source` points onto `target`.

    Args:
        source: `(..., N, 2)` points to move.
        target: `(..., N, 2)` points to move them onto, or any shape that
            broadcasts to the source's (e.g. one `(N, 2)` mean shape).
        method: `"jaw"` (translation from landmark 0, rotation and scale from
            the jaw vector, as the original system does) or `"procrustes"`
            (least squares over all points). Defaults to `"jaw"`.
        scheme: the `LandmarkScheme`, for the jaw end points; None picks it
            from the point count (`scheme_for`).

    Returns:
        `(..., 2, 3)` matrices, a tensor of the source's dtype.

    Raises:
        ValueError: unknown `method`, shapes that do not broadcast, or
            degenerate input (coincident jaw ends, all points equal; checked
            eagerly).
    """
    if method not in METHODS:
        raise ValueError(f"`method` must be one of {METHODS}, got {method!r}.")
    scheme = scheme_for(source, scheme)
    s = points_tensor(source, scheme, "source")
    d = points_tensor(target, scheme, "target")
    try:
        broadcast = tf.broadcast_static_shape(s.shape, d.shape)
    except ValueError:
        broadcast = None
    if broadcast is None or not s.shape.is_compatible_with(broadcast):
        raise ValueError(f"`target` of shape {d.shape} does not broadcast to the "
                         f"`source` shape {s.shape}.")
    d = tf.broadcast_to(tf.cast(d, s.dtype), tf.shape(s))
    if method == "jaw":
        i, j = scheme.alignment_pair
        u = s[..., j, :] - s[..., i, :]  # (..., 2)
        v = d[..., j, :] - d[..., i, :]
        norm = tf.reduce_sum(u * u, axis=-1)  # (...,)
        _fail_if(norm < _TINY, "`source` jaw end points coincide: cannot align.")
        norm = tf.maximum(norm, _TINY)
        a_re = (u[..., 0] * v[..., 0] + u[..., 1] * v[..., 1]) / norm
        a_im = (u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]) / norm
        s_ref, d_ref = s[..., i, :], d[..., i, :]  # (..., 2)
    else:
        s_ref = tf.reduce_mean(s, axis=-2)  # (..., 2)
        d_ref = tf.reduce_mean(d, axis=-2)
        sc, dc = s - s_ref[..., None, :], d - d_ref[..., None, :]  # (..., N, 2)
        energy = tf.reduce_sum(sc * sc, axis=[-2, -1])  # (...,)
        _fail_if(energy < _TINY, "`source` points all coincide: cannot align.")
        energy = tf.maximum(energy, _TINY)
        a_re = tf.reduce_sum(sc[..., 0] * dc[..., 0] + sc[..., 1] * dc[..., 1], -1) / energy
        a_im = tf.reduce_sum(sc[..., 0] * dc[..., 1] - sc[..., 1] * dc[..., 0], -1) / energy
    b_x = d_ref[..., 0] - (a_re * s_ref[..., 0] - a_im * s_ref[..., 1])
    b_y = d_ref[..., 1] - (a_im * s_ref[..., 0] + a_re * s_ref[..., 1])
    return _to_matrix(a_re, a_im, b_x, b_y)


def align(source, target, method="jaw", scheme=None):
    """`source` moved by the similarity that best maps it onto `target`.

    See `estimate_similarity` for the arguments. Returns a `(..., N, 2)`
    tensor of the source's dtype.
    """
    scheme = scheme_for(source, scheme)
    source = points_tensor(source, scheme, "source")
    return apply_similarity(source, estimate_similarity(source, target, method, scheme))
