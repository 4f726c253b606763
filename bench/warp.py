"""Speed and memory of the warp stage against `cv2.remap` (bilinear, same flow).

Cases: 1x256^2x3, 1x512^2x3, 8x256^2x3, 1x2048^2x3. Rows:
- `cv2_remap_f32` / `cv2_remap_u8`: OpenCV bilinear remap with replicated
  border, maps precomputed outside the timing (the hardest baseline);
- `dense_eager`, `dense_function`, `dense_xla`: the public `dense_image_warp`
  called eagerly (TensorFlow ops), in a `tf.function`, and in a
  `tf.function(jit_compile=True)`;
- `face_eager`, `face_function`, `face_xla`: `warp_face` (uint8 in and out:
  spline on the control points, coarse grid, upsampling, integer bilinear
  sampler), one call per image: eagerly (the pipeline's call, which runs the
  solve as a graph and the per-pixel stages as XLA programs), inside a plain
  `tf.function` (plain ops, the exported graphs' path) and inside a
  `tf.function(jit_compile=True)` (one XLA program);
- at 1x512^2 only, alternative samplers under XLA: `fused4_gather_xla` (one
  gather of the 4 stacked corner indices, the first version of this module),
  `quad_table_xla` (gather once from a precomputed (H*W, 4C) table of the
  2x2 neighbourhoods) and `dense_f64_xla` (float64 image and flow).
The flow is the smooth face flow of the astronaut photo scaled to the case.

Time is the best of `--repeats` calls after a warm-up call (the machine is
shared, the minimum is the least disturbed). A tensor result is viewed as a
NumPy array (`np.asarray`, no copy, like cv2's result; `Tensor.numpy()`
copies, ~0.2-0.4 ms at 512^2, and earlier runs of this script included that
copy). `ratio` divides by the cv2 row
of the same dtype. XLA compile time is the first call. Memory is the peak
resident set size (`VmHWM` in /proc/self/status, reset through
/proc/self/clear_refs after the inputs are built) reached while running the
row minus the resident set size before its first call, each row in a fresh
subprocess; it includes TensorFlow's allocator pools and XLA compilation,
which `tracemalloc` cannot see.

With `--processes N` every row runs in N fresh processes, round by round,
and the table gives the median of their bests and their spread (in earlier
runs a fresh process's best of 100 varied up to 2x from one process to the next).

    python bench/warp.py [--repeats 10] [--cases 1x512 8x256] [--processes 5]
        [--methods cv2_remap_f32 dense_eager cv2_remap_u8 face_eager]
"""

import argparse
import gc
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CASES = ((1, 256), (1, 512), (8, 256), (1, 2048))
METHODS = ("cv2_remap_f32", "dense_eager", "dense_function", "dense_xla",
           "cv2_remap_u8", "face_eager", "face_function", "face_xla")
VARIANTS = ("fused4_gather_xla", "quad_table_xla", "dense_f64_xla")


def _inputs(batch, size):
    """Astronaut photos, their landmarks and the face flow at `size`."""
    import cv2  # pylint: disable=import-outside-toplevel
    import numpy as np  # pylint: disable=import-outside-toplevel
    from skimage import data as skdata  # pylint: disable=import-outside-toplevel

    import tf_deepexag  # pylint: disable=import-outside-toplevel
    from tf_deepexag import landmarks, warp  # pylint: disable=import-outside-toplevel
    photo = cv2.resize(skdata.astronaut(), (size, size), interpolation=cv2.INTER_AREA)
    points = landmarks.read_pts(os.path.join(os.path.dirname(tf_deepexag.__file__),
                                             "assets", "astronaut_68.pts"))
    src = points * (size / 512.0)
    centre = src.mean(axis=0)
    dst = ((src - centre) * [1.15, 1.05] + centre).astype(np.float32)
    flow = warp.face_flow(size, size, src, dst).numpy()             # (1, S, S, 2)
    images_u8 = np.repeat(photo[None], batch, axis=0)               # (B, S, S, 3)
    return (images_u8, images_u8.astype(np.float32) / 255.0,
            np.repeat(flow, batch, axis=0), src, dst)


