"""Tests for `tf_deepexag.cli._outputs`: output sets owned by their photo,
published all or none, safe with concurrent runs."""

import hashlib
import json
import os
import subprocess
import sys
import textwrap

import pytest

from tf_deepexag import fileio
from tf_deepexag.cli import _outputs


def _text_writer(text):
    def write(path):
        fileio.write_text_atomic(path, text)
    return write


def _publish(folder, name, photo_text, suffixes=(".txt",)):
    """Publishes a set whose files hold `photo_text` (the stand-in photo)."""
    with folder.stage(name, _digest(photo_text), f"/photos/{photo_text}") as outputs:
        for suffix in suffixes:
            outputs.write(suffix, _text_writer(photo_text))
    return outputs


def _digest(text):
    return hashlib.sha256(text.encode()).hexdigest()


def test_a_name_belongs_to_the_photo_that_claimed_it(tmp_path):
    folder = _outputs.OutputFolder(tmp_path, "test", {"k": 1})
    assert _publish(folder, "a", "photo1").name == "a"
    assert _publish(folder, "a", "photo2").name == "a_2"
    assert _publish(folder, "a", "photo1").name == "a"  # its own name again
    assert (tmp_path / "a.txt").read_text() == "photo1"
    assert (tmp_path / "a_2.txt").read_text() == "photo2"
    assert folder.done_name("a", _digest("photo2"), [".txt"]) == "a_2"
    assert folder.done_name("a", _digest("photo3"), [".txt"]) is None
    assert _outputs.OutputFolder(tmp_path, "test", {"k": 2}).done_name(
            "a", _digest("photo1"), [".txt"]) is None  # other settings: not done
    record = json.loads((tmp_path / ".a_2.test.done.json").read_text())
    assert record["source"] == {"path": "/photos/photo2", "sha256": _digest("photo2")}
    assert record["state"] == "done" and record["outputs"] == [".txt"]


def test_files_no_record_lists_are_replaced_only_with_overwrite(tmp_path):
    (tmp_path / "a.txt").write_text("the user's")
    assert _publish(_outputs.OutputFolder(tmp_path, "test", {}), "a", "p").name == "a_2"
    assert (tmp_path / "a.txt").read_text() == "the user's"
    folder = _outputs.OutputFolder(tmp_path, "test", {}, overwrite=True)
    assert _publish(folder, "a", "q").name == "a"
    assert (tmp_path / "a.txt").read_text() == "q"


def test_a_failing_set_publishes_nothing_and_leaves_no_temporary_file(tmp_path):
    folder = _outputs.OutputFolder(tmp_path, "test", {})
    with pytest.raises(RuntimeError):
        with folder.stage("a", _digest("p"), "p") as outputs:
            outputs.write(".txt", _text_writer("p"))
            raise RuntimeError("the photo turned out bad")
    assert os.listdir(tmp_path) == []


def test_outputs_found_in_a_folder_are_not_inputs(tmp_path):
    folder = _outputs.OutputFolder(tmp_path, "test", {})
    _publish(folder, "a", "p", suffixes=("_x.png", "_y.png"))
    found = [str(tmp_path / n) for n in ("a.png", "a_x.png", "a_y.png", "b_x.png",
                                         ".a.test.done.json", ".tf_deepexag.lock",
                                         ".a_x.png.k2j4.tmp.png")]
    assert _outputs.exclude_outputs(found, [str(tmp_path)]) == (
            [str(tmp_path / "a.png"), str(tmp_path / "b_x.png")], 5)
    # A file named on the command line is the user's choice.
    assert _outputs.exclude_outputs(found[1:2], found[1:2]) == (found[1:2], 0)


_WRITER = textwrap.dedent("""
    import contextlib, hashlib, sys
    from tf_deepexag import fileio
    from tf_deepexag.cli import _outputs
    if sys.argv[4] == "unlocked":  # as where the OS has no fcntl
        fileio.folder_lock = lambda folder: contextlib.nullcontext()
    folder = _outputs.OutputFolder(sys.argv[1], "test", {})
    for k in range(int(sys.argv[3])):
        photo = f"{sys.argv[2]}-{k}"
        with folder.stage(f"IMG_{k % 3}", hashlib.sha256(photo.encode()).hexdigest(),
                          photo) as outputs:
            for suffix in ("_a.txt", "_b.txt"):
                outputs.write(suffix, lambda path: fileio.write_text_atomic(path, photo))
""")


@pytest.mark.parametrize("lock", ["locked", "unlocked"])
def test_concurrent_runs_never_replace_each_others_sets(tmp_path, lock):
    runs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path), run, "30", lock])
            for run in ("card1", "card2", "card3")]
    assert [p.wait(timeout=120) for p in runs] == [0, 0, 0]
    records = [json.loads((tmp_path / f).read_text()) for f in os.listdir(tmp_path)
               if f.endswith(".done.json")]
    assert len(records) == 90  # every photo kept its own set
    for record in records:
        assert record["state"] == "done"
        for suffix in record["outputs"]:  # both files of a set are its photo's
            assert (tmp_path / (record["name"] + suffix)).read_text() == \
                os.path.basename(record["source"]["path"])
    assert sorted(f for f in os.listdir(tmp_path) if not f.startswith(".")) == sorted(
            r["name"] + s for r in records for s in ("_a.txt", "_b.txt"))
