"""`ExportGraphs`: the exaggerate, stylize and caricature computations to export.

Shapes: B faces, N = 68 landmarks, T = N + K controls (K head points, 0 for a
landmark-only model), P pins, H x W images, S a U-GAT-IT generator's side.

The geometry is `geometry.GeometryGraph` (an unrolled copy of the model, so
no `While`/TensorList op reaches TFLite), the images go through
`style.processing`, the warp is `warp.warp_face` by the map of the plane
(`map_controls`: the controls plus the pins of `plane_map.pinned_points`,
traced through `tf.experimental.numpy`, so runtimes and TF Serving users get
the map's points), its targets through the fold guard (`fold_guard`, as
`plane_map.unfolded`: the map TF Serving applies is the library's): the
exported signatures add nothing of their own. The sampling noise is an input everywhere (drawn
by the caller with `geometry.draw_noise`, as `Exaggerator` draws it); the
deterministic paths feed zeros, which temperature 0 reads in no result. The
SavedModel signatures (`signatures.ServingModule`) and the TFLite files
(`tflite`) are traced from this module.
"""

import tensorflow as tf

from tf_deepexag import plane_map
from tf_deepexag.geometry import GeometryGraph
from tf_deepexag.export import fold_guard
from tf_deepexag.pipeline import DEFAULT_STYLE_MAX_SIDE, DEFAULT_STYLE_WEIGHT
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


def map_controls(photo_points, caricature_points):
    """The map of the plane's points: `(control_points, control_targets)`.

    Args:
        photo_points: float32 `(B, T, 2)` controls in the photo (the 68
            landmarks first).
        caricature_points: float32 `(B, T, 2)` where they land.

    Returns:
        float32 `(B, T + P, 2)` twice: the controls and then the pins of the
        face frame (`plane_map.pinned_points`), which stay put. The thin-plate
        spline through them is `plane_map.PlaneMap(control_points[b],
        control_targets[b], pinned=<none>)`.
    """
    pins = tf.cast(plane_map.pinned_points(photo_points, xp=tf.experimental.numpy),
                   tf.float32)                                       # (B, P, 2)
    return (tf.concat([photo_points, pins], axis=1),
            tf.concat([caricature_points, pins], axis=1))


