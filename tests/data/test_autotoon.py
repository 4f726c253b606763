"""AutoToon reader: warp fields with known answers, a small clone, the split."""

import os
import types

import numpy as np
import pytest
from PIL import Image

from tf_deepexag import landmarks
from tf_deepexag.data import autotoon, autotoon_warp
from tf_deepexag.geometry import evaluation

SIDE = 760  # > 700: the authors' crop leaves a 30 px margin, centre 379.5.
CENTRE = (SIDE - 1) / 2.0


def _linear_field(a, h=32):
    """flow_x = a * gx, flow_y = 0 on a (2, h, h) grid (gx in [-1, 1]):
    bilinear upsampling reproduces a linear field exactly."""
    g = np.linspace(-1.0, 1.0, h)
    field = np.zeros((2, h, h), np.float32)
    field[0] = a * g[None, :]
    return field


def test_frame_round_trip_and_centre():
    p = np.array([[CENTRE, CENTRE], [30.0, 729.0]])
    m = autotoon_warp.image_to_model(p, (SIDE, SIDE))
    # The crop's centre is the model frame's centre; the crop's first pixel
    # centre maps to cv2.resize's (0 + 0.5) * 256 / 700 - 0.5.
    np.testing.assert_allclose(m[0], [127.5, 127.5])
    np.testing.assert_allclose(m[1], [0.5 * 256 / 700 - 0.5, 699.5 * 256 / 700 - 0.5])
    np.testing.assert_allclose(autotoon_warp.model_to_image(m, (SIDE, SIDE)), p)


def test_constant_field_is_a_translation():
    # source(q) = q + 127.5 c, so q = p - 127.5 c (model px) = p - 127.5 c * 700/256.
    field = np.zeros((2, 32, 32), np.float32)
    field[0], field[1] = 0.04, -0.02
    p = np.array([[300.0, 350.0], [420.0, 500.0]])
    q, residual = autotoon_warp.map_points(field, p, (SIDE, SIDE))
    shift = 127.5 * np.array([0.04, -0.02]) * 700 / 256
    np.testing.assert_allclose(q, p - shift, atol=1e-6)
    assert residual < 1e-5


def test_linear_field_scales_about_the_centre():
    # source(q) = q + a (q - c)  =>  q = c + (p - c) / (1 + a) in x; y unchanged.
    a = 0.25
    p = np.array([[250.0, 300.0], [500.0, 410.0], [CENTRE, 600.0]])
    q, _ = autotoon_warp.map_points(_linear_field(a), p, (SIDE, SIDE))
    np.testing.assert_allclose(q[:, 0], CENTRE + (p[:, 0] - CENTRE) / (1 + a), atol=1e-6)
    np.testing.assert_allclose(q[:, 1], p[:, 1], atol=1e-6)


def test_warped_image_shows_the_photo_point_where_invert_says():
    # Independent of `invert`: the authors' backward warp moves a dot's image.
    rng = np.random.default_rng(0)
    field = (rng.normal(size=(2, 4, 4)) * 0.05).astype(np.float32)
    image = np.zeros((256, 256, 1))
    p = np.array([100.0, 140.0])
    image[140, 100] = 1.0
    warped = autotoon_warp.warp_image(image, field)[..., 0]
    q, _ = autotoon_warp.invert(field, p[None])
    peak = np.array(np.unravel_index(np.argmax(warped), warped.shape))[::-1]
    assert np.max(np.abs(peak - q[0])) <= 1.0


def test_invert_solves_a_folding_field():
    # A squeeze strong enough to fold (negative Jacobian) in places.
    rng = np.random.default_rng(3)
    field = (rng.normal(size=(2, 32, 32)) * 0.06).astype(np.float32)
    p = rng.uniform(40, 215, (68, 2))
    q, residual = autotoon_warp.invert(field, p)
    assert residual < 1e-4
    np.testing.assert_allclose(autotoon_warp.source(field, q), p, atol=1e-4)


