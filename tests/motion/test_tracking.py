"""Tests of `motion.tracking`: the One-Euro filter against a scalar reference
written from the paper, the measured image motion against a known shift, and
faces entering and leaving with a scripted landmarker."""

import math

import cv2
import numpy as np
import pytest

from tests.motion import clips
from tf_deepexag.detect import Face
from tf_deepexag.motion import tracking


def _reference_one_euro(xs, rate, min_cutoff, beta, d_cutoff):
    """Casiez et al. (2012), Algorithm 1, one scalar, fixed rate."""
    def alpha(cutoff):
        tau = 1.0 / (2 * math.pi * cutoff)
        return 1.0 / (1.0 + tau * rate)

    out, x_hat, dx_hat = [], None, 0.0
    for x in xs:
        if x_hat is None:
            x_hat = x
        else:
            dx = (x - x_hat) * rate
            dx_hat = dx_hat + alpha(d_cutoff) * (dx - dx_hat)
            cutoff = min_cutoff + beta * abs(dx_hat)
            x_hat = x_hat + alpha(cutoff) * (x - x_hat)
        out.append(x_hat)
    return np.array(out)


def test_one_euro_matches_the_papers_algorithm():
    rng = np.random.default_rng(0)
    xs = np.cumsum(rng.normal(0, 1, 60)) + rng.normal(0, 0.5, 60)
    want = _reference_one_euro(xs, 30.0, 1.0, 0.3, 1.0)
    one = tracking.OneEuroFilter(1.0, 0.3, 1.0)
    got = [one(np.array([[x, 0.0]]), t / 30.0)[0, 0] for t, x in enumerate(xs)]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)


def test_one_euro_quiets_a_still_point_and_follows_a_fast_one():
    rng = np.random.default_rng(1)
    still = rng.normal(0, 1.0, (90, 68, 2))
    one = tracking.OneEuroFilter()
    smooth = np.array([one(x, t / 30.0, scale=100.0) for t, x in enumerate(still)])
    assert smooth[30:].std() < 0.5 * still[30:].std()
    # A face crossing the frame at a face size a second lags less than a fifth of it.
    moving = np.arange(60)[:, None, None] * (100 / 30.0) + still[:60]
    one = tracking.OneEuroFilter()
    follow = np.array([one(x, t / 30.0, scale=100.0) for t, x in enumerate(moving)])
    assert np.abs(follow[30:] - moving[30:] + still[30:60]).mean() < 20


def test_a_filter_moved_with_the_image_does_not_lag():
    rng = np.random.default_rng(2)
    truth = np.array([[50.0, 40.0]]) + np.arange(40)[:, None, None] * [4.0, 0.0]
    noisy = truth + rng.normal(0, 1.0, truth.shape)
    plain, moved = tracking.OneEuroFilter(beta=0.5), tracking.OneEuroFilter(beta=0.5)
    lag_plain, lag_moved = [], []
    for t, x in enumerate(noisy):
        if t:
            moved.move([[1, 0, 4.0], [0, 1, 0]])
        lag_plain.append(plain(x, t / 30.0, scale=60.0) - truth[t])
        lag_moved.append(moved(x, t / 30.0, scale=60.0) - truth[t])
    assert np.abs(np.mean(lag_plain[10:], axis=0)[0, 0]) > 1.5
    assert np.abs(np.mean(lag_moved[10:], axis=0)).max() < 0.5


def test_image_motion_recovers_a_known_shift():
    frames, truth = clips.astronaut_frames(2, pan=3)
    gray = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames]
    motion = tracking.image_motion(gray[0], gray[1], truth[0])
    np.testing.assert_allclose(motion, [[1, 0, -3], [0, 1, 0]], atol=0.1)


class _ScriptedLandmarker:
    """Detections from a script: `faces[t]` lists the (68, 2) points of frame
    t; the shape predictor returns the scripted face nearest its box."""

    def __init__(self, faces):
        self.faces, self.t, self.detected = faces, 0, []

    def __call__(self, frame):
        self.detected.append(self.t)
        found = [Face(tracking.points_box(p), 1.0, np.zeros((5, 2), np.float32), p)
                 for p in self.faces[self.t]]
        if not found:
            from tf_deepexag.detect import NoFaceError  # pylint: disable=g-import-not-at-top
            raise NoFaceError("no face")
        return found

    def predict_points(self, frame, box, detector):
        del frame, detector
        centre = np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2])
        return min(self.faces[self.t], key=lambda p: np.linalg.norm(p.mean(0) - centre))


def _face(x, y, size=30.0):
    rng = np.random.default_rng(int(x * 7 + y))
    return (np.array([x, y]) + rng.uniform(0, size, (68, 2))).astype(np.float32)


def test_faces_enter_fade_in_leave_fade_out_and_keep_their_index():
    # Face A all along; B enters at frame 4 and is gone from frame 12 on.
    script = [[_face(10, 10)] + ([_face(60, 10)] if 4 <= t < 12 else []) for t in range(20)]
    landmarker = _ScriptedLandmarker(script)
    tracker = tracking.FaceTracker(landmarker, detect_every=2, fade_frames=4)
    frame = np.zeros((100, 100, 3), np.uint8)
    seen = []
    for t in range(20):
        landmarker.t = t
        seen.append({track.index: track.opacity for track in tracker(frame, t, t / 10)})
    assert landmarker.detected == list(range(0, 20, 2))
    assert all(s[0] == 1.0 for s in seen)  # in the first frame: shown at once
    assert [round(s.get(1, 0), 2) for s in seen[3:9]] == [0, 0.25, 0.5, 0.75, 1.0, 1.0]
    assert [round(s.get(1, 0), 2) for s in seen[11:17]] == [1.0, 0.75, 0.5, 0.25, 0, 0]
    assert tracker.faces_seen == 2 and [tr.index for tr in tracker.tracks] == [0]


@pytest.mark.parametrize("every", [1, 3])
def test_a_face_leaving_the_frame_is_dropped(every):
    script = [[_face(10 + 12 * t, 10)] for t in range(12)]  # out past x = 100
    landmarker = _ScriptedLandmarker(script)
    tracker = tracking.FaceTracker(landmarker, detect_every=every, fade_frames=2)
    frame = np.zeros((100, 100, 3), np.uint8)
    counts = []
    for t in range(12):
        landmarker.t = t
        counts.append(len(tracker(frame, t, t / 10)))
    assert counts[0] == 1 and counts[-1] == 0
