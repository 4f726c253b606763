"""Geometry baselines: identity, EDFM, mean displacement, ridge map.

Shapes: B faces, N = 68 points.

EDFM ("exaggerating the difference from the mean", Brennan 1985): align the
face onto the mean shape by least squares, scale its deviation,
`mean + k (face - mean)`, and map the result back with the inverse
similarity. `k` is fitted on training pairs by grid search of the landmark
error (`evaluation.landmark_error`).

The others work in a canonical frame: each photo is moved by its
least-squares similarity onto the training photos' mean shape, a displacement
is added there, and the result is moved back. `MeanDisplacement` adds the
training pairs' mean artist displacement (times a fitted strength);
`RidgeMap` predicts the displacement linearly from the photo's deviation from
the mean (PCA + ridge, both chosen by cross-validation). All are fitted on
training pairs only.
"""

import numpy as np

from tf_deepexag import landmarks
from tf_deepexag.geometry import evaluation


def identity(photo_points):
    """The photo as its own caricature, `(B, N, 2)`."""
    return np.asarray(photo_points, np.float32).copy()


class EDFM:
    """Exaggerates each face's difference from the mean face.

    Args:
        mean: `(N, 2)` mean shape (e.g. `landmarks.mean_shape` of the
            training photos).
        k: float, the exaggeration factor (1 = identity).
    """

    def __init__(self, mean, k=1.5):
        self.mean = np.asarray(mean, np.float64)
        self.k = float(k)

    def __call__(self, photo_points):
        """`(B, N, 2)` or `(N, 2)` photo points -> exaggerated, same frame."""
        points = np.asarray(photo_points, np.float64)
        target = np.broadcast_to(self.mean, points.shape)
        matrix = landmarks.estimate_similarity(points, target, "procrustes")
        aligned = landmarks.apply_similarity(points, matrix).numpy()
        exaggerated = self.mean + self.k * (aligned - self.mean)
        back = np.asarray(landmarks.apply_similarity(exaggerated, landmarks.invert_similarity(matrix)))
        return back.astype(np.float32)

    @classmethod
    def fit(cls, photo_points, caricature_points, grid=None):
        """Mean of the photos, `k` minimising the mean landmark error.

        Args:
            photo_points: `(P, N, 2)` training photos.
            caricature_points: `(P, N, 2)` their caricatures.
            grid: candidate `k` values. Defaults to 0.5 ... 4.0 by 0.05.
        """
        mean = landmarks.mean_shape(photo_points)
        grid = np.arange(0.5, 4.0001, 0.05) if grid is None else np.asarray(grid)
        errors = [evaluation.landmark_error(cls(mean, k)(photo_points),
                                            caricature_points).mean() for k in grid]
        return cls(mean, float(grid[int(np.argmin(errors))]))


def _to_canonical(points, mean):
    """`(canonical points, matrices)`: faces moved by the least-squares
    similarity onto `mean` (float64)."""
    points = np.asarray(points, np.float64)
    matrix = landmarks.estimate_similarity(points, np.broadcast_to(mean, points.shape),
                                           "procrustes")
    return np.asarray(landmarks.apply_similarity(points, matrix), np.float64), matrix


def canonical_offsets(photo_points, caricature_points, mean):
    """Photo deviations and artist displacements in the canonical frame.

    Each caricature is first moved onto its photo by least squares (the
    artist's pose drops out), then both by the photo's similarity onto `mean`.

    Returns:
        `(deviation, displacement)`, float64 `(P, N, 2)` each:
        `photo_c - mean` and `caricature_c - photo_c`.
    """
    photo = np.asarray(photo_points, np.float64)
    caricature = landmarks.align(caricature_points, photo, "procrustes")
    photo_c, matrix = _to_canonical(photo, mean)
    caricature_c = np.asarray(landmarks.apply_similarity(caricature, matrix), np.float64)
    return photo_c - mean, caricature_c - photo_c


