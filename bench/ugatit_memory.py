"""Peak memory of one U-GAT-IT training step (batch 1) per variant and policy.

Each case runs in a fresh subprocess (`--child`), which builds the model and
its two Adams with `training.style_trainer.build`, runs the train step as the
training loop does (`tf.function`, no XLA) `--steps` times on random images,
and reports its peak resident memory (`VmHWM` of /proc/self/status, the
kernel's high-water mark) and the resident memory after the imports, after
the build and after the steps. "step peak - imports" is what the model, its
optimizer state and the step's activations and gradients add to the
TensorFlow runtime. It also reports the peak of TensorFlow's CPU allocator
(`tf.config.experimental.get_memory_info("CPU:0")`): the bytes of live
tensors and variables, the quantity a GPU's allocator must hold (without the
CUDA context and cuDNN workspaces), free of the process's other memory
(oneDNN primitive caches, malloc fragmentation, Python).

The full variant at 256^2 holds a (64*64*256) x 256 dense layer in each
generator (268 M parameters each, 4.3 GiB with the gradient and Adam's two
moments, per generator). It is run only with `--full` and only when the
machine's available memory exceeds the analytic estimate (parameters x 4
bytes x (weights, gradients, decayed gradients, two moments)) plus the light
variant's measured activations and a margin; otherwise the row says why.

    python -m bench.ugatit_memory [--img_size 256] [--policies float32,mixed_bfloat16] [--full]
"""

import argparse
import json
import os
import subprocess
import sys
import time

from bench._report import report

_GIB = 2 ** 30


def _status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def _available_bytes():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


def _child(case):
    """Runs one case in this (fresh) process; prints a JSON line."""
    try:  # be the first the kernel's OOM killer picks on a shared machine
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")
    except OSError:
        pass
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import numpy as np
    import tensorflow as tf

    from tf_deepexag.style.config import UGATITConfig
    from tf_deepexag.training import style_trainer

    rss = {"imports": _status_kib("VmRSS")}
    tensors = lambda: tf.config.experimental.get_memory_info("CPU:0")
    config = UGATITConfig(light=case["light"], img_size=case["img_size"],
                          load_size=case["img_size"],
                          mixed_precision=case["policy"])
    model, g_opt, d_opt = style_trainer.build(config)
    rss["build"] = _status_kib("VmRSS")
    built_bytes = tensors()["current"]
    rng = np.random.default_rng(0)
    shape = (1, config.img_size, config.img_size, 3)
    batch = {k: tf.constant(rng.uniform(-1, 1, shape).astype("float32"))
             for k in ("A", "B")}
    step = tf.function(model.train_step)
    times, logs = [], {}
    for _ in range(case["steps"]):
        start = time.perf_counter()
        logs = {k: float(v) for k, v in step(batch).items()}
        times.append(time.perf_counter() - start)
    rss["steps"] = _status_kib("VmRSS")
    peak_bytes = tensors()["peak"]
    params = sum(int(np.prod(v.shape)) for v in model.trainable_variables)
    print(json.dumps({
        "params": params, "rss_kib": rss, "hwm_kib": _status_kib("VmHWM"),
        "tensor_bytes": {"build": built_bytes, "peak": peak_bytes},
        "step_s": times, "finite": all(np.isfinite(list(logs.values()))),
        "variable_dtypes": sorted({v.dtype for v in model.weights}),
    }))


def _run_case(case):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-m", "bench.ugatit_memory", "--child",
                          json.dumps(case)], cwd=root, env=env,
                         capture_output=True, text=True)
    if out.returncode != 0:
        tail = (out.stderr.strip().splitlines() or ["(no output)"])[-1]
        return None, f"exit {out.returncode}: {tail}"
    return json.loads(out.stdout.strip().splitlines()[-1]), None


def _full_estimate_bytes(img_size, ngf=64):
    """Parameter-proportional bytes of the full variant: the two generators'
    flattened-CAM dense layers dominate; x5 = weights, gradients, decayed
    gradients (g + wd*w), Adam's m and v, all float32."""
    c = 4 * ngf
    fc0 = (img_size // 4) ** 2 * c * c
    return 2 * fc0 * 4 * 5


def _row(case, result, error):
    row = {"variant": "light" if case["light"] else "full",
           "img_size": case["img_size"], "policy": case["policy"]}
    if error:
        row["note"] = error
        return row
    rss, hwm = result["rss_kib"], result["hwm_kib"]
    row.update({
        "params (M)": result["params"] / 1e6,
        "peak RSS (GiB)": hwm * 1024 / _GIB,
        "peak - imports (GiB)": (hwm - rss["imports"]) * 1024 / _GIB,
        "after build - imports (GiB)": (rss["build"] - rss["imports"]) * 1024 / _GIB,
        "tensors after build (GiB)": result["tensor_bytes"]["build"] / _GIB,
        "tensor peak (GiB)": result["tensor_bytes"]["peak"] / _GIB,
        "first step (s)": result["step_s"][0],
        "later step (s)": min(result["step_s"][1:] or result["step_s"]),
        "finite": result["finite"],
        "variables": "/".join(result["variable_dtypes"]),
    })
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--img_size", type=int, default=256)
    parser.add_argument("--policies", default="float32,mixed_bfloat16",
                        help="Comma-separated dtype policies.")
    parser.add_argument("--steps", type=int, default=2,
                        help="Train steps per case (the first traces).")
    parser.add_argument("--full", action="store_true",
                        help="Also the full variant, if the memory is there.")
    parser.add_argument("--margin_gib", type=float, default=3.0,
                        help="Memory left free when deciding to run the full variant.")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(json.loads(args.child))
        return
    policies = args.policies.split(",")
    rows, light_extra = [], {}
    for light in (True, False):
        for policy in policies:
            case = {"light": light, "img_size": args.img_size, "policy": policy,
                    "steps": args.steps}
            if not light:
                need = (_full_estimate_bytes(args.img_size)
                        + light_extra.get(policy, 0) + args.margin_gib * _GIB)
                have = _available_bytes()
                if not args.full:
                    rows.append(_row(case, None, "not run (pass --full); estimated "
                                     f"{need / _GIB - args.margin_gib:.1f} GiB"))
                    continue
                if need > have:
                    rows.append(_row(case, None, f"not run: needs ~{need / _GIB:.1f} GiB "
                                     f"with margin, {have / _GIB:.1f} GiB available"))
                    continue
            print(f"running {case}", flush=True)
            result, error = _run_case(case)
            rows.append(_row(case, result, error))
            if light and result:
                light_extra[policy] = (result["hwm_kib"] - result["rss_kib"]["imports"]) * 1024
    report("ugatit_memory", rows, notes=(
        "one U-GAT-IT train step, batch 1 (D update + G update, both Adams), "
        "tf.function without XLA, on CPU; peak RSS = VmHWM of a fresh process",
        f"full variant estimate at {args.img_size}^2 (two generators' flattened-CAM "
        f"dense layers x weights, grads, decayed grads, Adam m, v): "
        f"{_full_estimate_bytes(args.img_size) / _GIB:.1f} GiB before activations",
        time.strftime("measured %Y-%m-%d"), f"cores: {os.cpu_count()}"))


if __name__ == "__main__":
    main()
