"""Tests for `style.processing`: the one uint8 <-> [-1, 1] conversion."""

import numpy as np
import pytest
import tensorflow as tf

from tf_deepexag.style import processing


def _image(h=12, w=10, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def test_values_by_hand_and_exact_round_trip():
    image = np.array([[[0, 255, 51]]], np.uint8)  # (1, 1, 3)
    np.testing.assert_allclose(processing.to_model_input(image),
                               [[[-1.0, 1.0, 51 / 127.5 - 1]]], atol=1e-7)
    for images in (_image(), np.stack([_image(seed=1), _image(seed=2)])):
        x = processing.to_model_input(images)
        assert x.dtype == tf.float32 and x.shape == images.shape
        np.testing.assert_array_equal(processing.to_uint8(x), images)
    # Out-of-range outputs clip; halves round to even.
    np.testing.assert_array_equal(processing.to_uint8(np.array(
        [[[-1.5, 1.5, 1 / 255.0]]], np.float32)), [[[0, 255, 128]]])


def test_pad_to_a_multiple_mirrors_and_crop_restores():
    image = _image(13, 10)
    x = processing.to_model_input(image, multiple=4).numpy()
    assert x.shape == (16, 12, 3)
    np.testing.assert_array_equal(x[13:16], x[12:9:-1])  # rows 12, 11, 10 mirrored
    np.testing.assert_array_equal(x[:13, 10:12], x[:13, 9:7:-1])
    np.testing.assert_array_equal(processing.to_uint8(x, crop=image.shape[:2]), image)
    assert processing.to_model_input(image, multiple=1).shape == (13, 10, 3)


def test_resizing_keeps_linear_ramps_both_ways():
    # Bilinear with half-pixel centres maps output pixel j to source
    # coordinate (j + 0.5) / scale - 0.5; the antialiasing triangle filter is
    # symmetric, so a linear ramp stays that ramp away from the borders.
    ramp = np.tile((40 + 4 * np.arange(32, dtype=np.float64))[None, :, None], (8, 1, 3))
    image = ramp.astype(np.uint8)  # (8, 32, 3), 40 ... 164
    up = (processing.to_model_input(image, size=(8, 64)).numpy()[0, 4:-4, 0] + 1) * 127.5
    source = (np.arange(64) + 0.5) / 2 - 0.5
    np.testing.assert_allclose(up, 40 + 4 * source[4:-4], atol=1e-3)
    down = (processing.to_model_input(image, size=(8, 16)).numpy()[0, 2:-2, 0] + 1) * 127.5
    source = (np.arange(16) + 0.5) * 2 - 0.5
    np.testing.assert_allclose(down, 40 + 4 * source[2:-2], atol=1e-3)
    # And back to uint8 at another size.
    out = processing.to_uint8(processing.to_model_input(image), size=16)
    assert out.shape == (16, 16, 3) and out.dtype == tf.uint8


def test_inside_a_function_with_unknown_sizes():
    @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3], tf.uint8)])
    def fit(images):
        x = processing.to_model_input(images, multiple=8)
        return processing.to_uint8(x, crop=tf.shape(images)[1:3])

    images = np.stack([_image(9, 17, seed=3)])
    np.testing.assert_array_equal(fit(images), images)


@pytest.mark.parametrize("kwargs, match", [
    (dict(images=np.zeros((4, 4, 3), np.float32)), "uint8"),
    (dict(images=np.zeros((4, 4), np.uint8)), "images"),
    (dict(images=np.zeros((4, 4, 3), np.uint8), size=0), "size"),
    (dict(images=np.zeros((4, 4, 3), np.uint8), size=(4, 4, 4)), "size"),
    (dict(images=np.zeros((4, 4, 3), np.uint8), multiple=0), "multiple"),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        processing.to_model_input(**kwargs)


def test_min_side_pads_short_sides_by_repeated_mirroring():
    image = np.array([[[10, 20, 30], [40, 50, 60], [70, 80, 90]]], np.uint8)  # (1, 3, 3)
    x = processing.to_model_input(image, multiple=4, min_side=8).numpy()
    assert x.shape == (8, 8, 3)
    u = np.round((x + 1) * 127.5).astype(np.uint8)
    # Columns a b c -> a b c | c b a | a b (mirror of the mirror); rows of one row.
    np.testing.assert_array_equal(u[0, :, 0], [10, 40, 70, 70, 40, 10, 10, 40])
    np.testing.assert_array_equal(u[:, 2, 0], [70] * 8)
    assert processing.to_model_input(_image(13, 10), multiple=4, min_side=8).shape == (16, 12, 3)
    assert processing.to_model_input(_image(5, 2), min_side=8).shape == (8, 8, 3)


def test_fit_within_by_hand():
    fit = lambda hw, side: tuple(processing.fit_within(hw, side).numpy())  # noqa: E731
    assert fit((100, 80), 32) == (32, 26)  # 80 * 0.32 = 25.6
    assert fit((80, 100), 50) == (40, 50)
    assert fit((30, 20), 32) == (30, 20)
    assert fit((1000, 2), 10) == (10, 1)  # at least 1
    assert fit((50, 25), 20) == (20, 10)  # 25 * 0.4 = 10 exactly
    assert fit((3, 5), 2) == (1, 2)  # 1.2 -> 1
    with pytest.raises(ValueError, match="max_side"):
        processing.fit_within((3, 5), 0)


def test_apply_resizes_crops_and_returns_the_input_size():
    image = _image(13, 10)
    # The identity model: the pad is cropped off exactly.
    np.testing.assert_array_equal(processing.apply(lambda x: x, image, multiple=4,
                                                   min_side=8), image)
    seen = []
    out = processing.apply(lambda x: seen.append(x.shape) or -x, image[None], size=(6, 5),
                           multiple=4)
    assert seen == [(1, 8, 8, 3)] and out.shape == (1, 13, 10, 3)
    # -x maps u to 255 - u; a constant image stays constant through the resizes.
    flat = np.full((13, 10, 3), 55, np.uint8)
    np.testing.assert_array_equal(processing.apply(lambda x: (-x,), flat, size=(6, 5)), 200)
