"""Unpaired image folders (`trainA/`, `trainB/`, `testA/`, `testB/`) and
their tf.data pipelines for U-GAT-IT.

Shapes: B batch, S crop side, L load side.

Training (UGATIT.py's transform, reordered resize -> crop -> flip, which
has the same distribution): resize to (L, L) and scale to [-1, 1], random
crop (S, S), random horizontal flip. Test: resize to (S, S) and scale.
The resize-and-scale step is a `preprocess(image, size)` argument, in
practice `style.processing.to_model_input`, the conversion every style model
runs at inference (data does not import the style stage).
Decoding is `tf.io.decode_image(channels=3, expand_animations=False)`, so
grayscale, RGBA and palette images become RGB and sizes may differ.
"""

import dataclasses
import os

import tensorflow as tf
from absl import logging

from tf_deepexag import fileio

DOMAINS = ("trainA", "trainB", "testA", "testB")


@dataclasses.dataclass(frozen=True)
class UnpairedFolder:
    """Image files of an unpaired dataset.

    Attributes:
        root: the dataset folder.
        train_a, train_b, test_a, test_b: sorted lists of image paths.
        rejected: list of (file, reason) skipped with `on_error="skip"`.
    """

    root: str
    train_a: list
    train_b: list
    test_a: list
    test_b: list
    rejected: list


def _check_images(files, on_error, rejected):
    good = []
    for path in files:
        try:
            fileio.read_image(path)
        except (fileio.ImageReadError, OSError, ValueError) as e:
            if on_error == "fail":
                raise ValueError(f"Cannot read image {path}: {e}") from e
            logging.warning("Skipping unreadable image %s: %s", path, e)
            rejected.append((path, str(e)))
            continue
        good.append(path)
    return good


def read_unpaired_folder(root, on_error="fail", require=DOMAINS, check=True):
    """Lists the four domain folders of an unpaired dataset.

    Args:
        root: folder holding `trainA/`, `trainB/`, `testA/`, `testB/`.
        on_error: "fail" raises on an undecodable image, "skip" logs it and
            leaves it out (listed in `.rejected`).
        require: the domain folders that must exist and be non-empty; the
            others may be missing (then empty lists).
        check: decode every image once to find unreadable files.

    Returns:
        `UnpairedFolder`.

    Raises:
        FileNotFoundError: `root` or a required domain folder is missing.
        ValueError: a required domain folder has no (readable) images, or a
            bad `on_error`.
    """
    if on_error not in ("fail", "skip"):
        raise ValueError(f"`on_error` must be 'fail' or 'skip', got {on_error!r}.")
    root = os.fspath(root)
    if not os.path.isdir(root):
        raise FileNotFoundError(f"No such unpaired dataset folder: {root}")
    rejected, lists = [], {}
    for domain in DOMAINS:
        folder = os.path.join(root, domain)
        if not os.path.isdir(folder):
            if domain in require:
                raise FileNotFoundError(
                    f"Unpaired dataset {root} has no `{domain}/` folder: {folder}")
            lists[domain] = []
            continue
        files = fileio.list_images(folder)
        if check:
            files = _check_images(files, on_error, rejected)
        if not files and domain in require:
            raise ValueError(f"Domain folder {folder} has no readable images "
                             f"(extensions {', '.join(fileio.IMAGE_EXTENSIONS)}).")
        lists[domain] = files
    logging.info("Unpaired dataset %s: %s", root,
                 ", ".join(f"{d}={len(lists[d])}" for d in DOMAINS))
    return UnpairedFolder(root, lists["trainA"], lists["trainB"],
                          lists["testA"], lists["testB"], rejected)


def decode_image(path):
    """Reads and decodes an image file to (H, W, 3) uint8."""
    image = tf.io.decode_image(tf.io.read_file(path), channels=3,
                               expand_animations=False)
    image.set_shape([None, None, 3])
    return image


def augment_train(image, seed, load_size, crop_size, preprocess):
    """Resize to L and scale, random S crop, random flip.

    Args:
        image: (H, W, 3) uint8.
        seed: (2,) int32/int64 stateless seed.
        load_size: int L.
        crop_size: int S <= L.
        preprocess: `(uint8 image, size) -> float32 image in [-1, 1]` of that
            size (`style.processing.to_model_input`).

    Returns:
        (S, S, 3) float32 in [-1, 1].
    """
    image = preprocess(image, load_size)  # (L, L, 3)
    seeds = tf.random.experimental.stateless_split(seed, 2)
    image = tf.image.stateless_random_crop(image, (crop_size, crop_size, 3),
                                          seed=seeds[0])
    return tf.image.stateless_random_flip_left_right(image, seed=seeds[1])


def _stream(files, seed, load_size, crop_size, preprocess):
    files = tf.data.Dataset.from_tensor_slices(list(files))
    files = files.shuffle(len(files), seed=seed,
                          reshuffle_each_iteration=True).repeat()
    seeds = tf.data.Dataset.random(seed=seed + 1).batch(2)
    return tf.data.Dataset.zip(files, seeds).map(
        lambda f, s: augment_train(decode_image(f), s, load_size, crop_size, preprocess),
        num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


def unpaired_train_dataset(files_a, files_b, batch_size, load_size=286,
                           crop_size=256, seed=0, *, preprocess):
    """Zipped, augmented, repeating A and B streams.

    Args:
        files_a, files_b: non-empty lists of image paths.
        batch_size: int B (global).
        load_size: int, resize side before cropping. Defaults to `286`.
        crop_size: int, training side. Defaults to `256`.
        seed: int; the same seed gives the same batches.
        preprocess: `(uint8 image, size) -> float32 image in [-1, 1]`
            (`style.processing.to_model_input`).

    Returns:
        `tf.data.Dataset` of {"A": (B, S, S, 3), "B": (B, S, S, 3)} float32.
    """
    for name, files in (("files_a", files_a), ("files_b", files_b)):
        if not files:
            raise ValueError(f"`{name}` is empty.")
    if crop_size > load_size:
        raise ValueError(f"`crop_size` ({crop_size}) must be <= `load_size` "
                         f"({load_size}).")
    a = _stream(files_a, seed, load_size, crop_size, preprocess)
    b = _stream(files_b, seed + 7919, load_size, crop_size, preprocess)
    return (tf.data.Dataset.zip({"A": a, "B": b})
            .batch(batch_size, drop_remainder=True)
            .prefetch(tf.data.AUTOTUNE))


def unpaired_test_dataset(files, crop_size=256, batch_size=1, *, preprocess):
    """Resized images with their paths, once, in order.

    Args:
        files: image paths.
        crop_size: int S, the side the images are resized to.
        batch_size: int.
        preprocess: `(uint8 image, size) -> float32 image in [-1, 1]`
            (`style.processing.to_model_input`).

    Returns:
        `tf.data.Dataset` of ((B, S, S, 3) float32 in [-1, 1], (B,) paths).
    """
    ds = tf.data.Dataset.from_tensor_slices(list(files))
    return (ds.map(lambda f: (preprocess(decode_image(f), crop_size), f),
                   num_parallel_calls=tf.data.AUTOTUNE)
            .batch(batch_size).prefetch(tf.data.AUTOTUNE))
