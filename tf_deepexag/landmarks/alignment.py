"""Similarity alignment of landmark sets.

Shapes: N points, `...` any leading batch dimensions. A similarity transform
(uniform scale, rotation, translation; no reflection) is a `(..., 2, 3)`
matrix `M` acting as `p' = M[:, :2] @ p + M[:, 2]`.

Mathematical details:
    Writing points as complex numbers `z = x + iy`, a similarity is
    `z' = a z + b` with complex `a = s e^{i theta}` and `b`.
    - Jaw rule (DeepExaggeration): `a = (d_16 - d_0) / (s_16 - s_0)`,
      `b = d_0 - a s_0`, so landmark 0 lands exactly on its target and the jaw
      vector 0 -> 16 takes the target's length and direction.
    - Least squares (Procrustes, Umeyama 1991 without reflection): with
      centred points `s~ = s - mean(s)`, `d~ = d - mean(d)`,
      `a = sum(conj(s~) d~) / sum(|s~|^2)`, `b = mean(d) - a mean(s)`,
      which minimises `sum |a s + b - d|^2`.
"""

import numpy as np

from tf_deepexag.landmarks.scheme import IBUG68

_METHODS = ("jaw", "procrustes")


def _to_complex(points):
    points = np.asarray(points, dtype=np.float64)
    return points[..., 0] + 1j * points[..., 1]


def _to_matrix(a, b):
    row0 = np.stack([a.real, -a.imag, b.real], axis=-1)
    row1 = np.stack([a.imag, a.real, b.imag], axis=-1)
    return np.stack([row0, row1], axis=-2)  # (..., 2, 3)


def similarity_matrix(scale=1.0, angle=0.0, translation=(0.0, 0.0)):
    """Builds a `(2, 3)` similarity matrix from scale, angle (radians), shift."""
    a = np.asarray(scale * np.exp(1j * angle))
    b = np.asarray(translation[0] + 1j * translation[1])
    return _to_matrix(a, b)


def apply_similarity(points, matrix):
    """Applies `(..., 2, 3)` matrices to `(..., N, 2)` points; returns float32."""
    points = np.asarray(points, dtype=np.float64)
    matrix = np.asarray(matrix, dtype=np.float64)
    out = np.einsum("...ij,...nj->...ni", matrix[..., :2], points)
    return (out + matrix[..., None, :, 2]).astype(np.float32)


def invert_similarity(matrix):
    """Returns the inverse of `(..., 2, 3)` similarity matrices."""
    matrix = np.asarray(matrix, dtype=np.float64)
    a = matrix[..., 0, 0] + 1j * matrix[..., 1, 0]
    b = matrix[..., 0, 2] + 1j * matrix[..., 1, 2]
    return _to_matrix(1.0 / a, -b / a)


def estimate_similarity(source, target, method="jaw", scheme=IBUG68):
    """Estimates the similarity that maps `source` points onto `target`.

    Args:
        source: `(..., N, 2)` points to move.
        target: `(..., N, 2)` points to move them onto.
        method: `"jaw"` (translation from landmark 0, rotation and scale from
            the jaw vector, as the original system does) or `"procrustes"`
            (least squares over all points). Defaults to `"jaw"`.
        scheme: the `LandmarkScheme`, for the jaw end points.

    Returns:
        float64 `(..., 2, 3)` matrices.

    Raises:
        ValueError: unknown `method`, mismatched shapes, or degenerate input
            (coincident jaw ends, all points equal).
    """
    if method not in _METHODS:
        raise ValueError(f"`method` must be one of {_METHODS}, got {method!r}.")
    s, d = _to_complex(source), _to_complex(target)
    if s.shape != d.shape:
        raise ValueError(
            f"`source` and `target` shapes differ: {np.shape(source)} vs "
            f"{np.shape(target)}.")
    if method == "jaw":
        i, j = scheme.alignment_pair
        denominator = s[..., j] - s[..., i]
        if np.any(np.abs(denominator) < 1e-9):
            raise ValueError("`source` jaw end points coincide: cannot align.")
        a = (d[..., j] - d[..., i]) / denominator
        b = d[..., i] - a * s[..., i]
    else:
        s_mean, d_mean = s.mean(axis=-1), d.mean(axis=-1)
        sc, dc = s - s_mean[..., None], d - d_mean[..., None]
        energy = np.sum(np.abs(sc) ** 2, axis=-1)
        if np.any(energy < 1e-12):
            raise ValueError("`source` points all coincide: cannot align.")
        a = np.sum(np.conj(sc) * dc, axis=-1) / energy
        b = d_mean - a * s_mean
    return _to_matrix(a, b)


def align(source, target, method="jaw", scheme=IBUG68):
    """Returns `source` moved by the similarity that best maps it onto `target`.

    See `estimate_similarity` for the arguments. Returns float32 `(..., N, 2)`.
    """
    return apply_similarity(source, estimate_similarity(source, target, method, scheme))
