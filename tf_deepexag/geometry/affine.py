"""Affine maps `x W + b` that TensorFlow and LiteRT compute to the same bit.

Shapes: `...` any leading dimensions, K inputs, N outputs.

The TFLite converter folds a bias add that follows a matmul into the
FULLY_CONNECTED op, and XNNPACK's kernel starts each dot product at the bias:
`b + x_1 w_1 + ...` rounds otherwise than TensorFlow's `(x_1 w_1 + ...) + b`,
by about one float32 ulp. The decoder feeds its own outputs back for 88
steps, which grew those ulps to 3e-4 px between the Python and the LiteRT
points of the shipped model. Here the bias is the kernel's last row and the
input gets a column of ones, so both runtimes compute one matmul without a
bias, whose sums they order alike (measured bit-identical on the geometry
model's shapes, 2026-12-05; docs/deployment.md). The parameters stay Keras
`Dense`'s `kernel` and `bias`: saved models load unchanged.
"""

import keras
from keras import ops


def affine(x, kernel, bias):
    """`x @ kernel + bias` as one matmul of `[x, 1]` by `[kernel; bias]`.

    Args:
        x: `(..., K)` inputs.
        kernel: `(K, N)`.
        bias: `(N,)`.

    Returns:
        `(..., N)` of `x`'s dtype.
    """
    x = ops.convert_to_tensor(x)
    shape = ops.shape(x)
    flat = ops.reshape(x, (-1, shape[-1])) if len(x.shape) != 2 else x  # (M, K)
    ones = ops.ones_like(flat[:, :1])
    y = ops.matmul(ops.concatenate([flat, ones], axis=-1),
                   ops.concatenate([kernel, ops.expand_dims(bias, 0)], axis=0))  # (M, N)
    if len(x.shape) == 2:
        return y
    return ops.reshape(y, tuple(shape[:-1]) + (kernel.shape[-1],))


@keras.saving.register_keras_serializable(package="tf_deepexag")
class AffineDense(keras.layers.Dense):
    """`keras.layers.Dense` (with a bias) computed by `affine`: same weights,
    same results up to one ulp, the same bits in TensorFlow and LiteRT."""

    def call(self, inputs, training=None):
        if self.bias is None:
            return super().call(inputs, training=training)
        return self.activation(affine(inputs, self.kernel, self.bias))
