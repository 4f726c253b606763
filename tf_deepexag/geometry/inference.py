"""`GeometryGraph`: photo landmarks to exaggerated landmarks, in TensorFlow ops.

Shapes: B faces, N = 68 landmarks, T = N + K steps (K head points, 0 for a
model of the landmarks only), Z = `z_size`.

This is the one geometry inference graph. `Exaggerator` runs it eagerly or as
a `tf.function`, the SavedModel signatures and the TFLite files are traced
from it (`tf_deepexag.export`). The steps, each a function of
`tf_deepexag.landmarks` or `geometry.sampling`:

0. head points: a model trained on `landmarks.IBUG68_HEAD` reads the photo's
   K head points (`landmarks.head_points`, a face frame of its landmarks)
   after its 68 landmarks, and generates both;
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
6. `sampling_inputs.apply_strength(photo, aligned, strength * s)`:
   `photo + strength * s * (aligned - photo)`, 0 gives the photo, 1 the
   calibrated shape, above 1 extrapolates (the one place strength is
   applied). `s` is `stats.strength_scale`, fitted on the training pairs so
   that strength 1 moves the points as far as the artists do on average (1
   for models without calibration).

No step branches on a tensor, so one trace serves every temperature.

Precision: the landmark steps (0-2 and 4-6) run in float64 and only the VAE
in float32 (`dtype`). In float32 they are where TensorFlow's runtimes part:
a traced graph rewrites `x / c` as `x * (1 / c)` and sums in another order
than eager ops, one ulp at a few hundred pixels is 3e-5 px, and the sums over
T points feed the similarities; the shipped model's eager and SavedModel
points differed by up to 1.3e-3 px on real faces, and by 6.1e-5 px in float64
(docs/deployment.md). TFLite has no float64 kernels: its whole-graph file is
traced with `as_dtype(tf.float32)`, and the LiteRT runner runs a file of the
VAE alone between these steps in float64 NumPy (`geometry.host_steps`).
"""

import copy

import tensorflow as tf

from tf_deepexag import landmarks
from tf_deepexag.geometry.artifacts import inference_copy
from tf_deepexag.geometry.sampling import sample_sequence, traced_once
from tf_deepexag.geometry.sampling_inputs import apply_strength

ALIGN_METHODS = landmarks.ALIGN_METHODS


