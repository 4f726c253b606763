"""Stylizers: one interface over the learned translator and classic styles.

A stylizer maps an RGB uint8 image (H, W, 3) to an RGB uint8 image of the
same shape. `make_stylizer(spec)` builds one from a string:
    "cartoongan:<style>"  a shipped CartoonGAN style (see
                     `cartoongan_weights.SHIPPED_STYLES`), or
                     "cartoongan:<file.npz>" weights written by
                     `python -m tf_deepexag.style.convert_cartoongan`
    "ugatit:<path>"  a saved U-GAT-IT generator (`.keras` file, or a
                     model_dir holding export/generator_a2b.keras)
    "cartoon"        bilateral smoothing + colour quantisation + edges
    "sketch"         cv2.pencilSketch (grayscale, replicated to RGB)
    "stylization"    cv2.stylization (edge-preserving watercolour)
    "none"           identity
"""

import os

import cv2
import numpy as np

from tf_deepexag.style import processing
from tf_deepexag.style.cartoongan_weights import SHIPPED_STYLES

EXPORT_NAME = os.path.join("export", "generator_a2b.keras")
# The specs of the classic filters `make_stylizer` builds (no weights).
CLASSIC_SPECS = ("cartoon", "sketch", "stylization", "none")
# Every spec that works out of the box: the shipped CartoonGAN styles, then
# the classic filters (the app's menu, in its order).
STYLE_SPECS = tuple(f"cartoongan:{s}" for s in SHIPPED_STYLES) + CLASSIC_SPECS
# The default style: a shipped CartoonGAN style (docs/figures/styles_astronaut.jpg
# compares it with the classic filters; bench/quality.py measures identity).
DEFAULT_STYLE = "cartoongan:shinkai"


def _check_image(image):
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[-1] != 3 or image.dtype != np.uint8:
        raise ValueError(f"A stylizer takes an (H, W, 3) uint8 RGB image, got "
                         f"shape {image.shape} dtype {image.dtype}.")
    return image


class Stylizer:
    """Base class: `__call__(image (H, W, 3) uint8 RGB) -> (H, W, 3) uint8`."""

    name = "base"

    def __call__(self, image):
        return self.stylize(_check_image(image))

    def stylize(self, image):
        raise NotImplementedError


class IdentityStylizer(Stylizer):
    """Returns a copy of the input."""

    name = "none"

    def stylize(self, image):
        return image.copy()


class SketchStylizer(Stylizer):
    """cv2.pencilSketch's grayscale drawing, replicated to three channels.

    Args:
        sigma_s, sigma_r, shade_factor: cv2.pencilSketch parameters.
    """

    name = "sketch"

    def __init__(self, sigma_s=60.0, sigma_r=0.07, shade_factor=0.05):
        self.sigma_s, self.sigma_r = sigma_s, sigma_r
        self.shade_factor = shade_factor

    def stylize(self, image):
        gray, _ = cv2.pencilSketch(image[..., ::-1].copy(), sigma_s=self.sigma_s,
                                   sigma_r=self.sigma_r,
                                   shade_factor=self.shade_factor)
        return np.repeat(gray[..., None], 3, axis=-1)


class StylizationStylizer(Stylizer):
    """cv2.stylization (edge-preserving, watercolour-like)."""

    name = "stylization"

    def __init__(self, sigma_s=60.0, sigma_r=0.45):
        self.sigma_s, self.sigma_r = sigma_s, sigma_r

    def stylize(self, image):
        out = cv2.stylization(image[..., ::-1].copy(), sigma_s=self.sigma_s,
                              sigma_r=self.sigma_r)
        return np.ascontiguousarray(out[..., ::-1])


class CartoonStylizer(Stylizer):
    """Bilateral smoothing, k-means colour quantisation, black edges.

    Args:
        num_colors: int, palette size (the output has at most
            `num_colors + 1` colours, the extra one black edges).
        bilateral_passes: int, bilateral filter repetitions.
        edge_block: odd int, adaptive-threshold neighbourhood.
        edge_c: float, adaptive-threshold offset.
        seed: int, k-means initialisation seed.
    """

    name = "cartoon"

    def __init__(self, num_colors=8, bilateral_passes=3, edge_block=9,
                 edge_c=2.0, seed=0):
        if num_colors < 2:
            raise ValueError(f"`num_colors` must be >= 2, got {num_colors}.")
        if edge_block < 3 or edge_block % 2 == 0:
            raise ValueError(f"`edge_block` must be an odd int >= 3, got {edge_block}.")
        self.num_colors, self.bilateral_passes = num_colors, bilateral_passes
        self.edge_block, self.edge_c, self.seed = edge_block, edge_c, seed

    def stylize(self, image):
        smooth = image
        for _ in range(self.bilateral_passes):
            smooth = cv2.bilateralFilter(smooth, 9, 75, 75)
        pixels = smooth.reshape(-1, 3).astype(np.float32)
        k = min(self.num_colors, len(np.unique(pixels, axis=0)))
        cv2.setRNGSeed(self.seed)
        criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 1.0)
        _, labels, centers = cv2.kmeans(pixels, k, None, criteria, 1,
                                        cv2.KMEANS_PP_CENTERS)
        quant = np.clip(centers, 0, 255).astype(np.uint8)[labels.ravel()]
        quant = quant.reshape(image.shape)
        gray = cv2.medianBlur(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), 5)
        edges = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C,
                                      cv2.THRESH_BINARY, self.edge_block,
                                      self.edge_c)
        return np.where(edges[..., None] > 0, quant, 0).astype(np.uint8)


