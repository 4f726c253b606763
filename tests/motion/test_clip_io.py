"""Tests of `motion.clip_io`: clips keep their frames, rate, size and audio;
bad clips fail with one line naming the file and leave nothing behind."""

import os
import shutil

import numpy as np
import pytest
import skimage.data

from tests.motion import clips
from tf_deepexag import fileio
from tf_deepexag.motion import clip_io


def _copy(source, destination, max_pixels=fileio.DEFAULT_MAX_PIXELS):
    with clip_io.open_clip(source, max_pixels) as clip, \
            clip_io.ClipWriter(destination, clip.info) as writer:
        for frame in clip.frames():
            writer.write(frame)
    return clip.info


@pytest.mark.parametrize("name, codec, audio, size", [
    ("a.mp4", "libx264rgb", "aac", 64),     # AAC copied as it is
    ("b.mov", "libx264rgb", "pcm_s16le", 64),  # PCM re-encoded as AAC
    ("c.mkv", "ffv1", None, 63),             # odd size: 4:4:4 chroma
])
def test_a_copy_keeps_frames_rate_size_and_audio(tmp_path, name, codec, audio, size):
    frames, _ = clips.astronaut_frames(7, size=size)
    source = tmp_path / name
    clips.write_clip(source, frames, rate=12, codec=codec, audio=audio)
    out = tmp_path / "out" / "copy.mp4"
    info = _copy(source, out)
    assert (info.width, info.height, info.rate) == (size, size, 12)
    count, rate, shape, audio_codec = clips.probe(out)
    assert (count, rate, shape) == (7, 12, (size, size))
    assert audio_codec == ("aac" if audio else None)
    # H.264 at CRF 18: close to the lossless source, frame by frame.
    for want, got in zip(frames, clips.decode(out)):
        assert np.abs(want.astype(int) - got).mean() < 4
    assert os.listdir(tmp_path / "out") == ["copy.mp4"]


def _truncated_faststart(path):
    clips.truncated_faststart(path, [
        np.random.default_rng(t).integers(0, 255, (48, 64, 3), np.uint8) for t in range(30)])


def _truncated_tail(path):
    clips.write_clip(path, clips.astronaut_frames(6)[0], audio="aac")
    data = path.read_bytes()
    path.write_bytes(data[:2 * len(data) // 3])


@pytest.mark.parametrize("make, message", [
    (_truncated_faststart, "is truncated: 12 of its 30 frames could be decoded"),
    (_truncated_tail, "is not a video FFmpeg can read"),
    (clips.still_renamed, "is a still image (png_pipe), not a video"),
    (clips.zero_frames, "has no video frames"),
    (lambda p: p.write_bytes(b""), "is empty (0 bytes)"),
    (lambda p: p.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(500)),
     "is not a video FFmpeg can read"),
])
def test_bad_clips_fail_with_one_line_and_leave_nothing(tmp_path, make, message):
    source = tmp_path / "bad.mp4"
    make(source)
    out = tmp_path / "out"
    with pytest.raises(clip_io.VideoReadError) as caught:
        _copy(source, out / "bad_caricature.mp4")
    text = str(caught.value)
    assert message in text and str(source) in text and "\n" not in text, text
    assert not out.exists() or os.listdir(out) == []


def test_frames_beyond_max_pixels_are_refused_before_decoding(tmp_path):
    source = tmp_path / "big.mkv"
    clips.write_clip(source, clips.astronaut_frames(2)[0], codec="ffv1")
    with pytest.raises(clip_io.VideoTooLargeError,
                       match=r"128x128 frames .* exceed --max_pixels=16,000"):
        _copy(source, tmp_path / "out.mp4", max_pixels=16_000)
    assert sorted(os.listdir(tmp_path)) == ["big.mkv"]


def test_a_failure_while_writing_leaves_nothing(tmp_path):
    source = tmp_path / "a.mkv"
    clips.write_clip(source, clips.astronaut_frames(3)[0], codec="ffv1")
    with clip_io.open_clip(source) as clip:
        with pytest.raises(ValueError, match="frame 1 has shape"):
            with clip_io.ClipWriter(tmp_path / "out.mp4", clip.info) as writer:
                writer.write(np.zeros((128, 128, 3), np.uint8))
                writer.write(np.zeros((64, 64, 3), np.uint8))
    assert sorted(os.listdir(tmp_path)) == ["a.mkv"]


def test_videos_are_told_by_suffix_or_signature(tmp_path):
    clip = tmp_path / "clip.data"
    clips.write_clip(clip, clips.astronaut_frames(2)[0], fmt="mp4")  # `ftyp` box
    photo = tmp_path / "photo.data"
    fileio.write_image(tmp_path / "p.png", skimage.data.astronaut()[:32, :32])
    shutil.move(tmp_path / "p.png", photo)
    assert clip_io.looks_like_video(clip) and clip_io.looks_like_video("x/CLIP.MOV")
    assert not clip_io.looks_like_video(photo)
    heic = tmp_path / "photo.data2"  # an ISO media file of a still-image brand
    heic.write_bytes(b"\x00\x00\x00\x18ftypheic" + bytes(100))
    assert not clip_io.looks_like_video(heic)
    assert not clip_io.looks_like_video(tmp_path / "IMG_0001.HEIC")
    assert not clip_io.looks_like_video(tmp_path / "missing.jpg")
