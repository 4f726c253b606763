"""Tests for `tf_deepexag.landmarks.alignment`."""

import numpy as np
import pytest

from tf_deepexag import landmarks


def _face(seed=0):
    return np.random.default_rng(seed).uniform(50, 450, (68, 2)).astype(np.float32)


@pytest.mark.parametrize("method", ["jaw", "procrustes"])
def test_recovers_known_similarity(method):
    source = _face()
    truth = landmarks.similarity_matrix(1.7, np.deg2rad(23.0), (-40.0, 12.5))
    target = landmarks.apply_similarity(source, truth)
    estimated = landmarks.estimate_similarity(source, target, method)
    np.testing.assert_allclose(estimated, truth, atol=1e-4)


def test_jaw_rule_pins_landmark0_and_jaw_vector():
    source, target = _face(1), _face(2)
    aligned = landmarks.align(source, target, "jaw")
    np.testing.assert_allclose(aligned[0], target[0], atol=1e-3)
    np.testing.assert_allclose(aligned[16], target[16], atol=1e-3)


def test_procrustes_is_least_squares():
    source, target = _face(3), _face(4)
    best = landmarks.align(source, target, "procrustes")
    best_error = np.sum((best - target) ** 2)
    # Any perturbation of the optimal transform increases the squared error.
    matrix = landmarks.estimate_similarity(source, target, "procrustes")
    for delta in ([0.01, 0, 0], [0, 0, 1.0], [0, 0.01, 0]):
        perturbed = matrix.copy()
        perturbed[0, 0] += delta[0]
        perturbed[1, 1] += delta[0]
        perturbed[1, 0] += delta[1]
        perturbed[0, 1] -= delta[1]
        perturbed[0, 2] += delta[2]
        moved = landmarks.apply_similarity(source, perturbed)
        assert np.sum((moved - target) ** 2) > best_error


def test_batched_and_inverse():
    sources = np.stack([_face(5), _face(6)])
    truth = np.stack([landmarks.similarity_matrix(0.5, 1.0, (3, 4)),
                      landmarks.similarity_matrix(2.0, -0.3, (0, 9))])
    targets = landmarks.apply_similarity(sources, truth)
    estimated = landmarks.estimate_similarity(sources, targets, "procrustes")
    back = landmarks.apply_similarity(targets, landmarks.invert_similarity(estimated))
    np.testing.assert_allclose(back, sources, atol=1e-3)


def test_degenerate_and_unknown_method():
    face = _face()
    collapsed = face.copy()
    collapsed[16] = collapsed[0]
    with pytest.raises(ValueError, match="jaw end points coincide"):
        landmarks.estimate_similarity(collapsed, face, "jaw")
    with pytest.raises(ValueError, match="`method`"):
        landmarks.estimate_similarity(face, face, "affine")
