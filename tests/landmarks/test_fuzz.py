"""Property tests of the `.pts` reader and `check_points` (see tests/fuzzing.py)."""

import os
import tempfile

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.fuzzing import calls_with_named_errors, points_text
from tf_deepexag import landmarks
from tf_deepexag.landmarks import pts


def _valid_points(points, num_points=None):
    assert points.dtype == np.float32 and points.ndim == 2 and points.shape[1] == 2
    assert np.all(np.isfinite(points))
    assert num_points is None or len(points) == num_points


@given(text=st.one_of(points_text(), st.text()), num_points=st.sampled_from([None, 3, 68]))
def test_parse_points_text_gives_finite_float32_points_or_a_named_error(text, num_points):
    points = calls_with_named_errors(pts.parse_points_text, text, num_points=num_points)
    if points is not None:
        _valid_points(points, num_points)


@given(data=st.one_of(st.binary(max_size=400), points_text(60, 70).map(str.encode),
                      points_text().map(lambda t: t.encode("utf-16"))))
def test_read_pts_of_any_bytes(data):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "face.pts")
        with open(path, "wb") as f:
            f.write(data)
        points = calls_with_named_errors(landmarks.read_pts, path, num_points=68)
    if points is not None:
        _valid_points(points, 68)


_ARRAYS = hnp.arrays(
    dtype=st.sampled_from([np.float64, np.float32, np.float16, np.int64, np.uint8,
                           np.bool_, np.complex64, np.str_, np.object_]),
    shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=70))


@given(points=st.one_of(
    _ARRAYS,
    hnp.arrays(np.float64, st.sampled_from([(68, 2), (2, 68, 2)]),
               elements=st.floats(allow_nan=True, allow_infinity=True)),
    st.lists(st.lists(st.one_of(st.floats(), st.text(max_size=3), st.none()),
                      max_size=3), max_size=70)))
def test_check_points_of_anything(points):
    checked = calls_with_named_errors(landmarks.check_points, points)
    if checked is not None:
        assert checked.dtype == np.float32 and checked.shape[-2:] == (68, 2)
        assert np.all(np.isfinite(checked))
