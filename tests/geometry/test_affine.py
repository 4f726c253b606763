"""`affine` / `AffineDense`: Dense's results, and the same bits in TensorFlow and
LiteRT where a converted `Dense` (bias folded into FULLY_CONNECTED) is not."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from ai_edge_litert import interpreter as litert

from tf_deepexag.geometry.affine import AffineDense, affine

# The geometry model's matmul shapes: (rows, inputs, outputs).
_SHAPES = [(1, 128, 512), (1, 16, 512), (1, 176, 176), (88, 7, 256)]


def _lite(fn, x):
    """`fn(x)` through a TFLite file run by LiteRT (XNNPACK)."""
    function = tf.function(fn, input_signature=[tf.TensorSpec(x.shape, tf.float32)])
    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [function.get_concrete_function()], function)
    interpreter = litert.Interpreter(model_content=converter.convert())
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
    interpreter.invoke()
    return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])


def test_affine_dense_is_dense_with_the_same_weights():
    x = np.random.default_rng(0).normal(size=(2, 5, 7)).astype(np.float32)
    dense = keras.layers.Dense(3, activation="tanh")
    dense.build((None, 5, 7))
    mine = AffineDense(3, activation="tanh")
    mine.build((None, 5, 7))
    mine.set_weights([w + 0.5 for w in dense.get_weights()])
    dense.set_weights(mine.get_weights())
    np.testing.assert_allclose(mine(x), dense(x), rtol=1e-6, atol=1e-6)
    assert mine(x).shape == (2, 5, 3)
    np.testing.assert_allclose(mine(x[0]), dense(x[0]), rtol=1e-6, atol=1e-6)  # rank 2
    assert keras.layers.deserialize(keras.layers.serialize(mine)).__class__ is AffineDense


@pytest.mark.parametrize("rows, inputs, outputs", _SHAPES)
def test_affine_is_bit_identical_in_litert(rows, inputs, outputs):
    rng = np.random.default_rng(rows + inputs)
    x = rng.normal(size=(rows, inputs)).astype(np.float32)
    kernel = tf.constant(rng.normal(size=(inputs, outputs)).astype(np.float32))
    bias = tf.constant(rng.normal(size=(outputs,)).astype(np.float32))
    fn = lambda v: affine(v, kernel, bias)
    np.testing.assert_array_equal(_lite(fn, x), fn(tf.constant(x)).numpy())
    # What it avoids: the converter folds a bias add into FULLY_CONNECTED,
    # whose sums start at the bias (about one ulp off).
    folded = lambda v: tf.matmul(v, kernel) + bias
    assert np.abs(_lite(folded, x) - folded(tf.constant(x)).numpy()).max() > 0
