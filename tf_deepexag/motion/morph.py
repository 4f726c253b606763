"""Morph animations: a photo's face turning into its caricature.

The still is painted once; every frame only warps. Frame k of the transition
sits at the eased fraction `t` of the chosen strength and blends two layers
warped to the geometry at `t`:

    frame(t) = (1 - t) * warp(photo crop, Q -> Q_t) + t * warp(caricature, Q_1 -> Q_t)

where `Q` are the control points in the photo crop and `Q_t` where the
geometry puts them at the fraction `t` (`Q_0 = Q`, `Q_1` the caricature's).
The first layer is the photo taking on the shape, the second the caricature
(style included) warped back from its own shape, so the style fades in as
the shape grows and no frame is painted again. The first frame is the photo's
crop and the last the caricature, exactly (the warps are the identity there).

The geometry at `t` is one call, `geometry_path(result)`: the control points
the pipeline warped the crop with, their displacement scaled by `t`, which is
the pipeline's warp at `t` times the chosen strength. Today those are the 68
landmarks; a result that carries the geometry as a map of the plane (a
`plane_map` with `source` and `target` points, controls and pins, as
`Exaggerator.map_points` evaluates it) is followed through that map's points,
whose displacement scales the same way (`PlaneMap.scaled(t)`).

Timing (`FPS` = 25): the photo is held `HOLD_START_FRAMES` frame periods, the
transition takes `TRANSITION_FRAMES`, the caricature is held
`HOLD_END_FRAMES`; 1.96 s a loop. WebP stores the holds as frame durations,
MP4 (constant frame rate) as repeated frames.

Shapes: K frames, S crop side, N control points.
"""

import dataclasses
import io

import numpy as np

from tf_deepexag import fileio
from tf_deepexag.errors import UserError

FPS = 25
HOLD_START_FRAMES = 8      # 0.32 s of the photo
TRANSITION_FRAMES = 30     # 1.2 s from the photo to the caricature
HOLD_END_FRAMES = 12       # 0.48 s of the caricature
# Lossy WebP at 90 with a key frame at least every third frame: libwebp codes
# the others as differences, whose errors add up. On two AutoToon portraits
# (512-px crops) the last frame is 1.0 and 1.4 grey levels from the still on
# average (1.5 and 1.8 with libwebp's default key-frame spacing, 1.0 and 1.4
# with every frame a key frame), in 270 and 580 KB (15 % more than the
# default spacing, half of every frame a key frame).
WEBP_QUALITY = 90
WEBP_KEY_FRAMES = dict(kmin=2, kmax=3)
# x264's constant rate factor: 18 is visually lossless for 8-bit video.
MP4_CRF = 18


class VideoWriterUnavailableError(UserError):
    """MP4 needs PyAV (`pip install av`), which is not installed."""


@dataclasses.dataclass(frozen=True)
class Morph:
    """A looping animation.

    Attributes:
        frames: tuple of uint8 `(H, W, 3)` frames, the photo's crop first and
            the caricature last.
        periods: tuple of ints, how many frame periods (1 / `fps` s) each
            frame is shown.
        fps: int, frames a second of the periods.
    """

    frames: tuple
    periods: tuple
    fps: int = FPS

    @property
    def durations_ms(self):
        """Each frame's display time in milliseconds (WebP's unit)."""
        return tuple(round(1000 * p / self.fps) for p in self.periods)

    @property
    def seconds(self):
        """The length of one loop."""
        return sum(self.periods) / float(self.fps)

    def constant_rate_frames(self):
        """The frames at a constant `fps`: each repeated for its periods."""
        return [f for f, p in zip(self.frames, self.periods) for _ in range(p)]


def ease(u):
    """Smoothstep `3 u^2 - 2 u^3`: starts and ends at rest, `ease(0.5) = 0.5`."""
    u = np.clip(np.asarray(u, np.float64), 0.0, 1.0)
    return u * u * (3.0 - 2.0 * u)


def displacement_path(photo_points, generated_points):
    """The geometry at the fraction `t` of the chosen strength, as the pipeline warps.

    Args:
        photo_points: `(N, 2)` (x, y) landmarks in the photo's crop.
        generated_points: `(N, 2)` the caricature's landmarks (already at the
            chosen strength).

    Returns:
        `(sources, path)`: `sources` the `(N, 2)` control points in the
        photo's crop and `path(t)` their `(N, 2)` positions at `t` in [0, 1]
        (`path(0)` the sources, `path(1)` the caricature's).
    """
    photo = np.asarray(photo_points, np.float64)
    shift = np.asarray(generated_points, np.float64) - photo
    if photo.shape != shift.shape or photo.ndim != 2 or photo.shape[-1] != 2:
        raise ValueError(f"`photo_points` {photo.shape} and `generated_points` "
                         f"{np.shape(generated_points)} must be one (N, 2) shape.")

    def path(t):
        return (photo + float(t) * shift).astype(np.float32)

    return photo.astype(np.float32), path


