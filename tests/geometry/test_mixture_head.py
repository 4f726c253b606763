"""Tests for `geometry.MixtureHead`."""

import numpy as np

from tests.layer_test_case import LayerTestCase
from tf_deepexag.geometry import MixtureHead


class MixtureHeadTest(LayerTestCase):

    def test_layer_contract(self):
        x = np.random.default_rng(0).normal(size=(2, 5, 8)).astype(np.float32)
        self.run_layer_test(MixtureHead, {"num_mixture": 3}, x,
                            expected_output_shape=(2, 5, 3 + 6 * 3),
                            expected_num_trainable_weights=2)

    def test_parameter_count_original(self):
        head = MixtureHead(20)
        head.build((None, 512))
        self.assertEqual(head.count_params(), 512 * 123 + 123)

    def test_rejects_bad_mixture_count(self):
        with self.assertRaisesRegex(ValueError, "num_mixture"):
            MixtureHead(0)


class PhotoSkipTest(LayerTestCase):
    """`photo_skip=True`: component means are offset by gain * photo step."""

    def test_layer_contract_with_photo_offsets(self):
        rng = np.random.default_rng(1)
        x = rng.normal(size=(2, 5, 8)).astype(np.float32)
        photo = rng.normal(size=(2, 5, 2)).astype(np.float32)
        self.run_layer_test(MixtureHead, {"num_mixture": 3, "photo_skip": True},
                            [x, photo], expected_output_shape=(2, 5, 3 + 6 * 3),
                            expected_num_trainable_weights=3)

    def test_only_the_means_move_by_the_photo_offset(self):
        m = 4
        rng = np.random.default_rng(2)
        x = rng.normal(size=(3, 8)).astype(np.float32)
        photo = rng.normal(size=(3, 2)).astype(np.float32)
        head = MixtureHead(m, photo_skip=True)
        head.build((None, 8), (None, 2))
        head.skip_gain.assign([2.0, -0.5])
        plain = x @ head.dense.kernel.numpy() + head.dense.bias.numpy()  # (3, P)
        expected = plain.copy()
        expected[:, 3 + m:3 + 2 * m] += 2.0 * photo[:, :1]    # mu1 block
        expected[:, 3 + 2 * m:3 + 3 * m] += -0.5 * photo[:, 1:]  # mu2 block
        np.testing.assert_allclose(np.asarray(head(x, photo)), expected, atol=1e-5)

    def test_without_photo_offsets_says_so(self):
        head = MixtureHead(3, photo_skip=True)
        with self.assertRaisesRegex(ValueError, "photo_offsets"):
            head(np.zeros((1, 8), np.float32))


