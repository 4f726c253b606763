"""Polyharmonic spline interpolation, numerically as tensorflow-addons 0.23.

Shapes: B batch, N control ("train") points, M query points, D point
dimensions, K value dimensions.

Mathematical details:
    The interpolant is `f(x) = sum_i w_i phi(|x - c_i|^2) + v^T [x, 1]` with the
    polyharmonic kernel of order k written on the squared distance r:
    order 1: `sqrt(r)`; even k: `0.5 r^(k/2) log r` (k = 2 is the thin-plate
    spline `r log sqrt(r)`); odd k: `r^(k/2)`; with r clamped below by 1e-10.
    `w` and `v` solve the block system
        [A + lambda I   B] [w]   [f]
        [B^T            0] [v] = [0],   A_ij = phi(|c_i - c_j|^2), B = [c, 1],
    so the spline interpolates the values (lambda = 0) or trades fit for
    smoothness (lambda > 0), and w is orthogonal to the affine part.
    Duchon (1977); Wikipedia "Polyharmonic spline".
"""

import tensorflow as tf

from tf_deepexag.warp import _checks

EPSILON = 1e-10


def phi(r, order):
    """The polyharmonic kernel of `order` applied to squared distances `r`."""
    if order == 1:
        return tf.sqrt(tf.maximum(r, EPSILON))
    if order == 2:
        return 0.5 * r * tf.math.log(tf.maximum(r, EPSILON))
    if order == 4:
        return 0.5 * tf.square(r) * tf.math.log(tf.maximum(r, EPSILON))
    r = tf.maximum(r, EPSILON)
    if order % 2 == 0:
        return 0.5 * tf.pow(r, 0.5 * order) * tf.math.log(r)
    return tf.pow(r, 0.5 * order)


def cross_squared_distances(x, y):
    """`(B, N, M)` squared distances between the rows of `x` and of `y`."""
    x_norm = tf.reduce_sum(tf.square(x), axis=2)[:, :, None]
    y_norm = tf.reduce_sum(tf.square(y), axis=2)[:, None, :]
    return x_norm - 2 * tf.matmul(x, y, adjoint_b=True) + y_norm


def pairwise_squared_distances(x):
    """`(B, N, N)` squared distances between the rows of `x`.

    Computed from the Gram matrix's diagonal like tensorflow-addons, which
    keeps float32 results identical to it.
    """
    gram = tf.matmul(x, x, adjoint_b=True)
    norm = tf.linalg.diag_part(gram)[:, :, None]
    return norm - 2 * gram + tf.transpose(norm, [0, 2, 1])


def solve_interpolation(train_points, train_values, order, regularization_weight):
    """Solves the spline system for `w (B, N, K)` and `v (B, D + 1, K)`."""
    dims, channels = train_points.shape[-1], train_values.shape[-1]
    if dims is None or channels is None:
        raise ValueError("The last dimensions of `train_points` and `train_values` "
                         "must be known statically.")
    batch, n = tf.shape(train_points)[0], tf.shape(train_points)[1]
    dtype = train_points.dtype
    matrix_a = phi(pairwise_squared_distances(train_points), order)
    if regularization_weight > 0:
        matrix_a += regularization_weight * tf.eye(n, dtype=dtype)[None]
    matrix_b = tf.concat([train_points, tf.ones_like(train_points[..., :1])], axis=2)
    lhs = tf.concat([
        tf.concat([matrix_a, matrix_b], axis=2),
        tf.concat([tf.transpose(matrix_b, [0, 2, 1]),
                   tf.zeros([batch, dims + 1, dims + 1], dtype)], axis=2),
    ], axis=1)                                                  # (B, N+D+1, N+D+1)
    rhs = tf.concat([train_values, tf.zeros([batch, dims + 1, channels], dtype)], axis=1)
    solution = tf.linalg.solve(lhs, rhs)
    return solution[:, :n], solution[:, n:]


def apply_interpolation(query_points, train_points, w, v, order):
    """Evaluates the solved spline at `query_points`; returns `(B, M, K)`."""
    rbf = tf.matmul(phi(cross_squared_distances(query_points, train_points), order), w)
    padded = tf.concat([query_points, tf.ones_like(query_points[..., :1])], axis=2)
    return rbf + tf.matmul(padded, v)


def interpolate_spline(train_points, train_values, query_points, order,
                       regularization_weight=0.0, name="interpolate_spline"):
    """Interpolates values at `query_points` with a polyharmonic spline.

    Args:
        train_points: float `(B, N, D)` control point locations.
        train_values: float `(B, N, K)` values at the control points.
        query_points: float `(B, M, D)` locations to evaluate.
        order: int, 1 (`r`), 2 (thin-plate, `r^2 log r`), 3 (`r^3`), ...
        regularization_weight: float >= 0; 0 interpolates exactly.
        name: name scope.

    Returns:
        `(B, M, K)` interpolated values.

    Raises:
        ValueError: bad order or weight, mismatched shapes or dtypes, NaN/inf
            inputs (eagerly), or fewer than D + 1 control points, which cannot
            fix the affine part.
    """
    if int(order) != order or order < 1:
        raise ValueError(f"`order` must be a positive integer, got {order}.")
    if regularization_weight < 0:
        raise ValueError(f"`regularization_weight` must be >= 0, got "
                         f"{regularization_weight}.")
    with tf.name_scope(name or "interpolate_spline"):
        train_points = tf.convert_to_tensor(train_points)
        train_values = tf.convert_to_tensor(train_values)
        query_points = tf.convert_to_tensor(query_points)
        for tensor, label in ((train_points, "train_points"),
                              (train_values, "train_values"),
                              (query_points, "query_points")):
            _checks.check_float(tensor, label)
            _checks.check_rank_and_last_dim(tensor, label, 3)
        _checks.check_same_leading_dims(train_points, "train_points", train_values,
                                        "train_values", 2)
        if train_points.shape[-1] != query_points.shape[-1]:
            raise ValueError(f"`train_points` {train_points.shape} and `query_points` "
                             f"{query_points.shape} differ in the point dimension.")
        if len({train_points.dtype, train_values.dtype, query_points.dtype}) != 1:
            raise ValueError("`train_points`, `train_values` and `query_points` must "
                             f"share a dtype, got {train_points.dtype.name}, "
                             f"{train_values.dtype.name}, {query_points.dtype.name}.")
        n, dims = train_points.shape[1], train_points.shape[-1]
        if n is not None and dims is not None and n < dims + 1:
            raise ValueError(f"A spline in {dims}-D needs at least {dims + 1} control "
                             f"points, got {n}.")
        if n is None:  # dynamic number of points: checked when the graph runs
            with tf.control_dependencies([tf.debugging.assert_greater_equal(
                    tf.shape(train_points)[1], dims + 1,
                    message=f"A spline in {dims}-D needs at least {dims + 1} control points")]):
                train_points = tf.identity(train_points)
        train_points = _checks.check_finite(train_points, "train_points")
        train_values = _checks.check_finite(train_values, "train_values")
        w, v = solve_interpolation(train_points, train_values, order,
                                   regularization_weight)
        return apply_interpolation(query_points, train_points, w, v, order)
