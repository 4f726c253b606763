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
