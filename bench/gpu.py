"""Short GPU benchmark: U-GAT-IT light at 256^2 and the VAE train step.

Rows (a few minutes in all on one GPU):
- U-GAT-IT light, 256^2, batch 1 (the paper's setting): train steps/s and
  the allocator's peak memory under `float32`, `mixed_float16` (with loss
  scaling) and `mixed_bfloat16`, the step as `train.style` runs it
  (`tf.function`; `--jit` adds XLA rows, `--full` the full variant);
- the geometry VAE train step at the original sizes (batch 64, 68 steps,
  encoder 2 x 256, decoder 512, 20 mixtures), and the decoder-sized
  `keras.layers.LSTM(512)` alone (cuDNN on a GPU), forward and backward.
The native CPU kernels are switched off (`TF_DEEPEXAG_NATIVE=0`) so every
op can run on the GPU.

Without a GPU it prints why and exits with status 0. `--cpu_smoke` runs the
same code on the CPU at tiny sizes (32^2, small VAE) to check the script.

    python -m bench.gpu [--steps 30] [--jit] [--full] [--policies float32,...]
    python -m bench.gpu --cpu_smoke --results_dir /tmp/gpu_smoke
"""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_DEEPEXAG_NATIVE", "0")

from bench._report import RESULTS_DIR, report  # noqa: E402

POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")
UGATIT_SMOKE = dict(img_size=32, load_size=32, ngf=8, ndf=8, n_res=1, n_dis_global=5,
                    n_dis_local=4)
VAE_SMOKE = dict(enc_rnn_size=16, dec_rnn_size=16, z_size=8, num_mixture=3, batch_size=4)


def _time(step, steps, warmup=2):
    """Seconds per call, averaged over `steps` calls after `warmup` (tracing) calls."""
    import numpy as np

    for _ in range(warmup):
        out = step()
    np.asarray(next(iter(out.values())) if isinstance(out, dict) else out)
    start = time.perf_counter()
    for _ in range(steps):
        out = step()
    # The host waits for the last step's result, so queued GPU work is timed.
    np.asarray(next(iter(out.values())) if isinstance(out, dict) else out)
    return (time.perf_counter() - start) / steps, out


def _device(smoke):
    return "CPU:0" if smoke else "GPU:0"


def _peak_gib(smoke):
    import tensorflow as tf

    return tf.config.experimental.get_memory_info(_device(smoke))["peak"] / 2 ** 30


def bench_ugatit(light, policy, jit, steps, smoke):
    import numpy as np
    import tensorflow as tf

    from tf_deepexag.style.config import UGATITConfig
    from tf_deepexag.training import style_trainer

    tf.config.experimental.reset_memory_stats(_device(smoke))
    config = UGATITConfig(light=light, mixed_precision=policy,
                          **(UGATIT_SMOKE if smoke else {}))
    model, g_opt, _ = style_trainer.build(config)
    rng = np.random.default_rng(0)
    shape = (1, config.img_size, config.img_size, 3)
    batch = {k: tf.constant(rng.uniform(-1, 1, shape), tf.float32) for k in "AB"}
    step = tf.function(model.train_step, jit_compile=jit)
    dt, logs = _time(lambda: step(batch), steps)
    finite = all(np.isfinite(float(v)) for v in logs.values())
    variant = "light" if light else "full"
    return {"model": f"U-GAT-IT {variant} {config.img_size}^2, batch 1", "policy": policy,
            "xla": jit, "steps/s": 1.0 / dt, "ms/step": 1e3 * dt,
            "peak GiB": _peak_gib(smoke), "finite": finite,
            "applied steps": int(g_opt.iterations.numpy())}


