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
