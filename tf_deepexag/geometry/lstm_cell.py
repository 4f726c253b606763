"""sketch-rnn's LSTM cell (plain or layer-normalised) as a Keras RNN cell.

Shapes: B batch, n = `units`.

The cell receives its input already projected (`x @ W_x + b`, shape
`(B, 4n)`): the projection of all time steps is one matmul outside the
recurrence (`InputProjection` below), so each step only computes `h @ W_h`.
The sum is the same as sketch-rnn's `concat([x, h]) @ [W_xh; W_hh] + bias`,
so the parameter count is the standard `4n(i + n + 1)`.

Mathematical details (Ha & Eck 2017, magenta `rnn.py`):
    i, g, f, o = split(x W_x + h W_h + b)          # gate order as sketch-rnn
    g = dropout(tanh(g))                           # recurrent dropout on the
                                                   # candidate (Semeniuta 2016)
    c' = c * sigmoid(f + forget_bias) + sigmoid(i) * g
    h' = tanh(c') * sigmoid(o)
The `layer_norm` variant normalises each of the four gate blocks (gain and
shift per unit, no bias) and the new cell before its `tanh`.
"""

import keras
import tensorflow as tf
from keras import ops

from tf_deepexag.geometry import fused_lstm

_EPSILON = 1e-3  # sketch-rnn's layer-norm epsilon.


