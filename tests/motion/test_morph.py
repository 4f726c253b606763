"""Tests for `tf_deepexag.motion.morph`: frames, timing, the WebP and MP4 files.

The geometry is checked on a crafted crop (one bright disc on a flat
background) whose every frame is known by hand: the disc sits where the
landmark under it is at the eased fraction `t`, and the background is the
photo's and the washed-out "style's" grey mixed by `t`. The files are checked
on the astronaut, against the crop and the still caricature written as PNG.
"""

import dataclasses
import io
import os
import types

import numpy as np
import pytest
import skimage.data
from PIL import Image

from tf_deepexag import errors, fileio, landmarks, motion, pipeline, warp
from tf_deepexag.motion import morph as morph_lib

CROP = 128
# The astronaut's crop: half the pipeline's 512, so lossy WebP meets a face's
# detail at about the density it meets in use (at 128 px the whole astronaut's
# hair, suit and flag fall inside the 4:2:0 chroma blocks).
ASTRONAUT_CROP = 256
ASTRONAUT_POINTS = landmarks.read_pts(
    pipeline.__file__.replace("pipeline.py", "assets/astronaut_68.pts"))
NOSE_TIP = 30  # iBUG 300-W markup


@dataclasses.dataclass
class _Face:
    points: np.ndarray


def _invert(image):
    return 255 - np.asarray(image)


def _wash(image):
    """A stand-in style that keeps contrast's sign: 40 -> 120, 200 -> 200."""
    return (np.asarray(image) // 2 + 100).astype(np.uint8)


@pytest.fixture(scope="module")
def astronaut_result():
    """The astronaut's caricature: known landmarks, a face 15 % wider about its
    centre, the real warp, an inverting style, a 256-px crop."""

    def geometry(points, num_samples, temperature, seed, strength):
        del temperature, seed
        centre = points.mean(axis=0)
        target = (points - centre) * [1.15, 1.0] + centre
        return np.repeat((points + strength * (target - points))[None], num_samples, 0)

    artist = pipeline.Caricaturist(
        landmarker=lambda image: [_Face(ASTRONAUT_POINTS)], geometry=geometry,
        warp=warp.warp_face, stylizer=_invert, crop_size=ASTRONAUT_CROP)
    return artist(skimage.data.astronaut())[0]


def _identity_warp(image, src, dst):
    del src, dst
    return image


def _disc_result(shift=(10.0, -6.0), warp_fn=warp.warp_face):
    """A flat crop (grey 40) with a bright disc on the nose tip; the face moves by `shift`."""
    photo_points = (ASTRONAUT_POINTS - ASTRONAUT_POINTS.min(0)) * 0.5 + 20.0
    generated = photo_points + shift
    yy, xx = np.mgrid[:CROP, :CROP]
    x, y = photo_points[NOSE_TIP]
    disc = (xx - x) ** 2 + (yy - y) ** 2 <= 3.0 ** 2
    photo = np.full((CROP, CROP, 3), 40, np.uint8)
    photo[disc] = 200
    warped = warp_fn(photo, photo_points, generated)
    return pipeline.CaricatureResult(_wash(warped), photo, photo_points.astype(np.float32),
                                     generated.astype(np.float32), warped, (0, 0, CROP, CROP))


@pytest.mark.slow  # the warp's XLA programs compile per image size
def test_the_disc_follows_its_landmark_and_the_style_fades_in():
    shift = np.array([10.0, -6.0])
    result = _disc_result(shift)
    animation = motion.make_morph(result, warp.warp_face)
    steps = morph_lib.TRANSITION_FRAMES
    u = np.arange(steps + 1) / steps
    t = 3 * u ** 2 - 2 * u ** 3  # smoothstep, written out
    assert len(animation.frames) == len(t)
    start = None
    for frame, fraction in zip(animation.frames, t):
        frame = frame.astype(np.float64)
        background = 40 + fraction * (120 - 40)  # photo 40, washed 120
        np.testing.assert_allclose(frame[0, 0], background, atol=1.0)
        weight = np.abs(frame[..., 0] - background)
        weight[weight < 10] = 0
        yy, xx = np.mgrid[:CROP, :CROP]
        centroid = np.array([(weight * xx).sum(), (weight * yy).sum()]) / weight.sum()
        start = centroid if start is None else start  # the pixel disc's own centre
        np.testing.assert_allclose(centroid, start + fraction * shift, atol=0.5)
    np.testing.assert_array_equal(animation.frames[0], result.photo)
    np.testing.assert_array_equal(animation.frames[-1], result.caricature)


def test_timing_is_about_two_seconds_with_both_ends_held():
    animation = motion.make_morph(_disc_result(warp_fn=_identity_warp), _identity_warp)
    assert animation.periods[0] > 1 and animation.periods[-1] > 1
    assert set(animation.periods[1:-1]) == {1}
    assert 1.5 <= animation.seconds <= 2.5
    assert len(animation.constant_rate_frames()) == sum(animation.periods)
    assert sum(animation.durations_ms) == pytest.approx(1000 * animation.seconds, abs=2)


def _webp_frames(data):
    """`[(frame, duration ms)]` of an animated WebP, and its loop count."""
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "WEBP" and image.is_animated
        frames = []
        for k in range(image.n_frames):
            image.seek(k)
            frames.append((np.asarray(image.convert("RGB")), image.info["duration"]))
        return frames, image.info["loop"]


def _mean_grey_difference(a, b):
    return float(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)).mean())


