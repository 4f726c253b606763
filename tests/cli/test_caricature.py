"""Tests for `python -m tf_deepexag caricature`: output names, early argument
checks, one-line errors, bad photos in a folder run."""

import errno
import os
import shutil

import numpy as np
import pytest
import skimage.data
from hypothesis import given
from hypothesis import strategies as st

import tests.fuzzing  # noqa: F401 (loads the hypothesis profile)
from tests import test_fileio
from tests.cli.conftest import write_photo
from tests.png_headers import png_claiming
from tf_deepexag import __main__ as cli
from tf_deepexag import fileio, motion, pipeline
from tf_deepexag.cli import _photos, _progress, _quiet, caricature
from tf_deepexag.fileio import temp_files


def _names(*paths):
    return list(_photos.output_names(list(paths)).values())


def test_unique_stems_keep_their_name():
    assert _names("p/a.jpg", "p/b.png") == ["a", "b"]


def test_clashing_stems_keep_their_extension():
    assert _names("p/a.jpg", "p/a.png", "p/b.jpg") == ["a_jpg", "a_png", "b"]
    assert _names("p/A.JPG", "p/a.png") == ["A_JPG", "a_png"]  # case-insensitive FS


def test_clashing_paths_keep_their_relative_folder():
    assert _names("in/x/gray.jpg", "in/y/gray.jpg") == [
        os.path.join("x", "gray"), os.path.join("y", "gray")]
    assert _names("in/x/gray.jpg", "in/y/gray.jpg", "in/y/gray.png") == [
        os.path.join("x", "gray_jpg"), os.path.join("y", "gray_jpg"),
        os.path.join("y", "gray_png")]


def test_a_stem_equal_to_a_disambiguated_name_gets_a_number():
    assert _names("p/a.jpg", "p/a.png", "p/a_jpg.png") == ["a_jpg", "a_png", "a_jpg_2"]


def _one_line_error(capsys):
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err, err
    return err


def test_out_naming_an_existing_file_fails_before_any_work(tmp_path, capsys):
    taken = tmp_path / "taken.png"
    taken.write_bytes(b"x")
    # The photo does not even exist: the -o check comes first, no model loads.
    assert cli.main(["caricature", str(tmp_path / "none.jpg"), "-o", str(taken)]) == 1
    assert "`--out` must name a folder" in _one_line_error(capsys)


@pytest.mark.parametrize("argv,message", [
    (["--morph", "--faces", "all"], "--morph animates one face"),
])
def test_bad_arguments_are_named_before_any_work(tmp_path, capsys, argv, message):
    assert cli.main(["caricature", str(tmp_path / "none.jpg"), "-o",
                     str(tmp_path / "out"), *argv]) == 1
    assert message in _one_line_error(capsys)


@pytest.mark.parametrize("flag,value,message", [
    ("--strength", "-1", "must be a finite number >= 0, got '-1'"),
    ("--strength", "nan", "must be a finite number >= 0"),
    ("--strength", "inf", "must be a finite number >= 0"),
    ("--max_pixels", "0", "must be an integer >= 1, got '0'"),
    ("--seed", "-1", "must be an integer from 0 to 2147483647, got '-1'"),
    ("--seed", "2147483648", "must be an integer from 0 to 2147483647"),
    ("--seed", "1.5", "must be an integer"),
    ("--temperature", "inf", "must be a number >= 0 and <= 2, got 'inf'"),
    ("--temperature", "1e30", "must be a number >= 0 and <= 2, got '1e30'"),
    ("--temperature", "nan", "must be a number >= 0 and <= 2"),
    ("--temperature", "-0.5", "must be a number >= 0 and <= 2"),
    ("--samples", "0", "must be an integer from 1 to 100, got '0'"),
    ("--samples", "101", "must be an integer from 1 to 100, got '101'"),
])
def test_flags_are_checked_while_parsing_naming_the_flag(tmp_path, capsys, monkeypatch,
                                                         flag, value, message):
    def no_tensorflow(**_):
        raise AssertionError("TensorFlow imported before the flags were checked")

    monkeypatch.setattr(_quiet, "import_tensorflow", no_tensorflow)
    assert cli.main(["caricature", str(tmp_path / "none.jpg"), "-o",
                     str(tmp_path / "out"), f"{flag}={value}"]) == 1
    line = _one_line_error(capsys)
    assert line.startswith(f"error: argument {flag}: {message}"), line


