"""Exports the exaggerate graph and the style generator to TFLite (builtin ops only).

Usage:
    python -m export.tflite --model tf_deepexag/assets/vae_synthetic \
        --style none --out export/tflite

Writes, each in float32, float16 and dynamic-range int8 (`_fp32`, `_fp16`,
`_int8` suffixes), atomically:
    exaggerate_<q>.tflite  photo_points f32 [1,68,2], eps_z [1,Z], uniforms
                           [1,68,2] U(0,1), normals [1,68,2] N(0,1),
                           temperature [] (<= 0: deterministic)
                           -> caricature_points [1,68,2]
    stylize_<q>.tflite     images f32 [1,S,S,3] in [-1,1] -> images, same
                           (with --style)
The noise is an input because TFLite has no stateless random ops. The LSTMs
are unrolled, so no While/TensorList ops remain; conversion uses
`TFLITE_BUILTINS` only (no Flex ops). Run them with `tf_deepexag.lite.LiteModel`.
"""

import os
import sys

from absl import app, flags

import tensorflow as tf
from tensorflow.python.framework import convert_to_constants

from tf_deepexag import fileio
from tf_deepexag.export_graphs import ExportGraphs
from tf_deepexag.export_graphs.loading import load_geometry, load_style

QUANTIZATIONS = ("fp32", "fp16", "int8")


def exaggerate_function(graphs):
    """The batch-1 exaggerate concrete function with named noise inputs."""
    t, z = graphs.num_steps, graphs.z_size

    @tf.function(input_signature=[
        tf.TensorSpec([1, t, 2], tf.float32, name="photo_points"),
        tf.TensorSpec([1, z], tf.float32, name="eps_z"),
        tf.TensorSpec([1, t, 2], tf.float32, name="uniforms"),
        tf.TensorSpec([1, t, 2], tf.float32, name="normals"),
        tf.TensorSpec([], tf.float32, name="temperature")])
    def exaggerate(photo_points, eps_z, uniforms, normals, temperature):
        return {"caricature_points": graphs._exaggerate_with_noise(
            photo_points, eps_z, uniforms, normals, temperature)}

    return exaggerate.get_concrete_function()


def stylize_function(graphs):
    """The `[1, S, S, 3]` float32 generator concrete function."""
    s = graphs.style_size

    @tf.function(input_signature=[tf.TensorSpec([1, s, s, 3], tf.float32,
                                                name="images")])
    def stylize(images):
        return {"images": graphs.generate_image(images)}

    return stylize.get_concrete_function()


def freeze(concrete_function):
    """The function with its variables folded into constants.

    Constant weights are what the converter quantizes, and no resource-
    variable ops (VAR_HANDLE, READ_VARIABLE) remain in the flatbuffer.
    """
    frozen = convert_to_constants.convert_variables_to_constants_v2(concrete_function)
    specs = concrete_function.structured_input_signature[0]
    structure = concrete_function.structured_outputs

    # Re-wrapped so the converter sees the named inputs and outputs (the
    # frozen function alone has lost them, and the file would have no signature).
    @tf.function(input_signature=specs)
    def named(*args):
        return tf.nest.pack_sequence_as(structure, frozen(*args))

    return named.get_concrete_function()


def convert(frozen_function, quantization):
    """TFLite flatbuffer bytes of a frozen concrete function, builtin ops only.

    Args:
        frozen_function: from `freeze`.
        quantization: "fp32", "fp16" (float16 weights) or "int8" (dynamic-
            range int8 weights, float activations).
    """
    if quantization not in QUANTIZATIONS:
        raise ValueError(f"`quantization` must be one of {QUANTIZATIONS}, got "
                         f"{quantization!r}.")
    # A variable-free trackable: the converter keeps the signature (names)
    # and finds no variables to turn into VAR_HANDLE ops.
    converter = tf.lite.TFLiteConverter.from_concrete_functions([frozen_function],
                                                                tf.Module())
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if quantization != "fp32":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantization == "fp16":
        converter.target_spec.supported_types = [tf.float16]
    return converter.convert()


def export_tflite(model_dir, out, style=None, quantizations=QUANTIZATIONS):
    """Converts and writes the graphs; returns `{file name: size in bytes}`.

    Raises:
        FileNotFoundError / ValueError: bad model paths.
    """
    model, stats = load_geometry(model_dir)
    generator = load_style(style)
    graphs = ExportGraphs(model, stats, generator)
    functions = {"exaggerate": exaggerate_function(graphs)}
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


def op_names(path):
    """Sorted distinct op names in all subgraphs of a `.tflite` file.

    Builtin ops appear by their `BuiltinOperator` name, custom ops (Flex
    included) as `CUSTOM:<code>`.
    """
    from tensorflow.lite.python import schema_py_generated as schema
    with open(path, "rb") as f:
        model = schema.Model.GetRootAsModel(f.read(), 0)
    builtin = {v: k for k, v in vars(schema.BuiltinOperator).items()
               if not k.startswith("_")}
    names = set()
    for g in range(model.SubgraphsLength()):
        subgraph = model.Subgraphs(g)
        for i in range(subgraph.OperatorsLength()):
            code = model.OperatorCodes(subgraph.Operators(i).OpcodeIndex())
            value = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
            if value == schema.BuiltinOperator.CUSTOM:
                names.add(f"CUSTOM:{code.CustomCode().decode()}")
            else:
                names.add(builtin[value])
    return sorted(names)


FLAGS = flags.FLAGS


def define_flags():
    """Defines the command-line flags (only when run as a program, so both
    exporters can be imported in one process)."""
    flags.DEFINE_string("model", None, "Geometry export directory (vae.keras, stats.json).")
    flags.DEFINE_string("style", "none", "U-GAT-IT generator .keras file, or 'none'.")
    flags.DEFINE_string("out", "export/tflite", "Output directory of the .tflite files.")
    flags.mark_flag_as_required("model")


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
