"""Tests for `tf_deepexag.pipeline` with stand-in stages.

The stand-ins make every expected value computable by hand: a landmarker that
returns known points, a geometry that scales points about their centroid, an
identity warp and an identity style. End-to-end tests with the real stages on
the astronaut photo live in `tests/test_pipeline_astronaut.py`.
"""

import dataclasses

import numpy as np
import pytest

from tf_deepexag import errors, face_crops, fileio, landmarks, pipeline


@dataclasses.dataclass
class _Face:
    points: np.ndarray


def _template(scale=1.0, shift=(0.0, 0.0)):
    points = landmarks.read_pts(
        pipeline.__file__.replace("pipeline.py", "assets/astronaut_68.pts"))
    centre = points.mean(axis=0)
    return ((points - centre) * scale + centre + np.array(shift)).astype(np.float32)


def _scale_geometry(factor):
    def geometry(points, num_samples, temperature, seed, strength):
        del temperature
        centre = points.mean(axis=0)
        with np.errstate(over="ignore", invalid="ignore"):  # strength 1e38 is tested
            base = (points - centre) * (1 + strength * (factor - 1)) + centre
        rng = np.random.default_rng(seed)
        jitter = [rng.normal(0, 0.5, points.shape) if k else 0 for k in range(num_samples)]
        return np.stack([base + j for j in jitter]).astype(np.float32)
    return geometry


def _artist(faces, factor=1.2, mode="largest"):
    return pipeline.Caricaturist(
        landmarker=lambda image: [_Face(f) for f in faces],
        geometry=_scale_geometry(factor),
        warp=lambda image, src, dst: image,
        stylizer=lambda image: 255 - image,
        crop_size=128, faces=mode)


def _photo():
    rng = np.random.default_rng(0)
    return rng.integers(0, 255, (512, 512, 3), dtype=np.uint8)


def test_points_map_into_the_crop_frame():
    result = _artist([_template()])(_photo())[0]
    x0, y0, x1, y1 = result.crop_box
    scale = 128 / (x1 - x0)
    np.testing.assert_allclose(result.photo_points,
                               (_template() - [x0, y0] + 0.5) * scale - 0.5, atol=1e-3)
    # The landmarks sit inside the crop with room around them.
    assert result.photo_points.min() > 5 and result.photo_points.max() < 123


@pytest.mark.parametrize("strength", [0.0, 0.5, 1.0, 2.0])
def test_strength_scales_the_displacement(strength):
    result = _artist([_template()], factor=1.2)(_photo(), strength=strength)[0]
    centre = result.photo_points.mean(axis=0)
    expected = result.photo_points + strength * 0.2 * (result.photo_points - centre)
    np.testing.assert_allclose(result.generated_points, expected, atol=1e-3)


def test_largest_face_is_chosen_and_samples_differ():
    small, big = _template(0.5, (-120, 150)), _template(1.0)
    results = _artist([small, big])(_photo(), num_samples=3, seed=7)
    assert len(results) == 3
    np.testing.assert_allclose(results[0].crop_box, face_crops.face_crop_box(big, (512, 512)))
    assert not np.allclose(results[1].generated_points, results[2].generated_points)
    again = _artist([small, big])(_photo(), num_samples=3, seed=7)
    np.testing.assert_array_equal(again[2].generated_points, results[2].generated_points)


def test_all_faces_are_pasted_back_and_background_is_kept():
    small, big = _template(0.5, (-120, 170)), _template(1.0)
    photo = _photo()
    result = _artist([small, big], mode="all")(photo)[0]
    assert result.caricature.shape == photo.shape
    changed = np.any(result.caricature != photo, axis=-1)
    # Both faces changed (the stand-in style inverts colours) ...
    for face in (small, big):
        cx, cy = np.round(face.mean(axis=0)).astype(int)
        assert changed[cy, cx]
    # ... and far corners did not.
    assert not changed[:20, -20:].any() and not changed[-20:, -20:].any()


def test_crop_leaving_the_photo_is_padded():
    face = _template(1.0, (-200, -60))  # partly outside the left/top edge
    result = _artist([face])(_photo())[0]
    assert result.photo.shape == (128, 128, 3)
    assert result.crop_box[0] < 0


def test_bad_arguments():
    with pytest.raises(ValueError, match="`faces`"):
        pipeline.Caricaturist(None, None, None, None, faces="some")
    with pytest.raises(ValueError, match="`num_samples`"):
        _artist([_template()])(_photo(), num_samples=0)
    with pytest.raises(ValueError, match="`strength` must be a finite number"):
        _artist([_template()])(_photo(), strength=float("nan"))
    with pytest.raises(errors.NoFaceError, match="No face"):
        _artist([])(_photo())


