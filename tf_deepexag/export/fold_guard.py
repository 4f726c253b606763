"""`guarded_targets`: `plane_map.unfolded`'s fold guard as TensorFlow graph ops.

Shapes: B faces, N controls (the 68 landmarks first), P pins, M = N + P
spline centres, G grid points of the head disc, O probe offsets,
Q = G + N O evaluation points.

The SavedModel's `controls` and `caricature` signatures build the map of the
plane from the guarded targets, so TF Serving applies the same map as the
library (`PlaneMapping.plane_maps`, the pipeline). The steps are NumPy's,
in float64 (the bisection's decisions then match NumPy's to rounding):
1. the least Jacobian determinant of the backward map (the warp's) on the
   `GUARD_GRID` grid over the head disc and at the probes around the
   targets (`PlaneMap.min_jacobian_determinant`); a map at or above the
   threshold (less `ROUND_OFF`) is kept;
2. otherwise controls closer than `MERGE_DISTANCE` face sizes in the photo
   move by their group's mean displacement (`merge_close_controls`);
3. if that map is still below the threshold, the displacement is scaled by
   the factor the `GUARD_STEPS`-step bisection finds.

Why bisection and no closed form: the backward spline's centres are the
targets, which move with the factor s, so `det J_B` is not a polynomial in
s (only the forward spline, centred on the fixed sources, has
`det = 1 + s tr A + s^2 det A`).

Fixed shapes throughout (the grid is a constant, probes outside the disc are
masked, repeated controls are neutralised rather than removed), so the ops
compile with XLA. Not for TFLite: it has no builtin linear solve (a Flex
op), and float32 kernels would not decide as NumPy's float64 does (runtimes
apply `plane_map.unfolded`, see docs/deployment.md).
"""

import numpy as np
import tensorflow as tf

from tf_deepexag import plane_map

_F64 = tf.float64


def _kernel(r):
    """`U(r) = 0.5 r log r` of squared distances and `log r + 1` (as NumPy's)."""
    log = tf.math.log(tf.maximum(r, 1e-30))
    return 0.5 * r * log, log + 1.0


def _squared_distances(a, b):
    diff = a[:, :, None] - b[:, None]                                  # (B, A, C, 2)
    return tf.reduce_sum(diff * diff, axis=-1)


def min_determinant(source, target, pins, grid, probe_offsets, centre, radius, size):
    """The least `det J_B` of each face's map on its grid and probes, `(B,)`.

    Args:
        source, target: float64 `(B, N, 2)` controls.
        pins: float64 `(B, P, 2)`.
        grid: float64 `(B, G, 2)` grid points over the head disc.
        probe_offsets: float64 `(O, 2)` in face sizes.
        centre, radius, size: float64 `(B, 2)`, `(B,)`, `(B,)`: the disc and
            the face size.
    """
    photo = tf.concat([source, pins], axis=1)                          # (B, M, 2)
    centres = tf.concat([target, pins], axis=1)                        # (B, M, 2)
    # PlaneMap's unit frame: the centres' extent, where the kernel is O(1).
    both = tf.concat([photo, centres], axis=1)
    origin = tf.reduce_mean(both, axis=1, keepdims=True)               # (B, 1, 2)
    unit = tf.reduce_max(tf.reduce_max(both, 1) - tf.reduce_min(both, 1), axis=-1)
    unit = tf.maximum(unit, 1e-12)[:, None, None]                      # (B, 1, 1)
    c = (centres - origin) / unit
    values = (photo - centres) / unit                                  # (B, M, 2)
    m = tf.shape(c)[1]
    # A control given twice (same source and target) is one centre: its
    # repeats get the equation w = 0 (NumPy drops them; the same solution).
    pairs = tf.concat([photo, centres], axis=-1)                       # (B, M, 4)
    same = tf.reduce_all(tf.equal(pairs[:, :, None], pairs[:, None]), axis=-1)
    earlier = tf.linalg.band_part(tf.ones([m, m], tf.bool), -1, 0)     # i >= j
    earlier = tf.logical_and(earlier, tf.logical_not(tf.eye(m, dtype=tf.bool)))
    repeat = tf.reduce_any(tf.logical_and(same, earlier[None]), axis=-1)  # (B, M)
    keep = tf.cast(tf.logical_not(repeat), _F64)
    k, _ = _kernel(_squared_distances(c, c))                           # (B, M, M)
    k = k * keep[:, :, None] * keep[:, None] + tf.linalg.diag(1.0 - keep)
    p = tf.concat([c, tf.ones_like(c[..., :1])], axis=-1) * keep[..., None]  # (B, M, 3)
    lhs = tf.concat([tf.concat([k, p], axis=2),
                     tf.concat([tf.linalg.matrix_transpose(p),
                                tf.zeros_like(p[:, :3, :3])], axis=2)], axis=1)
    rhs = tf.concat([values * keep[..., None], tf.zeros_like(values[:, :3])], axis=1)
    solution = tf.linalg.solve(lhs, rhs)                               # (B, M + 3, 2)
    w, affine = solution[:, :m], solution[:, m:m + 2]                  # (B, M, 2), (B, 2, 2)
    # Evaluation points: the grid, then the probes around the N targets
    # (those outside the disc masked).
    probes = target[:, :, None] + size[:, None, None, None] * probe_offsets  # (B, N, O, 2)
    probes = tf.reshape(probes, [tf.shape(probes)[0], -1, 2])
    inside = tf.reduce_sum((probes - centre[:, None]) ** 2, -1) <= (radius ** 2)[:, None]
    points = (tf.concat([grid, probes], axis=1) - origin) / unit       # (B, Q, 2)
    valid = tf.concat([tf.ones_like(grid[..., 0], tf.bool), inside], axis=1)
    diff = points[:, :, None] - c[:, None]                              # (B, Q, M, 2)
    _, grad = _kernel(tf.reduce_sum(diff * diff, axis=-1))              # (B, Q, M)
    # J_f[i, j] = sum_m w[m, i] grad[m] diff[m, j] + affine[j, i].
    jac = (tf.einsum("bqmj,bmi->bqij", grad[..., None] * diff, w)
           + tf.linalg.matrix_transpose(affine)[:, None])               # (B, Q, 2, 2)
    det = (1.0 + jac[..., 0, 0]) * (1.0 + jac[..., 1, 1]) - jac[..., 0, 1] * jac[..., 1, 0]
    return tf.reduce_min(tf.where(valid, det, tf.constant(np.inf, _F64)), axis=1)


