"""Unpaired dataset builder: a real face (astronaut), drawings, landmarks, errors."""

import csv
import os

import numpy as np
import pytest
import skimage.data
from PIL import Image

from tf_deepexag import __main__ as cli
from tf_deepexag import detect, fileio, landmarks
from tf_deepexag.data import face_crop, read_unpaired_folder
from tf_deepexag.data import unpaired_builder as ub

_ASTRONAUT_PTS = os.path.join(os.path.dirname(__file__), "astronaut_68.pts")
_OFFSET = np.array([100.0, 80.0])  # where the 17 drawn landmarks are moved to


def _drawing(seed, h=240, w=300):
    """Random black strokes and boxes on white paper: no face for a detector."""
    rng = np.random.default_rng(seed)
    image = np.full((h, w, 3), 255, np.uint8)
    for _ in range(6):
        y, x = rng.integers(0, h - 20), rng.integers(0, w - 40)
        image[y:y + rng.integers(2, 6), x:x + rng.integers(10, 40)] = 0
        y, x = rng.integers(0, h - 30), rng.integers(0, w - 30)
        image[y:y + 25, x:x + 25] = rng.integers(0, 255, 3)
    return image


def _points17():
    points = np.zeros((17, 2))
    points[8:12] = [[35, 50], [45, 50], [55, 50], [65, 50]]
    points[15:17] = [[45, 70], [55, 70]]
    return points + _OFFSET


def _write(path, image):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(image).save(path)


@pytest.fixture(scope="module")
def landmarker():
    return detect.FaceLandmarker()


@pytest.fixture()
def sources(tmp_path):
    """photos/: the astronaut on a wide canvas (left), a smaller copy, an
    undecodable file; caricatures/<person>/: drawings, one with 17 points."""
    wide = np.full((512, 900, 3), 128, np.uint8)
    wide[:, :512] = skimage.data.astronaut()
    _write(str(tmp_path / "photos" / "astronaut_wide.png"), wide)
    _write(str(tmp_path / "photos" / "astronaut_small.jpg"),
           np.asarray(Image.fromarray(skimage.data.astronaut()).resize((256, 256))))
    (tmp_path / "photos" / "broken.jpg").write_bytes(b"not a jpeg")
    for i, rel in enumerate(("PersonA/C00001.png", "PersonA/C00002.png",
                             "PersonB/C00001.png", "PersonC/C00001.png")):
        _write(str(tmp_path / "caricatures" / rel), _drawing(i))
    os.makedirs(tmp_path / "points" / "PersonA")
    np.savetxt(tmp_path / "points" / "PersonA" / "C00001.txt", _points17(), fmt="%.2f")
    return (ub.Source(str(tmp_path / "photos")),
            ub.Source(str(tmp_path / "caricatures"), str(tmp_path / "points")))


def _rows(out):
    with open(os.path.join(out, "crops.csv"), newline="") as f:
        return {row["file"]: row for row in csv.DictReader(f)}


