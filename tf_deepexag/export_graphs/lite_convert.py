"""TFLite conversion of the export graphs: frozen, builtin ops only.

Shapes: T = 68 steps, Z = `z_size`, S the style generator's side.
"""

import tensorflow as tf
from tensorflow.python.framework import convert_to_constants

QUANTIZATIONS = ("fp32", "fp16", "int8")


# Below this the sampled TFLite graph raises the temperature: 0 would divide
# the logits by zero (NaN points); the runner sends T <= 0 to the
# deterministic graph instead, as the SavedModel does.
MIN_TEMPERATURE = 1e-6


def exaggerate_functions(graphs):
    """The batch-1 exaggerate concrete functions, one per mode, no control flow.

    Returns:
        `{"exaggerate_sampled": f(photo_points, eps_z, uniforms, normals,
        temperature), "exaggerate_deterministic": f(photo_points)}`, each
        returning `{"caricature_points": (1, T, 2)}`.
    """
    t, z = graphs.num_steps, graphs.z_size
    points = lambda name: tf.TensorSpec([1, t, 2], tf.float32, name=name)

    @tf.function(input_signature=[points("photo_points"),
                                  tf.TensorSpec([1, z], tf.float32, name="eps_z"),
                                  points("uniforms"), points("normals"),
                                  tf.TensorSpec([], tf.float32, name="temperature")])
    def exaggerate_sampled(photo_points, eps_z, uniforms, normals, temperature):
        temperature = tf.maximum(temperature, MIN_TEMPERATURE)
        return {"caricature_points": graphs._exaggerate_sampled(
            photo_points, eps_z, uniforms, normals, temperature)}

    @tf.function(input_signature=[points("photo_points")])
    def exaggerate_deterministic(photo_points):
        return {"caricature_points": graphs._exaggerate_deterministic(photo_points)}

    return {"exaggerate_sampled": exaggerate_sampled.get_concrete_function(),
            "exaggerate_deterministic": exaggerate_deterministic.get_concrete_function()}


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
