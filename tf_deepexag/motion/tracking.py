"""Faces followed through a clip: landmarks tracked and smoothed over time.

The detector (MTCNN, ~0.1 s a 640x360 frame on one CPU core) runs every
`detect_every` frames; in between, each face's 68 points are placed again by
the shape predictor (~2 ms) in a box that follows the previous frame's
points. Detections are matched to the faces already followed by the overlap
of their landmark boxes: a matched face keeps its identity (its smoothing
filter, its caricature's seed, its painted history), an unmatched detection
starts a new face, and a face no detection confirms fades out and is dropped.
Faces fade in and out over `fade_frames` frames instead of popping.

The points are smoothed by a One-Euro filter (a low-pass filter whose cutoff
rises with the points' speed) that is motion-compensated: before each frame
the face's image motion is measured (pyramidal Lucas-Kanade optical flow at
the smoothed points, a similarity fitted to it with RANSAC) and the filter's
state is carried along it. Rigid motion (a pan, a turn of the camera) is so
followed without lag, and the filter only smooths what the flow does not
explain: the detector's noise and the face's own changes. Without this a
4 px/frame pan leaves the smoothed points 2-4 px behind the face, varying
from frame to frame, and the painted face shimmers (bench/video.py).

Shapes: N = 68 points, (x, y) pixels of the frame.
"""

import dataclasses
import math

import cv2
import numpy as np

# One-Euro defaults for landmarks, speeds measured in face sizes a second of
# the motion the image flow does not explain (the detector's noise, the face's
# own changes): 1 Hz at rest, ~3 Hz at 0.2 face sizes a second (a mouth
# opening), which halves a still point's noise (tests/motion/test_tracking.py).
MIN_CUTOFF = 1.0
BETA = 10.0
D_CUTOFF = 1.0
_IDENTITY = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


class OneEuroFilter:
    """The One-Euro filter on arrays (each row a point, filtered together).

    Args:
        min_cutoff: float, cutoff frequency (Hz) at rest. Defaults to
            `MIN_CUTOFF`.
        beta: float, how fast the cutoff rises with speed (Hz per unit of
            speed, speed in `scale` units a second). Defaults to `BETA`.
        d_cutoff: float, cutoff (Hz) of the speed estimate. Defaults to
            `D_CUTOFF`.

    Call arguments:
        x: float array `(..., D)`, the new noisy value; rows are points.
        t: float, its time in seconds (increasing).
        scale: float, the unit of speed (e.g. the face's size in pixels).

    Returns:
        float32 array like `x`, the filtered value.

    Mathematical details:
        With `alpha(f, dt) = 1 / (1 + 1 / (2 pi f dt))`:
        `dx_t = (x_t - xhat_{t-1}) / dt`,
        `dxhat_t = dxhat_{t-1} + alpha(d_cutoff, dt) (dx_t - dxhat_{t-1})`,
        `f_t = min_cutoff + beta |dxhat_t| / scale` (per row),
        `xhat_t = xhat_{t-1} + alpha(f_t, dt) (x_t - xhat_{t-1})`.
        Casiez, Roussel & Vogel (2012), "1 Euro filter: a simple speed-based
        low-pass filter for noisy input in interactive systems", CHI, eqs.
        1-4 and Algorithm 1.
    """

    def __init__(self, min_cutoff=MIN_CUTOFF, beta=BETA, d_cutoff=D_CUTOFF):
        if min_cutoff <= 0 or d_cutoff <= 0 or beta < 0:
            raise ValueError(f"One-Euro cutoffs must be positive and beta >= 0, got "
                             f"min_cutoff={min_cutoff}, beta={beta}, d_cutoff={d_cutoff}.")
        self.min_cutoff = float(min_cutoff)
        self.beta = float(beta)
        self.d_cutoff = float(d_cutoff)
        self._x = None
        self._dx = None
        self._t = None

    @staticmethod
    def _alpha(cutoff, dt):
        return 1.0 / (1.0 + 1.0 / (2.0 * math.pi * cutoff * dt))

    def __call__(self, x, t, scale=1.0):
        x = np.asarray(x, np.float64)
        if self._x is None:
            self._x, self._dx, self._t = x, np.zeros_like(x), float(t)
            return x.astype(np.float32)
        dt = float(t) - self._t
        if dt <= 0:
            return self._x.astype(np.float32)
        dx = (x - self._x) / dt
        self._dx = self._dx + self._alpha(self.d_cutoff, dt) * (dx - self._dx)
        speed = np.linalg.norm(self._dx, axis=-1, keepdims=True) / float(scale)
        alpha = self._alpha(self.min_cutoff + self.beta * speed, dt)
        self._x = self._x + alpha * (x - self._x)
        self._t = float(t)
        return self._x.astype(np.float32)

    def move(self, matrix):
        """Carries the filtered value along an affine map `(2, 3)` of the
        plane (the image's measured motion), so motion the map explains is
        followed at once and only the rest is smoothed."""
        if self._x is not None:
            matrix = np.asarray(matrix, np.float64)
            self._x = self._x @ matrix[:, :2].T + matrix[:, 2]


def points_box(points):
    """`(x0, y0, x1, y1)` bounding box of `(N, 2)` points."""
    lo, hi = np.min(points, axis=0), np.max(points, axis=0)
    return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])


def box_iou(a, b):
    """Intersection over union of two `(x0, y0, x1, y1)` boxes."""
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def image_motion(previous, current, points):
    """The similarity `(2, 3)` that best moves `points` of the grey frame
    `previous` onto the same features in `current` (Lucas-Kanade flow at the
    points, RANSAC fit); the identity when too few points are followed."""
    identity = _IDENTITY.copy()
    start = np.asarray(points, np.float32).reshape(-1, 1, 2)
    end, found, _ = cv2.calcOpticalFlowPyrLK(previous, current, start, None,
                                             winSize=(21, 21), maxLevel=3)
    found = found.ravel() == 1
    if found.sum() < 8:
        return identity
    matrix, _ = cv2.estimateAffinePartial2D(start[found], end[found], method=cv2.RANSAC,
                                            ransacReprojThreshold=1.0)
    return identity if matrix is None else matrix


