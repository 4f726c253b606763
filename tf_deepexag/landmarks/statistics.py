"""Dataset statistics of landmarks: offset scales, the mean face, eye distance.

Shapes: P faces, N points.
"""

import dataclasses

import numpy as np
import tensorflow as tf

from tf_deepexag import fileio
from tf_deepexag.landmarks import alignment, stroke5
from tf_deepexag.landmarks.scheme import IBUG68, SCHEMES, check_points, points_tensor, scheme_for


def offset_scale(points, scheme=None):
    """Standard deviation of all stroke offsets (dx and dy pooled).

    This is sketch-rnn's `calculate_normalizing_scale_factor`: one scalar per
    domain. Step 0 is left out because it is always `(0, 0)` (the anchor).

    Args:
        points: `(P, N, 2)` absolute points.
        scheme: the `LandmarkScheme`; None picks it from the point count.

    Returns:
        float, the scale.
    """
    scheme = scheme_for(points, scheme)
    points = check_points(points, scheme).astype(np.float64)
    strokes, _ = stroke5.to_stroke5(points, scheme)  # (P, T, 5)
    scale = float(np.std(strokes[..., 1:, :2]))  # (P, N-1, 2) offsets
    if not scale > 0:
        raise ValueError("Cannot fit offset statistics: all offsets are zero.")
    return scale


@dataclasses.dataclass(frozen=True)
class NormalizationStats:
    """Per-domain stroke offset scales, saved next to a model as JSON.

    Args:
        photo_scale: float, offset standard deviation of the photo faces.
        caricature_scale: float, the same for the caricatures.
        scheme: str, the landmark scheme's name. Defaults to `"ibug68"`.
        mean_shape: optional `(N, 2)` canonical frame: when set, the model was
            trained on faces moved onto this shape by the photo's least-squares
            similarity (`to_canonical`), and inference does the same. Defaults
            to None (faces in their image frame, as the original).
        strength_scale: float, the factor the geometry applies to a
            generated displacement at strength 1, fitted on the training
            pairs so that strength 1 moves the points as far as the artists do
            on average (`training.vae_trainer.calibrate_strength`). Defaults
            to 1 (the model's own magnitude).
    """

    photo_scale: float
    caricature_scale: float
    scheme: str = IBUG68.name
    mean_shape: tuple = None
    strength_scale: float = 1.0

    def __post_init__(self):
        for field in ("photo_scale", "caricature_scale", "strength_scale"):
            value = getattr(self, field)
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"`{field}` must be positive and finite, got {value}.")
        if self.mean_shape is not None:
            shape = np.asarray(self.mean_shape, np.float64)
            if shape.ndim != 2 or shape.shape[-1] != 2 or not np.all(np.isfinite(shape)):
                raise ValueError(f"`mean_shape` must be finite (N, 2), got shape "
                                 f"{shape.shape}.")
            # A tuple of tuples keeps the frozen dataclass comparable and hashable.
            object.__setattr__(self, "mean_shape", tuple(map(tuple, shape.tolist())))

    def to_canonical(self, points):
        """`(canonical points, matrices)` for `(..., N, 2)` points, tensors.

        Each face is moved by the least-squares similarity that maps it onto
        `mean_shape`; the `(..., 2, 3)` matrices map back with
        `alignment.invert_similarity`. Identity when `mean_shape` is None.
        Computed in the points' dtype (see `alignment`).
        """
        points = points_tensor(points, SCHEMES[self.scheme], name="points")
        if self.mean_shape is None:
            batch = tf.shape(points)[:-2]
            eye = tf.eye(2, 3, dtype=points.dtype)
            return points, tf.broadcast_to(eye, tf.concat([batch, [2, 3]], axis=0))
        mean = tf.constant(self.mean_shape, points.dtype)  # (N, 2)
        matrix = alignment.estimate_similarity(points, mean, "procrustes")
        return alignment.apply_similarity(points, matrix), matrix

    @classmethod
    def fit(cls, photo_points, caricature_points, scheme=None):
        """Fits the scales on `(P, N, 2)` photo and caricature points (the
        scheme from their count when None)."""
        scheme = scheme_for(photo_points, scheme)
        return cls(offset_scale(photo_points, scheme),
                   offset_scale(caricature_points, scheme), scheme.name)

    def to_dict(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d):
        missing = {"photo_scale", "caricature_scale"} - set(d)
        if missing:
            raise ValueError(f"Normalisation statistics lack {sorted(missing)}.")
        return cls(float(d["photo_scale"]), float(d["caricature_scale"]),
                   str(d.get("scheme", IBUG68.name)), d.get("mean_shape"),
                   float(d.get("strength_scale", 1.0)))

    def save(self, path):
        fileio.write_json_atomic(path, self.to_dict())

    @classmethod
    def load(cls, path):
        return cls.from_dict(fileio.read_json(path))


def interocular_distance(points, scheme=IBUG68):
    """Distance between the outer eye corners, `(...,)` for `(..., N, 2)`."""
    points = np.asarray(points, dtype=np.float64)
    i, j = scheme.eye_corners
    return np.linalg.norm(points[..., i, :] - points[..., j, :], axis=-1)


def mean_shape(points, scheme=None, iterations=10):
    """Generalised Procrustes mean of a set of faces.

    Every face is aligned onto the current mean by least squares, the aligned
    faces are averaged, and the mean is re-normalised (centroid at the origin,
    root-mean-square radius equal to the faces' average), until it settles.

    Args:
        points: `(P, N, 2)` absolute points.
        scheme: the `LandmarkScheme`.
        iterations: int, the maximum number of alignment rounds.

    Returns:
        float32 `(N, 2)` mean shape, centred on the origin.
    """
    scheme = scheme_for(points, scheme)
    points = check_points(points, scheme).astype(np.float64)
    if points.ndim != 3 or len(points) == 0:
        raise ValueError(f"`points` must have shape (P, N, 2), got {points.shape}.")
    centred = points - points.mean(axis=1, keepdims=True)
    size = float(np.mean(np.sqrt(np.mean(np.sum(centred ** 2, -1), -1))))
    mean = centred[0]
    for _ in range(iterations):
        target = np.broadcast_to(mean, centred.shape)
        aligned = alignment.align(centred, target, "procrustes", scheme).numpy()
        new = aligned.mean(axis=0)
        new = new - new.mean(axis=0)
        new *= size / np.sqrt(np.mean(np.sum(new ** 2, -1)))
        if np.max(np.abs(new - mean)) < 1e-6 * size:
            mean = new
            break
        mean = new
    return mean.astype(np.float32)
