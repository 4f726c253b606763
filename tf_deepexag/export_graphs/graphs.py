"""`ExportGraphs`: the exaggerate, stylize and caricature computations in TF ops.

Shapes: B faces, N = T = 68 points, Z = `z_size`, H x W images, S the style
generator's side.

The same methods back the SavedModel signatures (`export/saved_model.py`)
and the TFLite graphs (`export/tflite.py`). Noise always enters
`sample_sequence` as tensors; `exaggerate` draws it with
`tf.random.stateless_*` from a seed, the TFLite graph takes it as inputs.
The steps equal `geometry.Exaggerator` with `align="jaw"`.

Each mode has its own branch-free graph: `exaggerate_sampled` (noise and
temperature) and `exaggerate_deterministic` (photo points only). The
SavedModel's `exaggerate_with_noise` picks one with `tf.cond` on the
temperature; TFLite gets one file per mode, because the converter's
dynamic-range quantizer leaves the weights inside `IF` branches in float32.
"""

import tensorflow as tf

from tf_deepexag.export_graphs import points as tf_points
from tf_deepexag.geometry import DeepExaggerationVAE, sample_sequence
from tf_deepexag.warp import warp_face


def unrolled_copy(model):
    """A copy of a `DeepExaggerationVAE` with unrolled LSTM loops, same weights.

    Unrolled loops have no `While`/TensorList ops, so the graph converts to
    TFLite with builtin ops only.
    """
    if not model.built:
        model.build()
    copy = DeepExaggerationVAE(model.config.replace(unroll=True))
    copy.build()
    copy.set_weights(model.get_weights())
    return copy


