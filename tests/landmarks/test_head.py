"""Head points: placed in the face frame, equivariant, mirror-symmetric."""

import numpy as np
import pytest

from tf_deepexag import landmarks
from tf_deepexag.data import load_autotoon_landmarks
from tf_deepexag.landmarks import head


@pytest.fixture(scope="module")
def faces():
    return load_autotoon_landmarks().photo[:6].astype(np.float64)


def test_scheme_adds_the_head_groups():
    scheme = landmarks.IBUG68_HEAD
    assert scheme.num_points == 68 + landmarks.NUM_HEAD_POINTS
    assert scheme.groups[:9] == landmarks.IBUG68.groups
    mirror = np.array(scheme.mirror)
    np.testing.assert_array_equal(mirror[mirror], np.arange(scheme.num_points))
    assert landmarks.SCHEMES["ibug68_head"] is scheme
    assert landmarks.scheme_for(np.zeros((3, 88, 2))) is scheme
    assert landmarks.scheme_for(np.zeros((68, 2))) is landmarks.IBUG68


def test_template_frame_is_the_eye_centre_frame():
    # A face whose eye centres and jaw are the template itself: its frame is
    # the identity, so its head points are the template.
    points = np.zeros((68, 2))
    points[36:42] = head.FRAME_TEMPLATE[0]
    points[42:48] = head.FRAME_TEMPLATE[1]
    points[:17] = head.FRAME_TEMPLATE[2:]
    np.testing.assert_allclose(landmarks.head_points(points).numpy(), head.HEAD_TEMPLATE,
                               atol=1e-12)


def test_head_points_follow_a_similarity(faces):
    matrix = landmarks.similarity_matrix(1.7, 0.4, (30.0, -12.0))
    moved = landmarks.apply_similarity(faces, matrix).numpy()
    expected = landmarks.apply_similarity(landmarks.head_points(faces), matrix).numpy()
    np.testing.assert_allclose(landmarks.head_points(moved).numpy(), expected, atol=1e-9)


def test_mirrored_face_has_mirrored_head_points(faces):
    mirrored = landmarks.mirror_points(faces)
    both = landmarks.with_head_points(faces).numpy()
    np.testing.assert_allclose(
        landmarks.with_head_points(mirrored).numpy(),
        landmarks.mirror_points(both, landmarks.IBUG68_HEAD), atol=1e-9)


def test_head_points_surround_the_face(faces):
    points = landmarks.head_points(faces).numpy()  # (B, K, 2), y down
    groups = dict(head.HEAD_GROUPS)
    index = {}
    start = 0
    for name, members in head.HEAD_GROUPS:
        index[name] = slice(start, start + len(members))
        start += len(members)
    brows = faces[:, 17:27, 1].min(axis=1)
    chin = faces[:, 8, 1]
    # The top of the cranium: more than half the brow-chin height above the brows.
    assert np.all(points[:, index["cranium"], 1].min(axis=1) < brows - 0.5 * (chin - brows))
    assert np.all(points[:, index["forehead"], 1].max(axis=1) < brows)
    assert np.all(points[:, index["neck"], 1].min(axis=1) > chin)
    jaw_x = faces[:, :17, 0]
    assert np.all(points[:, index["ears"], 0].min(axis=1) < jaw_x.min(axis=1))
    assert np.all(points[:, index["ears"], 0].max(axis=1) > jaw_x.max(axis=1))
    assert len(groups) == 6


def test_rejects_other_point_counts():
    with pytest.raises(ValueError, match="68, 2"):
        landmarks.head_points(np.zeros((17, 2)))
