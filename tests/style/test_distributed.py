"""MirroredStrategy on 2 logical CPUs == default strategy on the global batch."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.slow
def test_mirrored_step_equals_global_batch_step():
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}
    out = subprocess.run([sys.executable, "tests/style/mirrored_check.py"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["replicas"] == 2
    # Gradients summed over replicas of loss / num_replicas = global mean.
    assert result["max_weight_diff"] < 1e-5, result
    assert abs(result["ref_g_loss"] - result["mirrored_g_loss"]) < 1e-3 * result["ref_g_loss"]
