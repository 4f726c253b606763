"""The geometry as a map of the plane: a thin-plate spline through control points.

Shapes: N the model's control points (the 68 landmarks first, then any head
points), P pinned points, M = N + P spline centres, Q query points.

NumPy only (float64), so the LiteRT runner (no TensorFlow) applies the same
map as the library, the pipeline and the SavedModel runner.

The map is defined backward, as the pipeline's warp applies it
(`warp.warp_face`): the caricature's pixel p shows the photo at
`B(p) = p + f(p)`, f the thin-plate spline with `f(d_k) = s_k - d_k` at the
control targets d_k (the controls' sources s_k), pinned points p_j with
`f(p_j) = 0`. Where a photo point q lands is the forward map
`F(q) = B^-1(q)`: Newton's method on `B(p) = q`, started at the forward
spline through the sources (values `d_k - s_k`), which is exact at every
control point and within a fraction of a pixel of the inverse between them.

The pins sit in a face frame (`face_frame`): rings of `PINS_PER_RING`
points around the head centre, at `PIN_RADII` face sizes. The map therefore
moves the head, holds the background beyond the inner ring still, and
depends on the face only: a crop, a resize or a rotation of the photo moves
the map with it (the thin-plate spline is equivariant under similarities).

Mathematical details:
    `f(p) = sum_k w_k U(|p - c_k|^2) + A [p, 1]`, `U(r) = 0.5 r log r`
    (r log sqrt r: the thin-plate kernel, `warp.interpolate_spline` order 2),
    with `[K P; P^T 0] [w; A] = [v; 0]`, `K_kl = U(|c_k - c_l|^2)`,
    `P = [c, 1]` (Bookstein 1989, section II). Its Jacobian is
    `J_f(p) = sum_k w_k (log |p - c_k|^2 + 1) (p - c_k)^T + A_linear`, and
    `J_B = I + J_f`. B is one-to-one over a region where `det J_B > 0`
    throughout (a fold makes it negative); the forward map's determinant at
    `B(p)` is `1 / det J_B(p)`.
"""

from absl import logging
import numpy as np

from tf_deepexag.errors import UserError

# iBUG 68 eye contours (jaw 0-16, ..., right eye 36-41, left eye 42-47).
_RIGHT_EYE, _LEFT_EYE = slice(36, 42), slice(42, 48)
NUM_LANDMARKS = 68
# The head centre sits this many face sizes above the landmarks' centroid
# (towards the cranium), measured on AutoToon photos.
HEAD_CENTRE_OFFSET = 0.5
# Rings of pinned points, in face sizes from the head centre: the inner one
# lies just beyond the top of the hair on AutoToon's portraits (the whole
# head moves inside it), the others hold the background still (a spline
# pinned by one ring bulges beyond it: with the astronaut's landmarks scaled
# by 1.15 about their centroid, up to 7.4 px inside, two rings (3, 4.5) let
# 1.8 px through at 3.6 sizes and 6 px at 8; these rings 0.3 px and 0.02 px).
PIN_RADII = (3.0, 3.5, 4.2, 5.5, 8.0)
PINS_PER_RING = 24
# The square face crop's half side, in face sizes from the head centre: the
# inner ring and a feathering band beyond it fit inside.
CROP_RADIUS = 3.6
_NEWTON_STEPS = 30
_TOLERANCE = 1e-7  # in units of the centres' extent (~1e-4 px at 1000 px)
_RESTART_GRID = 128  # nodes per side of the grid unsolved points restart from
# Rings around each control target where `min_jacobian_determinant` also
# probes, in face sizes (0.3 to 5 px on a 120-px face): close controls moved
# apart (a closed mouth's inner lips, 1 px apart in the photo) fold the map in
# patches of a few pixels, between the nodes of a 64-point grid.
PROBE_RADII = (0.0025, 0.005, 0.01, 0.02, 0.04)
PROBE_ANGLES = 8
# The fold guard (`unfolded`): the least Jacobian determinant a map may have
# over the head (0 is a fold; 0.1 leaves a margin between the points it is
# evaluated at), the grid it is checked on (nodes per side of the head disc,
# about 3 px apart on a 120-px face: a 64-node grid let a fold of the
# built-in model at strength 2 through, found at 128), and the bisection
# steps on the displacement's factor (2^-12).
MIN_DETERMINANT = 0.1
GUARD_GRID = 128
GUARD_STEPS = 12
# A map this little below the threshold passes the guard's first check: the
# guarded targets of the SavedModel (`export.fold_guard`), rounded to float32,
# come back through `unfolded` unchanged.
ROUND_OFF = 1e-4
# Points a spline evaluates at a time (`_Spline.value_and_jacobian`).
_ROWS = 1024
# Controls closer than this in the photo (face sizes: 2.4 px on a 120-px
# face) move together when their map folds (`merge_close_controls`).
MERGE_DISTANCE = 0.02


