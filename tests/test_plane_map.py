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


def _nose_past_the_chin(factor):
    """The astronaut's landmarks with the nose tip moved `factor` of the way
    from itself to 0.3 face heights below the chin: folds at 1."""
    target = ASTRONAUT.copy()
    past_chin = ASTRONAUT[8] + 0.3 * (ASTRONAUT[8] - ASTRONAUT[30])
    target[30] += factor * (past_chin - ASTRONAUT[30])
    return target


def test_fold_guard_shrinks_a_folding_map_until_it_is_one_to_one():
    folded = _nose_past_the_chin(1.0)
    assert PlaneMap(ASTRONAUT, folded).min_jacobian_determinant() < 0  # the raw map folds
    plane = plane_map.unfolded(ASTRONAUT, folded)
    assert 0.0 < plane.shrink < 1.0
    # Guarded: the threshold holds on the guard's grid, and a finer grid
    # (nodes between the guard's) finds no fold either.
    grid = plane_map.GUARD_GRID
    assert plane.min_jacobian_determinant(num=grid) >= plane_map.MIN_DETERMINANT
    assert plane.min_jacobian_determinant(num=2 * grid + 1) > 0.0
    # It is the raw map's displacement times the factor, pins unchanged: the
    # nose lands that far along its way, every other control where it was.
    want = ASTRONAUT + plane.shrink * (folded - ASTRONAUT)
    np.testing.assert_allclose(plane.forward(ASTRONAUT), want, atol=1e-6)
    np.testing.assert_array_equal(plane.source[68:], plane_map.pinned_points(ASTRONAUT))
    assert plane.merged == 0  # no close controls: the nose tip is alone
    # The largest factor the bisection tells apart: 2^-12 more (the factor it
    # tried and refused) falls below the threshold.
    step = 2.0 ** -12
    assert PlaneMap(ASTRONAUT, ASTRONAUT + (plane.shrink + step) * (
        folded - ASTRONAUT)).min_jacobian_determinant(num=grid) < plane_map.MIN_DETERMINANT


def test_fold_guard_moves_a_closed_mouths_lips_together():
    """Upper and lower inner lips at one photo point (a closed mouth) moved
    apart fold the map for any amount of the move: merged, not shrunk."""
    closed = ASTRONAUT.copy()
    closed[65:68] = closed[[63, 62, 61]]  # lower inner lip onto the upper
    target = _exaggerated(closed, jitter=0.0)
    target[61:64, 1] -= 3.0   # the model opens the mouth by 6 px
    target[65:68, 1] += 3.0
    assert PlaneMap(closed, target).min_jacobian_determinant() < 0
    plane = plane_map.unfolded(closed, target)
    assert plane.shrink == 1.0 and plane.merged == 6
    assert plane.min_jacobian_determinant(num=plane_map.GUARD_GRID) >= plane_map.MIN_DETERMINANT
    # Each pair lands on its mean; every other control where it was asked to.
    np.testing.assert_allclose(plane.control_target[[61, 62, 63]],
                               plane.control_target[[67, 66, 65]], atol=1e-9)
    np.testing.assert_allclose(plane.control_target[61], target[61] + [0, 3.0], atol=1e-9)
    others = np.r_[0:61, 64]
    np.testing.assert_array_equal(plane.control_target[others], target[others])
    np.testing.assert_allclose(plane.forward(closed), plane.control_target, atol=1e-6)
    assert plane.num_controls == 65  # the three merged pairs are one centre each


def test_fold_guard_leaves_an_unfolded_map_alone():
    target = _exaggerated()
    raw = PlaneMap(ASTRONAUT, target)
    assert raw.min_jacobian_determinant(num=plane_map.GUARD_GRID) > plane_map.MIN_DETERMINANT
    plane = plane_map.unfolded(ASTRONAUT, target)
    assert plane.shrink == 1.0
    np.testing.assert_array_equal(plane.target, raw.target)
    queries = _queries()
    np.testing.assert_array_equal(plane.forward(queries), raw.forward(queries))
    with pytest.raises(ValueError, match="threshold"):
        plane_map.unfolded(ASTRONAUT, target, threshold=1.0)


def test_plane_maps_go_through_the_fold_guard():
    class Folding(plane_map.PlaneMapping):
        def exaggerate(self, photo_points, num_samples=1, **kwargs):
            del kwargs
            return np.stack([_nose_past_the_chin(1.0), _exaggerated()])[:num_samples]

    folded, fine = Folding().plane_maps(ASTRONAUT, num_samples=2)
    assert 0.0 < folded.shrink < 1.0 and fine.shrink == 1.0
    moved = Folding().map_points(ASTRONAUT, ASTRONAUT[30:31], num_samples=2)
    np.testing.assert_allclose(moved[0, 0], ASTRONAUT[30] + folded.shrink * (
        _nose_past_the_chin(1.0)[30] - ASTRONAUT[30]), atol=1e-4)


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
