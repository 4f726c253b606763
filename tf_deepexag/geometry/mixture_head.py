"""`MixtureHead`: decoder outputs -> raw mixture-density parameters.

Shapes: B batch, T steps, n decoder units, M mixtures, P = 3 + 6M.

Mathematical details of the photo skip (a departure, off by default): with
`photo_skip`, the means of every component are offset by the photo's own
step, `mu_k = W_mu h + b_mu + g * (dx_photo, dy_photo)`, with a learnt
per-axis gain `g` initialised to 1. The dense layer then predicts the
exaggeration (caricature step minus scaled photo step) rather than the whole
offset; its mean columns start at zero, so the untrained head copies the
photo, and the small residual is what the mixture models. The original head
(`photo_skip=False`) predicts the whole offset from the decoder state.
"""

import keras
import numpy as np
from keras import ops

from tf_deepexag.geometry import mixture


@keras.saving.register_keras_serializable(package="tf_deepexag")
class MixtureHead(keras.layers.Layer):
    """Dense projection to the mixture parameters (layout in `mixture`).

    The outputs are unconstrained; `mixture.mixture_distribution` applies
    softmax (via logits), exp and tanh, so the loss and the samplers share
    one definition.

    Args:
        num_mixture: int, M bivariate normals.
        photo_skip: bool, add `gain * photo offset` to every component mean
            (see the module docstring). Defaults to `False` (the original).

    Call arguments:
        outputs: `(B, T, n)` or `(B, n)` decoder outputs.
        photo_offsets: `(B, T, 2)` or `(B, 2)` normalised photo offsets of
            the same steps; required when `photo_skip`, ignored otherwise.

    Returns:
        `(B, T, P)` or `(B, P)` raw parameters.
    """

    def __init__(self, num_mixture, photo_skip=False, **kwargs):
        super().__init__(**kwargs)
        if int(num_mixture) <= 0:
            raise ValueError(f"`num_mixture` must be positive, got {num_mixture}.")
        self.num_mixture = int(num_mixture)
        self.photo_skip = bool(photo_skip)
        self.dense = keras.layers.Dense(mixture.num_params(self.num_mixture),
                                        name="params")

    def build(self, outputs_shape, photo_offsets_shape=None):
        self.dense.build(outputs_shape)
        if self.photo_skip:
            self.skip_gain = self.add_weight(shape=(2,), initializer="ones",
                                             name="skip_gain")
            # Mean columns start at zero, so the untrained head copies the photo
            # (random initial means would add a random walk over the 68 steps).
            m, start = self.num_mixture, mixture.NUM_PEN + self.num_mixture
            mask = np.ones(self.dense.kernel.shape, np.float32)
            mask[:, start:start + 2 * m] = 0.0
            self.dense.kernel.assign(self.dense.kernel * mask)
        self.built = True

    def call(self, outputs, photo_offsets=None):
        params = self.dense(outputs)  # (..., P)
        if not self.photo_skip:
            return params
        if photo_offsets is None:
            raise ValueError("`MixtureHead(photo_skip=True)` needs `photo_offsets`.")
        m, start = self.num_mixture, mixture.NUM_PEN + self.num_mixture
        skip = ops.cast(photo_offsets, params.dtype) * self.skip_gain  # (..., 2)
        mu1 = params[..., start:start + m] + skip[..., :1]  # (..., M)
        mu2 = params[..., start + m:start + 2 * m] + skip[..., 1:]  # (..., M)
        return ops.concatenate(
            [params[..., :start], mu1, mu2, params[..., start + 2 * m:]], axis=-1)

    def compute_output_shape(self, outputs_shape, photo_offsets_shape=None):
        return tuple(outputs_shape[:-1]) + (mixture.num_params(self.num_mixture),)

    def get_config(self):
        config = super().get_config()
        config.update(num_mixture=self.num_mixture, photo_skip=self.photo_skip)
        return config
