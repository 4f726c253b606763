"""Input checks shared by the warp ops: ranks, last dimensions, finiteness."""

import numpy as np
import tensorflow as tf


def check_rank_and_last_dim(x, name, rank, last_dim=None):
    """Raises `ValueError` naming `name` when the static rank or last dim is wrong.

    `x` is a tensor, a NumPy array or a `tf.TensorShape`.
    """
    shape = x if isinstance(x, tf.TensorShape) else tf.TensorShape(x.shape)
    if shape.rank is not None and shape.rank != rank:
        raise ValueError(f"`{name}` must have rank {rank}, got shape {shape}.")
    if last_dim is not None and shape.rank is not None and shape[-1] is not None \
            and shape[-1] != last_dim:
        raise ValueError(f"`{name}` must have last dimension {last_dim}, got shape "
                         f"{shape}.")


def check_float(x, name):
    if not x.dtype.is_floating:
        raise ValueError(f"`{name}` must be float16, float32 or float64, got {x.dtype.name}.")


def check_finite(x, name):
    """Raises `ValueError` eagerly, or adds a graph assertion, on NaN/inf in `x`.

    Eagerly `x` may be a NumPy array.

    Returns:
        `x`, with the assertion as a control dependency in graph mode.
    """
    if tf.executing_eagerly():
        # np.asarray views the tensor's buffer (Tensor.numpy() would copy it first).
        if not np.isfinite(np.asarray(x)).all():  # one host pass, no op dispatch
            raise ValueError(f"`{name}` contains NaN or inf values.")
        return x
    return tf.debugging.assert_all_finite(x, f"`{name}` contains NaN or inf values.")


def check_same_leading_dims(a, a_name, b, b_name, num_dims):
    """Static check that the first `num_dims` dimensions of `a` and `b` agree."""
    for i in range(num_dims):
        da, db = a.shape[i], b.shape[i]
        if da is not None and db is not None and da != db:
            raise ValueError(f"`{a_name}` {a.shape} and `{b_name}` {b.shape} differ in "
                             f"dimension {i}.")
