"""Tests for `tf_deepexag.warp.warp_face` on the astronaut's real landmarks."""

import numpy as np
import pytest
import tensorflow as tf
from skimage import data as skdata

from tf_deepexag import landmarks
from tf_deepexag.warp import (face_flow, interpolate_bilinear, interpolate_spline,
                              warp_face)
from tf_deepexag.warp.face_warp import _border_points

ASTRONAUT = skdata.astronaut()
POINTS = landmarks.read_pts(
    landmarks.__file__.replace("landmarks/__init__.py", "assets/astronaut_68.pts"))


def _exaggerated(points=POINTS):
    centre = points.mean(axis=0)
    out = (points - centre) * [1.15, 1.05] + centre
    out[27:36] = (points[27:36] - points[30]) * 1.4 + points[30]
    return out.astype(np.float32)


def test_equal_points_give_back_the_image():
    out = warp_face(ASTRONAUT, POINTS, POINTS)
    assert out.dtype == np.uint8 and out.shape == ASTRONAUT.shape
    assert np.abs(out.astype(int) - ASTRONAUT).max() <= 1


def test_coarse_grid_flow_matches_the_exact_spline():
    h, w = 192, 160
    src = POINTS * 0.35
    dst = _exaggerated(src)
    coarse = face_flow(h, w, src, dst, grid_step=8)[0].numpy()
    # Exact: the same spline evaluated at every pixel.
    border = _border_points(h, w, 8).numpy()
    controls = np.concatenate([dst[:, ::-1], border])[None].astype(np.float64)
    values = np.concatenate([(dst - src)[:, ::-1], np.zeros_like(border)])[None]
    yy, xx = np.mgrid[0:h, 0:w]
    pixels = np.stack([yy, xx], -1).reshape(1, -1, 2).astype(np.float64)
    exact = interpolate_spline(controls, values.astype(np.float64), pixels, 2)
    error = np.abs(coarse - exact.numpy().reshape(h, w, 2))
    # Measured at 192x160, step 8: mean 0.009 px, 99.9th percentile 0.58 px,
    # max 1.4 px right beside tightly packed landmarks (step 4: 0.66 px max).
    assert error.mean() < 0.02, error.mean()
    assert np.percentile(error, 99.9) < 0.7, np.percentile(error, 99.9)
    fine = np.abs(face_flow(h, w, src, dst, grid_step=2)[0].numpy()
                  - exact.numpy().reshape(h, w, 2))
    assert fine.max() < error.max()  # a finer grid converges to the exact flow


def test_landmarks_land_on_their_destinations():
    src = POINTS * 0.35
    dst = _exaggerated(src)
    flow = face_flow(200, 200, src, dst, grid_step=2)
    # Backward flow at a destination points to its source: dst - flow(dst) = src.
    sampled = interpolate_bilinear(flow, dst[None, :, ::-1].astype(np.float32))[0]
    back = dst[:, ::-1] - sampled.numpy()
    # Within half a pixel: bilinear sampling of a steep flow between pixels.
    np.testing.assert_allclose(back, src[:, ::-1], atol=0.5)


def test_border_is_pinned():
    out = warp_face(ASTRONAUT, POINTS, _exaggerated())
    flow = face_flow(512, 512, POINTS, _exaggerated())[0].numpy()
    edges = np.concatenate([flow[0], flow[-1], flow[:, 0], flow[:, -1]])
    assert np.abs(edges).max() < 0.5
    changed = np.abs(out.astype(int) - ASTRONAUT).max(-1)
    assert changed[:4].mean() < 1.0 and changed[-4:].mean() < 1.0
    assert changed[150:250, 180:280].mean() > 5  # the face did move


def test_points_outside_the_image_and_float_images():
    src = POINTS.copy()
    src[0] = [-40.0, 100.0]
    dst = src + 3.0
    out = warp_face(ASTRONAUT.astype(np.float32) / 255.0, src, dst)
    assert out.dtype == np.float32 and np.isfinite(out).all()


def test_traces_with_dynamic_size():
    fn = tf.function(warp_face, input_signature=[
        tf.TensorSpec([None, None, 3], tf.uint8), tf.TensorSpec([68, 2], tf.float32),
        tf.TensorSpec([68, 2], tf.float32)])
    for size in (256, 300):
        scale = size / 512.0
        image = tf.image.resize(ASTRONAUT, (size, size)).numpy().astype(np.uint8)
        got = fn(image, POINTS * scale, _exaggerated() * scale).numpy()
        want = warp_face(image, POINTS * scale, _exaggerated() * scale)
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("kwargs,message", [
    (dict(src_points_xy=np.zeros((68, 3))), "last dimension 2"),
    (dict(src_points_xy=np.zeros((2, 2))), "at least 3 points"),
    (dict(dst_points_xy=np.full((68, 2), np.nan)), "`dst_points_xy` contains NaN"),
    (dict(image=np.zeros((2, 8, 8, 3), np.uint8)), "`image` must have shape"),
])
def test_bad_input(kwargs, message):
    args = dict(image=ASTRONAUT, src_points_xy=POINTS, dst_points_xy=POINTS)
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        warp_face(**args)


def test_export_signature_uint8_batch_of_one_with_dynamic_size():
    # The SavedModel "caricature" signature: uint8 [1, H, W, 3] plus points.
    fn = tf.function(warp_face, input_signature=[
        tf.TensorSpec([1, None, None, 3], tf.uint8), tf.TensorSpec([None, 2], tf.float32),
        tf.TensorSpec([None, 2], tf.float32)])
    image = ASTRONAUT[None, :200, :240]
    got = fn(image, POINTS * 0.4, _exaggerated() * 0.4)
    assert got.dtype == tf.uint8 and got.shape == (1, 200, 240, 3)
    np.testing.assert_array_equal(got, warp_face(image, POINTS * 0.4, _exaggerated() * 0.4))


def test_non_finite_points_raise_in_graph_mode():
    fn = tf.function(warp_face, input_signature=[
        tf.TensorSpec([None, None, 3], tf.uint8), tf.TensorSpec([68, 2], tf.float32),
        tf.TensorSpec([68, 2], tf.float32)])
    bad = POINTS.copy()
    bad[5, 0] = np.inf
    with pytest.raises(tf.errors.InvalidArgumentError, match="src_points_xy"):
        fn(ASTRONAUT[:64, :64], bad, POINTS)


def test_float16_image_is_warped_with_float32_positions():
    image = ASTRONAUT[:128, :128].astype(np.float32) / 255.0
    src, dst = POINTS * 0.25, _exaggerated() * 0.25
    half = warp_face(image.astype(np.float16), src, dst)
    assert half.dtype == np.float16
    # float16 values carry ~3 significant digits; positions are not rounded.
    np.testing.assert_allclose(half, warp_face(image, src, dst), atol=2e-3)
