"""Tests for `tf_deepexag.data.public_datasets` on tiny fixture folders."""

import os

import numpy as np
import pytest

from tf_deepexag import data


def _write_points(path, n, value):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.savetxt(path, np.full((n, 2), value, np.float32), fmt="%.3f")


def test_webcaricature_pairs_per_person(tmp_path):
    root = tmp_path / "WebCaricature"
    for person, photos, cars in (("Alice", 2, 3), ("Bob", 1, 1)):
        for k in range(photos):
            _write_points(str(root / "FacialPoints" / person / f"P{k:05d}.txt"), 17, k)
        for k in range(cars):
            _write_points(str(root / "FacialPoints" / person / f"C{k:05d}.txt"), 17, 10 + k)
    (root / "OriginalImages" / "Bob").mkdir(parents=True)
    (root / "OriginalImages" / "Bob" / "P00000.jpg").write_bytes(b"x")
    ds = data.read_webcaricature(str(root))
    assert len(ds) == 2 * 3 + 1 and ds.photo.shape == (7, 17, 2)
    assert sorted(set(ds.persons)) == ["Alice", "Bob"]
    bob = list(ds.persons).index("Bob")
    assert ds.photo_images[bob].endswith("P00000.jpg") and ds.caricature_images[bob] is None
    np.testing.assert_array_equal(ds.caricature[bob], 10.0)


def test_webcaricature_bad_files(tmp_path):
    root = tmp_path / "W"
    _write_points(str(root / "FacialPoints" / "A" / "P00001.txt"), 17, 1)
    _write_points(str(root / "FacialPoints" / "A" / "C00001.txt"), 16, 1)
    _write_points(str(root / "FacialPoints" / "A" / "X00001.txt"), 17, 1)
    with pytest.raises(ValueError, match="X00001.txt: name must start with C or P"):
        data.read_webcaricature(str(root), on_error="fail")
    with pytest.raises(ValueError, match="No usable pairs"):
        data.read_webcaricature(str(root), on_error="skip")
    with pytest.raises(FileNotFoundError, match="FacialPoints"):
        data.read_webcaricature(str(tmp_path))


def test_caricature_data(tmp_path):
    for domain, value in (("photos", 1.0), ("caricatures", 2.0)):
        for k in range(2):
            _write_points(str(tmp_path / domain / "Carol" / f"{k}.txt"), 68, value)
    ds = data.read_caricature_data(str(tmp_path / "photos"), str(tmp_path / "caricatures"))
    assert len(ds) == 4 and ds.num_persons == 1
    np.testing.assert_array_equal(ds.caricature, 2.0)
