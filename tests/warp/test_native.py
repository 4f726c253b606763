"""Tests for the native kernels of `warp/kernels/` (built by `tf_deepexag.native`).

The references are the TensorFlow implementations the kernels replace: the
dense warp's ops (`_dense_image_warp`) and the eager face path's XLA programs
(`face_warp._eager_programs`), compared bit for bit where the arithmetic is
the same, and against a float64 NumPy spline where it is not.
"""

import os
import shutil

import numpy as np
import pytest
import tensorflow as tf
from skimage import data as skdata

from tf_deepexag import landmarks
from tf_deepexag import native
from tf_deepexag.warp import dense_image_warp, face_warp, warp_face
from tf_deepexag.warp.dense_image_warp import _dense_image_warp

KERNELS = native.ops()
# Skipped only where nothing can build them; with a compiler a failed build
# fails `test_kernels_build_where_a_compiler_exists` instead of hiding.
HAS_COMPILER = shutil.which(os.environ.get(native.COMPILER_ENV) or "g++") is not None
pytestmark = pytest.mark.skipif(not HAS_COMPILER or not native.enabled(),
                                reason="no C++ compiler, or native kernels disabled")


def test_kernels_build_where_a_compiler_exists():
    assert KERNELS is not None, "g++ is on the PATH but the native warp kernels did not load"

ASTRONAUT = skdata.astronaut()
POINTS = landmarks.read_pts(
    landmarks.__file__.replace("landmarks/__init__.py", "assets/astronaut_68.pts"))
FLOATS = (np.float16, np.float32, np.float64)


def _exaggerated(points=POINTS):
    centre = points.mean(axis=0)
    out = (points - centre) * [1.15, 1.05] + centre
    out[27:36] = (points[27:36] - points[30]) * 1.4 + points[30]
    return out.astype(np.float32)


def _bits(x):
    x = np.asarray(x)
    return x.view(np.dtype(f"u{x.dtype.itemsize}"))


@pytest.mark.parametrize("shape", [(1, 2, 2, 3), (2, 7, 9, 3), (3, 17, 31, 1), (2, 33, 5, 4),
                                   (1, 64, 80, 2), (1, 19, 23, 7), (2, 13, 70, 3)])
@pytest.mark.parametrize("image_dtype", FLOATS)
@pytest.mark.parametrize("flow_dtype", FLOATS)
@pytest.mark.parametrize("vectorized", [True, False])
def test_dense_warp_matches_tensorflow_bit_for_bit(shape, image_dtype, flow_dtype, vectorized):
    rng = np.random.default_rng(sum(shape))
    image = rng.uniform(-2, 2, shape).astype(image_dtype)
    flow = rng.normal(0, 3, shape[:3] + (2,))
    flow[:, ::3, ::2] *= 40                         # far outside the image
    flow[:, 1, :] = np.round(flow[:, 1, :])         # integer positions: weight 0 or 1
    flow = flow.astype(flow_dtype)
    got = KERNELS.tf_deepexag_dense_image_warp(image, flow, vectorized=vectorized).numpy()
    want = _dense_image_warp(tf.constant(image), tf.constant(flow)).numpy()
    assert got.dtype == want.dtype == image_dtype
    np.testing.assert_array_equal(_bits(got), _bits(want))


@pytest.mark.parametrize("flow_dtype", FLOATS)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("index", [0, 74 * 5 + 70, 74 * 20 + 3, 2 * 13 * 74 - 1])
def test_dense_warp_kernel_fails_on_a_non_finite_flow(flow_dtype, bad, index):
    # Rows of 37 pixels are 74 flow values: 4 full 16-wide tests and a tail of
    # 10 (index 74 * 5 + 70 lies in one; the last index ends the flow).
    image = np.zeros((2, 13, 37, 3), np.float32)
    flow = np.zeros((2, 13, 37, 2), flow_dtype)
    flow.reshape(-1)[index] = bad
    with pytest.raises(tf.errors.InvalidArgumentError, match="`flow` contains NaN or inf"):
        KERNELS.tf_deepexag_dense_image_warp(image, flow)
    with pytest.raises(ValueError, match="`flow` contains NaN or inf"):
        dense_image_warp(image, flow)                                 # eager, native


