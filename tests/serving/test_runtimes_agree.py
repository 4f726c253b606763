"""One behaviour behind every runtime: `Exaggerator` (Python), the SavedModel
(`SavedModelExaggerator`) and LiteRT (`LiteExaggerator`) give the same samples
for the same seed, resolve `temperature=None` the same way and refuse a
negative strength with one message.

The shared exported models (tests/exported_models.py) are two: the SavedModel
holds `TINY`, the TFLite files `LITE`; each runtime is compared with
`Exaggerator` on its own model, so all three agree through it.

The noise is the same bits everywhere (one `draw_noise`); what differs is
float32 rounding. The SavedModel matches `Exaggerator(compile=True)`, the
same graph traced, within the issue's 1e-4 px. The eager `Exaggerator`
differed from it by up to 3e-4 px on these perturbed tiny models in float32
(2026-12-04) and by 2.0e-4 px with the landmark steps in float64
(`geometry.inference`, 2026-12-05; the shipped model: 6.1e-5 px, held to
1e-4 px in test_shipped_parity.py), so it is held to 5e-4 px.
LiteRT runs the landmark steps in float64 NumPy around the VAE's file
(`geometry.host_steps`), whose matmuls give TensorFlow's bits
(`geometry.affine`); its builtin tanh and sigmoid differ by an ulp or two.
On the shipped model that is 1.2e-5 px (held to 1e-4 px in
test_shipped_parity.py); these perturbed tiny models drive a 256-unit LSTM
near saturation and sample their mixtures, and differ by up to 1.3e-3 px at
a point 1440 px out (1e-6 relative; 2e-4 px with every activation written as
arithmetic, measured 2026-12-05), so LiteRT is held to 1e-3 px plus 5e-6
relative here (docs/deployment.md).
"""

import numpy as np
import pytest

from tests.exported_models import STATS, photo_points
from tf_deepexag import errors
from tf_deepexag.geometry import SAMPLING_TEMPERATURE, Exaggerator
from tf_deepexag.serving import LiteExaggerator, SavedModelExaggerator

pytestmark = pytest.mark.slow

# The points are ~100-900 px. {runtime: (against the compiled, against eager)},
# each `(atol px, rtol)`.
_TOL = {"saved_model": ((1e-4, 0.0), (5e-4, 0.0)), "litert": ((1e-3, 5e-6), (1e-3, 5e-6))}


def _faces():
    base = photo_points()[0]
    other = base + np.random.default_rng(5).normal(0, 3.0, base.shape).astype(np.float32)
    return np.stack([base, other])  # (2, 68, 2)


@pytest.fixture(scope="module")
def pairs(saved_model_version, tiny_artifacts, tflite_files, lite_artifacts):
    """`{name: (runtime, compiled Exaggerator, eager Exaggerator)}` on one model."""
    models = {"saved_model": tiny_artifacts[2], "litert": lite_artifacts[1]}
    runtimes = {"saved_model": SavedModelExaggerator(saved_model_version),
                "litert": LiteExaggerator(tflite_files[0], "fp32")}
    return {name: (runtimes[name], Exaggerator(models[name], STATS, compile=True),
                   Exaggerator(models[name], STATS)) for name in models}


@pytest.mark.parametrize("name", ["saved_model", "litert"])
def test_same_seed_same_samples(pairs, name):
    runtime, python, eager = pairs[name]
    faces = _faces()
    calls = [dict(num_samples=3, temperature=0.8, seed=11),
             dict(num_samples=2, seed=3, strength=1.7),  # None: the sampling default
             dict(num_samples=1, seed=3)]                 # None: deterministic
    for kwargs in calls:
        want = python.exaggerate(faces, **kwargs)
        got = runtime.exaggerate(faces, **kwargs)
        assert got.shape == want.shape == (2, kwargs["num_samples"], 68, 2)
        (atol, rtol), (eager_atol, eager_rtol) = _TOL[name]
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=str(kwargs))
        np.testing.assert_allclose(got, eager.exaggerate(faces, **kwargs), rtol=eager_rtol,
                                   atol=eager_atol, err_msg=str(kwargs))
    one = runtime.exaggerate(faces[0], num_samples=2, seed=11)
    assert one.shape == (2, 68, 2)
    atol, rtol = _TOL[name][0]
    np.testing.assert_allclose(one, python(faces[0], num_samples=2, seed=11), rtol=rtol,
                               atol=atol)
    # The samples are samples: they differ from each other and by seed.
    draws = runtime.exaggerate(faces[0], num_samples=2, seed=11)
    assert np.abs(draws[0] - draws[1]).max() > 0.1
    assert np.abs(runtime.exaggerate(faces[0], num_samples=2, seed=12) - draws).max() > 0.1


@pytest.mark.parametrize("name", ["saved_model", "litert"])
def test_defaults_and_refusals_are_the_library_s(pairs, name):
    runtime, python, _ = pairs[name]
    face = _faces()[0]
    # None is 0 for one sample, SAMPLING_TEMPERATURE for several.
    np.testing.assert_array_equal(runtime.exaggerate(face, seed=1),
                                  runtime.exaggerate(face, seed=2, temperature=0.0))
    np.testing.assert_allclose(
        runtime.exaggerate(face, num_samples=2, seed=4),
        runtime.exaggerate(face, num_samples=2, seed=4, temperature=SAMPLING_TEMPERATURE),
        rtol=_TOL[name][0][1], atol=_TOL[name][0][0])
    for front_end in (runtime, python):
        for bad in (-0.5, float("nan")):
            with pytest.raises(errors.UserError,
                               match=r"^`strength` must be a finite number >= 0, got"):
                front_end.exaggerate(face, strength=bad)
        with pytest.raises(errors.UserError, match="`temperature`"):
            front_end.exaggerate(face, temperature=-1.0)
        with pytest.raises(errors.UserError, match="`num_samples`"):
            front_end.exaggerate(face, num_samples=0)
