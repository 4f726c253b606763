"""Caricatures of video clips, one frame at a time.

`VideoCaricaturist` runs a `pipeline.Caricaturist`'s stages (detect, geometry,
warp, style) on a stream of frames and pastes each followed face's caricature
back into its frame; `caricature_clip` streams a clip file through it into an
MP4 (decode, process, encode, one frame in memory at a time).

What keeps the caricature steady over time:
1. the landmarks are tracked and smoothed (`tracking.FaceTracker`, One-Euro);
2. the face crop (the still pipeline's square around the head, at
   sub-pixel precision) is carried along the face's measured image motion
   and placed afresh on the smoothed landmarks only when the two differ by
   more than `REANCHOR` of its side: a face moving rigidly gives the same
   crop in every frame (the style paints a crop moved by a pixel quite
   differently: 2.3 grey levels on bench/video.py's clip);
3. each face keeps one seed for the whole clip (`seed + 1000 * k` for the
   k-th face to appear, the still pipeline's rule), so the geometry model
   draws the same noise: one consistent caricature;
4. the exaggeration (the geometry's control points' displacement, in crop
   pixels) is smoothed by a second One-Euro filter, and the crop is warped by
   the map of the plane through the smoothed controls and the pins of the
   face frame (`plane_map.PlaneMap`, as the still pipeline warps);
5. the painted crop is blended with the previous frame's, in crop
   coordinates, i.e. aligned by the tracked motion: where the warped crop
   did not change (`|difference| < history_tolerance` grey levels) the
   history keeps up to `history` of the result, where it changed (a blink,
   the mouth) the new painting wins. This removes the style's shimmer
   (bench/video.py measures it).

Shapes: N landmarks; S = the artist's crop size; H, W frame size.
"""

import dataclasses
import time

import cv2
import numpy as np

from tf_deepexag import face_crops, pipeline, plane_map
from tf_deepexag import landmarks as landmarks_lib
from tf_deepexag.geometry_stage import stage_controls
from tf_deepexag.motion import clip_io
from tf_deepexag.motion import tracking

# The share of the previous painted crop kept where the scene is still.
HISTORY = 0.7
# Grey levels (mean over channels, of the warped crop before the style) at
# which a pixel counts as changed and takes the new painting alone.
HISTORY_TOLERANCE = 12.0
# One-Euro settings of the exaggeration (speed in crop sides a second).
DISPLACEMENT_MIN_CUTOFF = 0.5
DISPLACEMENT_BETA = 2.0
# How far (a share of the crop's side, at its corners) the crop carried along
# the motion may drift from the landmarks' crop before it is placed afresh.
REANCHOR = 0.03


@dataclasses.dataclass(frozen=True)
class ClipReport:
    """What `caricature_clip` did.

    Attributes:
        frames: int, frames written.
        faces: int, distinct faces followed (0: the clip was copied through).
        seconds: float, wall time of the processing loop.
    """

    frames: int
    faces: int
    seconds: float

    @property
    def fps(self):
        return self.frames / self.seconds if self.seconds > 0 else float("inf")


def crop_transform(points, crop_size):
    """The affine map `(2, 3)` of frame pixels to the face crop's pixels.

    The crop is `pipeline.face_crop_box`'s square, at sub-pixel precision:
    `plane_map.head_box`, around the head centre of the face frame.
    """
    x0, y0, x1, y1 = plane_map.head_box(points)
    cx, cy = 0.5 * float(x0 + x1), 0.5 * float(y0 + y1)
    half = max(0.5 * float(x1 - x0), 8.0)
    s = crop_size / (2.0 * half)
    # Pixel centres: u = (x - x0 + 0.5) s - 0.5, as `cv2.resize` maps a box.
    return np.array([[s, 0.0, (half - cx + 0.5) * s - 0.5],
                     [0.0, s, (half - cy + 0.5) * s - 0.5]], np.float64)


def _apply(matrix, points):
    return (points @ matrix[:, :2].T + matrix[:, 2]).astype(np.float32)


