"""Tests for `tf_deepexag.warp.warp_face` on the astronaut's real landmarks."""

import numpy as np
import pytest
import tensorflow as tf
from skimage import data as skdata

from tf_deepexag import landmarks
from tf_deepexag.warp import (dense_image_warp, face_flow, interpolate_bilinear,
                              interpolate_spline, warp_face)
from tf_deepexag.warp import _rgb_uint8_sampler as _sampler
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
    # Inside a tf.function warp_face is plain ops; eagerly it runs XLA programs
    # (face_warp._eager_programs). XLA's float32 log and sums round differently
    # from TensorFlow's kernels, and the ill-conditioned kernel sums amplify
    # that to ~2.5e-3 px of flow (measured at 512^2), which moves a 1/64 px
    # sub-pixel weight on 0.1-0.3 % of the pixels.
    fn = tf.function(warp_face, input_signature=[
        tf.TensorSpec([None, None, 3], tf.uint8), tf.TensorSpec([68, 2], tf.float32),
        tf.TensorSpec([68, 2], tf.float32)])
    for size in (256, 300):
        scale = size / 512.0
        image = tf.image.resize(ASTRONAUT, (size, size)).numpy().astype(np.uint8)
        got = fn(image, POINTS * scale, _exaggerated() * scale).numpy().astype(int)
        want = warp_face(image, POINTS * scale, _exaggerated() * scale).astype(int)
        assert got.shape == want.shape == image.shape
        assert np.abs(got - want).max() <= 3
        assert (got != want).mean() < 0.005


def test_uint8_sampler_matches_the_float_bilinear_warp():
    # Independent reference: dense_image_warp (tensorflow-addons' numerics) on
    # the float image, rounded. The integer sampler rounds the weights to
    # 1/64 px, so a level or two of difference at sharp edges is expected.
    image = ASTRONAUT[None, 100:260, 120:300]                      # (1, 160, 180, 3)
    yy, xx = np.mgrid[0:160, 0:180].astype(np.float32)
    flow = np.stack([6 * np.sin(xx / 23) + 3, 5 * np.cos(yy / 31) - 20], -1)[None]
    want = np.round(dense_image_warp(image.astype(np.float32), flow).numpy()).astype(int)
    warped = _sampler.unpack_rgb0(_sampler.warp_rgb_uint8(image, flow))
    assert warped.dtype == tf.uint8 and warped.shape == want.shape
    got = warped.numpy().astype(int)
    error = np.abs(got - want)
    assert error.max() <= 2, error.max()
    assert error.mean() < 0.05, error.mean()
    # Samples far outside the image take the nearest corner, like the float path.
    shifted = _sampler.unpack_rgb0(_sampler.warp_rgb_uint8(
        image, np.full((1, 160, 180, 2), 100.0, np.float32))).numpy()
    np.testing.assert_array_equal(shifted[0, :100, :100], np.broadcast_to(
        image[0, 0, 0], (100, 100, 3)))


def test_upsampling_is_linear_interpolation_between_the_nodes():
    rng = np.random.default_rng(3)
    step, size = 8, 61                                              # size not a multiple
    nodes = rng.normal(size=(1, 9, 5, 2)).astype(np.float32)        # node k at pixel 8 k
    got = _sampler.upsample_axis(nodes, size, step, 1).numpy()      # (1, 61, 5, 2)
    positions = np.arange(9) * step
    want = np.empty((size, 5, 2))
    for j in range(5):
        for c in range(2):
            want[:, j, c] = np.interp(np.arange(size), positions, nodes[0, :, j, c])
    np.testing.assert_allclose(got[0], want, atol=1e-6)
    cols = _sampler.upsample_axis(nodes.transpose(0, 2, 1, 3), size, step, 2).numpy()
    np.testing.assert_allclose(cols[0].transpose(1, 0, 2), want, atol=1e-6)


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
    want = warp_face(image, POINTS * 0.4, _exaggerated() * 0.4)   # eager: XLA programs
    difference = np.abs(got.numpy().astype(int) - want)
    assert difference.max() <= 3 and (difference > 0).mean() < 0.005  # see above


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


def test_eager_input_kinds_give_the_same_warp():
    # The eager path checks NumPy arrays and tensors in NumPy and converts
    # lists with tf.convert_to_tensor (Python floats are float32, as traced).
    image = ASTRONAUT[:96, :128]
    src, dst = POINTS * 0.2, _exaggerated() * 0.2
    want = warp_face(image, src.astype(np.float32), dst.astype(np.float32))
    assert isinstance(want, np.ndarray) and want.shape == image.shape and want.flags.writeable
    from_lists = warp_face(image, src.tolist(), dst.tolist())
    np.testing.assert_array_equal(from_lists, want)
    batched = warp_face(image[None], src.astype(np.float32), dst.astype(np.float32))
    assert batched.shape == (1,) + image.shape
    np.testing.assert_array_equal(batched[0], want)
    from_tensors = warp_face(tf.constant(image), tf.constant(src, tf.float32),
                             tf.constant(dst, tf.float32))
    assert tf.is_tensor(from_tensors) and from_tensors.shape == image.shape
    np.testing.assert_array_equal(from_tensors, want)
