"""Stand-in stages for fast CLI tests: no detector, no model, no TensorFlow work.

`fake_caricaturist` replaces `pipeline.build_caricaturist` with a
`Caricaturist` whose landmarker puts a fixed face in the middle of any photo,
whose geometry is the identity and whose warp and style copy the crop, so a
caricature is the photo's centre, resized: a photo of one colour gives a
caricature of that colour. `fake_landmarker` replaces `detect.FaceLandmarker`
with one that finds that face in any photo not all black.
"""

import os

import numpy as np
import pytest

from tf_deepexag import detect, fileio, landmarks, pipeline
from tf_deepexag.cli import caricature

_TEMPLATE = landmarks.read_pts(os.path.join(os.path.dirname(pipeline.__file__), "assets",
                                            "astronaut_68.pts"))


def face_points(shape):
    """The astronaut's 68 points moved into the middle half of an image."""
    lo, hi = _TEMPLATE.min(0), _TEMPLATE.max(0)
    unit = (_TEMPLATE - lo) / (hi - lo)
    h, w = shape[:2]
    return (unit * [w / 2, h / 2] + [w / 4, h / 4]).astype(np.float32)


def write_photo(path, colour, size=112):
    """A photo of one colour (RGB)."""
    fileio.write_image(path, np.full((size, size, 3), colour, np.uint8))


class FakeStages:
    """Counts the stylizer's calls (one a sample)."""

    def __init__(self):
        self.stylized = 0
        self.built = 0
        self.on_style = None  # optional callback, run inside a photo's processing

    def stylize(self, image):
        self.stylized += 1
        if self.on_style is not None:
            self.on_style()
        return image

    def build(self, **kwargs):
        del kwargs
        self.built += 1
        return pipeline.Caricaturist(
                landmarker=lambda image: [detect.Face(
                        box=(0, 0, 1, 1), score=1.0, keypoints=np.zeros((5, 2), np.float32),
                        points=face_points(image.shape))],
                geometry=lambda points, num_samples, temperature, seed, strength: np.repeat(
                        np.asarray(points, np.float32)[None], num_samples, axis=0),
                warp=lambda image, src, dst: image, stylizer=self.stylize, crop_size=64)


@pytest.fixture
def fake_caricaturist(monkeypatch):
    stages = FakeStages()
    monkeypatch.setattr(pipeline, "build_caricaturist", stages.build)
    # The stand-ins have nothing to trace, and the counts are of the photos'
    # own calls: no warm-up thread (tests/cli/test_caricature.py tests it).
    monkeypatch.setattr(caricature, "_warm_up", lambda artist: None)
    return stages


class _FakeLandmarker:
    def __init__(self, **kwargs):
        del kwargs

    def __call__(self, image):
        if not image.any():
            raise detect.NoFaceError("No face found in the image")
        points = face_points(image.shape)
        x0, y0 = points.min(0)
        x1, y1 = points.max(0)
        return [detect.Face(box=(x0, y0, x1, y1), score=1.0,
                            keypoints=points[[36, 45, 30, 48, 54]], points=points)]


@pytest.fixture
def fake_landmarker(monkeypatch):
    monkeypatch.setattr(detect, "FaceLandmarker", _FakeLandmarker)
