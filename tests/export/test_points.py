"""TF-op landmark helpers against the NumPy ones in `tf_deepexag.landmarks`."""

import numpy as np

from tf_deepexag import landmarks
from tf_deepexag.export_graphs import align_jaw, from_stroke5, to_stroke5
from tf_deepexag.export_graphs.points import align_procrustes
from tests.export.conftest import photo_points


def _faces(rng, n=3):
    base = photo_points()[0]
    return (base[None] + rng.normal(0, 5.0, (n, 68, 2))).astype(np.float32)


def test_to_stroke5_matches_numpy():
    points = _faces(np.random.default_rng(0))
    strokes, anchor = to_stroke5(points)
    want, want_anchor = landmarks.to_stroke5(points)
    np.testing.assert_allclose(strokes.numpy(), want, atol=1e-4)
    np.testing.assert_allclose(anchor.numpy(), want_anchor, atol=1e-6)


def test_from_stroke5_round_trip_and_numpy():
    points = _faces(np.random.default_rng(1))
    strokes, anchor = landmarks.to_stroke5(points)
    got = from_stroke5(strokes.astype(np.float32), anchor).numpy()
    np.testing.assert_allclose(got, landmarks.from_stroke5(strokes, anchor), atol=1e-3)
    np.testing.assert_allclose(got, points, atol=1e-3)


def test_align_jaw_matches_numpy_and_known_similarity():
    rng = np.random.default_rng(2)
    target = _faces(rng)
    source = _faces(rng)
    got = align_jaw(source, target).numpy()
    np.testing.assert_allclose(got, landmarks.align(source, target, "jaw"), atol=1e-3)
    # A known similarity (scale 1.3, 25 degrees, shift) is undone exactly.
    matrix = landmarks.similarity_matrix(1.3, np.deg2rad(25.0), (12.0, -7.0))
    moved = landmarks.apply_similarity(target, matrix)
    np.testing.assert_allclose(align_jaw(moved, target).numpy(), target, atol=1e-3)
    # Point 0 lands on its target, the jaw vector takes the target's.
    np.testing.assert_allclose(got[:, 0], target[:, 0], atol=1e-4)
    np.testing.assert_allclose(got[:, 16] - got[:, 0], target[:, 16] - target[:, 0],
                               atol=1e-3)


def test_align_procrustes_matches_numpy_and_one_target_for_all():
    rng = np.random.default_rng(3)
    target, source = _faces(rng), _faces(rng)
    np.testing.assert_allclose(align_procrustes(source, target).numpy(),
                               landmarks.align(source, target, "procrustes"), atol=1e-3)
    mean = landmarks.mean_shape(target)
    want = landmarks.align(source, np.broadcast_to(mean, source.shape), "procrustes")
    np.testing.assert_allclose(align_procrustes(source, mean).numpy(), want, atol=1e-3)
