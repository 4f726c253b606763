"""Video clips in and out through PyAV (the FFmpeg libraries its wheel ships).

`open_clip` checks a clip before any frame is processed (a video stream with
frames, not a still image, a frame size within `max_pixels`) and decodes it
one frame at a time as uint8 RGB `(H, W, 3)` arrays; `ClipWriter` encodes
frames as H.264 in an MP4 at the input's frame rate and size, copying the
input's first audio stream (re-encoded as AAC where MP4 cannot hold its
codec). Nothing is held beyond the current frame and the codecs' own
buffers, so memory does not grow with the clip's length. The MP4 is written
to a temporary file in the output folder and renamed over the target at the
end (`fileio.atomic_write`): a clip that fails half-way leaves nothing.

Frames are numbered from 0 at a constant rate: a variable-frame-rate input
keeps its frame count and its average rate.
"""

import contextlib
import dataclasses
import fractions
import os
import sys

import numpy as np

from tf_deepexag import fileio
from tf_deepexag.errors import CorruptFileError

# Suffixes taken for videos without looking inside (the CLI also sniffs files
# with other suffixes, `looks_like_video`).
VIDEO_EXTENSIONS = (".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mpg", ".mpeg",
                    ".ts", ".mts", ".m2ts", ".wmv", ".flv", ".3gp", ".ogv")
# FFmpeg demuxers of single images: a photo renamed `.mp4` opens as one of these.
_IMAGE_DEMUXERS = ("image2", "png_pipe", "jpeg_pipe", "bmp_pipe", "webp_pipe",
                   "tiff_pipe", "gif", "jpegxl_pipe", "pgm_pipe", "ppm_pipe")
# ISO base media brands of still images (HEIF/HEIC, AVIF), not videos.
_IMAGE_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis")
# Audio codecs an MP4 holds as they are (others are re-encoded as AAC).
_MP4_AUDIO = ("aac", "mp3", "opus", "alac", "ac3", "eac3", "flac")
# The rate assumed when a stream declares none (raw elementary streams).
_FALLBACK_RATE = fractions.Fraction(25)
# H.264 quality: constant rate factor 18 is visually lossless for most clips.
_CRF = "18"


class VideoReadError(CorruptFileError):
    """A video file is truncated, empty, a still image, or unreadable."""


class VideoTooLargeError(VideoReadError):
    """A video's frames have more pixels than the decoded-size limit."""


@dataclasses.dataclass(frozen=True)
class ClipInfo:
    """What `open_clip` learnt from a clip's header.

    Attributes:
        path: the file.
        width, height: frame size in pixels.
        rate: `fractions.Fraction`, frames per second.
        frames: int, the frame count the container declares (0: unknown).
        has_audio: bool, the clip has an audio stream.
    """

    path: str
    width: int
    height: int
    rate: fractions.Fraction
    frames: int
    has_audio: bool


def looks_like_video(path):
    """True for a video suffix, or (for a file without a photo's suffix) first
    bytes that are a video container's signature (MP4/MOV `ftyp` with a video
    brand, Matroska/WebM, AVI, MPEG-PS)."""
    name = os.fspath(path).lower()
    if name.endswith(VIDEO_EXTENSIONS):
        return True
    if name.endswith(fileio.IMAGE_EXTENSIONS):
        return False
    try:
        with open(path, "rb") as f:
            head = f.read(12)
    except OSError:
        return False
    if head[4:8] == b"ftyp":  # ISO media: HEIC/AVIF photos share the box
        return head[8:12] not in _IMAGE_BRANDS
    return (head[:4] == b"\x1a\x45\xdf\xa3"
            or (head[:4] == b"RIFF" and head[8:12] == b"AVI ")
            or head[:4] == b"\x00\x00\x01\xba")


def _reason(error):
    """FFmpeg's words for `error`, without the errno and path PyAV adds."""
    return getattr(error, "strerror", None) or str(error)