@pytest.mark.parametrize("num_samples,temperature", [(1, None), (3, None), (2, 0.7)])
def test_arguments_reach_the_geometry_stage_unresolved(num_samples, temperature):
    # The geometry resolves the temperature (geometry.resolve_temperature) and
    # applies the strength, once: the pipeline passes both through.
    seen = []

    def geometry(points, num_samples, temperature, seed, strength):
        seen.append((num_samples, temperature, seed, strength))
        return np.repeat(points[None], num_samples, axis=0)

    artist = pipeline.Caricaturist(
        landmarker=lambda image: [_Face(_template())], geometry=geometry,
        warp=lambda image, src, dst: image, stylizer=lambda image: image, crop_size=128)
    artist(_photo(), num_samples=num_samples, temperature=temperature, seed=5, strength=0.5)
    assert seen == [(num_samples, temperature, 5, 0.5)]


def test_edfm_and_identity_stages_apply_strength_once():
    points = _template()
    for spec in ("edfm", "identity"):
        stage = pipeline.build_geometry(spec)
        full = stage(points, num_samples=2)
        assert full.shape == (2, 68, 2)
        half = stage(points, strength=0.5)[0]
        np.testing.assert_allclose(half, points + 0.5 * (full[0] - points), atol=1e-3)
    assert np.abs(pipeline.build_geometry("edfm")(points)[0] - points).max() > 1.0


def test_strength_must_be_a_finite_non_negative_number():
    artist = _artist([_template()])
    for bad in (-1.0, float("inf"), "big"):
        with pytest.raises(errors.UserError, match="`strength` must be"):
            artist(_photo(), strength=bad)


def test_strength_moving_points_out_of_reach_is_named():
    # 1e30 gave a singular spline system (InvalidArgumentError) before.
    with pytest.raises(errors.UserError, match=r"`strength`=1e\+30 moves the landmarks"):
        _artist([_template()])(_photo(), strength=1e30)
    with pytest.raises(errors.UserError, match="`strength`=1e\\+38"):
        _artist([_template()])(_photo(), strength=1e38)  # inf in float32


def test_a_singular_warp_is_a_user_error():
    import tensorflow as tf  # pylint: disable=g-import-not-at-top

    def warp(image, src, dst):
        raise tf.errors.InvalidArgumentError(None, None, "Input matrix is not invertible.")

    artist = pipeline.Caricaturist(
        landmarker=lambda image: [_Face(_template())], geometry=_scale_geometry(1.2),
        warp=warp, stylizer=lambda image: image, crop_size=128)
    with pytest.raises(errors.UserError, match="spline system is singular"):
        artist(_photo())


@dataclasses.dataclass
class _TurnedFace:
    points: np.ndarray
    rotation: int


@pytest.mark.parametrize("quarter_turns", [1, 2, 3])
def test_a_face_found_turned_is_caricatured_upright(quarter_turns):
    # The landmarker found the face in np.rot90(photo, k) and mapped its
    # points back to the photo (detect.FaceLandmarker(try_rotations=True)).
    upright = _photo()[:, :384]  # not square: width and height must not mix up
    sideways = np.ascontiguousarray(np.rot90(upright, -quarter_turns))
    points = np.round(_template())
    h, w = upright.shape[:2]
    x, y = points[:, 0], points[:, 1]
    in_sideways = np.stack({1: (h - 1 - y, x), 2: (w - 1 - x, h - 1 - y),
                            3: (y, w - 1 - x)}[quarter_turns], axis=-1).astype(np.float32)
    ix, iy = in_sideways.astype(int).T
    np.testing.assert_array_equal(sideways[iy, ix], upright[y.astype(int), x.astype(int)])
    turned = _artist([], factor=1.0)
    turned.landmarker = lambda image: [_TurnedFace(in_sideways, 90 * quarter_turns)]
    straight = _artist([points], factor=1.0)
    turned, straight = turned(sideways)[0], straight(upright)[0]
    np.testing.assert_allclose(turned.photo_points, straight.photo_points, atol=1e-3)
    assert turned.crop_box == straight.crop_box
    np.testing.assert_array_equal(turned.caricature, straight.caricature)


def test_a_small_face_warning_names_the_photo(tmp_path, caplog):
    path = tmp_path / "group.png"
    fileio.write_image(path, _photo())
    _artist([_template(scale=0.2)])(str(path))
    assert f"Face 0 of {path} is only" in caplog.text
