"""sketch-rnn's LSTM as Keras layers.

Shapes: B batch, T steps, i inputs, k constant inputs, n = `units`.

`SketchLSTM` projects the inputs of all steps with one matmul (`x W_x + b`,
`(B, T, 4n)`) and runs `SketchLSTMCell` over them in `keras.layers.RNN`, so
each step only computes `h W_h`. The sum is sketch-rnn's
`concat([x, h]) @ [W_xh; W_hh] + bias`, so the parameter count is the
standard `4n(i + n + 1)`. (sketch-rnn's layer-normalised cell and a
`keras.layers.LSTM` variant were removed: no shipped config used them;
docs/geometry.md.)

Mathematical details (Ha & Eck 2017, magenta `rnn.py`):
    i, g, f, o = split(x W_x + h W_h + b)          # gate order as sketch-rnn
    g = dropout(tanh(g))                           # recurrent dropout on the
                                                   # candidate (Semeniuta 2016)
    c' = c * sigmoid(f + forget_bias) + sigmoid(i) * g
    h' = tanh(c') * sigmoid(o)
"""

import keras
from keras import ops

from tf_deepexag.geometry.affine import AffineDense, affine

@keras.saving.register_keras_serializable(package="tf_deepexag")
class SketchLSTMCell(keras.layers.Layer):
    """One LSTM step on a pre-projected input, with sketch-rnn's dropout.

    Args:
        units: int, the state size n.
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

    def __init__(self, units, recurrent_dropout=0.0, forget_bias=1.0, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        if int(units) <= 0:
            raise ValueError(f"`units` must be positive, got {units}.")
        if not 0.0 <= recurrent_dropout < 1.0:
            raise ValueError(
                f"`recurrent_dropout` must be in [0, 1), got {recurrent_dropout}.")
        self.units = int(units)
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
        self.built = True

    def call(self, inputs, states, training=False):
        h, c = states[0], states[1]
        gates = inputs + ops.matmul(h, self.recurrent_kernel)  # (B, 4n)
        i, g, f, o = ops.split(gates, 4, axis=-1)
        g = ops.tanh(g)
        if training and self.recurrent_dropout > 0.0:
            g = keras.random.dropout(g, self.recurrent_dropout,
                                     seed=self.seed_generator)
        new_c = c * ops.sigmoid(f + self.forget_bias) + ops.sigmoid(i) * g
        new_h = ops.tanh(new_c) * ops.sigmoid(o)
        return new_h, [new_h, new_c]

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, recurrent_dropout=self.recurrent_dropout,
                      forget_bias=self.forget_bias, seed=self.seed)
        return config


@keras.saving.register_keras_serializable(package="tf_deepexag")
class SketchLSTM(keras.layers.Layer):
    """A sequence LSTM: one input projection for all steps, then the cell.

    Args:
        units: int, the state size n.
        recurrent_dropout: float, dropout rate (see `SketchLSTMCell`).
        go_backwards: bool, run over the reversed sequence (the outputs come
            in the reversed order, as `keras.layers.RNN` gives them).
        unroll: bool, unroll the time loop (static graph, needed for TFLite).
        seed: int or None.

    Call arguments:
        inputs: `(B, T, i)`.
        initial_state: optional list `[h, c]`, each `(B, n)`.
        training: bool.
        constants: optional `(B, k)` input that is the same at every step
            (the decoder's z), read as if appended to each step's input
            (the layer is built for `i + k` inputs). Its share of the
            projection is computed once a sequence, not at every step.

    Returns:
        `(outputs (B, T, n), h (B, n), c (B, n))`.
    """

    def __init__(self, units, recurrent_dropout=0.0, go_backwards=False, unroll=False,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.recurrent_dropout = float(recurrent_dropout)
        self.go_backwards = bool(go_backwards)
        self.unroll = bool(unroll)
        self.seed = seed
        self.projection = AffineDense(4 * self.units, name="input_projection")
        self.cell = SketchLSTMCell(self.units, recurrent_dropout=recurrent_dropout,
                                   seed=seed, name="cell")
        self.rnn = keras.layers.RNN(self.cell, return_sequences=True,
                                    return_state=True, go_backwards=go_backwards,
                                    unroll=unroll, name="rnn")

    def build(self, input_shape):
        self.projection.build(input_shape)
        self.rnn.build(tuple(input_shape[:-1]) + (4 * self.units,))
        self.built = True

    def call(self, inputs, initial_state=None, training=False, constants=None):
        projected = self.project(inputs, constants)  # (B, T, 4n)
        outputs, h, c = self.rnn(projected, initial_state=initial_state,
                                 training=training)
        return outputs, h, c

    def project(self, inputs, constants=None):
        """`[inputs, constants] W + b` at every step, `(B, T, 4n)`.

        The constants' share, the same at every step, is one `(B, k)`
        product added to each step (for the original decoder's z, 128 of
        its 138 input columns: 13 % of the train step's matmul work).
        """
        if constants is None:
            return self.projection(inputs)  # (B, T, 4n)
        width = inputs.shape[-1]
        # split, not slices: the gradient is one concat, not two full-size
        # StridedSliceGrad buffers.
        per_step_kernel, once_kernel = ops.split(self.projection.kernel, [width], axis=0)
        once = affine(constants, once_kernel, self.projection.bias)  # (B, 4n)
        shape = ops.shape(inputs)
        per_step = ops.matmul(ops.reshape(inputs, (-1, width)), per_step_kernel)  # (B T, 4n)
        per_step = ops.reshape(per_step, (shape[0], shape[1], -1))
        return per_step + ops.expand_dims(once, 1)  # (B, T, 4n)

    def compute_output_shape(self, input_shape):
        b, t = input_shape[0], input_shape[1]
        return (b, t, self.units), (b, self.units), (b, self.units)

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, recurrent_dropout=self.recurrent_dropout,
                      go_backwards=self.go_backwards, unroll=self.unroll,
                      seed=self.seed)
        return config
