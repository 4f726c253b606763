"""End-to-end tests of `python -m tf_deepexag data ...`."""

import os

import numpy as np

from tf_deepexag import __main__ as cli
from tf_deepexag import data


def test_synthetic_then_tfrecord_with_a_bad_file(tmp_path, capsys):
    folder = str(tmp_path / "syn")
    assert cli.main(["data", "synthetic", "--out", folder, "--num_persons", "3",
                     "--pairs_per_person", "2", "--image_size", "48"]) == 0
    assert "Wrote 6 pairs of 3 persons" in capsys.readouterr().out
    bad = os.path.join(folder, "persons", "person_001", "caricature_00.pts")
    with open(bad, "w") as f:
        f.write("version: 1\nn_points: 68\n{\n1 2\n}\n")
    out_file = str(tmp_path / "pairs.tfrecord")
    assert cli.main(["data", "to_tfrecord", folder, "--out", out_file]) == 0
    out = capsys.readouterr().out
    assert "Wrote 5 pairs of 3 persons" in out and "1 rejected" in out
    assert "caricature_00.pts: header says 68 points, found 1" in out
    back = data.read_tfrecords(out_file)
    expected = data.read_paired_folder(folder, on_error="skip")
    np.testing.assert_array_equal(back.photo, expected.photo)


def test_fail_mode_exits_1_with_one_line(tmp_path, capsys):
    folder = str(tmp_path / "syn")
    cli.main(["data", "synthetic", "--out", folder, "--num_persons", "2",
              "--pairs_per_person", "1", "--no_images"])
    os.remove(os.path.join(folder, "persons", "person_000", "photo_00.pts"))
    code = cli.main(["data", "to_tfrecord", folder, "--out", str(tmp_path / "x.tfrecord"),
                     "--on_error", "fail"])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: ") and "photo_00.pts" in err
    assert not os.path.exists(tmp_path / "x.tfrecord")


def test_caricature_data_and_images(tmp_path, capsys):
    folder = tmp_path / "Caricature-Data" / "Caricature_w_landmark"
    folder.mkdir(parents=True)
    points = np.arange(136, dtype=np.float32).reshape(68, 2)
    for k in (1, 2):
        np.savetxt(folder / f"{k}.txt", points + k, fmt="%.3f")
    (folder / "1.jpg").write_bytes(b"garbage")  # does not decode
    out_file = str(tmp_path / "cari.tfrecord")
    assert cli.main(["data", "to_tfrecord", str(folder.parent), "--out", out_file,
                     "--format", "caricature_data", "--with_images"]) == 0
    out = capsys.readouterr().out
    assert "Wrote 1 caricatures (no photos" in out and "1 rejected" in out
    assert "1.jpg" in out and "cannot decode" in out
    back = data.read_landmark_tfrecords(out_file)
    np.testing.assert_array_equal(back.points[0], points + 2)

def test_tfrecord_out_naming_a_folder_is_one_line(tmp_path, capsys):
    folder = str(tmp_path / "syn")
    cli.main(["data", "synthetic", "--out", folder, "--num_persons", "2",
              "--pairs_per_person", "1", "--no_images"])
    capsys.readouterr()
    code = cli.main(["data", "to_tfrecord", folder, "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert code == 1 and err == f"error: `--out` must name a file, got the folder {str(tmp_path)!r}."


def test_tfrecords_get_the_umask_mode(tmp_path):
    old = os.umask(0o022)
    try:
        pairs = data.make_synthetic_pairs(num_persons=2, pairs_per_person=1)
        data.write_tfrecords(pairs, tmp_path / "p.tfrecord")
    finally:
        os.umask(old)
    assert os.stat(tmp_path / "p.tfrecord").st_mode & 0o777 == 0o644  # was 0600