def geometry_path(result):
    """`displacement_path` of the points the pipeline warped `result`'s crop with.

    The result's `plane_map` (source and target points, pins included) when it
    has one, else its landmarks (`photo_points` -> `generated_points`).
    """
    plane = getattr(result, "plane_map", None)
    if plane is not None:
        return displacement_path(plane.source, plane.target)
    return displacement_path(result.photo_points, result.generated_points)


def transition_fractions(num_frames=TRANSITION_FRAMES):
    """The eased fractions `t` of the frames: 0 first, 1 last, `num_frames + 1` in all."""
    if int(num_frames) < 1:
        raise ValueError(f"`num_frames` must be at least 1, got {num_frames}.")
    return ease(np.arange(int(num_frames) + 1) / float(num_frames))


def make_morph(result, warp, path=None, num_frames=TRANSITION_FRAMES,
          hold_start=HOLD_START_FRAMES, hold_end=HOLD_END_FRAMES, fps=FPS):
    """The animation of a photo's crop turning into its caricature.

    Args:
        result: a `pipeline.CaricatureResult` of one face (`faces="largest"`):
            its `photo` crop, `caricature`, `photo_points` and
            `generated_points` are used.
        warp: callable `(image uint8, src_xy, dst_xy) -> uint8 image`, the
            pipeline's warp (`Caricaturist.warp`).
        path: `(sources, path)` as `displacement_path` returns, or None for
            `geometry_path(result)`.
        num_frames: int, transition steps (`num_frames + 1` frames).
        hold_start, hold_end: int, frame periods the photo and the caricature
            are shown.
        fps: int, frames a second.

    Returns:
        `Morph`.
    """
    photo = np.asarray(result.photo, np.uint8)
    caricature = np.asarray(result.caricature, np.uint8)
    if photo.shape != caricature.shape:
        raise UserError(f"A morph needs the caricature of one face crop: the caricature "
                        f"is {caricature.shape[:2]}, the crop {photo.shape[:2]} "
                        "(use faces='largest').")
    if min(int(hold_start), int(hold_end)) < 1 or int(fps) < 1:
        raise ValueError(f"`hold_start`, `hold_end` and `fps` must be at least 1, got "
                         f"{hold_start}, {hold_end}, {fps}.")
    sources, path = path or geometry_path(result)
    painted_points = path(1.0)
    frames = [photo]
    for t in transition_fractions(num_frames)[1:-1]:
        target = path(t)
        shaped = np.asarray(warp(photo, sources, target), np.float32)
        painted = np.asarray(warp(caricature, painted_points, target), np.float32)
        frames.append(np.clip((1.0 - t) * shaped + t * painted + 0.5, 0, 255).astype(np.uint8))
    frames.append(caricature)
    periods = [int(hold_start)] + [1] * (len(frames) - 2) + [int(hold_end)]
    return Morph(tuple(frames), tuple(periods), int(fps))


def encode_webp(animation, quality=WEBP_QUALITY):
    """An animated WebP that loops forever: bytes."""
    from PIL import Image  # pylint: disable=g-import-not-at-top

    images = [Image.fromarray(np.ascontiguousarray(f)) for f in animation.frames]
    buffer = io.BytesIO()
    images[0].save(buffer, format="WEBP", save_all=True, append_images=images[1:],
                   duration=list(animation.durations_ms), loop=0, quality=int(quality),
                   method=4, **WEBP_KEY_FRAMES)
    return buffer.getvalue()


def mp4_available():
    """True when PyAV, the MP4 writer, can be imported."""
    try:
        import av  # pylint: disable=g-import-not-at-top,unused-import
    except ImportError:
        return False
    return True


def encode_mp4(animation, crf=MP4_CRF):
    """An H.264 MP4 (yuv420p, plays in browsers and phones): bytes.

    Odd sides are padded by one replicated pixel (4:2:0 needs even sides).

    Raises:
        VideoWriterUnavailableError: PyAV is not installed.
    """
    try:
        import av  # pylint: disable=g-import-not-at-top
    except ImportError as e:
        raise VideoWriterUnavailableError(
            "Writing MP4 needs PyAV (pip install av); the WebP was written.") from e
    frames = animation.constant_rate_frames()
    height, width = frames[0].shape[:2]
    pad = ((0, height % 2), (0, width % 2), (0, 0))
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=animation.fps)
        stream.width, stream.height = width + width % 2, height + height % 2
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(int(crf)), "preset": "medium"}
        for frame in frames:
            image = av.VideoFrame.from_ndarray(
                np.ascontiguousarray(np.pad(frame, pad, mode="edge")), format="rgb24")
            for packet in stream.encode(image):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()


def write_morph(stem, animation, mp4=True):
    """Writes `<stem>.webp` and, where PyAV is installed, `<stem>.mp4`, atomically.

    Args:
        stem: path without extension, e.g. `out/face_morph`.
        animation: `Morph`.
        mp4: bool, also write the MP4 when PyAV is installed.

    Returns:
        list of the paths written (the WebP first).
    """
    stem = str(stem)
    written = [stem + ".webp"]
    fileio.write_bytes_atomic(written[0], encode_webp(animation))
    if mp4 and mp4_available():
        written.append(stem + ".mp4")
        fileio.write_bytes_atomic(written[1], encode_mp4(animation))
    return written
