"""Exports the exaggerate graph and the style generator to TFLite (builtin ops only).

Usage:
    python -m export.tflite --model tf_deepexag/assets/vae_synthetic \
        --style none --out export/tflite

Writes, each in float32, float16 and dynamic-range int8 (`_fp32`, `_fp16`,
`_int8` suffixes), atomically:
    exaggerate_sampled_<q>.tflite        photo_points f32 [1,68,2], eps_z
                                         [1,Z] N(0,1), uniforms [1,68,2]
                                         U(0,1), normals [1,68,2] N(0,1),
                                         temperature [] (> 0; raised to 1e-6)
                                         -> caricature_points [1,68,2]
    exaggerate_deterministic_<q>.tflite  photo_points -> caricature_points
                                         (z = mu, likeliest components)
    stylize_<q>.tflite                   images f32 [1,S,S,3] in [-1,1] ->
                                         images, same (with --style)
One file per exaggerate mode, so no graph holds control flow: the converter's
dynamic-range pass leaves the weights inside `IF` branches in float32 (a
single file with a `tf.cond` on the temperature came out of the int8
conversion byte-identical to fp32). The noise is an input because TFLite has
no stateless random ops. The LSTMs are unrolled, so no While/TensorList ops
remain; conversion uses `TFLITE_BUILTINS` only (no Flex ops). Run the files
with `tf_deepexag.lite.LiteExaggerator` (both modes behind one call) or
`tf_deepexag.lite.LiteModel`.
"""

import os
import sys

from absl import app, flags

from export import _flags
from tf_deepexag import fileio
from tf_deepexag.export_graphs import ExportGraphs
from tf_deepexag.export_graphs.lite_convert import (QUANTIZATIONS, convert,
                                                    exaggerate_functions, freeze,
                                                    op_names, stylize_function)
from tf_deepexag.export_graphs.loading import load_geometry, load_style

__all__ = ["QUANTIZATIONS", "export_tflite", "op_names"]

def export_tflite(model_dir, out, style=None, quantizations=QUANTIZATIONS):
    """Converts and writes the graphs; returns `{file name: size in bytes}`.

    Raises:
        FileNotFoundError / ValueError: bad model paths.
    """
    model, stats = load_geometry(model_dir)
    generator = load_style(style)
    graphs = ExportGraphs(model, stats, generator)
    functions = exaggerate_functions(graphs)
    if generator is not None:
        functions["stylize"] = stylize_function(graphs)
    sizes = {}
    for name, function in functions.items():
        frozen = freeze(function)
        for q in quantizations:
            data = convert(frozen, q)
            path = os.path.join(os.fspath(out), f"{name}_{q}.tflite")
            fileio.write_bytes_atomic(path, data)
            sizes[os.path.basename(path)] = len(data)
    return sizes


FLAGS = flags.FLAGS


def define_flags():
    """Defines the command-line flags (only when run as a program, so both
    exporters can be imported in one process)."""
    _flags.define_common_flags("export/tflite", "Output directory of the .tflite files.")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    try:
        sizes = export_tflite(FLAGS.model, FLAGS.out, FLAGS.style)
    except (FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    for name, size in sizes.items():
        print(f"{os.path.join(FLAGS.out, name)}  {size / 1024:.1f} KiB")
    return 0


if __name__ == "__main__":
    define_flags()
    app.run(main)
