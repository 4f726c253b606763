"""Non-learned geometry baselines: identity and EDFM.

Shapes: B faces, N = 68 points.

EDFM ("exaggerating the difference from the mean", Brennan 1985): align the
face onto the mean shape by least squares, scale its deviation,
`mean + k (face - mean)`, and map the result back with the inverse
similarity. `k` is fitted on training pairs by grid search of the landmark
error (`evaluation.landmark_error`).
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
        back = landmarks.apply_similarity(exaggerated, landmarks.invert_similarity(matrix))
        return back.numpy().astype(np.float32)

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
