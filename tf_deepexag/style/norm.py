"""ILN and AdaLIN: instance/layer-norm mixes with a learned ratio `rho`.

Shapes: B batch, H, W spatial, C channels (NHWC).

Mathematical details (Kim et al., U-GAT-IT, eq. 1 and the ILN of the
up-sampling path):
    x_IN = (x - mean_HW) / sqrt(var_HW + eps)
    x_LN = (x - mean_HWC) / sqrt(var_HWC + eps)
    y    = (rho * x_IN + (1 - rho) * x_LN) * gamma + beta
AdaLIN takes gamma, beta (B, C) from the generator's MLP; ILN learns them.
rho is kept in [0, 1] by a `keras.constraints` (`_ClipRho`), which the
optimizer applies after each update: the authors' `RhoClipper(0, 1)`.

Departure: torch.var is unbiased (divides by N-1); `ops.moments` (which
converts to a TFLite builtin) divides by N. The difference is a factor
N/(N-1) on the variance, 1.0002 for a 64x64 map.

Precision: statistics, the mix and the affine transform are computed in
float32 whatever the layer's policy (rho, gamma, beta are float32 weights read
without autocasting); the result is cast to the layer's compute dtype.
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="tf_deepexag")
class ClipRho(keras.constraints.Constraint):
    """Clips a weight to [0, 1] (U-GAT-IT `RhoClipper(0, 1)`)."""

    def __call__(self, w):
        return ops.clip(w, 0.0, 1.0)


def _lin(x, rho, eps):
    """Float32 mix of instance- and layer-normalised `x` (any float dtype)."""
    x = ops.cast(x, "float32")
    in_mean, in_var = ops.moments(x, axes=[1, 2], keepdims=True)
    ln_mean, ln_var = ops.moments(x, axes=[1, 2, 3], keepdims=True)
    x_in = (x - in_mean) * ops.rsqrt(in_var + eps)
    x_ln = (x - ln_mean) * ops.rsqrt(ln_var + eps)
    return rho * x_in + (1.0 - rho) * x_ln


@keras.saving.register_keras_serializable(package="tf_deepexag")
class ILN(keras.layers.Layer):
    """Instance-Layer Normalisation with learned gamma, beta and rho.

    Args:
        epsilon: float, variance epsilon. Defaults to `1e-5`.

    Call arguments:
        x: (B, H, W, C) float.

    Returns:
        (B, H, W, C).

    Reference: networks.py `ILN` of znxlwm/UGATIT-pytorch (rho starts at 0).
    """

    def __init__(self, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon

    def build(self, input_shape):
        c = input_shape[-1]
        self.rho = self.add_weight(shape=(c,), initializer="zeros", name="rho",
                                   constraint=ClipRho(), autocast=False)
        self.gamma = self.add_weight(shape=(c,), initializer="ones",
                                     name="gamma", autocast=False)
        self.beta = self.add_weight(shape=(c,), initializer="zeros",
                                    name="beta", autocast=False)

    def call(self, x):
        y = _lin(x, self.rho, self.epsilon) * self.gamma + self.beta
        return ops.cast(y, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="tf_deepexag")
class AdaLIN(keras.layers.Layer):
    """Adaptive Layer-Instance Normalisation (gamma, beta given per example).

    Args:
        epsilon: float, variance epsilon. Defaults to `1e-5`.

    Call arguments:
        x: (B, H, W, C) float.
        gamma: (B, C) scale from the generator's MLP.
        beta: (B, C) shift.

    Returns:
        (B, H, W, C).

    Reference: networks.py `adaILN` (rho starts at 0.9).
    """

    def __init__(self, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon

    def build(self, x_shape, gamma_shape=None, beta_shape=None):
        input_shape = x_shape
        self.rho = self.add_weight(shape=(input_shape[-1],),
                                   initializer=keras.initializers.Constant(0.9),
                                   name="rho", constraint=ClipRho(),
                                   autocast=False)

    def call(self, x, gamma, beta):
        y = _lin(x, self.rho, self.epsilon)
        gamma = ops.cast(gamma, "float32")[:, None, None, :]
        beta = ops.cast(beta, "float32")[:, None, None, :]
        return ops.cast(y * gamma + beta, self.compute_dtype)

    def compute_output_shape(self, x_shape, gamma_shape=None,
                             beta_shape=None):
        return x_shape

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}
