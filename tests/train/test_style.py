"""Smoke test of `python -m train.style` (subprocess: absl flags are global)."""

import json
import os
import subprocess
import sys

import pytest

from tests.style.unpaired_fixtures import write_unpaired

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(*args):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}
    return subprocess.run([sys.executable, "-m", "train.style",
                           "--flagfile=train/configs/ugatit_smoke.cfg", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)


@pytest.mark.slow
def test_smoke_train_resume_refuse_and_translate(tmp_path):
    data = write_unpaired(tmp_path / "data")
    model_dir = str(tmp_path / "run")
    first = _run(f"--data_dir={data}", f"--model_dir={model_dir}")
    assert first.returncode == 0, first.stderr[-3000:]
    assert os.path.exists(os.path.join(model_dir, "config.json"))
    assert os.path.exists(os.path.join(model_dir, "checkpoints", "ckpt-2.index"))
    assert os.path.exists(os.path.join(model_dir, "export", "generator_a2b.keras"))
    assert os.path.exists(os.path.join(model_dir, "export", "config.json"))
    assert os.listdir(os.path.join(model_dir, "train"))  # TensorBoard events

    again = _run(f"--data_dir={data}", f"--model_dir={model_dir}")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "already finished" in again.stderr

    other = _run(f"--data_dir={data}", f"--model_dir={model_dir}", "--ngf=16")
    assert other.returncode != 0
    assert "ngf: saved 8, requested 16" in other.stderr

    out = str(tmp_path / "out")
    test = _run(f"--model_dir={model_dir}", "--mode=test",
                f"--input_dir={data}/testA", f"--output_dir={out}")
    assert test.returncode == 0, test.stderr[-3000:]
    assert sorted(os.listdir(out)) == ["0.png", "1.png", "2.png"]


@pytest.mark.slow
def test_policy_is_recorded_and_resume_with_another_is_refused(tmp_path):
    from tf_deepexag.style.stylizers import load_generator

    data = write_unpaired(tmp_path / "data", modes=False)
    model_dir = str(tmp_path / "run")
    first = _run(f"--data_dir={data}", f"--model_dir={model_dir}", "--num_steps=1",
                 "--mixed_precision=mixed_bfloat16")
    assert first.returncode == 0, first.stderr[-3000:]
    for path in ("config.json", os.path.join("export", "config.json")):
        with open(os.path.join(model_dir, path)) as f:
            assert json.load(f)["mixed_precision"] == "mixed_bfloat16"
    # The exported generator is a float32 model wherever it is loaded.
    generator = load_generator(model_dir)
    assert generator.conv_in.compute_dtype == "float32"
    assert generator.cam.conv1x1.compute_dtype == "float32"

    other = _run(f"--data_dir={data}", f"--model_dir={model_dir}", "--num_steps=2",
                 "--mixed_precision=float32")
    assert other.returncode != 0
    assert "mixed_precision: saved 'mixed_bfloat16', requested 'float32'" in other.stderr


def test_stray_arguments_are_usage_errors(tmp_path):
    result = _run(f"--model_dir={tmp_path}", "extra")
    assert result.returncode != 0
    assert "Unexpected arguments: extra" in result.stderr
