"""Start the VAE's head at a fitted baseline; its correlated-noise modes.

Shapes: P training pairs, T = N = 68 steps/points, J noise modes.

Mathematical details. The model reads the photo in the canonical frame
(moved by least squares onto the mean shape, so its centroid is the mean's,
the origin) as normalised offsets `o / s_p` (`o_0 = 0`: point 0 is the
anchor). The points are then `P = C o - mean_t(C o)` (C the cumulative sum),
and `baselines.RidgeMap` predicts the artist's displacement
`d = b + W vec(P - mean)`. The caricature's offsets are
`q_t = o_t + d_t - d_{t-1}` (`q_0 = 0`), normalised by `s_c`. All of this is
affine in `o / s_p`, so it is one `(2T, 2T)` kernel K and a `(T, 2)` bias c,
read off exactly by evaluating the map at 0 and at the 2T unit vectors.
With `MixtureHead(baseline=True)` holding (K, c), and the per-step gain and
bias at zero, the untrained model (decoder means at zero) reproduces the
ridge map; training learns the residual.

Correlated noise: the training residuals `r_i = d_i - d_hat_i` (canonical
pixels) have principal directions `U_j` and standard deviations `sigma_j`;
mode j of the head's basis is the offset form of `scale * sigma_j U_j`,
`(U_{j,t} - U_{j,t-1}) * scale * sigma_j / s_c`. A draw `n ~ N(0, I_J)` then
moves the face by `scale * sum_j n_j sigma_j U_j` (plus a translation),
a plausible whole-face variation of the kind the artists' residuals show.
"""

import numpy as np
from absl import logging

from tf_deepexag import landmarks
from tf_deepexag.geometry import baselines


def offset_map(displacement_fn, stats, num_points=68):
    """The affine map normalised photo offsets -> normalised caricature offsets.

    Args:
        displacement_fn: callable `(B, T, 2)` canonical deviations from the
            mean -> `(B, T, 2)` displacements (e.g. `RidgeMap.displacement`).
        stats: `NormalizationStats` with `mean_shape`.
        num_points: T.

    Returns:
        `(kernel (2T, 2T), bias (T, 2))` with
        `q = reshape(vec(o) @ kernel, (T, 2)) + bias`.
    """
    if stats.mean_shape is None:
        raise ValueError("A baseline prior needs the canonical frame (stats with "
                         "`mean_shape`).")
    mean = np.asarray(stats.mean_shape, np.float64)
    size = 2 * num_points
    inputs = np.concatenate([np.zeros((1, size)), np.eye(size)])  # (1 + 2T, 2T)
    offsets = inputs.reshape(-1, num_points, 2) * stats.photo_scale
    offsets[:, 0] = 0.0  # The anchor step carries no offset.
    points = np.cumsum(offsets, axis=1)
    points -= points.mean(axis=1, keepdims=True)
    caricature = points + displacement_fn(points - mean)
    out = np.diff(caricature, axis=1, prepend=caricature[:, :1]) / stats.caricature_scale
    bias = out[0]
    kernel = (out[1:] - bias).reshape(size, size)  # row i: response to unit input i
    return kernel, bias


def residual_modes(ridge, photo_points, caricature_points, components):
    """`(U (J, T, 2), sigma (J,))`: principal modes of the ridge map's
    residuals on training pairs, canonical pixels."""
    deviation, displacement = baselines.canonical_offsets(photo_points, caricature_points,
                                                          ridge.mean)
    residual = displacement - ridge.strength * ridge.displacement(deviation)
    flat = residual.reshape(len(residual), -1)
    flat = flat - flat.mean(axis=0)
    _, singular, vt = np.linalg.svd(flat, full_matrices=False)
    sigma = singular[:components] / np.sqrt(max(len(flat) - 1, 1))
    return vt[:components].reshape(components, -1, 2), sigma


def init_baseline_prior(model, photo_points, caricature_points, stats, noise_scale=0.5,
                        mirror=False):
    """Sets a model's frozen baseline (and noise basis) from training pairs.

    Args:
        model: a built `DeepExaggerationVAE` with `config.baseline="ridge"`.
        photo_points: `(P, N, 2)` training photos (image frame).
        caricature_points: `(P, N, 2)` their caricatures.
        stats: the model's canonical-frame `NormalizationStats`.
        noise_scale: float, the noise modes' size in residual standard
            deviations.
        mirror: bool, fit the map and the modes on the pairs and their
            mirror images (a pair and its mirror share a CV fold).

    Returns:
        The fitted `baselines.RidgeMap`.
    """
    if model.config.baseline != "ridge":
        raise ValueError(f"The model's `baseline` is {model.config.baseline!r}, not "
                         "'ridge'.")
    groups = np.arange(len(photo_points))
    if mirror:
        photo_points = np.concatenate([photo_points, landmarks.mirror_points(photo_points)])
        caricature_points = np.concatenate([caricature_points,
                                            landmarks.mirror_points(caricature_points)])
        groups = np.concatenate([groups, groups])
    num_points = np.shape(photo_points)[1]
    ridge = baselines.RidgeMap.fit(photo_points, caricature_points, groups=groups,
                                   mean=stats.mean_shape,
                                   inputs=68 if num_points > 68 else None)
    kernel, bias = offset_map(ridge.displacement, stats, num_points)
    head = model.head
    head.set_baseline(kernel, bias)
    head.set_step_skip(np.zeros((model.config.max_seq_len, 2)),
                       np.zeros((model.config.max_seq_len, 2)))
    if head.noise_components:
        modes, sigma = residual_modes(ridge, photo_points, caricature_points,
                                      head.noise_components)
        scaled = float(noise_scale) * sigma[:, None, None] * modes  # (J, T, 2)
        basis = np.diff(scaled, axis=1, prepend=scaled[:, :1]) / stats.caricature_scale
        head.set_noise_basis(basis)
        logging.info("Noise modes: sigma %s (canonical px)", np.round(sigma, 2).tolist())
    logging.info("Ridge prior: K=%s lambda=%.3g", ridge.components, ridge.ridge)
    return ridge


__all__ = ["init_baseline_prior", "offset_map", "residual_modes"]
