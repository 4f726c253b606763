"""Tests for `training.checkpoints`: resume from the newest intact checkpoint.

The run is `test_loop`'s linear regression (SGD on fixed batches), whose
weights after n steps have an independent NumPy reference (`_numpy_sgd`).
"""

import logging
import os

import numpy as np
import pytest
import tensorflow as tf

from tf_deepexag import errors
from tf_deepexag.training import checkpoints
from tests.training.test_loop import _loop, _numpy_sgd


def _checkpoint_dir(model_dir):
    return os.path.join(str(model_dir), "checkpoints")


def _train(model_dir, num_steps):
    system, loop = _loop(model_dir, num_steps)
    loop.run()
    return system, loop


def _truncate(path, keep=0.5):
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.truncate(int(size * keep))


@pytest.mark.parametrize("damage", ["truncated data", "truncated index", "garbage index"])
def test_damaged_newest_checkpoint_falls_back_to_the_previous_one(tmp_path, caplog,
                                                                 damage):
    _train(tmp_path, 6)  # ckpt-2, ckpt-4, ckpt-6
    prefix = os.path.join(_checkpoint_dir(tmp_path), "ckpt-6")
    if damage == "truncated data":
        _truncate(prefix + ".data-00000-of-00001")
    elif damage == "truncated index":
        _truncate(prefix + ".index")
    else:
        with open(prefix + ".index", "wb") as f:
            f.write(b"not an sstable at all" * 10)
    system, loop = _loop(tmp_path, 10)
    with caplog.at_level(logging.WARNING):
        assert loop.restore().endswith("ckpt-4")
    assert loop.step == 4
    assert "ckpt-6" in caplog.text and "newest intact" in caplog.text
    # The damaged files are set aside; the state lists the intact ones.
    assert os.path.exists(prefix + ".index.corrupt")
    assert [os.path.basename(p) for p in
            checkpoints.recorded_checkpoints(_checkpoint_dir(tmp_path))] == [
                "ckpt-2", "ckpt-4"]
    loop.run()  # resumes at 4 and trains on to 10, saving ckpt-6 again
    assert loop.step == 10
    np.testing.assert_allclose(system.model.get_weights()[0][:, 0], _numpy_sgd(10),
                               rtol=1e-4, atol=1e-5)
    assert os.path.basename(loop.manager.latest_checkpoint) == "ckpt-10"
    # The manager kept rotating (max_to_keep=3) through the repaired state.
    assert [os.path.basename(p) for p in checkpoints.recorded_checkpoints(
        _checkpoint_dir(tmp_path))] == ["ckpt-6", "ckpt-8", "ckpt-10"]
    assert not os.path.exists(os.path.join(_checkpoint_dir(tmp_path), "ckpt-2.index"))


@pytest.mark.parametrize("state", ["model_checkpoint_path: {{{ not a proto", ""])
def test_unparsable_state_file_is_rebuilt_from_the_files(tmp_path, caplog, state):
    _train(tmp_path, 4)
    with open(os.path.join(_checkpoint_dir(tmp_path), "checkpoint"), "w") as f:
        f.write(state)  # "" gave "Invalid checkpoint state" before
    with caplog.at_level(logging.WARNING):
        system, loop = _loop(tmp_path, 6)  # CheckpointManager reads the state here
        loop.run()
    assert "unreadable" in caplog.text
    assert loop.step == 6
    assert [os.path.basename(p) for p in checkpoints.recorded_checkpoints(
        _checkpoint_dir(tmp_path))] == ["ckpt-2", "ckpt-4", "ckpt-6"]
    np.testing.assert_allclose(system.model.get_weights()[0][:, 0], _numpy_sgd(6),
                               rtol=1e-4, atol=1e-5)


def test_no_intact_checkpoint_is_one_named_error(tmp_path):
    _train(tmp_path, 4)
    for name in os.listdir(_checkpoint_dir(tmp_path)):
        if name.startswith("ckpt-") and name.endswith(".index"):
            _truncate(os.path.join(_checkpoint_dir(tmp_path), name), 0.3)
    _, loop = _loop(tmp_path, 6)
    with pytest.raises(errors.CorruptFileError, match="No checkpoint in .* can be restored"):
        loop.run()


def test_no_checkpoint_is_a_fresh_start(tmp_path):
    checkpoint = tf.train.Checkpoint(v=tf.Variable(1.0))
    os.makedirs(_checkpoint_dir(tmp_path))
    assert checkpoints.restore_newest_intact(checkpoint, _checkpoint_dir(tmp_path)) is None


def test_checkpoint_number():
    assert checkpoints.checkpoint_number("/a/b/ckpt-120") == 120
    assert checkpoints.checkpoint_number("/a/b/ckpt") == -1
