"""Head points: K points around the head, placed in a face frame of the 68 landmarks.

Shapes: N = 68 landmarks, K = `NUM_HEAD_POINTS`, `...` any leading batch
dimensions. Points are (x, y) pixels, y down (DESIGN.md).

The 68 iBUG landmarks stop at the brows and the jaw line, while caricaturists
reshape the whole head (AutoToon's artists move the region around the face
more than the face itself). Head points give that region targets: each is a
fixed position in a face frame, so a photo's head points follow from its 68
landmarks, and a caricature's are the same photo points mapped through the
artist's warp (`data.autotoon_warp`).

The face frame. Coordinates are in units of the distance between the eye
centres (means of the six points of each eye), origin midway between them,
x along the right-eye -> left-eye vector (image left to right for a frontal
face), y perpendicular to it, pointing down the face. `FRAME_TEMPLATE` holds
the two eye centres and the 17 jaw points of the mean AutoToon photo (101
photos, made left/right symmetric) in that frame; a face's frame is the
least-squares similarity (Procrustes) taking the template onto its own eye
centres and jaw, so the head points scale with the face's length as well as
its eye distance, and follow its roll.

Mathematical details. With template points `s_i` and face points `d_i` as
complex numbers, centred by their means, `a = sum(conj(s~_i) d~_i) /
sum(|s~_i|^2)` and `b = mean(d) - a mean(s)`; a head point h of the template
lands at `a h + b` (Umeyama 1991 without reflection, as
`landmarks.alignment`). Written out in real arithmetic in TensorFlow ops: the
geometry graph (and its SavedModel and TFLite exports) computes a photo's
head points with this function.
"""

import numpy as np
import tensorflow as tf

# Eye centres (of iBUG points 36-41 and 42-47) and the jaw 0-16 of the mean
# AutoToon photo in the face frame (eye-centre distances), left/right symmetric.
_HALF_JAW = ((-1.12, 0.03), (-1.11, 0.32), (-1.08, 0.62), (-1.03, 0.91), (-0.93, 1.18),
             (-0.75, 1.43), (-0.53, 1.63), (-0.28, 1.80))
FRAME_TEMPLATE = np.array(
    [(-0.5, 0.0), (0.5, 0.0)] + list(_HALF_JAW) + [(0.0, 1.85)]
    + [(-x, y) for x, y in reversed(_HALF_JAW)], np.float64)  # (19, 2)

# Where the head points sit in the face frame, as groups (one stroke-5
# contour each; image left to right). The cranium is an ellipse over the top
# of the head (semi-axes 1.35 across, 1.95 up, centred between the eyes),
# 9 points from ear level on the image's left to the right; the other points
# sit outside the jaw line. Neck points may leave AutoToon's 700-px crop for
# the largest faces: the warp fields are then read at the crop's border.
_CRANIUM_ANGLES = np.deg2rad(np.linspace(165.0, 15.0, 9))
HEAD_GROUPS = (
    ("cranium", tuple((round(1.35 * np.cos(a), 3), round(-1.95 * np.sin(a), 3))
                      for a in _CRANIUM_ANGLES)),
    ("forehead", ((-0.55, -0.8), (0.0, -0.9), (0.55, -0.8))),
    ("temples", ((-1.05, -0.35), (1.05, -0.35))),
    ("ears", ((-1.25, 0.45), (1.25, 0.45))),
    ("cheeks", ((-1.2, 0.95), (1.2, 0.95))),
    ("neck", ((-0.45, 2.1), (0.45, 2.1))),
)
HEAD_TEMPLATE = np.array([p for _, points in HEAD_GROUPS for p in points],
                         np.float64)  # (K, 2)
NUM_HEAD_POINTS = len(HEAD_TEMPLATE)


def _head_mirror():
    """`mirror[k]`: the head point k becomes under a left/right flip (x -> -x)."""
    flipped = HEAD_TEMPLATE * [-1.0, 1.0]
    distance = np.linalg.norm(flipped[:, None] - HEAD_TEMPLATE[None], axis=-1)
    mirror = tuple(int(i) for i in np.argmin(distance, axis=1))
    assert sorted(mirror) == list(range(NUM_HEAD_POINTS)), "head template not symmetric"
    return mirror


