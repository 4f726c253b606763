"""Tests for `geometry.mixture`: densities, losses against hand computations."""

import numpy as np
import tensorflow as tf

from tf_deepexag.geometry import mixture


def _numpy_logpdf(x, pi, mu1, mu2, s1, s2, rho):
    """Bivariate normal mixture density written out (Graves 2013, eqs. 24-25)."""
    x = np.asarray(x, np.float64)[..., None, :]
    n1, n2 = x[..., 0] - mu1, x[..., 1] - mu2
    z = (n1 / s1) ** 2 + (n2 / s2) ** 2 - 2 * rho * n1 * n2 / (s1 * s2)
    dens = np.exp(-z / (2 * (1 - rho ** 2))) / (2 * np.pi * s1 * s2 * np.sqrt(1 - rho ** 2))
    return np.log(np.sum(pi * dens, axis=-1))


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _random_params(rng, shape, m):
    return rng.normal(scale=0.7, size=shape + (3 + 6 * m,)).astype(np.float32)


class MixtureTest(tf.test.TestCase):

    def _reference(self, params, x, m, temperature=1.0):
        p = params.astype(np.float64)
        pi = _softmax(p[..., 3:3 + m] / temperature)
        mu1, mu2 = p[..., 3 + m:3 + 2 * m], p[..., 3 + 2 * m:3 + 3 * m]
        s1 = np.exp(p[..., 3 + 3 * m:3 + 4 * m]) * np.sqrt(temperature)
        s2 = np.exp(p[..., 3 + 4 * m:3 + 5 * m]) * np.sqrt(temperature)
        rho = np.tanh(p[..., 3 + 5 * m:])
        return _numpy_logpdf(x, pi, mu1, mu2, s1, s2, rho)

    def test_log_prob_matches_numpy_with_correlation(self):
        rng = np.random.default_rng(0)
        params = _random_params(rng, (4, 7), 3)
        params[..., 3 + 15:] = rng.uniform(-2, 2, size=(4, 7, 3))  # strong rho
        x = rng.normal(size=(4, 7, 2)).astype(np.float32)
        offsets, _ = mixture.mixture_distribution(params)
        self.assertAllClose(offsets.log_prob(x), self._reference(params, x, 3),
                            rtol=1e-4, atol=1e-4)

    def test_temperature_scales_pi_and_sigma(self):
        rng = np.random.default_rng(1)
        params = _random_params(rng, (5,), 4)
        x = rng.normal(size=(5, 2)).astype(np.float32)
        offsets, pen = mixture.mixture_distribution(params, temperature=0.4)
        self.assertAllClose(offsets.log_prob(x), self._reference(params, x, 4, 0.4),
                            rtol=1e-4, atol=1e-4)
        self.assertAllClose(pen.probs_parameter(), _softmax(params[..., :3] / 0.4),
                            atol=1e-6)

    def test_covariance_from_scale_tril(self):
        s1, s2, rho = np.float32(0.7), np.float32(1.9), np.float32(-0.6)
        tril = mixture.scale_tril(tf.constant([s1]), tf.constant([s2]),
                                  tf.constant([rho]))[0].numpy()
        want = [[s1 * s1, rho * s1 * s2], [rho * s1 * s2, s2 * s2]]
        self.assertAllClose(tril @ tril.T, want, atol=1e-6)

    def test_reconstruction_loss_by_hand(self):
        # One sequence of 3 steps, one mixture component: the density is a
        # single correlated normal; the end step's offset term is masked.
        m = 1
        params = np.zeros((1, 3, 3 + 6 * m), np.float32)
        params[0, :, :3] = [[1.0, 0.0, -1.0], [0.5, 0.5, 0.0], [0.0, 0.0, 2.0]]
        params[0, :, 4] = [0.1, -0.2, 0.3]          # mu1
        params[0, :, 5] = [0.0, 0.4, -0.1]          # mu2
        params[0, :, 6] = np.log([1.0, 0.5, 2.0])   # sigma1
        params[0, :, 7] = np.log([0.8, 1.5, 1.0])   # sigma2
        params[0, :, 8] = np.arctanh([0.3, -0.5, 0.0])
        strokes = np.array([[[0.5, -0.2, 1, 0, 0], [1.0, 1.0, 0, 1, 0],
                             [9.0, 9.0, 0, 0, 1]]], np.float32)
        total = 0.0
        for t, (mu1, mu2, s1, s2, rho) in enumerate([(0.1, 0.0, 1.0, 0.8, 0.3),
                                                     (-0.2, 0.4, 0.5, 1.5, -0.5),
                                                     (0.3, -0.1, 2.0, 1.0, 0.0)]):
            x, y = strokes[0, t, :2]
            zx, zy = (x - mu1) / s1, (y - mu2) / s2
            q = (zx ** 2 + zy ** 2 - 2 * rho * zx * zy) / (1 - rho ** 2)
            nll = q / 2 + np.log(2 * np.pi * s1 * s2 * np.sqrt(1 - rho ** 2))
            logits = params[0, t, :3]
            ce = -np.log(_softmax(logits.astype(np.float64))[np.argmax(strokes[0, t, 2:])])
            total += (0.0 if t == 2 else nll) + ce
        self.assertAllClose(mixture.reconstruction_loss(params, strokes), total / 3,
                            rtol=1e-5)
        # Evaluation mode also masks the end step's pen term.
        last_ce = -np.log(_softmax(params[0, 2, :3].astype(np.float64))[2])
        self.assertAllClose(mixture.reconstruction_loss(params, strokes, mask_pen=True),
                            (total - last_ce) / 3, rtol=1e-5)

    def test_kl_mean_over_batch_and_z_with_tolerance(self):
        mu = np.array([[0.5, -1.0], [2.0, 0.0]], np.float32)
        log_var = np.array([[0.1, -0.3], [0.0, 0.7]], np.float32)
        terms = [1 + lv - m * m - np.exp(lv) for m, lv in zip(mu.ravel(), log_var.ravel())]
        kl = -0.5 * sum(terms) / 4
        self.assertAllClose(mixture.kl_loss(mu, log_var, 0.2), kl, rtol=1e-6)
        self.assertAllClose(mixture.kl_loss(mu * 0, log_var * 0, 0.2), 0.2)
        self.assertAllClose(mixture.kl_loss(mu, log_var, 5.0), 5.0)


