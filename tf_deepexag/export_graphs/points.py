"""TensorFlow-op versions of the NumPy landmark helpers, for exported graphs.

Shapes: B faces, N = T = 68 points. Same conventions as
`tf_deepexag.landmarks` (stroke-5, jaw-rule similarity alignment); the tests
compare each function with its NumPy counterpart.
"""

import tensorflow as tf

from tf_deepexag.landmarks import IBUG68


def to_stroke5(points, scheme=IBUG68):
    """`(B, N, 2)` absolute points -> `(strokes (B, T, 5), anchor (B, 2))`.

    As `landmarks.to_stroke5`: step 0 holds (0, 0), step t the offset from
    point t-1; the pen flags are the scheme's constants.
    """
    points = tf.convert_to_tensor(points, tf.float32)
    offsets = tf.concat([tf.zeros_like(points[:, :1]),
                         points[:, 1:] - points[:, :-1]], axis=1)  # (B, T, 2)
    pen = tf.broadcast_to(tf.constant(scheme.pen_states()),
                          tf.concat([tf.shape(points)[:1], [scheme.num_points, 3]], 0))
    return tf.concat([offsets, pen], axis=-1), points[:, 0]


def from_stroke5(strokes, anchor):
    """`(B, T, >=2)` steps and `(B, 2)` anchor -> `(B, T, 2)` absolute points."""
    return tf.math.cumsum(strokes[..., :2], axis=1) + anchor[:, None, :]


def align_jaw(source, target, scheme=IBUG68):
    """`source` moved by the jaw-rule similarity onto `target`, `(B, N, 2)`.

    As `landmarks.align(..., "jaw")`: with complex points, `a = (d_j - d_i) /
    (s_j - s_i)` for the jaw ends i, j, and `p' = a (p - s_i) + d_i`, so point
    i lands on its target and the jaw vector takes the target's length and
    direction. Real arithmetic only (TFLite has no complex ops).
    """
    i, j = scheme.alignment_pair
    u = source[:, j] - source[:, i]  # (B, 2)
    v = target[:, j] - target[:, i]
    norm = tf.maximum(tf.reduce_sum(u * u, axis=-1), 1e-12)  # (B,)
    a_re = (v[:, 0] * u[:, 0] + v[:, 1] * u[:, 1]) / norm
    a_im = (v[:, 1] * u[:, 0] - v[:, 0] * u[:, 1]) / norm
    rel = source - source[:, i:i + 1]  # (B, N, 2)
    x = a_re[:, None] * rel[..., 0] - a_im[:, None] * rel[..., 1]
    y = a_im[:, None] * rel[..., 0] + a_re[:, None] * rel[..., 1]
    return tf.stack([x, y], axis=-1) + target[:, i:i + 1]


def align_procrustes(source, target):
    """`source` moved by the least-squares similarity onto `target`, `(B, N, 2)`.

    As `landmarks.align(..., "procrustes")`: with complex centred points,
    `a = sum(conj(s) d) / sum(|s|^2)` and `p' = a (p - mean(s)) + mean(d)`.
    `target` may be one `(N, 2)` shape for every face (the canonical frame).
    Real arithmetic only (TFLite has no complex ops).
    """
    source = tf.convert_to_tensor(source, tf.float32)
    target = tf.broadcast_to(tf.convert_to_tensor(target, tf.float32), tf.shape(source))
    s_mean = tf.reduce_mean(source, axis=1, keepdims=True)  # (B, 1, 2)
    d_mean = tf.reduce_mean(target, axis=1, keepdims=True)
    s, d = source - s_mean, target - d_mean  # (B, N, 2)
    energy = tf.maximum(tf.reduce_sum(s * s, axis=[1, 2]), 1e-12)  # (B,)
    a_re = tf.reduce_sum(s[..., 0] * d[..., 0] + s[..., 1] * d[..., 1], axis=1) / energy
    a_im = tf.reduce_sum(s[..., 0] * d[..., 1] - s[..., 1] * d[..., 0], axis=1) / energy
    x = a_re[:, None] * s[..., 0] - a_im[:, None] * s[..., 1]
    y = a_im[:, None] * s[..., 0] + a_re[:, None] * s[..., 1]
    return tf.stack([x, y], axis=-1) + d_mean
