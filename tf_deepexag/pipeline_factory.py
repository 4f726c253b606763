"""Builds a `Caricaturist` from stage specs, as the CLI and the demo name them.

Geometry specs: `"vae"` (the default built-in model), `"vae:autotoon"` and
`"vae:synthetic"` (the built-in models by name), `"vae:<model dir>"`, `"edfm"`
(exaggerate the difference from the mean face, fitted on the built-in
synthetic pairs), `"identity"`. Style specs: see `style.make_stylizer`.
"""

import functools

import numpy as np

from tf_deepexag import pipeline

GEOMETRY_SPECS = ("vae", "vae:autotoon", "vae:synthetic", "vae:<model dir>", "edfm",
                  "identity")


class _SampledGeometry:
    """Adapts a one-output geometry (EDFM, identity) to the pipeline's protocol.

    Deterministic baselines give the same shape for every sample.
    """

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, points, num_samples=1, temperature=1.0, seed=None):
        del temperature, seed
        out = np.asarray(self.fn(np.asarray(points, np.float32)[None]), np.float32)[0]
        return np.repeat(out[None], int(num_samples), axis=0)


class _VAEGeometry:
    """The VAE exaggerator with temperature 0 meaning the deterministic mode."""

    def __init__(self, exaggerator):
        self.exaggerator = exaggerator

    def __call__(self, points, num_samples=1, temperature=1.0, seed=None):
        if temperature < 0:
            raise ValueError(f"`temperature` must be >= 0, got {temperature}.")
        return self.exaggerator.exaggerate(
            points, num_samples=num_samples, temperature=max(float(temperature), 1e-3),
            seed=seed, deterministic=temperature == 0)


@functools.lru_cache(maxsize=1)
def builtin_edfm():
    """EDFM fitted on the built-in synthetic pairs (deterministic, cached)."""
    from tf_deepexag import data, geometry  # pylint: disable=g-import-not-at-top

    pairs = data.make_synthetic_pairs()
    return geometry.EDFM.fit(pairs.photo, pairs.caricature)


def build_geometry(spec="vae", compile=False):  # pylint: disable=redefined-builtin
    """Returns the geometry stage named by `spec` (see the module docstring).

    Args:
        spec: a geometry spec.
        compile: bool, trace the VAE's 68-step sampler as a `tf.function`
            (measured with the built-in model: ~15 s once per mode, then ~12 ms
            a face instead of ~1.4 s eagerly; worth it for folders).
    """
    if spec == "identity":
        return _SampledGeometry(lambda points: points)
    if spec == "edfm":
        return _SampledGeometry(builtin_edfm())
    if spec == "vae" or spec.startswith("vae:"):
        from tf_deepexag import geometry  # pylint: disable=g-import-not-at-top

        path = spec[len("vae:"):] if spec.startswith("vae:") else None
        if path == "":
            raise ValueError("`vae:` needs a model directory, e.g. vae:runs/vae/export.")
        return _VAEGeometry(geometry.load_exaggerator(path, compile=compile))
    raise ValueError(f"Unknown geometry {spec!r}; expected one of {GEOMETRY_SPECS}.")


def build_caricaturist(geometry="vae", style="cartoon", faces="largest",
                       detector="mtcnn", crop_size=512, compile_geometry=False):
    """A `Caricaturist` with the detector, geometry, warp and style named.

    Args:
        geometry: a geometry spec. Defaults to the built-in VAE.
        style: a style spec (`"ugatit:<path>"`, `"cartoon"`, `"sketch"`,
            `"stylization"`, `"none"`). Defaults to `"cartoon"`.
        faces: `"largest"` or `"all"`.
        detector: `"mtcnn"` or `"hog"`.
        crop_size: int, side of the working face crop.
        compile_geometry: bool, see `build_geometry`'s `compile`.
    """
    from tf_deepexag import detect, style as style_lib, warp  # pylint: disable=g-import-not-at-top

    landmarker = detect.FaceLandmarker(detector=detector,
                                       faces="all" if faces == "all" else "largest")
    return pipeline.Caricaturist(
        landmarker=landmarker, geometry=build_geometry(geometry, compile_geometry),
        warp=warp.warp_face, stylizer=style_lib.make_stylizer(style), crop_size=crop_size,
        faces=faces)