def _sampler_variant(kind):
    """Bench-only alternative bilinear samplers (same clamping as the module)."""
    import tensorflow as tf  # pylint: disable=import-outside-toplevel

    def warp(image, flow):
        shape = tf.shape(image)
        batch, height, width, channels = shape[0], shape[1], shape[2], shape[3]
        grid_y, grid_x = tf.meshgrid(tf.range(height), tf.range(width), indexing="ij")
        query_y = tf.cast(grid_y, flow.dtype)[None] - flow[..., 0]
        query_x = tf.cast(grid_x, flow.dtype)[None] - flow[..., 1]
        floor_y = tf.clip_by_value(tf.floor(query_y), 0.0, tf.cast(height - 2, flow.dtype))
        floor_x = tf.clip_by_value(tf.floor(query_x), 0.0, tf.cast(width - 2, flow.dtype))
        alpha_y = tf.clip_by_value(query_y - floor_y, 0.0, 1.0)[..., None]
        alpha_x = tf.clip_by_value(query_x - floor_x, 0.0, 1.0)[..., None]
        index = (tf.range(batch) * height * width)[:, None, None] \
            + tf.cast(floor_y, tf.int32) * width + tf.cast(floor_x, tf.int32)
        if kind == "fused4_gather_xla":
            flat = tf.reshape(image, [-1, channels])
            corners = tf.gather(flat, tf.stack(
                [index, index + 1, index + width, index + width + 1], -1))
            top_left, top_right, bottom_left, bottom_right = tf.unstack(corners, axis=-2)
        else:  # quad_table_xla
            right = tf.concat([image[:, :, 1:], image[:, :, -1:]], 2)
            pair = tf.concat([image, right], -1)                    # (B, H, W, 2C)
            below = tf.concat([pair[:, 1:], pair[:, -1:]], 1)
            table = tf.reshape(tf.concat([pair, below], -1), [-1, 4 * channels])
            top_left, top_right, bottom_left, bottom_right = tf.split(
                tf.gather(table, index), 4, axis=-1)
        top = top_left + alpha_x * (top_right - top_left)
        bottom = bottom_left + alpha_x * (bottom_right - bottom_left)
        return top + alpha_y * (bottom - top)

    return warp


def _callable(method, batch, size):
    """Returns `(fn, label)`: a no-argument call of `method` on the case."""
    import cv2  # pylint: disable=import-outside-toplevel
    import numpy as np  # pylint: disable=import-outside-toplevel
    import tensorflow as tf  # pylint: disable=import-outside-toplevel

    from tf_deepexag import warp  # pylint: disable=import-outside-toplevel
    images_u8, images, flow, src, dst = _inputs(batch, size)
    grid_y, grid_x = np.mgrid[0:size, 0:size].astype(np.float32)
    maps = [(grid_x - f[..., 1], grid_y - f[..., 0]) for f in flow]
    if method.startswith("cv2_remap"):
        source = images if method.endswith("f32") else images_u8
        return lambda: [cv2.remap(image, mx, my, cv2.INTER_LINEAR,
                                  borderMode=cv2.BORDER_REPLICATE)
                        for image, (mx, my) in zip(source, maps)]
    image_t, flow_t = tf.constant(images), tf.constant(flow)
    if method == "dense_eager":
        return lambda: warp.dense_image_warp(image_t, flow_t)
    if method in ("dense_function", "dense_xla"):
        fn = tf.function(warp.dense_image_warp, jit_compile=method == "dense_xla")
        return lambda: fn(image_t, flow_t)
    if method == "dense_f64_xla":
        fn = tf.function(warp.dense_image_warp, jit_compile=True)
        image64, flow64 = tf.cast(image_t, tf.float64), tf.cast(flow_t, tf.float64)
        return lambda: fn(image64, flow64)
    if method in VARIANTS:
        fn = tf.function(_sampler_variant(method), jit_compile=True)
        return lambda: fn(image_t, flow_t)
    if method == "face_eager":
        return lambda: [warp.warp_face(image, src, dst) for image in images_u8]
    if method in ("face_function", "face_xla"):
        fn = tf.function(warp.warp_face, jit_compile=method == "face_xla", input_signature=[
            tf.TensorSpec([1, None, None, 3], tf.uint8), tf.TensorSpec([68, 2], tf.float32),
            tf.TensorSpec([68, 2], tf.float32)])
        tensors = [tf.constant(image[None]) for image in images_u8]
        return lambda: [fn(image, src, dst) for image in tensors]
    raise ValueError(f"Unknown method {method!r}.")


