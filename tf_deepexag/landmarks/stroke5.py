"""Stroke-5 sequences of landmarks.

Shapes: N points, T = N steps, `...` any leading batch dimensions.

Stroke-5 (Ha & Eck 2017, sketch-rnn, adapted to faces as in DeepExaggeration):
a face is T steps `(dx, dy, p1, p2, p3)`. Step t holds the offset of point t
from point t-1; step 0 holds `(0, 0)` because landmark 0 itself is the anchor,
stored apart and used to rebuild absolute points by cumulative sum. The pen
flags say what follows point t: `p1` the next point continues this contour,
`p2` the next point starts a new contour, `p3` this is the last point.
"""

import numpy as np

from tf_deepexag.landmarks.scheme import IBUG68, check_points


def to_stroke5(points, scheme=IBUG68):
    """Encodes absolute points as a stroke-5 sequence.

    Args:
        points: `(..., N, 2)` float points in (x, y) pixels.
        scheme: the `LandmarkScheme`. Defaults to `IBUG68`.

    Returns:
        `(strokes, anchor)`: float32 `(..., T, 5)` steps and the `(..., 2)`
        absolute position of point 0.
    """
    points = check_points(points, scheme)
    offsets = np.diff(points, axis=-2, prepend=points[..., :1, :])  # (..., T, 2)
    pen = np.broadcast_to(scheme.pen_states(), points.shape[:-1] + (3,))
    return np.concatenate([offsets, pen], axis=-1), points[..., 0, :].copy()


def from_stroke5(strokes, anchor):
    """Rebuilds absolute points from stroke-5 steps and the anchor point.

    Args:
        strokes: `(..., T, 5)` or `(..., T, 2)` steps (only dx, dy are used).
        anchor: `(..., 2)` absolute position added to the cumulative sum.

    Returns:
        float32 `(..., T, 2)` absolute points.
    """
    strokes = np.asarray(strokes, dtype=np.float64)
    anchor = np.asarray(anchor, dtype=np.float64)
    points = np.cumsum(strokes[..., :2], axis=-2) + anchor[..., None, :]
    return points.astype(np.float32)
