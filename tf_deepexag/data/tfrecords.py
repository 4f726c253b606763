"""TFRecord files of landmark pairs: one `tf.train.Example` per pair.

Schema version 1 features:
    schema_version      int64, 1
    person              bytes (for a `LandmarkSet`: the face's name)
    photo/points        float list, N*2 values (x0, y0, x1, y1, ...); absent in
                        caricature-only records (written from a `LandmarkSet`)
    caricature/points   float list, N*2 values
    photo/image         bytes, encoded image file, may be empty
    caricature/image    bytes, may be empty
"""

import glob
import itertools
import os

import numpy as np
import tensorflow as tf

from tf_deepexag import errors, fileio
from tf_deepexag.errors import CorruptFileError, UserError
from tf_deepexag.data import landmark_set, paired

SCHEMA_VERSION = 1
_VERSION_SPEC = {"schema_version": tf.io.FixedLenFeature([], tf.int64, default_value=-1)}


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
    """Builds the `tf.train.Example` of one pair (`photo_points` None: no photo)."""
    feature = {
        "schema_version": tf.train.Feature(
            int64_list=tf.train.Int64List(value=[SCHEMA_VERSION])),
        "person": _bytes(str(person).encode("utf-8")),
        "caricature/points": _floats(np.asarray(caricature_points, np.float32).ravel()),
        "photo/image": _bytes(photo_image),
        "caricature/image": _bytes(caricature_image),
    }
    if photo_points is not None:
        feature["photo/points"] = _floats(np.asarray(photo_points, np.float32).ravel())
    return tf.train.Example(features=tf.train.Features(feature=feature))


def _examples(dataset, with_images):
    """Yields the serialised examples of a `PairedLandmarks` or `LandmarkSet`."""
    if isinstance(dataset, landmark_set.LandmarkSet):
        for i in range(len(dataset)):
            image = _file_bytes(dataset.images[i]) if with_images else b""
            yield pair_example(dataset.names[i], None, dataset.points[i],
                               caricature_image=image).SerializeToString()
        return
    for i in range(len(dataset)):
        images = ((_file_bytes(dataset.photo_images[i]),
                   _file_bytes(dataset.caricature_images[i])) if with_images else (b"", b""))
        yield pair_example(dataset.persons[i], dataset.photo[i], dataset.caricature[i],
                           *images).SerializeToString()


def write_tfrecords(dataset, path, with_images=False, progress=None):
    """Writes a dataset to one TFRecord file, atomically (temp file + rename).

    Args:
        dataset: `PairedLandmarks`, or a `LandmarkSet` (caricature-only records).
        path: str, the destination file (not a folder: `UserError`). Its mode
            is a new file's (0666 less the umask).
        with_images: bool, embed the encoded image files too. Defaults to `False`.
        progress: optional callable run once per written record.
    """
    path = os.fspath(path)
    fileio.check_output_file(path, "path")
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = fileio.make_temp_file(folder, os.path.basename(path))  # umask's mode
    os.close(fd)
    try:
        with tf.io.TFRecordWriter(tmp) as writer:
            for serialized in _examples(dataset, with_images):
                writer.write(serialized)
                if progress:
                    progress()
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def feature_spec(num_points=68, photo=True):
    """The parsing spec of schema version 1 (`photo=False`: caricature only)."""
    spec = {
        "schema_version": tf.io.FixedLenFeature([], tf.int64),
        "person": tf.io.FixedLenFeature([], tf.string),
        "caricature/points": tf.io.FixedLenFeature([num_points * 2], tf.float32),
        "photo/image": tf.io.FixedLenFeature([], tf.string, default_value=b""),
        "caricature/image": tf.io.FixedLenFeature([], tf.string, default_value=b""),
    }
    if photo:
        spec["photo/points"] = tf.io.FixedLenFeature([num_points * 2], tf.float32)
    return spec


def parse_pair(serialized, num_points=68):
    """Parses one serialised pair (a `tf.data` map function).

    Args:
        serialized: scalar string tensor, one record.
        num_points: int, N. Defaults to 68.

    Returns:
        Dict of tensors: `photo/points`, `caricature/points` `(N, 2)` float32,
        `person`, `photo/image`, `caricature/image` strings, `schema_version`.
        A record of another schema version fails with `InvalidArgumentError`
        naming both versions.
    """
    version = tf.io.parse_single_example(serialized, _VERSION_SPEC)["schema_version"]
    check = tf.debugging.assert_equal(
        version, tf.constant(SCHEMA_VERSION, tf.int64),
        message=f"TFRecord schema version differs from {SCHEMA_VERSION} (the one this "
                "reader knows)")
    with tf.control_dependencies([check]):
        parsed = tf.io.parse_single_example(serialized, feature_spec(num_points))
    for key in ("photo/points", "caricature/points"):
        parsed[key] = tf.reshape(parsed[key], [num_points, 2])
    return parsed


