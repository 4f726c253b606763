"""`LandmarkSet`: landmarks of one domain without partners (e.g. Caricature-Data).

Shapes: K faces, N points.
"""

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class LandmarkSet:
    """Landmarks of K faces of one domain, with no photo/caricature pairing.

    Attributes:
        points: float32 `(K, N, 2)` landmarks, (x, y) pixels.
        names: `(K,)` array of str, one name per face (e.g. the file stem).
        images: list of K image paths or None.
        rejected: list of `(file, reason)` skipped while reading.
    """

    points: np.ndarray
    names: np.ndarray
    images: list = dataclasses.field(default_factory=list)
    rejected: list = dataclasses.field(default_factory=list)

    def __post_init__(self):
        if self.points.ndim != 3 or len(self.names) != len(self.points):
            raise ValueError(f"Inconsistent landmark set: points {self.points.shape}, "
                             f"names {len(self.names)}.")
        if not self.images:
            object.__setattr__(self, "images", [None] * len(self.points))
        elif len(self.images) != len(self.points):
            raise ValueError(f"`images` has {len(self.images)} entries for "
                             f"{len(self.points)} faces.")

    def __len__(self):
        return len(self.points)

    def subset(self, indices):
        """The faces at `indices` (rejected files are not carried over)."""
        indices = np.asarray(indices, dtype=np.int64)
        return LandmarkSet(self.points[indices], self.names[indices],
                           [self.images[i] for i in indices])