class UGATITStylizer(Stylizer):
    """A U-GAT-IT generator: resize to its size, translate, resize back
    (`processing.to_model_input` / `to_uint8`).

    Args:
        generator: a `UGATITGenerator` (or any model returning the image
            first) taking (1, size, size, 3) in [-1, 1].
        size: int, the generator's training side.
    """

    name = "ugatit"

    def __init__(self, generator, size):
        self.generator, self.size = generator, int(size)

    def stylize(self, image):
        return processing.apply(self.generator, image[None], size=self.size).numpy()[0]


class CartoonGANStylizer(Stylizer):
    """A CartoonGAN generator, by default at the input's own size.

    `processing.apply(generator, image, size, multiple=4, min_side=8)`: the
    image is padded (mirrored) on the bottom and right to a multiple of 4, at
    least 8 (the generator's two stride-2 stages), stylized in one traced
    call (`tf.function` over any size; XLA measured no faster on this CPU)
    and cropped back.

    Args:
        generator: a `CartoonGANGenerator` with weights (RGB in [-1, 1] in and
            out).
        style: str, the style's name (for messages).
        max_side: int or None. Images whose longer side exceeds it are
            shrunk to it for the generator and its output enlarged back, both
            by `processing`'s resize (`processing.paint`). The cost is
            ~1.7 GFLOP a kilopixel, and the generator's strokes have a fixed
            size in pixels, so a smaller side also paints broader. Defaults
            to None (the input's own size).
        style_weight: float in (0, 1], the painted image's share of the
            output, the rest the input: `w * painted + (1 - w) * input`.
            Defaults to 1 (the generator's output only).
    """

    name = "cartoongan"

    def __init__(self, generator, style="custom", max_side=None, style_weight=1.0):
        import tensorflow as tf  # pylint: disable=g-import-not-at-top
        from tf_deepexag.style import cartoongan  # pylint: disable=g-import-not-at-top

        if max_side is not None and int(max_side) < cartoongan.MIN_SIDE:
            raise ValueError(f"`max_side` must be None or at least {cartoongan.MIN_SIDE}, "
                             f"got {max_side}.")
        if not 0.0 < style_weight <= 1.0:
            raise ValueError(f"`style_weight` must be in (0, 1], got {style_weight}.")
        self.generator, self.style = generator, style
        self.style_weight = float(style_weight)
        self.max_side = None if max_side is None else int(max_side)
        fit = dict(multiple=cartoongan.MULTIPLE, min_side=cartoongan.MIN_SIDE)
        # One traced call over any size: `processing.paint`, the exported
        # signatures' painting too. No autograph: it has no Python control
        # flow on tensors, and converting it slowed a process's first call.
        self._run = tf.function(
            lambda x: processing.paint(generator, x, self.max_side, self.style_weight, **fit),
            input_signature=[tf.TensorSpec((1, None, None, 3), tf.uint8)], autograph=False)

    def stylize(self, image):
        h, w = image.shape[:2]
        if h == 0 or w == 0:
            raise ValueError(f"A stylizer needs a non-empty image, got shape {image.shape}.")
        return np.asarray(self._run(image[None]))[0]


def load_generator(path, expected=None):
    """Loads a saved generator from a `.keras` file or a model_dir.

    Args:
        path: a `.keras` file, or a U-GAT-IT run's model_dir.
        expected: the accepted class or tuple of classes. Defaults to
            `UGATITGenerator`.

    Raises:
        FileNotFoundError: no such file.
        errors.CorruptFileError: a truncated or corrupt file.
        errors.UserError: a valid `.keras` file of another model.
    """
    from tf_deepexag import keras_files
    from tf_deepexag.style.generator import UGATITGenerator
    if os.path.isdir(path):
        path = os.path.join(path, EXPORT_NAME)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No saved U-GAT-IT generator: {path}")
    expected = expected or UGATITGenerator
    what = "U-GAT-IT generator" if expected is UGATITGenerator else "style generator"
    return keras_files.load_model(path, expected, what)


def make_stylizer(spec=None, max_side=None, dtype=None, style_weight=1.0):
    """Builds a stylizer from a spec string (see the module docstring).

    Args:
        spec: a style spec; None for `DEFAULT_STYLE`.
        max_side: CartoonGAN only: `CartoonGANStylizer`'s `max_side`.
        style_weight: CartoonGAN only: `CartoonGANStylizer`'s `style_weight`.
        dtype: CartoonGAN only: None (float32) or a Keras dtype policy name
            such as `"mixed_bfloat16"` (about twice as fast on CPUs with
            AVX512-BF16; measured within 3 grey levels of float32).
    """
    classic = dict(zip(CLASSIC_SPECS, (CartoonStylizer, SketchStylizer,
                                       StylizationStylizer, IdentityStylizer)))
    spec = DEFAULT_STYLE if spec is None else spec
    if spec in classic:
        return classic[spec]()
    if isinstance(spec, str) and spec.startswith("cartoongan:"):
        from tf_deepexag.style import cartoongan_weights  # pylint: disable=g-import-not-at-top
        name = spec[len("cartoongan:"):]
        return CartoonGANStylizer(cartoongan_weights.load_generator(name, dtype),
                                  os.path.splitext(os.path.basename(name))[0], max_side,
                                  style_weight)
    if isinstance(spec, str) and spec.startswith("ugatit:"):
        gen = load_generator(spec[len("ugatit:"):])
        return UGATITStylizer(gen, gen.img_size)
    raise ValueError(f"Unknown stylizer spec {spec!r}; expected 'cartoongan:<style>', "
                     f"'ugatit:<path>', {', '.join(repr(k) for k in classic)}.")
