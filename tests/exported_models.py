"""Tiny models and one shared export of each kind, for tests/export and
tests/serving (registered as a pytest plugin by tests/conftest.py, so the
session fixtures are built once)."""

import os

import keras
import numpy as np
import pytest

from tf_deepexag import landmarks
from tf_deepexag.geometry import (DeepExaggerationVAE, VAEConfig, sample_sequence,
                                  save_artifacts)
from tf_deepexag.style import UGATITGenerator

TINY = VAEConfig(enc_rnn_size=8, dec_rnn_size=16, z_size=4, num_mixture=3)
# The TFLite tests' model: a wider decoder, so its weights (285k, mostly the
# 256 x 1024 recurrent kernel) outweigh the 68-step graph structure in the
# file and int8 quantization shows in the size (the converter quantizes
# constants of >= 1024 elements only).
LITE = TINY.replace(dec_rnn_size=256)
STATS = landmarks.NormalizationStats(photo_scale=6.0, caricature_scale=7.0)
STYLE_SIZE = 32
PTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "astronaut_68.pts")


def photo_points():
    """The astronaut's 68 landmarks, `(1, 68, 2)` float32."""
    return landmarks.read_pts(PTS)[None].astype(np.float32)


def face_size(points):
    """The larger side of the landmarks' bounding box, pixels."""
    return float(np.max(np.ptp(np.asarray(points).reshape(-1, 2), axis=0)))


def fixed_noise(seed=0, batch=1, z=TINY.z_size, steps=68):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((batch, z)).astype(np.float32),
            rng.uniform(size=(batch, steps, 2)).astype(np.float32),
            rng.standard_normal((batch, steps, 2)).astype(np.float32))


def _numpy_jaw_align(source, target):
    """The jaw rule in NumPy complex numbers (independent of `landmarks`)."""
    s = source[..., 0] + 1j * source[..., 1]
    d = target[..., 0] + 1j * target[..., 1]
    a = (d[..., 16] - d[..., 0]) / (s[..., 16] - s[..., 0])
    moved = a[..., None] * (s - s[..., :1]) + d[..., :1]
    return np.stack([moved.real, moved.imag], -1)


def keras_reference(model, points, eps_z, uniforms, normals, temperature):
    """The geometry path with the Keras model's sampler and NumPy landmark steps
    (image frame, `STATS`, jaw alignment), in float64."""
    points = np.asarray(points, np.float64)
    offsets = np.diff(points, axis=1, prepend=points[:, :1]) / STATS.photo_scale
    pen = np.broadcast_to(landmarks.IBUG68.pen_states(), points.shape[:2] + (3,))
    strokes = np.concatenate([offsets, pen], -1).astype(np.float32)
    out = sample_sequence(model, strokes, eps_z, uniforms, normals, temperature).numpy()
    generated = points[:, :1] + np.cumsum(out[..., :2] * STATS.caricature_scale, axis=1)
    return _numpy_jaw_align(generated, points).astype(np.float32)


def op_names(path):
    """Sorted distinct op names in all subgraphs of a `.tflite` file.

    Builtin ops appear by their `BuiltinOperator` name, custom ops (Flex
    included) as `CUSTOM:<code>`. (Reads the flatbuffer with TensorFlow's
    generated schema module: a test helper, not package code.)
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


def psnr(a, b):
    mse = np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(255.0 ** 2 / mse))


def perturbed_vae(config, seed, fan_in_kernels=False):
    """A built `DeepExaggerationVAE` whose weights get N(0, 0.3) added (kernels
    N(0, 1 / fan in) with `fan_in_kernels`): larger than the initialiser's, so
    the outputs depend on every weight."""
    keras.utils.set_random_seed(seed)
    model = DeepExaggerationVAE(config)
    model.build()
    model.set_weights([
        w + np.random.default_rng(i).normal(
            0, 1.0 / np.sqrt(w.shape[0]) if fan_in_kernels and w.ndim > 1 else 0.3,
            w.shape).astype(w.dtype)
        for i, w in enumerate(model.get_weights())])
    return model


@pytest.fixture(scope="session")
def tiny_artifacts(tmp_path_factory):
    """`(vae dir, generator .keras path, model, generator)`."""
    root = tmp_path_factory.mktemp("export_models")
    model = perturbed_vae(TINY, seed=1)
    save_artifacts(model, STATS, str(root / "vae"))
    generator = UGATITGenerator(ngf=4, n_res=1, img_size=STYLE_SIZE, light=True)
    generator.build()
    generator.save(str(root / "gen.keras"))
    return str(root / "vae"), str(root / "gen.keras"), model, generator


@pytest.fixture(scope="session")
def lite_artifacts(tmp_path_factory):
    """`(vae dir, model)` of the `LITE` config."""
    root = tmp_path_factory.mktemp("lite_models")
    # Kernels perturbed by 1 / sqrt(fan in), so the wide LSTM does not saturate.
    model = perturbed_vae(LITE, seed=2, fan_in_kernels=True)
    save_artifacts(model, STATS, str(root / "vae"))
    return str(root / "vae"), model


@pytest.fixture(scope="session")
def saved_model_version(tiny_artifacts, tmp_path_factory):
    from tf_deepexag.export import export_saved_model
    out = tmp_path_factory.mktemp("saved_model")
    return export_saved_model(tiny_artifacts[0], str(out), tiny_artifacts[1])


@pytest.fixture(scope="session")
def tflite_files(lite_artifacts, tiny_artifacts, tmp_path_factory):
    from tf_deepexag.export import export_tflite
    out = tmp_path_factory.mktemp("tflite")
    sizes = export_tflite(lite_artifacts[0], str(out), tiny_artifacts[1])
    return str(out), sizes
