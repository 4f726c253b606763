"""Two local workers under `MultiWorkerMirroredStrategy` with the shared loop.

Each test starts real processes on 127.0.0.1 with free ports and `TF_CONFIG`,
and bounds every wait so a broken run fails the test instead of hanging it.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from tests.training.test_loop import _numpy_sgd
from tf_deepexag import training

JOB = os.path.join(os.path.dirname(__file__), "_multi_worker_job.py")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

pytestmark = pytest.mark.slow


def _start(model_dir, num_steps, die_at=-1, workers=(0, 1), startup_timeout=60):
    tf_configs = training.local_cluster(2)
    processes = []
    for index in workers:
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=ROOT,
                   STARTUP_TIMEOUT=str(startup_timeout), TF_CONFIG=tf_configs[index])
        processes.append(subprocess.Popen(
            [sys.executable, JOB, str(model_dir), str(num_steps), str(die_at)], env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    return processes


def _finish(processes, timeout=150):
    results = []
    for p in processes:
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            for q in processes:
                q.kill()
            raise
        result = [json.loads(line[7:]) for line in out.splitlines()
                  if line.startswith("RESULT ")]
        results.append((p.returncode, result[0] if result else None, err))
    return results


def test_two_workers_match_one_process_and_only_the_chief_writes(tmp_path):
    results = _finish(_start(tmp_path, 6))
    for code, result, err in results:
        assert code == 0, err[-2000:]
        np.testing.assert_allclose(result["weights"], _numpy_sgd(6), rtol=1e-4, atol=1e-5)
    assert sorted(r["chief"] for _, r, _ in results) == [False, True]
    assert sorted(os.listdir(tmp_path)) == ["checkpoints", "train"]
    assert len(os.listdir(tmp_path / "train")) == 1


def test_a_dying_worker_fails_the_run_in_bounded_time_and_it_resumes(tmp_path):
    (chief_code, _, chief_err), (worker_code, _, _) = _finish(_start(tmp_path, 500,
                                                                     die_at=5))
    assert worker_code == 3
    assert chief_code != 0 and "WorkerFailureError" in chief_err
    assert "restart every worker" in chief_err
    checkpoints = [f for f in os.listdir(tmp_path / "checkpoints") if f.endswith(".index")]
    assert checkpoints, "the chief's last good checkpoint must be kept"
    results = _finish(_start(tmp_path, 8))  # same command again: resumes
    for code, result, err in results:
        assert code == 0, err[-2000:]
        np.testing.assert_allclose(result["weights"], _numpy_sgd(8), rtol=1e-4, atol=1e-5)


def test_unreachable_peer_exits_with_a_clear_error(tmp_path):
    [(code, _, err)] = _finish(_start(tmp_path, 4, workers=(0,), startup_timeout=8),
                               timeout=90)
    # Terminated by the watchdog: SIGTERM, or SIGKILL when TensorFlow ignores it.
    assert code in (-15, -9)
    assert "cannot be reached" in err and "127.0.0.1" in err
