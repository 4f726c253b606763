"""The mixture density output: parameters, TFP distributions and the NLL.

Shapes: B batch, T steps, M = `num_mixture`, P = 3 + 6M parameters.

Parameter layout (the original's `get_mixture_coef`): `[pen logits (3), pi
logits (M), mu1 (M), mu2 (M), log sigma1 (M), log sigma2 (M), rho_raw (M)]`.

Mathematical details (Ha & Eck 2017, eq. 9; Graves 2013, eqs. 23-25):
    p(dx, dy) = sum_j pi_j N((dx, dy) | mu_j, Sigma_j),
    Sigma_j = L_j L_j^T,  L_j = [[s1, 0], [rho s2, s2 sqrt(1 - rho^2)]]
which gives variances s1^2, s2^2 and covariance rho s1 s2. The loss per step
is `-log p(dx, dy) * (1 - p3) + CE(pen)`, averaged over all B*T steps.

Departure: the original computes `-log(sum_j pi_j N_j + 1e-6)`; TFP's
`MixtureSameFamily.log_prob` uses logsumexp over `log pi_j + log N_j`, which
is exact (no epsilon floor) and does not underflow.
"""

import numpy as np
import tensorflow as tf

NUM_PEN = 3
# tanh saturates to exactly +-1 in float32; keep Sigma positive definite.
_MAX_RHO = 1.0 - 1e-5


def num_params(num_mixture):
    """P = 3 + 6M outputs per step."""
    return NUM_PEN + 6 * int(num_mixture)


def split_params(params, temperature=1.0):
    """Splits raw head outputs into constrained mixture parameters.

    Temperature as sketch-rnn's sampler: pi and pen logits divided by T,
    sigmas multiplied by sqrt(T).

    Args:
        params: `(..., P)` raw outputs.
        temperature: float or scalar tensor > 0.

    Returns:
        dict of `pen_logits (..., 3)`, `pi_logits`, `mu1`, `mu2`, `sigma1`,
        `sigma2`, `rho`, each `(..., M)`.
    """
    params = tf.convert_to_tensor(params)
    temperature = tf.cast(temperature, params.dtype)
    pen_logits = params[..., :NUM_PEN]
    pi, mu1, mu2, log_s1, log_s2, rho = tf.split(params[..., NUM_PEN:], 6, axis=-1)
    root_t = tf.sqrt(temperature)
    return {
        "pen_logits": pen_logits / temperature,
        "pi_logits": pi / temperature,
        "mu1": mu1,
        "mu2": mu2,
        "sigma1": tf.exp(log_s1) * root_t,
        "sigma2": tf.exp(log_s2) * root_t,
        "rho": tf.clip_by_value(tf.tanh(rho), -_MAX_RHO, _MAX_RHO),
    }


def scale_tril(sigma1, sigma2, rho):
    """`(..., 2, 2)` Cholesky factor of the bivariate covariance."""
    zeros = tf.zeros_like(sigma1)
    row0 = tf.stack([sigma1, zeros], axis=-1)
    row1 = tf.stack([rho * sigma2, sigma2 * tf.sqrt(1.0 - tf.square(rho))], axis=-1)
    return tf.stack([row0, row1], axis=-2)


