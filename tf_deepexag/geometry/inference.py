"""`GeometryGraph`: photo landmarks to exaggerated landmarks, in TensorFlow ops.

Shapes: B faces, N = T = 68 points/steps, Z = `z_size`.

This is the one geometry inference graph. `Exaggerator` runs it eagerly or as
a `tf.function`, the SavedModel signatures and the TFLite files are traced
from it (`tf_deepexag.export`). The steps, each a function of
`tf_deepexag.landmarks` or `geometry.sampling`:

1. canonical frame: the photo is moved by its least-squares similarity onto
   `stats.mean_shape` (when the model was trained that way);
2. stroke-5, offsets divided by `stats.photo_scale`;
3. the VAE samples step by step with the noise as inputs (`eps_z`,
   `uniforms`, `normals`, drawn by `sampling_inputs.draw_noise` in every
   runtime; TFLite has no random ops), pen states copied from the photo;
   temperature <= 0 is deterministic (`sampling`);
4. offsets multiplied by `stats.caricature_scale`, cumulative sum from the
   photo's anchor, mapped back out of the canonical frame;
5. similarity-aligned onto the photo (`align`: "jaw", the original's rule,
   or "procrustes");
6. `sampling_inputs.apply_strength`: `photo + strength * (aligned - photo)`,
   0 gives the photo, 1 the generated shape, above 1 extrapolates (the one
   place strength is applied).

No step branches on a tensor, so one trace serves every temperature.
"""

import tensorflow as tf

from tf_deepexag import landmarks
from tf_deepexag.geometry.artifacts import inference_copy
from tf_deepexag.geometry.sampling import sample_sequence
from tf_deepexag.geometry.sampling_inputs import apply_strength

ALIGN_METHODS = landmarks.ALIGN_METHODS


class GeometryGraph(tf.Module):
    """The geometry inference computations over one model and its statistics.

    Args:
        model: a `DeepExaggerationVAE`.
        stats: its `landmarks.NormalizationStats`.
        align: `"jaw"` or `"procrustes"`. Defaults to `"jaw"`.
        unroll: bool, run an unrolled copy of the model (no `While` loops or
            TensorLists: what TFLite's builtin ops need). Defaults to False.

    Example:
        >>> graph = GeometryGraph(model, stats)
        >>> noise = draw_noise(seed=0, batch=1, z_size=graph.z_size, num_steps=68)
        >>> points = graph.exaggerate(photo[None], *noise, temperature=0.0)  # (1, 68, 2)
        >>> traced = tf.function(graph.exaggerate, input_signature=graph.signature())
    """

    def __init__(self, model, stats, align="jaw", unroll=False):
        super().__init__(name="geometry")
        if align not in ALIGN_METHODS:
            raise ValueError(f"`align` must be one of {ALIGN_METHODS}, got {align!r}.")
        if not model.built:
            model.build()
        self.vae = inference_copy(model, unroll=True) if unroll else model
        self.stats = stats
        self.align = align
        self.scheme = landmarks.SCHEMES[stats.scheme]
        self.z_size = int(model.config.z_size)
        self.num_steps = int(model.config.max_seq_len)

    def signature(self, batch=None):
        """Named `TensorSpec`s of `exaggerate`'s inputs (`batch` None = any)."""
        t, z = self.num_steps, self.z_size
        spec = lambda shape, name: tf.TensorSpec(shape, tf.float32, name=name)
        return [spec([batch, t, 2], "photo_points"), spec([batch, z], "eps_z"),
                spec([batch, t, 2], "uniforms"), spec([batch, t, 2], "normals"),
                spec([], "temperature"), spec([], "strength")]

    def photo_strokes(self, photo_points):
        """`(strokes, anchor, back)` of `(B, N, 2)` photo points.

        Normalised stroke-5 `(B, T, 5)` of the photo in the model's frame, the
        anchor `(B, 2)` there, and the `(B, 2, 3)` similarity back to the photo.
        """
        canonical, matrix = self.stats.to_canonical(photo_points)
        strokes, anchor = landmarks.to_stroke5(canonical, self.scheme,
                                               self.stats.photo_scale)
        return strokes, anchor, landmarks.invert_similarity(matrix)

    def _points(self, strokes, anchor, back):
        """Absolute `(B, N, 2)` photo-frame points of normalised strokes."""
        generated = landmarks.from_stroke5(strokes, anchor, self.stats.caricature_scale)
        return landmarks.apply_similarity(generated, back)

    def generate(self, photo_points, eps_z, uniforms, normals, temperature):
        """Generated caricature points `(B, N, 2)` in the photo's frame, not aligned."""
        strokes, anchor, back = self.photo_strokes(photo_points)
        out = sample_sequence(self.vae, strokes, eps_z, uniforms, normals,
                              temperature)  # (B, T, 5)
        return self._points(out, anchor, back)

    def exaggerate(self, photo_points, eps_z, uniforms, normals, temperature,
                   strength=1.0):
        """Exaggerated points `(B, N, 2)` aligned onto the photo (steps 1-6).

        Args:
            photo_points: float32 `(B, N, 2)` absolute (x, y) points.
            eps_z: `(B, Z)` N(0, 1).
            uniforms: `(B, T, 2)` U(0, 1).
            normals: `(B, T, 2)` N(0, 1).
            temperature: float32 scalar; <= 0 is deterministic (the noise is
                then read by no result).
            strength: float32 scalar. Defaults to 1.
        """
        photo = landmarks.points_tensor(photo_points, self.scheme, "photo_points")
        photo = tf.cast(photo, tf.float32)
        generated = self.generate(photo, eps_z, uniforms, normals, temperature)
        aligned = landmarks.align(generated, photo, self.align, self.scheme)
        return apply_strength(photo, aligned, tf.cast(strength, tf.float32))

    def encode(self, photo_points):
        """Latent means `(B, Z)` of `(B, N, 2)` photo points."""
        strokes, _, _ = self.photo_strokes(photo_points)
        _, mu, _ = self.vae.encoder(strokes)
        return mu

    def decode(self, z, frames, uniforms, normals, temperature):
        """Points `(B, N, 2)` decoded from latent codes, aligned onto `frames`.

        Args:
            z: `(B, Z)` latent codes (the encoder is skipped).
            frames: `(B, N, 2)` photo points the decoder reads and the result
                is aligned onto.
            uniforms, normals, temperature: as `exaggerate`.
        """
        frames = tf.cast(landmarks.points_tensor(frames, self.scheme, "frames"), tf.float32)
        strokes, anchor, back = self.photo_strokes(frames)
        out = sample_sequence(self.vae, strokes, None, uniforms, normals, temperature,
                              z=z)
        return landmarks.align(self._points(out, anchor, back), frames, self.align,
                               self.scheme)