HEAD_MIRROR = _head_mirror()
_EYES = (tuple(range(36, 42)), tuple(range(42, 48)))  # iBUG 300-W right, left eye
_JAW = tuple(range(0, 17))
# The face frame's points as the landmarks they are the mean of (`frame_points`).
FRAME_GROUPS = _EYES + tuple((j,) for j in _JAW)


def frame_points(points68):
    """The face's eye centres and jaw, `(..., 19, 2)` (the template's order)."""
    points = tf.convert_to_tensor(points68)
    if not points.dtype.is_floating:
        points = tf.cast(points, tf.float32)
    eyes = [tf.reduce_mean(tf.gather(points, list(e), axis=-2), axis=-2, keepdims=True)
            for e in _EYES]
    return tf.concat(eyes + [tf.gather(points, list(_JAW), axis=-2)], axis=-2)


def face_frame(points68):
    """`(..., 2, 3)` similarity taking face-frame coordinates to pixels."""
    d = frame_points(points68)  # (..., 19, 2)
    s = tf.constant(FRAME_TEMPLATE - FRAME_TEMPLATE.mean(axis=0), d.dtype)  # (19, 2)
    s_mean = tf.constant(FRAME_TEMPLATE.mean(axis=0), d.dtype)
    d_mean = tf.reduce_mean(d, axis=-2)  # (..., 2)
    dc = d - d_mean[..., None, :]
    energy = float(np.sum((FRAME_TEMPLATE - FRAME_TEMPLATE.mean(axis=0)) ** 2))
    a_re = tf.reduce_sum(s[:, 0] * dc[..., 0] + s[:, 1] * dc[..., 1], -1) / energy
    a_im = tf.reduce_sum(s[:, 0] * dc[..., 1] - s[:, 1] * dc[..., 0], -1) / energy
    b_x = d_mean[..., 0] - (a_re * s_mean[0] - a_im * s_mean[1])
    b_y = d_mean[..., 1] - (a_im * s_mean[0] + a_re * s_mean[1])
    row0 = tf.stack([a_re, -a_im, b_x], axis=-1)
    row1 = tf.stack([a_im, a_re, b_y], axis=-1)
    return tf.stack([row0, row1], axis=-2)


def head_points(points68):
    """The K head points of faces, `(..., K, 2)`, in the landmarks' pixels.

    Args:
        points68: `(..., 68, 2)` iBUG landmarks (array or tensor).

    Returns:
        A tensor of the points' float dtype (NumPy float64 stays float64,
        anything else float32); `.numpy()` for an array.

    Example:
        >>> head = head_points(photo_points).numpy()  # (20, 2)
    """
    points = tf.convert_to_tensor(points68)
    if not points.dtype.is_floating:
        points = tf.cast(points, tf.float32)
    if points.shape.rank is not None and (points.shape.rank < 2
                                          or points.shape[-2:].as_list() != [68, 2]):
        raise ValueError(f"`points68` must have shape (..., 68, 2), got {points.shape}.")
    m = face_frame(points)[..., None, :, :]  # (..., 1, 2, 3)
    h = tf.constant(HEAD_TEMPLATE, points.dtype)
    return tf.stack([m[..., 0, 0] * h[:, 0] + m[..., 0, 1] * h[:, 1] + m[..., 0, 2],
                     m[..., 1, 0] * h[:, 0] + m[..., 1, 1] * h[:, 1] + m[..., 1, 2]],
                    axis=-1)


def with_head_points(points68):
    """`(..., 68 + K, 2)`: the landmarks followed by their head points."""
    points = tf.convert_to_tensor(points68)
    if not points.dtype.is_floating:
        points = tf.cast(points, tf.float32)
    return tf.concat([points, head_points(points)], axis=-2)


__all__ = ["FRAME_GROUPS", "FRAME_TEMPLATE", "HEAD_GROUPS", "HEAD_MIRROR", "HEAD_TEMPLATE",
           "NUM_HEAD_POINTS", "face_frame", "head_points", "with_head_points"]
