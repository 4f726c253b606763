"""Style speed and memory on this machine: CartoonGAN and U-GAT-IT.

CartoonGAN rows (`cartoongan`): ms per image (batch 1, 256^2 and 512^2, the
shipped weights) of our generator traced as a tf.function in float32, with
XLA, and in mixed bfloat16, beside the authors' network in PyTorch
(tests/style/torch_cartoongan.py, needs torch) in the same process on the
same number of threads; best of 3 after a warm-up.
U-GAT-IT rows: generator inference ms/image (light, 256^2, batch 1); training s/step
(light, batch 1, 128^2 and 256^2, with and without XLA `jit_compile`);
achieved GFLOP/s (analytic conv/dense FLOPs) as a fraction of a float32
matmul peak measured in the same run; peak RSS of the full variant at
256^2 (inference, and one training step) measured in subprocesses.

    python bench/style.py                       # all rows but mem_train; 30+ min on 2 cores
    python bench/style.py cartoongan            # a subset (cartoongan, inference, train128,
                                                # train256, mem_infer, mem_train, jit128)
"""

import json
import os
import resource
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from bench._report import report  # noqa: E402

GIB = 2.0 ** 30


def _conv(k, cin, cout, side):
    return 2 * k * k * cin * cout * side * side


def generator_flops(ngf, n_res, s, light):
    """Multiply-adds x2 of one generator forward pass (convs and dense)."""
    c = 4 * ngf
    f = _conv(7, 3, ngf, s) + _conv(3, ngf, 2 * ngf, s // 2) + _conv(3, 2 * ngf, c, s // 4)
    f += 2 * n_res * 2 * _conv(3, c, c, s // 4)             # enc + dec blocks
    f += _conv(1, 2 * c, c, s // 4)                          # CAM 1x1
    f += 2 * ((c if light else (s // 4) ** 2 * c) * c + 3 * c * c)  # MLP, gamma, beta
    f += _conv(3, c, c // 2, s // 2) + _conv(3, c // 2, ngf, s) + _conv(7, ngf, 3, s)
    return f


def discriminator_flops(ndf, n_layers, s):
    f, side, cin = 0, s, 3
    for i in range(n_layers - 2):
        side = side // 2
        f += _conv(4, cin, ndf * 2 ** i, side)
        cin = ndf * 2 ** i
    side -= 1
    f += _conv(4, cin, 2 * cin, side) + _conv(1, 4 * cin, 2 * cin, side)
    return f + _conv(4, 2 * cin, 1, side - 1)


def train_step_flops(ngf, n_res, s, light, ndf=None):
    """~FLOPs of one U-GAT-IT step (backward = 2x forward).

    D step: 2 generator forwards, 8 discriminator passes fwd+bwd.
    G step: 6 generator passes fwd+bwd, 4 discriminator passes fwd+bwd.
    """
    g = generator_flops(ngf, n_res, s, light)
    d = discriminator_flops(ndf or ngf, 7, s) + discriminator_flops(ndf or ngf, 5, s)
    return 2 * g + 12 * d + 18 * g + 6 * d


def matmul_peak(n=2048, reps=10):
    a = tf.random.normal((n, n))
    f = tf.function(lambda x: tf.matmul(x, x))
    f(a).numpy()
    start = time.perf_counter()
    for _ in range(reps):
        f(a).numpy()
    return 2 * n ** 3 * reps / (time.perf_counter() - start) / 1e9


def _interleaved_best(fns, reps=3):
    """{name: (best wall s, that call's process CPU s)}, the calls interleaved.

    Each function runs once as a warm-up, then `reps` rounds call each in
    turn, so a change in the shared machine's load hits all of them alike.
    """
    for fn in fns.values():
        fn()
    best = {}
    for _ in range(reps):
        for name, fn in fns.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            t = (time.perf_counter() - start, time.process_time() - start_cpu)
            best[name] = min(best.get(name, t), t)
    return best


def _torch_reference(style):
    """The authors' network in PyTorch with a shipped style's weights, or None."""
    try:
        import torch
    except ImportError:
        return None
    from tf_deepexag.style import cartoongan_weights
    from tf_deepexag.style.cartoongan import CartoonGANGenerator
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), "tests", "style"))
    from torch_cartoongan import TorchCartoonGAN
    arrays, _ = cartoongan_weights.read_asset(cartoongan_weights.asset_path(style))
    torch_arrays = {}
    for layer in CartoonGANGenerator().layer_names():
        if layer.startswith("in"):
            torch_arrays.update({f"{layer}.{p}": arrays[f"{layer}/{p}"]
                                 for p in ("scale", "shift")})
        else:  # Keras (kh, kw, a, b) -> PyTorch (b, a, kh, kw)
            torch_arrays[f"{layer}.weight"] = arrays[f"{layer}/kernel"].transpose(3, 2, 0, 1)
            torch_arrays[f"{layer}.bias"] = arrays[f"{layer}/bias"]
    return TorchCartoonGAN(torch_arrays)


def cartoongan_rows(sides=(256, 512)):
    """ms/image of ours (float32, XLA, mixed bfloat16) and PyTorch's, same threads."""
    from tf_deepexag.style import cartoongan, cartoongan_weights, processing
    style = cartoongan_weights.SHIPPED_STYLES[0]
    threads = tf.config.threading.get_intra_op_parallelism_threads() or os.cpu_count()
    ours = {}
    for label, dtype, jit in (("ours float32", None, False), ("ours float32 XLA", None, True),
                              ("ours mixed_bfloat16", "mixed_bfloat16", False)):
        gen = cartoongan_weights.load_generator(style, dtype)
        ours[label] = tf.function(lambda x, g=gen: processing.apply(
            g, x, multiple=cartoongan.MULTIPLE, min_side=cartoongan.MIN_SIDE),
            jit_compile=jit)
    reference = _torch_reference(style)
    if reference is not None:
        import torch
        torch.set_num_threads(threads)
    rows = []
    for side in sides:
        image = np.random.default_rng(0).integers(0, 256, (side, side, 3), dtype=np.uint8)
        fns = {label: (lambda f=fn: f(image[None]).numpy()) for label, fn in ours.items()}
        if reference is not None:
            fns["PyTorch reference float32"] = lambda: reference.stylize(image)
        for label, (sec, cpu) in _interleaved_best(fns).items():
            rows.append({"what": f"CartoonGAN {label}", "size": side, "threads": threads,
                         "ms": 1000 * sec, "cpu_ms": 1000 * cpu,
                         "gflop": cartoongan_flops(side) / 1e9})
            print(json.dumps(rows[-1]), flush=True)
    return rows


def cartoongan_flops(s, ngf=64, n_res=8):
    """2 x multiply-adds of the CartoonGAN generator's convolutions at s^2."""
    c = 4 * ngf
    f = _conv(7, 3, ngf, s) + _conv(3, ngf, 2 * ngf, s // 2) + _conv(3, 2 * ngf, 2 * ngf, s // 2)
    f += _conv(3, 2 * ngf, c, s // 4) + _conv(3, c, c, s // 4) + 2 * n_res * _conv(3, c, c, s // 4)
    f += _conv(3, c, 2 * ngf, s // 4) + _conv(3, 2 * ngf, 2 * ngf, s // 2)  # transposed: input side
    f += _conv(3, 2 * ngf, ngf, s // 2) + _conv(3, ngf, ngf, s)
    return f + _conv(7, ngf, 3, s)


def _time(fn, warmup, reps):
    for _ in range(warmup):
        fn()
    start = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - start) / reps


def inference_row(peak):
    from tf_deepexag.style.generator import UGATITGenerator
    gen = UGATITGenerator(64, 4, 256, light=True)
    x = tf.random.uniform((1, 256, 256, 3), -1, 1)
    f = tf.function(lambda v: gen(v)[0])
    sec = _time(lambda: f(x).numpy(), 2, 5)
    flops = generator_flops(64, 4, 256, True)
    return {"what": "generator inference (light)", "size": 256, "jit": False,
            "ms": 1000 * sec, "gflop": flops / 1e9, "gflop_per_s": flops / sec / 1e9,
            "frac_of_peak": flops / sec / 1e9 / peak}


def train_row(size, jit, peak, reps=3):
    from tf_deepexag.training import style_trainer as trainer
    from tf_deepexag.style.config import UGATITConfig
    config = UGATITConfig(light=True, img_size=size, load_size=size + 30)
    model, _, _ = trainer.build(config)
    batch = {k: tf.random.uniform((1, size, size, 3), -1, 1) for k in "AB"}
    step = tf.function(model.train_step, jit_compile=jit)
    start = time.perf_counter()
    step(batch)["g_loss"].numpy()
    first = time.perf_counter() - start
    sec = _time(lambda: step(batch)["g_loss"].numpy(), 1, reps)
    flops = train_step_flops(64, 4, size, True)
    return {"what": "train step (light, batch 1)", "size": size, "jit": jit,
            "ms": 1000 * sec, "first_call_s": first, "gflop": flops / 1e9,
            "gflop_per_s": flops / sec / 1e9, "frac_of_peak": flops / sec / 1e9 / peak}


_CHILD = r"""
import os, resource, json, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
sys.path.insert(0, {root!r})
import tensorflow as tf
mode = {mode!r}
if mode == "infer":
    from tf_deepexag.style.generator import UGATITGenerator
    gen = UGATITGenerator(64, 4, 256, light=False)
    f = tf.function(lambda v: gen(v)[0])
    f(tf.zeros((1, 256, 256, 3))).numpy()
elif mode == "jit128":
    import time
    sys.path.insert(0, os.path.join({root!r}, "bench"))
    from style import train_row
    row = train_row(128, True, float(sys.argv[1]))
    print(json.dumps(row))
    sys.exit(0)
else:
    from tf_deepexag.training import style_trainer as trainer
    from tf_deepexag.style.config import UGATITConfig
    model, _, _ = trainer.build(UGATITConfig(light=False, img_size=256))
    batch = {{k: tf.zeros((1, 256, 256, 3)) for k in "AB"}}
    tf.function(model.train_step)(batch)["g_loss"].numpy()
print(json.dumps({{"peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}))
"""


def memory_row(mode, timeout=900):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    start = time.perf_counter()
    try:
        out = subprocess.run([sys.executable, "-c", _CHILD.format(root=root, mode=mode)],
                             capture_output=True, text=True, timeout=timeout)
        rss = json.loads(out.stdout.strip().splitlines()[-1])["peak_rss_kib"] / 2 ** 20
        status = "ok"
    except (subprocess.TimeoutExpired, IndexError, ValueError) as e:
        rss, status = None, f"failed: {type(e).__name__}"
    return {"what": f"full variant peak RSS ({'inference' if mode == 'infer' else 'one train step'})",
            "size": 256, "peak_rss_gib": rss, "status": status,
            "wall_s": time.perf_counter() - start}


def jit_row(peak, timeout=600):
    """XLA train step at 128^2 in a subprocess (its compile can take minutes)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        out = subprocess.run([sys.executable, "-c", _CHILD.format(root=root, mode="jit128"),
                              str(peak)], capture_output=True, text=True, timeout=timeout)
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (subprocess.TimeoutExpired, IndexError, ValueError) as e:
        return {"what": "train step (light, batch 1)", "size": 128, "jit": True,
                "status": f"failed: {type(e).__name__} (limit {timeout} s)"}


def main():
    peak = matmul_peak()
    rows = [{"what": "float32 matmul 2048^3 (peak)", "gflop_per_s": peak}]
    steps = {"cartoongan": lambda: cartoongan_rows(),
             "inference": lambda: inference_row(peak),
             "train128": lambda: train_row(128, False, peak),
             "train256": lambda: train_row(256, False, peak),
             "mem_infer": lambda: memory_row("infer"),
             "mem_train": lambda: memory_row("train"),
             "jit128": lambda: jit_row(peak)}
    # mem_train only on request: one full-variant 256^2 training step went past
    # 19 GiB RSS here (two 279M-parameter generators + Adam slots + gradients).
    default = [k for k in steps if k != "mem_train"]
    wanted = sys.argv[1].split(",") if len(sys.argv) > 1 else default
    for name in wanted:
        if name not in steps:
            raise SystemExit(f"unknown row {name!r}; choose from {', '.join(steps)}")
        new = steps[name]()
        rows.extend(new if isinstance(new, list) else [new])
        print(json.dumps(rows[-1]), flush=True)
    report("style", rows, notes=(
        "CartoonGAN: best of 3 after a warm-up; cpu_ms is that call's process CPU time; "
        f"load average {os.getloadavg()[0]:.1f} at the end.",
        "FLOPs are analytic (2 x multiply-adds of convs and dense layers; backward = 2x "
        "forward); normalisation/elementwise ops not counted.",
        f"Full generator has {generator_flops(64, 4, 256, False) / 1e9:.1f} GFLOP/forward; "
        "its MLP alone holds 268M parameters (64*64*256 x 256).",
        f"bench process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB",
    ))


if __name__ == "__main__":
    main()
