"""`BivariateNormalTriL`: `tfd.MultivariateNormalTriL` for 2-D events, in closed form.

Shapes: `...` batch, events of size 2.

The mixture head evaluates 64 x 68 x 20 bivariate normals a step. TFP's
`MultivariateNormalTriL` solves each 2 x 2 system with the batched
`MatrixTriangularSolve` kernel (and its gradient with batched matrix
products), and copies the factor through `MatrixBandPart` on each use; at
this size that took about half the loss's forward and backward time. Here
the same distribution (a subclass: same parameters, values and methods)
uses an operator whose solve and log-determinant are elementwise formulas.

Mathematical details:
    L = [[a, 0], [b, d]]:  L y = r  gives  y0 = r0 / a,  y1 = (r1 - b y0) / d;
    L^T y = r  gives  y1 = r1 / d,  y0 = (r0 - b y1) / a;
    log |det L| = log |a| + log |d|.
"""

import tensorflow as tf
import tensorflow_probability as tfp
from tensorflow_probability.python.internal import dtype_util, tensor_util

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

    The factor must be lower triangular as given (`_get_tril` skips the
    `band_part` copy of the parent class).
    """

    def _get_tril(self):
        return self._tril

    def _entries(self):
        # One unstack (its gradient is one stack) instead of three slices
        # (three full-size StridedSliceGrad buffers).
        a, _, b, d = tf.unstack(tf.reshape(self._tril, tf.concat(
            [tf.shape(self._tril)[:-2], [4]], 0)), axis=-1)
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


class BivariateNormalTriL(tfd.MultivariateNormalTriL):
    """`tfd.MultivariateNormalTriL` with event size 2 and closed-form algebra.

    Args:
        loc: float `(..., 2)` means.
        scale_tril: float `(..., 2, 2)` lower-triangular factors with a
            positive diagonal (covariance `scale_tril @ scale_tril^T`).
        validate_args, allow_nan_stats, name: as `tfd.MultivariateNormalTriL`.
    """

    def __init__(self, loc, scale_tril, validate_args=False, allow_nan_stats=True,
                 name="BivariateNormalTriL"):
        parameters = dict(locals())
        with tf.name_scope(name) as name:
            dtype = dtype_util.common_dtype([loc, scale_tril], tf.float32)
            loc = tensor_util.convert_nonref_to_tensor(loc, name="loc", dtype=dtype)
            scale_tril = tensor_util.convert_nonref_to_tensor(scale_tril, name="scale_tril",
                                                              dtype=dtype)
            self._scale_tril = scale_tril
            scale = BivariateLowerTriangular(scale_tril, is_non_singular=True,
                                             is_self_adjoint=False, is_positive_definite=False)
            # The grandparent's constructor, as the parent's own does after
            # choosing its operator class.
            tfd.MultivariateNormalLinearOperator.__init__(
                self, loc=loc, scale=scale, validate_args=validate_args,
                allow_nan_stats=allow_nan_stats, name=name)
            self._parameters = parameters

    @classmethod
    def _parameter_properties(cls, dtype, num_classes=None):
        return tfd.MultivariateNormalTriL._parameter_properties(dtype, num_classes)
