"""Tests for `tf_deepexag.landmarks.statistics`."""

import numpy as np
import pytest

from tf_deepexag import landmarks


def test_offset_scale_matches_numpy_std():
    points = np.random.default_rng(0).normal(0, 30, (5, 68, 2)).astype(np.float32)
    offsets = points[:, 1:] - points[:, :-1]
    assert landmarks.offset_scale(points) == pytest.approx(np.std(offsets), rel=1e-5)


def test_stats_json_round_trip_and_validation(tmp_path):
    stats = landmarks.NormalizationStats(3.5, 4.25)
    stats.save(tmp_path / "stats.json")
    assert landmarks.NormalizationStats.load(tmp_path / "stats.json") == stats
    with pytest.raises(ValueError, match="photo_scale"):
        landmarks.NormalizationStats(0.0, 1.0)
    with pytest.raises(ValueError, match="caricature_scale"):
        landmarks.NormalizationStats.from_dict({"photo_scale": 1.0})


def test_mean_shape_is_invariant_to_similarities():
    rng = np.random.default_rng(1)
    base = rng.uniform(-50, 50, (68, 2))
    faces = []
    for k in range(6):
        matrix = landmarks.similarity_matrix(rng.uniform(0.5, 2), rng.uniform(-1, 1),
                                             rng.uniform(-100, 100, 2))
        faces.append(landmarks.apply_similarity(base, matrix))
    mean = landmarks.mean_shape(np.stack(faces))
    # The mean of similar copies of one shape is that shape, up to a similarity.
    aligned = landmarks.align(base, mean, "procrustes")
    np.testing.assert_allclose(aligned, mean, atol=1e-3)
    np.testing.assert_allclose(mean.mean(axis=0), [0, 0], atol=1e-4)


def test_interocular_distance():
    points = np.zeros((68, 2), np.float32)
    points[36] = [10, 10]
    points[45] = [13, 14]
    assert landmarks.interocular_distance(points) == pytest.approx(5.0)


def test_canonical_frame_moves_faces_onto_the_mean_shape(tmp_path):
    rng = np.random.default_rng(5)
    mean = rng.normal(size=(68, 2)) * 30.0
    stats = landmarks.NormalizationStats(1.5, 2.0, mean_shape=mean)
    # A face that is an exact similarity of the mean lands on the mean, and
    # the returned matrix maps back onto the input.
    matrix = landmarks.similarity_matrix(1.7, 0.3, (40.0, -12.0))
    face = landmarks.apply_similarity(mean, matrix)
    canonical, back = stats.to_canonical(face[None])
    np.testing.assert_allclose(canonical[0], mean, atol=1e-3)
    np.testing.assert_allclose(
        landmarks.apply_similarity(canonical, landmarks.invert_similarity(back)),
        face[None], atol=1e-3)
    path = tmp_path / "stats.json"
    stats.save(path)
    loaded = landmarks.NormalizationStats.load(path)
    assert loaded == stats
    np.testing.assert_allclose(np.asarray(loaded.mean_shape), mean, atol=1e-12)
    with pytest.raises(ValueError, match="mean_shape"):
        landmarks.NormalizationStats(1.0, 1.0, mean_shape=np.zeros((68, 3)))


def test_without_mean_shape_the_frame_is_the_image():
    points = np.random.default_rng(6).normal(size=(2, 68, 2)).astype(np.float32)
    canonical, matrix = landmarks.NormalizationStats(1.0, 1.0).to_canonical(points)
    np.testing.assert_array_equal(canonical, points)
    np.testing.assert_array_equal(matrix, np.broadcast_to(np.eye(2, 3), (2, 2, 3)))
