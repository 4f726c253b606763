"""`DeepExaggerationVAE`: the Seq2Seq VAE of DeepExaggeration (sketch-rnn style).

Shapes: B batch, T = 68 steps, Z = `z_size`, P = 3 + 6M mixture parameters.

Reference: Ha & Eck, "A Neural Representation of Sketch Drawings" (2017);
DeepExaggeration `model5_3_KL_R_C.py` (the KL + reconstruction + consistency
model).
"""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from tf_deepexag.geometry import mixture, schedules
from tf_deepexag.geometry.config import VAEConfig
from tf_deepexag.geometry.mixture_head import MixtureHead
from tf_deepexag.geometry.sequence_decoder import SequenceDecoder
from tf_deepexag.geometry.sequence_encoder import SequenceEncoder

START_TOKEN = (0.0, 0.0, 1.0, 0.0, 0.0)  # sketch-rnn's S0.


def shift_right(strokes):
    """`(B, T, 5)` -> `[S0, s_0, ..., s_{T-2}]`: the previous step at each t."""
    start = ops.broadcast_to(ops.convert_to_tensor(START_TOKEN, strokes.dtype),
                             (ops.shape(strokes)[0], 1, 5))
    return ops.concatenate([start, strokes[:, :-1]], axis=1)


def make_optimizer(config):
    """Adam with sketch-rnn's decaying learning rate (the original's optimizer).

    Clipping by value happens in `train_step`, so the reported gradient norm
    is the one before clipping.
    """
    return keras.optimizers.Adam(schedules.SketchRNNDecay(
        config.learning_rate, config.decay_rate, config.min_learning_rate))


