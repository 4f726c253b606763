"""bench/cold_start.py runs end to end (`--smoke`: one run of each, tiny stages)."""

import json
import math
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.slow
def test_smoke_run_reports_every_row(tmp_path):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}
    out = subprocess.run([sys.executable, "-m", "bench.cold_start", "--smoke",
                          "--results_dir", str(tmp_path)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    with open(tmp_path / "cold_start_smoke.json") as f:
        rows = {r["measure"]: r for r in json.load(f)["rows"]}
    stages = ("import", "model load", "detect", "geometry", "warp", "style", "write", "other")
    assert set(rows) == {
        "import tensorflow (fresh process)",
        "caricature one photo, cold CLI (fresh process)",
        "annotate one photo, cold CLI (fresh process)",
        *(f"cold split: {s}" for s in stages),
        "cold split: launch to the command's return",
        *(f"warm photo: {s}" for s in ("detect", "geometry", "warp", "style", "other")),
        "warm photo: whole Caricaturist call",
        "app: start until /healthz answers", "app: first request", "app: warm request"}
    for row in rows.values():
        assert math.isfinite(row["s"]) and row["s"] >= 0, row
    # The split's stages ran: the command was timed through its real stages.
    for stage in ("import", "model load", "detect", "warp", "write"):
        assert rows[f"cold split: {stage}"]["s"] > 0, stage
    cold = rows["caricature one photo, cold CLI (fresh process)"]
    floor = rows["import tensorflow (fresh process)"]["s"]
    assert cold["ratio"] == pytest.approx(cold["s"] / floor)
