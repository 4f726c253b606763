"""`Exaggerator`: photo landmarks in, exaggerated landmarks out.

Shapes: B faces, S samples, N = T = 68 points.
"""

import numpy as np
import tensorflow as tf

from tf_deepexag import landmarks
from tf_deepexag.geometry import artifacts
from tf_deepexag.geometry.sampling import sample_sequence

ALIGN_METHODS = ("jaw", "procrustes")


class Exaggerator:
    """Runs a trained `DeepExaggerationVAE` on absolute landmarks.

    1. The photo points are moved into the model's frame (the canonical
       frame when `stats.mean_shape` is set) and become normalised stroke-5
       (`stats.photo_scale`).
    2. The model decodes step by step, feeding back its own samples; the pen
       states are copied from the photo.
    3. The offsets are de-normalised (`stats.caricature_scale`), summed from
       the photo's anchor (`landmarks.from_stroke5`) and moved back into the
       photo's frame.
    4. The result is similarity-aligned back onto the photo (`align`: "jaw",
       the original's rule, or "procrustes").
    5. `photo + strength * (aligned - photo)`: 0 gives the photo, 1 the
       generated shape, above 1 extrapolates.

    Args:
        model: a `DeepExaggerationVAE`.
        stats: its `landmarks.NormalizationStats`.
        align: `"jaw"` or `"procrustes"`. Defaults to `"jaw"`.
        compile: bool, run the 68-step sampler as a `tf.function`: tracing
            takes ~30 s on a CPU, after which calls are much faster; eager
            (the default) takes under a second per call. Defaults to False.

    Example:
        >>> ex = load_exaggerator()                       # built-in model
        >>> out = ex.exaggerate(points, num_samples=3, seed=0)   # (3, 68, 2)
    """

    def __init__(self, model, stats, align="jaw", compile=False):
        if align not in ALIGN_METHODS:
            raise ValueError(f"`align` must be one of {ALIGN_METHODS}, got {align!r}.")
        if not model.built:
            model.build()
        self.model = model
        self.stats = stats
        self.align = align
        self.scheme = landmarks.IBUG68
        self._sample = (tf.function(self._sample_fn, reduce_retracing=True)
                        if compile else self._sample_fn)

    def _sample_fn(self, photo, eps_z, uniforms, normals, temperature, deterministic):
        return sample_sequence(self.model, photo, eps_z, uniforms, normals,
                               temperature, deterministic)

    def _check(self, photo_points):
        points = landmarks.check_points(photo_points, self.scheme, "photo_points")
        single = points.ndim == 2
        if points.ndim not in (2, 3):
            raise ValueError(f"`photo_points` must be (68, 2) or (B, 68, 2), got "
                             f"{points.shape}.")
        return np.asarray(points, np.float32).reshape(-1, self.scheme.num_points, 2), single

    def generate_strokes(self, photo_points, num_samples=1, temperature=1.0, seed=None,
                         deterministic=False):
        """Raw generated caricature points, `(B, S, N, 2)`, before alignment."""
        points, _ = self._check(photo_points)
        if int(num_samples) < 1:
            raise ValueError(f"`num_samples` must be at least 1, got {num_samples}.")
        if not float(temperature) > 0:
            raise ValueError(f"`temperature` must be positive, got {temperature}.")
        b, s, t = len(points), int(num_samples), self.scheme.num_points
        canonical, matrix = self.stats.to_canonical(points)
        strokes, anchor = self._photo_strokes(canonical)
        photo = np.repeat(strokes, s, axis=0)  # (B*S, T, 5)
        rng = np.random.default_rng(seed)
        eps_z = rng.standard_normal((b * s, self.model.config.z_size)).astype(np.float32)
        uniforms = rng.uniform(size=(b * s, t, 2)).astype(np.float32)
        normals = rng.standard_normal((b * s, t, 2)).astype(np.float32)
        out = self._sample(tf.constant(photo), tf.constant(eps_z), tf.constant(uniforms),
                           tf.constant(normals), tf.constant(float(temperature)),
                           bool(deterministic)).numpy()
        out[..., :2] *= self.stats.caricature_scale
        generated = landmarks.from_stroke5(out, np.repeat(anchor, s, axis=0))
        back = landmarks.invert_similarity(matrix)[:, None]  # (B, 1, 2, 3)
        return landmarks.apply_similarity(generated.reshape(b, s, t, 2), back)

    def _photo_strokes(self, points):
        """Normalised photo strokes `(B, T, 5)` and anchors of model-frame points."""
        strokes, anchor = landmarks.to_stroke5(points, self.scheme)
        strokes[..., :2] /= self.stats.photo_scale
        return strokes, anchor

    def exaggerate(self, photo_points, num_samples=1, temperature=1.0, seed=None,
                   deterministic=False, strength=1.0):
        """Exaggerated landmarks in the photo's frame.

        Args:
            photo_points: `(68, 2)` or `(B, 68, 2)` absolute (x, y) points.
            num_samples: int, samples per face.
            temperature: float > 0 (pi/pen logits / T, sigmas * sqrt(T)).
            seed: int or None; the same seed gives the same samples.
            deterministic: bool, z = mu and component means (no noise).
            strength: float, 0 = photo, 1 = generated shape, > 1 extrapolates.

        Returns:
            float32 `(S, 68, 2)` for one face, `(B, S, 68, 2)` for a batch.
        """
        points, single = self._check(photo_points)
        generated = self.generate_strokes(points, num_samples, temperature, seed,
                                          deterministic)
        target = np.broadcast_to(points[:, None], generated.shape)
        aligned = landmarks.align(generated, target, self.align, self.scheme)
        out = (target + float(strength) * (aligned - target)).astype(np.float32)
        return out[0] if single else out

    def __call__(self, points, num_samples=1, temperature=1.0, seed=None):
        """The `Caricaturist` geometry stage: `(N, 2)` -> `(S, N, 2)`."""
        return self.exaggerate(points, num_samples=num_samples, temperature=temperature,
                               seed=seed)

    def encode(self, photo_points):
        """Latent means `(B, Z)` of `(B, 68, 2)` photo points."""
        points, _ = self._check(photo_points)
        strokes, _ = self._photo_strokes(self.stats.to_canonical(points)[0])
        _, mu, _ = self.model.encoder(tf.constant(strokes))
        return mu.numpy()

    def interpolate(self, photo_a, photo_b, num=5, temperature=1.0, seed=None,
                    deterministic=True):
        """Decodes `num` codes on the segment between two photos' latent means.

        The photo sequence the decoder reads, and the frame the result is
        aligned onto, are interpolated the same way (point-wise).

        Args:
            photo_a: `(68, 2)` points of the first face.
            photo_b: `(68, 2)` points of the second face.
            num: int >= 2, codes including both ends.
            temperature: float > 0.
            seed: int or None.
            deterministic: bool. Defaults to True.

        Returns:
            float32 `(num, 68, 2)`.
        """
        if int(num) < 2:
            raise ValueError(f"`num` must be at least 2, got {num}.")
        a, _ = self._check(photo_a)
        b, _ = self._check(photo_b)
        if len(a) != 1 or len(b) != 1:
            raise ValueError("`interpolate` takes one (68, 2) face per argument.")
        mus = self.encode(np.concatenate([a, b]))  # (2, Z)
        alphas = np.linspace(0.0, 1.0, int(num), dtype=np.float32)
        z = (1 - alphas)[:, None] * mus[0] + alphas[:, None] * mus[1]  # (num, Z)
        frames = (1 - alphas)[:, None, None] * a[0] + alphas[:, None, None] * b[0]
        strokes, anchor = self._photo_strokes(self.stats.to_canonical(frames)[0])
        n, t = int(num), self.scheme.num_points
        rng = np.random.default_rng(seed)
        out = sample_sequence(
            self.model, tf.constant(strokes), np.zeros_like(z),
            rng.uniform(size=(n, t, 2)).astype(np.float32),
            rng.standard_normal((n, t, 2)).astype(np.float32),
            float(temperature), bool(deterministic), z=tf.constant(z)).numpy()
        out[..., :2] *= self.stats.caricature_scale
        generated = landmarks.from_stroke5(out, anchor)
        return landmarks.align(generated, frames, self.align, self.scheme)


def load_exaggerator(path=None, align="jaw", compile=False):
    """Loads an `Exaggerator` from an export directory.

    Args:
        path: directory with `vae.keras` and `stats.json`, or a built-in
            model's name ("autotoon", "synthetic"); the default built-in model
            (`artifacts.DEFAULT_MODEL`) when None.
        align: `"jaw"` or `"procrustes"`.
        compile: bool, see `Exaggerator`.
    """
    model, stats, _ = artifacts.load_artifacts(artifacts.resolve_model_dir(path))
    return Exaggerator(model, stats, align=align, compile=compile)
