"""Tests for `tf_deepexag.fileio`: atomic writes and image reading."""

import errno
import os

import numpy as np
import pytest
from PIL import Image

from tests.png_headers import png_claiming
from tf_deepexag import fileio
from tf_deepexag.fileio import image_formats


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


# --- Permissions, folders, size limits (issue 21) ---

import stat  # noqa: E402

from tf_deepexag import errors  # noqa: E402


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    yield
    os.umask(old)


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_atomic_writes_get_the_umask_mode_not_mkstemps_0600(tmp_path, umask_027):
    assert fileio.current_umask() == 0o027
    fileio.write_text_atomic(tmp_path / "a.txt", "x")
    fileio.write_json_atomic(tmp_path / "a.json", {})
    fileio.write_image(tmp_path / "a.png", _rgb())
    for name in ("a.txt", "a.json", "a.png"):
        assert _mode(tmp_path / name) == 0o640, name  # 0666 & ~027
    with fileio.atomic_directory(tmp_path / "export") as tmp:
        fileio.write_text_atomic(os.path.join(tmp, "f"), "x")
    assert _mode(tmp_path / "export") == 0o750  # 0777 & ~027
    assert _mode(tmp_path / "export" / "f") == 0o640


def test_atomic_directory_replaces_the_whole_folder(tmp_path):
    target = tmp_path / "export"
    for version in ("old", "new"):
        with fileio.atomic_directory(target) as tmp:
            fileio.write_text_atomic(os.path.join(tmp, version), version)
    assert sorted(os.listdir(target)) == ["new"]
    assert sorted(os.listdir(tmp_path)) == ["export"]  # nothing left beside it
    with pytest.raises(RuntimeError):
        with fileio.atomic_directory(target) as tmp:
            fileio.write_text_atomic(os.path.join(tmp, "half"), "x")
            raise RuntimeError("killed")
    assert sorted(os.listdir(target)) == ["new"]
    assert sorted(os.listdir(tmp_path)) == ["export"]


def test_a_kill_between_the_renames_leaves_the_old_folder_readable(tmp_path):
    target = tmp_path / "export"
    with fileio.atomic_directory(target) as tmp:
        fileio.write_text_atomic(os.path.join(tmp, "v1"), "1")
    # What a kill after the first rename leaves: the folder aside, a temp one.
    os.replace(target, tmp_path / ".export.old")
    os.makedirs(tmp_path / ".export.abc.tmp")
    assert fileio.readable_directory(str(target)) == str(tmp_path / ".export.old")
    with fileio.atomic_directory(target) as tmp:  # the next write recovers
        fileio.write_text_atomic(os.path.join(tmp, "v2"), "2")
    assert sorted(os.listdir(tmp_path)) == ["export"]
    assert fileio.readable_directory(str(target)) == str(target)


def test_output_checks_name_the_argument(tmp_path):
    with pytest.raises(errors.UserError, match="`--out` must name a file, got the folder"):
        fileio.check_output_file(tmp_path, "--out")
    with pytest.raises(errors.UserError, match="must name a file"):
        fileio.write_text_atomic(tmp_path, "x")  # was IsADirectoryError
    (tmp_path / "f").write_text("")
    with pytest.raises(errors.UserError, match="`-o` must name a folder"):
        fileio.check_output_dir(tmp_path / "f", "-o")


def test_a_196_megapixel_header_is_refused_before_decoding(tmp_path):
    path = tmp_path / "huge.png"
    path.write_bytes(png_claiming(14000, 14000))  # Pillow: DecompressionBombError
    with pytest.raises(fileio.ImageTooLargeError, match="196.0 megapixels exceeds"):
        fileio.read_image(path)
    assert issubclass(fileio.ImageTooLargeError, errors.UserError)


def test_max_pixels_is_checked_from_the_header(tmp_path):
    path = tmp_path / "wide.png"
    path.write_bytes(png_claiming(3000, 2000))  # decoding would fail: no pixel data
    with pytest.raises(fileio.ImageTooLargeError, match="6.0 megapixels exceeds the "
                                                        "limit of 5.0"):
        fileio.read_image(path, max_pixels=5_000_000)
    with pytest.raises(fileio.ImageReadError, match="cannot decode"):
        fileio.read_image(path, max_pixels=None)
    Image.fromarray(_rgb(40, 50)).save(tmp_path / "ok.png")
    assert fileio.read_image(tmp_path / "ok.png", max_pixels=2000).shape == (40, 50, 3)
    with pytest.raises(fileio.ImageTooLargeError):
        fileio.read_image(tmp_path / "ok.png", max_pixels=1999)
    for bad in (0, -5, 1.5, True):
        with pytest.raises(errors.UserError, match="`max_pixels`"):
            fileio.read_image(tmp_path / "ok.png", max_pixels=bad)


