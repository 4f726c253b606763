"""Tests for `python -m tf_deepexag info` and the CLI's error handling."""

import os
import subprocess
import sys

from tf_deepexag import __main__ as cli


def test_info_lists_versions_and_assets(capsys):
    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out
    assert "tf_deepexag 0.1.0" in out
    assert "tensorflow" in out and "astronaut_68.pts" in out


def test_known_errors_become_one_line_and_exit_1(capsys, monkeypatch):
    from tf_deepexag.cli import info

    def boom(args):
        raise FileNotFoundError("No such photo: x.jpg")

    monkeypatch.setattr(info, "run", boom)
    assert cli.main(["info"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "error: No such photo: x.jpg"


# Lines TensorFlow 2.21 prints on import (CPU machine; absl's notice first).
_STARTUP = (
    b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
    b"I0000 00:00:1796223713.374009   16118 port.cc:153] oneDNN custom operations are on. "
    b"You may see slightly different numerical results.\n"
    b"I0000 00:00:1796223713.374363   16118 cudart_stub.cc:31] Could not find cuda drivers "
    b"on your machine, GPU will not be used.\n"
    b"I0000 00:00:1796223713.525401   16118 cpu_feature_guard.cc:227] This TensorFlow binary "
    b"is optimized to use available CPU instructions in performance-critical operations.\n"
    b"To enable the following instructions: AVX2 FMA, in other operations, rebuild "
    b"TensorFlow with the appropriate compiler flags.\n")
_START_UP_WORDS = ("absl::InitializeLog", "cudart_stub", "oneDNN", "cpu_feature_guard",
                   "cuInit")


def test_startup_lines_are_dropped_and_everything_else_kept():
    from tf_deepexag.cli import _quiet
    warning = b"/x/y.py:3: UserWarning: something the user should see\n"
    error = b"E0000 00:00:1796223721.863075   16118 cuda_platform.cc:52] a real error\n"
    assert _quiet.drop_startup_lines(_STARTUP) == b""
    assert _quiet.drop_startup_lines(warning + _STARTUP + error) == warning + error


def test_info_in_a_fresh_process_prints_no_tensorflow_startup_lines():
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run([sys.executable, "-m", "tf_deepexag", "info"], env=env,
                            capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "TensorFlow devices: " in result.stdout
    assert not [w for w in _START_UP_WORDS if w in result.stderr], result.stderr
