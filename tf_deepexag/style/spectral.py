"""Spectrally normalised convolution and dense layers.

Mathematical details (Miyato et al. 2018, as `torch.nn.utils.spectral_norm`):
the kernel reshaped to a matrix W (fan_in, units) is divided by its largest
singular value, estimated with one power iteration per training call:
    v = normalize(W u),  u <- normalize(W^T v),  sigma = v^T W u
u is a non-trainable state updated only when `training=True`; gradients flow
through sigma with u, v held constant, as in PyTorch.

`keras.layers.SpectralNormalization` is not used: it overwrites the kernel
with W / sigma in place, so the optimiser steps on the normalised weight and
the raw weight (which the U-GAT-IT discriminator's CAM reuses) is lost.

Precision: the kernel and `u` are float32 weights read without autocasting,
so the power iteration and sigma are float32 under any policy; only the
normalised kernel is cast to the compute dtype for the product.
"""

import keras
from keras import ops


def _normalize(x, eps=1e-12):
    return x / (ops.sqrt(ops.sum(ops.square(x))) + eps)


class _SpectralMixin:
    """Holds the power-iteration vector `u` and normalises a kernel."""

    def _build_u(self, units):
        self.u = self.add_weight(
            shape=(units,), name="sn_u", trainable=False, aggregation="mean",
            initializer=keras.initializers.RandomNormal(stddev=1.0),
            autocast=False)

    def _normalized(self, kernel, training):
        """`kernel / sigma` in float32 (`kernel` a float32 weight)."""
        w = ops.reshape(kernel, (-1, kernel.shape[-1]))  # (fan_in, units)
        u = ops.stop_gradient(self.u)
        v = ops.stop_gradient(_normalize(ops.matmul(w, u)))
        u = ops.stop_gradient(_normalize(ops.matmul(ops.transpose(w), v)))
        if training:
            self.u.assign(u)
        sigma = ops.sum(v * ops.matmul(w, u))
        return kernel / sigma


@keras.saving.register_keras_serializable(package="tf_deepexag")
class SpectralConv2D(_SpectralMixin, keras.layers.Layer):
    """A 'valid' Conv2D whose kernel is spectrally normalised.

    Args:
        filters: int, output channels.
        kernel_size: int, square kernel side.
        strides: int. Defaults to `1`.
        use_bias: bool. Defaults to `True`.

    Call arguments:
        x: (B, H, W, Cin).
        training: bool, update the power-iteration state.

    Returns:
        (B, (H - k) // s + 1, (W - k) // s + 1, filters).
    """

    def __init__(self, filters, kernel_size, strides=1, use_bias=True,
                 **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.kernel_size = kernel_size
        self.strides = strides
        self.use_bias = use_bias

    def build(self, input_shape):
        k, cin = self.kernel_size, input_shape[-1]
        self.kernel = self.add_weight(
            shape=(k, k, cin, self.filters), name="kernel",
            initializer=keras.initializers.HeUniform(), autocast=False)
        self.bias = (self.add_weight(shape=(self.filters,), name="bias",
                                     initializer="zeros")
                     if self.use_bias else None)
        self._build_u(self.filters)

    def call(self, x, training=False):
        kernel = ops.cast(self._normalized(self.kernel, training),
                          self.compute_dtype)
        y = ops.conv(x, kernel, strides=self.strides, padding="valid")
        return y + self.bias if self.use_bias else y

    def compute_output_shape(self, input_shape):
        b, h, w, _ = input_shape
        side = lambda n: None if n is None else (n - self.kernel_size) // self.strides + 1
        return (b, side(h), side(w), self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "strides": self.strides,
                "use_bias": self.use_bias}


@keras.saving.register_keras_serializable(package="tf_deepexag")
class SpectralDense(_SpectralMixin, keras.layers.Layer):
    """A bias-free Dense layer with a spectrally normalised kernel.

    Args:
        units: int, output features.

    Call arguments:
        x: (B, Cin).
        training: bool, update the power-iteration state.

    Returns:
        (B, units).
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.units), name="kernel",
            initializer=keras.initializers.HeUniform(), autocast=False)
        self._build_u(self.units)

    def normalized_kernel(self, training=False):
        """Returns the kernel divided by its spectral norm, (Cin, units) float32."""
        return self._normalized(self.kernel, training)

    def call(self, x, training=False):
        kernel = ops.cast(self.normalized_kernel(training), self.compute_dtype)
        return ops.matmul(x, kernel)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units}
