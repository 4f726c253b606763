"""Tests of tf_deepexag/data/unpaired.py."""

import os

import numpy as np
import pytest
import tensorflow as tf

from tests.style.unpaired_fixtures import write_unpaired
from tf_deepexag.data import unpaired
from tf_deepexag.style.processing import to_model_input


def test_reads_mixed_sizes_and_modes(tmp_path):
    root = write_unpaired(tmp_path / "ds")
    folder = unpaired.read_unpaired_folder(root)
    assert len(folder.train_a) == 5 and len(folder.train_b) == 4
    assert len(folder.test_a) == 3 and len(folder.test_b) == 3
    ds = unpaired.unpaired_train_dataset(folder.train_a, folder.train_b, 2,
                                         load_size=36, crop_size=32, seed=1,
                                         preprocess=to_model_input)
    for batch in ds.take(4):
        for key in ("A", "B"):
            x = batch[key].numpy()
            assert x.shape == (2, 32, 32, 3) and x.dtype == np.float32
            assert x.min() >= -1.0 and x.max() <= 1.0
    # Grayscale decodes to three equal channels.
    gray = unpaired.decode_image(os.path.join(root, "trainA", "gray.png")).numpy()
    assert gray.shape == (30, 50, 3)
    np.testing.assert_array_equal(gray[..., 0], gray[..., 2])


def test_same_seed_same_batches(tmp_path):
    folder = unpaired.read_unpaired_folder(write_unpaired(tmp_path / "ds"))
    make = lambda seed: [b["A"].numpy() for b in unpaired.unpaired_train_dataset(
        folder.train_a, folder.train_b, 1, 36, 32, seed=seed,
        preprocess=to_model_input).take(5)]
    for a, b in zip(make(3), make(3)):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(make(3), make(4)))


def test_augment_is_crop_of_resize_with_flip():
    img = tf.constant(np.arange(8 * 8 * 3, dtype=np.uint8).reshape(8, 8, 3))
    out = unpaired.augment_train(img, tf.constant([1, 2]), 8, 6, to_model_input).numpy()
    full = img.numpy().astype(np.float32) / 127.5 - 1.0  # resize to own size = identity
    crops = [full[i:i + 6, j:j + 6] for i in range(3) for j in range(3)]
    crops += [c[:, ::-1] for c in crops]
    assert min(np.abs(out - c).max() for c in crops) < 1e-5


def test_test_pipeline_resizes_without_augmentation(tmp_path):
    folder = unpaired.read_unpaired_folder(write_unpaired(tmp_path / "ds"))
    (x, paths), = list(unpaired.unpaired_test_dataset(folder.test_a, 32, batch_size=3,
                                                      preprocess=to_model_input))
    assert x.shape == (3, 32, 32, 3)
    assert [p.decode() for p in paths.numpy()] == folder.test_a
    again = next(iter(unpaired.unpaired_test_dataset(folder.test_a, 32, 3,
                                                     preprocess=to_model_input)))[0]
    np.testing.assert_array_equal(x.numpy(), again.numpy())
    # The test transform is the inference one (`style.processing`).
    first = unpaired.decode_image(folder.test_a[0])
    np.testing.assert_array_equal(x[0], to_model_input(first, 32))


def test_missing_or_empty_domain_is_named(tmp_path):
    root = write_unpaired(tmp_path / "ds", modes=False)
    for name in os.listdir(os.path.join(root, "trainB")):
        os.remove(os.path.join(root, "trainB", name))
    with pytest.raises(ValueError, match="trainB"):
        unpaired.read_unpaired_folder(root)
    os.rmdir(os.path.join(root, "trainB"))
    with pytest.raises(FileNotFoundError, match="trainB"):
        unpaired.read_unpaired_folder(root)
    with pytest.raises(FileNotFoundError, match="nowhere"):
        unpaired.read_unpaired_folder(tmp_path / "nowhere")


def test_undecodable_file_skip_or_fail(tmp_path):
    root = write_unpaired(tmp_path / "ds", modes=False)
    bad = os.path.join(root, "trainA", "bad.png")
    with open(bad, "wb") as f:
        f.write(b"not an image")
    with pytest.raises(ValueError, match="bad.png"):
        unpaired.read_unpaired_folder(root, on_error="fail")
    folder = unpaired.read_unpaired_folder(root, on_error="skip")
    assert bad not in folder.train_a and folder.rejected[0][0] == bad
    with pytest.raises(ValueError, match="on_error"):
        unpaired.read_unpaired_folder(root, on_error="ignore")
