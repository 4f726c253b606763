"""Tests of `motion.video`: the crop and paste geometry, one seed per face for
the whole clip, and steadier output than per-frame processing on a panned
clip with noisy landmarks (EDFM, which exaggerates their noise too; the warp is the real one; the style is left out
so the test measures the geometry's steadiness)."""

import numpy as np
import pytest

from tests.motion import clips
from tf_deepexag import pipeline, warp
from tf_deepexag.detect import Face
from tf_deepexag.motion import video


class _NoisyLandmarker:
    """The true landmarks of frame t (a counter: one face, one call a frame)
    with seeded Gaussian noise of `sigma` px, as a detector would place them."""

    def __init__(self, truth, sigma=1.5):
        self.truth, self.sigma, self.t = truth, sigma, 0
        self.rng = np.random.default_rng(0)

    def _next(self):
        points = self.truth[self.t] + self.rng.normal(0, self.sigma, (68, 2))
        self.t += 1
        return points.astype(np.float32)

    def __call__(self, frame):
        points = self._next()
        return [Face((0, 0, 1, 1), 1.0, np.zeros((5, 2), np.float32), points)]

    def predict_points(self, frame, box, detector):
        return self._next()


class _SeedLog:
    def __init__(self):
        self.seeds = []

    def __call__(self, points, num_samples=1, temperature=0.0, seed=None, strength=1.0):
        self.seeds.append(seed)
        return points[None] * 1.0


def _artist(landmarker, geometry, faces="all"):
    return pipeline.Caricaturist(landmarker, geometry, warp.warp_face, lambda x: x,
                                 crop_size=128, faces=faces)


def _shimmer(outputs, pan, region):
    """Mean |out_t - out_(t-1)| in `region` after undoing the pan: frame to
    frame (the bench's figure compares with the first frame, whose own
    landmark noise then stays in every later frame's difference)."""
    x0, y0, x1, y1 = region
    return np.mean([
        np.abs(b.astype(float)[y0:y1, x0 - pan * (t + 1):x1 - pan * (t + 1)]
               - a.astype(float)[y0:y1, x0 - pan * t:x1 - pan * t]).mean()
        for t, (a, b) in enumerate(zip(outputs, outputs[1:]))])


def test_crop_transform_is_the_still_pipelines_box():
    _, truth = clips.astronaut_frames(1)
    box = pipeline.face_crop_box(truth[0], (128, 128))
    matrix = video.crop_transform(truth[0], 256)
    corners = video._apply(matrix, np.array([[box[0], box[1]], [box[2], box[3]]],
                                            np.float32))  # pylint: disable=protected-access
    np.testing.assert_allclose(corners - 0.5 * matrix[0, 0] + 0.5, [[0, 0], [256, 256]],
                               atol=0.02 * 256)


def test_pasting_a_crop_back_restores_the_frame():
    frames, truth = clips.astronaut_frames(1)
    # The clip's frame in a larger one, so the head's crop lies inside it.
    frame = np.zeros((300, 300, 3), np.uint8)
    frame[100:228, 100:228] = frames[0]
    points = truth[0] + 100
    matrix = video.crop_transform(points, 256)
    crop = video.cv2.warpAffine(frame, matrix, (256, 256), flags=video.cv2.INTER_CUBIC)
    canvas = np.zeros(frame.shape, np.float32)
    video._paste(canvas, crop.astype(np.float32), np.ones((256, 256), np.float32),
                 matrix)  # pylint: disable=protected-access
    x0, y0, x1, y1 = (int(v) for v in pipeline.face_crop_box(points, frame.shape))
    assert 0 < x0 and 0 < y0 and x1 < 300 and y1 < 300
    inner = (slice(y0 + 2, y1 - 2), slice(x0 + 2, x1 - 2))
    assert np.abs(canvas[inner] - frame[inner]).mean() < 3  # two resamplings
    assert (canvas[:y0 - 1] == 0).all() and (canvas[y1 + 1:] == 0).all()  # nothing
    assert (canvas[:, :x0 - 1] == 0).all() and (canvas[:, x1 + 1:] == 0).all()  # outside


def test_every_frame_of_a_face_uses_its_seed():
    frames, truth = clips.astronaut_frames(6)
    log = _SeedLog()
    outputs = list(video.VideoCaricaturist(_artist(_NoisyLandmarker(truth), log))(
        frames, rate=24.0, seed=7))
    assert len(outputs) == 6 and log.seeds == [7] * 6
    assert all(o.shape == frames[0].shape and o.dtype == np.uint8 for o in outputs)


@pytest.mark.slow
def test_video_mode_is_steadier_than_per_frame_processing():
    pan = 2
    frames, truth = clips.astronaut_frames(10, pan=pan)
    x0, y0 = truth[0].min(axis=0).astype(int)
    x1, y1 = truth[0].max(axis=0).astype(int)
    region = (x0, y0, x1, y1)
    edfm = pipeline.build_geometry("edfm")
    per_frame_artist = _artist(_NoisyLandmarker(truth, sigma=1.0), edfm)
    per_frame = [per_frame_artist(f)[0].caricature for f in frames]
    steady = list(video.VideoCaricaturist(_artist(_NoisyLandmarker(truth, sigma=1.0),
                                                  edfm))(frames, rate=24.0))
    # The caricature is there: the face moved by EDFM.
    assert np.abs(steady[0].astype(float) - frames[0]).mean() > 1
    # Measured: 10.2 grey levels per frame, 1.1 in video mode.
    assert _shimmer(steady, pan, region) < 0.25 * _shimmer(per_frame, pan, region)