def _reason(error):
    if isinstance(error, UnicodeDecodeError):
        return "undecodable error message from TensorFlow"
    return errors.one_line(error.message)


def _parse_record(path, index, serialized, spec, num_points, photo):
    """`(person, photo_points|None, caricature_points)` of one record, or a
    `UserError` naming the file and record."""
    where = f"{path} record {index}"
    try:
        version = int(tf.io.parse_single_example(serialized, _VERSION_SPEC)
                      ["schema_version"])
    except (tf.errors.InvalidArgumentError, UnicodeDecodeError) as e:
        # TensorFlow's message quotes the record; when the quote is not UTF-8
        # the eager runtime raises UnicodeDecodeError instead.
        raise CorruptFileError(f"{where}: not a tf.train.Example of this schema "
                               f"({_reason(e)})") from e
    if version != SCHEMA_VERSION:
        raise UserError(f"{where}: schema version {version}, this reader knows "
                        f"{SCHEMA_VERSION}.")
    try:
        example = tf.io.parse_single_example(serialized, spec)
    except (tf.errors.InvalidArgumentError, UnicodeDecodeError) as e:
        hint = ("; caricature-only records are read by read_landmark_tfrecords"
                if photo else "")
        raise UserError(f"{where}: not a {num_points}-point record "
                        f"({_reason(e)}){hint}") from e
    try:
        person = example["person"].numpy().decode("utf-8")
    except UnicodeDecodeError as e:
        raise UserError(f"{where}: `person` is not UTF-8 text.") from e
    points = [example[key].numpy().reshape(num_points, 2) if key in example else None
              for key in ("photo/points", "caricature/points")]
    for key, value in zip(("photo/points", "caricature/points"), points):
        if value is not None and not np.all(np.isfinite(value)):
            raise UserError(f"{where}: `{key}` holds NaN or inf values.")
    return person, points[0] if photo else None, points[1]


def _records(pattern, num_points, photo):
    """Yields `(person, photo_points|None, caricature_points)` of every record.

    Raises:
        FileNotFoundError: no file matches.
        errors.UserError: a record that is not of this schema, version, point
            count, or holds non-finite points; `errors.CorruptFileError`: a
            file that is not TFRecord (bad length or checksum, truncated).
    """
    files = sorted(glob.glob(os.fspath(pattern)))
    if not files:
        raise FileNotFoundError(f"No TFRecord files match {pattern}")
    spec = feature_spec(num_points, photo)
    for path in files:
        if os.path.isdir(path):
            raise UserError(f"{path} is a folder, not a TFRecord file.")
        records = iter(tf.data.TFRecordDataset(path))
        for index in itertools.count():
            try:
                serialized = next(records)
            except StopIteration:
                break
            except tf.errors.OpError as e:  # DataLossError: truncated, bad CRC
                raise CorruptFileError(f"{path} record {index}: not a readable "
                                       f"TFRecord ({errors.one_line(e.message)})") from e
            yield _parse_record(path, index, serialized, spec, num_points, photo)


def read_tfrecords(pattern, num_points=68):
    """Reads every pair of the files matching `pattern` into memory.

    Returns:
        `PairedLandmarks` (image paths are None: embedded images stay in the
        records; parse them with `parse_pair`).

    Raises:
        FileNotFoundError: no file matches.
        errors.UserError (a ValueError): a record of another schema version,
            point count, or a caricature-only record (read those with
            `read_landmark_tfrecords`), or a file that is not TFRecord.
    """
    records = [(person, photo, caricature, None, None)
               for person, photo, caricature in _records(pattern, num_points, True)]
    return paired.collect(records, [], "fail", pattern)


def read_landmark_tfrecords(pattern, num_points=68):
    """Reads the caricature points of every record as a `LandmarkSet`."""
    rows = list(_records(pattern, num_points, False))
    if not rows:
        raise UserError(f"No records in {pattern}.")
    names, _, points = zip(*rows)
    return landmark_set.LandmarkSet(np.stack(points).astype(np.float32),
                                    np.asarray(names, dtype=str))
