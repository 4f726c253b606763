"""Property tests of the dataset readers (see tests/fuzzing.py): `pairs.csv`
folders, WebCaricature and Caricature-Data folders, TFRecord files."""

import csv
import io
import os
import tempfile

import numpy as np
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzzing import calls_with_named_errors, points_text
from tf_deepexag import data, landmarks

_GOOD_68 = landmarks.format_pts(np.arange(136, dtype=np.float32).reshape(68, 2))
_GOOD_17 = landmarks.format_pts(np.arange(34, dtype=np.float32).reshape(17, 2))
_POINTS_FILE = st.one_of(st.just(_GOOD_68), st.just(_GOOD_17), points_text(0, 70),
                         st.text(max_size=50))
_NAME = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/\0"),
                min_size=1, max_size=12)
_CELL = st.one_of(st.sampled_from(["a.pts", "b.pts", "c.pts", "img.png", "", "../x",
                                   "/etc/hostname", "missing.pts", "sub/a.pts"]), _NAME)


def _write(folder, name, content):
    path = os.path.join(folder, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb" if isinstance(content, bytes) else "w",
              **({} if isinstance(content, bytes) else {"encoding": "utf-8"})) as f:
        f.write(content)


def _valid_pairs(pairs, num_points):
    assert len(pairs) > 0 and pairs.photo.shape == pairs.caricature.shape
    assert pairs.photo.shape[1:] == (num_points, 2) and pairs.photo.dtype == np.float32
    assert np.all(np.isfinite(pairs.photo)) and np.all(np.isfinite(pairs.caricature))


@given(rows=st.lists(st.lists(_CELL, min_size=0, max_size=7), max_size=6),
       header=st.sampled_from([list(data.paired.COLUMNS), ["person", "photo_points"],
                               list(data.paired.COLUMNS) + ["extra"], []]),
       files=st.lists(_POINTS_FILE, min_size=3, max_size=3),
       raw=st.one_of(st.none(), st.binary(max_size=200)),
       on_error=st.sampled_from(["skip", "fail"]))
def test_paired_folder_of_any_csv(rows, header, files, raw, on_error):
    with tempfile.TemporaryDirectory() as folder:
        for name, content in zip(("a.pts", "b.pts", "sub/a.pts"), files):
            _write(folder, name, content)
        _write(folder, "img.png", b"\x89PNG not really")
        if raw is None:
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerows(([header] if header else []) + rows)
            _write(folder, data.paired.PAIRS_FILE, text.getvalue())
        else:
            _write(folder, data.paired.PAIRS_FILE, raw)
        pairs = calls_with_named_errors(data.read_paired_folder, folder, on_error=on_error,
                                        check_images=True)
    if pairs is not None:
        _valid_pairs(pairs, 68)


@given(entries=st.lists(st.tuples(st.sampled_from(["Ann", "Bob", "C d"]),
                                  st.one_of(st.sampled_from(["P00001", "C00001", "C00002",
                                                             "P00002", "X00001"]), _NAME),
                                  _POINTS_FILE), max_size=6),
       on_error=st.sampled_from(["skip", "fail"]),
       max_pairs=st.integers(-1, 3))
def test_webcaricature_of_any_folder(entries, on_error, max_pairs):
    with tempfile.TemporaryDirectory() as folder:
        for person, stem, content in entries:
            _write(folder, os.path.join("FacialPoints", person, stem + ".txt"), content)
        pairs = calls_with_named_errors(data.read_webcaricature, folder, on_error=on_error,
                                        max_pairs_per_person=max_pairs)
    if pairs is not None:
        _valid_pairs(pairs, 17)


@given(entries=st.lists(st.tuples(st.one_of(st.integers(0, 20).map(str), _NAME),
                                  _POINTS_FILE), max_size=5),
       on_error=st.sampled_from(["skip", "fail"]))
def test_caricature_data_of_any_folder(entries, on_error):
    with tempfile.TemporaryDirectory() as folder:
        for stem, content in entries:
            _write(folder, stem + ".txt", content)
        faces = calls_with_named_errors(data.read_caricature_data, folder, on_error=on_error)
    if faces is not None:
        assert faces.points.shape[1:] == (68, 2) and np.all(np.isfinite(faces.points))


_FLOATS = st.lists(st.floats(width=32, allow_nan=True, allow_infinity=True),
                   max_size=140)


@st.composite
def _examples(draw):
    """Serialised `tf.train.Example`s with plausible or wrong features."""
    feature = {}
    for key, kind in (("schema_version", "int"), ("person", "bytes"),
                      ("photo/points", "float"), ("caricature/points", "float"),
                      ("photo/image", "bytes")):
        if draw(st.booleans()):
            kind = draw(st.sampled_from(["int", "bytes", "float", kind, kind]))
            if kind == "int":
                value = tf.train.Feature(int64_list=tf.train.Int64List(value=draw(
                    st.lists(st.integers(-2**63, 2**63 - 1), max_size=3))))
            elif kind == "bytes":
                value = tf.train.Feature(bytes_list=tf.train.BytesList(value=draw(
                    st.lists(st.binary(max_size=8), max_size=2))))
            else:
                values = draw(st.one_of(_FLOATS, st.just(list(range(136)))))
                value = tf.train.Feature(float_list=tf.train.FloatList(value=values))
            feature[key] = value
    if draw(st.booleans()):
        feature["schema_version"] = tf.train.Feature(
            int64_list=tf.train.Int64List(value=[1]))
    return tf.train.Example(
        features=tf.train.Features(feature=feature)).SerializeToString()


@given(records=st.lists(st.one_of(_examples(), st.binary(max_size=60)), min_size=1,
                        max_size=4),
       framing=st.sampled_from(["tfrecord", "raw", "truncated"]),
       photo=st.booleans())
def test_tfrecords_of_any_bytes(records, framing, photo):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "pairs.tfrecord")
        if framing == "raw":
            _write(folder, "pairs.tfrecord", b"".join(records))
        else:
            with tf.io.TFRecordWriter(path) as writer:
                for record in records:
                    writer.write(record)
            if framing == "truncated":
                with open(path, "r+b") as f:
                    f.truncate(max(0, os.path.getsize(path) - 7))
        reader = data.read_tfrecords if photo else data.read_landmark_tfrecords
        result = calls_with_named_errors(reader, path)
    if result is not None and photo:
        _valid_pairs(result, 68)
    elif result is not None:
        assert np.all(np.isfinite(result.points))
