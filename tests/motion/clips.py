"""Small clips for the motion tests, made with PyAV: the astronaut's face
panned across a 128x128 window, with or without a tone."""

import itertools
import os
import shutil

import av
import cv2
import numpy as np
import skimage.data

from tf_deepexag import fileio, landmarks

SIZE = 128
SCALE = 2.0 / 3.0  # the astronaut (512 px) shrunk: its face is ~62 px wide
ORIGIN = (84, 20)  # the window's top-left corner in the shrunk photo at t = 0
_PTS = os.path.join(os.path.dirname(landmarks.__file__), os.pardir, "assets",
                    "astronaut_68.pts")


def astronaut_frames(count, pan=2, size=SIZE):
    """`count` uint8 `(size, size, 3)` frames, the window moving `pan` px right
    a frame (the face moves left), and the true landmarks of each frame."""
    photo = cv2.resize(skimage.data.astronaut(), None, fx=SCALE, fy=SCALE,
                       interpolation=cv2.INTER_AREA)
    points = landmarks.read_pts(_PTS) * SCALE
    frames, truth = [], []
    for t in range(count):
        x0, y0 = ORIGIN[0] + pan * t, ORIGIN[1]
        frames.append(np.ascontiguousarray(photo[y0:y0 + size, x0:x0 + size]))
        truth.append((points - [x0, y0]).astype(np.float32))
    return frames, truth


def write_clip(path, frames, rate=24, codec="libx264rgb", audio=None, options=None,
               container_options=None, fmt=None):
    """Writes `frames` (uint8 RGB, any iterable) as a clip; `audio` a codec
    name adds a tone as long as the clip ("aac" in MP4, "pcm_s16le" in MOV/MKV)."""
    frames = iter(frames)
    first = next(frames)
    height, width = first.shape[:2]
    with av.open(os.fspath(path), "w", format=fmt, options=container_options or {}) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.width, stream.height = width, height
        stream.pix_fmt = {"libx264rgb": "rgb24", "ffv1": "bgr0"}.get(codec, "yuv420p")
        stream.options = options or ({"qp": "0"} if codec == "libx264rgb" else {})
        sound = None
        if audio:  # every stream is added before the first packet
            sound = out.add_stream(audio, rate=16000)
            sound.layout = "mono"
        count = 0
        for t, frame in enumerate(itertools.chain([first], frames)):
            count += 1
            video_frame = av.VideoFrame.from_ndarray(frame, format="rgb24")
            video_frame.pts = t
            for packet in stream.encode(video_frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
        if sound is not None:
            _write_tone(out, sound, count / rate)


def _write_tone(out, stream, seconds, sample_rate=16000):
    samples = 0.3 * np.sin(np.arange(int(sample_rate * seconds)) * 2 * np.pi * 440
                           / sample_rate)
    fmt = "fltp" if stream.codec_context.name == "aac" else "s16"
    for k in range(0, len(samples), 1024):
        chunk = samples[k:k + 1024][None].astype(np.float32)
        if fmt == "s16":
            chunk = (chunk * 32767).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(chunk, format=fmt, layout="mono")
        frame.sample_rate, frame.pts = sample_rate, k
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)


def probe(path):
    """`(frames decoded, rate, (width, height), audio codec or None)` of a clip."""
    with av.open(os.fspath(path)) as clip:
        stream = clip.streams.video[0]
        audio = clip.streams.audio[0].codec_context.name if clip.streams.audio else None
        count = sum(1 for _ in clip.decode(stream))
        return count, stream.average_rate, (stream.width, stream.height), audio


def decode(path):
    """All frames of a (small) clip as uint8 RGB arrays."""
    with av.open(os.fspath(path)) as clip:
        return [f.to_ndarray(format="rgb24") for f in clip.decode(video=0)]


def truncated_faststart(path, frames):
    """An MP4 of `frames` (index first) cut in half."""
    write_clip(path, frames, codec="libx264", container_options={"movflags": "faststart"})
    path.write_bytes(path.read_bytes()[:path.stat().st_size // 2])


def still_renamed(path):
    """A PNG photo saved under `path` (e.g. `photo.mp4`)."""
    fileio.write_image(path.with_suffix(".png"), skimage.data.astronaut()[:64, :64])
    shutil.move(path.with_suffix(".png"), path)


def zero_frames(path):
    """An MP4 with a video stream and no frame."""
    with av.open(os.fspath(path), "w") as out:
        stream = out.add_stream("libx264", rate=24)
        stream.width, stream.height = 64, 48
        out.start_encoding()