def mixture_distribution(params, temperature=1.0):
    """The offset mixture and the pen distribution of each step.

    Both the loss and the samplers use these parameters.

    Args:
        params: `(..., P)` raw head outputs.
        temperature: float > 0. Defaults to 1.0.

    Returns:
        `(offsets, pen)`: `tfd.MixtureSameFamily` of `tfd.MultivariateNormalTriL`
        (`bivariate_normal_tril`, event `(2,)`, batch `(...)`), and
        `tfd.Categorical` over 3 pen states.
    """
    # TensorFlow Probability is imported here, not at module level: it takes
    # ~1.5 s to import and inference (`sampling`) needs only `split_params`.
    import tensorflow_probability as tfp  # pylint: disable=g-import-not-at-top
    from tf_deepexag.geometry.bivariate_normal import bivariate_normal_tril  # pylint: disable=g-import-not-at-top

    tfd = tfp.distributions
    p = split_params(params, temperature)
    loc = tf.stack([p["mu1"], p["mu2"]], axis=-1)  # (..., M, 2)
    # A `tfd.MultivariateNormalTriL` with closed-form 2 x 2 algebra.
    components = bivariate_normal_tril(
        loc=loc, scale_tril=scale_tril(p["sigma1"], p["sigma2"], p["rho"]))
    offsets = tfd.MixtureSameFamily(tfd.Categorical(logits=p["pi_logits"]),
                                    components)
    return offsets, tfd.Categorical(logits=p["pen_logits"])


def sequence_nll(params, strokes, mask_pen=False, distributions=None):
    """Per-step negative log-likelihood of stroke-5 data, `(B, T)`.

    Args:
        params: `(B, T, P)` raw head outputs.
        strokes: `(B, T, 5)` normalised stroke-5 targets.
        mask_pen: bool, also mask the pen term of the end step (the
            original does this only in evaluation).
        distributions: optional `mixture_distribution(params)`, to share one
            between several targets: building it (and its gradient) costs
            ~6x a second `log_prob` at the original's size.

    Returns:
        `(offset_nll, pen_ce)`, each `(B, T)`; the offset term is zero at the
        end-of-face step (`p3 = 1`), as the original's `fs = 1 - p3`.
    """
    offsets, pen = distributions or mixture_distribution(params)
    keep = 1.0 - strokes[..., 4]  # (B, T)
    offset_nll = -offsets.log_prob(strokes[..., :2]) * keep
    pen_ce = -pen.log_prob(tf.argmax(strokes[..., 2:5], axis=-1))
    if mask_pen:
        pen_ce = pen_ce * keep
    return offset_nll, pen_ce


def reconstruction_loss(params, strokes, mask_pen=False):
    """Scalar mean over B*T of the masked offset NLL plus the pen CE."""
    offset_nll, pen_ce = sequence_nll(params, strokes, mask_pen)
    return tf.reduce_mean(offset_nll + pen_ce)


def shape_loss(params, strokes, offsets=None):
    """Scalar mean squared point distance of the faces the means draw.

    A departure (`VAEConfig.shape_weight`): the step NLL scores every offset
    on its own, while a face is the cumulative sum of its offsets, so small
    errors shared by neighbouring steps (cheap in the NLL) bend the whole
    contour. This term rebuilds the points from the mixture's mean offsets
    and from the target's, removes each face's centroid, and averages the
    squared distance over the B*T points (normalised units).

    Args:
        params: `(B, T, P)` raw head outputs.
        strokes: `(B, T, 5)` target stroke-5.
        offsets: optional offset mixture of `mixture_distribution(params)`.
    """
    if offsets is None:
        offsets, _ = mixture_distribution(params)
    predicted = tf.cumsum(offsets.mean(), axis=-2)  # (B, T, 2)
    target = tf.cumsum(strokes[..., :2], axis=-2)
    error = ((predicted - tf.reduce_mean(predicted, axis=-2, keepdims=True))
             - (target - tf.reduce_mean(target, axis=-2, keepdims=True)))
    return tf.reduce_mean(tf.reduce_sum(tf.square(error), axis=-1))


def kl_loss(mu, log_var, tolerance):
    """`max(-0.5 mean_{B, z}(1 + log_var - mu^2 - exp(log_var)), tolerance)`.

    As the original, the mean runs over the batch AND the z dimensions (not a
    sum over z), and the floor `kl_tolerance` stops optimising a small KL.
    """
    kl = -0.5 * tf.reduce_mean(1.0 + log_var - tf.square(mu) - tf.exp(log_var))
    return tf.maximum(kl, tf.cast(tolerance, kl.dtype))

