"""The CartoonGAN generator (`Transformer` of the authors' test code), NHWC.

Shapes: B batch, H, W spatial (multiples of 4), C = 4 * ngf bottleneck
channels, H/4 x W/4 the bottleneck side.

Layout (network/Transformer.py of Yijunmaverick/CartoonGAN-Test-Pytorch-Torch,
the authors' test network; layer names kept so the released arrays map one
to one):
    conv01:  reflect-pad 3, conv 7x7 (ngf), IN, relu
    conv02:  zero-pad 1 conv 3x3 stride 2 (2 ngf), zero-pad 1 conv 3x3
             (2 ngf), IN, relu                                   (H/2)
    conv03:  the same with 4 ngf channels                        (H/4)
    conv04..conv11: n_res residual blocks x + IN(conv(pad(relu(IN(conv(
             pad(x))))))), reflect-pad 1 before each 3x3 conv
    deconv01: transposed conv 3x3 stride 2 (2 ngf) with PyTorch's padding 1,
             output_padding 1, zero-pad 1 conv 3x3, IN, relu      (H/2)
    deconv02: the same with ngf channels                         (H)
    deconv03: reflect-pad 3, conv 7x7 (3), tanh
Every convolution has a bias. IN is the authors' `InstanceNormalization`:
biased variance, epsilon 1e-9 inside the square root, per-channel scale and
shift (`CartoonGANInstanceNorm`).

Geometry. PyTorch's stride-2 convolution with padding 1 reads input rows
2i - 1 .. 2i + 1; Keras' `padding="same"` on an even side pads only after and
reads 2i .. 2i + 2, so the stride-2 convolutions pad explicitly (1 each side)
and run `valid`. Likewise the transposed convolution writes output row
2i - 1 + k for tap k (padding 1); Keras' `valid` transposed convolution
writes 2i + k on 2H + 1 rows, so the first row and column are cropped, which
leaves exactly PyTorch's 2H rows (output_padding 1 adds the last one).

The authors' network reads and writes BGR in [-1, 1] (test.py). That order
belongs to the network: the generator's call takes RGB in [-1, 1] and
returns RGB, flipping the channels on the way in and out (`_bgr`), so every
caller converts from and to uint8 with `style.processing` like any other
style model (`processing.apply(generator, images, multiple=MULTIPLE,
min_side=MIN_SIDE)`).
"""

import keras
from keras import ops

from tf_deepexag.style.blocks import reflect_pad

# network/Transformer.py: two stride-2 stages, eight residual blocks.
_N_DOWN = 2
NUM_RES_BLOCKS = 8
NGF = 64
# The authors' InstanceNormalization(dim, eps=1e-9).
IN_EPSILON = 1e-9
# Sides the generator takes: multiples of its total stride, and at least two
# bottleneck rows for the bottleneck's reflection padding.
MULTIPLE = 2 ** _N_DOWN
MIN_SIDE = 2 * MULTIPLE