class PerStepSkipTest(LayerTestCase):
    """`per_step=T`: gain and bias of the photo skip are looked up per step."""

    def test_layer_contract(self):
        rng = np.random.default_rng(3)
        x = rng.normal(size=(2, 5, 8)).astype(np.float32)
        photo = rng.normal(size=(2, 5, 2)).astype(np.float32)
        steps = np.broadcast_to(np.arange(5), (2, 5)).astype(np.int32)
        self.run_layer_test(MixtureHead, {"num_mixture": 2, "photo_skip": True,
                                          "per_step": 5},
                            [x, photo, steps], expected_output_shape=(2, 5, 3 + 6 * 2),
                            expected_num_trainable_weights=4)

    def test_means_get_the_gain_and_bias_of_their_step(self):
        m, t = 2, 6
        rng = np.random.default_rng(4)
        x = rng.normal(size=(3, 8)).astype(np.float32)
        photo = rng.normal(size=(3, 2)).astype(np.float32)
        steps = np.array([0, 5, 2], np.int32)
        head = MixtureHead(m, photo_skip=True, per_step=t)
        head.build((None, 8), (None, 2))
        gain = rng.normal(size=(t, 2)).astype(np.float32)
        bias = rng.normal(size=(t, 2)).astype(np.float32)
        head.skip_gain.assign(gain)
        head.mean_bias.assign(bias)
        expected = x @ head.dense.kernel.numpy() + head.dense.bias.numpy()  # (3, P)
        for i, step in enumerate(steps):
            expected[i, 3 + m:3 + 2 * m] += gain[step, 0] * photo[i, 0] + bias[step, 0]
            expected[i, 3 + 2 * m:3 + 3 * m] += gain[step, 1] * photo[i, 1] + bias[step, 1]
        np.testing.assert_allclose(np.asarray(head(x, photo, steps)), expected, atol=1e-5)

    def test_needs_steps_and_photo_skip(self):
        head = MixtureHead(2, photo_skip=True, per_step=4)
        with self.assertRaisesRegex(ValueError, "steps"):
            head(np.zeros((1, 8), np.float32), np.zeros((1, 2), np.float32))
        with self.assertRaisesRegex(ValueError, "photo_skip"):
            MixtureHead(2, per_step=4)

    def test_latent_readout_adds_v_t_z_to_the_means(self):
        m, t, z_size = 1, 4, 3
        rng = np.random.default_rng(5)
        x = rng.normal(size=(2, t, 8)).astype(np.float32)
        photo = rng.normal(size=(2, t, 2)).astype(np.float32)
        z = rng.normal(size=(2, z_size)).astype(np.float32)
        steps = np.broadcast_to(np.arange(t), (2, t)).astype(np.int32)
        head = MixtureHead(m, photo_skip=True, per_step=t, latent_size=z_size)
        head.build((None, t, 8), (None, t, 2))
        readout = rng.normal(size=(t, z_size, 2)).astype(np.float32)
        head.latent_readout.assign(readout)
        without = np.asarray(head(x, photo, steps, np.zeros_like(z)[:, None]))
        with_z = np.asarray(head(x, photo, steps, z[:, None]))
        expected = np.einsum("bz,tzc->btc", z, readout)  # (B, T, 2)
        np.testing.assert_allclose(with_z[..., 3 + m] - without[..., 3 + m],
                                   expected[..., 0], atol=1e-5)
        np.testing.assert_allclose(with_z[..., 3 + 2 * m] - without[..., 3 + 2 * m],
                                   expected[..., 1], atol=1e-5)
        # One step at a time (the sampler's call) reads the same rows.
        step_two = np.asarray(head(x[:, 2], photo[:, 2], steps[:, 2], z))
        np.testing.assert_allclose(step_two, with_z[:, 2], atol=1e-5)
        with self.assertRaisesRegex(ValueError, "per_step"):
            MixtureHead(m, photo_skip=True, latent_size=3)

    def test_step_rate_keeps_outputs_and_scales_the_stored_weights(self):
        m, t = 1, 5
        rng = np.random.default_rng(6)
        x = rng.normal(size=(2, t, 8)).astype(np.float32)
        photo = rng.normal(size=(2, t, 2)).astype(np.float32)
        steps = np.broadcast_to(np.arange(t), (2, t)).astype(np.int32)
        gain = rng.normal(size=(t, 2)).astype(np.float32)
        bias = rng.normal(size=(t, 2)).astype(np.float32)
        outputs = []
        for rate in (1.0, 10.0):
            head = MixtureHead(m, photo_skip=True, per_step=t, step_rate=rate)
            head.build((None, t, 8), (None, t, 2))
            if rate == 1.0:
                kernel = head.dense.kernel.numpy()
            head.dense.kernel.assign(kernel)
            head.set_step_skip(gain, bias)
            np.testing.assert_allclose(head.mean_bias.numpy() * rate, bias, rtol=1e-6)
            outputs.append(np.asarray(head(x, photo, steps)))
        np.testing.assert_allclose(outputs[1], outputs[0], atol=1e-5)
        # The untrained gain is 1 whatever the rate (stored as 1 / rate).
        head = MixtureHead(m, photo_skip=True, per_step=t, step_rate=4.0)
        head.build((None, t, 8), (None, t, 2))
        np.testing.assert_allclose(head.skip_gain.numpy() * 4.0, 1.0)
