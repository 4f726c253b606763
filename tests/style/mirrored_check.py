"""Run as a script: one MirroredStrategy step on 2 logical CPUs equals one
default-strategy step on the same global batch (global-batch averaging).
Prints the max weight difference as JSON."""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

from tf_deepexag.training import style_trainer as trainer  # noqa: E402
from tf_deepexag.style.config import UGATITConfig  # noqa: E402


def main():
    config = UGATITConfig(light=True, img_size=32, load_size=36, ngf=4, ndf=4,
                          n_res=1, n_dis_global=5, n_dis_local=4, batch_size=2,
                          num_steps=10, lr=1e-3)
    rng = np.random.default_rng(0)
    batch = {k: rng.uniform(-1, 1, (2, 32, 32, 3)).astype("float32") for k in "AB"}
    # Adam's first step is ~lr * sign(g): near-zero gradients would flip
    # with float noise. A large epsilon makes the step linear in g.
    ref, ref_g, ref_d = trainer.build(config)
    ref_g.epsilon = ref_d.epsilon = 1.0
    init = [v.numpy() for v in ref.weights]
    ref_logs = ref.train_step(batch)

    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    model, g_opt, d_opt = trainer.build(config, strategy)
    g_opt.epsilon = d_opt.epsilon = 1.0
    for v, w in zip(model.weights, init):
        v.assign(w)
    dist = strategy.experimental_distribute_dataset(
        tf.data.Dataset.from_tensors(batch))
    per_replica = strategy.run(tf.function(model.train_step), (next(iter(dist)),))
    g_loss = strategy.reduce("MEAN", per_replica["g_loss"], axis=None)
    diff = max(float(np.abs(a.numpy() - b.numpy()).max())
               for a, b in zip(ref.trainable_weights, model.trainable_weights))
    print(json.dumps({"max_weight_diff": diff, "replicas": strategy.num_replicas_in_sync,
                      "ref_g_loss": float(ref_logs["g_loss"]),
                      "mirrored_g_loss": float(g_loss)}))


if __name__ == "__main__":
    sys.exit(main())
