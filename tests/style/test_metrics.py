"""FID/KID math against closed forms."""

import numpy as np
import pytest

from tf_deepexag.style import metrics


def test_fid_closed_forms():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(20000, 4))
    delta = np.array([1.0, -2.0, 0.5, 0.0])
    # Identical sets: 0. Shifted by delta (same covariance): ||delta||^2.
    assert abs(metrics.fid_from_features(a, a)) < 1e-6
    assert metrics.fid_from_features(a, a + delta) == pytest.approx(5.25, abs=1e-6)
    # Diagonal Gaussians: sum (s1 - s2)^2 for standard deviations s.
    s1, s2 = np.diag([1.0, 4.0]), np.diag([9.0, 1.0])
    want = (1 - 3) ** 2 + (2 - 1) ** 2
    assert metrics.frechet_distance(np.zeros(2), s1, np.zeros(2), s2) == pytest.approx(want)


def test_low_rank_fid_equals_covariance_sqrtm():
    # max(N, M) <= D takes the (N, M) SVD path; compare with sqrtm of the
    # D x D covariances (D small enough for sqrtm to be fast and accurate).
    rng = np.random.default_rng(3)
    f1, f2 = rng.normal(size=(12, 40)), rng.normal(1.0, 2.0, size=(9, 40))
    want = metrics.frechet_distance(f1.mean(0), np.cov(f1, rowvar=False),
                                    f2.mean(0), np.cov(f2, rowvar=False))
    assert metrics.fid_from_features(f1, f2) == pytest.approx(want, rel=1e-6)
    assert abs(metrics.fid_from_features(f1, f1)) < 1e-9
    with pytest.raises(ValueError, match="at least 2 samples"):
        metrics.fid_from_features(f1[:1], f2)


def test_kid_unbiased_zero_and_positive():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(400, 8)), rng.normal(size=(400, 8))
    mean, _ = metrics.kid_from_features(a, b, num_subsets=20, subset_size=200)
    assert abs(mean) < 0.02  # unbiased: ~0 for the same distribution
    shifted, _ = metrics.kid_from_features(a, b + 1.0, num_subsets=20, subset_size=200)
    assert shifted > 0.2


def test_mmd_matches_hand_computation():
    x = np.array([[1.0, 0.0], [0.0, 1.0]])
    y = np.array([[1.0, 1.0], [2.0, 0.0]])
    k = lambda u, v: (u @ v / 2 + 1) ** 3
    want = (2 * k(x[0], x[1]) / 2 + 2 * k(y[0], y[1]) / 2
            - 2 * np.mean([k(a, b) for a in x for b in y]))
    assert metrics._mmd2_unbiased(x, y) == pytest.approx(want)


def test_default_features_separate_image_sets():
    rng = np.random.default_rng(2)
    dark = rng.integers(0, 100, (30, 16, 16, 3), dtype=np.uint8)
    dark2 = rng.integers(0, 100, (30, 16, 16, 3), dtype=np.uint8)
    bright = rng.integers(150, 256, (30, 16, 16, 3), dtype=np.uint8)
    same = metrics.fid_kid(dark, dark2, num_subsets=10)
    diff = metrics.fid_kid(dark, bright, num_subsets=10)
    assert diff["fid"] > 10 * same["fid"] and diff["kid_x100"] > same["kid_x100"]
    assert metrics.color_gradient_features(dark).shape == (30, 128)
    with pytest.raises(ValueError, match="uint8"):
        metrics.color_gradient_features(dark.astype(np.float32))