def check_input(tensor, name, shape):
    """`tensor` after run-time checks of its rank and fixed dimensions.

    Serving signatures check dtypes but not shapes; a wrong shape fails here
    with `InvalidArgumentError` naming the input and the expected shape.

    Args:
        tensor: the input tensor.
        name: str, the input's name.
        shape: list of int or None (None = any size).
    """
    text = "[" + ", ".join("?" if d is None else str(d) for d in shape) + "]"
    message = f"input '{name}' must have shape {text} (? = any)"
    # One assertion over rank and dimensions. The shape is padded before it is
    # sliced, so no op can fail on a wrong rank before the assertion does
    # (Grappler may run a slice before an assertion it depends on).
    rank = len(shape)
    padded = tf.concat([tf.shape(tensor), tf.fill([rank], -1)], axis=0)[:rank]
    wanted = tf.constant([-1 if d is None else d for d in shape], tf.int32)
    dims_ok = tf.reduce_all(tf.logical_or(tf.equal(padded, wanted), tf.equal(wanted, -1)))
    ok = tf.logical_and(tf.equal(tf.rank(tensor), rank), dims_ok)
    check = tf.debugging.Assert(ok, [message])
    with tf.control_dependencies([check]):
        return tf.identity(tensor)


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
        self.vae = unrolled_copy(model)
        self.photo_scale = float(stats.photo_scale)
        self.caricature_scale = float(stats.caricature_scale)
        # The canonical frame of models trained with `input_frame=canonical`:
        # faces are moved onto this mean shape before encoding (the result is
        # jaw-aligned back onto the photo, which undoes the move).
        self.mean_shape = (None if stats.mean_shape is None
                           else tf.constant(stats.mean_shape, tf.float32))  # (N, 2)
        self.z_size = int(model.config.z_size)
        self.num_steps = int(model.config.max_seq_len)
        self.generator = generator
        self.style_size = None if generator is None else check_generator(generator)
        # Traced functions shared by every caller: the 68-step sampler is slow
        # to trace, so each mode is traced once per export, not per signature.
        points_spec = tf.TensorSpec([None, self.num_steps, 2], tf.float32)
        self.exaggerate_sampled = tf.function(self._exaggerate_sampled, input_signature=[
            points_spec, tf.TensorSpec([None, self.z_size], tf.float32), points_spec,
            points_spec, tf.TensorSpec([], tf.float32)])
        self.exaggerate_deterministic = tf.function(self._exaggerate_deterministic,
                                                    input_signature=[points_spec])

    def _photo_strokes(self, photo_points):
        """`(strokes (B, T, 5) normalised, anchor (B, 2))` of absolute points,
        in the model's frame (as `geometry.Exaggerator`)."""
        if self.mean_shape is not None:
            photo_points = tf_points.align_procrustes(photo_points, self.mean_shape)
        strokes, anchor = tf_points.to_stroke5(photo_points)
        return tf.concat([strokes[..., :2] / self.photo_scale, strokes[..., 2:]], -1), anchor

    def _caricature_points(self, out, anchor, photo_points):
        """Absolute `(B, N, 2)` points of normalised strokes, jaw-aligned to the photo."""
        generated = tf_points.from_stroke5(out[..., :2] * self.caricature_scale, anchor)
        return tf_points.align_jaw(generated, photo_points)

    def _exaggerate_sampled(self, photo_points, eps_z, uniforms, normals, temperature):
        """Sampled caricature points `(B, N, 2)`; no control flow.

        Args:
            photo_points: float32 `(B, N, 2)` absolute (x, y) points.
            eps_z: `(B, Z)` N(0, 1).
            uniforms: `(B, T, 2)` U(0, 1).
            normals: `(B, T, 2)` N(0, 1).
            temperature: float32 scalar > 0 (0 divides the logits by zero).
        """
        photo_points = tf.convert_to_tensor(photo_points, tf.float32)
        strokes, anchor = self._photo_strokes(photo_points)
        out = sample_sequence(self.vae, strokes, eps_z, uniforms, normals,
                              tf.convert_to_tensor(temperature, tf.float32))  # (B, T, 5)
        return self._caricature_points(out, anchor, photo_points)

    def _exaggerate_deterministic(self, photo_points):
        """Deterministic caricature points `(B, N, 2)`: z = mu, means of the
        likeliest components; no noise, no control flow."""
        photo_points = tf.convert_to_tensor(photo_points, tf.float32)
        strokes, anchor = self._photo_strokes(photo_points)
        batch = tf.shape(photo_points)[0]
        steps = tf.zeros(tf.stack([batch, self.num_steps, 2]))  # read by no op
        out = sample_sequence(self.vae, strokes, tf.zeros(tf.stack([batch, self.z_size])),
                              steps, steps, 1.0, deterministic=True)  # (B, T, 5)
        return self._caricature_points(out, anchor, photo_points)

    def exaggerate_with_noise(self, photo_points, eps_z, uniforms, normals, temperature):
        """Caricature points `(B, N, 2)`; temperature <= 0 is deterministic.

        The SavedModel semantics: a `tf.cond` between the two traced modes
        (the noise is ignored when deterministic).
        """
        temperature = tf.convert_to_tensor(temperature, tf.float32)
        return tf.cond(temperature > 0.0,
                       lambda: self.exaggerate_sampled(photo_points, eps_z, uniforms,
                                                       normals, temperature),
                       lambda: self.exaggerate_deterministic(photo_points))

    def draw_noise(self, batch, seed):
        """`(eps_z, uniforms, normals)` from `tf.random.stateless_*` keyed by seed."""
        seed = tf.cast(seed, tf.int64)
        key = lambda k: tf.stack([seed, tf.constant(k, tf.int64)])
        steps = [batch, self.num_steps, 2]
        return (tf.random.stateless_normal(tf.stack([batch, self.z_size]), key(1)),
                tf.random.stateless_uniform(tf.stack(steps), key(2)),
                tf.random.stateless_normal(tf.stack(steps), key(3)))

    def exaggerate(self, photo_points, temperature, seed):
        """Caricature points `(B, N, 2)`; the same seed gives the same result."""
        batch = tf.shape(photo_points)[0]
        eps_z, uniforms, normals = self.draw_noise(batch, seed)
        return self.exaggerate_with_noise(photo_points, eps_z, uniforms, normals,
                                          temperature)

    def generate_image(self, x):
        """`(B, S, S, 3)` float in [-1, 1] through the generator, same range."""
        out = self.generator(x)
        return out[0] if isinstance(out, (list, tuple)) else out

    def stylize(self, images):
        """uint8 `(B, H, W, 3)` -> uint8 `(B, H, W, 3)` through the generator."""
        size = tf.shape(images)[1:3]
        x = tf.image.resize(tf.cast(images, tf.float32), [self.style_size] * 2,
                            method="area")
        y = self.generate_image(x / 127.5 - 1.0)
        y = tf.image.resize(y, size, method="bilinear")
        return tf.cast(tf.clip_by_value(tf.round((y + 1.0) * 127.5), 0.0, 255.0),
                       tf.uint8)

    def caricature(self, image, photo_points, strength):
        """Deterministic geometry, warp (and style): `(caricature, points)`.

        Args:
            image: uint8 `(1, H, W, 3)`.
            photo_points: float32 `(1, N, 2)` landmarks of the image.
            strength: float32 scalar, 0 = photo shape, 1 = generated shape.
        """
        photo_points = tf.convert_to_tensor(photo_points, tf.float32)
        generated = self.exaggerate_deterministic(photo_points)
        points = photo_points + strength * (generated - photo_points)
        warped = warp_face(image, photo_points[0], points[0])  # (1, H, W, 3) uint8
        if self.generator is not None:
            warped = self.stylize(warped)
        return warped, points
