"""Exports the pipeline as a versioned SavedModel for TensorFlow Serving.

Usage:
    python -m export.saved_model --model tf_deepexag/assets/vae_synthetic \
        --style none --out export/saved_model

Layout: `<out>/<version>/` (saved_model.pb, variables/), the version the next
free integer unless `--version` is given. The version is written to a hidden
temporary directory in `<out>` and renamed, so TF Serving (which polls
`<out>`) never sees a half-written version.

Signatures (see the README for a REST example):
    exaggerate       photo_points f32 [B,68,2], temperature f32 [], seed i64 []
                     -> caricature_points f32 [B,68,2]; temperature <= 0 is
                     deterministic.
    serving_default  photo_points -> caricature_points, deterministic.
    stylize          images u8 [B,H,W,3] -> images u8 [B,H,W,3] (with --style).
    caricature       image u8 [1,H,W,3], photo_points f32 [1,68,2], strength
                     f32 [] -> caricature u8 [1,H,W,3], caricature_points.

Wrong shapes fail inside the graph with a message naming the input. A wrong
dtype is refused by TensorFlow before the graph runs, naming the input only
by position (inputs in name order); `tf_deepexag.export_graphs.SavedModelRunner`
checks dtypes and shapes by name in Python first.
"""

import os
import shutil
import sys
import tempfile

from absl import app, flags

import tensorflow as tf

from export import _flags
from tf_deepexag.export_graphs import ExportGraphs
from tf_deepexag.export_graphs.serving import ServingModule
from tf_deepexag.export_graphs.loading import load_geometry, load_style

def next_version(out):
    """1 + the largest integer-named directory in `out` (1 if none)."""
    if not os.path.isdir(out):
        return 1
    versions = [int(n) for n in os.listdir(out)
                if n.isdigit() and os.path.isdir(os.path.join(out, n))]
    return max(versions, default=0) + 1


def export_saved_model(model_dir, out, style=None, version=None):
    """Writes `<out>/<version>/`; returns its path.

    Args:
        model_dir: geometry export directory (`vae.keras`, `stats.json`).
        out: the model base directory TF Serving watches.
        style: U-GAT-IT generator `.keras` path, or None / "none".
        version: int >= 1, or None for the next free one.

    Raises:
        FileNotFoundError / ValueError: bad model paths, bad or taken version.
    """
    model, stats = load_geometry(model_dir)
    generator = load_style(style)
    out = os.path.abspath(os.fspath(out))
    if version is None:
        version = next_version(out)
    if int(version) < 1:
        raise ValueError(f"`version` must be a positive integer, got {version}.")
    final = os.path.join(out, str(int(version)))
    if os.path.exists(final):
        raise ValueError(f"SavedModel version already exists: {final}")
    module = ServingModule(ExportGraphs(model, stats, generator))
    os.makedirs(out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".tmp-", dir=out)
    try:
        tf.saved_model.save(module, tmp, signatures=module.signatures())
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


FLAGS = flags.FLAGS


def define_flags():
    """Defines the command-line flags (only when run as a program, so both
    exporters can be imported in one process)."""
    _flags.define_common_flags("export/saved_model", "Base directory of the versions.")
    flags.DEFINE_integer("version", None, "Version number (default: the next free one).")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    try:
        path = export_saved_model(FLAGS.model, FLAGS.out, FLAGS.style, FLAGS.version)
    except (FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    define_flags()
    app.run(main)
