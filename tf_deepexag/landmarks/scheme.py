"""Landmark schemes: the iBUG 68-point markup and the WebCaricature 17-point markup.

Points are float32 `(N, 2)` arrays in (x, y) pixel order, origin at the top-left
pixel centre, x right, y down (DESIGN.md, Conventions). N is a scheme's point count.
"""

import dataclasses

import numpy as np
import tensorflow as tf

from tf_deepexag.errors import UserError
from tf_deepexag.landmarks import head


@dataclasses.dataclass(frozen=True)
class LandmarkScheme:
    """A landmark markup: its points, named groups and drawing contours.

    Args:
        name: str, the scheme's name, e.g. `"ibug68"`.
        num_points: int, the number of points.
        groups: tuple of `(name, indices)` pairs; the groups partition the
            points in index order, so each group is one stroke-5 contour.
        closed: names of groups drawn as closed polygons (eyes, lips).
        mirror: tuple of length `num_points`; `mirror[i]` is the point that
            `i` becomes under a left/right flip of the face.
        eye_corners: the two outer eye-corner indices whose distance is the
            inter-ocular unit of error measures.
    """

    name: str
    num_points: int
    groups: tuple
    closed: tuple
    mirror: tuple
    eye_corners: tuple

    def __post_init__(self):
        flat = [i for _, idx in self.groups for i in idx]
        if flat != list(range(self.num_points)):
            raise ValueError(
                f"Groups of scheme {self.name!r} must cover 0..{self.num_points - 1}"
                " in order.")
        if sorted(self.mirror) != list(range(self.num_points)):
            raise ValueError(f"`mirror` of scheme {self.name!r} is not a permutation.")

    def group(self, name):
        """Returns the indices of the group called `name`."""
        for group_name, indices in self.groups:
            if group_name == name:
                return indices
        raise ValueError(f"Scheme {self.name!r} has no group {name!r}.")

    @property
    def alignment_pair(self):
        """The two points whose vector fixes rotation and scale: the jaw ends."""
        first = self.groups[0][1]
        return first[0], first[-1]

    @property
    def contour_starts(self):
        """Indices where a new contour (stroke) begins."""
        return tuple(idx[0] for _, idx in self.groups)

    def pen_states(self):
        """Returns the `(T, 3)` float32 one-hot pen flags of this scheme."""
        pen = np.zeros((self.num_points, 3), np.float32)
        starts = set(self.contour_starts)
        for t in range(self.num_points - 1):
            pen[t, 1 if (t + 1) in starts else 0] = 1.0
        pen[-1, 2] = 1.0
        return pen


def _ibug68_mirror():
    pairs = [(j, 16 - j) for j in range(8)]                    # jaw
    pairs += [(17 + j, 26 - j) for j in range(5)]              # brows
    pairs += [(31, 35), (32, 34)]                              # lower nose
    pairs += [(36, 45), (37, 44), (38, 43), (39, 42), (40, 47), (41, 46)]  # eyes
    pairs += [(48, 54), (49, 53), (50, 52), (59, 55), (58, 56)]  # outer lip
    pairs += [(60, 64), (61, 63), (67, 65)]                    # inner lip
    mirror = list(range(68))
    for a, b in pairs:
        mirror[a], mirror[b] = b, a
    return tuple(mirror)


# iBUG 300-W 68-point markup (Sagonas et al. 2013), 0-based indices.
IBUG68 = LandmarkScheme(
    name="ibug68",
    num_points=68,
    groups=(
        ("jaw", tuple(range(0, 17))),
        ("right_brow", tuple(range(17, 22))),
        ("left_brow", tuple(range(22, 27))),
        ("nose_bridge", tuple(range(27, 31))),
        ("lower_nose", tuple(range(31, 36))),
        ("right_eye", tuple(range(36, 42))),
        ("left_eye", tuple(range(42, 48))),
        ("outer_lip", tuple(range(48, 60))),
        ("inner_lip", tuple(range(60, 68))),
    ),
    closed=("right_eye", "left_eye", "outer_lip", "inner_lip"),
    mirror=_ibug68_mirror(),
    eye_corners=(36, 45),
)

