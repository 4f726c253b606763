"""`Exaggerator` (one TensorFlow graph) against the NumPy `Exaggerator` it
replaced, on the model the reference names.

`data/exaggerator_reference.npz` holds the old code's outputs (made by
`data/make_exaggerator_reference.py` at commit 55cc899) and the SHA-256 of
the `vae.keras` they came from: the built-in synthetic model
(`assets/vae_synthetic`). Each call is replayed here on that model with
today's API (`deterministic=True` is `temperature=0`). If the shipped file
changes, the test fails (re-record the reference; it never skips).
"""

import hashlib
import os

import numpy as np
import pytest

from tf_deepexag.geometry import Exaggerator, builtin_model_dir, load_artifacts

_REFERENCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data",
                          "exaggerator_reference.npz")
# Points are ~100-500 px, whose float32 spacing is 8e-6-3e-5 px. The old code
# ran the landmark steps in float64, the graph runs them in float32; measured
# differences were <= 9.2e-5 px (eager and compiled, 2-core CPU, TF 2.21).
_ATOL_PX = 5e-4
_MODEL = "synthetic"  # the built-in model the reference was recorded on


@pytest.fixture(scope="module")
def reference():
    ref = dict(np.load(_REFERENCE))
    with open(os.path.join(builtin_model_dir(_MODEL), "vae.keras"), "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    assert sha == str(ref["model_sha256"]), (
        f"assets/vae_{_MODEL}/vae.keras changed since the reference was recorded: "
        "re-record it (data/make_exaggerator_reference.py documents how).")
    return ref


@pytest.fixture(scope="module")
def exaggerators():
    model, stats, _ = load_artifacts(builtin_model_dir(_MODEL))
    return (Exaggerator(model, stats, align="jaw"),
            Exaggerator(model, stats, align="procrustes"))


@pytest.mark.slow
def test_exaggerate_matches_the_numpy_path(reference, exaggerators):
    jaw, procrustes = exaggerators
    photos = reference["photos"]
    got = {
        "deterministic": jaw.exaggerate(photos, temperature=0.0),
        "deterministic_procrustes": procrustes.exaggerate(photos, temperature=0.0),
        "sampled_t05_seed7_s2": jaw.exaggerate(photos, num_samples=2, temperature=0.5,
                                               seed=7),
        "sampled_t1_seed3_strength17": jaw.exaggerate(photos[0], temperature=1.0, seed=3,
                                                      strength=1.7),
    }
    for key, value in got.items():
        assert value.shape == reference[key].shape, key
        np.testing.assert_allclose(value, reference[key], rtol=0, atol=_ATOL_PX,
                                   err_msg=key)
    # The samples differ from the deterministic shape by far more than that.
    spread = np.abs(got["sampled_t05_seed7_s2"] - got["deterministic"]).max()
    assert spread > 100 * _ATOL_PX


@pytest.mark.slow
def test_encode_and_interpolate_match_the_numpy_path(reference, exaggerators):
    jaw = exaggerators[0]
    photos = reference["photos"]
    np.testing.assert_allclose(jaw.encode(photos), reference["encode"], rtol=0,
                               atol=1e-4)
    np.testing.assert_allclose(jaw.interpolate(photos[0], photos[1], num=4),
                               reference["interpolate_deterministic"], rtol=0,
                               atol=_ATOL_PX)
    np.testing.assert_allclose(
        jaw.interpolate(photos[0], photos[2], num=3, temperature=0.5, seed=5),
        reference["interpolate_t05_seed5"], rtol=0, atol=_ATOL_PX)