def merge_close_controls(source, target, distance):
    """`plane_map.merge_close_controls` for a batch: float64 `(B, N, 2)` targets.

    Args:
        source, target: float64 `(B, N, 2)`.
        distance: float64 `(B,)`, pixels.
    """
    n = tf.shape(source)[1]
    close = _squared_distances(source, source) < (distance ** 2)[:, None, None]  # (B, N, N)
    labels = tf.broadcast_to(tf.range(n)[None], tf.shape(source)[:2])  # (B, N)

    def step(labels, _):
        linked = tf.reduce_min(tf.where(close, labels[:, None], n), axis=-1)
        return linked, tf.reduce_any(tf.not_equal(linked, labels))

    # Each control takes the least label it is linked to, until none changes
    # (at most N rounds).
    labels, _ = tf.while_loop(lambda _, changed: changed, step, (labels, tf.constant(True)),
                              maximum_iterations=n)
    member = tf.cast(tf.equal(labels[..., None], tf.range(n)), _F64)   # (B, N, groups N)
    sums = tf.einsum("bng,bnj->bgj", member, target - source)
    counts = tf.maximum(tf.reduce_sum(member, axis=1), 1.0)[..., None]  # (B, N, 1)
    return source + tf.gather(sums / counts, labels, batch_dims=1)


def guarded_targets(source, target, threshold=plane_map.MIN_DETERMINANT):
    """The targets `plane_map.unfolded` leaves: `(targets, shrink)`.

    Args:
        source: float32 `(B, N, 2)` controls in the photo (the 68 landmarks
            first).
        target: float32 `(B, N, 2)` where they land.
        threshold: float in [0, 1), the least determinant allowed.

    Returns:
        float32 `(B, N, 2)` targets of a map whose least determinant over the
        head is at least `threshold` (`unfolded(...).control_target`), and
        float32 `(B,)` the factor the displacement was shrunk by (1: none).
    """
    xp = tf.experimental.numpy
    src = tf.cast(source, _F64)
    tgt = tf.cast(target, _F64)
    centre, size, _ = plane_map.face_frame(src, xp=xp)                 # (B, 2), (B,)
    pins = plane_map.pinned_points(src, xp=xp)                          # (B, P, 2)
    radius = plane_map.PIN_RADII[0] * size
    disc = tf.constant(plane_map.unit_disc_grid(plane_map.GUARD_GRID), _F64)   # (G, 2)
    grid = disc[None] * radius[:, None, None] + centre[:, None]
    offsets = tf.constant(plane_map.probe_offsets(), _F64)

    def least(moved):
        return min_determinant(src, moved, pins, grid, offsets, centre, radius, size)

    threshold = tf.constant(float(threshold), _F64)
    raw_ok = least(tgt) >= threshold - plane_map.ROUND_OFF              # (B,)
    merged = merge_close_controls(src, tgt, plane_map.MERGE_DISTANCE * size)
    merged_ok = least(merged) >= threshold
    need = tf.logical_not(tf.logical_or(raw_ok, merged_ok))
    displacement = merged - src

    def bisect(lo, hi):
        mid = 0.5 * (lo + hi)
        ok = tf.logical_or(least(src + mid[:, None, None] * displacement) >= threshold,
                           tf.logical_not(need))
        return tf.where(ok, mid, lo), tf.where(ok, hi, mid)

    zeros = tf.zeros_like(size)
    # Factor 0 is the identity (determinant 1); no bisection when no face needs one.
    lo, _ = tf.while_loop(lambda lo, hi: tf.reduce_any(need), bisect,
                          (zeros, tf.ones_like(size)),
                          maximum_iterations=plane_map.GUARD_STEPS)
    shrink = tf.where(need, lo, tf.ones_like(lo))
    out = tf.where(raw_ok[:, None, None], tgt,
                   src + shrink[:, None, None] * displacement)
    return tf.cast(out, tf.float32), tf.cast(shrink, tf.float32)
