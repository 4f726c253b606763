"""Tests for `geometry.bivariate_normal` against TFP's `MultivariateNormalTriL`."""

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from tf_deepexag.geometry.bivariate_normal import BivariateLowerTriangular, bivariate_normal_tril

tfd = tfp.distributions


def _parameters(seed=0, batch=(4, 3)):
    rng = np.random.default_rng(seed)
    loc = rng.normal(size=batch + (2,))
    tril = np.zeros(batch + (2, 2))
    tril[..., 0, 0] = np.exp(rng.normal(size=batch) * 0.5)
    tril[..., 1, 1] = np.exp(rng.normal(size=batch) * 0.5)
    tril[..., 1, 0] = rng.normal(size=batch)
    return tf.constant(loc), tf.constant(tril)


class BivariateNormalTriLTest(tf.test.TestCase):

    def test_is_a_multivariate_normal_with_the_closed_form_operator(self):
        loc, tril = _parameters()
        distribution = bivariate_normal_tril(loc, tril)
        self.assertIsInstance(distribution, tfd.MultivariateNormalLinearOperator)
        self.assertIsInstance(distribution.scale, BivariateLowerTriangular)
        self.assertEqual(distribution.batch_shape, (4, 3))
        self.assertEqual(distribution.event_shape, (2,))

    def test_log_prob_and_gradients_match_tfp(self):
        loc, tril = _parameters(1)
        x = tf.constant(np.random.default_rng(2).normal(size=(5, 4, 3, 2)))  # sample dim 5
        results = []
        for cls in (tfd.MultivariateNormalTriL, bivariate_normal_tril):
            with tf.GradientTape() as tape:
                tape.watch([loc, tril])
                log_prob = cls(loc, tril).log_prob(x)
            results.append([log_prob] + tape.gradient(log_prob, [loc, tril]))
        for got, want in zip(results[1], results[0]):
            self.assertAllClose(got, want, rtol=1e-12, atol=1e-12)

    def test_log_prob_matches_the_closed_form_density(self):
        loc, tril = _parameters(3)
        x = np.random.default_rng(4).normal(size=(4, 3, 2))
        cov = tril.numpy() @ np.swapaxes(tril.numpy(), -1, -2)
        diff = x - loc.numpy()
        mahalanobis = np.einsum("...i,...ij,...j->...", diff, np.linalg.inv(cov), diff)
        want = -0.5 * mahalanobis - np.log(2 * np.pi) - 0.5 * np.log(np.linalg.det(cov))
        self.assertAllClose(bivariate_normal_tril(loc, tril).log_prob(x), want, rtol=1e-10)

    def test_sample_mean_covariance_and_slicing_match_tfp(self):
        loc, tril = _parameters(5)
        ours, theirs = bivariate_normal_tril(loc, tril), tfd.MultivariateNormalTriL(loc, tril)
        self.assertAllClose(ours.sample(7, seed=(1, 2)), theirs.sample(7, seed=(1, 2)))
        self.assertAllClose(ours.covariance(), theirs.covariance())
        self.assertAllClose(ours.mean(), theirs.mean())
        self.assertIsInstance(ours[1:3].scale, BivariateLowerTriangular)
        self.assertAllClose(ours[1:3].log_prob(loc[1:3]), theirs[1:3].log_prob(loc[1:3]))

    def test_operator_solves_match_triangular_solve(self):
        _, tril = _parameters(6)
        rhs = tf.constant(np.random.default_rng(7).normal(size=(4, 3, 2, 5)))
        operator = BivariateLowerTriangular(tril)
        for adjoint in (False, True):
            want = tf.linalg.triangular_solve(tril, rhs, lower=True, adjoint=adjoint)
            self.assertAllClose(operator.solve(rhs, adjoint=adjoint), want, rtol=1e-12)
            self.assertAllClose(operator.solvevec(rhs[..., 0], adjoint=adjoint), want[..., 0],
                                rtol=1e-12)
        self.assertAllClose(operator.log_abs_determinant(),
                            np.log(np.abs(np.linalg.det(tril.numpy()))), rtol=1e-12)
