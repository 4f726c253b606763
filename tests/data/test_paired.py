"""Tests for `tf_deepexag.data.paired` and `split`."""

import os

import numpy as np
import pytest

from tf_deepexag import data


def test_reads_pairs_exactly(paired_folder, tree_digest):
    root, photo, caricature = paired_folder
    before = tree_digest(root)
    ds = data.read_paired_folder(root)
    assert len(ds) == 6 and ds.num_persons == 3
    np.testing.assert_array_equal(ds.photo, photo)
    np.testing.assert_array_equal(ds.caricature, caricature)
    assert ds.photo_images == [None] * 6
    assert tree_digest(root) == before  # reading never modifies the folder


def _corrupt(root, name, text):
    with open(os.path.join(root, name), "wb" if isinstance(text, bytes) else "w") as f:
        f.write(text)


@pytest.mark.parametrize("name,text,reason", [
    ("p1_0_photo.pts", "1 2\n" * 67, "expected 68 points, found 67"),
    ("p1_0_car.txt", "1 2\n" * 67 + "1 nan\n", "non-finite"),
    ("p1_0_car.txt", "1 2\n" * 67 + "1 x\n", "non-numeric"),
    ("p1_0_car.txt", b"\x89PNG\r\n\x1a\n\xff\xfe", "not a text file"),
])
def test_bad_points_skip_or_fail(paired_folder, tree_digest, name, text, reason):
    root = paired_folder[0]
    _corrupt(root, name, text)
    before = tree_digest(root)
    with pytest.raises(ValueError, match=reason) as info:
        data.read_paired_folder(root, on_error="fail")
    assert "pairs.csv:4" in str(info.value) and name in str(info.value)
    ds = data.read_paired_folder(root, on_error="skip")
    assert len(ds) == 5
    assert len(ds.rejected) == 1 and reason in ds.rejected[0][1]
    # The other rows are intact, in order.
    np.testing.assert_array_equal(ds.photo, np.delete(paired_folder[1], 2, axis=0))
    assert tree_digest(root) == before


def test_missing_points_file_and_image(paired_folder):
    root = paired_folder[0]
    os.remove(os.path.join(root, "p0_1_photo.pts"))
    with pytest.raises(FileNotFoundError, match=r"pairs.csv:3: No such .*p0_1_photo.pts"):
        data.read_paired_folder(root, on_error="fail")
    ds = data.read_paired_folder(root, on_error="skip")
    assert len(ds) == 5 and "No such points file" in ds.rejected[0][1]
    text = open(os.path.join(root, "pairs.csv")).read().replace(
        "p2_1_photo.pts,", "p2_1_photo.pts,missing.jpg", 1)
    _corrupt(root, "pairs.csv", text)
    ds = data.read_paired_folder(root, on_error="skip")
    assert len(ds) == 4
    assert "`caricature_image` file not found" in ds.rejected[1][1]
    assert ds.rejected[1][0].endswith("pairs.csv:7")


def test_image_that_does_not_decode(paired_folder):
    root = paired_folder[0]
    _corrupt(root, "face.png", "not a png")
    text = open(os.path.join(root, "pairs.csv")).read().replace(
        "person1,,p1_1_photo.pts", "person1,face.png,p1_1_photo.pts", 1)
    _corrupt(root, "pairs.csv", text)
    assert data.read_paired_folder(root).photo_images[3].endswith("face.png")
    with pytest.raises(ValueError, match=r"pairs.csv:5: `photo_image` .*face.png.*decode"):
        data.read_paired_folder(root, check_images=True)
    ds = data.read_paired_folder(root, on_error="skip", check_images=True)
    assert len(ds) == 5 and ds.rejected[0][0].endswith("pairs.csv:5")


def test_bad_csv(tmp_path):
    with pytest.raises(FileNotFoundError, match="no pairs.csv"):
        data.read_paired_folder(str(tmp_path))
    _corrupt(str(tmp_path), "pairs.csv", "person,photo_points\nx,y.pts\n")
    with pytest.raises(ValueError, match=r"lacks columns \['photo_image'"):
        data.read_paired_folder(str(tmp_path))
    with pytest.raises(ValueError, match="`on_error`"):
        data.read_paired_folder(str(tmp_path), on_error="ignore")
    with open(os.path.join(str(tmp_path), "pairs.csv"), "wb") as f:
        f.write(b"person,\xff\xfe\n")
    with pytest.raises(ValueError, match="pairs.csv is not a readable UTF-8 CSV"):
        data.read_paired_folder(str(tmp_path))
    with pytest.raises(FileNotFoundError, match="No such dataset folder"):
        data.read_paired_folder(str(tmp_path / "nope"))


def test_all_rows_bad_is_a_clear_error(paired_folder):
    root = paired_folder[0]
    for name in os.listdir(root):
        if name.endswith(".pts"):
            _corrupt(root, name, "junk\n")
    with pytest.raises(ValueError, match=r"No usable pairs .*\(6 rejected"):
        data.read_paired_folder(root, on_error="skip")


def test_split_by_person_is_disjoint_and_deterministic():
    ds = data.make_synthetic_pairs(num_persons=10, pairs_per_person=3, seed=1)
    train, test = data.split_by_person(ds, 0.3, seed=4)
    assert len(train) + len(test) == len(ds)
    assert not set(train.persons) & set(test.persons)
    assert len(set(test.persons)) == 3
    again = data.split_by_person(ds, 0.3, seed=4)[1]
    np.testing.assert_array_equal(again.photo, test.photo)
    with pytest.raises(ValueError, match="test_fraction"):
        data.split_by_person(ds, 1.5)