def face_frame(landmarks, xp=np):
    """The face frame of 68 landmarks: `(centre (..., 2), size (...), axes (..., 2, 2))`.

    `size` is the RMS distance of the landmarks from their centroid (about
    0.8 inter-ocular distances on a frontal face), `axes` the rows u (from
    the right eye's centre to the left's, the face's "right" in the image)
    and v (u turned a quarter towards the chin), `centre` the head centre:
    the centroid moved `HEAD_CENTRE_OFFSET` sizes against v.

    Args:
        landmarks: `(..., 68, 2)` (x, y) points, or `(..., N, 2)` with the
            68 first.
        xp: the array module: NumPy (the default; inputs checked) or
            `tf.experimental.numpy` (the exported graphs; unchecked).

    Raises:
        ValueError: (NumPy) fewer than 68 points, not finite, or both eyes
            in one place.
    """
    if xp is np:
        points = np.asarray(landmarks, np.float64)
        if points.ndim < 2 or points.shape[-2] < NUM_LANDMARKS or points.shape[-1] != 2:
            raise ValueError(f"`landmarks` must be (..., 68, 2) or (..., N >= 68, 2), got "
                             f"{points.shape}.")
        if not np.all(np.isfinite(points[..., :NUM_LANDMARKS, :])):
            raise ValueError("`landmarks` contain NaN or inf.")
    else:
        points = landmarks
    points = points[..., :NUM_LANDMARKS, :]
    centroid = xp.mean(points, axis=-2)                                  # (..., 2)
    size = xp.sqrt(xp.mean(xp.sum((points - centroid[..., None, :]) ** 2, axis=-1), axis=-1))
    eyes = (xp.mean(points[..., _LEFT_EYE, :], axis=-2)
            - xp.mean(points[..., _RIGHT_EYE, :], axis=-2))             # (..., 2)
    norm = xp.sqrt(xp.sum(eyes ** 2, axis=-1))
    if xp is np and not (np.all(size > 0) and np.all(norm > 0)):
        raise ValueError("`landmarks` are degenerate (no extent, or both eyes at one point).")
    u = eyes / norm[..., None]
    v = xp.stack([-u[..., 1], u[..., 0]], axis=-1)  # towards the chin (y points down)
    centre = centroid - HEAD_CENTRE_OFFSET * size[..., None] * v
    return centre, size, xp.stack([u, v], axis=-2)


def pinned_points(landmarks, xp=np):
    """`(..., P, 2)` pinned points of faces: `PIN_RADII` rings in their frames.

    Args:
        landmarks: `(..., N >= 68, 2)` (x, y) points, the 68 landmarks first.
        xp: the array module, as `face_frame`.
    """
    centre, size, axes = face_frame(landmarks, xp)
    angles = 2 * np.pi * (np.arange(PINS_PER_RING) + 0.5) / PINS_PER_RING
    rings = np.concatenate([r * np.stack([np.cos(angles), np.sin(angles)], axis=1)
                            for r in PIN_RADII])                        # (P, 2) constants
    if xp is not np:  # the landmarks' precision (float32 in the exported graphs)
        rings = rings.astype(np.dtype(getattr(landmarks.dtype, "as_numpy_dtype", np.float32)))
    # centre + size * (a u + b v) for each ring point (a, b).
    offsets = (rings[:, 0, None] * axes[..., None, 0, :]
               + rings[:, 1, None] * axes[..., None, 1, :])              # (..., P, 2)
    return centre[..., None, :] + size[..., None, None] * offsets


