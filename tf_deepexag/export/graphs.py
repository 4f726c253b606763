"""`ExportGraphs`: the exaggerate, stylize and caricature computations to export.

Shapes: B faces, N = T = 68 points, H x W images, S the style generator's side.

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
from tf_deepexag.style.processing import to_model_input, to_uint8
from tf_deepexag.warp import warp_face


def check_generator(generator, path="<generator>"):
    """Returns the generator's side S; `ValueError` if it is not a U-GAT-IT one."""
    size = getattr(generator, "img_size", None)
    if not isinstance(size, int) or size <= 0:
        raise ValueError(f"{path} is not a U-GAT-IT generator (no `img_size`): "
                         f"got {type(generator).__name__}.")
    return size


class ExportGraphs(tf.Module):
    """The exported computations, tracking the model variables for saving.

    Args:
        model: a `DeepExaggerationVAE` (an unrolled copy is used).
        stats: its `landmarks.NormalizationStats`.
        generator: optional U-GAT-IT generator (`img_size` attribute, returns
            the image first).
    """

    def __init__(self, model, stats, generator=None):
        super().__init__(name="deepexag")
        self.geometry = GeometryGraph(model, stats, align="jaw", unroll=True)
        self.generator = generator
        self.style_size = None if generator is None else check_generator(generator)
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
        """`(B, S, S, 3)` float in [-1, 1] through the generator, same range."""
        out = self.generator(x)
        return out[0] if isinstance(out, (list, tuple)) else out

    def stylize(self, images):
        """uint8 `(B, H, W, 3)` -> uint8 `(B, H, W, 3)` through the generator."""
        x = to_model_input(images, size=self.style_size)
        return to_uint8(self.generate_image(x), size=tf.shape(images)[1:3])

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
