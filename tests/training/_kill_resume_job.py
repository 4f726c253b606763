"""A tiny VAE training run that SIGKILLs itself at a chosen moment.

    python tests/training/_kill_resume_job.py MODEL_DIR [KIND:STEP]

KIND is where the process dies (signal 9, no clean-up runs):
    after_save   right after checkpoint STEP is recorded;
    during_save  while checkpoint STEP is written: its files are on disk but
                 not yet recorded in the `checkpoint` state file (TensorFlow's
                 write callbacks run between the two);
    during_eval  inside the held-out evaluation at STEP, before its export.
Without KIND:STEP the run trains to the end. CPU only, op determinism on.
The kills are injected by wrapping library functions here, in the test job:
the library has no fault-injection code.
"""

import os
import signal
import sys

os.environ["CUDA_VISIBLE_DEVICES"] = ""
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402
from absl import logging  # noqa: E402

from tf_deepexag import training  # noqa: E402
from tf_deepexag.geometry import VAEConfig  # noqa: E402
from tf_deepexag.training import vae_trainer as trainer  # noqa: E402

# Checkpoints every 10 steps, evaluations every 20: 20 and 40 have both.
# Recurrent dropout is on (the default), so every step draws noise.
CONFIG = VAEConfig(enc_rnn_size=8, dec_rnn_size=16, z_size=4, num_mixture=3,
                   batch_size=4, num_steps=40, seed=3)
OPTIONS = trainer.RunOptions(eval_every=20, log_every=10, checkpoint_every=10,
                             num_images=1)


def _die():
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def _arm(kind, step):
    if kind == "after_save":
        save = training.TrainLoop._save  # pylint: disable=protected-access

        def save_then_die(self):
            save(self)
            if self.step == step:
                _die()
        training.TrainLoop._save = save_then_die  # pylint: disable=protected-access
    elif kind == "during_save":
        save = tf.train.CheckpointManager.save

        def save_dying_midway(self, checkpoint_number=None, check_interval=True,
                              options=None):
            if checkpoint_number is not None and int(checkpoint_number) == step:
                options = tf.train.CheckpointOptions(
                    experimental_write_callbacks=[lambda: _die()])
            return save(self, checkpoint_number, check_interval, options)
        tf.train.CheckpointManager.save = save_dying_midway
    elif kind == "during_eval":
        hook, draw, current = training.Hook, trainer.draw_examples, []

        def recording_hook(every_n, fn):
            return hook(every_n, lambda s: (current.append(s), fn(s)))

        def draw_then_die(*args, **kwargs):  # after the scores, before the export
            if current and current[-1] == step:
                _die()
            return draw(*args, **kwargs)
        training.Hook, trainer.draw_examples = recording_hook, draw_then_die
    else:
        raise SystemExit(f"unknown kill kind {kind!r}")


def main(model_dir, kill=None):
    logging.set_verbosity(logging.INFO)  # "Resumed from ..." on stderr
    tf.config.experimental.enable_op_determinism()
    if kill:
        kind, step = kill.split(":")
        _arm(kind, int(step))
    trainer.train(CONFIG, OPTIONS, model_dir)
    print("FINISHED", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
