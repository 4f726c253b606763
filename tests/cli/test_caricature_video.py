"""Tests for `python -m tf_deepexag caricature clip.mp4 -o out/`: the clip's
frames, rate, size and audio are kept; a clip without a face is copied with
a warning; bad clips end with one line and leave nothing in the folder."""

import os

import numpy as np
import pytest

from tests.motion import clips
from tf_deepexag import __main__ as cli
from tf_deepexag import fileio

_CHEAP = ["--geometry", "identity", "--style", "none"]


@pytest.mark.slow
def test_a_clip_becomes_a_caricature_clip_with_its_audio(tmp_path, capsys):
    frames, _ = clips.astronaut_frames(8)
    source = tmp_path / "clip.mov"
    clips.write_clip(source, frames, rate=12, audio="aac")
    still = tmp_path / "photo.png"
    fileio.write_image(still, frames[0])
    out = tmp_path / "out"
    assert cli.main(["caricature", str(source), str(still), "-o", str(out), "--geometry",
                     "edfm", "--style", "none", "--strength", "2"]) == 0
    captured = capsys.readouterr()
    assert "2 caricature(s) written" in captured.out
    assert f"{source}: 8 frames, 1 face(s)" in captured.err
    assert sorted(f for f in os.listdir(out) if not f.startswith(".")) == [
        "clip_caricature.mp4", "photo_caricature.png"]
    count, rate, size, audio = clips.probe(out / "clip_caricature.mp4")
    assert (count, rate, size, audio) == (8, 12, (128, 128), "aac")
    # The face changed (EDFM at strength 2), the corners did not.
    first = clips.decode(out / "clip_caricature.mp4")[0].astype(float)
    assert np.abs(first[40:100, 35:100] - frames[0][40:100, 35:100]).mean() > 2
    assert np.abs(first[:12, :12] - frames[0][:12, :12]).mean() < 3
    # The clip's output set is recorded: a rerun finds both done.
    assert cli.main(["caricature", str(source), str(still), "-o", str(out), "--geometry",
                     "edfm", "--style", "none", "--strength", "2"]) == 0
    assert "0 caricature(s) written" in capsys.readouterr().out


def test_a_clip_without_a_face_is_copied_with_a_warning(tmp_path, capsys):
    rng = np.random.default_rng(0)
    sky = [np.full((64, 96, 3), 40 + 10 * t, np.uint8) + rng.integers(0, 3, (64, 96, 3),
                                                                       np.uint8)
           for t in range(6)]
    source = tmp_path / "sky.mkv"
    clips.write_clip(source, sky, rate=25, codec="ffv1")
    out = tmp_path / "out"
    assert cli.main(["caricature", str(source), "-o", str(out), *_CHEAP]) == 0
    captured = capsys.readouterr()
    assert "warning: no face found in" in captured.err and "6 frames" in captured.err
    assert clips.probe(out / "sky_caricature.mp4") == (6, 25, (96, 64), None)
    for want, got in zip(sky, clips.decode(out / "sky_caricature.mp4")):
        assert np.abs(want.astype(int) - got).mean() < 2


def _truncated(path):
    clips.truncated_faststart(path, clips.astronaut_frames(30)[0])


@pytest.mark.parametrize("make, argv, message", [
    (_truncated, [], "truncated"),
    (clips.still_renamed, [], "is a still image (png_pipe), not a video."),
    (clips.zero_frames, [], "has no video frames"),
    (lambda p: clips.write_clip(p, clips.astronaut_frames(2)[0]), ["--max_pixels", "10000"],
     "128x128 frames (0.0 megapixels) exceed --max_pixels=10,000."),
])
def test_bad_clips_end_with_one_line_and_leave_nothing(tmp_path, capsys, make, argv,
                                                       message):
    source = tmp_path / "bad.mp4"
    make(source)
    out = tmp_path / "out"
    out.mkdir()
    assert cli.main(["caricature", str(source), "-o", str(out), *_CHEAP, *argv,
                     "--on_error", "fail"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and message in err, err
    assert str(source) in err
    assert os.listdir(out) == []


def test_samples_with_a_clip_are_refused_before_any_model_loads(tmp_path, capsys):
    source = tmp_path / "clip.mp4"
    clips.write_clip(source, clips.astronaut_frames(2)[0])
    assert cli.main(["caricature", str(source), "-o", str(tmp_path / "out"),
                     "--samples", "2"]) == 1
    assert "--samples applies to photos, not to video clips such as" in (
        capsys.readouterr().err)
    assert not (tmp_path / "out").exists() or os.listdir(tmp_path / "out") == []