def _compose(outer, inner):
    """The affine map `x -> outer(inner(x))`, both `(2, 3)`."""
    return np.concatenate([outer[:, :2] @ inner[:, :2],
                           (outer[:, :2] @ inner[:, 2] + outer[:, 2])[:, None]], axis=1)


def _drift(matrix, wanted, size):
    """Crop pixels by which `matrix` misplaces the corners of `wanted`'s crop."""
    corners = np.array([[0, 0], [size, 0], [0, size], [size, size]], np.float64)
    in_frame = _apply(cv2.invertAffineTransform(wanted), corners)
    return float(np.max(np.linalg.norm(_apply(matrix, in_frame) - corners, axis=1)))


def _place_crop(state, points, motion, size):
    """The frame-to-crop map of this frame (see the module docstring, 2.);
    re-aligns the painted history when the crop is placed afresh."""
    wanted = crop_transform(points, size)
    if "crop" not in state:
        state["crop"] = wanted
        return wanted
    carried = _compose(state["crop"], cv2.invertAffineTransform(motion))
    if _drift(carried, wanted, size) > REANCHOR * size:
        realign = _compose(wanted, cv2.invertAffineTransform(carried))
        for key in ("painted", "warped"):
            if key in state:
                state[key] = cv2.warpAffine(state[key], realign, (size, size),
                                            flags=cv2.INTER_LINEAR,
                                            borderMode=cv2.BORDER_REPLICATE)
        carried = wanted
    state["crop"] = carried
    return carried


def _paste(frame, crop, mask, matrix):
    """Blends `crop` (float `(S, S, 3)`) with `mask` into `frame` (float, in
    place) through the inverse of `matrix`, on the crop's footprint only."""
    height, width = frame.shape[:2]
    inverse = cv2.invertAffineTransform(matrix)
    corners = _apply(inverse, np.array([[-1, -1], [crop.shape[1], crop.shape[0]]],
                                       np.float32))
    x0, y0 = np.maximum(np.floor(corners[0]).astype(int), 0)
    x1, y1 = np.minimum(np.ceil(corners[1]).astype(int) + 1, [width, height])
    if x0 >= x1 or y0 >= y1:
        return
    shifted = matrix.copy()
    shifted[:, 2] += matrix[:, :2] @ np.array([x0, y0], np.float64)
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    size = (int(x1 - x0), int(y1 - y0))
    region_crop = cv2.warpAffine(crop, shifted, size, flags=flags,
                                 borderMode=cv2.BORDER_REPLICATE)
    region_mask = cv2.warpAffine(mask, shifted, size, flags=flags,
                                 borderMode=cv2.BORDER_CONSTANT, borderValue=0)[..., None]
    region = frame[y0:y1, x0:x1]
    region += region_mask * (region_crop - region)