class ClipReader:
    """An open clip: `info` and `frames()`. Use `open_clip` to make one."""

    def __init__(self, container, stream, info):
        self._container = container
        self._stream = stream
        self.info = info

    def frames(self):
        """Yields the frames as uint8 RGB `(H, W, 3)` arrays, one at a time.

        Raises:
            VideoReadError: the data stops before the frames the container
                declares (a truncated file), cannot be decoded, or holds none.
        """
        import av  # pylint: disable=g-import-not-at-top

        count = 0
        try:
            for frame in self._container.decode(self._stream):
                yield frame.to_ndarray(format="rgb24")
                count += 1
        except av.FFmpegError as e:
            raise VideoReadError(f"{self.info.path} cannot be decoded after frame "
                                 f"{count} (truncated or corrupt: {_reason(e)}).") from e
        if count == 0:
            raise VideoReadError(f"{self.info.path} has no video frames.")
        # A container's frame count may overstate by a frame or two (edit lists);
        # a cut file loses many more.
        if self.info.frames and count + max(2, self.info.frames // 50) < self.info.frames:
            raise VideoReadError(f"{self.info.path} is truncated: {count} of its "
                                 f"{self.info.frames} frames could be decoded.")

    def close(self):
        self._container.close()


@contextlib.contextmanager
def open_clip(path, max_pixels=fileio.DEFAULT_MAX_PIXELS):
    """Opens a clip for reading after checking its header.

    Args:
        path: a video file any FFmpeg demuxer reads.
        max_pixels: int or None, the largest frame (width x height) decoded.

    Yields:
        A `ClipReader`.

    Raises:
        FileNotFoundError: no such file.
        VideoReadError: not a video (a still image, no video stream, no
            frames, unreadable); `VideoTooLargeError` for frames beyond
            `max_pixels`.
    """
    import av  # pylint: disable=g-import-not-at-top

    max_pixels = fileio.check_max_pixels(max_pixels)
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No such video: {path}")
    if os.path.getsize(path) == 0:
        raise VideoReadError(f"{path} is empty (0 bytes).")
    try:
        container = av.open(path)
    except av.FFmpegError as e:
        raise VideoReadError(f"{path} is not a video FFmpeg can read "
                             f"({_reason(e)}).") from e
    try:
        if container.format.name in _IMAGE_DEMUXERS:
            raise VideoReadError(f"{path} is a still image ({container.format.name}), "
                                 "not a video.")
        if not container.streams.video:
            raise VideoReadError(f"{path} has no video frames (no video stream).")
        stream = container.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
        if not width or not height:
            raise VideoReadError(f"{path} has no video frames.")
        if max_pixels is not None and width * height > max_pixels:
            raise VideoTooLargeError(
                f"{path}: {width}x{height} frames ({width * height / 1e6:.1f} "
                f"megapixels) exceed --max_pixels={max_pixels:,}.")
        rate = stream.average_rate or stream.guessed_rate or _FALLBACK_RATE
        stream.thread_type = "AUTO"
        info = ClipInfo(path, int(width), int(height), fractions.Fraction(rate),
                        int(stream.frames or 0), bool(container.streams.audio))
        reader = ClipReader(container, stream, info)
        yield reader
    finally:
        container.close()


class ClipWriter:
    """Encodes frames into an MP4 (H.264) with the source clip's audio.

    Args:
        path: the `.mp4` to write; it appears only when the block succeeds.
        info: the source's `ClipInfo` (size, rate, audio).

    Example:
        >>> with open_clip("in.mov") as clip, ClipWriter("out.mp4", clip.info) as out:
        ...     for frame in clip.frames():
        ...         out.write(frame)
    """

    def __init__(self, path, info):
        self.path = os.fspath(path)
        self.info = info
        self.frames_written = 0
        self._stack = None

    def __enter__(self):
        import av  # pylint: disable=g-import-not-at-top

        self._stack = contextlib.ExitStack()
        try:
            f = self._stack.enter_context(fileio.atomic_write(self.path))
            self._out = self._stack.enter_context(av.open(f, "w", format="mp4"))
            self._video = self._out.add_stream("libx264", rate=self.info.rate)
            self._video.width, self._video.height = self.info.width, self.info.height
            # 4:2:0 chroma needs even sides; odd sizes keep full chroma.
            even = self.info.width % 2 == 0 and self.info.height % 2 == 0
            self._video.pix_fmt = "yuv420p" if even else "yuv444p"
            self._video.options = {"crf": _CRF, "preset": "veryfast"}
            self._audio = (_AudioPass(self.info.path, self._out, self._stack)
                           if self.info.has_audio else None)
        except BaseException:
            self._stack.__exit__(*sys.exc_info())
            raise
        return self

    def write(self, frame):
        """Encodes one uint8 RGB `(height, width, 3)` frame."""
        import av  # pylint: disable=g-import-not-at-top

        frame = np.ascontiguousarray(frame, np.uint8)
        expected = (self.info.height, self.info.width, 3)
        if frame.shape != expected:
            raise ValueError(f"frame {self.frames_written} has shape {frame.shape}, "
                             f"expected {expected}.")
        video_frame = av.VideoFrame.from_ndarray(frame, format="rgb24")
        video_frame.pts = self.frames_written
        for packet in self._video.encode(video_frame):
            self._out.mux(packet)
        self.frames_written += 1
        if self._audio is not None:
            self._audio.copy_until(self.frames_written / self.info.rate)

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            try:
                for packet in self._video.encode(None):
                    self._out.mux(packet)
                if self._audio is not None:
                    self._audio.copy_until(None)
            except BaseException:
                self._stack.__exit__(*sys.exc_info())
                raise
        return self._stack.__exit__(exc_type, exc, tb)


class _AudioPass:
    """Copies the source's first audio stream into `out`, interleaved with the
    video: `copy_until(t)` moves the packets that start before `t` seconds.
    Codecs an MP4 cannot hold are decoded and re-encoded as AAC."""

    def __init__(self, source_path, out, stack):
        import av  # pylint: disable=g-import-not-at-top

        self._source = stack.enter_context(av.open(source_path))
        self._in = self._source.streams.audio[0]
        video = self._source.streams.video[0]
        # Time 0 is the first video frame (containers may start at an offset).
        start = 0
        if video.start_time is not None:
            start = video.start_time * video.time_base
        self._start = fractions.Fraction(start)
        self._transcode = self._in.codec_context.name not in _MP4_AUDIO
        if self._transcode:
            rate = self._in.codec_context.sample_rate or 48000
            self._out_stream = out.add_stream("aac", rate=rate)
            self._out_stream.layout = self._in.codec_context.layout
        else:
            self._out_stream = out.add_stream_from_template(self._in)
        self._out = out
        self._packets = self._source.demux(self._in)
        self._pending = None
        self._done = False

    def copy_until(self, seconds):
        """Muxes the source's audio packets that start before `seconds`
        (all that remain when `seconds` is None)."""
        import av  # pylint: disable=g-import-not-at-top

        while not self._done:
            packet, self._pending = self._pending or next(self._packets, None), None
            if packet is None:
                if self._transcode:
                    for out_packet in self._out_stream.encode(None):
                        self._out.mux(out_packet)
                self._done = True
                return
            if packet.pts is None:  # a demuxer's flush packet
                continue
            time = packet.pts * packet.time_base - self._start
            if seconds is not None and time >= seconds:
                self._pending = packet
                return
            if time < 0:  # before the first video frame
                continue
            try:
                self._mux(packet)
            except av.FFmpegError:  # a damaged audio packet: leave it out
                continue

    def _mux(self, packet):
        if self._transcode:
            for frame in packet.decode():
                frame.pts = None
                for out_packet in self._out_stream.encode(frame):
                    self._out.mux(out_packet)
            return
        shift = int(round(self._start / packet.time_base))
        packet.pts -= shift
        if packet.dts is not None:
            packet.dts -= shift
        packet.stream = self._out_stream
        self._out.mux(packet)
