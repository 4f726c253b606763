"""A tiny training job for the multi-worker tests: y = x w by SGD.

    python tests/training/_multi_worker_job.py MODEL_DIR NUM_STEPS DIE_AT_STEP

Prints `RESULT {"weights": [...], "chief": bool}` when it finishes. A worker
that is not the chief exits abruptly at step DIE_AT_STEP (>= 0) to simulate a
crashed machine.
"""

import json
import os
import sys
import threading
import time

import keras
import numpy as np
import tensorflow as tf

from tf_deepexag import training

GLOBAL_BATCH = 8


def main(model_dir, num_steps, die_at):
    strategy = training.make_strategy("multi_worker", collective_timeout_seconds=20,
                                      startup_timeout_seconds=float(
                                          os.environ.get("STARTUP_TIMEOUT", "60")))
    with strategy.scope():
        model = keras.Sequential([keras.layers.Dense(1, use_bias=False,
                                                     kernel_initializer="zeros")])
        model.build((None, 3))
        optimizer = keras.optimizers.SGD(0.1)

    def step(batch):
        with tf.GradientTape() as tape:
            per_example = tf.square(model(batch["x"])[:, 0] - batch["y"])
            loss = tf.nn.compute_average_loss(per_example, global_batch_size=GLOBAL_BATCH)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return {"loss": loss * strategy.num_replicas_in_sync}

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = x @ np.array([1.0, -2.0, 0.5], np.float32)
    dataset = tf.data.Dataset.from_tensor_slices({"x": x, "y": y}).batch(GLOBAL_BATCH)
    loop = training.TrainLoop(
        strategy=strategy, model_dir=model_dir, step_fn=step, dataset=dataset.repeat(),
        checkpoint_items={"model": model, "optimizer": optimizer},
        step_counter=optimizer.iterations, num_steps=num_steps, log_every=1,
        checkpoint_every=2, batch_size=GLOBAL_BATCH)
    if die_at >= 0 and not loop.is_chief:
        def crash():
            while int(optimizer.iterations.numpy()) < die_at:
                time.sleep(0.005)
            os._exit(3)  # pylint: disable=protected-access
        threading.Thread(target=crash, daemon=True).start()
    loop.run()
    print("RESULT " + json.dumps({"weights": model.get_weights()[0][:, 0].tolist(),
                                  "chief": loop.is_chief}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
