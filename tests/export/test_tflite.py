"""TFLite export: builtin ops only, no control flow, real int8 weights, parity of
every temperature and variant with Keras and with `Exaggerator`, input checks."""

import os

import numpy as np
import pytest
import tensorflow as tf
from ai_edge_litert import interpreter as litert

from tests.exported_models import (STATS, STYLE_SIZE, face_size, fixed_noise,
                                   keras_reference, op_names, photo_points, psnr)
from tf_deepexag import plane_map
from tf_deepexag.export import QUANTIZATIONS, export_tflite
from tf_deepexag.geometry import Exaggerator
from tf_deepexag.serving.litert import LiteExaggerator, LiteModel

pytestmark = pytest.mark.slow

# Ops that would mean Flex, resource variables, loops or branches.
FORBIDDEN = ("VAR_HANDLE", "READ_VARIABLE", "WHILE", "IF", "CALL_ONCE")


def _path(tflite_files, name, q):
    return os.path.join(tflite_files[0], f"{name}_{q}.tflite")


def _tensor_elements(path):
    """`{dtype name: total elements}` of all tensors in a `.tflite` file."""
    interpreter = litert.Interpreter(model_path=path)
    counts = {}
    for detail in interpreter.get_tensor_details():
        name = np.dtype(detail["dtype"]).name
        counts[name] = counts.get(name, 0) + int(np.prod(detail["shape"]))
    return counts


def test_files_written_with_builtin_ops_only(tflite_files):
    out, sizes = tflite_files
    names = ["decode", "exaggerate", "stylize"]
    assert sorted(sizes) == sorted([f"{n}_{q}.tflite" for n in names for q in QUANTIZATIONS]
                                   + ["geometry.json"])
    for name, size in sizes.items():
        path = os.path.join(out, name)
        assert os.path.getsize(path) == size > 0
        if not name.endswith(".tflite"):
            continue
        ops = op_names(path)
        assert not [op for op in ops if op.startswith("CUSTOM") or op in FORBIDDEN], ops
    assert "CONV_2D" in op_names(_path(tflite_files, "stylize", "fp32"))
    assert "FULLY_CONNECTED" in op_names(_path(tflite_files, "exaggerate", "fp32"))
    assert "FULLY_CONNECTED" in op_names(_path(tflite_files, "decode", "fp32"))
    assert [n for n in os.listdir(out) if n.endswith(".tmp")] == []


def test_int8_quantizes_the_exaggerate_weights(tflite_files, lite_artifacts):
    model = lite_artifacts[1]
    # The converter's dynamic-range pass quantizes weight matrices of >= 1024
    # elements (not biases); all of them are decoder/head kernels.
    large = sum(int(np.prod(w.shape)) for w in model.weights
                if len(w.shape) == 2 and np.prod(w.shape) >= 1024)
    assert large > 250_000
    fp32, int8 = (_path(tflite_files, "exaggerate", q) for q in ("fp32", "int8"))
    assert "int8" not in _tensor_elements(fp32)
    counts = _tensor_elements(int8)
    # Every large weight is stored in int8 (once: no copy per step).
    assert large <= counts.get("int8", 0) < 1.2 * large, (counts, large)
    # ~3 bytes saved per quantized weight: the file shrinks by about that.
    saved = os.path.getsize(fp32) - os.path.getsize(int8)
    assert saved > 2.5 * large, (saved, large)
    assert os.path.getsize(int8) < 0.75 * os.path.getsize(fp32)
    fp16 = _tensor_elements(_path(tflite_files, "exaggerate", "fp16"))
    assert fp16.get("float16", 0) >= large, fp16


def test_exaggerate_parity_with_keras(tflite_files, lite_artifacts):
    model = lite_artifacts[1]
    points = photo_points()
    size = face_size(points)
    noise = fixed_noise(seed=11)
    report = {}
    for q in QUANTIZATIONS:
        lite = LiteModel(_path(tflite_files, "exaggerate", q))
        assert sorted(lite.input_specs) == ["eps_z", "normals", "photo_points", "strength",
                                            "temperature", "uniforms"]
        for temperature in (0.0, 0.3, 1.0):
            got = lite(photo_points=points, eps_z=noise[0], uniforms=noise[1],
                       normals=noise[2], temperature=np.float32(temperature),
                       strength=np.float32(1.0))["caricature_points"]
            want = keras_reference(model, points, *noise, temperature)
            report[(q, temperature)] = float(np.max(np.abs(got - want))) / size
    print("max |TFLite - Keras| / face size:", report)
    for key, value in report.items():
        if key[0] == "fp32":
            assert value < 1e-4, (key, value)
    # Quantized deterministic weights: a loose bound (sampled runs may pick
    # another mixture component where the inverse CDF is near a boundary).
    assert report[("fp16", 0.0)] < 0.02, report
    assert report[("int8", 0.0)] < 0.2, report


