"""Tests for `tf_deepexag.figures`: the head grid drawn through the map."""

import cv2
import numpy as np

from tf_deepexag import figures, landmarks, plane_map

ASTRONAUT = landmarks.read_pts(
    figures.__file__.replace("figures.py", "assets/astronaut_68.pts")).astype(np.float64)


def _coloured(canvas):
    """Pixels within one of an anti-aliased line's pixels."""
    return cv2.dilate((canvas.max(axis=-1) > 100).astype(np.uint8), np.ones((3, 3))) > 0


def test_the_grid_is_drawn_where_the_map_carries_it():
    moved = ASTRONAUT.copy()
    moved[36:48, 1] -= 12.0  # eyes up
    plane = plane_map.PlaneMap(ASTRONAUT, moved)
    grid = figures.head_grid(ASTRONAUT)
    assert grid.shape == (24, 48, 2)
    canvas = figures.draw_map(np.zeros((512, 512, 3), np.uint8), plane, ASTRONAUT)
    drawn = _coloured(canvas)
    landed = np.round(plane.forward(grid.reshape(-1, 2))).astype(int)
    assert drawn[landed[:, 1], landed[:, 0]].mean() > 0.95
    # It is not the straight grid.
    identity = figures.draw_map(np.zeros((512, 512, 3), np.uint8),
                                plane_map.PlaneMap(ASTRONAUT, ASTRONAUT), ASTRONAUT)
    assert (drawn != _coloured(identity)).sum() > 200


def test_identity_map_draws_the_square_grid():
    plane = plane_map.PlaneMap(ASTRONAUT, ASTRONAUT)
    canvas = figures.draw_map(np.zeros((512, 512, 3), np.uint8), plane, ASTRONAUT)
    straight = np.round(figures.head_grid(ASTRONAUT).reshape(-1, 2)).astype(int)
    assert _coloured(canvas)[straight[:, 1], straight[:, 0]].mean() > 0.95
