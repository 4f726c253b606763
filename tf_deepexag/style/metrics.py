"""FID and KID between image sets, with a download-free default feature space.

Shapes: N, M images; D feature size.

Mathematical details:
    FID (Heusel et al. 2017, eq. 6) between Gaussians fitted to features:
        ||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2))
    KID (Binkowski et al. 2018, eq. 4): unbiased MMD^2 with the cubic
    polynomial kernel k(x, y) = (x.y / D + 1)^3, averaged over random
    subsets of both sets (the paper's 100 subsets of 1000); U-GAT-IT
    reports KID x 100.
    Few samples in many dimensions (max(N, M) <= D, e.g. 100 test images
    and D = 2048 Inception features): the covariances are singular and a
    D x D `sqrtm` is slow (minutes at D = 2048 on 2 cores) and inexact, so
    the trace term is computed from the (N, M) cross product of the centred
    features X1, X2 instead. S1 S2 = X1^T X1 X2^T X2 / ((N-1)(M-1)) has the
    nonzero eigenvalues of (X1 X2^T)(X1 X2^T)^T, hence exactly
        Tr((S1 S2)^(1/2)) = sum_i sigma_i(X1 X2^T) / sqrt((N-1)(M-1)).

Feature space. Inception-v3 weights cannot be downloaded at run time, so
the default extractor is `color_gradient_features`: multi-scale (1, 1/2,
1/4) per-channel means and standard deviations, a joint 4x4x4 colour
histogram and an 8-bin gradient-orientation histogram weighted by
magnitude, then a fixed seeded Gaussian random projection to D = 128.
Numbers in this space are NOT comparable with published Inception FID/KID
(e.g. the U-GAT-IT paper's tables); use them to compare runs with each
other. Paper-comparable Inception-v3 features come with the optional
`eval` extra: `tf_deepexag.style.inception_metrics` (PyTorch).
"""

import numpy as np
import scipy.linalg

_SCALES = (1, 2, 4)
_PROJ_DIM = 128


def _downsample(x, f):
    if f == 1:
        return x
    n, h, w, c = x.shape
    h, w = h // f * f, w // f * f
    return x[:, :h, :w].reshape(n, h // f, f, w // f, f, c).mean((2, 4))


def _raw_statistics(images):
    """(N, H, W, 3) uint8 -> (N, F) hand-made statistics."""
    x = np.asarray(images, np.float64) / 255.0
    feats = []
    for f in _SCALES:
        y = _downsample(x, f)
        feats += [y.mean((1, 2)), y.std((1, 2))]
        gray = y.mean(-1)
        gy, gx = np.gradient(gray, axis=(1, 2))
        mag = np.hypot(gx, gy)
        ang = ((np.arctan2(gy, gx) + np.pi) / (2 * np.pi) * 8).astype(int) % 8
        hist = np.stack([(mag * (ang == k)).mean((1, 2)) for k in range(8)], -1)
        feats.append(hist)
    q = np.minimum((x * 4).astype(int), 3)
    idx = (q[..., 0] * 16 + q[..., 1] * 4 + q[..., 2]).reshape(len(x), -1)
    feats.append(np.stack([np.bincount(i, minlength=64) / i.size for i in idx]))
    return np.concatenate(feats, -1)


def color_gradient_features(images, dim=_PROJ_DIM, seed=0):
    """Default features: fixed random projection of colour/gradient stats.

    Args:
        images: (N, H, W, 3) uint8 RGB (N >= 1; sizes equal within a call).
        dim: int D. Defaults to `128`.
        seed: int, the projection's seed (fixed so runs are comparable).

    Returns:
        (N, D) float64.
    """
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8:
        raise ValueError(f"`images` must be (N, H, W, 3) uint8, got "
                         f"{images.shape} {images.dtype}.")
    raw = _raw_statistics(images)
    proj = np.random.default_rng(seed).normal(size=(raw.shape[1], dim))
    return raw @ proj / np.sqrt(raw.shape[1])


def frechet_distance(mu1, sigma1, mu2, sigma2):
    """FID between N(mu1, sigma1) and N(mu2, sigma2)."""
    diff = np.asarray(mu1) - np.asarray(mu2)
    covmean, _ = scipy.linalg.sqrtm(sigma1 @ sigma2, disp=False)
    if not np.isfinite(covmean).all():
        eps = 1e-6 * np.eye(len(sigma1))
        covmean = scipy.linalg.sqrtm((sigma1 + eps) @ (sigma2 + eps))
    covmean = np.real(covmean)
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2)
                 - 2 * np.trace(covmean))


