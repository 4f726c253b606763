"""Tests for `tf_deepexag.warp.interpolate_spline` against a direct NumPy solve."""

import numpy as np
import pytest
import tensorflow as tf

from tf_deepexag.warp import interpolate_spline


def _numpy_spline(train, values, query, order, reg):
    """Independent reference: builds and solves the block system with NumPy."""
    def kernel(r):
        r = np.maximum(r, 1e-10)
        if order % 2 == 0:
            return 0.5 * r ** (order / 2) * np.log(r)
        return r ** (order / 2)
    d2 = ((train[:, None] - train[None]) ** 2).sum(-1)
    a = kernel(d2) + reg * np.eye(len(train))
    b = np.concatenate([train, np.ones((len(train), 1))], 1)
    lhs = np.block([[a, b], [b.T, np.zeros((b.shape[1], b.shape[1]))]])
    rhs = np.concatenate([values, np.zeros((b.shape[1], values.shape[1]))])
    sol = np.linalg.solve(lhs, rhs)
    w, v = sol[:len(train)], sol[len(train):]
    q2 = ((query[:, None] - train[None]) ** 2).sum(-1)
    return kernel(q2) @ w + np.concatenate([query, np.ones((len(query), 1))], 1) @ v


@pytest.mark.parametrize("order,reg", [(1, 0.0), (2, 0.0), (3, 0.0), (2, 0.01), (4, 0.0)])
def test_matches_direct_numpy_solve(order, reg):
    rng = np.random.default_rng(order)
    train = rng.uniform(0, 10, (12, 2))
    values = rng.normal(size=(12, 3))
    query = rng.uniform(-2, 12, (30, 2))
    got = interpolate_spline(train[None], values[None], query[None], order, reg)
    np.testing.assert_allclose(got[0], _numpy_spline(train, values, query, order, reg),
                               rtol=1e-6, atol=1e-6)


def test_passes_through_the_control_points_without_regularization():
    rng = np.random.default_rng(0)
    train = rng.uniform(0, 10, (1, 9, 2))
    values = rng.normal(size=(1, 9, 2))
    np.testing.assert_allclose(interpolate_spline(train, values, train, 2), values,
                               atol=1e-8)


def test_affine_data_is_reproduced_exactly():
    rng = np.random.default_rng(1)
    train = rng.uniform(0, 10, (1, 7, 2))
    values = train @ np.array([[2.0], [-1.0]]) + 3.0
    query = rng.uniform(0, 10, (1, 20, 2))
    np.testing.assert_allclose(interpolate_spline(train, values, query, 2),
                               query @ np.array([[2.0], [-1.0]]) + 3.0, atol=1e-8)


def test_gradients_match_finite_differences():
    rng = np.random.default_rng(2)
    train = tf.constant(rng.uniform(0, 5, (1, 5, 2)))
    values = tf.constant(rng.normal(size=(1, 5, 1)))
    query = tf.constant(rng.uniform(0, 5, (1, 4, 2)))
    theoretical, numerical = tf.test.compute_gradient(
        lambda t, v: interpolate_spline(t, v, query, 2), [train, values])
    for t, n in zip(theoretical, numerical):
        np.testing.assert_allclose(t, n, atol=1e-5, rtol=1e-4)


def test_bad_input():
    points = np.zeros((1, 2, 2))
    with pytest.raises(ValueError, match="needs at least 3 control points"):
        interpolate_spline(points, np.zeros((1, 2, 1)), points, 2)
    with pytest.raises(ValueError, match="`order`"):
        interpolate_spline(np.zeros((1, 4, 2)), np.zeros((1, 4, 1)), points, 0)
    with pytest.raises(ValueError, match="`train_points` contains NaN"):
        interpolate_spline(np.full((1, 4, 2), np.nan), np.zeros((1, 4, 1)), points, 2)
    with pytest.raises(ValueError, match="share a dtype"):
        interpolate_spline(np.zeros((1, 4, 2), np.float32), np.zeros((1, 4, 1)),
                           points, 2)


def test_too_few_points_raise_in_graph_mode_with_dynamic_count():
    fn = tf.function(lambda t, v: interpolate_spline(t, v, t, 2), input_signature=[
        tf.TensorSpec([1, None, 2], tf.float64), tf.TensorSpec([1, None, 1], tf.float64)])
    with pytest.raises(tf.errors.InvalidArgumentError, match="at least 3 control points"):
        fn(np.zeros((1, 2, 2)), np.zeros((1, 2, 1)))
    np.testing.assert_allclose(fn(np.eye(3, 2)[None], np.ones((1, 3, 1))), np.ones((1, 3, 1)),
                               atol=1e-9)