def head_box(landmarks, radius=CROP_RADIUS):
    """`(x0, y0, x1, y1)` float square around the head centre, `radius` sizes each side."""
    centre, size, _ = face_frame(landmarks)
    half = radius * size
    return (centre[0] - half, centre[1] - half, centre[0] + half, centre[1] + half)


def _kernel(r):
    """`U(r) = 0.5 r log r` of squared distances, and `dU/dr * 2 = log r + 1`."""
    r = np.maximum(r, 1e-30)
    log = np.log(r)
    return 0.5 * r * log, log + 1.0


class _Spline:
    """A 2-D thin-plate spline of 2-D values, solved in float64."""

    def __init__(self, centres, values):
        self.centres = centres                                   # (M, 2)
        m = len(centres)
        k, _ = _kernel(_squared_distances(centres, centres))     # (M, M)
        p = np.concatenate([centres, np.ones((m, 1))], axis=1)   # (M, 3)
        lhs = np.block([[k, p], [p.T, np.zeros((3, 3))]])
        rhs = np.concatenate([values, np.zeros((3, 2))])
        try:
            solution = np.linalg.solve(lhs, rhs)
        except np.linalg.LinAlgError as e:
            raise UserError("The warp cannot map these landmarks: their spline system is "
                            "singular (two controls at one place with different moves?).") from e
        self.w, self.affine = solution[:m], solution[m:]        # (M, 2), (3, 2)

    def __call__(self, points):
        """Values `(Q, 2)` at `(Q, 2)` points."""
        return self.value_and_jacobian(points, jacobian=False)[0]

    def value_and_jacobian(self, points, value=True, jacobian=True):
        """Values `(Q, 2)` and Jacobians `(Q, 2, 2)` (`d value_i / d point_j`);
        None for the one not asked for.

        `J_f(p) = sum_k w_k (log r_k + 1) (p - c_k)^T + A_linear`: per axis j
        one `(Q, M) @ (M, 2)` product. Computed `_ROWS` points at a time, so
        the `(rows, M)` temporaries stay in the CPU's cache (a guard's
        128 x 128 grid: ~6x faster than whole `(Q, M, 2)` arrays).
        """
        values = np.empty((len(points), 2)) if value else None
        jacobians = np.empty((len(points), 2, 2)) if jacobian else None
        cx, cy = self.centres[:, 0], self.centres[:, 1]
        for start in range(0, len(points), _ROWS):
            rows = slice(start, start + _ROWS)
            dx = points[rows, 0, None] - cx                        # (rows, M)
            dy = points[rows, 1, None] - cy
            r = np.maximum(dx * dx + dy * dy, 1e-30)               # as `_kernel`, in place
            log = np.log(r)
            if value:
                values[rows] = (0.5 * r * log) @ self.w
            if jacobian:
                log += 1.0                                         # dU/dr * 2
                jacobians[rows, :, 0] = (log * dx) @ self.w
                jacobians[rows, :, 1] = (log * dy) @ self.w
        if value:
            values += points @ self.affine[:2] + self.affine[2]
        if jacobian:
            jacobians += self.affine[:2].T[None]
        return values, jacobians


def _squared_distances(a, b):
    """`(A, B)` squared distances, per axis (no cancellation)."""
    diff = a[:, None] - b[None]
    return np.einsum("abj,abj->ab", diff, diff)


