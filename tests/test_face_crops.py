"""Tests for `tf_deepexag.face_crops`."""

import numpy as np
import pytest

from tf_deepexag import face_crops


@pytest.mark.parametrize("box_size", [200, 60])
def test_paste_back_blends_the_hull_at_the_box_scale(box_size):
    # A 128-px crop pasted into a box of another size: the mask must cover the
    # points' hull scaled to the box (it was drawn at crop scale, off the face).
    photo = np.zeros((300, 300, 3), np.uint8)
    crop = np.full((128, 128, 3), 255, np.uint8)
    x0 = y0 = 40
    box = (x0, y0, x0 + box_size, y0 + box_size)
    square = np.array([[86, 86], [106, 86], [106, 106], [86, 106]], np.float32)  # crop px
    out = face_crops.paste_back(photo, crop, box, square)
    scale = box_size / 128
    cx = cy = int(round(x0 + 96 * scale))  # the square's centre in the photo
    assert out[cy, cx].min() >= 250  # the face region takes the crop
    # Outside the box nothing moves; inside, far from the hull, neither.
    assert not out[y0 + box_size:].any() and not out[:, x0 + box_size:].any()
    assert not out[:y0].any() and not out[:, :x0].any()
    assert out[y0 + 1, x0 + 1].max() == 0
