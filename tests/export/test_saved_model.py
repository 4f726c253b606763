"""SavedModel export: signatures, fresh-process parity with Keras, REST request, errors."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from tests.exported_models import (fixed_noise, face_size, keras_reference,
                                   photo_points, psnr)
from tf_deepexag import plane_map
from tf_deepexag.export import export_saved_model, next_version
from tf_deepexag.geometry import draw_noise
from tf_deepexag.style.processing import to_model_input, to_uint8
from tf_deepexag.warp import warp_face

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=ROOT)

pytestmark = pytest.mark.slow


def _points2():
    base = photo_points()
    other = base + np.random.default_rng(5).normal(0, 3.0, base.shape).astype(np.float32)
    return np.concatenate([base, other])  # (2, 68, 2)


def test_saved_model_cli_lists_signatures(saved_model_version):
    result = subprocess.run([os.path.join(BIN, "saved_model_cli"), "show", "--all",
                             "--dir", saved_model_version],
                            capture_output=True, text=True, env=ENV, timeout=300)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    for sig in ("exaggerate", "serving_default", "stylize", "caricature", "controls"):
        assert f"signature_def['{sig}']" in text
    for name in ("photo_points", "eps_z", "uniforms", "normals", "temperature", "strength",
                 "images", "image", "caricature_points", "caricature", "control_points",
                 "control_targets"):
        assert f"['{name}']" in text
    assert "shape: (-1, 68, 2)" in text and "shape: (-1, 4)" in text
    assert "DT_UINT8" in text and "DT_INT64" not in text


def test_fresh_process_signatures_match_keras(saved_model_version, tiny_artifacts,
                                              tmp_path):
    _, _, model, generator = tiny_artifacts
    points = _points2()
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (2, 40, 48, 3), dtype=np.uint8)
    # A smooth image: sub-pixel differences of the warp stay sub-grey-level.
    yy, xx = np.mgrid[0:300, 0:280].astype(np.float32)
    image = np.stack([127 + 100 * np.sin(xx / 23.0), 127 + 100 * np.cos(yy / 31.0),
                      (xx + yy) * 0.4], -1)[None].astype(np.uint8)
    noise = {seed: draw_noise(seed, 2, 4, 68) for seed in (3, 4)}
    np.savez(tmp_path / "in.npz", points=points, images=images, image=image,
             **{f"{name}{seed}": array for seed, arrays in noise.items()
                for name, array in zip(("eps_z", "uniforms", "normals"), arrays)})
    result = subprocess.run([sys.executable, "-m", "tests.export._run_saved_model",
                             saved_model_version, str(tmp_path / "in.npz"),
                             str(tmp_path / "out.npz")],
                            capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    out = np.load(tmp_path / "out.npz")
    tol = 1e-4 * face_size(points)
    for seed in (3, 4):
        want = keras_reference(model, points, *noise[seed], 0.7)
        got = out[f"exaggerate_seed{seed}"]
        assert np.max(np.abs(got - want)) < tol, np.max(np.abs(got - want))
    want = points + 1.5 * (keras_reference(model, points, *noise[3], 0.7) - points)
    assert np.max(np.abs(out["exaggerate_seed3_strength15"] - want)) < 1.5 * tol
    assert np.max(np.abs(out["exaggerate_seed3"] - out["exaggerate_seed4"])) > 10 * tol
    deterministic = keras_reference(model, points, *fixed_noise(batch=2), 0.0)
    assert np.max(np.abs(out["exaggerate_t0"] - deterministic)) < tol
    assert np.max(np.abs(out["serving_default"] - deterministic)) < tol
    # stylize: the shared processing to 32, the generator, back to 40 x 48.
    want_images = to_uint8(generator(to_model_input(images, 32))[0], (40, 48)).numpy()
    assert out["stylize"].shape == images.shape and out["stylize"].dtype == np.uint8
    assert np.max(np.abs(out["stylize"].astype(int) - want_images)) <= 1
    # caricature: photo + 1.5 (deterministic - photo) through the fold guard
    # (`plane_map.unfolded`, NumPy: an independent implementation), warped,
    # stylized.
    raw = points[0] + 1.5 * (deterministic[0] - points[0])
    plane = plane_map.unfolded(points[0], raw)
    assert np.max(np.abs(out["caricature_points"][0] - plane.control_target)) < 1e-3
    # The warp is the map of the plane: the controls and the face frame's pins.
    warped = warp_face(image[0], plane.source, plane.target, border_points_per_edge=0)
    want_image = to_uint8(generator(to_model_input(warped[None], 32))[0],
                          (300, 280)).numpy()
    assert out["caricature"].shape == image.shape
    assert psnr(out["caricature"], want_image) > 40
    # controls: the guarded targets, NumPy's within 1e-3 px, where the raw
    # map folds too (the tiny random model at strength 2).
    for strength in (1.0, 2.0):
        raw = points[0] + strength * (deterministic[0] - points[0])
        plane = plane_map.unfolded(points[0], raw)
        got = out[f"control_targets{strength:g}"][0]
        assert np.max(np.abs(got[:68] - plane.control_target)) < 1e-3, strength
        np.testing.assert_allclose(out[f"control_points{strength:g}"][0, 68:],
                                   plane_map.pinned_points(points[0]), atol=1e-3)
        np.testing.assert_allclose(got[68:], plane_map.pinned_points(points[0]), atol=1e-3)
    raw_fold = plane_map.PlaneMap(points[0], points[0] + 2.0 * (deterministic[0] - points[0]))
    assert raw_fold.min_jacobian_determinant(num=plane_map.GUARD_GRID) < 0  # it did fold
    assert plane.shrink < 1.0 or plane.merged > 0
    assert plane_map.PlaneMap(points[0], got[:68]).min_jacobian_determinant(
        num=plane_map.GUARD_GRID) >= plane_map.MIN_DETERMINANT - plane_map.ROUND_OFF


def test_rest_request_matches_signatures(saved_model_version):
    """The README's REST bodies use the signatures' input names, shapes, dtypes."""
    points = photo_points()
    eps_z, uniforms, normals = draw_noise(7, 1, 4, 68)
    exaggerate = {"signature_name": "exaggerate",
                  "inputs": {"photo_points": points.tolist(), "eps_z": eps_z.tolist(),
                             "uniforms": uniforms.tolist(), "normals": normals.tolist(),
                             "temperature": 0.5, "strength": 1.0}}
    default = {"instances": points.tolist()}
    loaded = tf.saved_model.load(saved_model_version)
    specs = loaded.signatures["exaggerate"].structured_input_signature[1]
    body = json.loads(json.dumps(exaggerate))
    assert set(body["inputs"]) == set(specs)
    for name, value in body["inputs"].items():
        array = np.asarray(value)
        assert specs[name].shape.is_compatible_with(array.shape), name
        assert np.can_cast(array.dtype, specs[name].dtype.as_numpy_dtype,
                           "same_kind"), name
    got = loaded.signatures["exaggerate"](
        **{k: tf.constant(v, specs[k].dtype) for k, v in body["inputs"].items()})
    assert got["caricature_points"].shape == (1, 68, 2)
    default_specs = loaded.signatures["serving_default"].structured_input_signature[1]
    assert list(default_specs) == ["photo_points"]
    # Row format: each instance is one (68, 2) face; the batch is the list.
    instances = np.asarray(json.loads(json.dumps(default))["instances"])
    assert default_specs["photo_points"].shape.is_compatible_with(instances.shape)


def _good_exaggerate_inputs(seed=1):
    eps_z, uniforms, normals = draw_noise(seed, 1, 4, 68)
    return dict(photo_points=photo_points(), eps_z=eps_z, uniforms=uniforms,
                normals=normals, temperature=np.float32(0.5), strength=np.float32(1.0))


def test_signature_rejects_wrong_shape_and_dtype_naming_input(saved_model_version):
    """The raw loaded signature (no wrapper): what `tf.saved_model.load` users get.

    `SavedModelRunner` (tests/serving/test_saved_model_runner.py) names the
    input for dtypes too.
    """
    sig = tf.saved_model.load(saved_model_version).signatures["exaggerate"]
    good = {k: tf.constant(v) for k, v in _good_exaggerate_inputs().items()}
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        sig(**dict(good, photo_points=tf.zeros([1, 67, 2])))
    assert "photo_points" in str(info.value) and "[?, 68, 2]" in str(info.value)
    with pytest.raises(tf.errors.InvalidArgumentError, match="photo_points"):
        sig(**dict(good, photo_points=tf.zeros([68, 2])))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"eps_z.*\[\?, 4\]"):
        sig(**dict(good, eps_z=tf.zeros([1, 5])))
    # A negative strength fails with the library's one message.
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="`strength` must be a finite number >= 0"):
        sig(**dict(good, strength=tf.constant(-1.0)))
    # A wrong dtype is refused by TensorFlow's signature wrapper itself, which
    # names the input by position: the inputs in name order (#0 eps_z,
    # #1 normals, #2 photo_points, #3 strength, #4 temperature, #5 uniforms),
    # as docs/deployment.md says.
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        sig(**dict(good, photo_points=tf.zeros([1, 68, 2], tf.float64)))
    assert "input #2" in str(info.value) and "float" in str(info.value)
    assert "double" in str(info.value)


def test_tf1_session_runs_the_signature_as_tf_serving_does(saved_model_version):
    """TF Serving loads the version with the TF1 loader and feeds each request
    tensor to the signature's tensor names in a session: the outputs match
    the TF2 loader's. (It did not load at all before `ServingModule` tracked
    the Keras variables' tf.Variables: "Could not find variable".) Wrong
    shapes fail in the graph's own check (the test above); `Session.run`, the
    public way to feed here, converts dtypes, as TF Serving's REST does.
    """
    good = _good_exaggerate_inputs(seed=7)
    want = tf.saved_model.load(saved_model_version).signatures["exaggerate"](
        **{k: tf.constant(v) for k, v in good.items()})["caricature_points"].numpy()
    graph = tf.Graph()
    with graph.as_default(), tf.compat.v1.Session(graph=graph) as session:
        meta = tf.compat.v1.saved_model.loader.load(session, ["serve"], saved_model_version)
        sig = meta.signature_def["exaggerate"]
        got = session.run(sig.outputs["caricature_points"].name,
                          feed_dict={sig.inputs[k].name: v for k, v in good.items()})
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_versions_and_refusals(tiny_artifacts, saved_model_version, tmp_path):
    base = os.path.dirname(saved_model_version)
    assert os.path.basename(saved_model_version) == "1"
    assert next_version(base) == 2
    assert [n for n in os.listdir(base) if n.startswith(".")] == []  # no temp left
    (tmp_path / "3").mkdir()
    (tmp_path / "notes").mkdir()
    assert next_version(str(tmp_path)) == 4
    with pytest.raises(ValueError, match="already exists"):
        export_saved_model(tiny_artifacts[0], base, None, version=1)


def test_bad_model_paths_raise_naming_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        export_saved_model(str(tmp_path / "nowhere"), str(tmp_path / "out"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="vae.keras"):
        export_saved_model(str(tmp_path / "empty"), str(tmp_path / "out"))
    (tmp_path / "random.bin").write_bytes(os.urandom(64))
    with pytest.raises(ValueError, match="random.bin"):
        export_saved_model(str(tmp_path / "random.bin"), str(tmp_path / "out"))


def test_cli_errors_exit_1_without_traceback(tiny_artifacts, tmp_path):
    (tmp_path / "random.keras").write_bytes(os.urandom(64))
    cases = [["--model", str(tmp_path / "nowhere")],
             ["--model", tiny_artifacts[0], "--style", str(tmp_path / "random.keras")],
             ["--model", tiny_artifacts[0], "stray"]]
    for args in cases:
        result = subprocess.run(
            [sys.executable, "-m", "export.saved_model", "--out", str(tmp_path / "o")]
            + args, capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=300)
        assert result.returncode == 1, (args, result.stderr[-2000:])
        assert "Traceback" not in result.stderr, result.stderr[-2000:]
        expected = "stray" if "stray" in args else os.path.basename(args[-1])
        assert expected in result.stderr
    assert not os.path.exists(tmp_path / "o" / "1")
