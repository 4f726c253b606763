"""Tests of norm.py, spectral.py, blocks.py, cam.py: contract and math."""

import numpy as np
import tensorflow as tf

from tests.layer_test_case import LayerTestCase
from tf_deepexag.style.blocks import ResnetAdaLINBlock, ResnetBlock
from tf_deepexag.style.cam import CAM
from tf_deepexag.style.norm import ILN, AdaLIN
from tf_deepexag.style.spectral import SpectralConv2D, SpectralDense

RNG = np.random.default_rng(0)


def _x(*shape):
    return RNG.normal(size=shape).astype("float32")


def _lin_numpy(x, rho, eps=1e-5):
    """networks.py adaILN/ILN in numpy (biased variance, see norm.py)."""
    x_in = (x - x.mean((1, 2), keepdims=True)) / np.sqrt(x.var((1, 2), keepdims=True) + eps)
    x_ln = (x - x.mean((1, 2, 3), keepdims=True)) / np.sqrt(x.var((1, 2, 3), keepdims=True) + eps)
    return rho * x_in + (1 - rho) * x_ln


class NormTest(LayerTestCase):

    def test_iln_contract_and_math(self):
        x = _x(2, 5, 6, 4)
        layer, y = self.run_layer_test(ILN, {}, x, expected_output_shape=(2, 5, 6, 4),
                                       expected_num_trainable_weights=3, atol=1e-5)
        # rho starts at 0 (pure layer norm), gamma 1, beta 0.
        self.assertAllClose(y, _lin_numpy(x, 0.0), atol=1e-4)
        rho = np.array([0.0, 0.3, 0.7, 1.0], "float32")
        layer.rho.assign(rho)
        layer.gamma.assign([1.0, 2.0, 3.0, 4.0])
        layer.beta.assign([0.5, 0.0, -0.5, 1.0])
        want = _lin_numpy(x, rho) * np.array([1, 2, 3, 4]) + np.array([0.5, 0, -0.5, 1])
        self.assertAllClose(layer(x), want, atol=1e-4)

    def test_adalin_contract_and_math(self):
        x, gamma, beta = _x(2, 5, 6, 4), _x(2, 4), _x(2, 4)
        layer, y = self.run_layer_test(AdaLIN, {}, [x, gamma, beta],
                                       expected_output_shape=(2, 5, 6, 4),
                                       expected_num_trainable_weights=1, atol=1e-5)
        want = _lin_numpy(x, 0.9) * gamma[:, None, None] + beta[:, None, None]
        self.assertAllClose(y, want, atol=1e-4)

    def test_rho_constraint_clips_to_unit_interval(self):
        layer = AdaLIN()
        layer.build((1, 4, 4, 3))
        clipped = layer.rho.constraint(tf.constant([-0.5, 0.4, 1.7]))
        self.assertAllClose(clipped, [0.0, 0.4, 1.0])


class SpectralTest(LayerTestCase):

    def test_dense_contract_and_unit_spectral_norm(self):
        x = _x(3, 6)
        layer, y = self.run_layer_test(SpectralDense, {"units": 4}, x,
                                       expected_output_shape=(3, 4),
                                       expected_num_trainable_weights=1)
        for _ in range(50):  # power iteration converges on the top singular value
            layer(x, training=True)
        w = layer.normalized_kernel().numpy()
        self.assertAllClose(np.linalg.svd(w, compute_uv=False)[0], 1.0, atol=1e-3)
        # Raw kernel untouched (unlike keras.layers.SpectralNormalization).
        sigma = np.linalg.svd(layer.kernel.numpy(), compute_uv=False)[0]
        self.assertAllClose(layer.kernel.numpy() / sigma, w, atol=1e-3)

    def test_conv_contract_and_shape(self):
        x = _x(2, 10, 10, 3)
        layer, y = self.run_layer_test(
            SpectralConv2D, {"filters": 5, "kernel_size": 4, "strides": 2}, x,
            expected_output_shape=(2, 4, 4, 5), expected_num_trainable_weights=2)
        for _ in range(50):
            layer(x, training=True)
        k = layer._normalized(layer.kernel, False).numpy().reshape(-1, 5)
        self.assertAllClose(np.linalg.svd(k, compute_uv=False)[0], 1.0, atol=1e-3)


class BlockTest(LayerTestCase):

    def test_resnet_block(self):
        # networks.py ResnetBlock: two 3x3 convs without bias -> 2*9*C*C.
        layer, _ = self.run_layer_test(ResnetBlock, {"dim": 4}, _x(2, 6, 6, 4),
                                       expected_output_shape=(2, 6, 6, 4))
        self.assertEqual(layer.count_params(), 2 * 9 * 4 * 4)

    def test_resnet_adalin_block(self):
        # + one rho per channel in each adaILN.
        layer, _ = self.run_layer_test(
            ResnetAdaLINBlock, {"dim": 4}, [_x(2, 6, 6, 4), _x(2, 4), _x(2, 4)],
            expected_output_shape=(2, 6, 6, 4))
        self.assertEqual(layer.count_params(), 2 * 9 * 4 * 4 + 2 * 4)

    def test_cam_logits_share_classifier_weights(self):
        x = _x(2, 5, 5, 4)
        layer, (h, logit, heat) = self.run_layer_test(
            CAM, {}, x, expected_output_shape=[(2, 5, 5, 4), (2, 2), (2, 5, 5, 1)])
        w_gap = layer.gap_fc.kernel.numpy()[:, 0]
        w_gmp = layer.gmp_fc.kernel.numpy()[:, 0]
        self.assertAllClose(logit[:, 0], x.mean((1, 2)) @ w_gap, atol=1e-5)
        self.assertAllClose(logit[:, 1], x.max((1, 2)) @ w_gmp, atol=1e-5)
        k = layer.conv1x1.kernel.numpy()[0, 0]  # (2C, C)
        feat = np.concatenate([x * w_gap, x * w_gmp], -1) @ k + layer.conv1x1.bias.numpy()
        self.assertAllClose(h, np.maximum(feat, 0), atol=1e-4)
        self.assertAllClose(heat[..., 0], np.maximum(feat, 0).sum(-1), atol=1e-4)

    def test_spectral_cam_is_leaky(self):
        layer, (h, _, _) = self.run_layer_test(
            CAM, {"spectral": True, "negative_slope": 0.2}, _x(1, 4, 4, 3),
            expected_output_shape=[(1, 4, 4, 3), (1, 2), (1, 4, 4, 1)])
        self.assertLess(float(np.min(h)), 0.0)
