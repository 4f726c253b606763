"""`python -m tf_deepexag demo`: the main job on the built-in data, end to end.

`make demo` runs it from the repository root on a fresh clone:
1. writes the synthetic paired set and style images (`demo_out/synthetic`);
2. trains the smoke VAE briefly with `python -m train.vae` (TensorBoard logs
   and checkpoints under `runs/vae_smoke`);
3. caricatures the astronaut photo with the built-in model (deterministic
   geometry, the default CartoonGAN style) and writes the caricature and a figure;
4. exports the built-in model as a SavedModel and TFLite and checks the
   TFLite output against Keras;
then prints where each artifact is.
"""

import os
import subprocess
import sys
import time

_REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def add_parser(subparsers):
    parser = subparsers.add_parser("demo", help="Run the whole system on built-in data.")
    parser.add_argument("--out", default="demo_out", help="Output folder. Default: demo_out.")
    parser.add_argument("--runs", default="runs",
                        help="TensorBoard/checkpoint root. Default: runs.")
    parser.set_defaults(run=run)


def _step(title):
    print(f"\n== {title}", flush=True)
    return time.perf_counter()


def _run_module(module, *args):
    """Runs `python -m module args` from the repository root; raises on failure.

    It runs through `cli._quiet` (TensorFlow's start-up lines left out, the
    log level inherited from this process).
    """
    command = [sys.executable, "-m", module, *args]
    print("$ " + " ".join(command), flush=True)
    quiet = [sys.executable, "-m", "tf_deepexag.cli._quiet", module, *args]
    result = subprocess.run(quiet, cwd=_REPO_ROOT, check=False)
    if result.returncode != 0:
        raise ValueError(f"`{' '.join(command[1:])}` failed with exit code "
                         f"{result.returncode}.")


def _has(folder):
    return os.path.isfile(os.path.join(_REPO_ROOT, folder, "__init__.py"))


def _tflite_parity(model_dir, tflite_dir, photo_points):
    """Max |TFLite fp32 - Keras| of the deterministic exaggerated points."""
    import numpy as np  # pylint: disable=g-import-not-at-top

    from tf_deepexag import geometry  # pylint: disable=g-import-not-at-top
    from tf_deepexag.serving import litert  # pylint: disable=g-import-not-at-top

    exaggerator = geometry.load_exaggerator(model_dir)
    keras_points = exaggerator.exaggerate(photo_points)[0]  # one sample: deterministic
    lite_points = litert.LiteExaggerator(tflite_dir, "fp32").exaggerate(photo_points)[0]
    return float(np.abs(lite_points - keras_points).max())


def run(args):
    from skimage import data as skdata  # pylint: disable=g-import-not-at-top

    from tf_deepexag import data, fileio, figures, geometry, pipeline  # pylint: disable=g-import-not-at-top

    out, runs = os.path.abspath(args.out), os.path.abspath(args.runs)
    artifacts = {}
    start = time.perf_counter()

    _step("1/4 synthetic dataset")
    synthetic = os.path.join(out, "synthetic")
    pairs = data.write_synthetic_dataset(synthetic)
    print(f"{len(pairs)} pairs of {pairs.num_persons} persons")
    artifacts["synthetic dataset"] = synthetic

    _step("2/4 train the smoke VAE")
    if _has("train"):
        model_dir = os.path.join(runs, "vae_smoke")
        _run_module("train.vae", "--flagfile=train/configs/vae_smoke.cfg",
                    f"--model_dir={model_dir}", f"--data={synthetic}")
        artifacts["smoke VAE run (tensorboard --logdir runs/)"] = model_dir
    else:
        print("skipped: train/ is not next to the installed package")

    _step("3/4 caricature the astronaut")
    artist = pipeline.build_caricaturist(geometry="vae")
    result = artist(skdata.astronaut(), strength=1.0, temperature=0.0, seed=0)[0]
    caricature = os.path.join(out, "astronaut_caricature.png")
    figure = os.path.join(out, "astronaut_figure.png")
    fileio.write_image(caricature, result.caricature)
    fileio.write_image(figure, figures.side_by_side(result))
    artifacts["caricature"] = caricature
    artifacts["figure (photo | landmarks | warped | caricature)"] = figure

    _step("4/4 export")
    model_to_export = geometry.default_model_dir()
    if _has("export"):
        export_dir = os.path.join(out, "export")
        _run_module("export.saved_model", f"--model={model_to_export}",
                    f"--out={os.path.join(export_dir, 'saved_model')}")
        _run_module("export.tflite", f"--model={model_to_export}",
                    f"--out={os.path.join(export_dir, 'tflite')}")
        difference = _tflite_parity(model_to_export, os.path.join(export_dir, "tflite"),
                                    result.photo_points)
        print(f"TFLite fp32 vs Keras, deterministic exaggerate on the astronaut: max "
              f"|difference| = {difference:.2e} px")
        artifacts["exports (SavedModel, TFLite)"] = export_dir
    else:
        print("skipped: export/ is not next to the installed package")

    print(f"\nDone in {time.perf_counter() - start:.0f} s. Artifacts:")
    for name, path in artifacts.items():
        print(f"  {name}: {path}")
    return 0
