"""Face-centred square crops: hand-computed boxes, clipping, resizing."""

import numpy as np
import pytest

from tf_deepexag.data import face_crop


def _webcaricature_points():
    """17 points: eyes (35,50)-(45,50) and (55,50)-(65,50), mouth (45,70)-(55,70)."""
    points = np.zeros((17, 2))
    points[8:12] = [[35, 50], [45, 50], [55, 50], [65, 50]]
    points[15:17] = [[45, 70], [55, 70]]
    return points


def test_face_square_by_hand_17_points():
    # Eye centres (40, 50), (60, 50): d_eye 20; mouth (50, 70), eyes' mean
    # (50, 50): d_mouth 20. Half side max(40, 36) = 40; centre (50, 52).
    assert face_crop.face_square(_webcaricature_points()) == pytest.approx((50.0, 52.0, 80.0))
    assert face_crop.face_square(_webcaricature_points(), scale=1.5)[2] == pytest.approx(120.0)


def test_face_square_by_hand_68_points_mouth_dominates():
    points = np.zeros((68, 2))
    points[36:42] = [10, 10]  # right eye centre (10, 10)
    points[42:48] = [20, 10]  # left eye centre (20, 10): d_eye 10
    points[48], points[54] = [10, 60], [20, 60]  # mouth (15, 60): d_mouth 50
    # Half side max(20, 90) = 90; centre (15, 10) + 0.1 * (0, 50).
    assert face_crop.face_square(points) == pytest.approx((15.0, 15.0, 180.0))


@pytest.mark.parametrize("points", [np.zeros((5, 2)), np.full((17, 2), np.nan),
                                    np.zeros((17, 2))])
def test_face_square_rejects_bad_points(points):
    with pytest.raises(ValueError, match="points"):
        face_crop.face_square(points)


def test_fit_square_centres_caps_and_shifts():
    # Inside: the left edge 50 + 0.5 - 40 = 10.5 rounds half up to 11 (pixels
    # 11..90), the top edge 12.5 to 13.
    assert face_crop.fit_square(50.0, 52.0, 80.0, 200, 200) == (11, 13, 91, 93)
    # Near the corner: shifted inside, side kept.
    assert face_crop.fit_square(10.0, 10.0, 80.0, 100, 100) == (0, 0, 80, 80)
    assert face_crop.fit_square(95.0, 10.0, 80.0, 100, 100) == (20, 0, 100, 80)
    # Too large: capped at the shorter side, then shifted inside.
    assert face_crop.fit_square(60.0, 20.0, 500.0, 120, 100) == (11, 0, 111, 100)
    assert face_crop.centre_square(300, 100) == (100, 0, 200, 100)
    assert face_crop.centre_square(100, 301) == (0, 101, 100, 201)


def test_crop_resize_takes_the_box():
    image = np.zeros((40, 60, 3), np.uint8)
    image[10:30, 20:40] = 200  # a bright square exactly in the box
    out = face_crop.crop_resize(image, (20, 10, 40, 30), 8)
    assert out.shape == (8, 8, 3) and out.dtype == np.uint8
    np.testing.assert_array_equal(out, 200)
    same = face_crop.crop_resize(image, (0, 0, 40, 40), 40)
    np.testing.assert_array_equal(same, image[:40, :40])
