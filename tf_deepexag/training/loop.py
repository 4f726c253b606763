"""The custom training loop shared by `train.vae` and `train.style`.

A small `strategy.run` loop, not `model.fit`: in Keras 3.15 / TF 2.21 `fit`
fails under `MultiWorkerMirroredStrategy`, while this loop runs the same code
on one device, several local devices, or several workers.

Resume is exact for the data position as well as the weights: the input
pipeline is deterministic for a seed, so after restoring step `s` the loop
skips the `s` global batches it has already consumed. Wherever a kill lands
the resumed run continues bit for bit (tested with `kill -9`,
tests/training/test_kill_resume.py), because
- the checkpoint holds everything the next step reads (weights, optimizer
  slots and step, every noise generator's state: pass them all in
  `checkpoint_items`), and hooks must not move it (evaluations draw no
  training noise);
- at a step with both, the hooks run before the checkpoint is written, so a
  checkpoint at step s means step s's hooks (evaluation, best-model export)
  have run: a kill in between redoes the steps since the previous checkpoint,
  hooks included, instead of skipping the hooks;
- a damaged checkpoint is skipped for the newest intact one (`checkpoints`).
(Updates a `LossScaleOptimizer` skipped on overflow consumed a batch without a
step; a resumed float16 run replays that many batches.)
"""

import dataclasses
import math
import os
import shutil
import tempfile
import time
from typing import Callable

import keras
import tensorflow as tf
import tqdm
from absl import logging

from tf_deepexag.training import checkpoints as checkpoints_lib
from tf_deepexag.training import strategy as strategy_lib


class NonFiniteLossError(FloatingPointError):
    """A training log became NaN or inf; the last good checkpoint is kept."""

    def __init__(self, step, key, value):
        super().__init__(
            f"Non-finite {key}={value} at step {step}; training stopped. The last "
            "good checkpoint is kept: fix the data or lower the learning rate, "
            "then run the same command to resume from it.")
        self.step, self.key, self.value = step, key, value


class WorkerFailureError(RuntimeError):
    """A peer worker died or became unreachable during multi-worker training."""


# What TensorFlow raises when a collective loses a peer.
_PEER_ERRORS = (tf.errors.UnavailableError, tf.errors.DeadlineExceededError,
                tf.errors.CancelledError, tf.errors.AbortedError)


@dataclasses.dataclass(frozen=True)
class Hook:
    """A function run on the chief every `every_n` steps and at the last step.

    Args:
        every_n: int, the period in steps.
        fn: callable `fn(step: int)`, run inside the default summary writer so
            it may call `tf.summary.*` directly.
    """

    every_n: int
    fn: Callable[[int], None]


