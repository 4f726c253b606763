"""TFLite conversion of the export graphs: builtin ops only, three precisions.

Shapes: T = 68 steps (88 for a model with head points), P pins, Z =
`z_size`, S a U-GAT-IT generator's side, H x W any image size.

Files (`export_tflite`), each in float32, float16 and dynamic-range int8
(`_fp32`, `_fp16`, `_int8` suffixes), written atomically:
    decode_<q>.tflite      strokes f32 [1,T,5] (normalised stroke-5 of the
                           photo in the model's frame), eps_z, uniforms,
                           normals, temperature -> strokes [1,T,5]: the VAE
                           alone (step 3 of `geometry.inference`); with
    geometry.json          the numbers of the landmark steps around it
                           (`host_spec`), which a runtime computes in float64
                           (`geometry.host_steps`, what `LiteExaggerator`
                           runs): the same points as `Exaggerator` within
                           1e-4 px (docs/deployment.md)
    exaggerate_<q>.tflite  the whole geometry graph in one call, its
                           landmark steps in float32 (TFLite has no float64
                           kernels: ~5e-4 px from the Python points):
                           photo_points f32 [1,68,2], eps_z [1,Z] N(0,1),
                           uniforms [1,T,2] U(0,1), normals [1,T,2] N(0,1),
                           temperature [] (<= 0 deterministic), strength []
                           -> caricature_points [1,68,2], control_points and
                           control_targets [1,T+P,2] (the map of the plane's
                           points: the T controls, then the P pins of
                           `graphs.map_controls`; the model's raw targets:
                           the fold guard needs a linear solve (no builtin
                           op) in float64, so runtimes apply it, as
                           `LiteExaggerator` does: docs/deployment.md)
    stylize_<q>.tflite     with a style generator. U-GAT-IT: images f32
                           [1,S,S,3] in [-1,1] -> images, same. CartoonGAN:
                           images u8 [1,H,W,3] -> images u8 [1,H,W,3] at any
                           size (dynamic: LiteRT resizes the input), the whole
                           `style.processing.paint` path inside (pad to a
                           multiple of 4, at least 8, generator, crop, blend
                           with the input by the pipeline's style weight) but
                           the shrinking to the pipeline's painting side (no
                           builtin antialiased resize): pass images of at most
                           `pipeline.DEFAULT_STYLE_MAX_SIDE` to match the
                           pipeline
The exaggerate file is `geometry.GeometryGraph.controls` itself, the graph
`Exaggerator` and the SavedModel run: the noise is an input (TFLite has no
stateless random ops), the deterministic mode a select on the temperature
(no `IF`, whose weights the dynamic-range quantizer would leave in float32),
the LSTMs unrolled (no While/TensorList ops). Run the files with
`tf_deepexag.serving.LiteExaggerator` or `LiteModel` (no TensorFlow needed).

Conversion is `tf.lite.TFLiteConverter.from_concrete_functions` with a
trackable object holding the model's tf.Variables: the converter saves the
function as a SavedModel and converts that, freezing the read-only variables
into constants (what the quantizer works on) and keeping the signature's
names. (Without the variables tracked it keeps VAR_HANDLE ops; without a
trackable object it freezes but drops the signature.)
"""

import json
import os

import tensorflow as tf

from tf_deepexag import fileio
from tf_deepexag.export.graphs import ExportGraphs, map_controls
from tf_deepexag.export.loading import load_geometry, load_style
from tf_deepexag.geometry.host_steps import SPEC_FILE
from tf_deepexag.geometry.sampling import sample_sequence
from tf_deepexag.landmarks import head

QUANTIZATIONS = ("fp32", "fp16", "int8")


def tflite_functions(graphs):
    """The batch-1 concrete functions to convert, by file stem.

    Returns:
        `{"decode": f(strokes, eps_z, uniforms, normals, temperature) ->
        {"strokes"}, "exaggerate": f(photo_points, eps_z, uniforms, normals,
        temperature, strength) -> {"caricature_points", "control_points",
        "control_targets"}}`, plus `"stylize": f(images) ->
        {"images"}` when `graphs` has a generator (float32 at S x S for
        U-GAT-IT, uint8 at any size for CartoonGAN: see the module docstring).
    """
    geometry = graphs.geometry.as_dtype(tf.float32)  # TFLite has no float64 kernels

    @tf.function(input_signature=geometry.signature(batch=1))
    def exaggerate(photo_points, eps_z, uniforms, normals, temperature, strength):
        controls = geometry.controls(photo_points, eps_z, uniforms, normals, temperature,
                                     strength)  # (1, T, 2) twice: landmarks, head points
        source, target = map_controls(*controls)
        return {"caricature_points": controls[1][:, :geometry.scheme.num_points],
                "control_points": source, "control_targets": target}

    # The exaggerate file's noise and temperature inputs, the photo's strokes
    # in place of its points.
    noise_specs = geometry.signature(batch=1)[1:5]
    strokes_spec = tf.TensorSpec([1, geometry.num_steps, 5], tf.float32, name="strokes")

    @tf.function(input_signature=[strokes_spec] + noise_specs)
    def decode(strokes, eps_z, uniforms, normals, temperature):
        return {"strokes": sample_sequence(geometry.vae, strokes, eps_z, uniforms, normals,
                                           temperature)}

    functions = {"decode": decode.get_concrete_function(),
                 "exaggerate": exaggerate.get_concrete_function()}
    if graphs.generator is not None and graphs.style_size is None:  # CartoonGAN
        @tf.function(input_signature=[tf.TensorSpec([1, None, None, 3], tf.uint8,
                                                    name="images")])
        def stylize_any_size(images):
            return {"images": graphs.stylize(images, shrink=False)}

        functions["stylize"] = stylize_any_size.get_concrete_function()
    elif graphs.generator is not None:
        s = graphs.style_size

        @tf.function(input_signature=[tf.TensorSpec([1, s, s, 3], tf.float32,
                                                    name="images")])
        def stylize(images):
            return {"images": graphs.generate_image(images)}

        functions["stylize"] = stylize.get_concrete_function()
    return functions