# --- One decoder, one folder rule (issue 28, items 4 and 11) ---

import io  # noqa: E402
import shutil  # noqa: E402
import struct  # noqa: E402

from PIL import ImageCms  # noqa: E402


def _lab_tiff(path, rgb):
    to_lab = ImageCms.buildTransform(ImageCms.createProfile("sRGB"),
                                     ImageCms.createProfile("LAB"), "RGB", "LAB")
    ImageCms.applyTransform(Image.fromarray(rgb), to_lab).save(path)


def test_lab_float_and_32_bit_tiffs_decode_to_their_colours(tmp_path):
    rgb = np.array([[[200, 30, 40], [20, 200, 30], [30, 40, 220]]], np.uint8)
    _lab_tiff(tmp_path / "lab.tif", rgb)
    assert Image.open(tmp_path / "lab.tif").mode == "LAB"
    np.testing.assert_allclose(fileio.read_image(tmp_path / "lab.tif"), rgb, atol=4)
    # A float TIFF holds [0, 1]; 32-bit integer TIFFs written from 8- or 16-bit data.
    Image.fromarray(np.full((3, 3), 0.5, np.float32)).save(tmp_path / "float.tif")
    np.testing.assert_array_equal(fileio.read_image(tmp_path / "float.tif"), 128)
    Image.fromarray(np.full((3, 3), 200, np.int32)).save(tmp_path / "int32.tif")
    np.testing.assert_array_equal(fileio.read_image(tmp_path / "int32.tif"), 200)
    Image.fromarray(np.full((3, 3), 257 * 100, np.int32)).save(tmp_path / "int32_16.tif")
    np.testing.assert_array_equal(fileio.read_image(tmp_path / "int32_16.tif"), 100)
    Image.fromarray(np.full((3, 3), 0.25 * 255, np.float32)).save(tmp_path / "f255.tif")
    np.testing.assert_array_equal(fileio.read_image(tmp_path / "f255.tif"), 64)


def test_bytes_decode_like_the_file(tmp_path):
    rgb = np.array([[[200, 30, 40], [20, 200, 30]]], np.uint8)
    _lab_tiff(tmp_path / "lab.tif", rgb)
    data = (tmp_path / "lab.tif").read_bytes()
    np.testing.assert_array_equal(fileio.read_image(data),
                                  fileio.read_image(tmp_path / "lab.tif"))
    with pytest.raises(fileio.ImageReadError, match="^the upload: cannot decode"):
        fileio.read_image(data[:-20], name="the upload")


def _corrupt_avif():
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (32, 32, 3), np.uint8)).save(
        buffer, "AVIF")
    data = bytearray(buffer.getvalue())
    data[81] ^= 0xFF  # libavif: "Missing or empty image item" (RuntimeError)
    return bytes(data)


def _dds_of_unknown_pixel_format():
    # Pillow's DDS reader raises NotImplementedError on an unknown FourCC.
    header = (b"DDS " + struct.pack("<7I", 124, 0x1007, 4, 4, 0, 0, 0) + b"\0" * 44
              + struct.pack("<2I", 32, 4) + b"ZZZZ" + b"\0" * 20
              + struct.pack("<5I", 0x1000, 0, 0, 0, 0))
    return header + b"\0" * 64


UNDECODABLE = {"corrupt.avif": _corrupt_avif, "unknown.dds": _dds_of_unknown_pixel_format}


@pytest.mark.parametrize("name", sorted(UNDECODABLE))
def test_any_decoder_exception_is_an_image_read_error_naming_the_file(tmp_path, name):
    (tmp_path / name).write_bytes(UNDECODABLE[name]())
    with pytest.raises(fileio.ImageReadError, match=name):
        fileio.read_image(tmp_path / name)


def _save(path, fmt, size=(4, 3)):
    Image.fromarray(np.full((size[1], size[0], 3), 90, np.uint8)).save(path, format=fmt)


def test_a_folder_run_reads_by_content_and_names_what_it_ignores(tmp_path):
    _save(tmp_path / "a.gif", "GIF")
    _save(tmp_path / "b.avif", "AVIF")
    _save(tmp_path / "IMG_0003", "PNG")          # no extension
    _save(tmp_path / "scan.img", "JPEG")         # an unknown extension
    _save(tmp_path / ".hidden.png", "PNG")       # hidden: skipped, not counted
    (tmp_path / "cut.jpg").write_bytes(b"\xff\xd8")  # an image name: read (and fails)
    (tmp_path / "notes.txt").write_text("meeting notes\n")
    (tmp_path / "empty").write_bytes(b"")
    (tmp_path / "sub.png").mkdir()
    images, ignored = fileio.scan_images(tmp_path)
    assert [os.path.basename(p) for p in images] == [
        "IMG_0003", "a.gif", "b.avif", "cut.jpg", "scan.img"]
    assert len(ignored) == 2
    assert ignored[0].startswith(str(tmp_path / "empty")) and "empty" in ignored[0]
    assert ignored[1].startswith(str(tmp_path / "notes.txt")) and "not a file of a format" in ignored[1]
    for path in images[:3] + images[4:]:  # every listed image decodes
        assert fileio.read_image(path).shape == (3, 4, 3)


