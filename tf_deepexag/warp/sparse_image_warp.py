"""Image warping from sparse control points, numerically as tensorflow-addons 0.23.

Control points are in (y, x) order. The flow `dest - source` is known at the
destination points; a polyharmonic spline spreads it to every pixel and
`dense_image_warp` applies it, so the pixel at a source point moves to its
destination. Optional zero-flow points on the image border pin it in place.
"""

import tensorflow as tf

from tf_deepexag.warp import _checks
from tf_deepexag.warp.dense_image_warp import dense_image_warp
from tf_deepexag.warp.interpolate_spline import interpolate_spline


def grid_locations(height, width, dtype):
    """`(H * W, 2)` (y, x) coordinates of every pixel, row-major."""
    zero = tf.constant(0.0, tf.float64)
    ys = tf.linspace(zero, tf.cast(height - 1, tf.float64), height)
    xs = tf.linspace(zero, tf.cast(width - 1, tf.float64), width)
    grid_y, grid_x = tf.meshgrid(ys, xs, indexing="ij")
    return tf.cast(tf.reshape(tf.stack([grid_y, grid_x], -1), [-1, 2]), dtype)


def boundary_locations(height, width, points_per_edge):
    """(y, x) of the 4 corners plus `points_per_edge` evenly spaced per edge."""
    height, width = tf.cast(height, tf.float32), tf.cast(width, tf.float32)
    ys = tf.linspace(0.0, height - 1, points_per_edge + 2)
    xs = tf.linspace(0.0, width - 1, points_per_edge + 2)
    grid_y, grid_x = tf.meshgrid(ys, xs, indexing="ij")
    on_border = ((grid_x == 0) | (grid_x == width - 1) |
                 (grid_y == 0) | (grid_y == height - 1))
    return tf.stack([tf.boolean_mask(grid_y, on_border),
                     tf.boolean_mask(grid_x, on_border)], axis=-1)


def sparse_image_warp(image, source_control_point_locations,
                      dest_control_point_locations, interpolation_order=2,
                      regularization_weight=0.0, num_boundary_points=0,
                      name="sparse_image_warp"):
    """Moves the pixels at source control points to the destination points.

    Args:
        image: float `(B, H, W, C)` (or `(H, W, C)`, `(H, W)`) image.
        source_control_point_locations: float `(B, N, 2)` (y, x) points.
        dest_control_point_locations: float `(B, N, 2)` (y, x) points.
        interpolation_order: int, the spline order (2: thin-plate).
        regularization_weight: float >= 0, spline smoothing.
        num_boundary_points: int; > 0 adds zero-flow points on the border
            (`num_boundary_points - 1` per edge besides the 4 corners).
        name: name scope. Defaults to `"sparse_image_warp"`.

    Returns:
        `(warped_image, dense_flow)`: the image in its input rank and the
        `(B, H, W, 2)` flow that was applied.

    Raises:
        ValueError: mismatched control point shapes, too few points for the
            spline order, NaN/inf points.
    """
    with tf.name_scope(name or "sparse_image_warp"):
        image = tf.convert_to_tensor(image)
        source = tf.convert_to_tensor(source_control_point_locations)
        dest = tf.convert_to_tensor(dest_control_point_locations)
        ndims = image.shape.rank
        if ndims not in (2, 3, 4):
            raise ValueError(f"`image` must have rank 2, 3 or 4, got shape {image.shape}.")
        image4d = {2: lambda x: x[None, :, :, None], 3: lambda x: x[None],
                   4: lambda x: x}[ndims](image)
        for tensor, label in ((source, "source_control_point_locations"),
                              (dest, "dest_control_point_locations")):
            _checks.check_rank_and_last_dim(tensor, label, 3, 2)
        if source.shape.is_fully_defined() and dest.shape.is_fully_defined() \
                and source.shape != dest.shape:
            raise ValueError(f"`source_control_point_locations` {source.shape} and "
                             f"`dest_control_point_locations` {dest.shape} differ.")
        flows = dest - source
        shape = tf.shape(image4d)
        batch, height, width = shape[0], shape[1], shape[2]
        if num_boundary_points > 0:
            border = tf.cast(boundary_locations(height, width, num_boundary_points - 1),
                             dest.dtype)
            border = tf.tile(border[None], [batch, 1, 1])
            dest = tf.concat([dest, border], axis=1)
            flows = tf.concat([flows, tf.zeros_like(border)], axis=1)
        queries = tf.tile(grid_locations(height, width, image4d.dtype)[None],
                          [batch, 1, 1])
        flat_flows = interpolate_spline(dest, flows, tf.cast(queries, dest.dtype),
                                        interpolation_order, regularization_weight)
        dense_flows = tf.reshape(flat_flows, [batch, height, width, 2])
        warped = dense_image_warp(image4d, dense_flows)
        warped = {2: lambda x: x[0, :, :, 0], 3: lambda x: x[0], 4: lambda x: x}[ndims](warped)
        return warped, dense_flows