def host_spec(geometry):
    """The `geometry.json` dict of a `GeometryGraph`: the numbers of its
    landmark steps, which `geometry.host_steps.HostSteps` runs in float64
    around the `decode` file (the format is described there)."""
    stats = geometry.stats
    return {
        "num_landmarks": geometry.scheme.num_points,
        "align": geometry.align,
        "alignment_pair": list(geometry.model_scheme.alignment_pair),
        "pen_states": geometry.model_scheme.pen_states().tolist(),
        "photo_scale": float(stats.photo_scale),
        "caricature_scale": float(stats.caricature_scale),
        "strength_scale": float(stats.strength_scale),
        "mean_shape": None if stats.mean_shape is None else [list(p) for p in stats.mean_shape],
        "head": None if not geometry.head else {
            "frame_groups": [list(g) for g in head.FRAME_GROUPS],
            "frame_template": head.FRAME_TEMPLATE.tolist(),
            "head_template": head.HEAD_TEMPLATE.tolist()},
    }


def convert(function, graphs, quantization):
    """TFLite flatbuffer bytes of one concrete function, builtin ops only.

    Args:
        function: from `tflite_functions`.
        graphs: the `ExportGraphs` whose variables it reads.
        quantization: "fp32", "fp16" (float16 weights) or "int8" (dynamic-
            range int8 weights, float activations).
    """
    if quantization not in QUANTIZATIONS:
        raise ValueError(f"`quantization` must be one of {QUANTIZATIONS}, got "
                         f"{quantization!r}.")
    # Only the variables travel with the function: the converter saves its
    # trackable as a SavedModel, and the whole module would re-serialize every
    # traced graph it holds.
    holder = tf.Module()
    holder.tf_variables = list(graphs.tf_variables)
    converter = tf.lite.TFLiteConverter.from_concrete_functions([function], holder)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if quantization != "fp32":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantization == "fp16":
        converter.target_spec.supported_types = [tf.float16]
    return converter.convert()


def export_tflite(model_dir, out, style=None, quantizations=QUANTIZATIONS):
    """Converts and writes the graphs and `geometry.json`; returns `{file name:
    size in bytes}`.

    Args:
        model_dir: geometry export directory (`vae.keras`, `stats.json`).
        out: output directory (created).
        style: a style spec for `loading.load_style` ("cartoongan:<style>",
            a U-GAT-IT generator `.keras` path), or None / "none".
        quantizations: which of `QUANTIZATIONS` to write.

    Raises:
        FileNotFoundError / ValueError: bad model paths; `out` holding other
            files than an export's (the folder is replaced as a whole).
    """
    out = os.path.abspath(os.fspath(out))
    if os.path.isdir(out):
        others = sorted(f for f in os.listdir(out)
                        if not f.endswith(".tflite") and f != SPEC_FILE)
        if others:
            raise ValueError(f"`out` {out!r} holds other files than an export's "
                             f"({', '.join(others[:3])}): the export replaces the folder "
                             "as a whole, give it a folder of its own.")
    model, stats = load_geometry(model_dir)
    generator = load_style(style)
    graphs = ExportGraphs(model, stats, generator)
    sizes = {}
    # Every file is written into a temporary folder that replaces `out` in one
    # swap, so a crash never leaves old and new files mixed.
    with fileio.atomic_directory(out) as tmp:
        for name, function in tflite_functions(graphs).items():
            for q in quantizations:
                data = convert(function, graphs, q)
                file_name = f"{name}_{q}.tflite"
                with open(os.path.join(tmp, file_name), "wb") as f:
                    f.write(data)
                os.chmod(os.path.join(tmp, file_name), fileio.file_mode())
                sizes[file_name] = len(data)
        text = json.dumps(host_spec(graphs.geometry), indent=1).encode()
        with open(os.path.join(tmp, SPEC_FILE), "wb") as f:
            f.write(text)
        os.chmod(os.path.join(tmp, SPEC_FILE), fileio.file_mode())
        sizes[SPEC_FILE] = len(text)
    return sizes
