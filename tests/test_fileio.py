"""Tests for `tf_deepexag.fileio`: atomic writes and image reading."""

import os

import numpy as np
import pytest
from PIL import Image

from tf_deepexag import fileio


def test_atomic_write_leaves_old_file_on_failure(tmp_path):
    path = tmp_path / "out.txt"
    fileio.write_text_atomic(path, "old")
    with pytest.raises(RuntimeError):
        with fileio.atomic_write(path, "w") as f:
            f.write("half")
            raise RuntimeError("interrupted")
    assert path.read_text() == "old"
    assert sorted(os.listdir(tmp_path)) == ["out.txt"]  # no temp file left


def test_json_round_trip_and_errors(tmp_path):
    fileio.write_json_atomic(tmp_path / "a.json", {"b": [1, 2]})
    assert fileio.read_json(tmp_path / "a.json") == {"b": [1, 2]}
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ValueError, match="bad.json is not valid JSON"):
        fileio.read_json(tmp_path / "bad.json")
    with pytest.raises(FileNotFoundError, match="none.json"):
        fileio.read_json(tmp_path / "none.json")


def _rgb(h=6, w=4):
    return np.arange(h * w * 3, dtype=np.uint8).reshape(h, w, 3) * 3


def test_png_round_trip_is_exact(tmp_path):
    image = _rgb()
    fileio.write_image(tmp_path / "a.png", image)
    np.testing.assert_array_equal(fileio.read_image(tmp_path / "a.png"), image)


def test_modes_are_converted(tmp_path):
    gray = np.full((5, 7), 200, np.uint8)
    Image.fromarray(gray, "L").save(tmp_path / "gray.png")
    np.testing.assert_array_equal(fileio.read_image(tmp_path / "gray.png"),
                                  np.full((5, 7, 3), 200))
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[..., 3] = [[255, 0], [0, 0]]
    Image.fromarray(rgba, "RGBA").save(tmp_path / "rgba.png")
    out = fileio.read_image(tmp_path / "rgba.png")
    np.testing.assert_array_equal(out[0, 0], [255, 0, 0])   # opaque red
    np.testing.assert_array_equal(out[1, 1], [255, 255, 255])  # transparent -> white
    deep = np.full((3, 3), 65535, np.uint16)
    Image.fromarray(deep).save(tmp_path / "deep.png")
    np.testing.assert_array_equal(fileio.read_image(tmp_path / "deep.png"), 255)
    Image.fromarray(_rgb()).convert("P").save(tmp_path / "pal.png")
    assert fileio.read_image(tmp_path / "pal.png").shape == (6, 4, 3)


def test_exif_orientation_is_applied(tmp_path):
    image = Image.fromarray(_rgb(6, 4))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    image.save(tmp_path / "rot.jpg", exif=exif, quality=100)
    assert fileio.read_image(tmp_path / "rot.jpg").shape == (4, 6, 3)


@pytest.mark.parametrize("content", [b"", b"not an image", b"\x89PNG\r\n\x1a\n\x00\x00"])
def test_bad_files_raise_image_read_error(tmp_path, content):
    path = tmp_path / "bad.png"
    path.write_bytes(content)
    with pytest.raises(fileio.ImageReadError, match="bad.png"):
        fileio.read_image(path)


def test_truncated_jpeg(tmp_path):
    fileio.write_image(tmp_path / "a.jpg", np.random.default_rng(0).integers(
        0, 255, (64, 64, 3), dtype=np.uint8))
    data = (tmp_path / "a.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 2])
    with pytest.raises(fileio.ImageReadError, match="cut.jpg"):
        fileio.read_image(tmp_path / "cut.jpg")


def test_to_rgb_uint8_rejects_bad_arrays():
    with pytest.raises(ValueError, match="zero size"):
        fileio.to_rgb_uint8(np.zeros((0, 3, 3), np.uint8))
    with pytest.raises(ValueError, match="shape"):
        fileio.to_rgb_uint8(np.zeros((3, 3, 2), np.uint8))
    with pytest.raises(ValueError, match="NaN"):
        fileio.to_rgb_uint8(np.full((2, 2, 3), np.nan))


def test_list_images(tmp_path):
    for name in ("b.png", "a.JPG", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    assert [os.path.basename(p) for p in fileio.list_images(tmp_path)] == ["a.JPG", "b.png"]
    with pytest.raises(FileNotFoundError):
        fileio.list_images(tmp_path / "missing")
