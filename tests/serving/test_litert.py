"""Tests for `tf_deepexag.serving.litert.LiteModel` on a small model converted here."""

import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from tf_deepexag.serving import litert as lite


@pytest.fixture(scope="module")
def affine_tflite(tmp_path_factory):
    """y = 2 x + b + n, with a dynamic batch, as a one-signature TFLite file."""

    class Affine(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32, name="x"),
                                      tf.TensorSpec([1], tf.float32, name="b"),
                                      tf.TensorSpec([], tf.int32, name="n")])
        def affine(self, x, b, n):
            return {"y": 2.0 * x + b + tf.cast(n, tf.float32)}

    module = Affine()
    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [module.affine.get_concrete_function()], module)
    path = tmp_path_factory.mktemp("lite") / "affine.tflite"
    path.write_bytes(converter.convert())
    return str(path)


def test_runs_with_dynamic_batch(affine_tflite):
    model = lite.LiteModel(affine_tflite)
    assert model.input_specs["x"] == ((-1, 3), np.dtype(np.float32))
    assert model.name == "affine"
    for batch in (1, 4):
        x = np.arange(batch * 3, dtype=np.float32).reshape(batch, 3)
        out = model(x=x, b=np.array([0.5], np.float32), n=np.int32(2))
        np.testing.assert_allclose(out["y"], 2 * x + 2.5)
    # Python numbers and lists carry no dtype: converted to the input's.
    out = model(x=[[1, 2, 3]], b=[0.5], n=1)
    np.testing.assert_allclose(out["y"], [[3.5, 5.5, 7.5]])


_B, _N = np.zeros(1, np.float32), np.int32(0)


@pytest.mark.parametrize("inputs,message", [
    ({"x": np.zeros((1, 3), np.float64), "b": _B, "n": _N},
     r"^affine: input 'x' must be float32 of shape \[\?, 3\] \(\? = any\), got float64 "
     r"of shape \[1, 3\]\.$"),
    ({"x": np.zeros((1, 4), np.float32), "b": _B, "n": _N},
     r"^affine: input 'x' must be float32 of shape \[\?, 3\] \(\? = any\), got float32 "
     r"of shape \[1, 4\]\.$"),
    ({"x": np.zeros((1, 3), np.float32), "b": _B, "n": np.int64(0)},
     r"^affine: input 'n' must be int32 of shape \[\] \(\? = any\), got int64 of shape "
     r"\[\]\.$"),
    ({"x": np.zeros((1, 3), np.float32), "b": _B, "n": 1.5},
     r"^affine: input 'n' must be int32 .*got non-integer values 1\.5\.$"),
    ({"x": np.zeros((1, 3), np.float32), "b": _B, "n": 2 ** 40},
     r"^affine: input 'n' must be int32 .*got int that does not convert"),
    ({"x": "abc", "b": _B, "n": _N},
     r"^affine: input 'x' must be float32 .*got str that does not convert"),
    ({"x": np.zeros((1, 3), np.float32), "b": _B}, r"missing \['n'\]"),
    ({"x": np.full((1, 3), np.nan, np.float32), "b": _B, "n": _N},
     "input 'x' contains NaN"),
])
def test_bad_inputs_name_the_input_dtype_and_shape(affine_tflite, inputs, message):
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
        "from tf_deepexag.serving.litert import LiteModel\n"
        f"m = LiteModel({affine_tflite!r})\n"
        "m(x=np.ones((2, 3), np.float32), b=np.zeros(1, np.float32), n=np.int32(1))\n"
        "bad = [k for k in sys.modules if k.split('.')[0] in ('tensorflow', 'keras')]\n"
        "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
