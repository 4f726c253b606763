"""Latency and size of each exported artifact: exaggerate and stylize.

Rows (one per graph and artifact): `keras_eager` (`Exaggerator`: the
geometry graph run eagerly; the generator called eagerly), `tf_function` (the
same graph traced, as `Exaggerator(compile=True)` and the export use it),
`saved_model` (the loaded `exaggerate` / `stylize` signatures), `tflite_fp32`,
`tflite_fp16`, `tflite_int8` (`tf_deepexag.serving.LiteModel`, one thread),
`litert_runner_<q>` (`LiteExaggerator.run`: the decode file between the
landmark steps in float64 NumPy, one thread).
Exaggerate runs at two temperatures through the same graphs and files:
`exaggerate_sampled` (0.6) and `exaggerate_deterministic` (0); one face
(1, 68, 2) per call. One S x S image per stylize call (the TFLite graph takes
the generator's input directly, the SavedModel signature adds the uint8
processing).

Time is the median of `--repeats` calls after a warm-up call; the machine is
shared. Size is the artifact on disk (the whole SavedModel directory, shared
by all graphs). Without `--model`, the built-in model if present, else a
random `DeepExaggerationVAE` of `--config` size; without `--style`, a random
light U-GAT-IT generator (`--style_size`, ngf 8, 2 residual blocks).

    python bench/export.py [--model DIR] [--style FILE] [--repeats 20]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402


def _median_ms(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def _dir_size(path):
    return sum(os.path.getsize(os.path.join(root, f))
               for root, _, files in os.walk(path) for f in files)


def _models(args, workdir):
    from tf_deepexag import landmarks
    from tf_deepexag.geometry import (DeepExaggerationVAE, VAEConfig, default_model_dir,
                                      save_artifacts)
    from tf_deepexag.style import UGATITGenerator
    notes = []
    model_dir = args.model
    if model_dir is None and os.path.isfile(os.path.join(default_model_dir(), "vae.keras")):
        model_dir = default_model_dir()
    if model_dir is None:
        enc, dec, z, m = (int(v) for v in args.config.split(","))
        model = DeepExaggerationVAE(VAEConfig(enc_rnn_size=enc, dec_rnn_size=dec,
                                              z_size=z, num_mixture=m))
        model.build()
        model_dir = os.path.join(workdir, "vae")
        save_artifacts(model, landmarks.NormalizationStats(6.0, 7.0), model_dir)
        notes.append(f"geometry: random VAE enc {enc}, dec {dec}, z {z}, M {m} "
                     "(no trained model given)")
    else:
        notes.append(f"geometry: {model_dir}")
    style = args.style
    if style is None:
        generator = UGATITGenerator(ngf=8, n_res=2, img_size=args.style_size, light=True)
        generator.build()
        style = os.path.join(workdir, "generator.keras")
        generator.save(style)
        notes.append(f"style: random light U-GAT-IT, ngf 8, 2 blocks, "
                     f"{args.style_size}^2 (no trained generator given)")
    else:
        notes.append(f"style: {style}")
    return model_dir, style, notes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="geometry export directory")
    parser.add_argument("--style", default=None, help="U-GAT-IT generator .keras")
    parser.add_argument("--config", default="64,128,16,5",
                        help="enc,dec,z,mixtures of the random VAE")
    parser.add_argument("--style_size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()

    import tensorflow as tf
    from tf_deepexag.export import (QUANTIZATIONS, ExportGraphs, export_saved_model,
                                    export_tflite, load_geometry, load_style)
    from tf_deepexag.geometry import Exaggerator
    from tf_deepexag.landmarks import read_pts
    from tf_deepexag.serving.litert import LiteExaggerator, LiteModel

    workdir = tempfile.mkdtemp(prefix="bench_export_")
    model_dir, style, notes = _models(args, workdir)
    model, stats = load_geometry(model_dir)
    generator = load_style(style)
    size = generator.img_size
    points = read_pts(os.path.join(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), "tf_deepexag", "assets", "astronaut_68.pts"))[None].astype(np.float32)
    rng = np.random.default_rng(0)
    z, t = model.config.z_size, model.config.max_seq_len
    noise = (rng.standard_normal((1, z)).astype(np.float32),
             rng.uniform(size=(1, t, 2)).astype(np.float32),
             rng.standard_normal((1, t, 2)).astype(np.float32))
    x = rng.uniform(-1, 1, (1, size, size, 3)).astype(np.float32)
    image_u8 = rng.integers(0, 256, (1, size, size, 3), dtype=np.uint8)

    start = time.perf_counter()
    version = export_saved_model(model_dir, os.path.join(workdir, "saved_model"), style)
    notes.append(f"SavedModel export {time.perf_counter() - start:.0f} s")
    start = time.perf_counter()
    tflite_dir = os.path.join(workdir, "tflite")
    sizes = export_tflite(model_dir, tflite_dir, style)
    notes.append(f"TFLite export ({len(sizes)} files) {time.perf_counter() - start:.0f} s")

    rows = []
    ex = Exaggerator(model, stats)
    graphs = ExportGraphs(model, stats, generator)
    sigs = tf.saved_model.load(version).signatures
    sm_bytes = _dir_size(version)
    for mode, temperature in (("sampled", 0.6), ("deterministic", 0.0)):
        graph = f"exaggerate_{mode}"
        rows.append({"graph": graph, "artifact": "keras_eager", "ms": _median_ms(
            lambda: ex.exaggerate(points, seed=0, temperature=temperature),
            max(3, args.repeats // 5)), "bytes": None})
        inputs = {"photo_points": points, "eps_z": noise[0], "uniforms": noise[1],
                  "normals": noise[2], "temperature": np.float32(temperature),
                  "strength": np.float32(1.0)}
        tensors = [tf.constant(v) for v in inputs.values()]
        rows.append({"graph": graph, "artifact": "tf_function", "ms": _median_ms(
            lambda: graphs.exaggerate_with_noise(*tensors), args.repeats), "bytes": None})
        rows.append({"graph": graph, "artifact": "saved_model", "ms": _median_ms(
            lambda: sigs["exaggerate"](**{k: tf.constant(v) for k, v in inputs.items()}),
            args.repeats),
            "bytes": sm_bytes})
        for q in QUANTIZATIONS:
            name = f"exaggerate_{q}.tflite"
            lite = LiteModel(os.path.join(tflite_dir, name), num_threads=1)
            rows.append({"graph": graph, "artifact": f"tflite_{q}", "ms": _median_ms(
                lambda: lite(**inputs), args.repeats), "bytes": sizes[name]})
            # What `LiteExaggerator` runs: the decode file between the
            # landmark steps in float64 NumPy (Python's points within 1e-4 px).
            runner = LiteExaggerator(tflite_dir, q, num_threads=1)
            rows.append({"graph": graph, "artifact": f"litert_runner_{q}", "ms": _median_ms(
                lambda: runner.run(points, *noise, temperature), args.repeats),
                "bytes": sizes[f"decode_{q}.tflite"]})
    rows.append({"graph": "stylize", "artifact": "keras_eager",
                 "ms": _median_ms(lambda: generator(x), args.repeats), "bytes": None})
    gen_fn = tf.function(graphs.generate_image)
    rows.append({"graph": "stylize", "artifact": "tf_function",
                 "ms": _median_ms(lambda: gen_fn(tf.constant(x)), args.repeats),
                 "bytes": None})
    rows.append({"graph": "stylize", "artifact": "saved_model", "ms": _median_ms(
        lambda: sigs["stylize"](images=tf.constant(image_u8)), args.repeats),
        "bytes": sm_bytes})
    for q in QUANTIZATIONS:
        name = f"stylize_{q}.tflite"
        lite = LiteModel(os.path.join(tflite_dir, name), num_threads=1)
        rows.append({"graph": "stylize", "artifact": f"tflite_{q}", "ms": _median_ms(
            lambda: lite(images=x), args.repeats), "bytes": sizes[name]})
    notes.append(f"artifacts in {workdir}")
    from bench._report import report
    report("export", rows, notes)


if __name__ == "__main__":
    main()
