"""Tests for `Exaggerator.controls`, `plane_maps` and `map_points`.

Each geometry call of the tiny model costs seconds eagerly on a loaded CPU:
the module makes six, shared through one fixture.
"""

import keras
import numpy as np
import pytest

from tests.geometry.conftest import TINY
from tf_deepexag import data, landmarks, plane_map
from tf_deepexag.geometry import (SAMPLING_TEMPERATURE, DeepExaggerationVAE, Exaggerator,
                                  resolve_temperature)

pytestmark = pytest.mark.slow
# The tiny random model's faces fold at full strength (the fold guard then
# moves them): at this small strength the maps of its seeded weights are
# one-to-one, the mode and both samples (checked in the tests).
_SAMPLED = {"num_samples": 2, "seed": 3, "strength": 0.01}
_WEIGHTS_SEED = 0  # the same random weights in every process


@pytest.fixture(scope="module")
def runs():
    pairs = data.make_synthetic_pairs(num_persons=2, pairs_per_person=2, seed=0)
    stats = landmarks.NormalizationStats.fit(pairs.photo, pairs.caricature)
    keras.utils.set_random_seed(_WEIGHTS_SEED)
    model = DeepExaggerationVAE(TINY)
    model.build()
    ex, photo = Exaggerator(model, stats), pairs.photo[0]
    centre, size, _ = plane_map.face_frame(photo)
    between = centre + size * np.array([[0.0, -2.0], [1.5, 0.0], [0.2, 0.3]])
    pins = plane_map.pinned_points(photo)[::7]
    return {
        "ex": ex, "photo": photo, "between": between, "pins": pins,
        "sampled": ex.exaggerate(photo, temperature=SAMPLING_TEMPERATURE, **_SAMPLED),
        # temperature=None: the sampling default for several samples.
        "mapped": ex.map_points(photo, np.concatenate([photo, between, pins]), **_SAMPLED),
        # The maps through the fold guard (plane_map.unfolded).
        "planes": ex.plane_maps(photo, **_SAMPLED),
        "mode": ex.exaggerate(photo, temperature=0.0),
        "mode_mapped": ex.map_points(photo, photo, strength=0.01),  # None: deterministic
        "mode_small": ex.exaggerate(photo, temperature=0.0, strength=0.01),
        "mode_plane": ex.plane_maps(photo, strength=0.01)[0],
        "controls_x2": ex.controls(photo, strength=2.0),
        "still": ex.map_points(photo, photo[:5] + 7.0, strength=0.0),
    }


def test_map_points_equals_exaggerate_on_the_landmarks(runs):
    # A map the fold guard leaves alone (these seeded weights' maps at this
    # strength) puts the landmarks where the graph's exaggerate() does.
    got, want = runs["mode_mapped"], runs["mode_small"]
    assert got.dtype == np.float32 and got.shape == want.shape == (1, 68, 2)
    for plane in [runs["mode_plane"]] + list(runs["planes"]):
        assert (plane.shrink, plane.merged) == (1.0, 0)
    np.testing.assert_allclose(got, want, atol=1e-3)
    assert runs["mapped"].dtype == np.float32 and runs["mapped"].shape[:2] == (2, 68 + 3 + len(runs["pins"]))
    for got, want in zip(runs["mapped"], runs["sampled"]):
        np.testing.assert_allclose(got[:68], want, atol=1e-3)
    assert not np.allclose(runs["sampled"][0], runs["sampled"][1])


def test_map_points_between_the_landmarks_is_the_plane_map(runs):
    between, pins = runs["between"], runs["pins"]
    got = runs["mapped"][:, 68:]
    assert got.shape == (2, len(between) + len(pins), 2)
    for sample, plane in zip(got, runs["planes"]):
        np.testing.assert_allclose(plane.backward(sample[:len(between)]), between, atol=1e-3)
    np.testing.assert_allclose(got[:, len(between):], np.stack([pins, pins]), atol=1e-3)


def test_default_temperature():
    assert resolve_temperature(None, 1) == 0.0
    assert resolve_temperature(None, 3) == SAMPLING_TEMPERATURE
    assert resolve_temperature(0.3, 3) == pytest.approx(0.3)


def test_controls_apply_strength_once(runs):
    source, twice = runs["controls_x2"]
    photo, once = runs["photo"], runs["mode"]
    assert source.shape == (68, 2) and twice.shape == (1, 68, 2)
    np.testing.assert_allclose(source, photo, atol=1e-5)
    np.testing.assert_allclose(twice - source, 2 * (once - source), atol=1e-3)
    np.testing.assert_allclose(runs["still"][0], photo[:5] + 7.0, atol=1e-4)


def test_bad_arguments(runs):
    ex, photo = runs["ex"], runs["photo"]
    with pytest.raises(ValueError, match="`query_points`"):
        ex.map_points(photo, np.zeros((3, 3)))
    with pytest.raises(ValueError, match="one face"):
        ex.map_points(np.stack([photo, photo]), photo)
