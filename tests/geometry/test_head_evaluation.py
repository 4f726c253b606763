"""The per-region measures of `geometry.evaluation`."""

import numpy as np
import pytest

from tf_deepexag import data
from tf_deepexag.geometry import evaluation


@pytest.fixture(scope="module")
def pairs():
    return data.autotoon_split(head=True)[1]  # 11 test pairs, (B, 88, 2)


def test_unaligned_counts_a_shift_and_aligned_removes_it(pairs):
    photo = pairs.photo[:3].astype(np.float64)
    shifted = photo + [5.0, -2.0]
    unit = evaluation.eye_centre_distance(photo)
    moved = evaluation.frame_displacement(shifted, photo, "unaligned")
    np.testing.assert_allclose(moved, np.broadcast_to(
        np.array([5.0, -2.0]) / unit[:, None, None], moved.shape), atol=1e-9)
    np.testing.assert_allclose(evaluation.frame_displacement(shifted, photo, "aligned"), 0,
                               atol=1e-6)
    with pytest.raises(ValueError, match="frame"):
        evaluation.frame_displacement(shifted, photo, "canonical")


def test_region_scores_of_half_the_artist_and_of_the_identity(pairs):
    half = pairs.photo + 0.5 * (pairs.caricature - pairs.photo)
    scores = evaluation.region_scores(half, pairs.caricature, pairs.photo, "unaligned")
    assert set(scores) == {"landmarks", "head"}
    for region in scores.values():
        assert region["cosine"] == pytest.approx(1.0)
        assert region["ratio"] == pytest.approx(0.5)
        assert region["error"] == pytest.approx(region["artist_magnitude"] / 2)
    none = evaluation.region_scores(pairs.photo, pairs.caricature, pairs.photo)
    assert none["head"]["cosine"] == 0.0 and none["head"]["ratio"] == 0.0
    # The artists' head moves more than their landmarks on the test split too.
    assert none["head"]["artist_magnitude"] > none["landmarks"]["artist_magnitude"]


def test_sample_measures(pairs):
    photo, target = pairs.photo, pairs.caricature
    d = target - photo
    # Two draws: the artist's displacement and its opposite.
    samples = np.stack([photo + d, photo - d], axis=1)
    scores = evaluation.region_scores(photo + d, target, photo, samples=samples)
    lm = scores["landmarks"]
    assert lm["sample_cosine"] == pytest.approx(0.0, abs=1e-9)
    assert lm["sample_cosine_min"] == pytest.approx(-1.0)
    # Two draws 2 |d| apart: spread = twice the artists' magnitude.
    assert lm["spread_ratio"] == pytest.approx(2.0)