def fid_from_features(f1, f2):
    """FID of two (N, D), (M, D) feature sets (N, M >= 2).

    Uses the exact low-rank trace (module docstring) when max(N, M) <= D,
    `frechet_distance` on the covariances otherwise.
    """
    f1, f2 = np.asarray(f1, np.float64), np.asarray(f2, np.float64)
    (n, d), m = f1.shape, len(f2)
    if n < 2 or m < 2:
        raise ValueError(f"FID needs at least 2 samples per set, got {n} and {m}.")
    if max(n, m) > d:
        return frechet_distance(f1.mean(0), np.cov(f1, rowvar=False),
                                f2.mean(0), np.cov(f2, rowvar=False))
    diff = f1.mean(0) - f2.mean(0)
    x1, x2 = f1 - f1.mean(0), f2 - f2.mean(0)  # (N, D), (M, D)
    sv = np.linalg.svd(x1 @ x2.T, compute_uv=False)  # (min(N, M),)
    tr_covmean = sv.sum() / np.sqrt((n - 1) * (m - 1))
    return float(diff @ diff + (x1 * x1).sum() / (n - 1)
                 + (x2 * x2).sum() / (m - 1) - 2 * tr_covmean)


def _mmd2_unbiased(x, y):
    d = x.shape[1]
    kxx = (x @ x.T / d + 1) ** 3
    kyy = (y @ y.T / d + 1) ** 3
    kxy = (x @ y.T / d + 1) ** 3
    m, n = len(x), len(y)
    return ((kxx.sum() - np.trace(kxx)) / (m * (m - 1))
            + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
            - 2 * kxy.mean())


def kid_from_features(f1, f2, num_subsets=100, subset_size=1000, seed=0):
    """KID: mean and std of unbiased MMD^2 over random subsets.

    Args:
        f1, f2: (N, D), (M, D) features (N, M >= 2).
        num_subsets: int. Defaults to `100`.
        subset_size: int, capped at min(N, M). Defaults to `1000`.
        seed: int, subset sampling seed.

    Returns:
        (mean, std) of MMD^2 (multiply by 100 for U-GAT-IT's KID x100).
    """
    f1, f2 = np.asarray(f1, np.float64), np.asarray(f2, np.float64)
    size = min(subset_size, len(f1), len(f2))
    if size < 2:
        raise ValueError(f"KID needs at least 2 samples per set, got "
                         f"{len(f1)} and {len(f2)}.")
    rng = np.random.default_rng(seed)
    vals = [_mmd2_unbiased(f1[rng.choice(len(f1), size, replace=False)],
                           f2[rng.choice(len(f2), size, replace=False)])
            for _ in range(num_subsets)]
    return float(np.mean(vals)), float(np.std(vals))


def fid_kid(real_images, fake_images, features=color_gradient_features,
            num_subsets=100, subset_size=1000, seed=0):
    """FID and KID x100 between two image sets in a feature space.

    Args:
        real_images, fake_images: (N, H, W, 3) uint8 (e.g. real testB and
            translated testA, at the same size).
        features: callable images -> (N, D).

    Returns:
        dict {"fid", "kid_x100", "kid_x100_std", "num_real", "num_fake"}.
    """
    fr, ff = features(real_images), features(fake_images)
    kid, kid_std = kid_from_features(fr, ff, num_subsets, subset_size, seed)
    return {"fid": fid_from_features(fr, ff), "kid_x100": 100 * kid,
            "kid_x100_std": 100 * kid_std, "num_real": len(fr),
            "num_fake": len(ff)}
