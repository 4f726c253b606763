"""`MixtureHead`: decoder outputs -> raw mixture-density parameters.

Shapes: B batch, T steps, n decoder units, M mixtures, P = 3 + 6M.
"""

import keras

from tf_deepexag.geometry import mixture


@keras.saving.register_keras_serializable(package="tf_deepexag")
class MixtureHead(keras.layers.Layer):
    """Dense projection to the mixture parameters (layout in `mixture`).

    The outputs are unconstrained; `mixture.mixture_distribution` applies
    softmax (via logits), exp and tanh, so the loss and the samplers share
    one definition.

    Args:
        num_mixture: int, M bivariate normals.

    Call arguments:
        outputs: `(B, T, n)` or `(B, n)` decoder outputs.

    Returns:
        `(B, T, P)` or `(B, P)` raw parameters.
    """

    def __init__(self, num_mixture, **kwargs):
        super().__init__(**kwargs)
        if int(num_mixture) <= 0:
            raise ValueError(f"`num_mixture` must be positive, got {num_mixture}.")
        self.num_mixture = int(num_mixture)
        self.dense = keras.layers.Dense(mixture.num_params(self.num_mixture),
                                        name="params")

    def build(self, input_shape):
        self.dense.build(input_shape)
        self.built = True

    def call(self, outputs):
        return self.dense(outputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (mixture.num_params(self.num_mixture),)

    def get_config(self):
        config = super().get_config()
        config.update(num_mixture=self.num_mixture)
        return config
