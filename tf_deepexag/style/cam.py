"""Class Activation Map attention shared by the generator and discriminator.

Shapes: B batch, H, W spatial, C channels.

Mathematical details (U-GAT-IT sec. 2.1.1): with auxiliary classifiers
w_gap, w_gmp (C,),
    logit = [GAP(x) . w_gap, GMP(x) . w_gmp]                    (B, 2)
    a     = act(conv1x1([x * w_gap, x * w_gmp]))               (B, H, W, C)
    heatmap = sum_C a                                           (B, H, W, 1)
The classifier weights that produce the logits also weight the feature map.
In the discriminator the classifiers are spectrally normalised; as in
networks.py (`list(self.gap_fc.parameters())[0]` is then `weight_orig`) the
logits use the normalised weight and the feature map the raw one.

Precision: pooling is done in float32 and the logits and heatmap are returned
in float32; the features stay in the compute dtype.
"""

import keras
from keras import ops

from tf_deepexag.style.spectral import SpectralDense


@keras.saving.register_keras_serializable(package="tf_deepexag")
class CAM(keras.layers.Layer):
    """CAM attention with GAP/GMP auxiliary classifiers.

    Args:
        spectral: bool, spectrally normalise the classifiers (discriminator).
            Defaults to `False`.
        negative_slope: float, 0 for ReLU (generator), 0.2 for LeakyReLU
            (discriminator). Defaults to `0.0`.

    Call arguments:
        x: (B, H, W, C).
        training: bool (power-iteration update when `spectral`).

    Returns:
        features (B, H, W, C), cam_logit (B, 2), heatmap (B, H, W, 1).
    """

    def __init__(self, spectral=False, negative_slope=0.0, **kwargs):
        super().__init__(**kwargs)
        self.spectral = spectral
        self.negative_slope = negative_slope
        if spectral:
            self.gap_fc = SpectralDense(1, name="gap_fc")
            self.gmp_fc = SpectralDense(1, name="gmp_fc")
        else:
            self.gap_fc = keras.layers.Dense(1, use_bias=False, name="gap_fc")
            self.gmp_fc = keras.layers.Dense(1, use_bias=False, name="gmp_fc")
        self.conv1x1 = None

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        c = input_shape[-1]
        self.gap_fc.build((None, c))
        self.gmp_fc.build((None, c))
        # Created here (its width is the input's), so it is given this
        # layer's dtype policy explicitly rather than the global one.
        self.conv1x1 = keras.layers.Conv2D(c, 1, use_bias=True, name="conv1x1",
                                           dtype=self.dtype_policy)
        self.conv1x1.build(input_shape[:-1] + (2 * c,))

    def _logit(self, fc, pooled, training):
        if self.spectral:
            return fc(pooled, training=training)
        return fc(pooled)

    def call(self, x, training=False):
        x32 = ops.cast(x, "float32")
        gap_logit = self._logit(self.gap_fc, ops.mean(x32, axis=[1, 2]), training)
        gmp_logit = self._logit(self.gmp_fc, ops.max(x32, axis=[1, 2]), training)
        gap = x * ops.cast(self.gap_fc.kernel[:, 0], x.dtype)  # (B, H, W, C)
        gmp = x * ops.cast(self.gmp_fc.kernel[:, 0], x.dtype)
        cam_logit = ops.cast(ops.concatenate([gap_logit, gmp_logit], axis=-1),
                             "float32")  # (B, 2)
        h = self.conv1x1(ops.concatenate([gap, gmp], axis=-1))
        if self.negative_slope:
            h = ops.leaky_relu(h, self.negative_slope)
        else:
            h = ops.relu(h)
        heatmap = ops.sum(ops.cast(h, "float32"), axis=-1,
                          keepdims=True)  # (B, H, W, 1)
        return h, cam_logit, heatmap

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        return (input_shape, (input_shape[0], 2), input_shape[:-1] + (1,))

    def get_config(self):
        return {**super().get_config(), "spectral": self.spectral,
                "negative_slope": self.negative_slope}