class _CanonicalDisplacement:
    """Base of the baselines that add a displacement in the canonical frame:
    `photo -> M^-1 (M photo + strength * displacement(M photo - mean))`."""

    def __init__(self, mean, strength=1.0):
        self.mean = np.asarray(mean, np.float64)
        self.strength = float(strength)

    def displacement(self, deviation):
        """`(B, N, 2)` canonical displacement for `(B, N, 2)` deviations."""
        raise NotImplementedError

    def __call__(self, photo_points):
        """`(B, N, 2)` or `(N, 2)` photo points -> caricature points, same frame."""
        points = np.asarray(photo_points, np.float64)
        single = points.ndim == 2
        points = points.reshape((-1,) + self.mean.shape)
        photo_c, matrix = _to_canonical(points, self.mean)
        moved = photo_c + self.strength * self.displacement(photo_c - self.mean)
        out = np.asarray(landmarks.apply_similarity(moved, landmarks.invert_similarity(matrix)))
        return out[0] if single else out

    def fit_strength(self, photo_points, caricature_points, grid=None):
        """Sets `strength` to the grid value with the lowest mean landmark
        error on the given pairs (0 ... 2 by 0.05 by default); returns self."""
        grid = np.arange(0.0, 2.0001, 0.05) if grid is None else np.asarray(grid)
        errors = []
        for value in grid:
            self.strength = float(value)
            errors.append(evaluation.landmark_error(self(photo_points),
                                                    caricature_points).mean())
        self.strength = float(grid[int(np.argmin(errors))])
        return self


class MeanDisplacement(_CanonicalDisplacement):
    """Adds the training pairs' mean artist displacement in the canonical frame.

    Args:
        mean: `(N, 2)` canonical mean shape.
        offset: `(N, 2)` mean displacement (`canonical_offsets`).
        strength: float, the factor it is applied with (1 = the mean itself).
    """

    def __init__(self, mean, offset, strength=1.0):
        super().__init__(mean, strength)
        self.offset = np.asarray(offset, np.float64)

    def displacement(self, deviation):
        return np.broadcast_to(self.offset, deviation.shape)

    @classmethod
    def fit(cls, photo_points, caricature_points, fit_strength=True):
        """Mean shape and mean displacement of the pairs; the strength by grid
        search on the same pairs when `fit_strength`."""
        mean = np.asarray(landmarks.mean_shape(photo_points), np.float64)
        _, displacement = canonical_offsets(photo_points, caricature_points, mean)
        model = cls(mean, displacement.mean(axis=0))
        return model.fit_strength(photo_points, caricature_points) if fit_strength else model


