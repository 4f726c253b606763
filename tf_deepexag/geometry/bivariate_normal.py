"""`bivariate_normal_tril`: `tfd.MultivariateNormalTriL` for 2-D events, in closed form.

Shapes: `...` batch, events of size 2.

The mixture head evaluates 64 x 68 x 20 bivariate normals a step. TFP's
`MultivariateNormalTriL` solves each 2 x 2 system with the batched
`MatrixTriangularSolve` kernel (and its gradient with batched matrix
products), and copies the factor through `MatrixBandPart` on each use; at
this size that took about half the loss's forward and backward time. Here
the same distribution (`tfd.MultivariateNormalLinearOperator`, the parent
of `MultivariateNormalTriL`) gets an operator whose solve and
log-determinant are elementwise formulas (the `_solve`/`_log_abs_determinant`
hooks `tf.linalg.LinearOperator` documents for subclasses).

Mathematical details:
    L = [[a, 0], [b, d]]:  L y = r  gives  y0 = r0 / a,  y1 = (r1 - b y0) / d;
    L^T y = r  gives  y1 = r1 / d,  y0 = (r0 - b y1) / a;
    log |det L| = log |a| + log |d|.
"""

import tensorflow as tf
import tensorflow_probability as tfp

tfd = tfp.distributions


def _triangular_solve(a, b, d, r0, r1, adjoint):
    """`(y0, y1)` solving `L y = r` (or `L^T y = r`) for `L = [[a, 0], [b, d]]`."""
    if adjoint:
        y1 = r1 / d
        return (r0 - b * y1) / a, y1
    y0 = r0 / a
    return y0, (r1 - b * y0) / d


class BivariateLowerTriangular(tf.linalg.LinearOperatorLowerTriangular):
    """A batch of 2 x 2 lower-triangular operators with closed-form solves.

    The solves and the log-determinant read the entries below and on the
    diagonal of `tril`; the other methods are the parent's.
    """

    def _entries(self):
        # One unstack (its gradient is one stack) instead of three slices
        # (three full-size StridedSliceGrad buffers).
        tril = self.tril
        a, _, b, d = tf.unstack(tf.reshape(tril, tf.concat(
            [tf.shape(tril)[:-2], [4]], 0)), axis=-1)
        return a, b, d

    def _solvevec(self, rhs, adjoint=False):
        y0, y1 = _triangular_solve(*self._entries(), rhs[..., 0], rhs[..., 1], adjoint)
        return tf.stack([y0, y1], axis=-1)

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        rhs = tf.linalg.adjoint(rhs) if adjoint_arg else rhs
        a, b, d = (entry[..., None] for entry in self._entries())
        y0, y1 = _triangular_solve(a, b, d, rhs[..., 0, :], rhs[..., 1, :], adjoint)
        return tf.stack([y0, y1], axis=-2)

    def _log_abs_determinant(self):
        a, _, d = self._entries()
        return tf.math.log(tf.abs(a)) + tf.math.log(tf.abs(d))


def bivariate_normal_tril(loc, scale_tril, validate_args=False, allow_nan_stats=True,
                          name="BivariateNormalTriL"):
    """`tfd.MultivariateNormalTriL(loc, scale_tril)` with event size 2, closed-form algebra.

    Args:
        loc: float `(..., 2)` means.
        scale_tril: float `(..., 2, 2)` lower-triangular factors with a
            nonzero diagonal (covariance `scale_tril @ scale_tril^T`).
        validate_args, allow_nan_stats, name: as `tfd.MultivariateNormalTriL`.

    Returns:
        A `tfd.MultivariateNormalLinearOperator` with batch `(...)` and event
        `(2,)`: the values, samples and methods of `MultivariateNormalTriL`.
    """
    with tf.name_scope(name):
        loc = tf.convert_to_tensor(loc)
        scale_tril = tf.convert_to_tensor(scale_tril, dtype=loc.dtype)
        scale = BivariateLowerTriangular(scale_tril, is_non_singular=True,
                                         is_self_adjoint=False, is_positive_definite=False)
    return tfd.MultivariateNormalLinearOperator(
        loc=loc, scale=scale, validate_args=validate_args,
        allow_nan_stats=allow_nan_stats, name=name)
