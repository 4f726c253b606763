"""Fault injection: `kill -9` a real training process, resume, compare bits.

One uninterrupted run of `_kill_resume_job.py` (tiny VAE, CPU, op
determinism on, dropout on: checkpoints every 10 steps, evaluations every
20, 40 steps) is the reference. A second run directory is killed three times
and resumed after each kill:
1. right after checkpoint 20, a step that also evaluates and exports;
2. while checkpoint 30 is written (files on disk, not yet recorded);
3. right after checkpoint 30, between evaluations;
then resumed to the end. Every variable of the final checkpoint (weights,
optimizer slots and step, noise-generator states) must equal the
reference's bit for bit, and so must the best-model record and export.
Guards: the evaluation draws no training noise (`SequenceEncoder`), hooks
run before the checkpoint of their step (`TrainLoop`), a written but
unrecorded checkpoint is ignored on resume (`training.checkpoints`).
"""

import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_JOB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_kill_resume_job.py")


def _run(model_dir, kill=None):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (_ROOT, os.environ.get("PYTHONPATH")) if p))
    command = [sys.executable, _JOB, model_dir] + ([kill] if kill else [])
    return subprocess.run(command, cwd=_ROOT, env=env, capture_output=True, text=True,
                          timeout=900, check=False)


def _latest(model_dir):
    path = tf.train.latest_checkpoint(os.path.join(model_dir, "checkpoints"))
    return os.path.basename(path) if path else None


def _checkpoint_values(model_dir):
    reader = tf.train.load_checkpoint(os.path.join(model_dir, "checkpoints"))
    return {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()
            if name != "_CHECKPOINTABLE_OBJECT_GRAPH"}


def _export_weights(model_dir):
    from tf_deepexag.geometry import artifacts  # pylint: disable=g-import-not-at-top

    return artifacts.load_artifacts(os.path.join(model_dir, "export"))[0].get_weights()


def test_kill_9_anywhere_then_resume_equals_an_uninterrupted_run(tmp_path):
    reference, killed = str(tmp_path / "reference"), str(tmp_path / "killed")
    done = _run(reference)
    assert done.returncode == 0 and "FINISHED" in done.stdout, done.stderr[-3000:]

    for kill, latest_after in (("after_save:20", "ckpt-20"),
                               ("during_save:30", "ckpt-20"),
                               ("after_save:30", "ckpt-30")):
        result = _run(killed, kill)
        assert result.returncode == -signal.SIGKILL, (kill, result.stderr[-3000:])
        assert "FINISHED" not in result.stdout
        assert _latest(killed) == latest_after, kill
    # The write that was cut short left ckpt-30's files; the resume above
    # restored ckpt-20 and wrote ckpt-30 again before dying.
    done = _run(killed)
    assert done.returncode == 0 and "FINISHED" in done.stdout, done.stderr[-3000:]
    assert "Resumed from" in done.stderr and "ckpt-30" in done.stderr

    want, got = _checkpoint_values(reference), _checkpoint_values(killed)
    assert sorted(got) == sorted(want)
    # 17 weights + 4 noise-generator states of this config (as test_vae pins).
    assert sum(name.startswith("model_variables/") for name in got) == 21
    for name in want:
        np.testing.assert_array_equal(got[name], want[name], err_msg=name)
    with open(os.path.join(reference, "best.json")) as f:
        best = json.load(f)
    with open(os.path.join(killed, "best.json")) as f:
        assert json.load(f) == best
    for a, b in zip(_export_weights(killed), _export_weights(reference)):
        np.testing.assert_array_equal(a, b)
