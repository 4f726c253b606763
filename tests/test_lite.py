"""Tests for `tf_deepexag.lite.LiteModel` on a small model converted here."""

import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from tf_deepexag import lite


@pytest.fixture(scope="module")
def affine_tflite(tmp_path_factory):
    """y = 2 x + b, with a dynamic batch, as a one-signature TFLite file."""

    class Affine(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32, name="x"),
                                      tf.TensorSpec([1], tf.float32, name="b")])
        def affine(self, x, b):
            return {"y": 2.0 * x + b}

    module = Affine()
    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [module.affine.get_concrete_function()], module)
    path = tmp_path_factory.mktemp("lite") / "affine.tflite"
    path.write_bytes(converter.convert())
    return str(path)


def test_runs_with_dynamic_batch(affine_tflite):
    model = lite.LiteModel(affine_tflite)
    assert model.input_specs["x"] == ((-1, 3), np.dtype(np.float32))
    for batch in (1, 4):
        x = np.arange(batch * 3, dtype=np.float32).reshape(batch, 3)
        out = model(x=x, b=np.array([0.5], np.float32))
        np.testing.assert_allclose(out["y"], 2 * x + 0.5)


@pytest.mark.parametrize("inputs,message", [
    ({"x": np.zeros((1, 3), np.float64), "b": np.zeros(1, np.float32)},
     "input 'x' must be float32"),
    ({"x": np.zeros((1, 4), np.float32), "b": np.zeros(1, np.float32)},
     r"input 'x' must have shape \(-1, 3\)"),
    ({"x": np.zeros((1, 3), np.float32)}, r"missing \['b'\]"),
    ({"x": np.full((1, 3), np.nan, np.float32), "b": np.zeros(1, np.float32)},
     "contains NaN"),
])
def test_bad_inputs_name_the_input(affine_tflite, inputs, message):
    with pytest.raises(ValueError, match=message):
        lite.LiteModel(affine_tflite)(**inputs)


def test_bad_files(tmp_path):
    with pytest.raises(FileNotFoundError):
        lite.LiteModel(tmp_path / "none.tflite")
    (tmp_path / "junk.tflite").write_bytes(b"not a flatbuffer at all")
    with pytest.raises(ValueError, match="not a TFLite model"):
        lite.LiteModel(tmp_path / "junk.tflite")


def test_runner_never_imports_tensorflow(affine_tflite):
    code = (
        "import sys, numpy as np\n"
        "from tf_deepexag.lite import LiteModel\n"
        f"m = LiteModel({affine_tflite!r})\n"
        "m(x=np.ones((2, 3), np.float32), b=np.zeros(1, np.float32))\n"
        "bad = [k for k in sys.modules if k.split('.')[0] in ('tensorflow', 'keras')]\n"
        "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
