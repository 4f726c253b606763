"""Tests for `geometry.DeepExaggerationVAE`: counts, losses, training, saving."""

import numpy as np
import pytest
import tensorflow as tf

from tests.geometry.conftest import TINY, random_strokes
from tests.layer_test_case import LayerTestCase
from tf_deepexag.geometry import (DeepExaggerationVAE, VAEConfig, count_params,
                                  make_optimizer, shift_right)


def _lstm(n, i):
    return 4 * (n * (i + n) + n)


def _expected_params(enc, dec, z, m):
    encoder = 2 * _lstm(enc, 5) + 2 * (2 * enc * z + z)
    decoder = (z * 2 * dec + 2 * dec) + _lstm(dec, 10 + z)
    head = dec * (3 + 6 * m) + 3 + 6 * m
    return encoder + decoder + head


def _batch(rng, b=4):
    return {"photo": tf.constant(random_strokes(rng, b)),
            "caricature": tf.constant(random_strokes(rng, b))}


class ModelTest(tf.test.TestCase):

    def test_parameter_count_of_the_original_configuration(self):
        model = DeepExaggerationVAE(VAEConfig())
        model.build()
        # model5_3_KL_R_C.py: bi-LSTM 256 + mu/presig 512->128, init state
        # 128->2*512, decoder LSTM 512 on 5+5+128 inputs, output 512->123.
        self.assertEqual(_expected_params(256, 512, 128, 20), 2_196_347)
        self.assertEqual(count_params(model), 2_196_347)

    def test_shift_right_prefixes_start_token(self):
        x = random_strokes(np.random.default_rng(0), 2, steps=4)
        shifted = shift_right(tf.constant(x)).numpy()
        self.assertAllEqual(shifted[:, 0], [[0, 0, 1, 0, 0]] * 2)
        self.assertAllEqual(shifted[:, 1:], x[:, :-1])

    def test_train_step_logs_and_schedules(self):
        model = DeepExaggerationVAE(TINY)
        model.compile(optimizer=make_optimizer(TINY))
        logs = model.train_step(_batch(np.random.default_rng(0)))
        self.assertEqual(set(logs), {"loss", "recon", "kl", "consistency", "shape",
                                     "kl_weight", "il_weight", "learning_rate",
                                     "grad_norm"})
        self.assertAllClose(logs["shape"], 0.0)  # shape_weight = 0: not computed
        self.assertAllClose(logs["kl_weight"], 0.01)
        self.assertAllClose(logs["learning_rate"], 1e-3)
        want = logs["recon"] + 0.01 * logs["kl"] + 0.01 * logs["consistency"]
        self.assertAllClose(logs["loss"], want, rtol=1e-6)
        logs = model.train_step(_batch(np.random.default_rng(1)))
        self.assertAllClose(logs["learning_rate"], (1e-3 - 1e-5) * 0.9999 + 1e-5)
        self.assertEqual(int(model.optimizer.iterations), 2)
        self.assertEqual([m.name for m in model.metrics],
                         ["loss", "recon", "kl", "consistency", "shape"])

    def test_shape_weight_adds_the_shape_term(self):
        config = TINY.replace(shape_weight=2.0)
        model = DeepExaggerationVAE(config)
        model.compile(optimizer=make_optimizer(config))
        logs = model.train_step(_batch(np.random.default_rng(0)))
        self.assertGreater(float(logs["shape"]), 0.0)
        want = (logs["recon"] + 0.01 * logs["kl"] + 0.01 * logs["consistency"]
                + 2.0 * logs["shape"])
        self.assertAllClose(logs["loss"], want, rtol=1e-6)

    def test_loss_decreases_when_overfitting_four_pairs(self):
        config = TINY.replace(learning_rate=1e-2, use_recurrent_dropout=False,
                              kl_weight_start=0.5, il_weight_start=0.0, il_weight=0.0)
        model = DeepExaggerationVAE(config)
        model.compile(optimizer=make_optimizer(config))
        batch = _batch(np.random.default_rng(0))
        step = tf.function(model.train_step)
        first = float(step(batch)["recon"])
        for _ in range(40):
            last = float(step(batch)["recon"])
        self.assertLess(last, first - 0.3)

    def test_nll_evaluation_is_deterministic(self):
        model = DeepExaggerationVAE(TINY)
        ds = tf.data.Dataset.from_tensor_slices(_batch(np.random.default_rng(0))).batch(3)
        self.assertEqual(model.evaluate_nll(ds), model.evaluate_nll(ds))

    def test_config_validation_names_the_setting(self):
        with self.assertRaisesRegex(ValueError, "recurrent_dropout_prob"):
            VAEConfig(recurrent_dropout_prob=0.0)
        # Retired settings (docs/geometry.md): a saved config with the one
        # kept value loads, any other value is refused by name.
        legacy = dict(VAEConfig().to_dict(), enc_model="lstm", dec_model="lstm",
                      step_encoding=False)
        self.assertEqual(VAEConfig.from_dict(legacy), VAEConfig())
        for name, value in (("dec_model", "layer_norm"), ("step_encoding", True)):
            with self.assertRaisesRegex(ValueError, f"`{name}` is no longer supported"):
                VAEConfig.from_dict(dict(legacy, **{name: value}))
        with self.assertRaisesRegex(ValueError, "z_size"):
            VAEConfig(z_size=0)
        self.assertAlmostEqual(VAEConfig().recurrent_dropout_rate, 0.1)


@pytest.mark.slow
class ModelContractTest(LayerTestCase):
    """The Keras model contract (the `.keras` round trip gives the same bits)
    and a training step, on the original model and on the shipped model's
    departures (tiny sizes)."""

    def _check(self, config):
        batch = _batch(np.random.default_rng(3))
        self.run_model_test(
            DeepExaggerationVAE, {"config": config}, batch, batch,
            lambda model: model.compile(optimizer=make_optimizer(config)), atol=0.0)

    def test_original_model(self):
        self._check(TINY)

    def test_shipped_departures(self):
        self._check(TINY.replace(decoder_photo="current", photo_skip=True, edfm_prior=True,
                                 latent_skip=True, feed_caricature=False, shape_weight=1.0))
