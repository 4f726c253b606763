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
from tf_deepexag.export import export_saved_model, next_version
from tf_deepexag.style.processing import to_model_input, to_uint8
from tf_deepexag.warp import warp_face

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=ROOT)

pytestmark = pytest.mark.slow


def _stateless_noise(batch, seed, z=4, steps=68):
    """The documented key scheme: stateless draws keyed by (seed, 1|2|3)."""
    key = lambda k: tf.constant([seed, k], tf.int64)
    return (tf.random.stateless_normal([batch, z], key(1)).numpy(),
            tf.random.stateless_uniform([batch, steps, 2], key(2)).numpy(),
            tf.random.stateless_normal([batch, steps, 2], key(3)).numpy())


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
    for sig in ("exaggerate", "serving_default", "stylize", "caricature"):
        assert f"signature_def['{sig}']" in text
    for name in ("photo_points", "temperature", "seed", "images", "image", "strength",
                 "caricature_points", "caricature"):
        assert f"['{name}']" in text
    assert "shape: (-1, 68, 2)" in text and "DT_INT64" in text and "DT_UINT8" in text


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
    np.savez(tmp_path / "in.npz", points=points, images=images, image=image)
    result = subprocess.run([sys.executable, "-m", "tests.export._run_saved_model",
                             saved_model_version, str(tmp_path / "in.npz"),
                             str(tmp_path / "out.npz")],
                            capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    out = np.load(tmp_path / "out.npz")
    tol = 1e-4 * face_size(points)
    for seed in (3, 4):
        want = keras_reference(model, points, *_stateless_noise(2, seed), 0.7)
        got = out[f"exaggerate_seed{seed}"]
        assert np.max(np.abs(got - want)) < tol, np.max(np.abs(got - want))
    np.testing.assert_array_equal(out["exaggerate_seed3"], out["exaggerate_seed3_again"])
    assert np.max(np.abs(out["exaggerate_seed3"] - out["exaggerate_seed4"])) > 10 * tol
    deterministic = keras_reference(model, points, *fixed_noise(batch=2), 0.0)
    assert np.max(np.abs(out["exaggerate_t0"] - deterministic)) < tol
    assert np.max(np.abs(out["serving_default"] - deterministic)) < tol
    # stylize: the shared processing to 32, the generator, back to 40 x 48.
    want_images = to_uint8(generator(to_model_input(images, 32))[0], (40, 48)).numpy()
    assert out["stylize"].shape == images.shape and out["stylize"].dtype == np.uint8
    assert np.max(np.abs(out["stylize"].astype(int) - want_images)) <= 1
    # caricature: photo + 1.5 (deterministic - photo), warped, stylized.
    want_points = points[:1] + 1.5 * (deterministic[:1] - points[:1])
    assert np.max(np.abs(out["caricature_points"] - want_points)) < 1.5 * tol
    warped = warp_face(image[0], points[0], want_points[0])
    want_image = to_uint8(generator(to_model_input(warped[None], 32))[0],
                          (300, 280)).numpy()
    assert out["caricature"].shape == image.shape
    assert psnr(out["caricature"], want_image) > 40


def test_rest_request_matches_signatures(saved_model_version):
    """The README's REST bodies use the signatures' input names, shapes, dtypes."""
    points = photo_points()
    exaggerate = {"signature_name": "exaggerate",
                  "inputs": {"photo_points": points.tolist(), "temperature": 0.5,
                             "seed": 7}}
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


def test_signature_rejects_wrong_shape_and_dtype_naming_input(saved_model_version):
    """The raw loaded signature (no wrapper): what `tf.saved_model.load` users get.

    `SavedModelRunner` (tests/export/test_saved_model_runner.py) names the
    input for dtypes too.
    """
    sig = tf.saved_model.load(saved_model_version).signatures["exaggerate"]
    good = dict(temperature=tf.constant(0.5), seed=tf.constant(1, tf.int64))
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        sig(photo_points=tf.zeros([1, 67, 2]), **good)
    assert "photo_points" in str(info.value) and "[?, 68, 2]" in str(info.value)
    with pytest.raises(tf.errors.InvalidArgumentError, match="photo_points"):
        sig(photo_points=tf.zeros([68, 2]), **good)
    # A wrong dtype is refused by TensorFlow's signature wrapper itself, which
    # names the input by position: the inputs in name order (#0 photo_points,
    # #1 seed, #2 temperature), as the README's table says.
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        sig(photo_points=tf.zeros([1, 68, 2], tf.float64), **good)
    assert "input #0" in str(info.value) and "float" in str(info.value)
    assert "double" in str(info.value)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"input #1.*int64.*int32"):
        sig(photo_points=tf.zeros([1, 68, 2]), temperature=good["temperature"],
            seed=tf.constant(1, tf.int32))


def test_session_feed_errors_as_tf_serving_grpc_sees_them(saved_model_version):
    """TF Serving's gRPC Predict feeds each request TensorProto, dtype as sent,
    to the signature's tensor name in a TF1 session (`session->Run`, no dtype
    conversion). The C API session run here does the same: a wrong dtype
    fails positionally ("arg[i]", inputs in name order); a wrong shape reaches
    our in-graph check, which names the input. (REST JSON is converted to the
    signature's dtype first, so no wrong dtype reaches the graph that way.)
    The good run checks that the TF1 loader finds the variables at all (it
    did not before `ServingModule` tracked the Keras variables' tf.Variables).
    """
    from tensorflow.python.client import pywrap_tf_session  # private: the C API run
    points = photo_points()
    good = dict(photo_points=points, temperature=np.float32(0.5), seed=np.int64(7))
    want = tf.saved_model.load(saved_model_version).signatures["exaggerate"](
        **{k: tf.constant(v) for k, v in good.items()})["caricature_points"].numpy()
    graph = tf.Graph()
    with graph.as_default():
        session = tf.compat.v1.Session(graph=graph)
        meta = tf.compat.v1.saved_model.loader.load(session, ["serve"], saved_model_version)
        sig = meta.signature_def["exaggerate"]
        handle = lambda name: graph.get_tensor_by_name(name)._as_tf_output()
        fetch = [handle(sig.outputs["caricature_points"].name)]

        def run(**values):
            feeds = {handle(sig.inputs[k].name): v for k, v in values.items()}
            return pywrap_tf_session.TF_SessionRun_wrapper(session._session, None, feeds,
                                                           fetch, [], None)

        np.testing.assert_allclose(np.asarray(run(**good)[0]), want, atol=1e-5)
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"Expects arg\[0\] to be float but double is provided"):
            run(**dict(good, photo_points=points.astype(np.float64)))
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"Expects arg\[1\] to be int64 but int32 is provided"):
            run(**dict(good, seed=np.int32(7)))
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"input \\?'photo_points\\?' must have shape \[\?, 68, 2\]"):
            run(**dict(good, photo_points=points[:, :67]))  # the message escapes the quotes
        session.close()


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
