"""Tests for `geometry.SequenceDecoder`."""

import numpy as np

from tests.layer_test_case import LayerTestCase
from tf_deepexag.geometry import SequenceDecoder


class SequenceDecoderTest(LayerTestCase):

    def test_layer_contract(self):
        rng = np.random.default_rng(0)
        x = rng.normal(size=(2, 6, 10)).astype(np.float32)
        z = rng.normal(size=(2, 4)).astype(np.float32)
        self.run_layer_test(SequenceDecoder, {"dec_rnn_size": 8, "seed": 0}, [x, z],
                            expected_output_shape=[(2, 6, 8), (2, 8), (2, 8)],
                            expected_num_trainable_weights=5)

    def test_initial_state_is_tanh_of_linear_z(self):
        rng = np.random.default_rng(1)
        z = rng.normal(size=(3, 4)).astype(np.float32)
        decoder = SequenceDecoder(5)
        decoder.build((None, 6, 10), (None, 4))
        w = decoder.state_dense.kernel.numpy()
        b = decoder.state_dense.bias.numpy()
        want = np.tanh(z @ w + b)
        h, c = decoder.initial_state(z)
        self.assertAllClose(h, want[:, :5], atol=1e-6)
        self.assertAllClose(c, want[:, 5:], atol=1e-6)

    def test_step_by_step_equals_whole_sequence(self):
        rng = np.random.default_rng(2)
        x = rng.normal(size=(2, 6, 10)).astype(np.float32)
        z = rng.normal(size=(2, 4)).astype(np.float32)
        decoder = SequenceDecoder(8)
        whole, _, _ = decoder(x, z)
        state, outs = None, []
        for t in range(6):
            out, h, c = decoder(x[:, t:t + 1], z, initial_state=state)
            state = [h, c]
            outs.append(out[:, 0])
        self.assertAllClose(whole, np.stack(outs, 1), atol=1e-5)

    def test_parameter_count(self):
        decoder = SequenceDecoder(512)
        decoder.build((None, 68, 10), (None, 128))
        self.assertEqual(decoder.count_params(),
                         (128 * 1024 + 1024) + 4 * (512 * (138 + 512) + 512))
