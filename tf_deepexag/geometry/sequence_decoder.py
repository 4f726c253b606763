"""`SequenceDecoder`: the conditional LSTM decoder of the VAE.

Shapes: B batch, T steps, Z = `z_size`, n = `dec_rnn_size`.

The input at step t is `[photo_{t-1}, caricature_{t-1}, z]` (10 + Z; 5 + Z
without the caricature feedback, see `VAEConfig.feed_caricature`), both
sequences prefixed with the start token `S0 = (0, 0, 1, 0, 0)`; the initial
state is `tanh(W z + b)` split into `(h, c)` (the original's `super_linear`
to `cell.state_size`, initialised N(0, 0.001^2)).
"""

import keras

from tf_deepexag.geometry.affine import AffineDense
from tf_deepexag.geometry.lstm_cell import SketchLSTM


@keras.saving.register_keras_serializable(package="tf_deepexag")
class SequenceDecoder(keras.layers.Layer):
    """Runs the decoder LSTM over shifted photo/caricature steps and z.

    Args:
        dec_rnn_size: int, LSTM units n.
        recurrent_dropout: float, dropout rate. Defaults to 0.
        unroll: bool, unroll the time loop. Defaults to False.
        seed: int or None.

    Call arguments:
        inputs: `(B, T, I)` step inputs (I = 10: photo and previous caricature
            steps; 5: the photo step only).
        z: `(B, Z)` latent code.
        initial_state: optional `[h, c]`; `tanh(W z)` when omitted.
        training: bool.

    Returns:
        `(outputs (B, T, n), h (B, n), c (B, n))`.
    """

    def __init__(self, dec_rnn_size, recurrent_dropout=0.0, unroll=False, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.dec_rnn_size = int(dec_rnn_size)
        self.recurrent_dropout = float(recurrent_dropout)
        self.unroll = bool(unroll)
        self.seed = seed
        self.state_dense = AffineDense(
            2 * self.dec_rnn_size, activation="tanh",
            kernel_initializer=keras.initializers.RandomNormal(stddev=0.001, seed=seed),
            name="initial_state")
        self.lstm = SketchLSTM(self.dec_rnn_size, recurrent_dropout=recurrent_dropout,
                               unroll=unroll, seed=seed, name="lstm")

    def build(self, inputs_shape, z_shape):
        if not self.state_dense.built:  # `initial_state` may have built it.
            self.state_dense.build(z_shape)
        self.lstm.build(tuple(inputs_shape[:-1]) + (inputs_shape[-1] + z_shape[-1],))
        self.built = True

    def initial_state(self, z):
        """`[h, c]` from z: `tanh(W z + b)` split in two `(B, n)` halves."""
        state = self.state_dense(z)  # (B, 2n)
        return [state[:, :self.dec_rnn_size], state[:, self.dec_rnn_size:]]

    def call(self, inputs, z, initial_state=None, training=False):
        if initial_state is None:
            initial_state = self.initial_state(z)
        # z is the last Z columns of every step's input (B, T, 10 + Z).
        return self.lstm(inputs, initial_state=initial_state, training=training,
                         constants=z)

    def compute_output_shape(self, inputs_shape, z_shape):
        b, t = inputs_shape[0], inputs_shape[1]
        n = self.dec_rnn_size
        return (b, t, n), (b, n), (b, n)

    def get_config(self):
        config = super().get_config()
        config.update(dec_rnn_size=self.dec_rnn_size,
                      recurrent_dropout=self.recurrent_dropout, unroll=self.unroll,
                      seed=self.seed)
        return config
