"""Writing the pipeline as a versioned SavedModel for TensorFlow Serving.

Layout: `<out>/<version>/` (saved_model.pb, variables/), the version the next
free integer unless given. The version is written to a hidden temporary
directory in `<out>` and renamed, so TF Serving (which polls `<out>`) never
sees a half-written version. The signatures are `signatures.ServingModule`'s.

Wrong shapes fail inside the graph with a message naming the input. A wrong
dtype is refused by TensorFlow before the graph runs, naming the input only
by position (inputs in name order); `tf_deepexag.serving.SavedModelRunner`
checks dtypes and shapes by name in Python first.
"""

import os
import shutil

import tensorflow as tf

from tf_deepexag import fileio
from tf_deepexag.export.graphs import ExportGraphs
from tf_deepexag.export.loading import load_geometry, load_style
from tf_deepexag.export.signatures import ServingModule


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
        style: a style spec for `loading.load_style` ("cartoongan:<style>",
            a U-GAT-IT generator `.keras` path), or None / "none".
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
    for stale in os.listdir(out):  # left by a killed export
        if stale.startswith("." + str(int(version)) + ".") and stale.endswith(".tmp"):
            shutil.rmtree(os.path.join(out, stale), ignore_errors=True)
    # Hidden until renamed (TF Serving never loads a half-written version),
    # with a plain new folder's permissions (the umask's), not mkdtemp's 0700.
    tmp = fileio.make_temp_dir(out, str(int(version)))
    try:
        tf.saved_model.save(module, tmp, signatures=module.signatures())
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final