def test_crops_by_detector_landmarks_and_centre(sources, tmp_path, landmarker):
    out = str(tmp_path / "out")
    calls = []
    reports = ub.build_unpaired_folder(*sources, out, size=64, test_fraction=0.25,
                                       landmarker=landmarker,
                                       progress=lambda: calls.append(1))
    a, b = reports["A"], reports["B"]
    assert len(calls) == 7
    assert (a.found, a.methods, len(a.skipped)) == (
        3, {"detector": 2, "landmarks": 0, "centre": 0}, 1)
    assert a.skipped[0][0].endswith("broken.jpg") and "cannot decode" in a.skipped[0][1]
    assert (b.found, b.methods) == (4, {"detector": 0, "landmarks": 1, "centre": 3})
    assert a.train + a.test == 2 and b.train + b.test == 4 and b.test >= 1
    folder = read_unpaired_folder(out, require=("trainA", "trainB"))  # as train.style
    assert len(folder.train_a) + len(folder.test_a) == 2
    for path in folder.train_a + folder.train_b + folder.test_a + folder.test_b:
        assert fileio.read_image(path).shape == (64, 64, 3)
    assert not [n for _, _, files in os.walk(out) for n in files if n.endswith(".tmp")]

    rows = {os.path.basename(k): (k, r) for k, r in _rows(out).items()}
    # The astronaut: the box the reference landmarks give, within the
    # detector's landmark error; it holds all 68 points, off the image centre.
    reference = landmarks.read_pts(_ASTRONAUT_PTS)
    want = face_crop.fit_square(*face_crop.face_square(reference), 900, 512)
    _, row = rows["astronaut_wide.png"]
    box = [int(row[k]) for k in ("x0", "y0", "x1", "y1")]
    assert row["method"] == "detector"
    np.testing.assert_allclose(box, want, atol=4)
    assert (reference.min(0) >= box[:2]).all() and (reference.max(0) < box[2:]).all()
    # The landmark file's face: centre (150, 132), side 80 (test_face_crop).
    _, row = rows["PersonA_C00001.png"]
    assert row["method"] == "landmarks"
    assert [int(row[k]) for k in ("x0", "y0", "x1", "y1")] == [111, 93, 191, 173]
    _, row = rows["PersonB_C00001.png"]
    assert row["method"] == "centre"
    assert [int(row[k]) for k in ("x0", "y0", "x1", "y1")] == [30, 0, 270, 240]
    # A person's drawings stay on one side of the split.
    splits = {rows[f"PersonA_C0000{i}.png"][0].split(os.sep)[0] for i in (1, 2)}
    assert len(splits) == 1

    with pytest.raises(FileExistsError, match="already holds images"):
        ub.build_unpaired_folder(*sources, out, size=64, landmarker=landmarker)


def test_no_face_skip_and_prefer_landmarks(sources, tmp_path, landmarker):
    out = str(tmp_path / "out")
    reports = ub.build_unpaired_folder(*sources, out, size=32, test_fraction=0.0,
                                       no_face="skip", prefer_landmarks=True,
                                       landmarker=landmarker)
    b = reports["B"]
    assert b.methods == {"detector": 0, "landmarks": 1, "centre": 0}
    assert b.train == 1 and b.test == 0 and len(b.skipped) == 3
    assert all(reason == "no face found" for _, reason in b.skipped)


def test_bad_arguments_name_themselves(sources, tmp_path):
    for kwargs, name in (({"size": 4}, "size"), ({"test_fraction": 1.0}, "test_fraction"),
                         ({"no_face": "blur"}, "no_face"), ({"scale": 0}, "scale")):
        with pytest.raises(ValueError, match=name):
            ub.build_unpaired_folder(*sources, str(tmp_path / "o"), **kwargs)
    with pytest.raises(FileNotFoundError, match="nowhere"):
        ub.build_unpaired_folder(str(tmp_path / "nowhere"), sources[1], str(tmp_path / "o"))


def test_cli_webcaricature_layout(tmp_path, capsys):
    root = tmp_path / "WebCaricature"
    _write(str(root / "OriginalImages" / "Ann" / "P00001.jpg"), skimage.data.astronaut())
    _write(str(root / "OriginalImages" / "Ann" / "C00001.png"), _drawing(7))
    _write(str(root / "OriginalImages" / "Ann" / "C00002.png"), _drawing(8))
    os.makedirs(root / "FacialPoints" / "Ann")
    np.savetxt(root / "FacialPoints" / "Ann" / "C00001.txt", _points17(), fmt="%.2f")
    (root / "FacialPoints" / "Ann" / "C00002.txt").write_text("1 2\n3 4\n")  # malformed
    out = str(tmp_path / "out")
    assert cli.main(["data", "unpaired", "--webcaricature", str(root), "--out", out,
                     "--size", "32"]) == 0
    text = capsys.readouterr().out
    assert "photos: 1 found, trainA 1, testA 0 (placed by detector 1, landmarks 0, " \
           "centre 0), 0 skipped" in text
    assert "caricatures: 2 found, trainB 2, testB 0 (placed by detector 0, landmarks 1, " \
           "centre 1), 0 skipped" in text
    assert sorted(os.listdir(os.path.join(out, "trainB"))) == ["Ann_C00001.png",
                                                              "Ann_C00002.png"]

    code = cli.main(["data", "unpaired", "--webcaricature", str(root), "--out", out])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: ") and err.count("\n") == 1
    assert "already holds images" in err
    code = cli.main(["data", "unpaired", "--photos", str(root), "--out", out])
    err = capsys.readouterr().err
    assert code == 1 and "--caricatures" in err and err.count("\n") == 1