# WebCaricature 17-point markup (Huo et al. 2018): 4 face-contour points,
# 4 brow ends, 4 eye corners, nose tip, 2 nostrils-side points, 2 mouth corners.
# The dataset's own numbering is 1-based; these are 0-based in the file order.
WEBCARICATURE17 = LandmarkScheme(
    name="webcaricature17",
    num_points=17,
    groups=(
        ("face_contour", (0, 1, 2, 3)),
        ("right_brow", (4, 5)),
        ("left_brow", (6, 7)),
        ("right_eye", (8, 9)),
        ("left_eye", (10, 11)),
        ("nose", (12, 13, 14)),
        ("mouth", (15, 16)),
    ),
    closed=(),
    mirror=(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 14, 13, 12, 16, 15),
    eye_corners=(8, 11),
)



def _with_head(scheme):
    """`scheme` followed by the head points of `landmarks.head`, one group per
    head region."""
    groups, start = list(scheme.groups), scheme.num_points
    for name, points in head.HEAD_GROUPS:
        groups.append((name, tuple(range(start, start + len(points)))))
        start += len(points)
    mirror = scheme.mirror + tuple(scheme.num_points + m for m in head.HEAD_MIRROR)
    return LandmarkScheme(name=f"{scheme.name}_head", num_points=start,
                          groups=tuple(groups), closed=scheme.closed, mirror=mirror,
                          eye_corners=scheme.eye_corners)


# The 68 iBUG points and the head points (`landmarks.head`): the geometry
# model's points when it predicts the whole head.
IBUG68_HEAD = _with_head(IBUG68)

SCHEMES = {s.name: s for s in (IBUG68, WEBCARICATURE17, IBUG68_HEAD)}


def scheme_for(points, scheme=None):
    """`scheme` if given, else the iBUG scheme the points' count names: 88
    points are `IBUG68_HEAD`, anything else `IBUG68` (whose checks then say
    what shape was expected)."""
    if scheme is not None:
        return scheme
    shape = points.shape if hasattr(points, "shape") else np.shape(points)
    count = shape[-2] if len(shape) >= 2 else None
    return IBUG68_HEAD if count == IBUG68_HEAD.num_points else IBUG68


def mirror_points(points, scheme=None):
    """`(..., N, 2)` faces flipped left/right (x -> -x) and renumbered by the
    scheme's mirror permutation, so point i is still the scheme's point i
    (the scheme from the point count when None)."""
    scheme = scheme_for(points, scheme)
    flipped = np.asarray(points)[..., list(scheme.mirror), :].copy()
    flipped[..., 0] *= -1
    return flipped


def check_points(points, scheme=IBUG68, name="points"):
    """Validates and returns points as float32 `(..., N, 2)`.

    Raises:
        errors.UserError (a ValueError): not numbers, wrong shape for the
            scheme, or values not finite in float32 (NaN, inf, |x| >= 3.4e38).
    """
    try:
        array = np.asarray(points)
        if np.iscomplexobj(array):
            raise UserError(f"`{name}` must hold real numbers, got complex values.")
        with np.errstate(over="ignore", invalid="ignore"):
            points = array.astype(np.float32, copy=False)
    except (TypeError, ValueError, OverflowError) as e:
        if isinstance(e, UserError):
            raise
        raise UserError(f"`{name}` must be an array of numbers ({e}).") from e
    if points.ndim < 2 or points.shape[-2:] != (scheme.num_points, 2):
        raise UserError(
            f"`{name}` must have shape (..., {scheme.num_points}, 2) for scheme "
            f"{scheme.name!r}, got {points.shape}.")
    if not np.all(np.isfinite(points)):
        raise UserError(f"`{name}` contains NaN or inf values (in float32).")
    return points


def points_tensor(points, scheme=IBUG68, name="points"):
    """Points as a float tensor `(..., N, 2)`, checked as far as possible.

    NumPy float64 stays float64; anything else becomes float32. Concrete
    values (NumPy, Python, eager tensors) get `check_points`' checks; a
    symbolic tensor inside a `tf.function` only its static shape.

    Raises:
        ValueError: wrong shape for the scheme, or NaN/inf values.
    """
    if tf.is_symbolic_tensor(points):
        shape = points.shape
        if shape.rank is not None and (shape.rank < 2 or not shape[-2:].is_compatible_with(
                [scheme.num_points, 2])):
            raise ValueError(
                f"`{name}` must have shape (..., {scheme.num_points}, 2) for scheme "
                f"{scheme.name!r}, got {shape}.")
        return points if points.dtype.is_floating else tf.cast(points, tf.float32)
    values = np.asarray(points)
    check_points(values, scheme, name)
    dtype = np.float64 if values.dtype == np.float64 else np.float32
    return tf.constant(values.astype(dtype, copy=False))
