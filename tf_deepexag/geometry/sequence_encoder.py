"""`SequenceEncoder`: bidirectional LSTM over the photo -> q(z | photo).

Shapes: B batch, T = 68 steps, Z = `z_size`.

Mathematical details (Kingma & Welling 2014; Ha & Eck 2017 sec. 3.1):
    h = [h_fw(T), h_bw(T)],  mu = W_mu h + b,  log_var = W_s h + b,
    z = mu + exp(log_var / 2) * eps,  eps ~ N(0, I).
"""

import keras
from keras import ops

from tf_deepexag.geometry.affine import AffineDense
from tf_deepexag.geometry.lstm_cell import SketchLSTM


@keras.saving.register_keras_serializable(package="tf_deepexag")
class SequenceEncoder(keras.layers.Layer):
    """Encodes stroke-5 photo sequences into a latent Gaussian and a sample.

    Args:
        enc_rnn_size: int, LSTM units per direction.
        z_size: int, latent size Z.
        recurrent_dropout: float, dropout rate in both LSTMs. Defaults to 0.
        unroll: bool, unroll the time loops. Defaults to False.
        seed: int or None, seed of the noise `SeedGenerator`.

    Call arguments:
        strokes: `(B, T, 5)` normalised photo strokes.
        eps: optional `(B, Z)` standard normal noise. When omitted it is drawn
            from the seed generator in training only; otherwise `z = mu`, so
            evaluation and inference never move the training noise state
            (a resumed run replays the same noise whatever was evaluated).
        training: bool.

    Returns:
        `(z, mu, log_var)`, each `(B, Z)`.
    """

    def __init__(self, enc_rnn_size, z_size, recurrent_dropout=0.0, unroll=False, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.enc_rnn_size = int(enc_rnn_size)
        self.z_size = int(z_size)
        self.recurrent_dropout = float(recurrent_dropout)
        self.unroll = bool(unroll)
        self.seed = seed
        common = dict(recurrent_dropout=recurrent_dropout, unroll=unroll)
        self.forward = SketchLSTM(self.enc_rnn_size, seed=seed, name="forward", **common)
        self.backward = SketchLSTM(self.enc_rnn_size, go_backwards=True,
                                   seed=None if seed is None else seed + 1,
                                   name="backward", **common)
        # The original initialises both heads with N(0, 0.001^2).
        init = keras.initializers.RandomNormal(stddev=0.001, seed=seed)
        self.mu_dense = AffineDense(self.z_size, kernel_initializer=init, name="mu")
        self.log_var_dense = AffineDense(self.z_size, kernel_initializer=init, name="log_var")
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        self.forward.build(input_shape)
        self.backward.build(input_shape)
        self.mu_dense.build((input_shape[0], 2 * self.enc_rnn_size))
        self.log_var_dense.build((input_shape[0], 2 * self.enc_rnn_size))
        self.built = True

    def call(self, strokes, eps=None, training=False):
        _, h_fw, _ = self.forward(strokes, training=training)
        _, h_bw, _ = self.backward(strokes, training=training)
        h = ops.concatenate([h_fw, h_bw], axis=-1)  # (B, 2 * enc_rnn_size)
        mu = self.mu_dense(h)  # (B, Z)
        log_var = self.log_var_dense(h)  # (B, Z)
        if eps is None and not training:
            return mu, mu, log_var
        if eps is None:
            eps = keras.random.normal(ops.shape(mu), seed=self.seed_generator)
        z = mu + ops.exp(log_var / 2.0) * eps
        return z, mu, log_var

    def compute_output_shape(self, input_shape):
        shape = (input_shape[0], self.z_size)
        return shape, shape, shape

    def get_config(self):
        config = super().get_config()
        config.update(enc_rnn_size=self.enc_rnn_size, z_size=self.z_size,
                      recurrent_dropout=self.recurrent_dropout,
                      unroll=self.unroll, seed=self.seed)
        return config
