"""Tests for `geometry.sampling`: explicit-noise draws against TFP."""

import numpy as np
import tensorflow as tf

from tests.geometry.conftest import TINY, random_strokes
from tf_deepexag.geometry import (DeepExaggerationVAE, mixture_distribution,
                                  sample_sequence, sample_step, sampling)


def _noise(rng, b, t=68, z=4):
    return (rng.normal(size=(b, z)).astype(np.float32),
            rng.uniform(size=(b, t, 2)).astype(np.float32),
            rng.normal(size=(b, t, 2)).astype(np.float32))


class SamplingTest(tf.test.TestCase):

    def test_step_matches_tfp_sample_in_distribution(self):
        rng = np.random.default_rng(0)
        m, n = 3, 40000
        params = rng.normal(scale=0.8, size=(3 + 6 * m,)).astype(np.float32)
        params[3 + 5 * m:] = [1.2, -0.8, 0.3]  # correlations
        tiled = np.broadcast_to(params, (n, params.size))
        offset, pen = sample_step(tf.constant(tiled),
                                  rng.uniform(size=(n, 2)).astype(np.float32),
                                  rng.normal(size=(n, 2)).astype(np.float32),
                                  temperature=0.8)
        offsets_dist, pen_dist = mixture_distribution(params, temperature=0.8)
        ref = offsets_dist.sample(n, seed=1).numpy()
        ours = offset.numpy()
        self.assertAllClose(ours.mean(0), ref.mean(0), atol=0.05)
        self.assertAllClose(np.cov(ours.T), np.cov(ref.T), atol=0.08, rtol=0.05)
        self.assertAllClose(np.mean(ours[:, 0] * ours[:, 1] > 0),
                            np.mean(ref[:, 0] * ref[:, 1] > 0), atol=0.02)
        self.assertAllClose(pen.numpy().mean(0), pen_dist.probs_parameter(), atol=0.01)

    def test_deterministic_step_is_mean_of_likeliest_component(self):
        m = 3
        params = np.zeros((1, 3 + 6 * m), np.float32)
        params[0, 3:6] = [0.1, 2.0, -1.0]         # pi logits: component 1
        params[0, 6:9] = [5.0, 7.0, 9.0]          # mu1
        params[0, 9:12] = [-5.0, -7.0, -9.0]      # mu2
        for temperature in (0.0, -1.0):
            offset, _ = sample_step(tf.constant(params), np.full((1, 2), 0.5, np.float32),
                                    np.ones((1, 2), np.float32), temperature=temperature)
            self.assertAllClose(offset, [[7.0, -7.0]])
        # The same graph samples for a positive temperature (traced once).
        step = tf.function(sample_step)
        sampled, _ = step(tf.constant(params), np.full((1, 2), 0.01, np.float32),
                          np.ones((1, 2), np.float32), tf.constant(1.0))
        greedy, _ = step(tf.constant(params), np.full((1, 2), 0.01, np.float32),
                         np.ones((1, 2), np.float32), tf.constant(0.0))
        self.assertAllClose(greedy, [[7.0, -7.0]])
        # u = 0.01 picks component 0 (pi_0 = 0.13): mean 5 plus sigma 1 * noise 1.
        self.assertAllClose(sampled[0, 0], 6.0, atol=1e-5)
        self.assertEqual(step.experimental_get_tracing_count(), 1)

    def test_identical_noise_identical_outputs(self):
        rng = np.random.default_rng(0)
        model = DeepExaggerationVAE(TINY)
        photo = random_strokes(rng, 2)
        noise = _noise(rng, 2)
        a = sample_sequence(model, photo, *noise)
        b = sample_sequence(model, photo, *noise)
        self.assertAllEqual(a, b)
        c = sample_sequence(model, photo, *_noise(rng, 2))
        self.assertGreater(float(tf.reduce_max(tf.abs(a - c))), 1e-3)
        self.assertAllEqual(a[..., 2:], photo[..., 2:])  # pens copied from the photo

    def test_low_temperature_approaches_deterministic(self):
        rng = np.random.default_rng(1)
        model = DeepExaggerationVAE(TINY)
        photo = random_strokes(rng, 2)
        eps, uniforms, normals = _noise(rng, 2)
        det = sample_sequence(model, photo, eps, uniforms, normals, temperature=0.0)
        cold = sample_sequence(model, photo, np.zeros_like(eps), uniforms, normals,
                               temperature=1e-4)
        warm = sample_sequence(model, photo, np.zeros_like(eps), uniforms, normals,
                               temperature=1.0)
        self.assertAllClose(cold, det, atol=0.1)
        self.assertGreater(float(tf.reduce_max(tf.abs(warm - det))), 0.5)

    def test_eager_traced_steps_match_the_plain_graph(self):
        # Eagerly the encoder and the decoder's loop over the steps run as
        # traced functions (built once per model); inside a caller's
        # tf.function the same code is plain ops, the steps a Python loop
        # (what export and TFLite trace). Both must agree.
        rng = np.random.default_rng(2)
        model = DeepExaggerationVAE(TINY)
        graph = tf.function(lambda *args: sample_sequence(model, *args), autograph=False)
        # The same steps as one `While` loop inside a caller's tf.function.
        loop = tf.function(lambda *args: sample_sequence(model, *args, while_loop=True),
                           autograph=False)
        for batch, temperature in ((2, 0.0), (3, 1.0)):
            photo, noise = random_strokes(rng, batch), _noise(rng, batch)
            eager = sample_sequence(model, photo, *noise, temperature=temperature)
            traced = graph(photo, *noise, tf.constant(temperature))
            self.assertAllClose(eager, traced, atol=1e-5)
            self.assertAllClose(loop(photo, *noise, tf.constant(temperature)), traced,
                                atol=1e-5)
        # One trace each (concrete functions) served both batch sizes and
        # temperatures.
        functions = sampling._TRACED[model]  # pylint: disable=protected-access
        self.assertEqual(sorted(map(str, functions)),
                         ["('decode', False, True, False)", "('encode', 68)"])
        for function in functions.values():
            self.assertIsInstance(function, tf.types.experimental.ConcreteFunction)