HEIC = os.path.join(os.path.dirname(__file__), "gradient_64x48.heic")


def heic_reference():
    """The picture `gradient_64x48.heic` holds (made with pillow-heif at quality 95):
    red rises left to right, green top to bottom, blue 96, a red square."""
    y, x = np.mgrid[0:48, 0:64]
    image = np.stack([x * 255 // 63, y * 255 // 47, np.full((48, 64), 96)], -1)
    image[8:24, 8:24] = (230, 40, 40)
    return image.astype(np.uint8)


def test_heic_is_read_directly_as_bytes_and_in_a_folder_without_extension(tmp_path):
    photo = fileio.read_image(HEIC)
    assert photo.shape == (48, 64, 3)
    assert np.abs(photo.astype(int) - heic_reference()).mean() < 3  # lossy codec
    np.testing.assert_array_equal(fileio.read_image(open(HEIC, "rb").read()), photo)
    shutil.copy(HEIC, tmp_path / "IMG_0001")
    images, ignored = fileio.scan_images(tmp_path)
    assert images == [str(tmp_path / "IMG_0001")] and ignored == []


def test_without_pi_heif_heic_is_named_unsupported_directly_and_in_a_folder(
        tmp_path, monkeypatch):
    image_formats._pil()
    monkeypatch.setattr(image_formats, "_PIL_READY", [tuple(  # as if pi-heif were missing
        f for f in image_formats._PIL_READY[0] if f != "HEIF")])
    shutil.copy(HEIC, tmp_path / "IMG_0001.HEIC")
    shutil.copy(HEIC, tmp_path / "IMG_0002")
    with pytest.raises(fileio.ImageReadError, match="IMG_0001.HEIC: HEIC/HEIF photos are not"):
        fileio.read_image(tmp_path / "IMG_0001.HEIC")
    images, ignored = fileio.scan_images(tmp_path)
    assert images == [str(tmp_path / "IMG_0001.HEIC")]  # read, and reported as failed
    assert len(ignored) == 1 and "IMG_0002: HEIC/HEIF photos are not" in ignored[0]


def test_a_permission_error_names_the_users_file_not_the_hidden_one(tmp_path, monkeypatch):
    # Tests run as root here, where chmod 0o500 does not stop a write: the
    # refusal is made by the system call mkstemp makes.
    real_open = os.open

    def refusing_open(path, *args, **kwargs):
        if os.path.basename(path).startswith("."):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing_open)
    with pytest.raises(PermissionError) as info:
        fileio.write_image(tmp_path / "anna_caricature.png", _rgb())
    assert info.value.filename == str(tmp_path / "anna_caricature.png")
    assert ".tmp" not in str(info.value) and "Permission denied" in str(info.value)


def test_write_bytes_exclusive_never_replaces(tmp_path, monkeypatch):
    fileio.write_bytes_exclusive(tmp_path / "a", b"first")
    with pytest.raises(FileExistsError):
        fileio.write_bytes_exclusive(tmp_path / "a", b"second")
    assert (tmp_path / "a").read_bytes() == b"first"
    assert os.listdir(tmp_path) == ["a"]  # no temporary file left

    def no_links(src, dst):  # FAT, some network file systems
        raise OSError(errno.EPERM, "Operation not permitted")
    monkeypatch.setattr(os, "link", no_links)
    fileio.write_bytes_exclusive(tmp_path / "b", b"b")
    with pytest.raises(FileExistsError):
        fileio.write_bytes_exclusive(tmp_path / "b", b"other")
    assert (tmp_path / "b").read_bytes() == b"b"
    assert sorted(os.listdir(tmp_path)) == ["a", "b"]


def test_a_full_disk_fails_the_writability_check(tmp_path, monkeypatch):
    fileio.check_writable_dir(tmp_path / "new" / "out")  # creates it
    assert os.listdir(tmp_path / "new" / "out") == []  # the probe is gone

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(fileio.OutputFolderError,
                       match=r"^Cannot write to the output folder '.*out': No space left"):
        fileio.check_writable_dir(tmp_path / "new" / "out")
    assert os.listdir(tmp_path / "new" / "out") == []