class VideoCaricaturist:
    """Caricatures the faces of consecutive frames, steadily (see the module
    docstring for how).

    Args:
        artist: a `pipeline.Caricaturist` (its landmarker, geometry, warp,
            stylizer and crop size are used; its `faces` policy is the
            landmarker's).
        detect_every: int, frames between runs of the face detector.
            Defaults to 8.
        history: float in [0, 1), the painted history's largest share.
            Defaults to `HISTORY` (0 paints every frame afresh).
        history_tolerance: float, see `HISTORY_TOLERANCE`.

    Call arguments:
        frames: iterable of uint8 RGB `(H, W, 3)` frames.
        rate: float, frames per second (the filters' clock).
        strength, temperature, seed: as `Caricaturist.__call__` (one sample).

    Returns:
        a generator of uint8 RGB `(H, W, 3)` frames; `faces_seen` counts the
        faces followed so far.

    Example:
        >>> artist = pipeline.build_caricaturist(faces="all", compile_geometry=True)
        >>> frames = VideoCaricaturist(artist)(clip_frames, rate=30.0, seed=0)
    """

    def __init__(self, artist, detect_every=8, history=HISTORY,
                 history_tolerance=HISTORY_TOLERANCE):
        if not 0.0 <= float(history) < 1.0:
            raise ValueError(f"`history` must be in [0, 1), got {history}.")
        self.artist = artist
        self.detect_every = int(detect_every)
        self.history = float(history)
        self.history_tolerance = float(history_tolerance)
        self.faces_seen = 0

    def __call__(self, frames, rate, strength=1.0, temperature=0.0, seed=0):
        strength = pipeline.check_strength(strength)
        tracker = tracking.FaceTracker(self.artist.landmarker, self.detect_every)
        for index, frame in enumerate(frames):
            t = index / float(rate)
            tracks = tracker(frame, index, t)
            self.faces_seen = tracker.faces_seen
            if not tracks:
                yield frame
                continue
            canvas = frame.astype(np.float32)
            for track in tracks:
                crop, mask, matrix = self._face(frame, track, t, strength, temperature,
                                                seed)
                _paste(canvas, crop, mask * track.opacity, matrix)
            yield np.clip(canvas + 0.5, 0, 255).astype(np.uint8)

    def _face(self, frame, track, t, strength, temperature, seed):
        size = self.artist.crop_size
        state = track.state
        matrix = _place_crop(state, track.points, track.motion, size)
        crop = cv2.warpAffine(frame, matrix, (size, size), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)
        crop_points = _apply(matrix, track.points)
        source, (target,) = stage_controls(
            self.artist.geometry, crop_points, 1, temperature,
            None if seed is None else int(seed) + 1000 * track.index, strength, crop)
        pipeline.check_in_reach(target, size, strength)
        landmarks_lib.check_points(target[:len(crop_points)], name="generated points")
        smoother = state.setdefault("displacement", tracking.OneEuroFilter(
            DISPLACEMENT_MIN_CUTOFF, DISPLACEMENT_BETA))
        target = source + smoother(target - source, t, scale=size)
        plane = plane_map.unfolded(source, target, plane_map.pinned_points(crop_points))
        warped = np.asarray(pipeline._warp(self.artist.warp, crop, plane.source,  # pylint: disable=protected-access
                                           plane.target), np.uint8)
        painted = np.asarray(self.artist.stylizer(warped), np.float32)
        if self.history > 0 and "painted" in state:
            change = np.abs(warped.astype(np.float32) - state["warped"]).mean(axis=-1)
            change = cv2.GaussianBlur(change, (0, 0), sigmaX=2.0)
            keep = self.history * np.clip(1.0 - change / self.history_tolerance, 0, 1)
            painted += keep[..., None] * (state["painted"] - painted)
        state["painted"], state["warped"] = painted, warped.astype(np.float32)
        return painted, face_crops.feathered_mask(
            size, *face_crops.paste_points(plane, crop_points)), matrix


def caricature_clip(artist, source, destination, strength=1.0, temperature=0.0, seed=0,
                    max_pixels=None, detect_every=8, progress=None):
    """Writes the caricature of a clip as an MP4 (H.264, the input's audio).

    Args:
        artist: a `pipeline.Caricaturist`.
        source: a video file FFmpeg reads.
        destination: the `.mp4` to write (atomically: nothing appears on
            failure).
        strength, temperature, seed: see `VideoCaricaturist`.
        max_pixels: int or None, the largest frame accepted. Defaults to the
            artist's `max_pixels`.
        detect_every: see `VideoCaricaturist`.
        progress: None, or a callable `(frames, total) -> frames` wrapping
            the iterable of output frames (a progress bar; `total` is the
            count the clip declares, 0 if none).

    Returns:
        `ClipReport`.

    Raises:
        clip_io.VideoReadError: not a readable video, truncated, too large.
    """
    if max_pixels is None:
        max_pixels = artist.max_pixels
    video = VideoCaricaturist(artist, detect_every=detect_every)
    start = time.perf_counter()
    with clip_io.open_clip(source, max_pixels) as clip, \
            clip_io.ClipWriter(destination, clip.info) as writer:
        frames = video(clip.frames(), float(clip.info.rate), strength, temperature, seed)
        if progress is not None:
            frames = progress(frames, clip.info.frames)
        for frame in frames:
            writer.write(frame)
    return ClipReport(writer.frames_written, video.faces_seen,
                      time.perf_counter() - start)
