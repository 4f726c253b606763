"""`Exaggerator`: photo landmarks in, exaggerated landmarks out (Python API).

Shapes: B faces, S samples, N = 68 points, T = N + K model points (K head
points, 0 for a landmark-only model), Z = `z_size`.
"""

import numpy as np
import tensorflow as tf

from tf_deepexag import errors, landmarks
from tf_deepexag.geometry import artifacts
from tf_deepexag.geometry.inference import ALIGN_METHODS, GeometryGraph
from tf_deepexag.geometry.sampling_inputs import (check_num_samples, controls_per_face,
                                                  draw_noise, per_face, prepare,
                                                  resolve_temperature)
from tf_deepexag.plane_map import PlaneMapping


class Exaggerator(PlaneMapping):
    """Runs a trained `DeepExaggerationVAE` on absolute landmarks.

    A thin NumPy front end of `GeometryGraph`, the geometry inference graph
    the exported SavedModel and TFLite files run too (see its docstring for
    the steps): inputs are checked, the noise, the default temperature and
    the strength's range come from `sampling_inputs` (as in the SavedModel
    and LiteRT runners, so a seed gives the same samples in all three) and
    the points come back as NumPy. `controls`, `plane_maps` and
    `map_points` (`plane_map.PlaneMapping`) give the geometry as a map of
    the plane.

    Args:
        model: a `DeepExaggerationVAE`.
        stats: its `landmarks.NormalizationStats`.
        align: `"jaw"`, `"procrustes"` or None (the model's default, see
            `GeometryGraph`). Defaults to None.
        compile: bool, run the graph as one `tf.function` (one trace for every
            temperature and batch size: ~15 s on a CPU for the built-in model,
            then ~10 ms a face instead of ~0.1 s eagerly). Defaults to False.

    Example:
        >>> ex = load_exaggerator()                       # built-in model
        >>> out = ex.exaggerate(points, num_samples=3, temperature=0.5, seed=0)  # (3, 68, 2)
        >>> mode = ex.exaggerate(points)  # one sample: deterministic, (1, 68, 2)
    """

    def __init__(self, model, stats, align=None, compile=False):
        if align is not None and align not in ALIGN_METHODS:
            raise ValueError(f"`align` must be one of {ALIGN_METHODS}, got {align!r}.")
        self.graph = GeometryGraph(model, stats, align=align)
        self.model = self.graph.vae
        self.stats = stats
        self.align = self.graph.align
        self.scheme = self.graph.scheme
        # One graph behind `exaggerate` and `controls` (one trace when compiled).
        self._controls = (tf.function(self.graph.controls,
                                      input_signature=self.graph.signature())
                          if compile else self.graph.controls)

    def _check(self, photo_points, name="photo_points"):
        points = landmarks.check_points(photo_points, self.scheme, name)
        single = points.ndim == 2
        if points.ndim not in (2, 3):
            raise ValueError(f"`{name}` must be (68, 2) or (B, 68, 2), got "
                             f"{points.shape}.")
        # The graph's alignments would divide by zero (its traced steps do
        # not check, `GeometryGraph.controls`).
        spread = np.sum((points - points.mean(axis=-2, keepdims=True)) ** 2, axis=(-2, -1))
        if np.any(spread < 1e-12):
            raise errors.UserError(f"`{name}`: all points of a face coincide: cannot align.")
        return points.reshape(-1, self.scheme.num_points, 2), single

    def _noise(self, seed, batch):
        """`(eps_z (B, Z), uniforms (B, T, 2), normals (B, T, 2))` float32."""
        return draw_noise(seed, batch, self.graph.z_size, self.graph.num_steps)

    def exaggerate(self, photo_points, num_samples=1, temperature=None, seed=None,
                   strength=1.0):
        """Exaggerated landmarks in the photo's frame.

        Args:
            photo_points: `(68, 2)` or `(B, 68, 2)` absolute (x, y) points.
            num_samples: int, samples per face.
            temperature: float >= 0 (pi logits / T, sigmas * sqrt(T)); 0 is
                deterministic: z = mu and the means of the likeliest
                components. Defaults to None: 0 for one sample,
                `sampling_inputs.SAMPLING_TEMPERATURE` for several.
            seed: int or None; the same seed gives the same samples here, in
                `serving.SavedModelExaggerator` and `serving.LiteExaggerator`.
            strength: float >= 0, 0 = photo, 1 = the calibrated shape (the
                artists' magnitude for a model with `stats.strength_scale`),
                > 1 extrapolates.

        Returns:
            float32 `(S, 68, 2)` for one face, `(B, S, 68, 2)` for a batch.

        Raises:
            errors.UserError: bad points, `num_samples`, `temperature`,
                `strength` or `seed` (named).
        """
        points, single = self._check(photo_points)
        photo, noise, temperature, strength = prepare(
            points, num_samples, temperature, seed, strength, self.graph.z_size,
            self.graph.num_steps)
        _, out = self._controls(photo, *noise, temperature, strength)  # (B*S, T, 2)
        return per_face(np.asarray(out)[:, :self.scheme.num_points], num_samples, single)

    def __call__(self, points, num_samples=1, temperature=None, seed=None, strength=1.0):
        """The `Caricaturist` geometry stage: `(N, 2)` -> `(S, N, 2)`."""
        return self.exaggerate(points, num_samples=num_samples, temperature=temperature,
                               seed=seed, strength=strength)

    def controls(self, photo_points, num_samples=1, temperature=None, seed=None,
                 strength=1.0, image=None):
        """Every model point of the photo and where it lands.

        The landmarks come first, then (for a model with head points) the K
        head points of `landmarks.head`. Arguments as `exaggerate`; the same
        seed gives the same samples as `exaggerate` (whose output is the
        targets' first 68 points).

        Returns:
            `(source (T, 2), targets (S, T, 2))` float32 for one face,
            `(source (B, T, 2), targets (B, S, T, 2))` for a batch.
        """
        del image  # the built-in models read the landmarks only
        points, single = self._check(photo_points)
        photo, noise, temperature, strength = prepare(
            points, num_samples, temperature, seed, strength, self.graph.z_size,
            self.graph.num_steps)
        source, target = self._controls(photo, *noise, temperature, strength)
        return controls_per_face(source, target, num_samples, single)

    def generate_strokes(self, photo_points, num_samples=1, temperature=None, seed=None):
        """Raw generated caricature points, `(B, S, T, 2)`, before alignment."""
        points, _ = self._check(photo_points)
        b, s = len(points), check_num_samples(num_samples)
        out = self.graph.generate(self.graph.model_points(np.repeat(points, s, axis=0)),
                                  *self._noise(seed, b * s),
                                  resolve_temperature(temperature, s))
        return np.asarray(out, np.float32).reshape(b, s, self.graph.num_steps, 2)

    def encode(self, photo_points):
        """Latent means `(B, Z)` of `(B, 68, 2)` photo points."""
        points, _ = self._check(photo_points)
        return self.graph.encode(points).numpy()

    def interpolate(self, photo_a, photo_b, num=5, temperature=None, seed=None):
        """Decodes `num` codes on the segment between two photos' latent means.

        The photo sequence the decoder reads, and the frame the result is
        aligned onto, are interpolated the same way (point-wise).

        Args:
            photo_a: `(68, 2)` points of the first face.
            photo_b: `(68, 2)` points of the second face.
            num: int >= 2, codes including both ends.
            temperature: float >= 0; None (the default) is 0, deterministic.
            seed: int or None.

        Returns:
            float32 `(num, 68, 2)`.
        """
        if int(num) < 2:
            raise ValueError(f"`num` must be at least 2, got {num}.")
        a, _ = self._check(photo_a, "photo_a")
        b, _ = self._check(photo_b, "photo_b")
        if len(a) != 1 or len(b) != 1:
            raise ValueError("`interpolate` takes one (68, 2) face per argument.")
        mus = self.encode(np.concatenate([a, b]))  # (2, Z)
        alphas = np.linspace(0.0, 1.0, int(num), dtype=np.float32)
        z = (1 - alphas)[:, None] * mus[0] + alphas[:, None] * mus[1]  # (num, Z)
        frames = (1 - alphas)[:, None, None] * a[0] + alphas[:, None, None] * b[0]
        # The codes are given: no latent noise (Z = 0 draws none, so the
        # per-step noise is the stream's start, as before).
        _, uniforms, normals = draw_noise(seed, int(num), 0, self.graph.num_steps)
        return self.graph.decode(z, frames, uniforms, normals,
                                 resolve_temperature(temperature)).numpy()


def load_exaggerator(path=None, align=None, compile=False):
    """Loads an `Exaggerator` from an export directory.

    Args:
        path: directory with `vae.keras` and `stats.json`, or a built-in
            model's name ("autotoon", "synthetic"); the default built-in model
            (`artifacts.DEFAULT_MODEL`) when None.
        align: `"jaw"`, `"procrustes"` or None (the model's default).
        compile: bool, see `Exaggerator`.
    """
    model, stats, _ = artifacts.load_artifacts(artifacts.resolve_model_dir(path))
    return Exaggerator(model, stats, align=align, compile=compile)
