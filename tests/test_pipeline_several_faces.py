"""`faces="all"` on two different real faces of different sizes, end to end.

The photo is the astronaut (Eileen Collins, 560 px tall, face ~100 px wide)
beside the cameraman (scikit-image's `camera`, 512 px, face ~70 px wide),
with the real detector, EDFM geometry, warp and cartoon style. Every face
must change inside its landmarks' hull, and nothing may change away from
the faces (outside their crop boxes exactly, at the boxes' corners by at
most a rounding step). Before the fix the hull was drawn at the crop's
resolution, not the box's: both faces came back unchanged and a patch of
style landed beside one of them.
"""

import cv2
import numpy as np
import pytest
from skimage import data as skdata

from tf_deepexag import pipeline

pytestmark = pytest.mark.slow


def _two_people():
    astronaut = cv2.resize(skdata.astronaut(), (560, 560), interpolation=cv2.INTER_CUBIC)
    camera = np.repeat(skdata.camera()[..., None], 3, axis=-1)  # (512, 512, 3)
    right = np.full((560, 512, 3), 128, np.uint8)
    right[:512] = camera
    return np.ascontiguousarray(np.concatenate([astronaut, right], axis=1))


@pytest.fixture(scope="module")
def composed():
    photo = _two_people()
    artist = pipeline.build_caricaturist(geometry="edfm", style="cartoon",
                                                 faces="all")
    faces = artist.landmarker(photo)
    result = artist(photo, strength=2.0)[0]
    return photo, faces, result


def test_two_faces_of_different_sizes_are_found(composed):
    photo, faces, _ = composed
    assert len(faces) == 2
    widths = sorted(float(np.ptp(f.points[:, 0])) for f in faces)
    assert widths[1] > 1.2 * widths[0]  # different sizes
    centres = sorted(float(f.points[:, 0].mean()) for f in faces)
    assert centres[0] < 560 < centres[1]  # one on each side
    del photo


def _hull_mask(shape, points):
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(np.round(points).astype(np.int32)), 1)
    return mask.astype(bool)


def test_each_face_changes_inside_its_landmarks(composed):
    photo, faces, result = composed
    diff = np.abs(result.caricature.astype(int) - photo).max(axis=-1)
    for face in faces:
        inside = _hull_mask(photo.shape, face.points)
        assert diff[inside].mean() > 15, face.points.mean(axis=0)
        assert (diff[inside] > 0).mean() > 0.8


def test_nothing_changes_away_from_the_faces(composed):
    photo, faces, result = composed
    from tf_deepexag import face_crops  # pylint: disable=g-import-not-at-top

    near = np.zeros(photo.shape[:2], bool)
    for face in faces:
        x0, y0, x1, y1 = face_crops.face_crop_box(np.asarray(face.points), photo.shape)
        near[max(y0, 0):max(y1, 0), max(x0, 0):max(x1, 0)] = True
        # The box's corners are far from the face: at most a rounding step.
        for y, x in ((y0, x0), (y0, x1 - 1), (y1 - 1, x0), (y1 - 1, x1 - 1)):
            if 0 <= y < photo.shape[0] and 0 <= x < photo.shape[1]:
                assert np.abs(result.caricature[y, x].astype(int) - photo[y, x]).max() <= 1
    assert near.mean() < 0.8  # there is an "away" to test
    np.testing.assert_array_equal(result.caricature[~near], photo[~near])
