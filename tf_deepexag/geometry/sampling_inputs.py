"""What every geometry front end resolves the same way before the graph runs.

Shapes: B draws (faces x samples), T = 68 steps, Z = `z_size`.

One definition each, shared by `Exaggerator` (Python), the SavedModel-backed
`serving.SavedModelExaggerator`, the LiteRT `serving.LiteExaggerator` and the
pipeline, so a seed, a temperature and a strength mean the same caricature
whichever runtime draws it:

- `draw_noise(seed, batch, z_size, num_steps)`: the sampling noise;
- `resolve_temperature(temperature, num_samples)`: `None` is 0 (the model's
  deterministic mode) for one sample, `SAMPLING_TEMPERATURE` for several;
- `check_strength(strength)` and `apply_strength(photo, target, strength)`;
- `prepare(...)`, `per_face(...)` and `controls_per_face(...)`: all of the
  above for B faces of S samples, the rows every runtime feeds its graph,
  and its answer reshaped.

This module imports NumPy only (the LiteRT runner runs without TensorFlow);
`apply_strength` is plain arithmetic, so the geometry graph calls it on
tensors too.
"""

import numpy as np

from tf_deepexag.errors import UserError

# The temperature of several samples when none is given: the built-in model's
# whole-face sampling noise is calibrated there (docs/autotoon.md).
SAMPLING_TEMPERATURE = 1.0
# The one message of a strength out of range (also asserted in the SavedModel).
STRENGTH_RULE = "`strength` must be a finite number >= 0"


def draw_noise(seed, batch, z_size, num_steps):
    """The sampling noise of `batch` draws from `numpy.random.default_rng(seed)`.

    Drawn in this order: `eps_z`, `uniforms`, `normals`; draw b of a batch is
    face b // S, sample b % S when B faces of S samples are drawn together.

    Args:
        seed: int or None (fresh entropy).
        batch: int, the number of draws B.
        z_size: int, the latent size Z.
        num_steps: int, the sequence length T.

    Returns:
        float32 `(eps_z (B, Z) N(0, 1), uniforms (B, T, 2) U(0, 1),
        normals (B, T, 2) N(0, 1))`.
    """
    if seed is not None and not float(seed).is_integer():
        raise UserError(f"`seed` must be an integer or None, got {seed!r}.")
    rng = np.random.default_rng(None if seed is None else int(seed))
    batch, z_size, num_steps = int(batch), int(z_size), int(num_steps)
    return (rng.standard_normal((batch, z_size)).astype(np.float32),
            rng.uniform(size=(batch, num_steps, 2)).astype(np.float32),
            rng.standard_normal((batch, num_steps, 2)).astype(np.float32))


def check_num_samples(num_samples):
    """`num_samples` as an int >= 1, or `UserError` naming it."""
    try:
        value = int(num_samples)
    except (TypeError, ValueError) as e:
        raise UserError(f"`num_samples` must be an integer >= 1, got {num_samples!r}.") from e
    if value < 1 or value != num_samples:
        raise UserError(f"`num_samples` must be an integer >= 1, got {num_samples!r}.")
    return value


def resolve_temperature(temperature, num_samples=1):
    """The sampling temperature as float32: `temperature`, or its default.

    Args:
        temperature: float >= 0 (0 is deterministic: z = mu and the means of
            the likeliest components), or None: 0 for one sample,
            `SAMPLING_TEMPERATURE` for several (so they differ).
        num_samples: int, samples drawn per face.

    Raises:
        UserError: a negative or non-finite temperature.
    """
    if temperature is None:
        return np.float32(0.0 if check_num_samples(num_samples) == 1 else
                          SAMPLING_TEMPERATURE)
    try:
        value = float(temperature)
    except (TypeError, ValueError) as e:
        raise UserError(f"`temperature` must be a number >= 0 (0 = deterministic), got "
                        f"{temperature!r}.") from e
    if not (np.isfinite(value) and value >= 0.0):
        raise UserError(f"`temperature` must be a finite number >= 0 (0 = deterministic), "
                        f"got {temperature!r}.")
    return np.float32(value)


def check_strength(strength):
    """`strength` as a float: 0 keeps the photo's geometry, 1 the model's, above
    1 extrapolates; `UserError` unless a finite number >= 0."""
    try:
        value = float(strength)
    except (TypeError, ValueError) as e:
        raise UserError(f"{STRENGTH_RULE}, got {strength!r}.") from e
    if not np.isfinite(value) or value < 0:
        raise UserError(f"{STRENGTH_RULE}, got {strength!r}.")
    return value


def apply_strength(photo, target, strength):
    """`photo + strength * (target - photo)`: NumPy arrays or tensors alike."""
    return photo + strength * (target - photo)


def points_batch(photo_points, num_points=68):
    """`(B, N, 2)` float32 points and whether one `(N, 2)` face was given.

    Raises:
        UserError: another shape, or NaN/inf (naming `photo_points`).
    """
    points = np.asarray(photo_points, np.float32)
    single = points.ndim == 2
    batch = points[None] if single else points
    if batch.ndim != 3 or batch.shape[1:] != (num_points, 2):
        raise UserError(f"`photo_points` must have shape [{num_points}, 2] or "
                        f"[B, {num_points}, 2], got {list(points.shape)}.")
    if not np.all(np.isfinite(batch)):
        raise UserError("`photo_points` contains NaN or inf.")
    return batch, single


def prepare(batch, num_samples, temperature, seed, strength, z_size, num_steps):
    """The graph's inputs for S samples of each of B faces (a front end's one call).

    Args:
        batch: float32 `(B, N, 2)` checked photo points.
        num_samples, temperature, seed, strength: as `Exaggerator.exaggerate`.
        z_size, num_steps: the model's Z and T.

    Returns:
        `(photo (B*S, N, 2), (eps_z, uniforms, normals), temperature float32,
        strength float32)`; row b*S + s is face b, sample s.
    """
    s = check_num_samples(num_samples)
    temperature = resolve_temperature(temperature, s)
    strength = np.float32(check_strength(strength))
    noise = draw_noise(seed, len(batch) * s, z_size, num_steps)
    return np.repeat(batch, s, axis=0), noise, temperature, strength


def per_face(out, num_samples, single):
    """`(B*S, N, 2)` graph output as `(S, N, 2)` for one face, else `(B, S, N, 2)`."""
    out = np.asarray(out, np.float32)
    out = out.reshape((-1, int(num_samples)) + out.shape[1:])
    return out[0] if single else out


def controls_per_face(source, target, num_samples, single, num_controls=None):
    """A graph's `(B*S, M, 2)` control sources and targets per face.

    Args:
        source, target: `(B*S, M, 2)`, row b*S + s face b, sample s (the
            sources are the same for every sample of a face).
        num_samples: int S.
        single: bool, one `(68, 2)` face was given.
        num_controls: int T <= M: the first T points are kept (an export
            appends the map's pins after the controls), or None for all.

    Returns:
        `(source (T, 2), targets (S, T, 2))` float32 for one face,
        `(source (B, T, 2), targets (B, S, T, 2))` for a batch.
    """
    keep = slice(None, None if num_controls is None else int(num_controls))
    source = np.asarray(source, np.float32)[::int(num_samples), keep]
    targets = per_face(np.asarray(target)[:, keep], num_samples, single)
    return (source[0], targets) if single else (source, targets)