class ExportGraphs(tf.Module):
    """The exported computations, tracking the model variables for saving.

    Args:
        model: a `DeepExaggerationVAE` (an unrolled copy is used).
        stats: its `landmarks.NormalizationStats`.
        generator: optional style generator: U-GAT-IT (`img_size` attribute,
            returns the image first) or CartoonGAN (`check_generator`).
        style_max_side: int or None, the side a CartoonGAN style paints at
            (`processing.paint`). Defaults to the pipeline's
            (`pipeline.DEFAULT_STYLE_MAX_SIDE`).
        style_weight: float in (0, 1], a CartoonGAN style's share of the
            result. Defaults to the pipeline's (`pipeline.DEFAULT_STYLE_WEIGHT`).
    """

    def __init__(self, model, stats, generator=None, style_max_side=DEFAULT_STYLE_MAX_SIDE,
                 style_weight=DEFAULT_STYLE_WEIGHT):
        super().__init__(name="deepexag")
        self.geometry = GeometryGraph(model, stats, unroll=True)
        self.generator = generator
        self.style_fit = None if generator is None else check_generator(generator)
        # U-GAT-IT's side S; None for CartoonGAN (any size) or no generator.
        self.style_size = (self.style_fit or {}).get("size")
        self.style_max_side = style_max_side
        self.style_weight = float(style_weight)
        # The Keras 3 variables' underlying tf.Variables, tracked directly:
        # without them the SavedModel runs under `tf.saved_model.load` but not
        # under the TF1 session loader TF Serving and `saved_model_cli run` use
        # ("Could not find variable ..."; keras-team/keras#20095, #19274), and
        # the TFLite converter keeps VAR_HANDLE ops instead of freezing them.
        models = [self.geometry.vae] + ([generator] if generator is not None else [])
        self.tf_variables = [getattr(v, "value", v) for m in models for v in m.variables]
        # Traced once and called by every signature: tracing the T steps is slow.
        self.controls_with_noise = tf.function(self.geometry.controls,
                                               input_signature=self.geometry.signature())

    def exaggerate_with_noise(self, photo_points, eps_z, uniforms, normals, temperature,
                              strength):
        """`GeometryGraph.exaggerate`: the landmarks `(B, N, 2)` of the traced controls."""
        _, target = self.controls_with_noise(photo_points, eps_z, uniforms, normals,
                                             temperature, strength)
        return target[:, :self.geometry.scheme.num_points]

    def deterministic_controls(self, photo_points, strength):
        """The deterministic controls (temperature 0): `(source, target)` `(B, T, 2)`,
        unguarded."""
        b = tf.shape(photo_points)[0]
        steps = tf.stack([b, self.geometry.num_steps, 2])
        return self.controls_with_noise(
            photo_points, tf.zeros(tf.stack([b, self.geometry.z_size])), tf.zeros(steps),
            tf.zeros(steps), tf.constant(0.0), tf.cast(strength, tf.float32))

    def deterministic(self, photo_points, strength):
        """The deterministic caricature points `(B, N, 2)` (temperature 0)."""
        _, target = self.deterministic_controls(photo_points, strength)
        return target[:, :self.geometry.scheme.num_points]

    def controls(self, photo_points, eps_z, uniforms, normals, temperature, strength):
        """`map_controls` of every control (`GeometryGraph.controls`: landmarks,
        then head points), the targets through the fold guard
        (`fold_guard.guarded_targets`): `(control_points, control_targets)`
        float32 `(B, T + P, 2)`."""
        source, target = self.controls_with_noise(
            photo_points, eps_z, uniforms, normals, temperature, strength)
        return map_controls(source, fold_guard.guarded_targets(source, target)[0])

    def generate_image(self, x):
        """`(B, h, w, 3)` float in [-1, 1] through the generator, same range."""
        out = self.generator(x)
        return out[0] if isinstance(out, (list, tuple)) else out

    def stylize(self, images, shrink=True):
        """uint8 `(B, H, W, 3)` -> uint8 `(B, H, W, 3)` through the generator.

        U-GAT-IT: `processing.apply` at its side and back. CartoonGAN: the
        pipeline's painting, `processing.paint` at `style_max_side` (no
        shrinking with `shrink=False`: TFLite has no builtin antialiased
        resize) blended by `style_weight`.
        """
        if self.style_size is not None:
            return processing.apply(self.generate_image, images, **self.style_fit)
        return processing.paint(self.generate_image, images,
                                self.style_max_side if shrink else None,
                                self.style_weight, **self.style_fit)

    def caricature(self, image, photo_points, strength):
        """Deterministic geometry, fold guard, warp (and style, `stylize`):
        `(caricature, points)`.

        Given the pipeline's face crop (`CaricatureResult.photo`) and its
        points, this is the pipeline's caricature of it.

        Args:
            image: uint8 `(1, H, W, 3)`.
            photo_points: float32 `(1, N, 2)` landmarks of the image.
            strength: float32 scalar, 0 = photo shape, 1 = generated shape.
        """
        control_points, targets = self.deterministic_controls(photo_points, strength)  # (1, T, 2)
        targets, _ = fold_guard.guarded_targets(control_points, targets)  # as `unfolded`
        source, target = map_controls(control_points, targets)  # (1, T + P, 2)
        points = targets[:, :self.geometry.scheme.num_points]  # (1, N, 2)
        warped = warp_face(image, source[0], target[0],
                           border_points_per_edge=0)  # (1, H, W, 3) uint8, the map
        if self.generator is not None:
            warped = self.stylize(warped)
        return warped, points
