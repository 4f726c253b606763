"""Tests for `tf_deepexag.data.tfrecords`."""

import numpy as np
import pytest
import tensorflow as tf

from tf_deepexag import data
from tf_deepexag.data import tfrecords


def test_round_trip_is_exact(tmp_path):
    ds = data.make_synthetic_pairs(num_persons=3, pairs_per_person=2, seed=0)
    path = str(tmp_path / "pairs.tfrecord")
    data.write_tfrecords(ds, path)
    back = data.read_tfrecords(path)
    np.testing.assert_array_equal(back.photo, ds.photo)
    np.testing.assert_array_equal(back.caricature, ds.caricature)
    np.testing.assert_array_equal(back.persons, ds.persons)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pairs.tfrecord"]  # no temp left


def test_images_are_embedded(tmp_path, paired_folder):
    root = paired_folder[0]
    image = tmp_path / "face.png"
    image.write_bytes(b"\x89PNG fake bytes")
    ds = data.read_paired_folder(root)
    ds = data.PairedLandmarks(ds.photo, ds.caricature, ds.persons,
                              [str(image)] * len(ds), [None] * len(ds))
    path = str(tmp_path / "img.tfrecord")
    data.write_tfrecords(ds, path, with_images=True)
    record = next(iter(tf.data.TFRecordDataset(path)))
    parsed = data.parse_pair(record)
    assert parsed["photo/image"].numpy() == b"\x89PNG fake bytes"
    assert parsed["caricature/image"].numpy() == b""


def test_other_schema_version_is_refused(tmp_path, monkeypatch):
    ds = data.make_synthetic_pairs(num_persons=1, pairs_per_person=1, seed=0)
    path = str(tmp_path / "v2.tfrecord")
    monkeypatch.setattr(tfrecords, "SCHEMA_VERSION", 2)
    data.write_tfrecords(ds, path)
    monkeypatch.setattr(tfrecords, "SCHEMA_VERSION", 1)
    with pytest.raises(ValueError, match="schema version 2"):
        data.read_tfrecords(path)


def test_missing_files():
    with pytest.raises(FileNotFoundError, match="No TFRecord files"):
        data.read_tfrecords("/nonexistent/*.tfrecord")


def test_parse_pair_in_tf_data_checks_the_version(tmp_path, monkeypatch):
    ds = data.make_synthetic_pairs(num_persons=2, pairs_per_person=1, seed=0)
    good, bad = str(tmp_path / "v1.tfrecord"), str(tmp_path / "v3.tfrecord")
    data.write_tfrecords(ds, good)
    parsed = list(tf.data.TFRecordDataset(good).map(data.parse_pair))
    np.testing.assert_array_equal(parsed[1]["caricature/points"].numpy(), ds.caricature[1])
    monkeypatch.setattr(tfrecords, "SCHEMA_VERSION", 3)
    data.write_tfrecords(ds, bad)
    monkeypatch.setattr(tfrecords, "SCHEMA_VERSION", 1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="schema version differs"):
        list(tf.data.TFRecordDataset(bad).map(data.parse_pair))


def test_caricature_only_records(tmp_path):
    points = np.random.default_rng(0).uniform(0, 100, (3, 68, 2)).astype(np.float32)
    caricatures = data.LandmarkSet(points, np.array(["1", "2", "10"]))
    path = str(tmp_path / "cari.tfrecord")
    data.write_tfrecords(caricatures, path)
    back = data.read_landmark_tfrecords(path)
    np.testing.assert_array_equal(back.points, points)
    assert list(back.names) == ["1", "2", "10"]
    with pytest.raises(ValueError, match="record 0.*photo/points.*read_landmark_tfrecords"):
        data.read_tfrecords(path)
