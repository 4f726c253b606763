"""The U-GAT-IT generator (`ResnetGenerator` of networks.py), NHWC.

Shapes: B batch, S = img_size, C = 4 * ngf bottleneck channels, S/4 the
bottleneck side.

Layout (networks.py, znxlwm/UGATIT-pytorch):
    down:  pad3-conv7(ngf)-IN-relu, 2 x [pad1-conv3 s2 (x2 ch)-IN-relu],
           n_res x ResnetBlock(C)
    CAM:   GAP/GMP classifiers, conv1x1(2C->C)+bias, relu, heatmap
    MLP:   light: GAP(C) -> FC(C)-relu-FC(C)-relu; full: flatten(S/4*S/4*C)
           -> FC(C)-relu-FC(C)-relu; gamma = FC(C), beta = FC(C) (no biases)
    up:    n_res x ResnetAdaLINBlock(C), 2 x [nearest x2-pad1-conv3 (/2 ch)-
           ILN-relu], pad3-conv7(3), tanh
All convolutions and dense layers have no bias except the CAM's 1x1.
Under a mixed policy (`precision.py`) the layers compute in 16 bits; the
pooled MLP input and all outputs are float32.
"""

import keras
from keras import ops

from tf_deepexag.style.blocks import (ResnetAdaLINBlock, ResnetBlock,
                                      instance_norm, reflect_pad)
from tf_deepexag.style.cam import CAM
from tf_deepexag.style.norm import ILN

_N_DOWN = 2  # networks.py n_downsampling


@keras.saving.register_keras_serializable(package="tf_deepexag")
class UGATITGenerator(keras.Model):
    """U-GAT-IT generator with CAM attention and AdaLIN decoder.

    Args:
        ngf: int, channels of the first conv. Defaults to `64`.
        n_res: int, residual blocks in encoder and decoder. Defaults to `4`.
        img_size: int, square input side (multiple of 4; fixes the full
            variant's MLP input). Defaults to `256`.
        light: bool, the light variant (MLP on pooled features). Defaults to
            `False`.

    Call arguments:
        x: (B, S, S, 3) float32 in [-1, 1].

    Returns:
        image (B, S, S, 3) in [-1, 1], cam_logit (B, 2), heatmap
        (B, S/4, S/4, 1), all float32 under any dtype policy.

    Reference: Kim et al., "U-GAT-IT", ICLR 2020.
    """

    def __init__(self, ngf=64, n_res=4, img_size=256, light=False, **kwargs):
        super().__init__(**kwargs)
        if ngf <= 0 or n_res < 0:
            raise ValueError(f"`ngf` must be positive and `n_res` >= 0, got "
                             f"ngf={ngf}, n_res={n_res}.")
        if img_size <= 0 or img_size % 4:
            raise ValueError(f"`img_size` must be a positive multiple of 4, "
                             f"got {img_size}.")
        self.ngf, self.n_res = ngf, n_res
        self.img_size, self.light = img_size, light
        conv = lambda f, k, s, name: keras.layers.Conv2D(
            f, k, strides=s, padding="valid", use_bias=False, name=name)
        c = ngf * 2 ** _N_DOWN
        self.conv_in = conv(ngf, 7, 1, "conv_in")
        # Sub-layers are attributes, not lists: tf.train.Checkpoint does not
        # follow Keras 3 list attributes (their weights would not be saved).
        for i in range(_N_DOWN):
            setattr(self, f"down{i}", conv(ngf * 2 ** (i + 1), 3, 2, f"down{i}"))
            setattr(self, f"up{i}", conv(c // 2 ** (i + 1), 3, 1, f"up{i}"))
            setattr(self, f"up_norm{i}", ILN(name=f"up_norm{i}"))
        for i in range(n_res):
            setattr(self, f"enc_block{i}", ResnetBlock(c, name=f"enc_block{i}"))
            setattr(self, f"dec_block{i}",
                    ResnetAdaLINBlock(c, name=f"dec_block{i}"))
        self.cam = CAM(name="cam")
        self.fc0 = keras.layers.Dense(c, use_bias=False, name="fc0")
        self.fc1 = keras.layers.Dense(c, use_bias=False, name="fc1")
        self.gamma = keras.layers.Dense(c, use_bias=False, name="gamma")
        self.beta = keras.layers.Dense(c, use_bias=False, name="beta")
        self.conv_out = conv(3, 7, 1, "conv_out")

    def _group(self, prefix, n):
        return [getattr(self, f"{prefix}{i}") for i in range(n)]

    def build(self, input_shape=None):
        self.call(keras.KerasTensor((1, self.img_size, self.img_size, 3)))
        self.built = True

    def call(self, x):
        h = ops.relu(instance_norm(self.conv_in(reflect_pad(x, 3))))
        for conv in self._group("down", _N_DOWN):
            h = ops.relu(instance_norm(conv(reflect_pad(h, 1))))  # /2 side
        for block in self._group("enc_block", self.n_res):
            h = block(h)  # (B, S/4, S/4, C)
        h, cam_logit, heatmap = self.cam(h)
        if self.light:
            z = ops.mean(ops.cast(h, "float32"), axis=[1, 2])  # (B, C)
        else:
            # networks.py flattens NCHW; we flatten NHWC. Same parameter
            # count, a permuted (equivalent) weight layout.
            z = ops.reshape(h, (ops.shape(h)[0], -1))  # (B, S/4*S/4*C)
        for fc in (self.fc0, self.fc1):
            z = ops.relu(fc(z))
        gamma, beta = self.gamma(z), self.beta(z)  # (B, C) each
        for block in self._group("dec_block", self.n_res):
            h = block(h, gamma, beta)
        for conv, norm in zip(self._group("up", _N_DOWN),
                              self._group("up_norm", _N_DOWN)):
            h = ops.repeat(ops.repeat(h, 2, axis=1), 2, axis=2)  # nearest x2
            h = ops.relu(norm(conv(reflect_pad(h, 1))))
        out = ops.tanh(ops.cast(self.conv_out(reflect_pad(h, 3)),
                                "float32"))  # (B, S, S, 3)
        return out, cam_logit, heatmap

    def compute_output_shape(self, input_shape):
        b, s = input_shape[0], self.img_size
        return ((b, s, s, 3), (b, 2), (b, s // 4, s // 4, 1))

    def get_config(self):
        return {"name": self.name, "ngf": self.ngf, "n_res": self.n_res,
                "img_size": self.img_size, "light": self.light}