@pytest.mark.slow
def test_webp_loops_from_the_crop_to_the_still_caricature(astronaut_result, tmp_path):
    animation = motion.make_morph(astronaut_result, warp.warp_face)
    fileio.write_image(tmp_path / "still.png", astronaut_result.caricature)
    still = fileio.read_image(tmp_path / "still.png")
    written = motion.write_morph(tmp_path / "face_morph", animation,
                                 mp4=False)
    assert written == [str(tmp_path / "face_morph.webp")]
    frames, loop = _webp_frames((tmp_path / "face_morph.webp").read_bytes())
    assert loop == 0  # forever
    # libwebp merges frames that encode alike, adding their durations.
    assert len(frames) >= len(animation.frames) // 2
    assert sum(d for _, d in frames) == sum(animation.durations_ms)
    assert _mean_grey_difference(frames[0][0], astronaut_result.photo) <= 3
    assert _mean_grey_difference(frames[-1][0], still) <= 3
    # The middle is neither end: the face is on its way.
    middle = frames[len(frames) // 2][0]
    assert _mean_grey_difference(middle, astronaut_result.photo) > 20
    assert _mean_grey_difference(middle, still) > 20
    assert sorted(os.listdir(tmp_path)) == ["face_morph.webp", "still.png"]


@pytest.mark.slow
def test_mp4_has_every_period_as_a_frame(astronaut_result, tmp_path):
    av = pytest.importorskip("av")
    animation = motion.make_morph(astronaut_result, warp.warp_face)
    written = motion.write_morph(tmp_path / "m", animation)
    assert written == [str(tmp_path / "m.webp"), str(tmp_path / "m.mp4")]
    with av.open(str(tmp_path / "m.mp4")) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.average_rate == motion.FPS
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
    assert len(frames) == sum(animation.periods)
    assert frames[0].shape == (ASTRONAUT_CROP, ASTRONAUT_CROP, 3)
    assert _mean_grey_difference(frames[0], astronaut_result.photo) <= 3
    assert _mean_grey_difference(frames[-1], astronaut_result.caricature) <= 3


def test_the_path_follows_a_plane_map_when_the_result_has_one():
    rng = np.random.default_rng(0)
    landmarks_only = _disc_result(warp_fn=_identity_warp)
    sources, path = motion.geometry_path(landmarks_only)
    np.testing.assert_allclose(sources, landmarks_only.photo_points)
    np.testing.assert_allclose(path(0.25), landmarks_only.photo_points + 0.25 * (
        landmarks_only.generated_points - landmarks_only.photo_points), atol=1e-4)
    # Controls and pins (the pins' targets are their sources).
    source = rng.uniform(0, 128, (80, 2))
    target = np.concatenate([source[:68] + rng.normal(0, 3, (68, 2)), source[68:]])
    mapped = types.SimpleNamespace(  # a result of the pipeline that warps by a map
        photo_points=landmarks_only.photo_points,
        generated_points=landmarks_only.generated_points,
        plane_map=types.SimpleNamespace(source=source, target=target))
    sources, path = motion.geometry_path(mapped)
    np.testing.assert_allclose(sources, source, atol=1e-4)
    np.testing.assert_allclose(path(1.0), target, atol=1e-4)
    np.testing.assert_allclose(path(0.5)[68:], source[68:], atol=1e-4)  # pins stay


def test_mp4_without_pyav_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "av", None)
    assert not motion.mp4_available()
    with pytest.raises(motion.VideoWriterUnavailableError, match="pip install av"):
        motion.encode_mp4(motion.make_morph(_disc_result(warp_fn=_identity_warp),
                                            _identity_warp))


def test_a_pasted_back_caricature_is_refused():
    result = _disc_result(warp_fn=_identity_warp)
    whole_photo = dataclasses.replace(result, caricature=np.zeros((300, 200, 3), np.uint8))
    with pytest.raises(errors.UserError, match="faces='largest'"):
        motion.make_morph(whole_photo, warp.warp_face)
