"""Tests of `app.uploads`: field validation, header-only size checks, decoding."""

import io

import numpy as np
import pytest
from PIL import Image

from tests import test_fileio
from tests.app import helpers
from tf_deepexag import fileio
from tf_deepexag.app import uploads

STYLES = ("cartoon", "none")
LIMITS = uploads.Limits()


def _error(fn, *args):
    with pytest.raises(uploads.RequestError) as info:
        fn(*args)
    return info.value


def test_options_default_when_fields_are_absent_or_blank():
    assert uploads.parse_options({}, STYLES) == uploads.Options()
    blank = {"strength": "", "temperature": " ", "samples": "", "style": "", "seed": ""}
    assert uploads.parse_options(blank, STYLES) == uploads.Options()


def test_options_parse_every_field():
    fields = {"strength": "2.5", "temperature": "0.3", "samples": "4", "style": "none",
              "seed": "17", "faces": "all", "format": "json"}
    assert uploads.parse_options(fields, STYLES) == uploads.Options(
        strength=2.5, temperature=0.3, samples=4, style="none", seed=17, faces="all",
        format="json")
    assert uploads.parse_options({"morph": "1"}, STYLES) == uploads.Options(morph=True)
    assert uploads.parse_options({"morph": "0"}, STYLES) == uploads.Options(morph=False)


@pytest.mark.parametrize("name,value", [
    ("strength", "abc"), ("strength", "-0.1"), ("strength", "3.01"), ("strength", "nan"),
    ("strength", "inf"), ("temperature", "2.5"), ("temperature", "-1"),
    ("samples", "0"), ("samples", "9"), ("samples", "1.5"), ("samples", "two"),
    ("seed", "-1"), ("seed", str(2**31)), ("style", "picasso"), ("faces", "some"),
    ("format", "gif"), ("morph", "2"), ("morph", "yes")])
def test_bad_field_values_are_422_naming_field_and_value(name, value):
    error = _error(uploads.parse_options, {name: value}, STYLES)
    assert error.status == 422
    assert f"`{name}`" in error.message and value in error.message


def test_unknown_fields_are_422_naming_them():
    error = _error(uploads.parse_options, {"strenght": "2"}, STYLES)
    assert error.status == 422 and "strenght" in error.message


def test_header_gives_the_size_without_decoding():
    data = helpers.png_bytes(np.zeros((30, 40, 3), np.uint8))
    assert uploads.check_header(data, LIMITS) == (40, 30)


def test_a_30000_pixel_square_header_is_413_without_decoding():
    # The pixel data is one short row: decoding would raise, not answer 413.
    data = helpers.png_claiming(30000, 30000)
    error = _error(uploads.check_header, data, LIMITS)
    assert error.status == 413 and "megapixels" in error.message


def test_pixel_limit_is_decided_from_the_header():
    limits = uploads.Limits(max_pixels=1_000_000)
    assert uploads.check_header(helpers.png_claiming(1000, 1000), limits) == (1000, 1000)
    error = _error(uploads.check_header, helpers.png_claiming(1001, 1000), limits)
    assert error.status == 413 and "1001 x 1000" in error.message


def test_file_bytes_over_the_limit_are_413():
    data = helpers.png_bytes(np.zeros((30, 40, 3), np.uint8))
    assert _error(uploads.check_header, data,
                  uploads.Limits(max_file_bytes=len(data) - 1)).status == 413
    assert uploads.check_header(data, uploads.Limits(max_file_bytes=len(data)))


@pytest.mark.parametrize("data", [b"", b"garbage bytes, not an image", b"\x89PNG\r\n\x1a\n"])
def test_garbage_and_empty_files_are_400(data):
    assert _error(uploads.check_header, data, LIMITS).status == 400


def test_a_truncated_image_is_400_at_decode():
    data = helpers.png_bytes(np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8))
    truncated = data[:len(data) // 2]
    assert uploads.check_header(truncated, LIMITS) == (64, 64)  # the header is intact
    assert _error(uploads.decode, truncated, LIMITS).status == 400


def test_decode_applies_exif_orientation():
    image = np.zeros((20, 30, 3), np.uint8)
    image[:, :10] = 255  # white on the left
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    Image.fromarray(image).save(buffer, format="JPEG", exif=exif, quality=95)
    photo = uploads.decode(buffer.getvalue(), LIMITS)
    assert photo.shape == (30, 20, 3)
    assert photo[:10].mean() > 200 and photo[-10:].mean() < 50  # white now on top


def test_decode_composites_alpha_onto_white_and_converts_grey():
    rgba = np.zeros((8, 8, 4), np.uint8)  # fully transparent black
    np.testing.assert_array_equal(uploads.decode(helpers.png_bytes(rgba), LIMITS), 255)
    grey = np.full((8, 8), 77, np.uint8)
    np.testing.assert_array_equal(uploads.decode(helpers.png_bytes(grey), LIMITS), 77)


def test_decode_shrinks_to_the_work_side():
    image = np.zeros((300, 1000, 3), np.uint8)
    photo = uploads.decode(helpers.png_bytes(image), uploads.Limits(max_work_side=500))
    assert photo.shape == (150, 500, 3)


def test_limits_must_be_positive():
    with pytest.raises(ValueError, match="max_pixels"):
        uploads.Limits(max_pixels=0)


@pytest.mark.parametrize("name", sorted(test_fileio.UNDECODABLE))
def test_every_undecodable_file_is_400_whatever_the_decoder_raises(name):
    # A corrupt AVIF raises RuntimeError, an unknown DDS NotImplementedError.
    error = _error(uploads.decode, test_fileio.UNDECODABLE[name](), LIMITS)
    assert error.status == 400, error.message
    assert error.message.startswith("The file is not an image this server can read: ")


def test_decode_is_the_command_lines_decoder(tmp_path):
    rgb = np.array([[[200, 30, 40], [20, 200, 30]]], np.uint8)
    test_fileio._lab_tiff(tmp_path / "lab.tif", rgb)
    np.testing.assert_array_equal(uploads.decode((tmp_path / "lab.tif").read_bytes(), LIMITS),
                                  fileio.read_image(tmp_path / "lab.tif"))
    buffer = io.BytesIO()
    Image.fromarray(np.full((3, 3), 0.5, np.float32)).save(buffer, "TIFF")
    np.testing.assert_array_equal(uploads.decode(buffer.getvalue(), LIMITS), 128)
    with open(test_fileio.HEIC, "rb") as f:
        np.testing.assert_array_equal(uploads.decode(f.read(), LIMITS),
                                      fileio.read_image(test_fileio.HEIC))
