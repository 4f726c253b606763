"""Tests for `tf_deepexag.training.loop.TrainLoop`: steps, resume, NaN stop."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from tf_deepexag import training


class _LinearRegression:
    """y = x w: a model whose SGD trajectory is easy to reproduce."""

    def __init__(self, strategy, lr=0.1):
        with strategy.scope():
            self.model = keras.Sequential([keras.layers.Dense(1, use_bias=False,
                                                              kernel_initializer="zeros")])
            self.model.build((None, 3))
            self.optimizer = keras.optimizers.SGD(lr)

    def train_step(self, batch):
        with tf.GradientTape() as tape:
            pred = self.model(batch["x"])
            loss = tf.reduce_mean(tf.square(pred[:, 0] - batch["y"]))
        grads = tape.gradient(loss, self.model.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.model.trainable_variables))
        return {"loss": loss}


def _dataset(y_scale=1.0):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5], np.float32)) * y_scale
    return tf.data.Dataset.from_tensor_slices({"x": x, "y": y}).batch(8).repeat()


def _loop(model_dir, num_steps, dataset=None, hooks=(), strategy_name="default"):
    strategy = training.make_strategy(strategy_name)
    system = _LinearRegression(strategy)
    loop = training.TrainLoop(
        strategy=strategy, model_dir=str(model_dir), step_fn=system.train_step,
        dataset=dataset or _dataset(),
        checkpoint_items={"model": system.model, "optimizer": system.optimizer},
        step_counter=system.optimizer.iterations, num_steps=num_steps,
        log_every=2, checkpoint_every=2, batch_size=8, hooks=hooks)
    return system, loop


def _numpy_sgd(num_steps, lr=0.1):
    """Independent reference: plain numpy SGD over the same batches."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float64)
    y = x @ np.array([1.0, -2.0, 0.5])
    w = np.zeros(3)
    for step in range(num_steps):
        xb, yb = x[(step % 8) * 8:(step % 8 + 1) * 8], y[(step % 8) * 8:(step % 8 + 1) * 8]
        w -= lr * 2 * xb.T @ (xb @ w - yb) / len(yb)
    return w


def test_trains_like_reference_sgd_and_checkpoints(tmp_path):
    calls = []
    system, loop = _loop(tmp_path, 6, hooks=[training.Hook(3, calls.append)])
    logs = loop.run()
    assert loop.step == 6 and "loss" in logs
    np.testing.assert_allclose(system.model.get_weights()[0][:, 0], _numpy_sgd(6),
                               rtol=1e-4, atol=1e-5)
    assert calls == [3, 6]
    assert os.path.basename(loop.manager.latest_checkpoint) == "ckpt-6"
    assert tf.io.gfile.glob(str(tmp_path / "train" / "events.out.tfevents.*"))


def test_skipped_updates_repeat_no_checkpoint_or_hook(tmp_path):
    # Targets x 100 and a loss scale of 2**127 make the first scaled gradients
    # overflow: the LossScaleOptimizer skips those updates (the step counter
    # stays at 0) and halves the scale until they fit.
    strategy = training.make_strategy("default")
    system = _LinearRegression(strategy)
    optimizer = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.1),
                                                    initial_scale=2.0 ** 127)
    variables = system.model.trainable_variables

    def step_fn(batch):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(system.model(batch["x"])[:, 0] - batch["y"]))
            scaled = optimizer.scale_loss(loss)
        optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))
        return {"loss": loss}

    calls = []
    loop = training.TrainLoop(
        strategy=strategy, model_dir=str(tmp_path), step_fn=step_fn,
        checkpoint_items={"model": system.model, "optimizer": optimizer},
        step_counter=optimizer.iterations, num_steps=6, log_every=2, checkpoint_every=2,
        hooks=[training.Hook(3, calls.append)], dataset=_dataset(100.0))
    loop.run()
    assert float(optimizer.dynamic_scale.numpy()) <= 2.0 ** 124  # >= 3 updates skipped
    assert loop.step == 6 and calls == [3, 6]
    assert [os.path.basename(p) for p in loop.manager.checkpoints] == [
        "ckpt-2", "ckpt-4", "ckpt-6"]


@pytest.mark.parametrize("strategy_name", ["default", "mirrored"])
def test_resume_continues_where_it_stopped(tmp_path, strategy_name):
    _, first = _loop(tmp_path, 4, strategy_name=strategy_name)
    first.run()
    system, second = _loop(tmp_path, 10, strategy_name=strategy_name)
    second.run()
    assert second.step == 10
    # Resumed weights and data position equal one uninterrupted run.
    np.testing.assert_allclose(system.model.get_weights()[0][:, 0], _numpy_sgd(10),
                               rtol=1e-4, atol=1e-5)


def test_finished_run_returns_without_training(tmp_path):
    _loop(tmp_path, 2)[1].run()
    system, again = _loop(tmp_path, 2)
    assert again.run() == {}
    assert again.step == 2


def test_nan_stops_with_step_and_keeps_last_good_checkpoint(tmp_path):
    x = np.ones((8, 3), np.float32)
    y = np.array([1, 1, 1, 1, 1, 1, 1, np.nan], np.float32)
    good = tf.data.Dataset.from_tensor_slices({"x": x, "y": np.ones(8, np.float32)})
    bad = tf.data.Dataset.from_tensor_slices({"x": x, "y": y})
    dataset = good.batch(8).repeat(2).concatenate(bad.batch(8)).repeat()
    _, loop = _loop(tmp_path, 10, dataset=dataset)
    with pytest.raises(training.NonFiniteLossError, match="loss=nan at step 3"):
        loop.run()
    assert os.path.basename(loop.manager.latest_checkpoint) == "ckpt-2"


def test_rejects_non_positive_settings(tmp_path):
    with pytest.raises(ValueError, match="`num_steps` must be positive"):
        _loop(tmp_path, 0)