def test_verbose_adds_the_traceback(tmp_path, capsys):
    assert cli.main(["caricature", str(tmp_path / "none.jpg"), "-o", str(tmp_path),
                     "--strength", "-1", "--verbose"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and err.strip().splitlines()[-1].startswith("error: ")


@pytest.mark.slow
def test_folder_run_names_cannot_collide_and_figures_sit_beside(tmp_path, capsys):
    astronaut = skimage.data.astronaut()
    photos = tmp_path / "photos"
    fileio.write_image(photos / "a.jpg", astronaut)
    fileio.write_image(photos / "a.png", astronaut[:, ::-1])
    fileio.write_image(photos / "x" / "gray.jpg", astronaut.mean(-1).astype(np.uint8))
    fileio.write_image(photos / "y" / "gray.jpg", np.roll(astronaut, 40, axis=1))
    (photos / "huge.png").write_bytes(png_claiming(14000, 14000))  # 196 MP
    (photos / "notes.txt").write_text("not a photo\n")  # ignored, and counted
    out = tmp_path / "my_caricature_out"
    argv = ["caricature", str(photos), str(photos / "x"), str(photos / "y"), "-o",
            str(out), "--geometry", "identity", "--style", "none", "--figure"]
    assert cli.main(argv) == 0
    printed = capsys.readouterr().out
    assert "4 caricature(s) written" in printed and "1 failed" in printed
    assert "huge.png" in printed and "megapixels exceeds" in printed
    assert "1 file(s) ignored" in printed and "notes.txt: cannot decode" in printed
    assert sorted(os.listdir(tmp_path)) == ["my_caricature_out", "photos"]
    written = sorted(os.path.relpath(os.path.join(d, f), out)  # records are hidden
                     for d, _, files in os.walk(out) for f in files if f[0] != ".")
    assert written == sorted([
        "a_jpg_caricature.png", "a_jpg_figure.png", "a_png_caricature.png",
        "a_png_figure.png", os.path.join("x", "gray_caricature.png"),
        os.path.join("x", "gray_figure.png"), os.path.join("y", "gray_caricature.png"),
        os.path.join("y", "gray_figure.png")])
    # Each output is its own photo's (identity geometry, no style: the crops differ).
    a_jpg, a_png = (fileio.read_image(out / f"a_{e}_caricature.png") for e in ("jpg", "png"))
    assert np.abs(a_jpg.astype(int) - a_png).mean() > 5
    cli.main(argv)  # a rerun finds every output done (and huge.png bad again)
    again = capsys.readouterr().out
    assert "0 caricature(s) written" in again and "4 photo(s) already done" in again


@pytest.mark.slow
def test_morph_is_written_beside_the_still_and_ends_on_it(tmp_path, capsys):
    from PIL import Image  # pylint: disable=g-import-not-at-top

    photo = tmp_path / "astronaut.png"
    fileio.write_image(photo, skimage.data.astronaut())
    out = tmp_path / "out"
    argv = ["caricature", str(photo), "-o", str(out), "--geometry", "edfm", "--style",
            "cartoon", "--morph"]
    assert cli.main(argv) == 0
    expected = ["astronaut_caricature.png", "astronaut_morph.webp"]
    if motion.mp4_available():
        expected.append("astronaut_morph.mp4")
    else:
        assert "PyAV is not installed" in capsys.readouterr().err
    assert sorted(os.listdir(out)) == sorted(  # no temporary files left
            expected + [".astronaut.caricature.done.json", ".tf_deepexag.lock"])
    still = fileio.read_image(out / "astronaut_caricature.png")
    with Image.open(out / "astronaut_morph.webp") as morph:
        assert morph.is_animated and morph.info["loop"] == 0
        morph.seek(morph.n_frames - 1)
        last = np.asarray(morph.convert("RGB"), np.float64)
    assert np.abs(last - still).mean() <= 3
    assert cli.main(argv) == 0
    assert "1 photo(s) already done" in capsys.readouterr().out


@pytest.mark.slow
def test_strength_out_of_reach_is_one_line(tmp_path, capsys):
    photo = tmp_path / "astronaut.png"
    fileio.write_image(photo, skimage.data.astronaut())
    assert cli.main(["caricature", str(photo), "-o", str(tmp_path / "o"), "--geometry",
                     "edfm", "--style", "none", "--strength", "1e30",
                     "--on_error", "fail"]) == 1
    assert "`strength`=1e+30 moves the landmarks" in _one_line_error(capsys)


_PART = st.sampled_from(["a", "A", "b", "gray", "a_jpg", "a_2", "x", "y", "d.e"])


@given(paths=st.lists(st.tuples(st.lists(_PART, max_size=2), _PART,
                                st.sampled_from([".jpg", ".JPG", ".png", ".jpeg", ""])),
                      max_size=8))
def test_output_names_are_unique_for_any_inputs(paths):
    photos = list(dict.fromkeys(os.path.join("in", *folders, stem + ext)
                                for folders, stem, ext in paths))
    names = _photos.output_names(photos)
    assert set(names) == set(photos)
    lowered = [n.lower() for n in names.values()]
    assert len(set(lowered)) == len(lowered)  # unique, even case-insensitively
    assert all(not os.path.isabs(n) and ".." not in n.split(os.sep) for n in names.values())
    assert _photos.output_names(photos) == names  # deterministic


def _image_file(path, fmt):
    from PIL import Image  # pylint: disable=g-import-not-at-top

    Image.fromarray(skimage.data.astronaut()[::16, ::16]).save(path, format=fmt)


def test_a_folder_run_reads_what_a_single_file_run_reads(tmp_path):
    _image_file(tmp_path / "a.gif", "GIF")
    _image_file(tmp_path / "b.avif", "AVIF")
    _image_file(tmp_path / "IMG_0003", "PNG")
    (tmp_path / "notes.txt").write_text("not a photo\n")
    photos, ignored = caricature._collect([str(tmp_path)])
    assert [os.path.basename(p) for p in photos] == ["IMG_0003", "a.gif", "b.avif"]
    assert len(ignored) == 1 and "notes.txt" in ignored[0]


def test_a_folder_without_images_says_what_it_ignored(tmp_path, capsys):
    photos = tmp_path / "card"
    photos.mkdir()
    (photos / "IMG_0002.xmp").write_text("<x:xmpmeta/>\n")  # a camera's sidecar
    (photos / "notes.txt").write_text("not a photo\n")
    assert cli.main(["caricature", str(photos), "-o", str(tmp_path / "out")]) == 1
    line = _one_line_error(capsys)
    assert f"No images found in {photos} (2 file(s) ignored, e.g. {photos}" in line
    assert "IMG_0002.xmp: cannot decode image: not a file of a format" in line


def test_the_no_face_reason_names_the_file(tmp_path, capsys):
    # Smaller than the detector's smallest face: refused before any model loads.
    photo = tmp_path / "tiny.png"
    fileio.write_image(photo, np.zeros((10, 12, 3), np.uint8))
    assert cli.main(["caricature", str(photo), "-o", str(tmp_path / "out"),
                     "--geometry", "identity", "--style", "none"]) == 1
    printed = capsys.readouterr().out
    assert f"skipped {photo}: No face found in the photo (12x10 pixels)" in printed
    assert "array of shape" not in printed


@pytest.mark.slow
def test_try_rotations_finds_the_face_of_a_sideways_photo(tmp_path, capsys):
    astronaut = skimage.data.astronaut()
    fileio.write_image(tmp_path / "upright.png", astronaut)
    fileio.write_image(tmp_path / "sideways.png", np.rot90(astronaut))  # no EXIF tag
    argv = ["-o", str(tmp_path / "out"), "--geometry", "identity", "--style", "none"]
    assert cli.main(["caricature", str(tmp_path / "sideways.png"), *argv]) == 1
    assert "No face found" in capsys.readouterr().out
    assert cli.main(["caricature", str(tmp_path / "upright.png"),
                     str(tmp_path / "sideways.png"), *argv, "--try_rotations"]) == 0
    assert "2 caricature(s) written" in capsys.readouterr().out
    turned, upright = (fileio.read_image(tmp_path / "out" / f"{n}_caricature.png")
                       for n in ("sideways", "upright"))
    assert turned.shape == upright.shape  # the same upright crop, up to detection noise
    assert np.abs(turned.astype(int) - upright).mean() < 12


def test_a_heic_photo_is_read(tmp_path, capsys):
    photo = tmp_path / "IMG_0001.HEIC"
    shutil.copy(test_fileio.HEIC, photo)
    assert cli.main(["caricature", str(photo), "-o", str(tmp_path / "out"),
                     "--geometry", "identity", "--style", "none"]) == 1
    printed = capsys.readouterr().out  # decoded: a gradient has no face
    assert f"  skipped {photo}: No face found in the photo (64x48 pixels)" in printed


# The output side (issue 28): fast, with the stand-in stages of conftest.py.

def _run(*argv):
    return cli.main(["caricature", *map(str, argv), "--style", "none"])


def _files(folder):
    return sorted(os.path.relpath(os.path.join(d, f), folder)
                  for d, _, files in os.walk(folder) for f in files if not f.startswith("."))


def _colour(path):
    """The mean colour, rounded to tens (JPEG moves a flat colour by a few levels)."""
    return tuple(int(v) for v in np.round(fileio.read_image(path).reshape(-1, 3).mean(0), -1))


def test_out_equal_to_the_input_folder_never_reads_outputs_back(
        tmp_path, capsys, fake_caricaturist):
    write_photo(tmp_path / "anna.jpg", (200, 30, 30))
    write_photo(tmp_path / "ben.png", (30, 30, 200))
    for run in range(3):
        assert _run(tmp_path, "-o", tmp_path, "--figure") == 0
        printed = capsys.readouterr().out
        assert ("2 caricature(s) written" if run == 0 else "0 caricature(s) written") in printed
    assert _files(tmp_path) == ["anna.jpg", "anna_caricature.png", "anna_figure.png",
                                "ben.png", "ben_caricature.png", "ben_figure.png"]
    assert fake_caricaturist.stylized == 2  # the reruns processed nothing


def test_photos_of_one_name_from_two_runs_get_two_outputs(tmp_path, capsys, fake_caricaturist):
    red, blue = (220, 20, 20), (20, 20, 220)
    write_photo(tmp_path / "card1" / "IMG_0001.JPG", red)
    write_photo(tmp_path / "card2" / "IMG_0001.JPG", blue)
    out = tmp_path / "out"
    assert _run(tmp_path / "card1", "-o", out) == 0
    assert _run(tmp_path / "card2", "-o", out) == 0
    assert "IMG_0001_2_caricature*.png (IMG_0001 holds another" in capsys.readouterr().out
    assert _files(out) == ["IMG_0001_2_caricature.png", "IMG_0001_caricature.png"]
    assert _colour(out / "IMG_0001_caricature.png") == red
    assert _colour(out / "IMG_0001_2_caricature.png") == blue
    # Reruns find each photo done under its own name, whichever order.
    for card in ("card2", "card1"):
        assert _run(tmp_path / card, "-o", out) == 0
        assert "1 photo(s) already done" in capsys.readouterr().out
    # Other settings redo the photo under the same name; the first sample set goes.
    assert _run(tmp_path / "card2", "-o", out, "--samples", "2") == 0
    assert "2 caricature(s) written" in capsys.readouterr().out
    assert _files(out) == ["IMG_0001_2_caricature_0.png", "IMG_0001_2_caricature_1.png",
                           "IMG_0001_caricature.png"]


def test_a_concurrent_run_never_replaces_another_photos_outputs(
        tmp_path, capsys, fake_caricaturist):
    red, blue = (220, 20, 20), (20, 20, 220)
    write_photo(tmp_path / "card1" / "IMG_0001.JPG", red)
    write_photo(tmp_path / "card2" / "IMG_0001.JPG", blue)
    out = tmp_path / "out"

    def other_run():  # starts and ends while the first run is making its caricature
        fake_caricaturist.on_style = None
        assert _run(tmp_path / "card2", "-o", out) == 0

    fake_caricaturist.on_style = other_run
    assert _run(tmp_path / "card1", "-o", out) == 0
    printed = capsys.readouterr().out
    assert printed.count("1 caricature(s) written") == 2
    assert _colour(out / "IMG_0001_caricature.png") == blue  # the other run published first
    assert _colour(out / "IMG_0001_2_caricature.png") == red


def _no_space_on(kind, monkeypatch):
    """`fileio.write_image` fails with ENOSPC when writing a file whose name has `kind`."""
    write = fileio.write_image

    def full(path, image):
        if kind in os.path.basename(path):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        write(path, image)
    monkeypatch.setattr(fileio, "write_image", full)


def test_a_full_disk_is_one_line_naming_the_folder_and_no_half_set(
        tmp_path, capsys, monkeypatch, fake_caricaturist):
    write_photo(tmp_path / "in" / "anna.jpg", (200, 30, 30))
    out = tmp_path / "out"
    _no_space_on("figure", monkeypatch)
    assert _run(tmp_path / "in", "-o", out, "--figure") == 1
    err = _one_line_error(capsys)
    assert f"Cannot write to the output folder {str(out)!r}: No space left" in err
    assert "anna_figure.png" in err and ".tmp" not in err
    assert os.listdir(out) == []  # no caricature without its figure, no temporary file
    monkeypatch.undo()
    monkeypatch.setattr(pipeline, "build_caricaturist", fake_caricaturist.build)
    assert _run(tmp_path / "in", "-o", out, "--figure") == 0  # the rerun does the set
    assert _files(out) == ["anna_caricature.png", "anna_figure.png"]


def test_a_read_only_folder_is_refused_before_the_models_load(
        tmp_path, capsys, monkeypatch, fake_caricaturist):
    write_photo(tmp_path / "anna.jpg", (200, 30, 30))

    def read_only(folder, name, suffix=".tmp"):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))
    monkeypatch.setattr(temp_files, "make_temp_file", read_only)
    assert _run(tmp_path / "anna.jpg", "-o", tmp_path / "out") == 1
    assert (f"Cannot write to the output folder {str(tmp_path / 'out')!r}: Read-only file "
            "system.") in _one_line_error(capsys)
    assert fake_caricaturist.built == 0