def test_check_field_rejects_bad_shapes():
    with pytest.raises(ValueError, match="field"):
        autotoon_warp.check_field(np.zeros((32, 32, 2)))
    with pytest.raises(ValueError, match="larger than 700"):
        autotoon_warp.crop_box((512, 512))


def _write_clone(root, num=12, a=0.1):
    """A clone-like tree: dataset/{photos,caricatures,warp16,warp32} + metadata."""
    base = os.path.join(root, "dataset")
    for folder in autotoon.FOLDERS:
        os.makedirs(os.path.join(base, folder))
    open(os.path.join(base, "photos", ".DS_Store"), "w").close()
    image = Image.new("RGB", (SIDE, SIDE), (120, 110, 100))
    lines = ["\ufeffID,Num Faces,Flickr URL,License,Artist,In Paper"]
    for i in range(1, num + 1):
        stem = f"{i:05d}"
        image.save(os.path.join(base, "photos", stem + ".png"))
        image.save(os.path.join(base, "caricatures", stem + ".png"))
        np.save(os.path.join(base, "warp32", stem + ".npy"), _linear_field(a, 32))
        np.save(os.path.join(base, "warp16", stem + ".npy"), _linear_field(a, 16))
        lines.append(f"{i},1,https://flic.kr/p/x{i},CC BY 2.0,Someone,0")
    with open(os.path.join(base, autotoon.METADATA_FILE), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return base


def _landmarker(points):
    def detect(path):
        if "00003" in path and "caricatures" in path:
            raise ValueError("no face")  # A caricature the detector misses.
        return [types.SimpleNamespace(points=points)]
    return detect


def test_read_clone_maps_points_and_keeps_the_split(tmp_path):
    _write_clone(str(tmp_path))
    # A real face (the shipped pair 00001), halved into the 760-px frame.
    photo = ((autotoon.load_autotoon_landmarks().photo[0] - 512) * 0.5
             + CENTRE).astype(np.float32)
    lm = autotoon.read_autotoon(str(tmp_path), landmarker=_landmarker(photo),
                                progress=False)
    assert lm.ids.tolist() == [f"{i:05d}" for i in range(1, 13)]
    # Positions 1 and 10 of the sorted list are in the authors' test split.
    assert lm.ids[lm.is_test].tolist() == ["00002", "00011"]
    expected_x = CENTRE + (photo[:, 0] - CENTRE) / 1.1
    np.testing.assert_allclose(lm.caricature[:, :, 0], np.broadcast_to(expected_x, (12, 68)),
                               atol=1e-3)
    # The head points (all inside the crop here) move by the same field.
    head = landmarks.head_points(photo.astype(np.float64)).numpy()
    assert head.min() > 40 and head.max() < 720
    np.testing.assert_allclose(lm.photo_head[0], head, atol=1e-3)
    np.testing.assert_allclose(lm.caricature_head[:, :, 0],
                               np.broadcast_to(CENTRE + (head[:, 0] - CENTRE) / 1.1,
                                               (12, len(head))), atol=1e-3)
    np.testing.assert_allclose(lm.caricature_head[:, :, 1],
                               np.broadcast_to(head[:, 1], (12, len(head))), atol=1e-3)
    both = lm.pairs("test", head=True)
    assert both.photo.shape == (2, 68 + landmarks.NUM_HEAD_POINTS, 2)
    np.testing.assert_allclose(both.caricature[:, 68:], lm.caricature_head[lm.is_test])
    assert lm.licence[0] == "CC BY 2.0" and lm.source[4] == "https://flic.kr/p/x5"
    assert lm.author[1] == "Someone"
    assert np.isnan(lm.detected[2]).all() and np.isfinite(lm.detected[3]).all()
    assert len(lm.pairs("train")) == 10 and len(lm.pairs("test")) == 2
    assert len(lm.pairs("all", target="detected")) == 11
    # warp16 holds the same linear field: the same answer.
    lm16 = autotoon.read_autotoon(os.path.join(str(tmp_path), "dataset"),
                                  landmarker=_landmarker(photo), warp="warp16",
                                  detect_caricatures=False, progress=False)
    np.testing.assert_allclose(lm16.caricature, lm.caricature, atol=1e-3)
    # Round trip through the asset format (2-decimal rounding).
    path = os.path.join(str(tmp_path), "lm.json")
    lm.save(path)
    back = autotoon.load_autotoon_landmarks(path)
    np.testing.assert_allclose(back.caricature, lm.caricature, atol=0.006)
    np.testing.assert_allclose(back.caricature_head, lm.caricature_head, atol=0.006)
    assert back.is_test.tolist() == lm.is_test.tolist()
    assert np.isnan(back.detected[2]).all()


def test_clone_with_unpaired_files_is_rejected(tmp_path):
    base = _write_clone(str(tmp_path), num=3)
    os.remove(os.path.join(base, "warp32", "00002.npy"))
    with pytest.raises(ValueError, match="do not pair up"):
        autotoon.list_files(str(tmp_path))
    with pytest.raises(FileNotFoundError, match="No AutoToon dataset"):
        autotoon.list_files(str(tmp_path / "nowhere"))


def test_shipped_asset_split_and_licences():
    lm = autotoon.load_autotoon_landmarks()
    assert len(lm) == 101
    # `test_idx` of the authors' dataset.py, as file stems (position + 1).
    assert lm.ids[lm.is_test].tolist() == [
        "00002", "00011", "00017", "00025", "00041", "00051", "00061", "00081",
        "00088", "00094", "00101"]
    assert len(lm.pairs("train")) == 90
    # ImageMetadata.csv lists photos 1-97; 98-101 have no listed licence.
    listed = lm.ids <= "00097"
    assert set(lm.licence[listed]) <= {"CC BY 2.0", "CC BY-SA 2.0", "CC SA 2.0",
                                       "Public Domain CC0 1.0", "Public Domain Mark 1.0"}
    assert all(s.startswith("https://flic.kr/") for s in lm.source[listed])
    assert set(lm.licence[~listed]) == {""} and (~listed).sum() == 4


def test_shipped_head_points_move_more_than_the_landmarks():
    # The fact, in the image frame and eye-centre distances: the
    # artists move the head around the face more than the 68 landmarks
    # (0.081 against 0.068 IOD over the 101 pairs).
    pairs = autotoon.load_autotoon_landmarks().pairs("all", head=True)
    unit = evaluation.eye_centre_distance(pairs.photo)[:, None]
    moved = np.linalg.norm(pairs.caricature - pairs.photo, axis=-1) / unit
    assert 0.06 < moved[:, :68].mean() < 0.075
    assert moved[:, 68:].mean() > moved[:, :68].mean() + 0.005
    # Nearly every pair's head moves (a few artists left it alone).
    assert np.mean(moved[:, 68:].mean(axis=1) > 0.01) > 0.9
    with pytest.raises(ValueError, match="rebuild"):
        autotoon.AutoToonLandmarks.from_json({**autotoon.load_autotoon_landmarks().to_json(),
                                              "head_template": [[0, 0]]})


def test_cv_folds_partition_the_train_pairs():
    train, test = autotoon.autotoon_split()
    held = [autotoon.autotoon_split(fold=k, folds=5)[1].persons for k in range(5)]
    flat = np.concatenate(held)
    assert sorted(flat.tolist()) == sorted(train.persons.tolist())
    assert len(set(flat.tolist())) == 90 and sorted(len(h) for h in held) == [18] * 5
    assert not set(flat.tolist()) & set(test.persons.tolist())
    fit, out = autotoon.autotoon_split(fold=2, folds=5)
    assert not set(fit.persons.tolist()) & set(out.persons.tolist())
    with pytest.raises(ValueError, match="cv_fold"):
        autotoon.autotoon_split(fold=5, folds=5)