class PlaneMap:
    """Where each photo point lands in the caricature, and back.

    Built from the geometry's controls (sources in the photo, targets in the
    caricature, the same frame) plus pinned points (see the module
    docstring). `source` and `target` hold all `M` spline centres, pins
    included: `warp.warp_face(image, map.source, map.target,
    border_points_per_edge=0)` warps an image by exactly this map (on its
    coarse grid). A control given twice (the same source and target: two
    landmarks of a closed mouth moved together) is one centre there, the
    first `num_controls` rows; `control_source` and `control_target` keep
    the controls as given `(N, 2)`.

    Args:
        source: `(N, 2)` (x, y) control points in the photo.
        target: `(N, 2)` where they land.
        pinned: `(P, 2)` points that stay put, or None for
            `pinned_points(source)` (the first 68 sources are the landmarks);
            pass an empty `(0, 2)` array for none.

    Example:
        >>> plane = PlaneMap(photo_points, exaggerated_points)
        >>> plane.forward(photo_points)   # == exaggerated_points
        >>> plane.backward(exaggerated_points)   # == photo_points
        >>> plane.min_jacobian_determinant() > 0   # no fold over the head

    Raises:
        ValueError: shapes or NaN/inf; `errors.UserError` (a `ValueError`):
            a singular system.
    """

    def __init__(self, source, target, pinned=None):
        source = _check_points(source, "source")
        target = _check_points(target, "target")
        if source.shape != target.shape:
            raise ValueError(f"`source` {source.shape} and `target` {target.shape} differ.")
        pinned = pinned_points(source) if pinned is None else _check_points(pinned, "pinned")
        self.control_source, self.control_target = source, target   # (N, 2)
        # One centre per distinct control (a repeated one makes the systems
        # singular), in their first order.
        _, first = np.unique(np.concatenate([source, target], axis=1), axis=0,
                             return_index=True)
        keep = np.sort(first)
        source, target = source[keep], target[keep]
        self.num_controls = len(source)
        # What the fold guard `unfolded` changed: the factor it shrank the
        # controls' displacement by (1: none), the controls it merged.
        self.shrink = 1.0
        self.merged = 0
        self.source = np.concatenate([source, pinned])           # (M, 2)
        self.target = np.concatenate([target, pinned])           # (M, 2)
        if len(self.source) < 3:
            raise ValueError(f"A plane map needs at least 3 points, got {len(self.source)}.")
        # Solved in units of the centres' extent, where the kernel is O(1).
        both = np.concatenate([self.source, self.target])
        self._origin = both.mean(axis=0)
        self._unit = max(float(np.max(np.ptp(both, axis=0))), 1e-12)
        s, d = self._to_unit(self.source), self._to_unit(self.target)
        self._backward = _Spline(d, s - d)
        self._forward_spline = None  # solved when `forward` first needs it

    @property
    def _forward(self):
        """The forward spline through the sources (Newton's start), solved once."""
        if self._forward_spline is None:
            s, d = self._to_unit(self.source), self._to_unit(self.target)
            self._forward_spline = _Spline(s, d - s)
        return self._forward_spline

    def _to_unit(self, points):
        return (points - self._origin) / self._unit

    def _from_unit(self, points):
        return points * self._unit + self._origin

    def backward(self, points):
        """`(Q, 2)` photo points shown at `(Q, 2)` caricature points (the warp's map)."""
        p = self._to_unit(_check_points(points, "points"))
        return self._from_unit(p + self._backward(p))

    def forward(self, points):
        """`(Q, 2)` caricature points where `(Q, 2)` photo points land.

        Newton's method on the backward map (each step limited to a tenth of
        the centres' extent), from the forward spline; points it leaves
        unsolved (a fold, or a map far from its spline's inverse) restart
        from the nearest node of the backward map on a grid over the
        centres. Where the map folds the answer is one of the preimages.
        """
        q = self._to_unit(_check_points(points, "points"))
        p = self._newton(q, q + self._forward(q))
        residual = np.max(np.abs(p + self._backward(p) - q), axis=1, initial=0.0)
        lost = residual > _TOLERANCE * 10
        if np.any(lost):
            lo, hi = self._to_unit(self.target).min(0), self._to_unit(self.target).max(0)
            axes = [np.linspace(lo[i], hi[i], _RESTART_GRID) for i in range(2)]
            nodes = np.stack(np.meshgrid(*axes, indexing="xy"), -1).reshape(-1, 2)
            shown = nodes + self._backward(nodes)                       # (G, 2)
            nearest = np.argmin(_squared_distances(q[lost], shown), axis=1)
            p[lost] = self._newton(q[lost], nodes[nearest])
        return self._from_unit(p)

    def _newton(self, q, p):
        """Newton steps on `B(p) = q` from `p`, in the unit frame."""
        p = p.copy()
        for _ in range(_NEWTON_STEPS):
            values, jacobian = self._backward.value_and_jacobian(p)
            residual = p + values - q                                   # (Q, 2)
            if np.max(np.abs(residual), initial=0.0) < _TOLERANCE:
                break
            jacobian += np.eye(2)                                       # (Q, 2, 2)
            det = jacobian[:, 0, 0] * jacobian[:, 1, 1] - jacobian[:, 0, 1] * jacobian[:, 1, 0]
            ok = np.abs(det) > 1e-9
            step = residual.copy()  # a fixed-point step where the Jacobian is singular
            step[ok] = np.linalg.solve(jacobian[ok], residual[ok][..., None])[..., 0]
            length = np.hypot(step[:, 0], step[:, 1])[:, None]
            p = p - step * np.minimum(1.0, 0.1 / np.maximum(length, 1e-30))
        return p

    def jacobian_determinant(self, points):
        """`(Q,)` determinants of the backward map's Jacobian at caricature points."""
        _, j = self._backward.value_and_jacobian(self._to_unit(_check_points(points, "points")),
                                                 value=False)
        j = j + np.eye(2)
        return j[:, 0, 0] * j[:, 1, 1] - j[:, 0, 1] * j[:, 1, 0]

    def scaled(self, strength):
        """The map with every control's displacement times `strength` (0: identity)."""
        source, target = self.control_source, self.control_target
        moved = source + float(strength) * (target - source)
        return PlaneMap(source, moved, pinned=self.source[self.num_controls:])

    def min_jacobian_determinant(self, centre=None, radius=None, num=64, probes=True):
        """The smallest `det J_B` on a `num` x `num` grid over a disc, and
        (`probes`) at `probe_points` inside it.

        Negative means the map folds there (not one-to-one); 1 everywhere is
        a pure translation. The default disc is the head inside the inner
        pinned ring (`face_frame` of the first 68 sources, `PIN_RADII[0]`).

        Args:
            centre: `(2,)` (x, y) disc centre, or None for the head centre.
            radius: float, disc radius in pixels, or None for the inner ring.
            num: int >= 2, grid points per side.
            probes: bool, also evaluate at `probe_points` (close controls
                moved apart fold the map in patches of a few pixels, between
                a grid's nodes: a closed mouth's inner lips). Defaults to True.
        """
        head, size, _ = face_frame(self.control_source)
        centre = head if centre is None else np.asarray(centre, np.float64)
        radius = PIN_RADII[0] * size if radius is None else float(radius)
        least = min_jacobian_determinant(self, centre, radius, num)
        if probes:
            points = self.probe_points(size)
            inside = points[np.sum((points - centre) ** 2, axis=1) <= radius ** 2]
            if len(inside):
                least = min(least, float(np.min(self.jacobian_determinant(inside))))
        return least

    def probe_points(self, size=None):
        """`(N (1 + R A), 2)` caricature points at and around the control
        targets: each target and `PROBE_ANGLES` points on rings of
        `PROBE_RADII` face sizes (`size`, pixels; None: the face frame's)."""
        if size is None:
            _, size, _ = face_frame(self.control_source)
        offsets = probe_offsets() * size                                      # (1 + R A, 2)
        return (self.target[:self.num_controls, None] + offsets[None]).reshape(-1, 2)