def _rss_mb(field):
    """`VmRSS` (current) or `VmHWM` (peak) of this process from /proc, in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak_rss():
    """Resets VmHWM to the current RSS (Linux >= 4.0), so the input set-up's
    peak does not hide the row's (a no-op where the file is not writable)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:
            clear_refs.write("5")
    except OSError:
        pass


def _run_one(method, batch, size, repeats):
    """Runs one row in this process and prints it as JSON."""
    import numpy as np  # pylint: disable=import-outside-toplevel
    fn = _callable(method, batch, size)
    gc.collect()
    _reset_peak_rss()
    rss_before = _rss_mb("VmRSS")
    start = time.perf_counter()
    fn()
    first_ms = 1000 * (time.perf_counter() - start)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        if hasattr(result, "numpy"):
            np.asarray(result)
        times.append(1000 * (time.perf_counter() - start))
    print(json.dumps({"ms": min(times), "first_call_ms": first_ms,
                      "peak_rss_delta_mb": _rss_mb("VmHWM") - rss_before}))


def _row(method, batch, size, repeats):
    command = [sys.executable, os.path.abspath(__file__), "--one", method,
               str(batch), str(size), "--repeats", str(repeats)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--one", nargs=3, metavar=("METHOD", "BATCH", "SIZE"))
    parser.add_argument("--cases", nargs="+", metavar="BxS",
                        help="cases to run, e.g. 1x512 (default: all)")
    parser.add_argument("--methods", nargs="+", metavar="METHOD",
                        help="rows to run (default: all); ratios need the cv2 rows")
    parser.add_argument("--processes", type=int, default=1,
                        help="fresh processes per row, interleaved round by round: ms is the "
                             "median of their bests, ms_min and ms_max the spread")
    args = parser.parse_args()
    if args.one:
        _run_one(args.one[0], int(args.one[1]), int(args.one[2]), args.repeats)
        return
    import numpy as np  # pylint: disable=import-outside-toplevel

    from bench._report import report  # pylint: disable=import-outside-toplevel
    rows = []
    cases = [tuple(int(n) for n in case.split("x")) for case in args.cases] \
        if args.cases else CASES
    for batch, size in cases:
        methods = METHODS + (VARIANTS if (batch, size) == (1, 512) else ())
        methods = [m for m in methods if not args.methods or m in args.methods]
        repeats = max(3, args.repeats // 3) if size >= 2048 else args.repeats
        results = {method: [] for method in methods}
        for _ in range(args.processes):   # round by round, so load swings hit every row
            for method in methods:
                results[method].append(_row(method, batch, size, repeats))
        baseline = {}
        for method in methods:
            bests = sorted(result["ms"] for result in results[method])
            median = float(np.median(bests))
            if method.startswith("cv2_remap"):
                baseline[method.rsplit("_", 1)[1]] = median
            reference = baseline.get("u8" if method.startswith("face") or method.endswith("u8")
                                     else "f32")
            row = {"case": f"{batch}x{size}^2x3", "method": method, "ms": median,
                   "ratio_to_cv2": median / reference if reference else None}
            if args.processes > 1:
                row.update(ms_min=bests[0], ms_max=bests[-1],
                           ratio_max=bests[-1] / reference if reference else None)
            row.update(first_call_ms=results[method][0]["first_call_ms"],
                       peak_rss_delta_mb=max(r["peak_rss_delta_mb"] for r in results[method]))
            rows.append(row)
            print(rows[-1], flush=True)
    report("warp", rows, notes=(
        "ms: best of the repeats (median over --processes fresh processes); ratio_to_cv2: "
        "against cv2.remap of the same dtype (float32 for dense_*, uint8 for face_*), maps "
        "precomputed; ms_min/ms_max: the processes' spread, ratio_max = ms_max / cv2's ms.",
        "peak_rss_delta_mb: VmHWM (reset after input set-up) minus VmRSS before the row, "
        "fresh subprocess per row (includes TF allocator pools and XLA compilation).",
        "Goals: dense <= 1.5x cv2 at 1x512^2x3; face TPS <= 3x cv2 at 1x512^2x3."))


if __name__ == "__main__":
    main()
