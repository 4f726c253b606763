"""The U-GAT-IT discriminator (`Discriminator` of networks.py), NHWC.

Shapes: B batch, S input side. With n_layers = 7 (global) the output patch
map is (B, S/32 - 2, S/32 - 2, 1); with 5 (local) (B, S/8 - 2, S/8 - 2, 1).

Layout: pad1-SNconv4 s2 (ndf)+bias-lrelu0.2; (n_layers - 3) x [pad1-SNconv4
s2 (x2 ch)-lrelu]; pad1-SNconv4 s1 (x2 ch)-lrelu; CAM with SN classifiers,
conv1x1+bias, lrelu; pad1-SNconv4 s1 (1 ch, no bias). SN = spectral norm.
"""

import keras
from keras import ops

from tf_deepexag.style.blocks import reflect_pad
from tf_deepexag.style.cam import CAM
from tf_deepexag.style.spectral import SpectralConv2D

_SLOPE = 0.2  # nn.LeakyReLU(0.2)


@keras.saving.register_keras_serializable(package="tf_deepexag")
class UGATITDiscriminator(keras.Model):
    """PatchGAN discriminator with CAM attention and spectral normalisation.

    Args:
        ndf: int, channels of the first conv. Defaults to `64`.
        n_layers: int, 7 for the global and 5 for the local discriminator.
            Defaults to `5`.

    Call arguments:
        x: (B, S, S, 3) float32 in [-1, 1].
        training: bool, update the spectral-norm power iteration.

    Returns:
        logit map (B, h, w, 1), cam_logit (B, 2), heatmap (B, h+1, w+1, 1),
        all float32 under any dtype policy.
    """

    def __init__(self, ndf=64, n_layers=5, **kwargs):
        super().__init__(**kwargs)
        if n_layers < 3:
            raise ValueError(f"`n_layers` must be >= 3, got {n_layers}.")
        self.ndf, self.n_layers = ndf, n_layers
        # One attribute per conv, not a list: tf.train.Checkpoint does not
        # follow Keras 3 list attributes, and the non-trainable power-iteration
        # vectors (which no optimizer tracks) would be lost on restore.
        for i in range(n_layers - 1):
            setattr(self, f"conv{i}", SpectralConv2D(
                ndf * 2 ** i, 4, 2 if i < n_layers - 2 else 1, name=f"conv{i}"))
        self.cam = CAM(spectral=True, negative_slope=_SLOPE, name="cam")
        self.conv_out = SpectralConv2D(1, 4, 1, use_bias=False, name="conv_out")

    @property
    def convs(self):
        return [getattr(self, f"conv{i}") for i in range(self.n_layers - 1)]

    def build(self, input_shape):
        self.call(keras.KerasTensor(tuple(input_shape)))
        self.built = True

    def call(self, x, training=False):
        h = x
        for conv in self.convs:
            h = ops.leaky_relu(conv(reflect_pad(h, 1), training=training),
                               _SLOPE)
        h, cam_logit, heatmap = self.cam(h, training=training)
        out = ops.cast(self.conv_out(reflect_pad(h, 1), training=training),
                       "float32")
        return out, cam_logit, heatmap

    def get_config(self):
        return {"name": self.name, "ndf": self.ndf, "n_layers": self.n_layers}
