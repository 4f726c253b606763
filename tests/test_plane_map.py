"""Tests for `tf_deepexag.plane_map`: the geometry as a map of the plane."""

import numpy as np
import pytest

from tf_deepexag import landmarks, plane_map
from tf_deepexag.plane_map import PlaneMap

ASTRONAUT = landmarks.read_pts(
    plane_map.__file__.replace("plane_map.py", "assets/astronaut_68.pts")).astype(np.float64)


def _exaggerated(points=ASTRONAUT, factor=1.15, seed=0, jitter=1.0):
    """Points scaled about their centroid, plus a smooth-ish per-point jitter."""
    centre = points.mean(axis=0)
    rng = np.random.default_rng(seed)
    return centre + (points - centre) * factor + rng.normal(0, jitter, points.shape)


def _similarity(points, angle=0.4, scale=1.7, shift=(31.0, -12.5)):
    c, s = np.cos(angle), np.sin(angle)
    return scale * points @ np.array([[c, s], [-s, c]]) + np.asarray(shift)


def _queries(seed=1, num=200):
    centre, size, _ = plane_map.face_frame(ASTRONAUT)
    rng = np.random.default_rng(seed)
    radius = 2.8 * size * np.sqrt(rng.uniform(size=num))
    angle = rng.uniform(0, 2 * np.pi, num)
    return centre + radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], 1)


def test_controls_land_on_their_targets_and_back():
    target = _exaggerated()
    plane = PlaneMap(ASTRONAUT, target)
    np.testing.assert_allclose(plane.forward(ASTRONAUT), target, atol=1e-6)
    np.testing.assert_allclose(plane.backward(target), ASTRONAUT, atol=1e-6)
    # Pins stay put.
    pins = plane_map.pinned_points(ASTRONAUT)
    np.testing.assert_allclose(plane.forward(pins), pins, atol=1e-6)


def test_forward_inverts_backward_between_the_controls():
    plane = PlaneMap(ASTRONAUT, _exaggerated())
    queries = _queries()
    landed = plane.forward(queries)
    np.testing.assert_allclose(plane.backward(landed), queries, atol=1e-5)
    assert np.max(np.abs(landed - queries)) > 3.0  # the queries did move


def test_backward_is_the_thin_plate_spline_of_the_warp_module():
    # Independent reference: tensorflow-addons' interpolate_spline (order 2)
    # through the targets with values source - target, pins included.
    import tensorflow as tf  # pylint: disable=g-import-not-at-top
    from tf_deepexag.warp import interpolate_spline

    plane = PlaneMap(ASTRONAUT, _exaggerated())
    queries = _queries(seed=2, num=50)
    want = queries + interpolate_spline(
        tf.constant(plane.target[None]), tf.constant((plane.source - plane.target)[None]),
        tf.constant(queries[None]), order=2).numpy()[0]
    np.testing.assert_allclose(plane.backward(queries), want, atol=1e-6)


def test_identity_map_has_unit_jacobian_everywhere():
    plane = PlaneMap(ASTRONAUT, ASTRONAUT)
    queries = _queries()
    np.testing.assert_allclose(plane.forward(queries), queries, atol=1e-9)
    assert plane.min_jacobian_determinant() == pytest.approx(1.0, abs=1e-9)


def test_a_folding_control_set_has_a_negative_jacobian():
    # The centre of a square pushed past its right edge: the square's right
    # half folds over onto itself.
    square = np.array([[0, 0], [10, 0], [10, 10], [0, 10], [5, 5]], np.float64)
    folded = square.copy()
    folded[4] = [14, 5]
    plane = PlaneMap(square, folded, pinned=np.zeros((0, 2)))
    assert plane_map.min_jacobian_determinant(plane, (5, 5), 5.0) < 0
    mild = square.copy()
    mild[4] = [6, 5]
    assert plane_map.min_jacobian_determinant(
        PlaneMap(square, mild, pinned=np.zeros((0, 2))), (5, 5), 5.0) > 0


