"""Tests for `tf_deepexag.warp.dense_image_warp` against tensorflow-addons 0.23."""

import numpy as np
import pytest
import tensorflow as tf

from tests.warp import _vectors
from tf_deepexag.warp import dense_image_warp, interpolate_bilinear


VECTORS = _vectors.load()


@pytest.mark.parametrize("case", _vectors.cases(VECTORS, "dense"))
def test_matches_tensorflow_addons(case):
    out = dense_image_warp(VECTORS[f"{case}_image"], VECTORS[f"{case}_flow"])
    np.testing.assert_allclose(out, VECTORS[f"{case}_out"], atol=1e-4, rtol=0)


def _image(shape=(2, 7, 9, 3), dtype=np.float32, seed=0):
    return np.random.default_rng(seed).uniform(size=shape).astype(dtype)


def test_identity_flow_returns_the_image():
    image = _image()
    out = dense_image_warp(image, np.zeros((2, 7, 9, 2), np.float32))
    # The last row/column is interpolated with weight 1 (tfa clamps the corner
    # index to size - 2), so equality holds up to float rounding.
    np.testing.assert_allclose(out, image, atol=1e-6, rtol=0)


def test_integer_translation_is_a_shift_with_border_clamp():
    image = _image((1, 8, 10, 1))
    flow = np.zeros((1, 8, 10, 2), np.float32)
    flow[..., 0], flow[..., 1] = 2.0, -3.0     # out[y, x] = image[y - 2, x + 3]
    out = dense_image_warp(image, flow).numpy()
    np.testing.assert_allclose(out[0, 2:, :7], image[0, :-2, 3:], atol=1e-6)
    # Outside the image the nearest border pixel is used (tfa semantics).
    np.testing.assert_allclose(out[0, 0, :7], image[0, 0, 3:], atol=1e-6)
    np.testing.assert_allclose(out[0, 2:, 9], image[0, :-2, 9], atol=1e-6)


def test_bilinear_value_by_hand():
    grid = np.array([[[[0.0], [10.0]], [[20.0], [30.0]]]], np.float32)  # (1, 2, 2, 1)
    value = interpolate_bilinear(grid, np.array([[[0.25, 0.5]]], np.float32))
    # top = 0 + 0.5 * 10 = 5, bottom = 20 + 0.5 * 10 = 25, 5 + 0.25 * 20 = 10.
    np.testing.assert_allclose(value, [[[10.0]]])
    far = interpolate_bilinear(grid, np.array([[[-5.0, 7.0]]], np.float32))
    np.testing.assert_allclose(far, [[[10.0]]])  # clamped to the top-right corner


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_dtypes(dtype):
    image = _image(dtype=dtype)
    flow = np.full((2, 7, 9, 2), 0.5, np.float32)
    out = dense_image_warp(image, flow)
    assert out.dtype == dtype
    reference = dense_image_warp(image.astype(np.float64), flow.astype(np.float64))
    np.testing.assert_allclose(out, reference, atol=2e-3 if dtype == np.float16 else 1e-6)


def test_dynamic_batch_in_tf_function():
    fn = tf.function(dense_image_warp, input_signature=[
        tf.TensorSpec([None, None, None, 3], tf.float32),
        tf.TensorSpec([None, None, None, 2], tf.float32)])
    for batch in (1, 3):
        image = _image((batch, 6, 5, 3))
        flow = np.random.default_rng(batch).normal(size=(batch, 6, 5, 2)).astype(np.float32)
        np.testing.assert_allclose(fn(image, flow), dense_image_warp(image, flow), atol=1e-6)


def test_gradients_match_finite_differences():
    image = tf.constant(_image((1, 5, 6, 2), np.float64))
    # Keep samples away from pixel edges, where bilinear is not differentiable.
    flow = tf.constant(np.random.default_rng(1).uniform(0.2, 0.8, (1, 5, 6, 2)))
    theoretical, numerical = tf.test.compute_gradient(
        lambda i, f: dense_image_warp(i, f), [image, flow])
    for t, n in zip(theoretical, numerical):
        np.testing.assert_allclose(t, n, atol=1e-6)


@pytest.mark.parametrize("image_shape,flow_shape,message", [
    ((7, 9, 3), (1, 7, 9, 2), "`image` must have rank 4"),
    ((1, 7, 9, 3), (1, 7, 9, 3), "`flow` must have last dimension 2"),
    ((1, 7, 9, 3), (1, 7, 8, 2), "differ in dimension 2"),
    ((1, 1, 9, 3), (1, 1, 9, 2), "height must be at least 2"),
])
def test_bad_shapes_name_the_argument(image_shape, flow_shape, message):
    with pytest.raises(ValueError, match=message):
        dense_image_warp(np.zeros(image_shape, np.float32), np.zeros(flow_shape, np.float32))


def test_non_finite_flow_and_integer_image_raise():
    flow = np.zeros((1, 4, 4, 2), np.float32)
    flow[0, 1, 1, 0] = np.nan
    with pytest.raises(ValueError, match="`flow` contains NaN"):
        dense_image_warp(np.zeros((1, 4, 4, 1), np.float32), flow)
    with pytest.raises(ValueError, match="`image` must be float"):
        dense_image_warp(np.zeros((1, 4, 4, 1), np.uint8), np.zeros((1, 4, 4, 2), np.float32))
    fn = tf.function(lambda f: dense_image_warp(tf.zeros([1, 4, 4, 1]), f))
    with pytest.raises(tf.errors.InvalidArgumentError, match="NaN or inf"):
        fn(flow)
