"""Tests for `geometry.lstm_cell`: the layer contract and the LSTM equations."""

import numpy as np
import tensorflow as tf

from tests.layer_test_case import LayerTestCase
from tf_deepexag.geometry.lstm_cell import SketchLSTM, SketchLSTMCell


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _numpy_lstm(x, w_x, b, w_h, h0, c0, forget_bias=1.0):
    """Reference sketch-rnn LSTM in float64 (gate order i, g, f, o)."""
    h, c = h0.astype(np.float64), c0.astype(np.float64)
    outs = []
    for t in range(x.shape[1]):
        gates = x[:, t] @ w_x + b + h @ w_h
        i, g, f, o = np.split(gates, 4, axis=-1)
        c = c * _sigmoid(f + forget_bias) + _sigmoid(i) * np.tanh(g)
        h = np.tanh(c) * _sigmoid(o)
        outs.append(h)
    return np.stack(outs, 1), h, c


class SketchLSTMTest(LayerTestCase):

    def test_layer_contract_lstm(self):
        x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype(np.float32)
        self.run_layer_test(SketchLSTM, {"units": 4}, x,
                            expected_output_shape=[(2, 5, 4), (2, 4), (2, 4)],
                            expected_num_trainable_weights=3)

    def test_layer_contract_lstm_unrolled(self):
        x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype(np.float32)
        self.run_layer_test(SketchLSTM, {"units": 4, "unroll": True}, x,
                            expected_output_shape=[(2, 5, 4), (2, 4), (2, 4)],
                            expected_num_trainable_weights=3)

    def _check_against_numpy(self, go_backwards=False):
        rng = np.random.default_rng(1)
        x = rng.normal(size=(3, 6, 5)).astype(np.float32)
        h0 = rng.normal(size=(3, 4)).astype(np.float32)
        c0 = rng.normal(size=(3, 4)).astype(np.float32)
        layer = SketchLSTM(4, go_backwards=go_backwards)
        out, h, c = layer(x, initial_state=[h0, c0])
        w_x = layer.projection.kernel.numpy()
        b = layer.projection.bias.numpy()
        w_h = layer.cell.recurrent_kernel.numpy()
        xs = x[:, ::-1] if go_backwards else x
        want_out, want_h, want_c = _numpy_lstm(xs, w_x, b, w_h, h0, c0)
        self.assertAllClose(out, want_out, atol=1e-5)
        self.assertAllClose(h, want_h, atol=1e-5)
        self.assertAllClose(c, want_c, atol=1e-5)

    def test_lstm_matches_numpy(self):
        self._check_against_numpy()

    def test_backwards_reads_reversed_sequence(self):
        self._check_against_numpy(go_backwards=True)

    def test_parameter_count_is_standard_lstm(self):
        layer = SketchLSTM(16)
        layer.build((None, 68, 10))
        n, i = 16, 10
        self.assertEqual(layer.count_params(), 4 * (n * (i + n) + n))

    def test_recurrent_dropout_only_in_training(self):
        x = np.random.default_rng(0).normal(size=(2, 7, 3)).astype(np.float32)
        layer = SketchLSTM(8, recurrent_dropout=0.5, seed=3)
        a = layer(x, training=False)[0]
        b = layer(x, training=False)[0]
        c = layer(x, training=True)[0]
        self.assertAllClose(a, b)
        self.assertGreater(float(tf.reduce_max(tf.abs(a - c))), 1e-3)

    def test_constants_act_as_inputs_appended_to_every_step(self):
        # The layer projects the constants once a sequence; fed the explicit
        # concatenation (and unrolled), it must give the same.
        rng = np.random.default_rng(5)
        x = rng.normal(size=(3, 6, 4)).astype(np.float32)
        k = rng.normal(size=(3, 5)).astype(np.float32)
        joined = np.concatenate([x, np.repeat(k[:, None], 6, axis=1)], -1)
        for go_backwards in (False, True):
            looped = SketchLSTM(8, go_backwards=go_backwards)
            unrolled = SketchLSTM(8, go_backwards=go_backwards, unroll=True)
            looped.build((None, 6, 9))
            unrolled.build((None, 6, 9))
            unrolled.set_weights(looped.get_weights())
            want = looped(joined)
            for layer in (looped, unrolled):
                for got, expected in zip(layer(x, constants=k), want):
                    self.assertAllClose(got, expected, atol=1e-5)

    def test_dynamic_number_of_steps(self):
        layer = SketchLSTM(4)
        x = np.random.default_rng(8).normal(size=(2, 7, 3)).astype(np.float32)
        run = tf.function(lambda v: layer(v)[0],
                          input_signature=[tf.TensorSpec([None, None, 3], tf.float32)])
        self.assertAllClose(run(x), layer(x)[0], atol=1e-6)

    def test_dropout_drops_the_rate_of_candidates(self):
        # With W_h = 0, h0 = c0 = 0: c_1 = sigmoid(i) * m * tanh(g), so the
        # mask's zeros are exact zeros of c after one step, and the kept
        # entries are the evaluation values scaled by 1 / keep.
        layer = SketchLSTM(64, recurrent_dropout=0.25, seed=7)
        x = tf.ones((32, 1, 2))
        layer.build(x.shape)
        layer.cell.recurrent_kernel.assign(tf.zeros_like(layer.cell.recurrent_kernel))
        _, _, c = layer(x, training=True)
        self.assertNear(float(tf.reduce_mean(tf.cast(c == 0.0, tf.float32))), 0.25, 0.03)
        _, _, c_eval = layer(x, training=False)
        self.assertAllClose(tf.boolean_mask(c, c != 0.0),
                            tf.boolean_mask(c_eval / 0.75, c != 0.0), rtol=1e-5)

    def test_bad_arguments_name_themselves(self):
        with self.assertRaisesRegex(ValueError, "recurrent_dropout"):
            SketchLSTMCell(4, recurrent_dropout=1.0)
        with self.assertRaisesRegex(ValueError, "units"):
            SketchLSTMCell(0)
