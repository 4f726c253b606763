"""Tests for `tf_deepexag.landmarks.alignment`."""

import numpy as np
import tensorflow as tf
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
        perturbed = np.array(matrix)
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


def _complex_reference(source, target, method):
    """The closed forms of the module docstring in NumPy complex arithmetic."""
    s = source[..., 0] + 1j * source[..., 1]
    d = target[..., 0] + 1j * target[..., 1]
    if method == "jaw":
        a = (d[..., 16] - d[..., 0]) / (s[..., 16] - s[..., 0])
        b = d[..., 0] - a * s[..., 0]
    else:
        sc = s - s.mean(-1, keepdims=True)
        dc = d - d.mean(-1, keepdims=True)
        a = np.sum(np.conj(sc) * dc, -1) / np.sum(np.abs(sc) ** 2, -1)
        b = d.mean(-1) - a * s.mean(-1)
    moved = a[..., None] * s + b[..., None]
    return np.stack([moved.real, moved.imag], -1)


@pytest.mark.parametrize("method", ["jaw", "procrustes"])
def test_matches_complex_closed_form_eagerly_and_in_a_graph(method):
    sources = np.stack([_face(7), _face(8), _face(9)]).astype(np.float64)
    targets = np.stack([_face(10), _face(11), _face(12)]).astype(np.float64)
    want = _complex_reference(sources, targets, method)
    got = landmarks.align(sources, targets, method)
    assert got.dtype == tf.float64  # NumPy float64 stays float64
    np.testing.assert_allclose(got, want, atol=1e-9)
    traced = tf.function(lambda s, t: landmarks.align(s, t, method), input_signature=[
        tf.TensorSpec([None, 68, 2], tf.float32), tf.TensorSpec([None, 68, 2], tf.float32)])
    got32 = traced(sources.astype(np.float32), targets.astype(np.float32))
    np.testing.assert_allclose(got32, want, atol=2e-3)  # float32 of 500-px points


def test_one_target_for_every_face_broadcasts():
    sources = np.stack([_face(13), _face(14)]).astype(np.float64)
    mean = _face(15).astype(np.float64)
    got = landmarks.align(sources, mean, "procrustes")
    want = _complex_reference(sources, np.broadcast_to(mean, sources.shape), "procrustes")
    np.testing.assert_allclose(got, want, atol=1e-9)
    with pytest.raises(ValueError, match="broadcast"):
        landmarks.align(mean, sources, "procrustes")
