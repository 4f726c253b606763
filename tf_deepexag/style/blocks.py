"""Residual blocks of the U-GAT-IT generator, with the padding/IN helpers.

Shapes: B batch, H, W spatial, C = dim channels (NHWC).
Reference: networks.py `ResnetBlock`, `ResnetAdaILNBlock` (3x3 convs, no bias,
reflect padding 1).
"""

import keras
from keras import ops

from tf_deepexag.style.norm import AdaLIN


def reflect_pad(x, p):
    """Reflect-pads H and W of (B, H, W, C) by `p` (TFLite MIRROR_PAD)."""
    return ops.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect")


def instance_norm(x, eps=1e-5):
    """Instance normalisation without affine parameters (nn.InstanceNorm2d).

    Computed in float32 and returned in `x`'s dtype (16-bit under a mixed
    policy: a 64x64 map's variance in bfloat16 loses all but 8 bits).
    """
    y = ops.cast(x, "float32")
    mean, var = ops.moments(y, axes=[1, 2], keepdims=True)
    return ops.cast((y - mean) * ops.rsqrt(var + eps), x.dtype)


def _conv3x3(dim, name):
    return keras.layers.Conv2D(dim, 3, padding="valid", use_bias=False,
                               name=name)


def _build_convs(block, input_shape):
    """Builds `block.conv1`, `block.conv2` for a reflect-padded (B, H, W, C) input."""
    b, h, w, c = tuple(input_shape)
    padded = (b, None if h is None else h + 2, None if w is None else w + 2, c)
    block.conv1.build(padded)
    block.conv2.build(padded[:-1] + (block.dim,))


@keras.saving.register_keras_serializable(package="tf_deepexag")
class ResnetBlock(keras.layers.Layer):
    """x + IN(conv(relu(IN(conv(x))))) with reflect padding.

    Args:
        dim: int, channels C.

    Call arguments:
        x: (B, H, W, C).

    Returns:
        (B, H, W, C).
    """

    def __init__(self, dim, **kwargs):
        super().__init__(**kwargs)
        self.dim = dim
        self.conv1 = _conv3x3(dim, "conv1")
        self.conv2 = _conv3x3(dim, "conv2")

    def build(self, input_shape):
        _build_convs(self, input_shape)

    def call(self, x):
        y = ops.relu(instance_norm(self.conv1(reflect_pad(x, 1))))
        y = instance_norm(self.conv2(reflect_pad(y, 1)))
        return x + y

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "dim": self.dim}


@keras.saving.register_keras_serializable(package="tf_deepexag")
class ResnetAdaLINBlock(keras.layers.Layer):
    """x + AdaLIN(conv(relu(AdaLIN(conv(x))))) with shared gamma, beta.

    Args:
        dim: int, channels C.

    Call arguments:
        x: (B, H, W, C).
        gamma: (B, C).
        beta: (B, C).

    Returns:
        (B, H, W, C).
    """

    def __init__(self, dim, **kwargs):
        super().__init__(**kwargs)
        self.dim = dim
        self.conv1 = _conv3x3(dim, "conv1")
        self.conv2 = _conv3x3(dim, "conv2")
        self.norm1 = AdaLIN(name="norm1")
        self.norm2 = AdaLIN(name="norm2")

    def build(self, x_shape, gamma_shape=None, beta_shape=None):
        _build_convs(self, x_shape)
        self.norm1.build(tuple(x_shape)[:-1] + (self.dim,))
        self.norm2.build(tuple(x_shape)[:-1] + (self.dim,))

    def call(self, x, gamma, beta):
        y = ops.relu(self.norm1(self.conv1(reflect_pad(x, 1)), gamma, beta))
        y = self.norm2(self.conv2(reflect_pad(y, 1)), gamma, beta)
        return x + y

    def compute_output_shape(self, x_shape, gamma_shape=None,
                             beta_shape=None):
        return x_shape

    def get_config(self):
        return {**super().get_config(), "dim": self.dim}