class TrainLoop:
    """Trains a model with a per-replica step function under a strategy.

    Args:
        strategy: the `tf.distribute.Strategy` the model was built under.
        model_dir: str, where `checkpoints/` and `train/` (TensorBoard) go.
        step_fn: per-replica `fn(batch) -> dict[str, scalar tensor]`.
        dataset: `tf.data.Dataset` of global batches; it must repeat.
        checkpoint_items: dict of trackables saved in each checkpoint.
        step_counter: the int64 variable `step_fn` increments once a step
            (usually `optimizer.iterations`).
        num_steps: int, train until the counter reaches this.
        log_every: int, steps between console lines and scalar summaries.
        checkpoint_every: int, steps between checkpoints.
        max_to_keep: int, checkpoints kept.
        batch_size: int, global examples per step, for examples/s.
        hooks: sequence of `Hook`.
        jit_compile: bool, compile the distributed step with XLA.
    """

    def __init__(self, *, strategy, model_dir, step_fn, dataset, checkpoint_items,
                 step_counter, num_steps, log_every=50, checkpoint_every=500,
                 max_to_keep=3, batch_size=None, hooks=(), jit_compile=False):
        for name, value in (("num_steps", num_steps), ("log_every", log_every),
                            ("checkpoint_every", checkpoint_every)):
            if int(value) <= 0:
                raise ValueError(f"`{name}` must be positive, got {value}.")
        self.strategy = strategy
        self.model_dir = model_dir
        self.step_fn = step_fn
        self.dataset = dataset
        self.step_counter = step_counter
        self.num_steps = int(num_steps)
        self.log_every = int(log_every)
        self.checkpoint_every = int(checkpoint_every)
        self.batch_size = batch_size
        self.hooks = tuple(hooks)
        self.jit_compile = jit_compile
        self.is_chief = strategy_lib.is_chief(strategy)
        if self.is_chief:
            self._work_dir = model_dir
        else:
            # Non-chief workers must take part in every save (it is collective)
            # but their files are thrown away.
            task_type, task_id = strategy_lib.task_of(strategy)
            self._work_dir = tempfile.mkdtemp(prefix=f"{task_type}{task_id}-")
        self._optimizers = {k: v for k, v in checkpoint_items.items()
                            if isinstance(v, keras.optimizers.Optimizer)}
        self.checkpoint = tf.train.Checkpoint(**checkpoint_items)
        self.max_to_keep = max_to_keep
        self.manager = self._make_manager()

    def _make_manager(self):
        directory = os.path.join(self._work_dir, "checkpoints")
        if self.is_chief and tf.io.gfile.isdir(directory):
            checkpoints_lib.ensure_readable_state(directory)
        return tf.train.CheckpointManager(self.checkpoint, directory,
                                          max_to_keep=self.max_to_keep)

    @property
    def step(self):
        return int(self.step_counter.numpy())

    def _distributed_step(self, batch):
        per_replica = self.strategy.run(self.step_fn, args=(batch,))
        return {k: self.strategy.reduce(tf.distribute.ReduceOp.MEAN, v, axis=None)
                for k, v in per_replica.items()}

    def restore(self):
        """Restores the chief's newest intact checkpoint if there is one;
        returns its path.

        Every worker restores from `model_dir/checkpoints` (the chief's), so
        workers must share that directory (NFS, GCS, ...); they save into
        their own throw-away directories. Damaged checkpoints are skipped
        (logged; on the chief set aside, see `checkpoints`).

        Raises:
            errors.CorruptFileError: checkpoints exist but none restores.
        """
        directory = os.path.join(self.model_dir, "checkpoints")
        if not tf.io.gfile.isdir(directory):
            return None
        path = checkpoints_lib.restore_newest_intact(self.checkpoint, directory,
                                                     repair=self.is_chief)
        if path:
            if self.is_chief:  # the state file may have been repaired
                self.manager = self._make_manager()
            logging.info("Resumed from %s at step %d", path, self.step)
        return path

    def _write_scalars(self, logs, examples_per_second):
        step = self.step
        for key, value in logs.items():
            tf.summary.scalar(key, value, step=step)
        for name, optimizer in self._optimizers.items():
            lr = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
            tf.summary.scalar(f"learning_rate/{name}", lr, step=step)
        if examples_per_second is not None:
            tf.summary.scalar("examples_per_second", examples_per_second, step=step)

    def _train_one(self, train_fn, iterator):
        try:
            return {k: float(v) for k, v in train_fn(next(iterator)).items()}
        except _PEER_ERRORS as e:
            if strategy_lib.task_of(self.strategy)[0] is None:
                raise
            first_line = (e.message or str(e)).strip().splitlines()[0]
            raise WorkerFailureError(
                f"A worker failed or became unreachable at step {self.step + 1} "
                f"({type(e).__name__}: {first_line}). The last checkpoint "
                f"({self.manager.latest_checkpoint}) is kept: restart every worker "
                "with the same command to resume.") from e

    def _save(self):
        self.manager.save(checkpoint_number=self.step)

    def run(self):
        """Restores, trains to `num_steps`, checkpoints; returns the last logs.

        Raises:
            NonFiniteLossError: a log value became NaN or inf.
        """
        try:
            return self._run()
        finally:
            if not self.is_chief:
                shutil.rmtree(self._work_dir, ignore_errors=True)

    def _run(self):
        self.restore()
        start = self.step
        if start >= self.num_steps:
            logging.info("Run in %s already finished at step %d (num_steps=%d).",
                         self.model_dir, start, self.num_steps)
            return {}
        dataset = self.dataset.skip(start) if start else self.dataset
        iterator = iter(self.strategy.experimental_distribute_dataset(dataset))
        train_fn = tf.function(self._distributed_step, jit_compile=self.jit_compile)
        writer = tf.summary.create_file_writer(os.path.join(self._work_dir, "train"))
        logs, tick, tick_step, previous = {}, time.perf_counter(), start, start
        progress = tqdm.tqdm(total=self.num_steps, initial=start, unit="step",
                             desc="train", disable=None, dynamic_ncols=True)
        with writer.as_default(), progress:
            while self.step < self.num_steps:
                logs = self._train_one(train_fn, iterator)
                strategy_lib.stop_startup_watchdog()
                step = self.step
                for key, value in logs.items():
                    if not math.isfinite(value):
                        raise NonFiniteLossError(step, key, value)
                if step == previous:
                    # The optimizer skipped the update (a LossScaleOptimizer whose
                    # scaled gradients overflowed): no new step to log, save or hook.
                    continue
                previous = step
                progress.update(step - progress.n)
                last = step >= self.num_steps
                if step % self.log_every == 0 or last:
                    now = time.perf_counter()
                    rate = None
                    if self.batch_size:
                        rate = self.batch_size * (step - tick_step) / max(now - tick, 1e-9)
                    tick, tick_step = now, step
                    if self.is_chief:
                        self._write_scalars(logs, rate)
                    progress.set_postfix({k: f"{v:.4g}" for k, v in list(logs.items())[:4]})
                    logging.info("step %d %s%s", step, " ".join(
                        f"{k}={v:.4g}" for k, v in logs.items()),
                        f" examples/s={rate:.1f}" if rate else "")
                # Hooks first: a checkpoint at `step` means its hooks have run.
                if self.is_chief:
                    for hook in self.hooks:
                        if step % hook.every_n == 0 or last:
                            hook.fn(step)
                if step % self.checkpoint_every == 0 or last:
                    self._save()
            writer.flush()
        return logs