def test_public_dense_warp_runs_the_kernel_eagerly_and_not_in_graphs(monkeypatch):
    image = np.random.default_rng(0).uniform(size=(2, 40, 50, 3)).astype(np.float32)
    flow = np.random.default_rng(1).normal(0, 4, (2, 40, 50, 2)).astype(np.float32)
    kernel_result = dense_image_warp(image, flow).numpy()
    monkeypatch.setenv(native.DISABLE_ENV, "0")
    np.testing.assert_array_equal(_bits(kernel_result), _bits(dense_image_warp(image, flow)))
    monkeypatch.setenv(native.DISABLE_ENV, "1")
    graph = tf.function(dense_image_warp).get_concrete_function(
        tf.TensorSpec([None, None, None, 3]), tf.TensorSpec([None, None, None, 2])).graph
    assert not [op.type for op in graph.get_operations() if op.type.startswith("TfDeepexag")]
    face_graph = tf.function(warp_face).get_concrete_function(
        tf.TensorSpec([1, None, None, 3], tf.uint8), tf.TensorSpec([68, 2]),
        tf.TensorSpec([68, 2])).graph                                # the export's call
    assert not [op.type for op in face_graph.get_operations()
                if op.type.startswith("TfDeepexag")]


def test_dense_warp_gradient_is_the_tensorflow_gradient():
    image = tf.constant(np.random.default_rng(2).uniform(size=(2, 6, 7, 3)), tf.float32)
    flow = tf.constant(np.random.default_rng(3).normal(0, 2, (2, 6, 7, 2)), tf.float32)
    gradients = []
    for warp in (dense_image_warp, _dense_image_warp):
        with tf.GradientTape() as tape:
            tape.watch([image, flow])
            loss = tf.reduce_sum(tf.sin(warp(image, flow)))
        gradients.append(tape.gradient(loss, [image, flow]))
    for kernel_value, reference in zip(*gradients):
        np.testing.assert_array_equal(kernel_value, reference)


def _face_case(height, width, grid_step):
    scale = height / 512.0
    image = tf.image.resize(ASTRONAUT, (height, width)).numpy().astype(np.uint8)[None]
    solve, coarse_flow, upsample, sample, unpack = face_warp._eager_programs(
        grid_step, 8, 0.0, tf.uint8)
    spline = solve(height, width, tf.constant(POINTS * scale, tf.float64),
                   tf.constant(_exaggerated() * scale, tf.float64))
    coarse = coarse_flow(tf.constant(image), *spline)               # XLA's (1, Gh, Gw, 2)
    pure = unpack(sample(image, upsample(coarse, image))).numpy()   # the XLA programs
    return image, spline, coarse, pure


@pytest.mark.parametrize("height,width,grid_step", [(512, 512, 8), (300, 313, 8),
                                                    (97, 61, 3), (40, 35, 1), (130, 17, 5)])
@pytest.mark.parametrize("vectorized", [True, False])
def test_face_sampler_matches_the_xla_programs_bit_for_bit(height, width, grid_step,
                                                           vectorized):
    image, _, coarse, pure = _face_case(height, width, grid_step)
    got = KERNELS.tf_deepexag_warp_face_rgb8(image, coarse, grid_step=grid_step,
                                             vectorized=vectorized).numpy()
    np.testing.assert_array_equal(got, pure)


def test_face_sampler_far_outside_takes_the_corner():
    image = ASTRONAUT[None, :50, :60]
    coarse = np.full((1, 8, 9, 2), 500.0, np.float32)              # step 8 covers 56 x 64
    got = KERNELS.tf_deepexag_warp_face_rgb8(image, coarse, grid_step=8).numpy()
    np.testing.assert_array_equal(got, np.broadcast_to(image[0, 0, 0], got.shape))


