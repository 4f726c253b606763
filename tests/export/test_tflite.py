"""TFLite export: builtin ops only, parity of each variant with Keras, input checks."""

import os

import numpy as np
import pytest
import tensorflow as tf

from export.tflite import QUANTIZATIONS, op_names
from tests.export.conftest import (STYLE_SIZE, face_size, fixed_noise, keras_reference,
                                   photo_points, psnr)
from tf_deepexag.lite import LiteModel

pytestmark = pytest.mark.slow

# Ops that would mean Flex, resource variables or rolled loops.
FORBIDDEN = ("VAR_HANDLE", "READ_VARIABLE", "WHILE", "CALL_ONCE")


def _path(tflite_files, name, q):
    return os.path.join(tflite_files[0], f"{name}_{q}.tflite")


def test_files_written_with_builtin_ops_only(tflite_files):
    out, sizes = tflite_files
    assert sorted(sizes) == sorted(f"{n}_{q}.tflite" for n in ("exaggerate", "stylize")
                                   for q in QUANTIZATIONS)
    for name, size in sizes.items():
        path = os.path.join(out, name)
        assert os.path.getsize(path) == size > 0
        ops = op_names(path)
        assert not [op for op in ops if op.startswith("CUSTOM") or op in FORBIDDEN], ops
    assert "CONV_2D" in op_names(_path(tflite_files, "stylize", "fp32"))
    assert {"FULLY_CONNECTED", "IF"} <= set(op_names(_path(tflite_files, "exaggerate",
                                                           "fp32")))
    assert [n for n in os.listdir(out) if n.endswith(".tmp")] == []


def test_exaggerate_parity_with_keras(tflite_files, tiny_artifacts):
    model = tiny_artifacts[2]
    points = photo_points()
    tol = 1e-4 * face_size(points)
    report = {}
    for temperature in (0.0, 0.6):
        noise = fixed_noise(seed=11)
        want = keras_reference(model, points, *noise, temperature)
        for q in QUANTIZATIONS:
            lite = LiteModel(_path(tflite_files, "exaggerate", q))
            got = lite(photo_points=points, eps_z=noise[0], uniforms=noise[1],
                       normals=noise[2], temperature=np.float32(temperature))
            diff = float(np.max(np.abs(got["caricature_points"] - want)))
            report[(q, temperature)] = diff / face_size(points)
            if q == "fp32":
                assert diff < tol, (temperature, diff)
            elif temperature == 0.0:  # quantized weights: a loose bound
                assert diff < 0.05 * face_size(points), (q, diff)
    print("max |TFLite - Keras| / face size:", report)


def test_stylize_psnr(tflite_files, tiny_artifacts):
    generator = tiny_artifacts[3]
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, (1, STYLE_SIZE, STYLE_SIZE, 3)).astype(np.float32)
    want = np.asarray(generator(tf.constant(x))[0])
    to_u8 = lambda y: np.clip(np.round((y + 1) * 127.5), 0, 255)
    values = {}
    for q in QUANTIZATIONS:
        got = LiteModel(_path(tflite_files, "stylize", q))(images=x)["images"]
        assert got.shape == x.shape
        values[q] = psnr(to_u8(got), to_u8(want))
    print("stylize PSNR vs Keras (dB):", values)
    assert values["fp32"] >= 50
    assert values["fp16"] >= 40
    assert values["int8"] >= 20


def test_lite_model_rejects_bad_input_naming_it(tflite_files):
    lite = LiteModel(_path(tflite_files, "exaggerate", "fp32"))
    noise = fixed_noise()
    good = dict(photo_points=photo_points(), eps_z=noise[0], uniforms=noise[1],
                normals=noise[2], temperature=np.float32(0.5))
    with pytest.raises(ValueError, match="photo_points.*68"):
        lite(**dict(good, photo_points=np.zeros((1, 67, 2), np.float32)))
    with pytest.raises(ValueError, match="eps_z.*float32"):
        lite(**dict(good, eps_z=noise[0].astype(np.float64)))


def test_export_tflite_bad_paths(tmp_path):
    from export.tflite import export_tflite
    with pytest.raises(FileNotFoundError, match="missing_dir"):
        export_tflite(str(tmp_path / "missing_dir"), str(tmp_path / "out"))
    (tmp_path / "junk.txt").write_text("not a model")
    with pytest.raises(ValueError, match="junk.txt"):
        export_tflite(str(tmp_path / "junk.txt"), str(tmp_path / "out"))
    assert not os.path.exists(tmp_path / "out")