@keras.saving.register_keras_serializable(package="tf_deepexag")
class DeepExaggerationVAE(keras.Model):
    """Photo strokes -> distribution over caricature strokes.

    Args:
        config: `VAEConfig` or its dict.

    Call arguments:
        inputs: dict with `"photo"` and `"caricature"` `(B, T, 5)` normalised
            strokes (teacher forcing: the caricature is the decoder's input).
        eps: optional `(B, Z)` noise of z; z = mu when `training` is False and
            no noise is given.
        training: bool.

    Returns:
        `(params (B, T, P), mu (B, Z), log_var (B, Z))`.

    Example:
        >>> model = DeepExaggerationVAE(VAEConfig(enc_rnn_size=8, dec_rnn_size=8,
        ...                                      z_size=4, num_mixture=3))
        >>> model.compile(optimizer=make_optimizer(model.config))
        >>> logs = model.train_step(batch)   # batch from data.paired_stroke_dataset
    """

    def __init__(self, config=None, **kwargs):
        super().__init__(**kwargs)
        if config is None:
            config = VAEConfig()
        elif isinstance(config, dict):
            config = VAEConfig.from_dict(config)
        self.config = config
        rate = config.recurrent_dropout_rate
        self.encoder = SequenceEncoder(config.enc_rnn_size, config.z_size,
                                       recurrent_dropout=rate, unroll=config.unroll,
                                       seed=config.seed, name="encoder")
        self.decoder = SequenceDecoder(config.dec_rnn_size, recurrent_dropout=rate,
                                       unroll=config.unroll, seed=config.seed + 2,
                                       name="decoder")
        self.head = MixtureHead(config.num_mixture, photo_skip=config.photo_skip,
                                per_step=config.max_seq_len if config.edfm_prior else None,
                                latent_size=config.z_size if config.latent_skip else None,
                                step_rate=config.prior_rate,
                                baseline=config.baseline != "none",
                                noise_components=config.noise_components,
                                name="head")
        self.trackers = {name: keras.metrics.Mean(name=name)
                         for name in ("loss", "recon", "kl", "consistency", "shape")}

    @property
    def metrics(self):
        return list(self.trackers.values())

    def build(self, input_shape=None):
        b, t, z = None, self.config.max_seq_len, self.config.z_size
        self.encoder.build((b, t, 5))
        self.decoder.build((b, t, self.decoder_input_size), (b, z))
        self.head.build((b, t, self.config.dec_rnn_size), (b, t, 2))
        self.built = True

    @property
    def decoder_input_size(self):
        """Width of the decoder's step input before z: photo (5) and previous
        caricature (5, with `feed_caricature`)."""
        return 5 + 5 * self.config.feed_caricature

    def decoder_inputs(self, photo, previous_caricature):
        """The decoder's step inputs `(..., decoder_input_size)`.

        Args:
            photo: `(..., 5)` the configured photo step(s).
            previous_caricature: `(..., 5)` the previous caricature step(s).
        """
        if self.config.feed_caricature:
            return ops.concatenate([photo, previous_caricature], axis=-1)
        return photo

    def get_build_config(self):
        return {"max_seq_len": self.config.max_seq_len}

    def build_from_config(self, config):
        self.build()

    def call(self, inputs, eps=None, training=False):
        photo, caricature = inputs["photo"], inputs["caricature"]
        z, mu, log_var = self.encoder(photo, eps=eps, training=training)
        if eps is None and not training:
            z = mu
        photo_in = photo if self.config.decoder_photo == "current" else shift_right(photo)
        steps = ops.broadcast_to(ops.arange(ops.shape(photo)[1]), ops.shape(photo)[:2])
        decoder_inputs = self.decoder_inputs(photo_in, shift_right(caricature))
        outputs, _, _ = self.decoder(decoder_inputs, z, training=training)
        params = self.head(outputs, photo[..., :2], steps, z[:, None, :],
                           photo_sequence=photo[..., :2])  # (B, T, P)
        return params, mu, log_var  # (B, T, P), (B, Z), (B, Z)

    def compute_losses(self, batch, params, mu, log_var):
        """Caricature NLL, KL (floored), photo-consistency NLL and the shape
        term (`mixture.shape_loss`, 0 unless `shape_weight`), as scalars.

        The mixture is built once for all three terms."""
        mask_pen = False  # The original masks the end pen only in evaluation.
        distributions = mixture.mixture_distribution(params)
        recon = self._nll(params, batch["caricature"], mask_pen, distributions)
        consistency = self._nll(params, batch["photo"], mask_pen, distributions)
        kl = mixture.kl_loss(mu, log_var, self.config.kl_tolerance)
        shape = (mixture.shape_loss(params, batch["caricature"], distributions[0])
                 if self.config.shape_weight else tf.zeros_like(recon))
        return recon, kl, consistency, shape

    def _nll(self, params, strokes, mask_pen, distributions):
        offset_nll, pen_ce = mixture.sequence_nll(params, strokes, mask_pen, distributions)
        if not self.config.mask_end_offset:
            offset_nll = -distributions[0].log_prob(strokes[..., :2])
        return tf.reduce_mean(offset_nll + pen_ce)

    def loss_weights(self, step):
        """The annealed `(kl_weight, il_weight)` at optimizer step `step`."""
        c = self.config
        return (schedules.annealed_weight(step, c.kl_weight, c.kl_weight_start,
                                          c.kl_decay_rate),
                schedules.annealed_weight(step, c.il_weight, c.il_weight_start,
                                          c.il_decay_rate))

    def train_step(self, batch):
        """One per-replica optimisation step; returns a dict of scalars.

        1. Encode the photo, sample z, decode with teacher forcing.
        2. loss = recon + w_KL * max(KL, tol) + w_C * consistency
           (+ shape_weight * shape), weights annealed from the optimizer step.
        3. Gradients of the loss divided by the replicas (the optimizer sums
           them across replicas), clipped by value, applied.
        """
        step = self.optimizer.iterations
        kl_weight, il_weight = self.loss_weights(step)
        learning_rate = self.optimizer.learning_rate
        with tf.GradientTape() as tape:
            params, mu, log_var = self(batch, training=True)
            recon, kl, consistency, shape = self.compute_losses(batch, params, mu,
                                                                log_var)
            loss = (recon + kl_weight * kl + il_weight * consistency
                    + self.config.shape_weight * shape)
            replicas = tf.distribute.get_strategy().num_replicas_in_sync
            scaled = loss / tf.cast(replicas, loss.dtype)
        variables = self.trainable_variables
        grads = tape.gradient(scaled, variables)
        grad_norm = tf.linalg.global_norm(grads) * tf.cast(replicas, tf.float32)
        clip = self.config.grad_clip
        grads = [tf.clip_by_value(g, -clip, clip) for g in grads]
        self.optimizer.apply_gradients(zip(grads, variables))
        for name, value in (("loss", loss), ("recon", recon), ("kl", kl),
                            ("consistency", consistency), ("shape", shape)):
            self.trackers[name].update_state(value)
        return {"loss": loss, "recon": recon, "kl": kl, "consistency": consistency,
                "shape": shape,
                "kl_weight": kl_weight, "il_weight": il_weight,
                "learning_rate": tf.cast(learning_rate, tf.float32),
                "grad_norm": grad_norm}

    def per_example_nll(self, batch):
        """`(B,)` caricature NLL with z = mu, no dropout, the end step's pen
        masked too (the original's evaluation mode)."""
        params, _, _ = self(batch, training=False)
        offset_nll, pen_ce = mixture.sequence_nll(params, batch["caricature"],
                                                  mask_pen=True)
        return tf.reduce_mean(offset_nll + pen_ce, axis=-1)

    def evaluate_nll(self, dataset):
        """Mean `per_example_nll` over a finite dataset (compiled once: the
        eager RNN loop is slow)."""
        if getattr(self, "_nll_fn", None) is None:
            self._nll_fn = tf.function(self.per_example_nll, reduce_retracing=True)
        total, count = 0.0, 0
        for batch in dataset:
            per_example = self._nll_fn(batch)
            total += float(tf.reduce_sum(per_example))
            count += int(per_example.shape[0])
        if count == 0:
            raise ValueError("`dataset` is empty: nothing to evaluate.")
        return total / count

    def get_config(self):
        return {"config": self.config.to_dict(), "name": self.name,
                "trainable": self.trainable}

    @classmethod
    def from_config(cls, config):
        return cls(config=VAEConfig.from_dict(config["config"]),
                   name=config.get("name"), trainable=config.get("trainable", True))


def count_params(model):
    """Total trainable parameters of a built model."""
    return int(sum(np.prod(v.shape) for v in model.trainable_variables))
