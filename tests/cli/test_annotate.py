"""End-to-end tests of `python -m tf_deepexag annotate ...` on the astronaut."""

import errno
import os

import numpy as np
import pytest
import skimage.data

from tests.cli.conftest import write_photo
from tests.png_headers import png_claiming
from tf_deepexag import __main__ as cli
from tf_deepexag import fileio, landmarks
from tf_deepexag.cli import annotate

_FIXTURE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "astronaut_68.pts")


@pytest.fixture(scope="module")
def photo_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("photos")
    astronaut = skimage.data.astronaut()
    fileio.write_image(str(folder / "astronaut.png"), astronaut)
    rgba = np.dstack([astronaut, np.full(astronaut.shape[:2], 255, np.uint8)])
    from PIL import Image  # pylint: disable=g-import-not-at-top
    Image.fromarray(rgba).save(folder / "astronaut_rgba.png")
    png = (folder / "astronaut.png").read_bytes()
    (folder / "broken.jpg").write_bytes(png[: len(png) // 3])     # truncated
    (folder / "notes.txt").write_text("not a photo\n")
    return folder


def _run(*argv):
    return cli.main(["annotate", *map(str, argv)])


def _files(folder):
    return sorted(f for f in os.listdir(folder) if not f.startswith("."))  # records hidden


def test_folder_with_bad_files(photo_folder, tmp_path, capsys):
    out = tmp_path / "pts"
    assert _run(photo_folder, "--out", out, "--overlay") == 0
    printed = capsys.readouterr().out
    assert "one face:      2" in printed and "failed:        1" in printed
    assert "broken.jpg" in printed and "cannot decode" in printed
    assert "ignored" in printed and "notes.txt" in printed
    assert _files(out) == ["astronaut.pts", "astronaut_overlay.png",
                           "astronaut_rgba.pts", "astronaut_rgba_overlay.png"]
    reference = landmarks.read_pts(_FIXTURE)
    for name in ("astronaut.pts", "astronaut_rgba.pts"):
        written = landmarks.read_pts(str(out / name))
        assert np.linalg.norm(written - reference, axis=1).mean() < 1.5
    text = (out / "astronaut.pts").read_text().splitlines()
    assert text[:3] == ["version: 1", "n_points: 68", "{"] and text[-1] == "}"
    assert len(text) == 68 + 4
    overlay = fileio.read_image(str(out / "astronaut_overlay.png"))
    assert overlay.shape == (512, 512, 3)
    # Landmarks are drawn in the photo colour: the pixel at landmark 30 changed.
    x, y = np.round(reference[30]).astype(int)
    assert not np.array_equal(overlay[y, x], skimage.data.astronaut()[y, x])


def test_files_no_run_recorded_are_kept_unless_overwrite(photo_folder, tmp_path, capsys):
    out = tmp_path / "pts"
    out.mkdir()
    placeholder = "version: 1\nn_points: 68\n{\n" + "0 0\n" * 68 + "}\n"
    (out / "astronaut.pts").write_text(placeholder)
    image = str(photo_folder / "astronaut.png")
    assert _run(image, "--out", out) == 0  # not this photo's points: written beside
    assert "astronaut.png -> astronaut_2.pts" in capsys.readouterr().out
    assert (out / "astronaut.pts").read_text() == placeholder
    assert landmarks.read_pts(str(out / "astronaut_2.pts")).max() > 100
    assert _run(image, "--out", out) == 0
    assert "already done:  1" in capsys.readouterr().out
    assert _run(image, "--out", out, "--overwrite") == 0
    assert "one face:      1" in capsys.readouterr().out
    assert landmarks.read_pts(str(out / "astronaut.pts")).max() > 100


def test_fail_mode_stops_with_one_line(photo_folder, tmp_path, capsys):
    code = _run(photo_folder / "broken.jpg", photo_folder / "astronaut.png",
                "--out", tmp_path / "pts", "--on_error", "fail")
    err = capsys.readouterr().err
    assert code == 1
    assert err.strip().splitlines()[-1].startswith("error: ") and "broken.jpg" in err
    assert not (tmp_path / "pts" / "astronaut.pts").exists()


def test_no_face_is_reported_and_all_faces_are_written(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    fileio.write_image(str(folder / "blank.png"), np.full((120, 160, 3), 90, np.uint8))
    fileio.write_image(str(folder / "astro.png"), skimage.data.astronaut())
    out = tmp_path / "pts"
    assert _run(folder, "--out", out, "--detector", "hog", "--faces", "all") == 0
    printed = capsys.readouterr().out
    assert "no face in" in printed and "blank.png" in printed
    assert "several faces: 1 (kept: all)" in printed
    # HOG also fires on a region of the suit; the face, biggest and first, is astro.pts.
    assert _files(out) == ["astro.pts", "astro_face1.pts"]
    reference = landmarks.read_pts(_FIXTURE)
    np.testing.assert_allclose(landmarks.read_pts(str(out / "astro.pts")), reference)


def test_missing_input_is_one_line_error(tmp_path, capsys):
    assert _run(tmp_path / "nope.jpg", "--out", tmp_path / "o") == 1
    assert "nope.jpg" in capsys.readouterr().err


def test_huge_photo_is_a_failure_and_out_file_is_refused(tmp_path, capsys):
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "huge.png").write_bytes(png_claiming(14000, 14000))
    assert _run(photos, "--out", tmp_path / "pts") == 1  # was DecompressionBombError
    printed = capsys.readouterr().out
    assert "failed:        1" in printed and "megapixels exceeds" in printed
    (tmp_path / "file").write_text("")
    assert _run(photos, "--out", tmp_path / "file") == 1
    assert "`--out` must name a folder" in capsys.readouterr().err


def test_folders_are_read_by_content_and_left_out_files_named(tmp_path):
    from PIL import Image  # pylint: disable=g-import-not-at-top

    Image.fromarray(skimage.data.astronaut()[::16, ::16]).save(tmp_path / "IMG_1", "GIF")
    (tmp_path / "notes.txt").write_text("not a photo\n")
    paths, ignored = annotate._collect([str(tmp_path)])
    assert paths == [str(tmp_path / "IMG_1")]
    assert len(ignored) == 1 and ignored[0].startswith(str(tmp_path / "notes.txt"))


# The output side (issue 28), with the stand-in landmarker of conftest.py.

def test_every_photo_failing_exits_1(tmp_path, capsys, fake_landmarker):
    write_photo(tmp_path / "in" / "black.png", (0, 0, 0))  # no face
    (tmp_path / "in" / "broken.jpg").write_bytes(b"\xff\xd8 not a jpeg")
    assert _run(tmp_path / "in", "--out", tmp_path / "pts") == 1
    assert "no face:       1" in capsys.readouterr().out
    write_photo(tmp_path / "in" / "face.png", (90, 120, 200))
    assert _run(tmp_path / "in", "--out", tmp_path / "pts") == 0  # one of three is done


def test_a_partial_set_is_completed_and_a_full_disk_publishes_none(
        tmp_path, capsys, monkeypatch, fake_landmarker):
    write_photo(tmp_path / "in" / "face.png", (90, 120, 200))
    out = tmp_path / "pts"
    write = fileio.write_image

    def full(path, image):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(fileio, "write_image", full)
    assert _run(tmp_path / "in", "--out", out, "--overlay") == 1
    err = capsys.readouterr().err.strip()
    assert err == (f"error: Cannot write to the output folder {str(out)!r}: No space left "
                   "on device (writing face_overlay.png).")
    assert os.listdir(out) == []  # no .pts without its overlay
    monkeypatch.setattr(fileio, "write_image", write)
    assert _run(tmp_path / "in", "--out", out, "--overlay") == 0
    assert _files(out) == ["face.pts", "face_overlay.png"]
    os.remove(out / "face_overlay.png")  # e.g. a kill between the renames
    assert _run(tmp_path / "in", "--out", out, "--overlay") == 0
    assert "one face:      1" in capsys.readouterr().out
    assert _files(out) == ["face.pts", "face_overlay.png"]
    assert _run(tmp_path / "in", "--out", out) == 0  # without --overlay: done
    assert "already done:  1" in capsys.readouterr().out


def test_out_equal_to_the_input_folder_reads_no_output_back(tmp_path, capsys, fake_landmarker):
    write_photo(tmp_path / "face.png", (90, 120, 200))
    for _ in range(2):
        assert _run(tmp_path, "--out", tmp_path, "--overlay") == 0
    printed = capsys.readouterr().out
    assert "Annotated 1 photo(s)" in printed and "already done:  1" in printed
    assert "ignored" not in printed  # the .pts files are outputs, not stray inputs
    assert _files(tmp_path) == ["face.png", "face.pts", "face_overlay.png"]