@pytest.mark.parametrize("height,width,grid_step", [(512, 512, 8), (300, 313, 8), (97, 61, 3)])
def test_coarse_flow_matches_a_float64_spline(height, width, grid_step):
    _, (controls, w, v), xla, _ = _face_case(height, width, grid_step)
    got = KERNELS.tf_deepexag_tps_coarse_flow(controls, w, v, height, width,
                                              grid_step=grid_step).numpy()
    assert got.shape == xla.shape
    # float64 evaluation of the same (float32) spline at the same nodes.
    unit = np.float32(grid_step) / np.float32(max(height, width) - 1)
    nodes = np.stack(np.meshgrid(np.arange(got.shape[1]) * unit, np.arange(got.shape[2]) * unit,
                                 indexing="ij"), -1).astype(np.float64)     # (Gh, Gw, 2)
    c = controls.numpy()[0].astype(np.float64)
    r = ((nodes[:, :, None] - c) ** 2).sum(-1)                              # (Gh, Gw, M)
    phi = 0.5 * r * np.log(np.maximum(r, 1e-10))
    v64 = v.numpy()[0].astype(np.float64)
    exact = phi @ w.numpy()[0] + nodes[..., :1] * v64[0] + nodes[..., 1:] * v64[1] + v64[2]
    native_error = np.abs(got[0] - exact).max()
    xla_error = np.abs(xla.numpy()[0] - exact).max()
    # Both are float32 sums of ill-conditioned kernel terms (kernel weights ~1e4):
    # measured 5e-4 .. 2.5e-3 px apart; the native sums are no worse than XLA's.
    assert native_error < 1.5 * xla_error + 1e-4, (native_error, xla_error)
    assert np.abs(got - xla.numpy()).max() < 5e-3


@pytest.mark.parametrize("height,width,per_edge,regularization", [
    (512, 512, 8, 0.0), (300, 313, 8, 0.0), (97, 61, 3, 0.01), (2048, 1500, 5, 0.0)])
def test_spline_solve_matches_tensorflow(height, width, per_edge, regularization):
    scale = height / 512.0
    src = tf.constant(POINTS * scale, tf.float64)
    dst = tf.constant(_exaggerated() * scale, tf.float64)
    want = face_warp._solve(height, width, src, dst, per_edge, regularization)
    got = KERNELS.tf_deepexag_tps_solve(src, dst, height, width, regularization,
                                        border_points_per_edge=per_edge)
    for kernel_value, reference in zip(got, want):
        assert kernel_value.shape == reference.shape and kernel_value.dtype == tf.float32
        # A plain float64 LU against TensorFlow's: equal after the cast to
        # float32 in every case measured; allow a few float32 ulps.
        np.testing.assert_allclose(kernel_value, reference, rtol=1e-6,
                                   atol=1e-6 * np.abs(reference).max())


@pytest.mark.parametrize("size", [256, 300])
def test_warp_face_native_and_tensorflow_paths_agree(size, monkeypatch):
    image = tf.image.resize(ASTRONAUT, (size, size)).numpy().astype(np.uint8)
    src, dst = POINTS * size / 512, _exaggerated() * size / 512
    kernel_result = warp_face(image, src, dst).astype(int)
    monkeypatch.setenv(native.DISABLE_ENV, "0")
    pure = warp_face(image, src, dst).astype(int)
    # Only the coarse grid's float32 rounding differs (see the test above):
    # measured 3 levels at most, on 0.2 % of the pixels.
    assert np.abs(kernel_result - pure).max() <= 3
    assert (kernel_result != pure).mean() < 0.005


def test_kernels_called_from_many_threads_agree():
    # ParallelRows: workers that start late, after their call returned, must
    # not touch a later call's rows; every call must still return its own result.
    import concurrent.futures  # pylint: disable=import-outside-toplevel
    rng = np.random.default_rng(4)
    cases = [(rng.uniform(size=(1, 64 + 8 * i, 96, 3)).astype(np.float32),
              rng.normal(0, 6, (1, 64 + 8 * i, 96, 2)).astype(np.float32)) for i in range(4)]
    want = [_dense_image_warp(tf.constant(i), tf.constant(f)).numpy() for i, f in cases]

    def run(index):
        image, flow = cases[index % 4]
        return index % 4, KERNELS.tf_deepexag_dense_image_warp(image, flow).numpy()

    with concurrent.futures.ThreadPoolExecutor(4) as executor:
        for index, got in executor.map(run, range(64)):
            np.testing.assert_array_equal(_bits(got), _bits(want[index]))