def _apply(matrix, points):
    return (np.asarray(points, np.float64) @ matrix[:, :2].T + matrix[:, 2]).astype(
        np.float32)


def _size(points):
    x0, y0, x1, y1 = points_box(points)
    return max(x1 - x0, y1 - y0, 1.0)


@dataclasses.dataclass(eq=False)
class FaceTrack:
    """One face followed through the clip.

    Attributes:
        index: int, the order in which the face appeared (0 first).
        points: float32 `(N, 2)`, the smoothed landmarks in this frame.
        raw_points: float32 `(N, 2)`, the landmarks as placed in this frame.
        opacity: float in (0, 1], how much of the caricature is shown
            (ramps up as the face enters, down as it leaves).
        motion: float64 `(2, 3)`, the similarity that moved the face from the
            previous frame to this one (the identity in its first frame).
        state: dict, per-face state of later stages (the painted history).
    """

    index: int
    points: np.ndarray
    raw_points: np.ndarray
    opacity: float
    motion: np.ndarray = dataclasses.field(default_factory=lambda: _IDENTITY.copy())
    state: dict = dataclasses.field(default_factory=dict)
    _filter: OneEuroFilter = None
    _box: tuple = None  # the detector box relative to the points' centre and size
    _detector: str = "mtcnn"
    _confirmed: bool = True


class FaceTracker:
    """Finds, follows and smooths the faces of consecutive frames.

    Args:
        landmarker: a `detect.FaceLandmarker` (its `faces` policy decides
            whether one face or all are followed).
        detect_every: int, frames between two runs of the detector.
            Defaults to 8.
        fade_frames: int, frames over which a face fades in or out.
            Defaults to 6.
        min_cutoff, beta: the points' `OneEuroFilter` settings.

    Call arguments:
        frame: uint8 RGB `(H, W, 3)`.
        index: int, the frame's number (0 first).
        t: float, the frame's time in seconds.

    Returns:
        list of `FaceTrack`, the faces shown in this frame.
    """

    def __init__(self, landmarker, detect_every=8, fade_frames=6,
                 min_cutoff=MIN_CUTOFF, beta=BETA):
        if int(detect_every) < 1:
            raise ValueError(f"`detect_every` must be at least 1, got {detect_every}.")
        if int(fade_frames) < 1:
            raise ValueError(f"`fade_frames` must be at least 1, got {fade_frames}.")
        self.landmarker = landmarker
        self.detect_every = int(detect_every)
        self.fade_frames = int(fade_frames)
        self.min_cutoff = min_cutoff
        self.beta = beta
        self.tracks = []
        self.faces_seen = 0
        self._gray = None

    def __call__(self, frame, index, t):
        gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
        if self._gray is not None and self._gray.shape == gray.shape:
            for track in self.tracks:
                track.motion = image_motion(self._gray, gray, track.points)
                track._filter.move(track.motion)
                track.raw_points = _apply(track.motion, track.raw_points)
                track.points = _apply(track.motion, track.points)
        self._gray = gray
        if index % self.detect_every == 0:
            # Faces in the first frame are there from the start: no fade-in.
            self._detect(frame, opacity=1.0 if index == 0 else 0.0)
        else:
            self._follow(frame)
        height, width = frame.shape[:2]
        step = 1.0 / self.fade_frames
        kept = []
        for track in self.tracks:
            cx, cy = np.mean(track.raw_points, axis=0)
            if not (0 <= cx < width and 0 <= cy < height):
                track._confirmed = False  # its centre left the frame
            track.opacity = min(1.0, track.opacity + step) if track._confirmed else (
                track.opacity - step)
            if track.opacity > 1e-6:
                track.points = track._filter(track.raw_points, t,
                                             scale=_size(track.raw_points))
                kept.append(track)
        self.tracks = kept
        return list(self.tracks)

    def _detect(self, frame, opacity):
        from tf_deepexag import detect  # pylint: disable=g-import-not-at-top

        try:
            faces = self.landmarker(frame)
        except detect.NoFaceError:
            faces = []
        unmatched = list(self.tracks)
        for face in faces:
            points = np.asarray(face.points, np.float32)
            box = points_box(points)
            best = max(unmatched, default=None,
                       key=lambda tr, b=box: box_iou(points_box(tr.raw_points), b))
            if best is not None and box_iou(points_box(best.raw_points), box) > 0.3:
                unmatched.remove(best)
                track = best
                track.raw_points, track._confirmed = points, True
            else:
                track = FaceTrack(self.faces_seen, points, points, opacity,
                                  _filter=OneEuroFilter(self.min_cutoff, self.beta))
                self.faces_seen += 1
                self.tracks.append(track)
            centre, size = np.mean(points, axis=0), _size(points)
            track._box = tuple((np.asarray(face.box, np.float32).reshape(2, 2) - centre)
                               .ravel() / size)
            track._detector = face.detector
        for track in unmatched:
            track._confirmed = False
            self._follow_one(frame, track)

    def _follow(self, frame):
        for track in self.tracks:
            self._follow_one(frame, track)

    def _follow_one(self, frame, track):
        centre, size = np.mean(track.raw_points, axis=0), _size(track.raw_points)
        box = (np.asarray(track._box, np.float32).reshape(2, 2) * size + centre).ravel()
        track.raw_points = self.landmarker.predict_points(frame, tuple(box),
                                                          track._detector)