def bench_vae(steps, smoke):
    import numpy as np
    import tensorflow as tf

    from tf_deepexag import landmarks
    from tf_deepexag.geometry import DeepExaggerationVAE, VAEConfig, make_optimizer

    tf.config.experimental.reset_memory_stats(_device(smoke))
    config = VAEConfig(**(VAE_SMOKE if smoke else {}))
    b, t = config.batch_size, config.max_seq_len
    rng = np.random.default_rng(0)
    pen = np.broadcast_to(landmarks.IBUG68.pen_states(), (b, t, 3))
    make = lambda: tf.constant(np.concatenate([rng.normal(size=(b, t, 2)), pen], -1),
                               tf.float32)
    batch = {"photo": make(), "caricature": make()}
    model = DeepExaggerationVAE(config)
    model.compile(optimizer=make_optimizer(config))
    step = tf.function(model.train_step)
    dt, _ = _time(lambda: step(batch), steps)
    rows = [{"model": f"VAE train step, batch {b}", "policy": "float32", "xla": False,
             "steps/s": 1.0 / dt, "ms/step": 1e3 * dt, "peak GiB": _peak_gib(smoke)}]

    import keras
    n, i = config.dec_rnn_size, 10 + config.z_size
    layer = keras.layers.LSTM(n, return_sequences=True)
    x = tf.random.normal((b, t, i))
    layer(x)

    @tf.function
    def lstm_step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(layer(x))
        return tape.gradient(loss, layer.trainable_variables)[0]
    dt, _ = _time(lstm_step, steps)
    rows.append({"model": f"keras.layers.LSTM({n}) fwd+bwd, {b}x{t}x{i}",
                 "policy": "float32", "xla": False, "steps/s": 1.0 / dt,
                 "ms/step": 1e3 * dt})
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30, help="Timed steps per row.")
    parser.add_argument("--jit", action="store_true", help="Add XLA-compiled rows.")
    parser.add_argument("--full", action="store_true", help="Add the full variant's rows.")
    parser.add_argument("--policies", default=",".join(POLICIES),
                        help="Comma-separated dtype policies of the U-GAT-IT rows.")
    parser.add_argument("--cpu_smoke", action="store_true",
                        help="Tiny sizes on the CPU: checks the script, measures nothing.")
    parser.add_argument("--results_dir", default=RESULTS_DIR, help="Where the JSON goes.")
    args = parser.parse_args(argv)
    if args.cpu_smoke:
        os.environ["CUDA_VISIBLE_DEVICES"] = ""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus and not args.cpu_smoke:
        print("bench.gpu: no GPU visible to TensorFlow "
              "(tf.config.list_physical_devices('GPU') is empty); nothing measured. "
              "`--cpu_smoke` checks the script on the CPU.")
        return 0
    steps = 1 if args.cpu_smoke else args.steps
    device = "CPU (smoke, tiny sizes)" if args.cpu_smoke else ", ".join(
        tf.config.experimental.get_device_details(g).get("device_name", g.name)
        for g in gpus)
    policies = args.policies.split(",")
    unknown = sorted(set(policies) - set(POLICIES))
    if unknown:
        parser.error(f"--policies: unknown {unknown}; choose from {POLICIES}")
    rows = []
    for light in (True, False) if args.full else (True,):
        for jit in (False, True) if args.jit else (False,):
            for policy in policies:
                print(f"U-GAT-IT {'light' if light else 'full'}, {policy}"
                      f"{' + XLA' if jit else ''} ...", flush=True)
                rows.append(bench_ugatit(light, policy, jit, steps, args.cpu_smoke))
    print("VAE ...", flush=True)
    rows += bench_vae(steps, args.cpu_smoke)
    name = "gpu_cpu_smoke" if args.cpu_smoke else "gpu"
    report(name, rows, notes=(
        f"device: {device}; TensorFlow {tf.__version__}",
        f"mean of {steps} steps after 2 warm-up (tracing) steps; peak GiB: the "
        "allocator's peak (tf.config.experimental.get_memory_info) over the row; "
        "'applied steps' counts optimizer updates (float16 skips overflowing steps "
        "while its loss scale settles)",
        time.strftime("measured %Y-%m-%d")), results_dir=args.results_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