def probe_offsets():
    """`(1 + R A, 2)` offsets of `PlaneMap.probe_points` in face sizes: the
    target itself and `PROBE_ANGLES` points on each ring of `PROBE_RADII`."""
    angles = 2 * np.pi * np.arange(PROBE_ANGLES) / PROBE_ANGLES
    ring = np.stack([np.cos(angles), np.sin(angles)], axis=1)                 # (A, 2)
    return np.concatenate([np.zeros((1, 2))] + [r * ring for r in PROBE_RADII])


def unit_disc_grid(num):
    """`(G, 2)` nodes of a `num` x `num` grid over [-1, 1]^2 inside the unit disc."""
    t = np.linspace(-1.0, 1.0, int(num))
    grid = np.stack(np.meshgrid(t, t, indexing="xy"), axis=-1).reshape(-1, 2)
    return grid[np.sum(grid ** 2, axis=1) <= 1.0]


def min_jacobian_determinant(plane_map, centre, radius, num=64):
    """The smallest Jacobian determinant of `plane_map`'s backward map
    (caricature -> photo, the warp's) over a disc, evaluated exactly at the
    points of a `num` x `num` grid inside it.

    `> 0` everywhere: the map is one-to-one there (no fold); a fold gives a
    negative value. The identity gives 1.

    Args:
        plane_map: a `PlaneMap`.
        centre: `(2,)` (x, y) centre of the disc, pixels.
        radius: float > 0, its radius.
        num: int >= 2, grid points per side of the disc's bounding square.

    Returns:
        float.
    """
    if int(num) < 2 or not float(radius) > 0:
        raise ValueError(f"`num` must be >= 2 and `radius` > 0, got {num}, {radius}.")
    grid = unit_disc_grid(num) * float(radius) + np.asarray(centre, np.float64)
    return float(np.min(plane_map.jacobian_determinant(grid)))


