"""`ExportGraphs`: the exaggerate, stylize and caricature computations to export.

Shapes: B faces, N = T = 68 points, H x W images, S a U-GAT-IT generator's
side.

The geometry is `geometry.GeometryGraph` (an unrolled copy of the model, so
no `While`/TensorList op reaches TFLite), the images go through
`style.processing`, the warp is `warp.warp_face`: the exported signatures
add nothing of their own but the noise drawn from a seed
(`tf.random.stateless_*`, the SavedModel's `exaggerate`). The SavedModel
signatures (`signatures.ServingModule`) and the TFLite files (`tflite`) are
traced from this module.
"""

import tensorflow as tf

from tf_deepexag.geometry import GeometryGraph
from tf_deepexag.style import processing
from tf_deepexag.warp import warp_face


def check_generator(generator, path="<generator>"):
    """How `processing.apply` fits images to the generator, as its kwargs.

    Returns:
        `{"size": S}` for a U-GAT-IT generator (trained at S x S), or
        `{"multiple": 4, "min_side": 8}` for a CartoonGAN generator (its
        input's own size, padded).

    Raises:
        ValueError: neither kind.
    """
    from tf_deepexag.style.cartoongan import (  # pylint: disable=g-import-not-at-top
        MIN_SIDE, MULTIPLE, CartoonGANGenerator)
    if isinstance(generator, CartoonGANGenerator):
        return {"multiple": MULTIPLE, "min_side": MIN_SIDE}
    size = getattr(generator, "img_size", None)
    if not isinstance(size, int) or size <= 0:
        raise ValueError(f"{path} is neither a U-GAT-IT generator (no `img_size`) nor a "
                         f"CartoonGAN one: got {type(generator).__name__}.")
    return {"size": size}


class ExportGraphs(tf.Module):
    """The exported computations, tracking the model variables for saving.

    Args:
        model: a `DeepExaggerationVAE` (an unrolled copy is used).
        stats: its `landmarks.NormalizationStats`.
        generator: optional style generator: U-GAT-IT (`img_size` attribute,
            returns the image first) or CartoonGAN (`check_generator`).
    """

    def __init__(self, model, stats, generator=None):
        super().__init__(name="deepexag")
        self.geometry = GeometryGraph(model, stats, align="jaw", unroll=True)
        self.generator = generator
        self.style_fit = None if generator is None else check_generator(generator)
        # U-GAT-IT's side S; None for CartoonGAN (any size) or no generator.
        self.style_size = (self.style_fit or {}).get("size")
        # The Keras 3 variables' underlying tf.Variables, tracked directly:
        # without them the SavedModel runs under `tf.saved_model.load` but not
        # under the TF1 session loader TF Serving and `saved_model_cli run` use
        # ("Could not find variable ..."; keras-team/keras#20095, #19274), and
        # the TFLite converter keeps VAR_HANDLE ops instead of freezing them.
        models = [self.geometry.vae] + ([generator] if generator is not None else [])
        self.tf_variables = [getattr(v, "value", v) for m in models for v in m.variables]
        # Traced once and called by every signature: tracing the 68 steps is slow.
        self.exaggerate_with_noise = tf.function(self.geometry.exaggerate,
                                                 input_signature=self.geometry.signature())

    def exaggerate(self, photo_points, temperature, seed, strength=1.0):
        """Caricature points `(B, N, 2)`; the same seed gives the same result,
        temperature <= 0 is deterministic."""
        eps_z, uniforms, normals = self.geometry.draw_noise(tf.shape(photo_points)[0], seed)
        return self.exaggerate_with_noise(photo_points, eps_z, uniforms, normals,
                                          tf.cast(temperature, tf.float32),
                                          tf.cast(strength, tf.float32))

    def generate_image(self, x):
        """`(B, h, w, 3)` float in [-1, 1] through the generator, same range."""
        out = self.generator(x)
        return out[0] if isinstance(out, (list, tuple)) else out

    def stylize(self, images):
        """uint8 `(B, H, W, 3)` -> uint8 `(B, H, W, 3)` through the generator
        (`processing.apply`, fitted as `check_generator` says)."""
        return processing.apply(self.generate_image, images, **self.style_fit)

    def caricature(self, image, photo_points, strength):
        """Deterministic geometry, warp (and style): `(caricature, points)`.

        Args:
            image: uint8 `(1, H, W, 3)`.
            photo_points: float32 `(1, N, 2)` landmarks of the image.
            strength: float32 scalar, 0 = photo shape, 1 = generated shape.
        """
        points = self.exaggerate(photo_points, 0.0, 0, strength)  # (1, N, 2)
        warped = warp_face(image, photo_points[0], points[0])  # (1, H, W, 3) uint8
        if self.generator is not None:
            warped = self.stylize(warped)
        return warped, points
