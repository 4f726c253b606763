"""Tests for `tf_deepexag.data.public_datasets` on tiny fixture folders."""

import os

import numpy as np
import pytest

from tf_deepexag import data, fileio


def _write_points(path, n, value):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.savetxt(path, np.full((n, 2), value, np.float32), fmt="%.3f")


def _webcaricature(root):
    for person, photos, cars in (("Alice", 2, 3), ("Bob", 1, 1)):
        for k in range(photos):
            _write_points(str(root / "FacialPoints" / person / f"P{k:05d}.txt"), 17, k)
        for k in range(cars):
            _write_points(str(root / "FacialPoints" / person / f"C{k:05d}.txt"), 17, 10 + k)
    (root / "OriginalImages" / "Bob").mkdir(parents=True)
    fileio.write_image(str(root / "OriginalImages" / "Bob" / "P00000.jpg"),
                       np.zeros((8, 8, 3), np.uint8))
    return root


def test_webcaricature_pairs_per_person(tmp_path, tree_digest):
    root = _webcaricature(tmp_path / "WebCaricature")
    before = tree_digest(root)
    ds = data.read_webcaricature(str(root), check_images=True)
    assert len(ds) == 2 * 3 + 1 and ds.photo.shape == (7, 17, 2)
    assert sorted(set(ds.persons)) == ["Alice", "Bob"]
    bob = list(ds.persons).index("Bob")
    assert ds.photo_images[bob].endswith("P00000.jpg") and ds.caricature_images[bob] is None
    np.testing.assert_array_equal(ds.caricature[bob], 10.0)
    # Round robin: the first 3 pairs of Alice use each caricature once.
    capped = data.read_webcaricature(str(root), max_pairs_per_person=3)
    alice = capped.persons == "Alice"
    np.testing.assert_array_equal(capped.caricature[alice][:, 0, 0], [10, 11, 12])
    np.testing.assert_array_equal(capped.photo[alice][:, 0, 0], [0, 1, 0])
    assert tree_digest(root) == before


@pytest.mark.parametrize("name,text,reason,error", [
    ("C00001.txt", "1 2\n" * 16, "expected 17 points, found 16", ValueError),
    ("C00001.txt", "1 2\n" * 16 + "nan 1\n", "non-finite", ValueError),
    ("C00001.txt", "1 2\n" * 16 + "a 1\n", "non-numeric", ValueError),
    ("X00001.txt", "1 2\n" * 17, "name must start with C or P", ValueError),
])
def test_webcaricature_bad_files(tmp_path, tree_digest, name, text, reason, error):
    root = _webcaricature(tmp_path / "W")
    (root / "FacialPoints" / "Alice" / name).write_text(text)
    before = tree_digest(root)
    with pytest.raises(error, match=reason) as info:
        data.read_webcaricature(str(root), on_error="fail")
    assert name in str(info.value)
    ds = data.read_webcaricature(str(root), on_error="skip")
    assert [os.path.basename(f) for f, _ in ds.rejected] == [name]
    assert reason in ds.rejected[0][1]
    assert len(ds) == (7 if name.startswith("X") else 2 * 2 + 1)  # C00001 replaced
    assert tree_digest(root) == before


def test_webcaricature_undecodable_image_and_errors(tmp_path):
    root = _webcaricature(tmp_path / "W")
    (root / "OriginalImages" / "Bob" / "P00000.jpg").write_bytes(b"not a jpeg")
    assert len(data.read_webcaricature(str(root))) == 7  # not decoded by default
    with pytest.raises(ValueError, match="P00000.jpg.*cannot decode"):
        data.read_webcaricature(str(root), check_images=True)
    ds = data.read_webcaricature(str(root), on_error="skip", check_images=True)
    assert len(ds) == 6 and "Bob" not in set(ds.persons)
    with pytest.raises(FileNotFoundError, match="FacialPoints"):
        data.read_webcaricature(str(tmp_path))
    only_photos = tmp_path / "P"
    _write_points(str(only_photos / "FacialPoints" / "A" / "P00001.txt"), 17, 1)
    with pytest.raises(ValueError, match="No usable pairs"):
        data.read_webcaricature(str(only_photos))


def _caricature_data(root, count=3):
    folder = root / "Caricature_w_landmark"
    for k in (1, 2, 10)[:count]:
        _write_points(str(folder / f"{k}.txt"), 68, k)
        fileio.write_image(str(folder / f"{k}.jpg"), np.full((8, 8, 3), k, np.uint8))
    return root


def test_caricature_data_flat_folder(tmp_path, tree_digest):
    root = _caricature_data(tmp_path / "Caricature-Data")
    before = tree_digest(root)
    ds = data.read_caricature_data(str(root), check_images=True)
    assert isinstance(ds, data.LandmarkSet) and ds.points.shape == (3, 68, 2)
    assert list(ds.names) == ["1", "2", "10"]  # numeric order
    np.testing.assert_array_equal(ds.points[:, 0, 0], [1, 2, 10])
    assert ds.images[2].endswith(os.path.join("Caricature_w_landmark", "10.jpg"))
    same = data.read_caricature_data(str(root / "Caricature_w_landmark"))
    np.testing.assert_array_equal(same.points, ds.points)
    assert tree_digest(root) == before


@pytest.mark.parametrize("name,content,reason,error", [
    ("2.txt", "1 2\n" * 60, "expected 68 points, found 60", ValueError),
    ("2.txt", "1 2\n" * 67 + "inf 2\n", "non-finite", ValueError),
    ("2.jpg", b"\xff\xd8 truncated", "cannot decode", ValueError),
])
def test_caricature_data_bad_files(tmp_path, tree_digest, name, content, reason, error):
    root = _caricature_data(tmp_path / "C")
    path = root / "Caricature_w_landmark" / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    before = tree_digest(root)
    with pytest.raises(error, match=reason) as info:
        data.read_caricature_data(str(root), check_images=True)
    assert name in str(info.value)
    ds = data.read_caricature_data(str(root), on_error="skip", check_images=True)
    assert list(ds.names) == ["1", "10"] and name in ds.rejected[0][0]
    assert tree_digest(root) == before
    with pytest.raises(FileNotFoundError, match="No such folder"):
        data.read_caricature_data(str(tmp_path / "nope"))