def merge_close_controls(source, target, distance):
    """Targets where controls closer than `distance` in the photo move together.

    Controls at (nearly) one photo point moved apart (a closed mouth's inner
    lips: the upper and lower lip's points coincide) make the map fold for
    any amount of the displacement: two caricature points showing one photo
    point. Each group of controls linked by source distances below
    `distance` gets its mean displacement.

    Args:
        source: `(N, 2)` control points in the photo.
        target: `(N, 2)` where they land.
        distance: float, pixels.

    Returns:
        `(target (N, 2), moved)`: the new targets and how many changed.
    """
    source = np.asarray(source, np.float64)
    target = np.asarray(target, np.float64)
    close = _squared_distances(source, source) < float(distance) ** 2   # (N, N)
    labels = np.arange(len(source))
    while True:  # each control takes the least label it is linked to
        linked = np.min(np.where(close, labels[None], len(labels)), axis=1)
        if np.array_equal(linked, labels):
            break
        labels = linked
    shift = target - source
    means = np.zeros_like(shift)
    np.add.at(means, labels, shift)
    means /= np.maximum(np.bincount(labels, minlength=len(labels)), 1)[:, None]
    merged = source + means[labels]
    return merged, int(np.sum(np.any(np.abs(merged - target) > 1e-9, axis=1)))


def unfolded(source, target, pinned=None, threshold=MIN_DETERMINANT):
    """The map through the controls, changed only where it would fold.

    The fold guard every map built from a geometry's controls goes through
    (`PlaneMapping.plane_maps`, the pipeline, the video). A map whose
    `min_jacobian_determinant(num=GUARD_GRID)` (over the head, and at the
    probes around its controls) is at least `threshold` (less `ROUND_OFF`) is
    `PlaneMap(source, target, pinned)` itself (`shrink` 1.0, `merged` 0).
    Otherwise, logged:
    1. controls closer than `MERGE_DISTANCE` face sizes in the photo move
       together (`merge_close_controls`; `merged` counts those changed);
    2. if the map still folds, the displacement is multiplied by the largest
       factor in [0, 1) found by bisection (`GUARD_STEPS` steps; factor 0 is
       the identity, determinant 1) whose map stays at or above `threshold`
       (`shrink`). Bisection, not a closed form: the backward map's centres
       are its targets, which move with the factor, so its determinant is no
       polynomial in the factor (it is not even monotone).

    The SavedModel applies the same guard in its graph (`export.fold_guard`).

    Args:
        source: `(N, 2)` (x, y) control points in the photo.
        target: `(N, 2)` where they land.
        pinned: as `PlaneMap`.
        threshold: float in [0, 1), the least determinant allowed.

    Returns:
        a `PlaneMap` with `shrink` and `merged` set.
    """
    if not 0.0 <= float(threshold) < 1.0:
        raise ValueError(f"`threshold` must be in [0, 1), got {threshold}.")
    plane = PlaneMap(source, target, pinned)
    least = plane.min_jacobian_determinant(num=GUARD_GRID)
    if least >= threshold - ROUND_OFF:
        return plane
    source, pinned = plane.control_source, plane.source[plane.num_controls:]
    _, size, _ = face_frame(source)
    merged_target, merged = merge_close_controls(source, plane.control_target,
                                                 MERGE_DISTANCE * size)
    best = PlaneMap(source, merged_target, pinned)
    lo = 1.0
    if best.min_jacobian_determinant(num=GUARD_GRID) < threshold:
        lo, hi, merged_plane, best = 0.0, 1.0, best, best.scaled(0.0)
        for _ in range(GUARD_STEPS):
            mid = 0.5 * (lo + hi)
            candidate = merged_plane.scaled(mid)
            if candidate.min_jacobian_determinant(num=GUARD_GRID) >= threshold:
                lo, best = mid, candidate
            else:
                hi = mid
    best.shrink, best.merged = lo, merged
    logging.info("Fold guard: the map's least Jacobian determinant over the head was "
                 "%.3f (< %g): %d close controls merged, displacement shrunk by %.4f.",
                 least, threshold, merged, lo)
    return best