class RidgeMap(_CanonicalDisplacement):
    """A regularised linear map from the photo's deviation to the displacement.

    Mathematical details: with x = the photo's canonical deviation from the
    mean (2N values) projected on its first K principal components (all 2N
    when `components` is None), and y = the canonical displacement,
    `y = b + W x` with `W = argmin |Y - b - X W|^2 + lambda |W|^2` (b the mean
    of y: the intercept is not shrunk, so lambda -> inf gives
    `MeanDisplacement`). K and lambda are chosen by K-fold cross-validation of
    the squared error of y inside the training pairs.

    Args:
        mean: `(N, 2)` canonical mean shape.
        basis: `(2N, K)` orthonormal PCA basis of the deviations (or identity).
        weights: `(K, 2N)` W.
        intercept: `(2N,)` b.
        strength: float, the factor the displacement is applied with.
        inputs: int or None, read only the first `inputs` points of the
            deviation (e.g. 68: the landmarks predict the head points too).
    """

    def __init__(self, mean, basis, weights, intercept, strength=1.0, components=None,
                 ridge=None, inputs=None):
        super().__init__(mean, strength)
        self.inputs = inputs
        self.basis = np.asarray(basis, np.float64)
        self.weights = np.asarray(weights, np.float64)
        self.intercept = np.asarray(intercept, np.float64)
        self.components, self.ridge = components, ridge

    def displacement(self, deviation):
        if self.inputs is not None:
            deviation_in = deviation[:, :self.inputs]
        else:
            deviation_in = deviation
        x = deviation_in.reshape(len(deviation), -1) @ self.basis  # (B, K)
        return (self.intercept + x @ self.weights).reshape(deviation.shape)

    @staticmethod
    def _solve(x, y, ridge):
        """Ridge weights `(K, 2N)` and intercept of centred-x regression."""
        x_mean, y_mean = x.mean(axis=0), y.mean(axis=0)
        xc = x - x_mean
        w = np.linalg.solve(xc.T @ xc + ridge * np.eye(x.shape[1]), xc.T @ (y - y_mean))
        return w, y_mean - x_mean @ w

    @classmethod
    def fit(cls, photo_points, caricature_points, components=(None, 5, 10, 20),
            ridges=tuple(10.0 ** np.arange(-4, 4.01, 0.5)), folds=5, seed=0,
            groups=None, mean=None, inputs=None):
        """Fits the map; K in `components` and lambda in `ridges` by CV.

        Deviations and displacements are measured in units of the mean
        shape's inter-ocular distance, so `ridges` are comparable across
        datasets.

        Args:
            groups: optional `(P,)` labels kept within one CV fold (e.g. a
                pair and its mirror image). Defaults to one group per pair.
            mean: optional `(N, 2)` canonical mean shape; the photos' mean
                shape when None.
            inputs: optional int, regress on the first `inputs` points only.
        """
        if mean is None:
            mean = landmarks.mean_shape(photo_points)
        mean = np.asarray(mean, np.float64)
        unit = float(landmarks.interocular_distance(mean))
        deviation, displacement = canonical_offsets(photo_points, caricature_points, mean)
        x = deviation[:, :inputs].reshape(len(deviation), -1) / unit
        y = displacement.reshape(len(displacement), -1) / unit
        labels, group_of = np.unique(np.arange(len(x)) if groups is None else
                                     np.asarray(groups), return_inverse=True)
        order = np.random.default_rng(seed).permutation(len(labels))
        fold_of_group = np.empty(len(labels), int)
        fold_of_group[order] = np.arange(len(labels)) % folds
        fold_of = fold_of_group[group_of]
        best = (np.inf, None, None)
        for k in components:
            sse = np.zeros(len(ridges))
            for f in range(folds):
                train, test = fold_of != f, fold_of == f
                basis = _pca_basis(x[train], k)
                xb, y_mean = x[train] @ basis, y[train].mean(axis=0)
                x_mean = xb.mean(axis=0)
                # One eigendecomposition serves every lambda:
                # W = V diag(1 / (e + lambda)) V^T Xc^T Yc.
                e, v = np.linalg.eigh((xb - x_mean).T @ (xb - x_mean))
                rhs = v.T @ ((xb - x_mean).T @ (y[train] - y_mean))
                xt = (x[test] @ basis - x_mean) @ v  # (n_test, K)
                for i, ridge in enumerate(ridges):
                    pred = y_mean + xt @ (rhs / (e + ridge)[:, None])
                    sse[i] += np.sum((y[test] - pred) ** 2)
            i = int(np.argmin(sse))
            if sse[i] < best[0]:
                best = (sse[i], k, ridges[i])
        _, k, ridge = best
        basis = _pca_basis(x, k)
        w, b = cls._solve(x @ basis, y, ridge)
        # Back to pixels of the canonical frame: y = unit * (b + (x / unit) B W).
        return cls(mean, basis, w, unit * b, components=k, ridge=ridge, inputs=inputs)


def _pca_basis(x, k):
    """`(D, K)` top principal directions of rows `x` (identity when k is None)."""
    if k is None:
        return np.eye(x.shape[1])
    _, _, vt = np.linalg.svd(x - x.mean(axis=0), full_matrices=False)
    return vt[:k].T


def fit_baselines(photo_points, caricature_points):
    """Every baseline fitted on training pairs, `{name: callable}` (names carry
    the fitted settings). With head points (N = 68 + K) the ridge map reads the
    68 landmarks only and predicts every point."""
    edfm = EDFM.fit(photo_points, caricature_points)
    mean_disp = MeanDisplacement.fit(photo_points, caricature_points)
    inputs = 68 if np.shape(photo_points)[-2] > 68 else None
    ridge = RidgeMap.fit(photo_points, caricature_points, inputs=inputs)
    k = "all" if ridge.components is None else ridge.components
    return {
        "identity": identity,
        f"edfm(k={edfm.k:.2f})": edfm,
        f"mean_displacement(s={mean_disp.strength:.2f})": mean_disp,
        f"ridge(K={k},lambda={ridge.ridge:.3g})": ridge,
    }
