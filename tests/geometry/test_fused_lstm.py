"""Tests for `geometry.fused_lstm`: values and the hand-written backward pass.

`LSTMSequenceTest` checks the TensorFlow steps in float64 against a numpy
LSTM and finite differences; the native sequence ops (float32) must agree
with them to float32 rounding, eagerly and in a graph, from many threads at
once, and name a mismatched input.
"""

import concurrent.futures

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


needs_kernels = pytest.mark.skipif(native.ops() is None,
                                   reason="native kernels unavailable (tests/test_native.py "
                                          "fails where a compiler exists)")


def _random_arguments(rng, directions, batch, steps, units, masked):
    """float64 `(projected, h0, c0, kernel)` and a mask (or None)."""
    arguments = [rng.normal(size=(directions, batch, steps, 4 * units)) * 2,
                 rng.normal(size=(directions, batch, units)),
                 rng.normal(size=(directions, batch, units)),
                 rng.normal(size=(directions, units, 4 * units)) * 0.5 / np.sqrt(units)]
    mask = ((rng.random((directions, batch, steps, units)) > 0.25) / 0.75) if masked else None
    return arguments, mask


def _values_and_gradients(arguments, mask, return_sequences, dtype, graph=False):
    """Outputs and the gradients of a loss using all of them, in `dtype`."""
    arguments = [tf.constant(a.astype(dtype)) for a in arguments]
    mask = None if mask is None else tf.constant(mask.astype(dtype))

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
@pytest.mark.parametrize("directions,batch,steps,units", [
    (1, 6, 7, 48),     # one block of 64 units, 48 used
    (2, 6, 7, 20),     # two directions
    (1, 13, 3, 130),   # three blocks (the last 2 wide), rows not a multiple of 6
    (2, 7, 1, 64),     # one step, exactly one block
])
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("graph", [False, True])
def test_native_sequence_matches_the_float64_steps(directions, batch, steps, units, masked,
                                                   return_sequences, graph):
    # float32 runs the native ops, float64 the TensorFlow steps (checked against
    # numpy and finite differences above): they agree to float32 rounding.
    rng = np.random.default_rng(7)
    arguments, mask = _random_arguments(rng, directions, batch, steps, units, masked)
    got = _values_and_gradients(arguments, mask, return_sequences, np.float32, graph)
    want = _values_and_gradients(arguments, mask, return_sequences, np.float64, graph)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-5 * np.abs(b).max())


@needs_kernels
def test_native_sequence_from_many_threads_gives_the_same_bits():
    # Each op's steps are split between the caller and the pool's workers by
    # tickets; concurrent calls share the pool and must not mix their work.
    # Which thread runs an item does not change its arithmetic, so the bits
    # equal those of the same call made alone.
    rng = np.random.default_rng(9)
    cases = [_random_arguments(rng, 1 + k % 2, 5 + k, 6, 70, k % 2 == 0) for k in range(6)]
    alone = [_values_and_gradients(a, m, True, np.float32) for a, m in cases]
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        together = list(pool.map(lambda case: _values_and_gradients(*case, True, np.float32),
                                 cases * 2))
    for want, got in zip(alone * 2, together):
        for a, b in zip(got, want):
            np.testing.assert_array_equal(a, b)


@needs_kernels
def test_native_sequence_names_the_mismatched_input():
    ops = native.ops()
    state, empty = tf.zeros((2, 3, 4)), tf.zeros([0])
    forward = ops.tf_deepexag_lstm_sequence_forward
    backward = ops.tf_deepexag_lstm_sequence_backward
    sequence, gates = tf.zeros((2, 3, 5, 4)), tf.zeros((2, 3, 5, 16))
    kernel = tf.zeros((2, 4, 16))
    cases = [
        (lambda: forward(tf.zeros((2, 3, 5, 15)), state, state, kernel, empty),
         "projected must be"),
        (lambda: forward(gates, tf.zeros((2, 4, 4)), state, kernel, empty), "h0 must be"),
        (lambda: forward(gates, state, state, tf.zeros((2, 4, 12)), empty), "kernel must be"),
        (lambda: forward(gates, state, state, kernel, tf.zeros((2, 3, 4, 4))), "mask must be"),
        (lambda: forward(tf.zeros((2, 3, 0, 16)), state, state, kernel, empty), "no steps"),
        (lambda: backward(tf.zeros((2, 3, 6, 4)), state, state, gates, sequence, sequence,
                          state, kernel, empty), "d_outputs must be"),
        (lambda: backward(empty, state, tf.zeros((2, 3, 5)), gates, sequence, sequence,
                          state, kernel, empty), "dc_T must be"),
        (lambda: backward(empty, state, state, gates, sequence, tf.zeros((2, 3, 5, 5)),
                          state, kernel, empty), "tanh_cells must be"),
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
