"""bench/gpu.py runs end to end on the CPU (`--cpu_smoke`) and says when no GPU is there."""

import json
import math
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}


def _run(*args):
    return subprocess.run([sys.executable, "-m", "bench.gpu", *args], cwd=ROOT, env=ENV,
                          capture_output=True, text=True, timeout=900)


def test_without_a_gpu_it_says_so_and_measures_nothing(tmp_path):
    out = _run("--results_dir", str(tmp_path / "results"))
    assert out.returncode == 0, out.stderr[-2000:]
    assert "no GPU visible" in out.stdout
    assert not os.path.exists(tmp_path / "results")


@pytest.mark.slow
def test_cpu_smoke_runs_every_row(tmp_path):
    # One policy keeps the test short; the float16 one has the most code of its
    # own (loss scaling); test_precision covers the policies' numerics.
    out = _run("--cpu_smoke", "--policies", "mixed_float16", "--results_dir", str(tmp_path))
    assert out.returncode == 0, out.stderr[-3000:]
    with open(tmp_path / "gpu_cpu_smoke.json") as f:
        rows = json.load(f)["rows"]
    assert [r["model"] for r in rows] == [
        "U-GAT-IT light 32^2, batch 1", "VAE train step, batch 4",
        "keras.layers.LSTM(16) fwd+bwd, 4x68x18"]
    assert rows[0]["policy"] == "mixed_float16" and rows[0]["finite"] is True
    for row in rows:
        assert math.isfinite(row["steps/s"]) and row["steps/s"] > 0
    # The CPU allocator's books may be empty (oneDNN allocates on its own), so
    # the smoke run checks the column is there, not its size: that is a GPU figure.
    for row in rows[:2]:
        assert math.isfinite(row["peak GiB"]) and row["peak GiB"] >= 0
