"""Tests for `geometry.fused_lstm`: values and the hand-written backward pass.

`LSTMSequenceTest` runs on the native cell kernels (the default where they
build) and, as `LSTMSequenceTensorFlowTest`, on the TensorFlow ops; the
native kernels must also give the TensorFlow ops' bits, eagerly (values and
gradients) and in a graph (values).
"""

import numpy as np
import pytest
import tensorflow as tf

from tests.geometry.test_lstm_cell import _numpy_lstm
from tf_deepexag import native
from tf_deepexag.geometry.fused_lstm import lstm_sequence
from tf_deepexag.geometry.lstm_cell import SketchLSTM, run_side_by_side
from tf_deepexag.geometry.sequence_encoder import SequenceEncoder

D, B, T, N = 2, 3, 5, 4


def _arguments(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    projected = rng.normal(size=(D, B, T, 4 * N))
    h0, c0 = rng.normal(size=(D, B, N)), rng.normal(size=(D, B, N))
    kernel = rng.normal(size=(D, N, 4 * N)) * 0.5
    mask = (rng.random((D, B, T, N)) > 0.3) / 0.7
    return [tf.constant(a.astype(dtype)) for a in (projected, h0, c0, kernel, mask)]


class LSTMSequenceTest(tf.test.TestCase):

    def test_values_match_numpy_lstm_per_direction(self):
        projected, h0, c0, kernel, _ = _arguments()
        out, h, c = lstm_sequence(projected, h0, c0, kernel)
        for d in range(D):
            # The numpy reference projects x itself: identity input kernel.
            want_out, want_h, want_c = _numpy_lstm(projected.numpy()[d], np.eye(4 * N), 0.0,
                                                   kernel.numpy()[d], h0.numpy()[d],
                                                   c0.numpy()[d])
            self.assertAllClose(out[d], want_out, atol=1e-12)
            self.assertAllClose(h[d], want_h, atol=1e-12)
            self.assertAllClose(c[d], want_c, atol=1e-12)

    def test_gradients_match_finite_differences(self):
        projected, h0, c0, kernel, mask = _arguments(1)
        weights = tf.constant(np.random.default_rng(2).normal(size=(D, B, T, N)))
        for m in (None, mask):
            def loss(projected, h0, c0, kernel, m=m):
                out, h, c = lstm_sequence(projected, h0, c0, kernel, mask=m)
                return (tf.reduce_sum(out * weights) + tf.reduce_sum(tf.square(h))
                        + tf.reduce_sum(tf.sin(c)))
            theoretical, numerical = tf.test.compute_gradient(
                loss, [projected, h0, c0, kernel], delta=1e-5)
            for got, want in zip(theoretical, numerical):
                self.assertAllClose(got, want, atol=1e-7)

    def test_gradient_of_the_final_state_alone(self):
        # Only h_T is used: the other outputs' upstream gradients are None in
        # a graph; the result must still match finite differences.
        projected, h0, c0, kernel, _ = _arguments(3)

        @tf.function
        def graph_gradient(kernel):
            return tf.gradients(tf.reduce_sum(lstm_sequence(projected, h0, c0, kernel)[1]),
                                kernel)[0]

        _, numerical = tf.test.compute_gradient(
            lambda k: tf.reduce_sum(lstm_sequence(projected, h0, c0, k)[1]), [kernel],
            delta=1e-5)
        self.assertAllClose(tf.reshape(graph_gradient(kernel), [1, -1]), numerical[0],
                            atol=1e-7)

    def test_final_state_only_matches_full_outputs(self):
        projected, h0, c0, kernel, mask = _arguments(4)
        results = []
        for return_sequences in (True, False):
            with tf.GradientTape() as tape:
                tape.watch([projected, kernel])
                out, h, c = lstm_sequence(projected, h0, c0, kernel, mask=mask,
                                          return_sequences=return_sequences)
                loss = tf.reduce_sum(h * h) + tf.reduce_sum(c)
            self.assertEqual(out is None, not return_sequences)
            results.append([h, c] + tape.gradient(loss, [projected, kernel]))
        for got, want in zip(results[1], results[0]):
            self.assertAllClose(got, want, atol=1e-12)

    def test_dynamic_steps_are_refused(self):
        projected, h0, c0, kernel, _ = _arguments()
        fn = tf.function(lambda p: lstm_sequence(p, h0, c0, kernel),
                         input_signature=[tf.TensorSpec([D, B, None, 4 * N], tf.float64)])
        with self.assertRaisesRegex(ValueError, "static number of steps"):
            fn.get_concrete_function()


class LSTMSequenceTensorFlowTest(LSTMSequenceTest):
    """The same tests on the TensorFlow steps (native kernels off)."""

    def setUp(self):
        super().setUp()
        self.enterContext(native.use_kernels(False))

    def test_the_tensorflow_steps_run(self):
        self.assertIsNone(native.ops())


needs_kernels = pytest.mark.skipif(native.ops() is None,
                                   reason="native kernels unavailable (tests/test_native.py "
                                          "fails where a compiler exists)")


def _values_and_gradients(arguments, mask, return_sequences, native_on, monkeypatch,
                          graph=False):
    """Outputs and the gradients of a loss using all of them, on one path."""
    monkeypatch.setenv(native.DISABLE_ENV, "1" if native_on else "0")

    def run(projected, h0, c0, kernel):
        with tf.GradientTape() as tape:
            tape.watch([projected, h0, c0, kernel])
            out, h, c = lstm_sequence(projected, h0, c0, kernel, forget_bias=0.75, mask=mask,
                                      return_sequences=return_sequences)
            loss = tf.reduce_sum(tf.square(h)) + tf.reduce_sum(tf.sin(c))
            if out is not None:
                loss += tf.reduce_sum(
                    out * tf.cos(tf.range(out.shape[2], dtype=out.dtype)[:, None]))
        values = [h, c] if out is None else [out, h, c]
        return values + tape.gradient(loss, [projected, h0, c0, kernel])

    return [x.numpy() for x in (tf.function(run) if graph else run)(*arguments)]


@needs_kernels
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("directions,units", [(1, 48), (2, 20)])  # 20: a vector tail
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_native_kernels_give_the_tensorflow_bits(dtype, directions, units, masked,
                                                return_sequences, monkeypatch):
    rng = np.random.default_rng(7)
    batch, steps = 6, 7
    arguments = [tf.constant(a.astype(dtype)) for a in (
        rng.normal(size=(directions, batch, steps, 4 * units)) * 2,
        rng.normal(size=(directions, batch, units)),
        rng.normal(size=(directions, batch, units)),
        rng.normal(size=(directions, units, 4 * units)) * 0.3)]
    mask = (tf.constant(((rng.random((directions, batch, steps, units)) > 0.25) / 0.75)
                        .astype(dtype)) if masked else None)
    native_values = _values_and_gradients(arguments, mask, return_sequences, True, monkeypatch)
    reference = _values_and_gradients(arguments, mask, return_sequences, False, monkeypatch)
    for got, want in zip(native_values, reference):
        np.testing.assert_array_equal(got, want)


@needs_kernels
def test_native_kernels_in_a_graph(monkeypatch):
    # In a tf.function Grappler's arithmetic optimizer rewrites the TensorFlow
    # ops' backward pass (measured: bit-equal with it off), so only the
    # values keep their bits; the gradients agree to float32 rounding.
    rng = np.random.default_rng(8)
    arguments = [tf.constant(a.astype(np.float32)) for a in (
        rng.normal(size=(2, 6, 7, 80)) * 2, rng.normal(size=(2, 6, 20)),
        rng.normal(size=(2, 6, 20)), rng.normal(size=(2, 20, 80)) * 0.3)]
    mask = tf.constant(((rng.random((2, 6, 7, 20)) > 0.25) / 0.75).astype(np.float32))
    got = _values_and_gradients(arguments, mask, True, True, monkeypatch, graph=True)
    want = _values_and_gradients(arguments, mask, True, False, monkeypatch, graph=True)
    for a, b in zip(got[:3], want[:3]):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(got[3:], want[3:]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5 * np.abs(b).max())


@needs_kernels
def test_native_kernels_name_the_mismatched_input():
    ops = native.ops()
    state = tf.zeros((2, 3, 4))
    cases = [
        (lambda: ops.tf_deepexag_lstm_cell_forward(tf.zeros((2, 3, 5, 15)), tf.zeros((2, 3, 16)),
                                                   state, tf.zeros([0]), step=0),
         "projected must be"),
        (lambda: ops.tf_deepexag_lstm_cell_forward(tf.zeros((2, 3, 5, 16)), tf.zeros((2, 4, 16)),
                                                   state, tf.zeros([0]), step=0),
         "recurrent must be"),
        (lambda: ops.tf_deepexag_lstm_cell_forward(tf.zeros((2, 3, 5, 16)), tf.zeros((2, 3, 16)),
                                                   state, tf.zeros((2, 3, 4, 4)), step=0),
         "mask must be empty or"),
        (lambda: ops.tf_deepexag_lstm_cell_forward(tf.zeros((2, 3, 5, 16)), tf.zeros((2, 3, 16)),
                                                   state, tf.zeros([0]), step=5),
         "step 5 outside the 5 steps"),
        (lambda: ops.tf_deepexag_lstm_cell_backward(state, tf.zeros((2, 3, 5)), tf.zeros([0]),
                                                    tf.zeros((2, 3, 16)), state, state,
                                                    tf.zeros([0]), step=0),
         "dh, dc and tanh_c must have"),
        (lambda: ops.tf_deepexag_lstm_cell_backward(state, state, tf.zeros((2, 3, 6, 3)),
                                                    tf.zeros((2, 3, 16)), state, state,
                                                    tf.zeros([0]), step=0),
         "d_outputs must be empty or"),
    ]
    for call, message in cases:
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            call()


class FusedLayerTest(tf.test.TestCase):
    """The fused `SketchLSTM` path against the cell in `keras.layers.RNN`."""

    def _pair(self, go_backwards, units=4, inputs=3):
        fused = SketchLSTM(units, go_backwards=go_backwards)
        generic = SketchLSTM(units, go_backwards=go_backwards, unroll=True)
        fused.build((None, T, inputs))
        generic.build((None, T, inputs))
        generic.set_weights(fused.get_weights())
        self.assertTrue(fused.fused)
        self.assertFalse(generic.fused)
        return fused, generic

    def test_same_outputs_and_gradients_as_keras_rnn(self):
        x = tf.constant(np.random.default_rng(4).normal(size=(B, T, 3)).astype(np.float32))
        for go_backwards in (False, True):
            fused, generic = self._pair(go_backwards)
            results = []
            for layer in (fused, generic):
                with tf.GradientTape() as tape:
                    out, h, c = layer(x)
                    loss = tf.reduce_sum(out * tf.range(T, dtype=tf.float32)[:, None]) \
                        + tf.reduce_sum(h * c)
                results.append([out, h, c] + tape.gradient(loss, layer.trainable_variables))
            for got, want in zip(*results):
                self.assertAllClose(got, want, atol=1e-5)

    def test_dynamic_length_takes_the_rnn_path(self):
        layer, _ = self._pair(False)
        x = np.random.default_rng(8).normal(size=(B, T, 3)).astype(np.float32)
        run = tf.function(lambda v: layer(v)[0],
                          input_signature=[tf.TensorSpec([None, None, 3], tf.float32)])
        self.assertAllClose(run(x), layer(x)[0], atol=1e-6)

    def test_side_by_side_equals_one_by_one(self):
        rng = np.random.default_rng(5)
        layers = [SketchLSTM(4), SketchLSTM(4, go_backwards=True)]
        xs = [tf.constant(rng.normal(size=(B, T, 3)).astype(np.float32)) for _ in layers]
        state = [tf.constant(rng.normal(size=(B, 4)).astype(np.float32)) for _ in range(2)]
        together = run_side_by_side(layers, xs, [state, None])
        for layer, x, initial, got in zip(layers, xs, [state, None], together):
            for a, b in zip(got, layer(x, initial_state=initial)):
                self.assertAllClose(a, b, atol=1e-6)

    def test_dropout_mask_drops_the_rate_of_candidates(self):
        # With W_h = 0, h0 = c0 = 0 and sigmoid(i) known, c_1 = sigmoid(i) * m * tanh(g):
        # the mask's zeros show up as exact zeros of c after one step.
        layer = SketchLSTM(64, recurrent_dropout=0.25, seed=7)
        x = tf.ones((32, 1, 2))
        layer.build(x.shape)
        layer.cell.recurrent_kernel.assign(tf.zeros_like(layer.cell.recurrent_kernel))
        _, _, c = layer(x, training=True)
        self.assertNear(float(tf.reduce_mean(tf.cast(c == 0.0, tf.float32))), 0.25, 0.03)
        _, _, c_eval = layer(x, training=False)
        self.assertAllClose(tf.boolean_mask(c, c != 0.0),
                            tf.boolean_mask(c_eval / 0.75, c != 0.0), rtol=1e-5)


class EncoderPathTest(tf.test.TestCase):

    def test_fused_encoder_equals_unrolled_encoder(self):
        x = tf.constant(np.random.default_rng(6).normal(size=(B, T, 5)).astype(np.float32))
        eps = tf.zeros((B, 6))
        fused, unrolled = SequenceEncoder(4, 6), SequenceEncoder(4, 6, unroll=True)
        fused.build(x.shape)
        unrolled.build(x.shape)
        unrolled.set_weights(fused.get_weights())
        for a, b in zip(fused(x, eps=eps), unrolled(x, eps=eps)):
            self.assertAllClose(a, b, atol=1e-6)
