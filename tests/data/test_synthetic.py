"""Tests for `tf_deepexag.data.synthetic`, `synthetic_folder` and `render`."""

import os

import numpy as np
import pytest

from tf_deepexag import data, fileio, landmarks
from tf_deepexag.data import synthetic, synthetic_eval


@pytest.fixture(scope="module")
def generated():
    return synthetic.generate(num_persons=12, pairs_per_person=6, seed=0)


def _canonical_deviation(points):
    """Mean distance to the mean face after Procrustes, in inter-ocular units."""
    mean = landmarks.mean_shape(points)
    aligned = landmarks.align(points, np.broadcast_to(mean, points.shape), "procrustes")
    return np.mean(np.linalg.norm(aligned - mean, axis=-1).mean(-1)
                   / landmarks.interocular_distance(mean))


def test_caricatures_deviate_from_the_mean_more_than_photos(generated):
    photo_dev = _canonical_deviation(generated.pairs.photo)
    car_dev = _canonical_deviation(generated.pairs.caricature)
    # Gains are 1.4-3.0 per component: caricatures deviate about twice as much.
    assert 1.6 < car_dev / photo_dev < 3.5


def test_parameters_are_exaggerated_by_the_configured_gain(generated):
    # Regress caricature on photo parameters per component: the slope is the
    # average artist gain (base gain x modulation around 1, plus super-linearity).
    for c in range(len(synthetic.COMPONENTS)):
        p, q = generated.photo_params[:, c], generated.caricature_params[:, c]
        slope = np.polyfit(p, q, 1)[0]
        assert 0.8 * synthetic.BASE_GAIN[c] < slope < 1.6 * synthetic.BASE_GAIN[c]


def test_persons_differ_more_than_photos_of_one_person(generated):
    # Measured on the points (Procrustes frame, inter-ocular units), not the
    # generator's parameters: pose differences must not count.
    photos = generated.pairs.photo
    mean = landmarks.mean_shape(photos)
    aligned = landmarks.align(photos, np.broadcast_to(mean, photos.shape), "procrustes")
    aligned = aligned / landmarks.interocular_distance(mean)
    persons = generated.pairs.persons
    same, other = [], []
    for i in range(len(photos)):
        for j in range(i + 1, len(photos)):
            d = np.linalg.norm(aligned[i] - aligned[j], axis=-1).mean()
            (same if persons[i] == persons[j] else other).append(d)
    assert np.mean(other) > 2.0 * np.mean(same)


def test_a_single_edfm_factor_is_clearly_weaker_than_the_generator():
    generated = synthetic.generate(num_persons=20, pairs_per_person=6, seed=2)
    result = synthetic_eval.edfm_vs_generator(generated, test_fraction=0.3, seed=0)
    assert 1.5 < result["edfm_factor"] < 2.6  # the gains average about 2
    # EDFM beats leaving the photo unchanged, but the component-wise generator
    # (even not knowing the artist) beats EDFM by a wide margin.
    assert result["edfm_error"] < 0.8 * result["identity_error"]
    assert result["generator_mean_artist_error"] * 1.4 < result["edfm_error"]
    assert result["generator_error"] * 2.0 < result["edfm_error"]
    assert result["generator_error"] <= result["generator_mean_artist_error"]


def test_faces_are_anatomically_ordered(generated):
    for face in np.concatenate([generated.pairs.photo, generated.pairs.caricature]):
        # Rotate upright by the eye line, then compare heights (y down).
        eyes = np.stack([face[36:42].mean(0), face[42:48].mean(0)])
        angle = np.arctan2(*(eyes[1] - eyes[0])[::-1])
        rot = np.array([[np.cos(-angle), -np.sin(-angle)], [np.sin(-angle), np.cos(-angle)]])
        f = face @ rot.T
        assert f[17:27, 1].mean() < f[36:48, 1].mean() < f[33, 1] < f[48:60, 1].mean()
        assert f[0, 0] < f[8, 0] < f[16, 0]  # jaw runs left to right
    assert generated.pairs.photo.min() > 0 and generated.pairs.photo.max() < 256


def test_deterministic_for_a_seed():
    a = data.make_synthetic_pairs(num_persons=3, pairs_per_person=2, seed=5)
    b = data.make_synthetic_pairs(num_persons=3, pairs_per_person=2, seed=5)
    c = data.make_synthetic_pairs(num_persons=3, pairs_per_person=2, seed=6)
    np.testing.assert_array_equal(a.caricature, b.caricature)
    assert not np.allclose(a.caricature, c.caricature)


def test_folder_goes_through_the_real_readers(tmp_path):
    written = data.write_synthetic_dataset(str(tmp_path), num_persons=4,
                                           pairs_per_person=2, seed=1, image_size=64)
    ds = data.read_paired_folder(str(tmp_path))
    np.testing.assert_array_equal(ds.photo, written.photo)
    assert all(os.path.isfile(p) for p in ds.photo_images + ds.caricature_images)
    counts = {d: len(os.listdir(tmp_path / d)) for d in ("trainA", "trainB", "testA",
                                                         "testB")}
    assert counts["trainA"] == counts["trainB"] and counts["testA"] == counts["testB"]
    assert counts["trainA"] + counts["testA"] == 8 and counts["testA"] > 0
    # The style model's reader accepts the unpaired half (and every image decodes).
    unpaired = data.read_unpaired_folder(str(tmp_path))
    assert len(unpaired.train_a) == counts["trainA"] and not unpaired.rejected


def test_folder_is_deterministic_with_sized_pngs(tmp_path, tree_digest):
    digests = []
    for name in ("a", "b"):
        data.write_synthetic_dataset(str(tmp_path / name), num_persons=2, pairs_per_person=1,
                                     seed=3, image_size=40)
        os.rename(tmp_path / name, tmp_path / "same")  # digests include the paths
        digests.append(tree_digest(str(tmp_path / "same")))
        os.rename(tmp_path / "same", tmp_path / name)
    assert digests[0] == digests[1]
    image = fileio.read_image(str(next((tmp_path / "a" / "trainB").iterdir())))
    assert image.shape == (40, 40, 3)
    assert all(p.suffix == ".png" for p in (tmp_path / "a" / "trainA").iterdir())


def test_render_styles_differ():
    rng = np.random.default_rng(0)
    face = data.make_synthetic_pairs(num_persons=1, pairs_per_person=1).photo[0]
    photo = data.render_face(face, "photo", rng, 256)
    drawing = data.render_face(face, "caricature", rng, 256)
    assert photo.shape == drawing.shape == (256, 256, 3) and photo.dtype == np.uint8
    # Drawings are flat: far fewer distinct colours than the noisy, shaded photos.
    distinct = lambda im: len(np.unique(im.reshape(-1, 3), axis=0))
    assert distinct(drawing) * 5 < distinct(photo)
    with pytest.raises(ValueError, match="`style`"):
        data.render_face(face, "oil", rng)
