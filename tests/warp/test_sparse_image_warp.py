"""Tests for `tf_deepexag.warp.sparse_image_warp` against tensorflow-addons 0.23."""

import numpy as np
import pytest

from tests.warp import _vectors
from tf_deepexag.warp import sparse_image_warp

VECTORS = _vectors.load()
# Case 3 (order 3, regularisation 0.01, 56 px wide) is float32 noise: its
# 15x15 system has condition number 1.4e11 and the kernel values reach 3e5,
# so tensorflow-addons' own float32 flow is 2.9e-3 px away from the float64
# solution and a last-bit change in any kernel value or solve step moves it by
# ~1e-3 px. Our tf.linalg.solve is bit for bit what an emulation of Eigen's
# unblocked partial-pivot LU and triangular solves gives (TF 2.21), TF 2.21's
# float32 pow is 1 ulp off on 26 of the 144 kernel entries, and the vectors
# fit a correctly rounded pow better (6e-4 vs 2.1e-3 px residual of a float64
# fit). ~8000 combinations of pow, distance-product FMA order and LU/solve
# order did not reproduce their bits (best 7.5e-4 px by chance, typical
# 1.5-3e-3; README warp section). We land 3.0e-3 (flow) and 1.7e-3 (image)
# px from them. The cause is TensorFlow's float32 pow, not this code: under
# TF 2.15.1 (tensorflow-addons 0.23's era; `bench/warp_conformance.py` in a
# scratch venv) the same code matches every case, sparse3 included, bit for
# bit, and between the two versions only pow(r, 1.5) changed (27 of 144
# kernel entries by 1 ulp; distances and solve identical). The 1e-3 target is
# kept as a strict xfail, and the case is checked at its noise level below.
SPARSE_CASES = [pytest.param(c, marks=pytest.mark.xfail(
    strict=True, reason="ill-conditioned float32 system, see the note above"))
    if c == "sparse3" else c for c in _vectors.cases(VECTORS, "sparse")]


def _run(case, dtype=np.float32):
    order, reg, boundary = VECTORS[f"{case}_params"]
    return sparse_image_warp(*(VECTORS[f"{case}_{k}"].astype(dtype)
                               for k in ("image", "src_yx", "dst_yx")),
                             int(order), float(reg), int(boundary))


@pytest.mark.parametrize("case", SPARSE_CASES)
def test_matches_tensorflow_addons(case):
    out, flow = _run(case)
    np.testing.assert_allclose(out, VECTORS[f"{case}_out"], atol=1e-3, rtol=0)
    np.testing.assert_allclose(flow, VECTORS[f"{case}_flow"], atol=1e-3, rtol=0)


def test_ill_conditioned_case_within_float32_noise():
    out, flow = _run("sparse3")
    _, flow64 = _run("sparse3", np.float64)
    tfa_noise = np.abs(VECTORS["sparse3_flow"] - flow64).max()     # 2.9e-3
    assert np.abs(flow - VECTORS["sparse3_flow"]).max() < 1.5 * tfa_noise
    np.testing.assert_allclose(out, VECTORS["sparse3_out"], atol=2.5e-3, rtol=0)


def test_equal_source_and_destination_is_the_identity():
    image = np.random.default_rng(0).uniform(size=(1, 20, 24, 3)).astype(np.float32)
    points = np.random.default_rng(1).uniform(2, 18, (1, 6, 2)).astype(np.float32)
    out, flow = sparse_image_warp(image, points, points, num_boundary_points=2)
    np.testing.assert_allclose(flow, 0.0, atol=1e-4)
    np.testing.assert_allclose(out, image, atol=1e-4)


def test_control_point_moves_to_destination():
    # A bright pixel at the source lands at the destination.
    image = np.zeros((1, 32, 32, 1), np.float32)
    image[0, 10, 12] = 1.0
    source = np.array([[[10.0, 12.0], [25, 25], [5, 28], [28, 4]]], np.float32)
    dest = source.copy()
    dest[0, 0] = [14.0, 15.0]
    out, _ = sparse_image_warp(image, source, dest, num_boundary_points=2)
    assert np.unravel_index(np.argmax(out[0, ..., 0]), (32, 32)) == (14, 15)


def test_rank_2_and_3_images_keep_their_rank():
    points = np.array([[[2.0, 2.0], [5, 6], [8, 3]]], np.float32)
    for shape in ((10, 10), (10, 10, 3)):
        out, _ = sparse_image_warp(np.ones(shape, np.float32), points, points + 0.5)
        assert out.shape == shape


def test_bad_input():
    image = np.zeros((1, 8, 8, 1), np.float32)
    with pytest.raises(ValueError, match="differ"):
        sparse_image_warp(image, np.zeros((1, 4, 2), np.float32),
                          np.zeros((1, 5, 2), np.float32))
    with pytest.raises(ValueError, match="at least 3 control points"):
        sparse_image_warp(image, np.zeros((1, 2, 2), np.float32),
                          np.ones((1, 2, 2), np.float32))
    with pytest.raises(ValueError, match="must have last dimension 2"):
        sparse_image_warp(image, np.zeros((1, 4, 3), np.float32),
                          np.zeros((1, 4, 3), np.float32))