def _check_points(points, name):
    array = np.asarray(points, np.float64)
    if array.ndim != 2 or array.shape[1] != 2:
        raise ValueError(f"`{name}` must be (N, 2) (x, y) points, got shape {array.shape}.")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"`{name}` contains NaN or inf.")
    return array


class PlaneMapping:
    """`controls`, `plane_maps` and `map_points` over an `exaggerate` method.

    Mixed into `geometry.Exaggerator`, `serving.SavedModelExaggerator` and
    `serving.LiteExaggerator`, whose `exaggerate(photo_points, num_samples,
    temperature, seed, strength)` gives `(S, 68, 2)`: the three apply the same
    map of the plane. A model with more control points (head points)
    overrides `controls`.
    """

    def controls(self, photo_points, num_samples=1, temperature=None, seed=None,
                 strength=1.0, image=None):
        """The control points the map of the plane is built from.

        Today the 68 landmarks and their exaggerated positions; a model with
        head points appends them (sources in the photo, targets moved).

        Args:
            photo_points: `(68, 2)` absolute (x, y) landmarks of one face.
            num_samples: int, samples.
            temperature: float >= 0, or None: 0 for one sample,
                `geometry.SAMPLING_TEMPERATURE` for several.
            seed: int or None.
            strength: float >= 0, applied once: every control's displacement
                is scaled by it.
            image: uint8 `(H, W, 3)` photo the points are in, for a model that
                conditions on it; unused by the landmark-only models.

        Returns:
            `(source (N, 2), targets (S, N, 2))` float32, in the photo frame.
        """
        del image  # the landmark-only models read the landmarks only
        points = np.asarray(photo_points, np.float32)
        if points.shape != (NUM_LANDMARKS, 2):
            raise ValueError(f"`photo_points` must be one face (68, 2), got {points.shape}.")
        targets = self.exaggerate(points, num_samples=num_samples, temperature=temperature,
                                  seed=seed, strength=strength)
        return points, np.asarray(targets, np.float32)

    def plane_maps(self, photo_points, num_samples=1, temperature=None, seed=None,
                   strength=1.0, image=None):
        """One `PlaneMap` per sample: `controls` plus the pins of the face frame,
        through the fold guard (`unfolded`; arguments as `controls`)."""
        if np.shape(photo_points) != (NUM_LANDMARKS, 2):
            raise ValueError(f"`photo_points` must be one face (68, 2), got "
                             f"{np.shape(photo_points)}.")
        source, targets = self.controls(photo_points, num_samples, temperature, seed,
                                        strength, image)
        pins = pinned_points(source)
        return [unfolded(source, target, pins) for target in targets]

    def map_points(self, photo_points, query_points, num_samples=1, temperature=None,
                   seed=None, strength=1.0, image=None):
        """Where photo points land in the caricature: the geometry as a map of the plane.

        The map is the thin-plate spline the pipeline's warp applies
        (`PlaneMap`): through `controls` (the landmarks, and head points when
        the model has them) and points pinned on rings around the head, so
        the background stays still and the map does not depend on the crop.
        On the 68 landmarks it equals `exaggerate`, unless the fold guard
        shrank that sample's displacement (`unfolded`: logged, the map's
        `shrink`).

        Args:
            photo_points: `(68, 2)` absolute (x, y) landmarks of one face.
            query_points: `(Q, 2)` (x, y) photo points.
            num_samples, temperature, seed, strength, image: as `controls`.

        Returns:
            float32 `(S, Q, 2)` caricature points, in the photo's pixel frame.
        """
        query = np.asarray(query_points, np.float64)
        if query.ndim != 2 or query.shape[1] != 2 or not np.all(np.isfinite(query)):
            raise ValueError(f"`query_points` must be finite (Q, 2) (x, y) points, got "
                             f"shape {query.shape}.")
        return np.stack([plane.forward(query) for plane in self.plane_maps(
            photo_points, num_samples, temperature, seed, strength, image)]).astype(np.float32)