@pytest.mark.skipif(not os.path.isdir("/proc/1/fdinfo"), reason="needs Linux /proc")
def test_a_folder_nobody_may_write_is_one_line(tmp_path, capsys, fake_caricaturist):
    write_photo(tmp_path / "anna.jpg", (200, 30, 30))
    assert _run(tmp_path / "anna.jpg", "-o", "/proc/1/fdinfo") == 1  # not even root
    assert "Cannot write to the output folder '/proc/1/fdinfo'" in _one_line_error(capsys)
    assert fake_caricaturist.built == 0


def test_a_set_left_half_renamed_is_redone(tmp_path, capsys, fake_caricaturist):
    write_photo(tmp_path / "in" / "anna.jpg", (200, 30, 30))
    out = tmp_path / "out"
    assert _run(tmp_path / "in", "-o", out, "--figure") == 0
    os.remove(out / "anna_figure.png")  # as if a kill landed between the renames
    assert _run(tmp_path / "in", "-o", out, "--figure") == 0
    assert "1 caricature(s) written" in capsys.readouterr().out
    assert _files(out) == ["anna_caricature.png", "anna_figure.png"]


def test_samples_are_written_as_they_are_made(tmp_path, capsys, monkeypatch, fake_caricaturist):
    write_photo(tmp_path / "anna.jpg", (200, 30, 30))
    stylized_at_write = []
    write = fileio.write_image

    def record(path, image):
        stylized_at_write.append(fake_caricaturist.stylized)
        write(path, image)
    monkeypatch.setattr(fileio, "write_image", record)
    assert _run(tmp_path / "anna.jpg", "-o", tmp_path / "out", "--samples", "5") == 0
    assert stylized_at_write == [1, 2, 3, 4, 5]  # not [5, 5, 5, 5, 5]: one in memory


