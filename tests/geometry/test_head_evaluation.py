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


def test_pose_change_recovers_a_pure_similarity(pairs):
    photo = pairs.photo[:4].astype(np.float64)
    angle, factor, shift = np.radians(5.0), 1.1, np.array([7.0, -3.0])
    rotation = factor * np.array([[np.cos(angle), -np.sin(angle)],
                                  [np.sin(angle), np.cos(angle)]])
    centre = photo.mean(axis=1, keepdims=True)
    posed = (photo - centre) @ rotation.T + centre + shift
    pose = evaluation.pose_change(posed, photo)
    np.testing.assert_allclose(pose["rotation_deg"], 5.0, atol=1e-9)
    np.testing.assert_allclose(pose["scale"], 0.1, atol=1e-9)
    unit = evaluation.eye_centre_distance(photo)
    np.testing.assert_allclose(pose["shift_x"], 7.0 / unit, atol=1e-9)
    np.testing.assert_allclose(pose["shift_y"], -3.0 / unit, atol=1e-9)
    np.testing.assert_allclose(pose["share"], 1.0, atol=1e-9)
    np.testing.assert_allclose(pose["cosine"], 1.0, atol=1e-9)


def test_pose_change_of_a_shape_change_alone_is_none(pairs):
    photo = pairs.photo[:4].astype(np.float64)
    # The artists' displacements less their least-squares projection on the
    # photo's similarity directions (shift x, shift y, scale, turn): the
    # similarity fitted to photo + d is then the identity, whatever d was.
    d = pairs.caricature[:4] - photo
    shape_only = []
    for p, di in zip(photo, d):
        c = p - p.mean(axis=0)
        basis = np.stack([np.tile([1.0, 0.0], len(p)), np.tile([0.0, 1.0], len(p)),
                          c.ravel(), np.stack([-c[:, 1], c[:, 0]], -1).ravel()], 1)
        coef, *_ = np.linalg.lstsq(basis, di.ravel(), rcond=None)
        shape_only.append(p + (di.ravel() - basis @ coef).reshape(p.shape))
    for region in evaluation.REGIONS:
        pose = evaluation.pose_change(np.stack(shape_only), photo, region)
        np.testing.assert_allclose(pose["share"], 0.0, atol=1e-12)
        np.testing.assert_allclose(pose["rotation_deg"], 0.0, atol=1e-9)
        np.testing.assert_allclose(pose["scale"], 0.0, atol=1e-9)
        np.testing.assert_allclose(pose["shift_y"], 0.0, atol=1e-9)