def _layer_norm(x, gamma, beta, groups):
    """Normalises `x` (B, groups * n) in `groups` separate blocks."""
    shape = ops.shape(x)
    blocks = ops.reshape(x, (-1, groups, shape[-1] // groups))
    mean = ops.mean(blocks, axis=-1, keepdims=True)
    var = ops.mean(ops.square(blocks - mean), axis=-1, keepdims=True)
    blocks = (blocks - mean) * ops.rsqrt(var + _EPSILON)
    return ops.reshape(blocks, (-1, shape[-1])) * gamma + beta


@keras.saving.register_keras_serializable(package="tf_deepexag")
class SketchLSTMCell(keras.layers.Layer):
    """One LSTM step on a pre-projected input, with sketch-rnn's dropout.

    Args:
        units: int, the state size n.
        layer_norm: bool, sketch-rnn's `LayerNormLSTMCell` when True.
            Defaults to `False`.
        recurrent_dropout: float, dropout RATE on the candidate `g` during
            training (the original's keep-prob 0.9 is rate 0.1). Defaults
            to `0.0`.
        forget_bias: float, added to the forget gate. Defaults to `1.0`.
        seed: int or None, seed of the dropout `SeedGenerator`.

    Call arguments:
        inputs: `(B, 4n)` projected input of this step.
        states: list `[h, c]`, each `(B, n)`.
        training: bool.

    Returns:
        `(h', [h', c'])`.
    """

    def __init__(self, units, layer_norm=False, recurrent_dropout=0.0,
                 forget_bias=1.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if int(units) <= 0:
            raise ValueError(f"`units` must be positive, got {units}.")
        if not 0.0 <= recurrent_dropout < 1.0:
            raise ValueError(
                f"`recurrent_dropout` must be in [0, 1), got {recurrent_dropout}.")
        self.units = int(units)
        self.layer_norm = bool(layer_norm)
        self.recurrent_dropout = float(recurrent_dropout)
        self.forget_bias = float(forget_bias)
        self.seed = seed
        self.state_size = [self.units, self.units]
        self.output_size = self.units
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        n = self.units
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel", shape=(n, 4 * n), initializer="orthogonal")
        if self.layer_norm:
            self.gate_gamma = self.add_weight(name="gate_gamma", shape=(4 * n,),
                                              initializer="ones")
            self.gate_beta = self.add_weight(name="gate_beta", shape=(4 * n,),
                                             initializer="zeros")
            self.cell_gamma = self.add_weight(name="cell_gamma", shape=(n,),
                                              initializer="ones")
            self.cell_beta = self.add_weight(name="cell_beta", shape=(n,),
                                             initializer="zeros")
        self.built = True

    def call(self, inputs, states, training=False):
        h, c = states[0], states[1]
        gates = inputs + ops.matmul(h, self.recurrent_kernel)  # (B, 4n)
        if self.layer_norm:
            gates = _layer_norm(gates, self.gate_gamma, self.gate_beta, 4)
        i, g, f, o = ops.split(gates, 4, axis=-1)
        g = ops.tanh(g)
        if training and self.recurrent_dropout > 0.0:
            g = keras.random.dropout(g, self.recurrent_dropout,
                                     seed=self.seed_generator)
        new_c = c * ops.sigmoid(f + self.forget_bias) + ops.sigmoid(i) * g
        shown_c = new_c
        if self.layer_norm:
            shown_c = _layer_norm(new_c, self.cell_gamma, self.cell_beta, 1)
        new_h = ops.tanh(shown_c) * ops.sigmoid(o)
        return new_h, [new_h, new_c]

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, layer_norm=self.layer_norm,
                      recurrent_dropout=self.recurrent_dropout,
                      forget_bias=self.forget_bias, seed=self.seed)
        return config


@keras.saving.register_keras_serializable(package="tf_deepexag")
class SketchLSTM(keras.layers.Layer):
    """A sequence LSTM: one input projection for all steps, then the cell.

    Args:
        units: int, the state size n.
        cell_type: `"lstm"` or `"layer_norm"`. Defaults to `"lstm"`.
        recurrent_dropout: float, dropout rate (see `SketchLSTMCell`).
        go_backwards: bool, run over the reversed sequence.
        unroll: bool, unroll the time loop (static graph, needed for TFLite).
        seed: int or None.

    The plain (`"lstm"`), not unrolled layer runs `fused_lstm.lstm_sequence`
    (the same values to float32 rounding, a hand-written backward pass; at
    the decoder's size 1.8x faster to train than the cell in
    `keras.layers.RNN` with the native kernels, 1.5x without,
    bench/vae_train.py); the layer-norm or unrolled one runs the cell in
    `keras.layers.RNN`. The weights are the same.

    Call arguments:
        inputs: `(B, T, i)`.
        initial_state: optional list `[h, c]`, each `(B, n)`.
        training: bool.
        constants: optional `(B, k)` input that is the same at every step
            (the decoder's z), read as if appended to each step's input
            (the layer is built for `i + k` inputs). The fused path
            projects it once, not at every step.

    Returns:
        `(outputs (B, T, n), h (B, n), c (B, n))`.
    """

    def __init__(self, units, cell_type="lstm", recurrent_dropout=0.0,
                 go_backwards=False, unroll=False, seed=None, **kwargs):
        super().__init__(**kwargs)
        if cell_type not in CELL_TYPES:
            raise ValueError(f"`cell_type` must be one of {CELL_TYPES}, got {cell_type!r}.")
        self.units = int(units)
        self.cell_type = cell_type
        self.recurrent_dropout = float(recurrent_dropout)
        self.go_backwards = bool(go_backwards)
        self.unroll = bool(unroll)
        self.seed = seed
        # The layer-norm cell has no bias (the gate shift plays its part).
        self.projection = keras.layers.Dense(
            4 * self.units, use_bias=cell_type == "lstm", name="input_projection")
        self.cell = SketchLSTMCell(self.units, layer_norm=cell_type == "layer_norm",
                                   recurrent_dropout=recurrent_dropout, seed=seed,
                                   name="cell")
        self.rnn = keras.layers.RNN(self.cell, return_sequences=True,
                                    return_state=True, go_backwards=go_backwards,
                                    unroll=unroll, name="rnn")

    def build(self, input_shape):
        self.projection.build(input_shape)
        projected = tuple(input_shape[:-1]) + (4 * self.units,)
        self.rnn.build(projected)
        self.built = True

    @property
    def fused(self):
        """Whether `call` runs `fused_lstm.lstm_sequence` (plain, not unrolled)."""
        return self.cell_type == "lstm" and not self.unroll

    def fuses(self, inputs):
        """`fused`, and `inputs` has a static number of steps (the fused
        loop is unrolled in Python; a dynamic length takes the RNN path)."""
        return self.fused and inputs.shape[1] is not None

    def call(self, inputs, initial_state=None, training=False, constants=None):
        if self.fuses(inputs):
            return run_side_by_side([self], [inputs], [initial_state], training,
                                    constants=[constants])[0]
        if constants is not None:
            tiled = ops.repeat(ops.expand_dims(constants, 1), ops.shape(inputs)[1], axis=1)
            inputs = ops.concatenate([inputs, tiled], axis=-1)  # (B, T, i + k)
        projected = self.projection(inputs)  # (B, T, 4n)
        outputs, h, c = self.rnn(projected, initial_state=initial_state,
                                 training=training)
        return outputs, h, c

    def project(self, inputs, constants=None):
        """`[inputs, constants] W + b` at every step, `(B, T, 4n)`.

        The constants' share, the same at every step, is one `(B, k)`
        product added to each step (for the decoder's z, 128 of the 138
        input columns: 13 % of the train step's matmul work).
        """
        if constants is None:
            return self.projection(inputs)  # (B, T, 4n)
        width = inputs.shape[-1]
        # split, not slices: the gradient is one concat, not two full-size
        # StridedSliceGrad buffers.
        per_step_kernel, once_kernel = ops.split(self.projection.kernel, [width], axis=0)
        once = ops.matmul(constants, once_kernel)  # (B, 4n)
        if self.projection.use_bias:
            once = once + self.projection.bias
        shape = ops.shape(inputs)
        per_step = ops.matmul(ops.reshape(inputs, (-1, width)), per_step_kernel)  # (B T, 4n)
        per_step = ops.reshape(per_step, (shape[0], shape[1], -1))
        return per_step + ops.expand_dims(once, 1)  # (B, T, 4n)

    def fused_arguments(self, inputs, initial_state, training, constants=None):
        """This layer's `(projected, h0, c0, kernel, mask)` for `lstm_sequence`.

        Each `(B, ...)` without the leading D axis; the time axis reversed
        for `go_backwards` (outputs then come in the reversed order, as
        `keras.layers.RNN` gives them); the mask is None without dropout.
        """
        if self.go_backwards:  # Reversed before the projection: 5 wide, not 4n.
            inputs = tf.reverse(inputs, axis=[1])
        projected = self.project(inputs, constants)  # (B, T, 4n)
        if initial_state is None:
            zeros = tf.zeros(tf.stack([tf.shape(inputs)[0], self.units]), projected.dtype)
            initial_state = [zeros, zeros]
        mask = None
        if training and self.recurrent_dropout > 0.0:
            mask = dropout_mask(tf.shape(projected)[:2], self.units, self.recurrent_dropout,
                                self.cell.seed_generator, projected.dtype)
        kernel = tf.convert_to_tensor(self.cell.recurrent_kernel)
        return projected, initial_state[0], initial_state[1], kernel, mask

    def compute_output_shape(self, input_shape):
        b, t = input_shape[0], input_shape[1]
        return (b, t, self.units), (b, self.units), (b, self.units)

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, cell_type=self.cell_type,
                      recurrent_dropout=self.recurrent_dropout,
                      go_backwards=self.go_backwards, unroll=self.unroll,
                      seed=self.seed)
        return config


def dropout_mask(leading_shape, units, rate, seed_generator, dtype=tf.float32):
    """A `(..., units)` dropout mask: 0 with probability `rate`, else `1 / (1 - rate)`.

    Args:
        leading_shape: int32 shape `(...)` of the leading axes.
        units: int, the last axis.
        rate: float in (0, 1), rounded to a multiple of 1/65536.
        seed_generator: `keras.random.SeedGenerator`; each call draws a seed.
        dtype: the mask's float dtype.

    Each entry compares 16 random bits with `rate * 65536`, so one 32-bit
    Philox draw serves two entries: `keras.random.dropout` draws a float
    uniform an entry, which took ~7 ms for the decoder's (64, 68, 512) mask
    (bench/vae_train.py's batch), about twice this.
    """
    seed = seed_generator.next()
    seed = tf.cast(tf.math.floormod(seed, tf.int32.max - 1), tf.int32)
    leading_shape = tf.convert_to_tensor(leading_shape, tf.int32)
    pairs = tf.concat([leading_shape, [(units + 1) // 2]], 0)
    bits = tf.random.stateless_uniform(pairs, seed, minval=None, maxval=None,
                                       dtype=tf.uint32)
    halves = tf.reshape(tf.bitcast(bits, tf.uint16), tf.concat([leading_shape, [-1]], 0))
    if units % 2:
        halves = halves[..., :units]
    threshold = int(round(rate * 65536))
    keep = tf.cast(halves >= threshold, dtype)
    return keep * tf.constant(65536 / (65536 - threshold), dtype)


def run_side_by_side(layers, inputs, initial_states, training=False,
                     return_sequences=True, constants=None):
    """Runs fused `SketchLSTM`s of one size together, one batched product a step.

    Args:
        layers: list of D `SketchLSTM` with `fused` True and equal `units`
            and `forget_bias` (the encoder's two directions).
        inputs: list of D `(B, T, i)` inputs.
        initial_states: list of D `[h, c]` or None.
        training: bool.
        return_sequences: bool; False returns None for the outputs (and
            skips stacking them). Defaults to True.
        constants: optional list of D `(B, k)` or None (see `SketchLSTM`).

    Returns:
        A list of D `(outputs (B, T, n), h (B, n), c (B, n))`, each as the
        layer's own `call` returns it.
    """
    constants = constants or [None] * len(layers)
    for layer, x, k in zip(layers, inputs, constants):
        if not layer.built:
            width = x.shape[-1] + (0 if k is None else k.shape[-1])
            layer.build(tuple(x.shape[:-1]) + (width,))
    arguments = [layer.fused_arguments(x, state, training, k)
                 for layer, x, state, k in zip(layers, inputs, initial_states, constants)]
    projected, h0, c0, kernel, masks = zip(*arguments)
    mask = None
    if any(m is not None for m in masks):
        mask = _stack([tf.ones(tf.concat([tf.shape(p)[:2], [layer.units]], 0), p.dtype)
                         if m is None else m
                         for p, m, layer in zip(projected, masks, layers)])
    outputs, h, c = fused_lstm.lstm_sequence(
        _stack(projected), _stack(h0), _stack(c0), _stack(kernel),
        forget_bias=layers[0].cell.forget_bias, mask=mask,
        return_sequences=return_sequences)
    outputs = [None] * len(layers) if outputs is None else _unstack(outputs)
    return list(zip(outputs, _unstack(h), _unstack(c)))


def _stack(tensors):
    """`tf.stack`, without the copy for one tensor (a reshape is free)."""
    return tf.expand_dims(tensors[0], 0) if len(tensors) == 1 else tf.stack(tensors)


def _unstack(tensor):
    """`tf.unstack` along the leading axis, a reshape for one entry (no
    slice, whose gradient would write a full-size copy)."""
    return [tf.squeeze(tensor, 0)] if tensor.shape[0] == 1 else tf.unstack(tensor)


CELL_TYPES = ("lstm", "layer_norm")