class ShapeLossTest(tf.test.TestCase):
    """`shape_loss` against faces rebuilt by hand from the mixture's mean."""

    def test_matches_numpy_reference(self):
        m = 3
        rng = np.random.default_rng(7)
        params = _random_params(rng, (2, 6), m)
        strokes = np.concatenate([rng.normal(size=(2, 6, 2)), np.zeros((2, 6, 3))],
                                 -1).astype(np.float32)
        p = params.astype(np.float64)
        pi = _softmax(p[..., 3:3 + m])
        mean = np.stack([(pi * p[..., 3 + m:3 + 2 * m]).sum(-1),
                         (pi * p[..., 3 + 2 * m:3 + 3 * m]).sum(-1)], -1)  # (2, 6, 2)
        faces = np.cumsum(mean, axis=1)
        target = np.cumsum(strokes[..., :2].astype(np.float64), axis=1)
        faces -= faces.mean(axis=1, keepdims=True)
        target -= target.mean(axis=1, keepdims=True)
        expected = np.mean(np.sum((faces - target) ** 2, axis=-1))
        self.assertAllClose(mixture.shape_loss(params, strokes), expected, rtol=1e-5)

    def test_ignores_translation_but_not_a_bent_contour(self):
        # Means equal to the target offsets except step 0 (moves the whole face):
        # zero loss. A bias on every later step accumulates into a bent face.
        m = 1
        rng = np.random.default_rng(8)
        target = rng.normal(size=(1, 10, 2)).astype(np.float32)
        strokes = np.concatenate([target, np.zeros((1, 10, 3), np.float32)], -1)
        params = np.zeros((1, 10, 3 + 6 * m), np.float32)
        params[..., 3 + m] = target[..., 0]
        params[..., 3 + 2 * m] = target[..., 1]
        shifted = params.copy()
        shifted[:, 0, 3 + m] += 5.0
        self.assertAllClose(mixture.shape_loss(shifted, strokes), 0.0, atol=1e-8)
        bent = params.copy()
        bent[:, 1:, 3 + m] += 0.1
        # Points drift by 0.1 * t: centred, the squared error is var(0.1 * t).
        drift = 0.1 * np.concatenate([[0.0], np.arange(1, 10)])
        self.assertAllClose(mixture.shape_loss(bent, strokes), np.var(drift), rtol=1e-5)