def test_samples_are_bounded_before_any_work(tmp_path, capsys, fake_caricaturist):
    write_photo(tmp_path / "anna.jpg", (200, 30, 30))
    assert _run(tmp_path / "anna.jpg", "-o", tmp_path / "out", "--samples", "101") == 1
    assert ("error: argument --samples: must be an integer from 1 to 100, got '101'"
            in _one_line_error(capsys))
    assert fake_caricaturist.built == 0


def test_progress_lines_without_a_terminal(tmp_path, capsys, monkeypatch, fake_caricaturist):
    for k in range(3):
        write_photo(tmp_path / "in" / f"p{k}.png", (10 * k, 30, 30))
    monkeypatch.setattr(_progress, "LINE_EVERY_S", 0.0)
    assert _run(tmp_path / "in", "-o", tmp_path / "out") == 0
    lines = [line for line in capsys.readouterr().err.splitlines()
             if line.startswith("caricature: ")]
    assert lines[0].startswith("caricature: 0/3 photos") and "1/3 photos" in lines[1]
    assert lines[-1].startswith("caricature: 3/3 photos")


def test_warm_up_runs_geometry_warp_and_style_at_the_crop_size_without_detecting():
    from tf_deepexag import pipeline  # pylint: disable=import-outside-toplevel

    calls = []

    def landmarker(image):
        raise AssertionError("the warm-up must not detect")

    def geometry(points, num_samples, temperature, seed, strength):
        calls.append(("geometry", points.shape, num_samples))
        centre = points.mean(axis=0)
        return ((points - centre) * (1 + 0.2 * strength) + centre)[None]

    def warp(image, src, dst):
        calls.append(("warp", image.shape))
        # A face inside the crop, moved by the geometry (then the map's pins).
        assert np.all((src[:68] > 0) & (src[:68] < 128)) and np.abs(dst - src).max() > 1
        return image

    def stylizer(image):
        calls.append(("style", image.shape))
        return image

    artist = pipeline.Caricaturist(landmarker, geometry, warp, stylizer, crop_size=128)
    caricature._warm_up(artist)  # pylint: disable=protected-access
    # The style on a strip of the crop (a traced style serves any size).
    assert calls == [("geometry", (68, 2), 1), ("warp", (128, 128, 3)),
                     ("style", (128, 16, 3))]
    # A failing stage is left for the photo's own run to report.
    artist.warp = lambda image, src, dst: 1 / 0
    caricature._warm_up(artist)  # pylint: disable=protected-access
