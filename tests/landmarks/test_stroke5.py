"""Tests for `tf_deepexag.landmarks.stroke5` and the scheme's pen flags."""

import numpy as np
import pytest
import tensorflow as tf

from tf_deepexag import landmarks


def _random_faces(seed, batch=(3,)):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 1000, size=batch + (68, 2)).astype(np.float32)


def test_round_trip_exact_within_float32():
    points = _random_faces(0)
    strokes, anchor = landmarks.to_stroke5(points)
    rebuilt = landmarks.from_stroke5(strokes, anchor)
    # Cumulative sums of float32 offsets: a few ulps of a 1000-px coordinate.
    np.testing.assert_allclose(rebuilt, points, rtol=0, atol=1e-3)


def test_offsets_and_anchor_by_hand():
    points = np.zeros((68, 2), np.float32)
    points[:, 0] = np.arange(68) ** 2      # dx_t = 2t - 1
    points[:, 1] = 5.0                     # constant y
    strokes, anchor = landmarks.to_stroke5(points)
    np.testing.assert_array_equal(anchor, [0.0, 5.0])
    np.testing.assert_array_equal(strokes[0, :2], [0.0, 0.0])
    np.testing.assert_array_equal(strokes[1:, 0], 2 * np.arange(1, 68) - 1)
    np.testing.assert_array_equal(strokes[:, 1], 0.0)


def test_pen_flags_follow_ibug_contours():
    pen = landmarks.IBUG68.pen_states()
    # A new contour starts after the last point of each group but the last.
    ends = [16, 21, 26, 30, 35, 41, 47, 59]
    np.testing.assert_array_equal(np.flatnonzero(pen[:, 1]), ends)
    np.testing.assert_array_equal(np.flatnonzero(pen[:, 2]), [67])
    np.testing.assert_array_equal(pen.sum(axis=1), 1.0)


def test_batched_shapes():
    strokes, anchor = landmarks.to_stroke5(_random_faces(1, batch=(2, 4)))
    assert strokes.shape == (2, 4, 68, 5) and anchor.shape == (2, 4, 2)


@pytest.mark.parametrize("bad", [np.zeros((67, 2)), np.zeros((68, 3)),
                                 np.full((68, 2), np.nan)])
def test_rejects_bad_points(bad):
    with pytest.raises(ValueError, match="points"):
        landmarks.to_stroke5(bad)


def test_webcaricature_scheme_is_consistent():
    scheme = landmarks.WEBCARICATURE17
    assert scheme.num_points == 17
    # Mirroring twice is the identity.
    mirror = np.asarray(scheme.mirror)
    np.testing.assert_array_equal(mirror[mirror], np.arange(17))
    assert landmarks.IBUG68.mirror[36] == 45 and landmarks.IBUG68.mirror[8] == 8


def test_scaled_offsets_in_a_graph_and_the_inverse():
    points = _random_faces(2)
    traced = tf.function(lambda p: landmarks.to_stroke5(p, offset_scale=4.0),
                         input_signature=[tf.TensorSpec([None, 68, 2], tf.float32)])
    strokes, anchor = traced(points)
    np.testing.assert_allclose(strokes[:, 1:, :2], np.diff(points, axis=1) / 4.0,
                               rtol=1e-6, atol=1e-4)
    np.testing.assert_array_equal(strokes[:, :, 2:], np.broadcast_to(
        landmarks.IBUG68.pen_states(), (3, 68, 3)))
    rebuilt = landmarks.from_stroke5(strokes, anchor, offset_scale=4.0)
    np.testing.assert_allclose(rebuilt, points, rtol=0, atol=1e-3)
    with pytest.raises(ValueError, match="points"):
        tf.function(landmarks.to_stroke5).get_concrete_function(
            tf.TensorSpec([None, 67, 2], tf.float32))
