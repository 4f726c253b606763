"""Tests for `tf_deepexag.data.pipeline.paired_stroke_dataset`."""

import numpy as np
import pytest
import tensorflow as tf

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
    a = _take(make(7), 6)
    tf.random.set_seed(1234)  # the order must depend on `seed` alone (exact resume)
    b, c = _take(make(7), 6), _take(make(8), 6)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x["photo"], y["photo"])
    assert not np.array_equal(a[0]["photo"], c[0]["photo"])


def _factors(strokes, anchor, source):
    """Least-squares x/y scale of rebuilt points about landmark 0 vs `source`."""
    points = landmarks.from_stroke5(strokes, anchor).numpy() - anchor
    centred = source - source[0]
    return (points * centred).sum(0) / (centred ** 2).sum(0)


def test_scale_augmentation_range_and_shared_by_the_pair(pairs):
    stats = landmarks.NormalizationStats(1.0, 1.0)
    ds = data.paired_stroke_dataset(pairs.photo, pairs.caricature, stats, 4,
                                    training=True, seed=0, random_scale_factor=0.15)
    seen = {}
    for batch in _take(ds, 12):  # 3 epochs of 16 pairs
        for b in range(4):
            # The source pair, found by its anchor (scaling about it keeps it).
            i = int(np.argmin(np.abs(pairs.photo[:, 0] - batch["photo_anchor"][b]).sum(-1)))
            np.testing.assert_array_equal(batch["caricature_anchor"][b], pairs.caricature[i, 0])
            fp = _factors(batch["photo"][b], batch["photo_anchor"][b], pairs.photo[i])
            fc = _factors(batch["caricature"][b], batch["caricature_anchor"][b],
                          pairs.caricature[i])
            np.testing.assert_allclose(fc, fp, rtol=1e-4)  # same factors for the pair
            seen.setdefault(i, []).append(fp)
    assert sorted(seen) == list(range(16)) and all(len(v) == 3 for v in seen.values())
    factors = np.concatenate(list(seen.values()))
    assert factors.min() >= 0.85 - 1e-4 and factors.max() <= 1.15 + 1e-4
    assert factors.std() > 0.05 and abs(factors.mean() - 1.0) < 0.03  # ~uniform
    # Every epoch draws new factors for the same pair.
    assert all(not np.allclose(v[0], v[1]) for v in seen.values())


def test_training_epoch_without_augmentation_is_a_permutation(pairs):
    stats = landmarks.NormalizationStats(2.0, 3.0)
    ds = data.paired_stroke_dataset(pairs.photo, pairs.caricature, stats, 8,
                                    training=True, seed=1, random_scale_factor=0.0)
    epoch = _take(ds, 2)
    strokes = np.concatenate([b["caricature"] for b in epoch])
    anchors = np.concatenate([b["caricature_anchor"] for b in epoch])
    strokes[..., :2] *= 3.0
    rebuilt = landmarks.from_stroke5(strokes, anchors)
    order = [int(np.argmin(np.abs(pairs.caricature - r).sum((1, 2)))) for r in rebuilt]
    assert sorted(order) == list(range(16)) and order != list(range(16))
    np.testing.assert_allclose(rebuilt, pairs.caricature[order], atol=1e-3)


def test_stroke_encoding_by_hand():
    # The pipeline's encoding is `landmarks.to_stroke5`; a 3-point scheme of
    # two contours gives pens continue, new contour, end.
    scheme = landmarks.LandmarkScheme("three", 3, (("a", (0, 1)), ("b", (2,))), (),
                                      (0, 1, 2), (0, 1))
    points = np.array([[[1.0, 2.0], [4.0, 6.0], [4.0, 0.0]]], np.float32)  # (1, 3, 2)
    out, anchor = landmarks.to_stroke5(points, scheme, np.float32(2.0))
    np.testing.assert_allclose(out[0], [[0, 0, 1, 0, 0], [1.5, 2, 0, 1, 0],
                                        [0, -3, 0, 0, 1]])
    np.testing.assert_allclose(anchor, [[1.0, 2.0]])
    np.testing.assert_allclose(landmarks.to_stroke5(points[0], scheme, 2.0)[0], out[0])


def test_augment_scale_by_hand():
    photo = np.array([[1.0, 1.0], [3.0, 5.0]], np.float32)
    out, _ = data.augment_scale(photo, photo, np.array([2.0, 0.5], np.float32))
    np.testing.assert_allclose(out, [[1, 1], [5, 3]])
    batch = np.stack([photo, photo + 1])  # (2, 2, 2), one factor pair per row
    out, _ = data.augment_scale(batch, batch, np.array([[2.0, 0.5], [1.0, 3.0]], np.float32))
    np.testing.assert_allclose(out, [[[1, 1], [5, 3]], [[2, 2], [4, 14]]])


def test_bad_arguments(pairs):
    stats = _stats(pairs)
    with pytest.raises(ValueError, match="cannot fill one batch"):
        data.paired_stroke_dataset(pairs.photo, pairs.caricature, stats, 64, training=True)
    with pytest.raises(ValueError, match="photo_points"):
        data.paired_stroke_dataset(pairs.photo[:, :60], pairs.caricature, stats, 2, True)
    with pytest.raises(ValueError, match="random_scale_factor"):
        data.paired_stroke_dataset(pairs.photo, pairs.caricature, stats, 2, True,
                                   random_scale_factor=1.5)