@keras.saving.register_keras_serializable(package="tf_deepexag")
class CartoonGANInstanceNorm(keras.layers.Layer):
    """Instance normalisation with a learned per-channel scale and shift.

    `(x - mean_HW) / sqrt(var_HW + epsilon) * scale + shift`, the variance
    biased (divided by H * W), as the authors' `InstanceNormalization`
    (which rescales torch.var's unbiased estimate by (n - 1) / n). The
    variance is the mean of squared deviations (two passes), not
    E[x^2] - E[x]^2, so near-constant channels keep float32 precision under
    the tiny epsilon.

    Args:
        epsilon: float, added to the variance. Defaults to `1e-9`.

    Call arguments:
        x: (B, H, W, C) float.

    Returns:
        (B, H, W, C).

    Reference: network/Transformer.py `InstanceNormalization` of
    Yijunmaverick/CartoonGAN-Test-Pytorch-Torch.
    """

    def __init__(self, epsilon=IN_EPSILON, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon

    def build(self, input_shape):
        c = input_shape[-1]
        self.scale = self.add_weight(shape=(c,), initializer="ones", name="scale")
        self.shift = self.add_weight(shape=(c,), initializer="zeros", name="shift")

    def call(self, x):
        mean = ops.mean(x, axis=[1, 2], keepdims=True)  # (B, 1, 1, C)
        centred = x - mean
        var = ops.mean(ops.square(centred), axis=[1, 2], keepdims=True)
        return centred * ops.rsqrt(var + self.epsilon) * self.scale + self.shift

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


def _zero_pad(x, p):
    return ops.pad(x, [[0, 0], [p, p], [p, p], [0, 0]])


def _bgr(x):
    """RGB <-> BGR (B, H, W, 3): the authors' network's channel order."""
    return ops.flip(x, axis=-1)


@keras.saving.register_keras_serializable(package="tf_deepexag")
class CartoonGANGenerator(keras.Model):
    """CartoonGAN's photo-to-cartoon generator (any H, W divisible by 4).

    Args:
        ngf: int, channels of the first convolution. Defaults to `64` (the
            released models).
        n_res: int, residual blocks at H/4. Defaults to `8` (the released
            models).
        **kwargs: `keras.Model` arguments (`name`, `dtype`: a policy such as
            `"mixed_bfloat16"` applies to every layer).

    Call arguments:
        x: (B, H, W, 3) float32 RGB in [-1, 1], H and W multiples of
            `MULTIPLE` = 4 and at least `MIN_SIDE` = 8 (the bottleneck's
            reflection padding needs 2 rows). The channels are flipped to
            the authors' BGR inside.

    Returns:
        (B, H, W, 3) RGB in [-1, 1] (tanh), in the policy's compute dtype.

    Example:
        >>> gen = CartoonGANGenerator()
        >>> processing.apply(gen, images_uint8, multiple=MULTIPLE,
        ...                  min_side=MIN_SIDE)  # uint8 (B, H, W, 3), any H, W

    Reference: Chen, Lai and Liu, "CartoonGAN: Generative Adversarial
    Networks for Photo Cartoonization", CVPR 2018 (Fig. 2, the generator);
    layer-by-layer the authors' released test network (module docstring).
    """

    def __init__(self, ngf=NGF, n_res=NUM_RES_BLOCKS, **kwargs):
        super().__init__(**kwargs)
        if ngf <= 0 or n_res < 0:
            raise ValueError(f"`ngf` must be positive and `n_res` >= 0, got "
                             f"ngf={ngf}, n_res={n_res}.")
        self.ngf, self.n_res = ngf, n_res
        # Sub-layers take the model's dtype policy (Keras 3 does not pass it
        # down): `dtype="mixed_bfloat16"` runs every layer in bfloat16.
        policy = self.dtype_policy
        conv = lambda f, k, s, name: keras.layers.Conv2D(  # noqa: E731
            f, k, strides=s, padding="valid", name=name, dtype=policy)
        norm = lambda name: CartoonGANInstanceNorm(name=name, dtype=policy)  # noqa: E731
        self.conv01_1, self.in01_1 = conv(ngf, 7, 1, "conv01_1"), norm("in01_1")
        for i in range(_N_DOWN):  # conv02, conv03
            f, stage = ngf * 2 ** (i + 1), f"{i + 2:02d}"
            setattr(self, f"conv{stage}_1", conv(f, 3, 2, f"conv{stage}_1"))
            setattr(self, f"conv{stage}_2", conv(f, 3, 1, f"conv{stage}_2"))
            setattr(self, f"in{stage}_1", norm(f"in{stage}_1"))
        for i in range(n_res):  # conv04 .. conv11 for n_res = 8
            stage = f"{i + 4:02d}"
            for j in (1, 2):
                setattr(self, f"conv{stage}_{j}", conv(ngf * 4, 3, 1, f"conv{stage}_{j}"))
                setattr(self, f"in{stage}_{j}", norm(f"in{stage}_{j}"))
        for i in range(_N_DOWN):  # deconv01 (in12 for n_res = 8), deconv02
            f, stage = ngf * 2 ** (_N_DOWN - 1 - i), f"{i + 1:02d}"
            setattr(self, f"deconv{stage}_1", keras.layers.Conv2DTranspose(
                f, 3, strides=2, padding="valid", name=f"deconv{stage}_1", dtype=policy))
            setattr(self, f"deconv{stage}_2", conv(f, 3, 1, f"deconv{stage}_2"))
            setattr(self, f"in{n_res + 4 + i:02d}_1", norm(f"in{n_res + 4 + i:02d}_1"))
        self.deconv03_1 = conv(3, 7, 1, "deconv03_1")

    def layer_names(self):
        """The weight-carrying layers' names, in the authors' order."""
        names = ["conv01_1", "in01_1"]
        for i in range(_N_DOWN):
            names += [f"conv{i + 2:02d}_1", f"conv{i + 2:02d}_2", f"in{i + 2:02d}_1"]
        for i in range(self.n_res):
            names += [f"{kind}{i + 4:02d}_{j}" for j in (1, 2) for kind in ("conv", "in")]
        for i in range(_N_DOWN):
            names += [f"deconv{i + 1:02d}_1", f"deconv{i + 1:02d}_2",
                      f"in{self.n_res + 4 + i:02d}_1"]
        return names + ["deconv03_1"]

    def build(self, input_shape=None):
        self.call(keras.KerasTensor((1, 16, 16, 3)))
        self.built = True

    def call(self, x):
        x = _bgr(x)  # the authors' network reads BGR
        h = ops.relu(self.in01_1(self.conv01_1(reflect_pad(x, 3))))  # (B, H, W, ngf)
        for i in range(_N_DOWN):
            stage = f"{i + 2:02d}"
            h = getattr(self, f"conv{stage}_1")(_zero_pad(h, 1))  # side / 2
            h = getattr(self, f"conv{stage}_2")(_zero_pad(h, 1))
            h = ops.relu(getattr(self, f"in{stage}_1")(h))  # (B, H/4, W/4, C) at the end
        for i in range(self.n_res):
            stage = f"{i + 4:02d}"
            y = getattr(self, f"conv{stage}_1")(reflect_pad(h, 1))
            y = ops.relu(getattr(self, f"in{stage}_1")(y))
            y = getattr(self, f"conv{stage}_2")(reflect_pad(y, 1))
            h = h + getattr(self, f"in{stage}_2")(y)
        for i in range(_N_DOWN):
            stage = f"{i + 1:02d}"
            h = getattr(self, f"deconv{stage}_1")(h)[:, 1:, 1:, :]  # 2 side + 1 -> 2 side
            h = getattr(self, f"deconv{stage}_2")(_zero_pad(h, 1))
            h = ops.relu(getattr(self, f"in{self.n_res + 4 + i:02d}_1")(h))
        return _bgr(ops.tanh(self.deconv03_1(reflect_pad(h, 3))))  # (B, H, W, 3) RGB

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (3,)

    def get_config(self):
        return {**super().get_config(), "ngf": self.ngf, "n_res": self.n_res}

