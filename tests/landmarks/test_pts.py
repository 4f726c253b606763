"""Tests for `tf_deepexag.landmarks.pts`."""

import numpy as np
import pytest

from tf_deepexag import errors, landmarks
from tf_deepexag.landmarks import pts


def test_round_trip_is_exact(tmp_path):
    points = np.random.default_rng(0).normal(300, 80, (68, 2)).astype(np.float32)
    path = tmp_path / "face.pts"
    landmarks.write_pts(path, points)
    np.testing.assert_array_equal(landmarks.read_pts(path), points)


def test_reads_ibug_layout_by_hand(tmp_path):
    path = tmp_path / "a.pts"
    body = "\n".join(f"{i} {i + 0.5}" for i in range(68))
    path.write_text(f"version: 1\nn_points:  68\n{{\n{body}\n}}\n")
    points = landmarks.read_pts(path)
    assert points.shape == (68, 2) and points.dtype == np.float32
    np.testing.assert_array_equal(points[10], [10, 10.5])


def test_reads_plain_xy_text(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("".join(f"{i}\t{2 * i}\n" for i in range(68)))
    np.testing.assert_array_equal(landmarks.read_pts(path)[3], [3, 6])


@pytest.mark.parametrize("text,message", [
    ("version: 1\nn_points: 68\n{\n" + "1 2\n" * 67 + "}\n", "header says 68"),
    ("".join("1 2\n" for _ in range(67)), "expected 68 points, found 67"),
    ("".join("1 2\n" for _ in range(67)) + "1 abc\n", ":68: non-numeric"),
    ("".join("1 2\n" for _ in range(67)) + "1 nan\n", ":68: non-finite"),
    ("".join("1 2\n" for _ in range(67)) + "1 2 3\n", ":68: expected 'x y'"),
])
def test_bad_files_name_file_and_line(tmp_path, text, message):
    path = tmp_path / "bad.pts"
    path.write_text(text)
    with pytest.raises(ValueError, match=message) as info:
        landmarks.read_pts(path)
    assert "bad.pts" in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.pts"):
        landmarks.read_pts(tmp_path / "nope.pts")


def test_write_refuses_nan(tmp_path):
    with pytest.raises(ValueError, match="NaN"):
        landmarks.write_pts(tmp_path / "x.pts", np.full((68, 2), np.nan))
    assert not list(tmp_path.iterdir())  # nothing half-written


@pytest.mark.parametrize("value", ["1e39", "-3.5e38", "1e400", "nan"])
def test_values_not_finite_in_float32_are_refused(value):
    # 1e39 is finite in float64 but inf once stored as float32 (TFRecord, model).
    text = "\n".join(["0 0"] * 3 + [f"{value} 1"])
    with pytest.raises(errors.UserError, match=r"<text>:4: non-finite value"):
        pts.parse_points_text(text)
    assert pts.parse_points_text("3.4e38 -3.4e38")[0, 0] == np.float32(3.4e38)