class GeometryGraph(tf.Module):
    """The geometry inference computations over one model and its statistics.

    Args:
        model: a `DeepExaggerationVAE`.
        stats: its `landmarks.NormalizationStats`.
        align: `"jaw"`, `"procrustes"` or None: "procrustes" for a model with
            head points (the jaw rule turns and scales the generated face
            about landmark 0, which swings the head points far: on AutoToon's
            test split their displacement cosine to the artists fell from
            0.20 to 0.12), "jaw" (the original's rule) otherwise. Defaults
            to None.
        unroll: bool, run an unrolled copy of the model (no `While` loops or
            TensorLists: what TFLite's builtin ops need). Defaults to False.
        dtype: the float type of the landmark steps (see the module
            docstring); inputs and outputs stay float32. Defaults to
            `tf.float64`.

    Example:
        >>> graph = GeometryGraph(model, stats)
        >>> noise = draw_noise(seed=0, batch=1, z_size=graph.z_size, num_steps=68)
        >>> points = graph.exaggerate(photo[None], *noise, temperature=0.0)  # (1, 68, 2)
        >>> traced = tf.function(graph.exaggerate, input_signature=graph.signature())
    """

    def __init__(self, model, stats, align=None, unroll=False, dtype=tf.float64):
        super().__init__(name="geometry")
        self.dtype = tf.as_dtype(dtype)
        if align is None:
            align = "procrustes" if stats.scheme == landmarks.IBUG68_HEAD.name else "jaw"
        if align not in ALIGN_METHODS:
            raise ValueError(f"`align` must be one of {ALIGN_METHODS}, got {align!r}.")
        if not model.built:
            model.build()
        self.vae = inference_copy(model, unroll=True) if unroll else model
        self.stats = stats
        self.align = align
        # The model's points (`model_scheme`) and the photo points it is given
        # (`scheme`): the 68 landmarks when the model adds head points.
        self.model_scheme = landmarks.SCHEMES[stats.scheme]
        self.head = self.model_scheme.name == landmarks.IBUG68_HEAD.name
        self.scheme = landmarks.IBUG68 if self.head else self.model_scheme
        self.z_size = int(model.config.z_size)
        self.num_steps = int(model.config.max_seq_len)
        if self.num_steps != self.model_scheme.num_points:
            raise ValueError(f"The model has {self.num_steps} steps, its statistics' "
                             f"scheme {stats.scheme!r} {self.model_scheme.num_points} "
                             "points.")

    def as_dtype(self, dtype):
        """This graph (the same model and variables) with the landmark steps in `dtype`."""
        graph = copy.copy(self)
        graph.dtype = tf.as_dtype(dtype)
        return graph

    def signature(self, batch=None):
        """Named `TensorSpec`s of `exaggerate`'s inputs (`batch` None = any)."""
        t, z, n = self.num_steps, self.z_size, self.scheme.num_points
        spec = lambda shape, name: tf.TensorSpec(shape, tf.float32, name=name)
        return [spec([batch, n, 2], "photo_points"), spec([batch, z], "eps_z"),
                spec([batch, t, 2], "uniforms"), spec([batch, t, 2], "normals"),
                spec([], "temperature"), spec([], "strength")]

    def photo_strokes(self, photo_points):
        """`(strokes, anchor, back)` of `(B, N, 2)` photo points.

        Normalised stroke-5 `(B, T, 5)` of the photo in the model's frame, the
        anchor `(B, 2)` there, and the `(B, 2, 3)` similarity back to the photo.
        """
        canonical, matrix = self.stats.to_canonical(photo_points)
        strokes, anchor = landmarks.to_stroke5(canonical, self.model_scheme,
                                               self.stats.photo_scale)
        return strokes, anchor, landmarks.invert_similarity(matrix)

    def _points(self, strokes, anchor, back):
        """Absolute `(B, N, 2)` photo-frame points of normalised float32 strokes."""
        generated = landmarks.from_stroke5(tf.cast(strokes, self.dtype), anchor,
                                           self.stats.caricature_scale)
        return landmarks.apply_similarity(generated, back)

    def model_points(self, photo_points):
        """`(B, T, 2)` the points the model reads: the landmarks, then their
        head points for a head model (in `dtype`)."""
        photo = tf.cast(landmarks.points_tensor(photo_points, self.scheme, "photo_points"),
                        self.dtype)
        return landmarks.with_head_points(photo) if self.head else photo

    def generate(self, photo_points, eps_z, uniforms, normals, temperature,
                 while_loop=False):
        """Generated caricature points `(B, T, 2)` in the photo's frame, not
        aligned (`photo_points`: `(B, T, 2)`, see `model_points`; `while_loop`:
        see `sample_sequence`), in `dtype`."""
        strokes, anchor, back = self.photo_strokes(tf.cast(photo_points, self.dtype))
        out = sample_sequence(self.vae, tf.cast(strokes, tf.float32), eps_z, uniforms,
                              normals, temperature, while_loop=while_loop)  # (B, T, 5)
        return self._points(out, anchor, back)

    def controls(self, photo_points, eps_z, uniforms, normals, temperature,
                 strength=1.0):
        """`(source (B, T, 2), target (B, T, 2))`: every model point of the
        photo (landmarks, then head points) and where it lands (steps 0-6).

        Arguments as `exaggerate`.
        """
        if tf.executing_eagerly():
            # One traced call (steps 0-6, the VAE's steps a `While` loop) per
            # graph: run op by op, the point arithmetic around the sampler
            # cost more than the sampler (bench/cold_start.py). The eager ops'
            # checks (degenerate alignments) are the front ends' to make.
            controls = traced_once(
                self, "controls", lambda graph, *args: graph._controls(*args, while_loop=True),
                self.signature())
            return controls(*(tf.convert_to_tensor(v, tf.float32) for v in (
                photo_points, eps_z, uniforms, normals, temperature, strength)))
        return self._controls(photo_points, eps_z, uniforms, normals, temperature, strength)

    def _controls(self, photo_points, eps_z, uniforms, normals, temperature, strength,
                  while_loop=False):
        """`controls` in the current mode (`while_loop`: see `sample_sequence`)."""
        photo = self.model_points(photo_points)
        generated = self.generate(photo, eps_z, uniforms, normals, temperature,
                                  while_loop=while_loop)
        aligned = landmarks.align(generated, photo, self.align, self.model_scheme)
        scale = tf.cast(strength, self.dtype) * float(self.stats.strength_scale)
        return (tf.cast(photo, tf.float32),
                tf.cast(apply_strength(photo, aligned, scale), tf.float32))

    def exaggerate(self, photo_points, eps_z, uniforms, normals, temperature,
                   strength=1.0):
        """Exaggerated points `(B, N, 2)` aligned onto the photo (steps 0-6).

        Args:
            photo_points: float32 `(B, N, 2)` absolute (x, y) points.
            eps_z: `(B, Z)` N(0, 1).
            uniforms: `(B, T, 2)` U(0, 1).
            normals: `(B, T, 2)` N(0, 1).
            temperature: float32 scalar; <= 0 is deterministic (the noise is
                then read by no result).
            strength: float32 scalar. Defaults to 1.
        """
        _, target = self.controls(photo_points, eps_z, uniforms, normals, temperature,
                                  strength)
        return target[:, :self.scheme.num_points]

    def encode(self, photo_points):
        """Latent means `(B, Z)` of `(B, N, 2)` photo points."""
        strokes, _, _ = self.photo_strokes(self.model_points(photo_points))
        _, mu, _ = self.vae.encoder(tf.cast(strokes, tf.float32))
        return mu

    def decode(self, z, frames, uniforms, normals, temperature):
        """Points `(B, N, 2)` decoded from latent codes, aligned onto `frames`.

        Args:
            z: `(B, Z)` latent codes (the encoder is skipped).
            frames: `(B, N, 2)` photo points the decoder reads and the result
                is aligned onto.
            uniforms, normals, temperature: as `exaggerate`.
        """
        frames = self.model_points(frames)
        strokes, anchor, back = self.photo_strokes(frames)
        out = sample_sequence(self.vae, tf.cast(strokes, tf.float32), None, uniforms,
                              normals, temperature, z=z)
        aligned = landmarks.align(self._points(out, anchor, back), frames, self.align,
                                  self.model_scheme)
        scale = float(self.stats.strength_scale)
        return tf.cast(apply_strength(frames, aligned, scale)[:, :self.scheme.num_points],
                       tf.float32)
