"""The pipeline's geometry stage, built from the spec the CLI and the app name.

Specs: `"vae"` (the default built-in model, `geometry.DEFAULT_MODEL`),
`"vae:autotoon"`, `"vae:synthetic"`, `"vae:<model dir>"`, `"edfm"`
(exaggerate the difference from the mean face, fitted on the built-in
synthetic pairs), `"identity"`.

A stage is a callable `(points (N, 2), num_samples, temperature, seed,
strength) -> (S, N, 2)` exaggerated points in the same frame, strength
applied by `geometry.apply_strength`, in the stage, once; or an object with
`controls(points (68, 2), num_samples, temperature, seed, strength, image)
-> (source (N, 2), targets (S, N, 2))`, the map of the plane's control
points (`geometry.Exaggerator` is both); `stage_controls` reads either.
"""

import functools

import numpy as np

from tf_deepexag.geometry.sampling_inputs import (apply_strength, check_num_samples,
                                                  check_strength)

GEOMETRY_SPECS = ("vae", "vae:autotoon", "vae:synthetic", "vae:<model dir>", "edfm",
                  "identity")


class _RepeatedGeometry:
    """A one-output geometry (`(B, N, 2) -> (B, N, 2)`: EDFM, identity) in the
    geometry stage's protocol; it gives the same shape for every sample."""

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, points, num_samples=1, temperature=None, seed=None, strength=1.0):
        del temperature, seed
        points = np.asarray(points, np.float32)
        out = np.asarray(self.fn(points[None]), np.float32)[0]
        with np.errstate(over="ignore", invalid="ignore"):  # the pipeline names a huge strength
            out = apply_strength(points, out, np.float32(check_strength(strength)))
        return np.repeat(out[None], check_num_samples(num_samples), axis=0)


@functools.lru_cache(maxsize=1)
def builtin_edfm():
    """EDFM fitted on the built-in synthetic pairs (deterministic, cached)."""
    from tf_deepexag import data, geometry  # pylint: disable=g-import-not-at-top

    pairs = data.make_synthetic_pairs()
    return geometry.EDFM.fit(pairs.photo, pairs.caricature)


def build_geometry(spec="vae", compile=False):  # pylint: disable=redefined-builtin
    """The geometry stage named by `spec` (see the module docstring).

    A `geometry.Exaggerator` for "vae" specs (temperature 0 is its
    deterministic mode), EDFM or identity repeated per sample otherwise.

    Args:
        spec: a geometry spec.
        compile: bool, run the VAE's graph as one `tf.function` (measured
            with the built-in model: ~15 s to trace once, then ~12 ms a face
            instead of ~0.1 s eagerly; worth it for hundreds of faces).
    """
    if spec == "identity":
        return _RepeatedGeometry(lambda points: points)
    if spec == "edfm":
        return _RepeatedGeometry(builtin_edfm())
    if spec == "vae" or spec.startswith("vae:"):
        from tf_deepexag import geometry  # pylint: disable=g-import-not-at-top

        path = spec[len("vae:"):] if spec.startswith("vae:") else None
        if path == "":
            raise ValueError("`vae:` needs a model directory, e.g. vae:runs/vae/export.")
        return geometry.load_exaggerator(path, compile=compile)
    raise ValueError(f"Unknown geometry {spec!r}; expected one of {GEOMETRY_SPECS}.")


def stage_controls(geometry, points, num_samples, temperature, seed, strength, image):
    """`(source (N, 2), targets (S, N, 2))` float32 of a geometry stage, with
    `strength` applied once, by the stage: its `controls`, or a plain
    callable's points (whose sources are `points`).

    Args:
        geometry: a stage (see the module docstring).
        points: `(68, 2)` landmarks in the crop.
        num_samples, temperature, seed, strength: as `Caricaturist.__call__`.
        image: uint8 `(H, W, 3)` crop the points are in.
    """
    if hasattr(geometry, "controls"):
        source, targets = geometry.controls(points, num_samples=num_samples,
                                            temperature=temperature, seed=seed,
                                            strength=strength, image=image)
    else:
        source, targets = points, geometry(points, num_samples=num_samples,
                                           temperature=temperature, seed=seed,
                                           strength=strength)
    return (np.asarray(source, np.float32),
            np.asarray(targets, np.float32).reshape(int(num_samples), -1, 2))
