"""TFRecord files of landmark pairs: one `tf.train.Example` per pair.

Schema version 1 features:
    schema_version      int64, 1
    person              bytes
    photo/points        float list, N*2 values (x0, y0, x1, y1, ...)
    caricature/points   float list, N*2 values
    photo/image         bytes, encoded image file, may be empty
    caricature/image    bytes, may be empty
"""

import glob
import os

import numpy as np
import tensorflow as tf


from tf_deepexag.data import paired

SCHEMA_VERSION = 1


def _bytes(value):
    return tf.train.Feature(bytes_list=tf.train.BytesList(value=[value]))


def _floats(values):
    return tf.train.Feature(float_list=tf.train.FloatList(value=values))


def _file_bytes(path):
    if path is None:
        return b""
    with open(path, "rb") as f:
        return f.read()


def pair_example(person, photo_points, caricature_points, photo_image=b"",
                 caricature_image=b""):
    """Builds the `tf.train.Example` of one pair."""
    feature = {
        "schema_version": tf.train.Feature(
            int64_list=tf.train.Int64List(value=[SCHEMA_VERSION])),
        "person": _bytes(str(person).encode("utf-8")),
        "photo/points": _floats(np.asarray(photo_points, np.float32).ravel()),
        "caricature/points": _floats(np.asarray(caricature_points, np.float32).ravel()),
        "photo/image": _bytes(photo_image),
        "caricature/image": _bytes(caricature_image),
    }
    return tf.train.Example(features=tf.train.Features(feature=feature))


def write_tfrecords(dataset, path, with_images=False, progress=None):
    """Writes `PairedLandmarks` to one TFRecord file, atomically.

    Args:
        dataset: `PairedLandmarks`.
        path: str, the destination file.
        with_images: bool, embed the encoded image files too.
        progress: optional callable run once per written pair.
    """
    tmp = f"{path}.tmp"
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    try:
        with tf.io.TFRecordWriter(tmp) as writer:
            for i in range(len(dataset)):
                images = ((_file_bytes(dataset.photo_images[i]),
                           _file_bytes(dataset.caricature_images[i]))
                          if with_images else (b"", b""))
                writer.write(pair_example(dataset.persons[i], dataset.photo[i],
                                          dataset.caricature[i], *images)
                             .SerializeToString())
                if progress:
                    progress()
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def feature_spec(num_points=68):
    """The parsing spec of schema version 1."""
    return {
        "schema_version": tf.io.FixedLenFeature([], tf.int64),
        "person": tf.io.FixedLenFeature([], tf.string),
        "photo/points": tf.io.FixedLenFeature([num_points * 2], tf.float32),
        "caricature/points": tf.io.FixedLenFeature([num_points * 2], tf.float32),
        "photo/image": tf.io.FixedLenFeature([], tf.string, default_value=b""),
        "caricature/image": tf.io.FixedLenFeature([], tf.string, default_value=b""),
    }


def parse_pair(serialized, num_points=68):
    """Parses one serialised pair into a dict of tensors (points `(N, 2)`)."""
    parsed = tf.io.parse_single_example(serialized, feature_spec(num_points))
    for key in ("photo/points", "caricature/points"):
        parsed[key] = tf.reshape(parsed[key], [num_points, 2])
    return parsed


def read_tfrecords(pattern, num_points=68):
    """Reads every pair of the files matching `pattern` into memory.

    Raises:
        FileNotFoundError: no file matches.
        ValueError: a record of another schema version or point count.
    """
    files = sorted(glob.glob(os.fspath(pattern)))
    if not files:
        raise FileNotFoundError(f"No TFRecord files match {pattern}")
    records = []
    for path in files:
        for index, serialized in enumerate(tf.data.TFRecordDataset(path)):
            try:
                example = parse_pair(serialized, num_points)
            except tf.errors.InvalidArgumentError as e:
                raise ValueError(f"{path} record {index}: not a {num_points}-point pair "
                                 f"record ({e.message.splitlines()[0]})") from e
            version = int(example["schema_version"])
            if version != SCHEMA_VERSION:
                raise ValueError(f"{path} record {index}: schema version {version}, "
                                 f"this reader knows {SCHEMA_VERSION}.")
            records.append((example["person"].numpy().decode("utf-8"),
                            example["photo/points"].numpy(),
                            example["caricature/points"].numpy(), None, None))
    return paired.collect(records, [], "fail", pattern)


