"""Tests for `geometry.SequenceEncoder`."""

import numpy as np

from tests.geometry.conftest import random_strokes
from tests.layer_test_case import LayerTestCase
from tf_deepexag.geometry import SequenceEncoder


class SequenceEncoderTest(LayerTestCase):

    def test_layer_contract(self):
        x = random_strokes(np.random.default_rng(0), 2, steps=10)
        eps = np.zeros((2, 4), np.float32)
        self.run_layer_test(SequenceEncoder, {"enc_rnn_size": 8, "z_size": 4, "seed": 1},
                            [x, eps], expected_output_shape=[(2, 4)] * 3,
                            expected_num_trainable_weights=10)

    def test_reparameterisation_with_given_noise(self):
        rng = np.random.default_rng(0)
        x = random_strokes(rng, 3, steps=10)
        eps = rng.normal(size=(3, 4)).astype(np.float32)
        z, mu, log_var = SequenceEncoder(8, 4)(x, eps=eps)
        self.assertAllClose(z, mu.numpy() + np.exp(log_var.numpy() / 2) * eps, atol=1e-6)

    def test_small_gaussian_init_of_the_heads(self):
        # The original initialises mu and presig with N(0, 0.001^2).
        encoder = SequenceEncoder(64, 32, seed=0)
        encoder.build((None, 10, 5))
        std = float(np.std(encoder.mu_dense.kernel.numpy()))
        self.assertBetween(std, 0.0008, 0.0012)

    def test_parameter_count(self):
        encoder = SequenceEncoder(256, 128)
        encoder.build((None, 68, 5))
        lstm = 4 * (256 * (5 + 256) + 256)
        heads = 2 * (512 * 128 + 128)
        self.assertEqual(encoder.count_params(), 2 * lstm + heads)

    def test_no_noise_is_drawn_outside_training(self):
        # Evaluation must leave the training noise state alone, or a run
        # resumed from a checkpoint taken at an evaluation step diverges.
        x = random_strokes(np.random.default_rng(0), 3, steps=10)
        encoder = SequenceEncoder(8, 4, seed=5)
        encoder(x, training=True)
        state = encoder.seed_generator.state.numpy().copy()
        z, mu, _ = encoder(x, training=False)
        self.assertAllEqual(z, mu)
        self.assertAllEqual(encoder.seed_generator.state.numpy(), state)
        encoder(x, training=True)  # training still draws, and moves the state
        self.assertNotAllEqual(encoder.seed_generator.state.numpy(), state)
