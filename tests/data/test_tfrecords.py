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
    assert not list(tmp_path.glob("*.tmp"))


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