def test_jacobian_matches_finite_differences():
    plane = PlaneMap(ASTRONAUT, _exaggerated(factor=1.3))
    points, h = _queries(seed=3, num=20), 1e-3
    dx = (plane.backward(points + [h, 0]) - plane.backward(points - [h, 0])) / (2 * h)
    dy = (plane.backward(points + [0, h]) - plane.backward(points - [0, h])) / (2 * h)
    want = dx[:, 0] * dy[:, 1] - dx[:, 1] * dy[:, 0]
    np.testing.assert_allclose(plane.jacobian_determinant(points), want, rtol=1e-5)


def test_the_map_follows_the_face_not_the_frame():
    # A crop, resize or rotation of the photo moves the map with it: pins,
    # crop box and landed points are equivariant under similarities.
    target, queries = _exaggerated(), _queries()
    moved = PlaneMap(_similarity(ASTRONAUT), _similarity(target))
    np.testing.assert_allclose(plane_map.pinned_points(_similarity(ASTRONAUT)),
                               _similarity(plane_map.pinned_points(ASTRONAUT)), atol=1e-9)
    np.testing.assert_allclose(moved.forward(_similarity(queries)),
                               _similarity(PlaneMap(ASTRONAUT, target).forward(queries)),
                               atol=1e-6)


def test_the_background_stays_still():
    target = _exaggerated(factor=1.15, jitter=0.0)  # moves the jaw ~7 px
    plane = PlaneMap(ASTRONAUT, target)
    centre, size, _ = plane_map.face_frame(ASTRONAUT)
    angles = np.linspace(0, 2 * np.pi, 90, endpoint=False)
    unit = np.stack([np.cos(angles), np.sin(angles)], 1)
    for radius, limit in ((plane_map.CROP_RADIUS, 0.4), (5.0, 0.1), (12.0, 0.1)):
        ring = centre + radius * size * unit
        assert np.max(np.abs(plane.forward(ring) - ring)) < limit, radius


def test_face_frame_of_the_astronaut():
    centre, size, axes = plane_map.face_frame(ASTRONAUT)
    iod = np.hypot(*(ASTRONAUT[42:48].mean(0) - ASTRONAUT[36:42].mean(0)))  # eye centres
    assert 0.7 < size / iod < 0.9
    np.testing.assert_allclose(axes @ axes.T, np.eye(2), atol=1e-12)
    assert axes[1, 1] > 0.9  # upright face: v points down the image
    assert centre[1] < ASTRONAUT[:, 1].mean()  # the head centre is above the landmarks'


def test_scaled_map():
    target = _exaggerated()
    plane = PlaneMap(ASTRONAUT, target)
    half = plane.scaled(0.5)
    np.testing.assert_allclose(half.forward(ASTRONAUT), (ASTRONAUT + target) / 2, atol=1e-6)
    np.testing.assert_allclose(plane.scaled(0.0).forward(_queries()), _queries(), atol=1e-9)


def test_pins_in_tensorflow_numpy_match():
    import tensorflow as tf  # pylint: disable=g-import-not-at-top

    batch = np.stack([ASTRONAUT, _similarity(ASTRONAUT)]).astype(np.float32)
    got = plane_map.pinned_points(tf.constant(batch), xp=tf.experimental.numpy)
    np.testing.assert_allclose(np.asarray(got), plane_map.pinned_points(batch), atol=1e-3)


def test_bad_input():
    with pytest.raises(ValueError, match="`landmarks` must be"):
        plane_map.face_frame(np.zeros((10, 2)))
    with pytest.raises(ValueError, match="degenerate"):
        plane_map.face_frame(np.zeros((68, 2)))
    with pytest.raises(ValueError, match="`target`"):
        PlaneMap(ASTRONAUT, ASTRONAUT[:10])
    with pytest.raises(ValueError, match="NaN"):
        PlaneMap(ASTRONAUT, np.full((68, 2), np.nan))
    twice = np.concatenate([ASTRONAUT, ASTRONAUT[:1]])
    moved = np.concatenate([ASTRONAUT, ASTRONAUT[:1] + 5])
    with pytest.raises(ValueError, match="singular"):
        PlaneMap(moved, twice)
