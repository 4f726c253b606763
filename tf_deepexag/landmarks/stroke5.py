"""Stroke-5 sequences of landmarks, in TensorFlow ops.

Shapes: N points, T = N steps, `...` any leading batch dimensions.

Stroke-5 (Ha & Eck 2017, sketch-rnn, adapted to faces as in DeepExaggeration):
a face is T steps `(dx, dy, p1, p2, p3)`. Step t holds the offset of point t
from point t-1; step 0 holds `(0, 0)` because landmark 0 itself is the anchor,
stored apart and used to rebuild absolute points by cumulative sum. The pen
flags say what follows point t: `p1` the next point continues this contour,
`p2` the next point starts a new contour, `p3` this is the last point.

These two functions are the only stroke-5 code of the package: the training
`tf.data` pipeline, the geometry inference graph (eager, compiled, SavedModel,
TFLite) and data preparation (`.numpy()` of the result) all call them. They
compute in the input's float dtype (NumPy float64 stays float64, anything else
becomes float32) and accept any leading dimensions.
"""

import tensorflow as tf

from tf_deepexag.landmarks.scheme import IBUG68, points_tensor


def _scale(value, dtype):
    """`value` as a scalar of `dtype`: a Python float exactly (`tf.cast` of a
    float would round it to float32 first, 1.5e-8 off in float64 steps)."""
    return tf.cast(value, dtype) if tf.is_tensor(value) else tf.constant(value, dtype)


def to_stroke5(points, scheme=IBUG68, offset_scale=1.0):
    """Encodes absolute points as a stroke-5 sequence.

    Args:
        points: `(..., N, 2)` points in (x, y) pixels (array or tensor).
        scheme: the `LandmarkScheme`. Defaults to `IBUG68`.
        offset_scale: float or scalar tensor; offsets are divided by it (the
            dataset's offset standard deviation). Defaults to 1.

    Returns:
        `(strokes, anchor)`: `(..., T, 5)` steps and the `(..., 2)` absolute
        position of point 0, tensors of the points' dtype.

    Raises:
        ValueError: wrong shape for the scheme, or NaN/inf values (checked
            eagerly; inside a `tf.function` only the static shape is checked).
    """
    points = points_tensor(points, scheme)
    offsets = points[..., 1:, :] - points[..., :-1, :]  # (..., T-1, 2)
    offsets = tf.concat([tf.zeros_like(points[..., :1, :]), offsets], axis=-2)
    offsets = offsets / _scale(offset_scale, points.dtype)  # (..., T, 2)
    pen = tf.broadcast_to(tf.constant(scheme.pen_states(), points.dtype),
                          tf.concat([tf.shape(points)[:-1], [3]], axis=0))
    return tf.concat([offsets, pen], axis=-1), points[..., 0, :]


def from_stroke5(strokes, anchor, offset_scale=1.0):
    """Rebuilds absolute points from stroke-5 steps and the anchor point.

    Args:
        strokes: `(..., T, 5)` or `(..., T, 2)` steps (only dx, dy are used).
        anchor: `(..., 2)` absolute position added to the cumulative sum.
        offset_scale: float or scalar tensor the offsets are multiplied by
            first (undoes `to_stroke5`'s division). Defaults to 1.

    Returns:
        `(..., T, 2)` absolute points, a tensor of the strokes' dtype.
    """
    strokes = tf.convert_to_tensor(strokes)
    if not strokes.dtype.is_floating:
        strokes = tf.cast(strokes, tf.float32)
    offsets = strokes[..., :2] * _scale(offset_scale, strokes.dtype)
    anchor = tf.cast(anchor, strokes.dtype)
    return tf.math.cumsum(offsets, axis=-2) + anchor[..., None, :]
