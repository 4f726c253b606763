"""`export.fold_guard`: the fold guard in graph ops against NumPy's `plane_map.unfolded`."""

import numpy as np
import pytest
import tensorflow as tf

from tf_deepexag import landmarks, plane_map
from tf_deepexag.export import fold_guard

ASTRONAUT = landmarks.read_pts(
    plane_map.__file__.replace("plane_map.py", "assets/astronaut_68.pts")).astype(np.float32)

pytestmark = pytest.mark.slow  # NumPy's bisection alone takes seconds


def _faces():
    """`(sources, targets)` `(3, 68, 2)`: a map that folds for any but a small
    share of its move (shrunk), a closed mouth opened (merged), a mild one."""
    nose = ASTRONAUT.copy()
    nose[30] = ASTRONAUT[8] + 0.3 * (ASTRONAUT[8] - ASTRONAUT[30])  # past the chin
    closed = ASTRONAUT.copy()
    closed[65:68] = closed[[63, 62, 61]]
    opened = closed.mean(0) + (closed - closed.mean(0)) * 1.15
    opened[61:64, 1] -= 3.0
    opened[65:68, 1] += 3.0
    rng = np.random.default_rng(0)
    mild = ASTRONAUT.mean(0) + (ASTRONAUT - ASTRONAUT.mean(0)) * 1.1 + rng.normal(
        0, 1.0, ASTRONAUT.shape)
    return (np.stack([ASTRONAUT, closed, ASTRONAUT]),
            np.stack([nose, opened, mild]).astype(np.float32))


def test_graph_guard_is_numpys():
    sources, targets = _faces()
    got, shrink = tf.function(fold_guard.guarded_targets, jit_compile=True)(sources, targets)
    planes = [plane_map.unfolded(s, t) for s, t in zip(sources, targets)]
    # What each case exercises, by NumPy's guard.
    assert 0.0 < planes[0].shrink < 1.0 and planes[0].merged == 0
    assert planes[1].shrink == 1.0 and planes[1].merged == 6
    assert planes[2].shrink == 1.0 and planes[2].merged == 0
    for plane, out, factor in zip(planes, got.numpy(), shrink.numpy()):
        assert np.max(np.abs(out - plane.control_target)) < 1e-3
        assert factor == pytest.approx(plane.shrink, abs=1e-6)
        # Rounded to float32 and guarded again: unchanged (ROUND_OFF).
        again = plane_map.unfolded(plane.control_source, out)
        assert again.shrink == 1.0 and again.merged == 0
        assert again.min_jacobian_determinant(num=plane_map.GUARD_GRID) >= (
            plane_map.MIN_DETERMINANT - plane_map.ROUND_OFF)


def test_merge_is_numpys():
    sources, targets = _faces()
    size = plane_map.face_frame(sources)[1]
    got = fold_guard.merge_close_controls(tf.constant(sources, tf.float64),
                                          tf.constant(targets, tf.float64),
                                          tf.constant(3 * plane_map.MERGE_DISTANCE * size))
    for source, target, out, s in zip(sources, targets, got.numpy(), size):
        want, _ = plane_map.merge_close_controls(source, target, 3 * plane_map.MERGE_DISTANCE * s)
        np.testing.assert_allclose(out, want, atol=1e-9)


def test_min_determinant_is_numpys_on_the_guards_points():
    sources, targets = _faces()
    src, tgt = tf.constant(sources, tf.float64), tf.constant(targets, tf.float64)
    centre, size, _ = plane_map.face_frame(src, xp=tf.experimental.numpy)
    radius = plane_map.PIN_RADII[0] * size
    disc = tf.constant(plane_map.unit_disc_grid(plane_map.GUARD_GRID))
    grid = disc[None] * radius[:, None, None] + centre[:, None]
    got = fold_guard.min_determinant(
        src, tgt, plane_map.pinned_points(src, xp=tf.experimental.numpy), grid,
        tf.constant(plane_map.probe_offsets()), centre, radius, size)
    want = [plane_map.PlaneMap(s, t).min_jacobian_determinant(num=plane_map.GUARD_GRID)
            for s, t in zip(sources, targets)]
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-7, atol=1e-7)
    assert min(want) < 0 < max(want)  # folds and a one-to-one map
