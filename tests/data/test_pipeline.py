"""Tests for `tf_deepexag.data.pipeline.paired_stroke_dataset`."""

import numpy as np
import pytest

from tf_deepexag import data, landmarks


@pytest.fixture(scope="module")
def pairs():
    return data.make_synthetic_pairs(num_persons=4, pairs_per_person=4, seed=3)


def _stats(ds):
    return landmarks.NormalizationStats.fit(ds.photo, ds.caricature)


def test_eval_batches_rebuild_the_points(pairs):
    stats = _stats(pairs)
    batches = list(data.paired_stroke_dataset(pairs.photo, pairs.caricature, stats, 5,
                                              training=False))
    assert [len(b["photo"]) for b in batches] == [5, 5, 5, 1]
    batch = batches[0]
    assert batch["photo"].shape == (5, 68, 5) and batch["photo"].dtype.name == "float32"
    strokes = batch["caricature"].numpy().copy()
    strokes[..., :2] *= stats.caricature_scale
    rebuilt = landmarks.from_stroke5(strokes, batch["caricature_anchor"].numpy())
    np.testing.assert_allclose(rebuilt, pairs.caricature[:5], atol=1e-3)
    np.testing.assert_array_equal(batch["photo"][0, :, 2:], landmarks.IBUG68.pen_states())


def _take(ds, n):
    return [{k: v.numpy() for k, v in b.items()} for b in ds.take(n)]


def test_training_is_deterministic_for_a_seed(pairs):
    stats = _stats(pairs)
    make = lambda seed: data.paired_stroke_dataset(pairs.photo, pairs.caricature, stats,
                                                   4, training=True, seed=seed)
    a, b, c = _take(make(7), 6), _take(make(7), 6), _take(make(8), 6)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x["photo"], y["photo"])
    assert not np.array_equal(a[0]["photo"], c[0]["photo"])


def test_scale_augmentation_range_and_shared_by_the_pair(pairs):
    stats = landmarks.NormalizationStats(1.0, 1.0)
    ds = data.paired_stroke_dataset(pairs.photo, pairs.caricature, stats, 4,
                                    training=True, seed=0, random_scale_factor=0.15)
    ratios = []
    for batch in _take(ds, 8):
        for photo_strokes, anchor in zip(batch["photo"], batch["photo_anchor"]):
            points = landmarks.from_stroke5(photo_strokes, anchor)
            # Find the source pair by its anchor (unchanged by scaling about it).
            i = int(np.argmin(np.abs(pairs.photo[:, 0] - anchor).sum(-1)))
            extent = (points.max(0) - points.min(0)) / (
                pairs.photo[i].max(0) - pairs.photo[i].min(0))
            ratios.append(extent)
        # The caricature of the same row was scaled by the same factors.
        car = landmarks.from_stroke5(batch["caricature"][0], batch["caricature_anchor"][0])
        j = int(np.argmin(np.abs(pairs.caricature[:, 0] - batch["caricature_anchor"][0])
                          .sum(-1)))
        car_ratio = (car.max(0) - car.min(0)) / (
            pairs.caricature[j].max(0) - pairs.caricature[j].min(0))
        np.testing.assert_allclose(car_ratio, ratios[-len(batch["photo"])], rtol=1e-4)
    ratios = np.array(ratios)
    assert ratios.min() >= 0.85 - 1e-5 and ratios.max() <= 1.15 + 1e-5
    assert ratios.std() > 0.03  # really random


def test_augment_scale_by_hand():
    photo = np.array([[1.0, 1.0], [3.0, 5.0]], np.float32)
    out, _ = data.augment_scale(photo, photo, np.array([2.0, 0.5], np.float32))
    np.testing.assert_allclose(out, [[1, 1], [5, 3]])


def test_bad_arguments(pairs):
    stats = _stats(pairs)
    with pytest.raises(ValueError, match="cannot fill one batch"):
        data.paired_stroke_dataset(pairs.photo, pairs.caricature, stats, 64, training=True)
    with pytest.raises(ValueError, match="photo_points"):
        data.paired_stroke_dataset(pairs.photo[:, :60], pairs.caricature, stats, 2, True)
    with pytest.raises(ValueError, match="random_scale_factor"):
        data.paired_stroke_dataset(pairs.photo, pairs.caricature, stats, 2, True,
                                   random_scale_factor=1.5)