def test_lite_exaggerator_runs_the_file_on_given_noise(tflite_files, lite_artifacts):
    model = lite_artifacts[1]
    points = photo_points()
    tol = 1e-4 * face_size(points)
    ex = LiteExaggerator(tflite_files[0], "fp32")
    deterministic = keras_reference(model, points, *fixed_noise(), 0.0)
    # Temperature <= 0 is the file's deterministic mode; the noise is unused.
    for temperature in (0.0, -1.0):
        got = ex.run(points, *fixed_noise(seed=5), temperature)
        assert got.shape == (1, 68, 2)
        assert np.max(np.abs(got - deterministic)) < tol
    noise = fixed_noise(seed=4, batch=2)
    batch = np.concatenate([points, points + 3.0])
    got = ex.run(batch, *noise, 0.5)  # face by face, each with its noise row
    assert np.max(np.abs(got - keras_reference(model, batch, *noise, 0.5))) < tol
    # The outputs are the exaggerate file's (the whole graph in float32): the
    # map's points, the controls and then the face frame's pins; `map_points`
    # is the Python map (one shared NumPy map).
    whole = LiteModel(_path(tflite_files, "exaggerate", "fp32"))(
        photo_points=points, eps_z=noise[0][:1], uniforms=noise[1][:1],
        normals=noise[2][:1], temperature=np.float32(0.0), strength=np.float32(1.0))
    out = ex.run(points, noise[0][:1], noise[1][:1], noise[2][:1], 0.0, output=None)
    assert sorted(out) == sorted(whole)
    pins = plane_map.pinned_points(points[0])
    for name in ("control_points", "control_targets"):
        np.testing.assert_allclose(out[name][0, 68:], pins, atol=1e-3)
        np.testing.assert_allclose(out[name], whole[name], atol=tol)
    np.testing.assert_allclose(out["control_targets"][0, :68], deterministic[0], atol=tol)
    python = Exaggerator(model, STATS)
    queries = np.concatenate([points[0, ::9], points[0].mean(0) + [[0.0, -60.0],
                                                                   [45.0, 10.0]]])
    for temperature, strength in ((0.0, 1.0), (0.5, 1.7)):
        got = ex.map_points(points[0], queries, num_samples=2, temperature=temperature,
                            seed=3, strength=strength)
        want = python.map_points(points[0], queries, num_samples=2,
                                 temperature=temperature, seed=3, strength=strength)
        assert got.shape == (2, len(queries), 2)
        assert np.max(np.abs(got - want)) < tol, (temperature, strength)


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


def test_lite_model_rejects_bad_input_naming_it(tflite_files, tmp_path):
    lite = LiteModel(_path(tflite_files, "exaggerate", "fp32"))
    noise = fixed_noise()
    good = dict(photo_points=photo_points(), eps_z=noise[0], uniforms=noise[1],
                normals=noise[2], temperature=np.float32(0.5), strength=np.float32(1.0))
    with pytest.raises(ValueError) as info:
        lite(**dict(good, photo_points=np.zeros((1, 67, 2), np.float32)))
    assert str(info.value) == (
        "exaggerate_fp32: input 'photo_points' must be float32 of shape "
        "[1, 68, 2] (? = any), got float32 of shape [1, 67, 2].")
    with pytest.raises(ValueError) as info:
        lite(**dict(good, eps_z=noise[0].astype(np.float64)))
    assert str(info.value) == (
        "exaggerate_fp32: input 'eps_z' must be float32 of shape [1, 4] (? = any), "
        "got float64 of shape [1, 4].")
    # A Python number has no dtype: converted, as the SavedModel runner does.
    assert lite(**dict(good, temperature=0.5))["caricature_points"].shape == (1, 68, 2)
    ex = LiteExaggerator(tflite_files[0])
    with pytest.raises(ValueError, match=r"`photo_points` must have shape \[68, 2\]"):
        ex.exaggerate(np.zeros((68, 3)))
    with pytest.raises(FileNotFoundError, match="decode_int8"):
        LiteExaggerator(tmp_path, "int8").exaggerate(photo_points()[0])
    with pytest.raises(ValueError, match="`quantization` must be one of"):
        LiteExaggerator(tflite_files[0], "int4")


def test_export_tflite_bad_paths(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing_dir"):
        export_tflite(str(tmp_path / "missing_dir"), str(tmp_path / "out"))
    (tmp_path / "junk.txt").write_text("not a model")
    with pytest.raises(ValueError, match="junk.txt"):
        export_tflite(str(tmp_path / "junk.txt"), str(tmp_path / "out"))
    assert not os.path.exists(tmp_path / "out")


def test_export_refuses_a_folder_with_other_files(tmp_path):
    # The export replaces `out` as a whole (one swap, never old and new files
    # mixed), so a folder holding anything else is refused before any work.
    from tf_deepexag.export import export_tflite
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="notes.txt"):
        export_tflite("no/such/model", str(tmp_path))
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_lite_exaggerator_asks_an_old_export_to_be_redone(tmp_path):
    (tmp_path / "exaggerate_fp32.tflite").write_bytes(b"from an older export")
    with pytest.raises(FileNotFoundError, match="decode_fp32.tflite .*export it again"):
        LiteExaggerator(tmp_path).exaggerate(photo_points()[0])
