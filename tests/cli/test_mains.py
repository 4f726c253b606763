"""Every main (`python -m tf_deepexag`, `train.*`, `export.*`) is quiet by
default (no TensorFlow start-up lines) and reports bad input as one
`error: ...` line with exit status 1 (a traceback only with --verbose).

The cases run in three processes (`tests/cli/_run_mains.py`: absl mains that
share flag names cannot share a process), each importing TensorFlow once the
way the mains do.
"""

import json
import os
import subprocess
import sys

import pytest

from tf_deepexag.cli import _quiet

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

pytestmark = pytest.mark.slow


def _run_cases(cases, tmp_path, name):
    cases_path, results_path = tmp_path / f"{name}.json", tmp_path / f"{name}_codes.json"
    cases_path.write_text(json.dumps(cases))
    env = {k: v for k, v in os.environ.items() if k != _quiet.LOG_LEVEL_ENV}
    env["PYTHONPATH"] = ROOT
    result = subprocess.run([sys.executable, "-m", "tests.cli._run_mains", str(cases_path),
                             str(results_path)], capture_output=True, cwd=ROOT, env=env,
                            timeout=600)
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    # TensorFlow's C++ start-up lines never reach stderr.
    assert _quiet.drop_startup_lines(result.stderr) == result.stderr, result.stderr[:2000]
    text = result.stderr.decode()
    parts = text.split("=== case ")[1:]
    outputs = [part.split("\n", 1)[1] if "\n" in part else "" for part in parts]
    codes = json.loads(results_path.read_text())
    assert len(outputs) == len(codes) == len(cases), text[-3000:]
    return codes, outputs


def _assert_one_line(code, output, *names):
    lines = output.strip().splitlines()
    assert code == 1 and len(lines) == 1, (code, output)
    assert lines[0].startswith("error: ") and "Traceback" not in output, output
    for name in names:
        assert name in lines[0], (name, output)


def test_export_mains_and_the_cli(tmp_path):
    out = str(tmp_path / "out")
    nowhere = str(tmp_path / "nowhere")
    photo = str(tmp_path / "missing.jpg")
    cases = [
        ["export.saved_model", ["--model", nowhere, "--out", out]],
        ["export.saved_model", ["--out", out]],
        ["export.tflite", ["--model", nowhere, "--out", out, "stray"]],
        ["export.tflite", ["--model", nowhere, "--out", out]],
        ["export.tflite", ["--model", nowhere, "--out", out, "--verbose"]],
        ["tf_deepexag", ["caricature", photo, "-o", out, "--strength", "-1"]],
        ["tf_deepexag", ["caricature", photo, "-o", out, "--temperature", "-2"]],
        ["tf_deepexag", ["caricature", photo, "-o", out]],
    ]
    codes, outputs = _run_cases(cases, tmp_path, "export")
    _assert_one_line(codes[0], outputs[0], "nowhere")
    _assert_one_line(codes[1], outputs[1], "--model")
    _assert_one_line(codes[2], outputs[2], "stray")
    _assert_one_line(codes[3], outputs[3], "nowhere")
    assert codes[4] == 1 and "Traceback" in outputs[4]
    assert outputs[4].strip().splitlines()[-1] == outputs[3].strip()
    _assert_one_line(codes[5], outputs[5], "--strength", "must be a finite number >= 0")
    _assert_one_line(codes[6], outputs[6], "--temperature")
    _assert_one_line(codes[7], outputs[7], "missing.jpg")


def test_train_vae(tmp_path):
    model_dir = f"--model_dir={tmp_path / 'run'}"
    # A run folder of another configuration: refused before any data or model.
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "config.json").write_text('{"z_size": 999}\n')
    other = [f"--model_dir={tmp_path / 'other'}", "--num_steps=1"]
    cases = [
        ["train.vae", [model_dir, "--batch_size=0"]],
        ["train.vae", [model_dir, "--recurrent_dropout_prob=1.5"]],
        ["train.vae", [model_dir, "--test_fraction=1.0"]],
        ["train.vae", [model_dir, "--dec_model=lstm"]],  # a pruned setting
        ["train.vae", [model_dir, "stray"]],
        ["train.vae", ["--batch_size=8"]],
        ["train.vae", [model_dir, "--data=" + str(tmp_path / "no_pairs")]],
        ["train.vae", other],
        ["train.vae", other + ["--verbose"]],
    ]
    codes, outputs = _run_cases(cases, tmp_path, "vae")
    for code, output, name in zip(codes, outputs, [
            "batch_size", "recurrent_dropout_prob", "test_fraction", "dec_model", "stray",
            "--model_dir", "no_pairs", "z_size: saved 999, requested 128"]):
        _assert_one_line(code, output, name)
    assert codes[-1] == 1 and "Traceback" in outputs[-1]


def test_train_style(tmp_path):
    cases = [
        ["train.style", ["--data_dir=" + str(tmp_path)]],
        ["train.style", [f"--model_dir={tmp_path / 'run'}", "--light=maybe"]],
        ["train.style", [f"--model_dir={tmp_path / 'run'}",
                         f"--data_dir={tmp_path / 'no_images'}"]],
    ]
    codes, outputs = _run_cases(cases, tmp_path, "style")
    for code, output, name in zip(codes, outputs, ["--model_dir", "light", "no_images"]):
        _assert_one_line(code, output, name)
