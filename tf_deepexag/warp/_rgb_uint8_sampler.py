"""Bilinear warp of uint8 RGB images in integer arithmetic, for `warp_face`.

Shapes: B batch, H height, W width, Gh x Gw coarse flow nodes.

The float path (`dense_image_warp` on the image cast to float32) gathers a
3-vector per corner. Here the 3 channels are packed into 21-bit fields of one
int64 per pixel and the weights are fixed point with 6 fraction bits (1/64 px;
`cv2.remap` uses 1/32), so each output pixel costs 4 scalar gathers and
integer multiply-adds. Field headroom: 255 * 64 * 64 < 2^21. Clamping is that
of `dense_image_warp` (corner indices in [0, size - 2], weights in [0, 1]);
the result is rounded half up. On the same flow it differs from the float
path by at most 2 levels at sharp edges (mean 0.01 level on a blurred noise
image; tests/warp/test_warp_face.py bounds it). Under XLA at 512^2 it took
~1.8 ms against ~5 ms for the float path (one thread, loaded machine).

Mathematical details:
    With `tx, ty` the weights in 1/64 units and `p` the packed corners,
    `top = (64 - tx) p00 + tx p01`, `bottom = (64 - tx) p10 + tx p11`,
    `v = (64 - ty) top + ty bottom`; channel c is
    `((v >> 21 c) & (2^21 - 1) + 2^11) >> 12`.
"""

import sys

import tensorflow as tf

# Byte k of an int32 in memory holds bits 8k..8k+7 on little-endian machines.
_BYTE_OF_CHANNEL = (0, 1, 2) if sys.byteorder == "little" else (3, 2, 1)
FRACTION_BITS = 6
FIELD_BITS = 21


def upsample_axis(grid, size, step, axis):
    """Linear interpolation along `axis` (1 or 2) between nodes `step` px apart.

    Node k of `grid` sits at pixel k * step, so pixel k * step + r takes
    `node_k + (r / step) (node_(k+1) - node_k)`: a broadcast over a
    `(nodes - 1, step)` block axis and a reshape, with no gather, which XLA
    fuses into its consumer.

    Args:
        grid: float `(1, R, Gw, 2)` nodes.
        size: int, output length along `axis`; at most `(nodes - 1) * step`.
        step: int, pixels between nodes.
        axis: 1 (rows) or 2 (columns).

    Returns:
        `(1, size, Gw, 2)` (axis 1) or `(1, R, size, 2)` (axis 2).
    """
    t = tf.range(step, dtype=grid.dtype) / tf.cast(step, grid.dtype)   # (S,)
    if axis == 1:
        lower, upper = grid[:, :-1, None], grid[:, 1:, None]           # (1, G-1, 1, Gw, 2)
        t = tf.reshape(t, [1, 1, -1, 1, 1])
    else:
        lower, upper = grid[:, :, :-1, None], grid[:, :, 1:, None]     # (1, R, G-1, 1, 2)
        t = tf.reshape(t, [1, 1, 1, -1, 1])
    blocks = lower + t * (upper - lower)
    shape = tf.shape(blocks)
    if axis == 1:
        return tf.reshape(blocks, [1, -1, shape[3], 2])[:, :size]      # (1, size, Gw, 2)
    return tf.reshape(blocks, [1, shape[1], -1, 2])[:, :, :size]        # (1, R, size, 2)


def _hat_weights(size, nodes, step):
    """`(size, nodes)` linear-interpolation weights, node k at pixel k * step."""
    offset = tf.range(size, dtype=tf.float32)[:, None] / tf.cast(step, tf.float32) \
        - tf.cast(tf.range(nodes), tf.float32)[None]
    return tf.maximum(0.0, 1.0 - tf.abs(offset))


def upsample_flow_matmul(coarse_flow, like, step):
    """`upsample_flow` as two matrix products with the interpolation weights.

    ~30x the arithmetic of `upsample_flow`, but a matrix product is never
    fused into its consumer, so inside one XLA program the sampler reads a
    materialised flow instead of re-interpolating it per gather (bench/warp.py
    `face_xla`); in plain TensorFlow graphs it is also the faster of the two.
    """
    height, width = tf.shape(like)[1], tf.shape(like)[2]
    rows = tf.einsum("yk,kwc->ywc", _hat_weights(height, tf.shape(coarse_flow)[1], step),
                     coarse_flow[0])                                   # (H, Gw, 2)
    return tf.einsum("xw,ywc->yxc", _hat_weights(width, tf.shape(coarse_flow)[2], step),
                     rows)[None]                                       # (1, H, W, 2)


def upsample_flow(coarse_flow, like, step):
    """Bilinear upsampling of `(1, Gh, Gw, 2)` nodes to the `(1, H, W, 2)` size of `like`."""
    height, width = tf.shape(like)[1], tf.shape(like)[2]
    return upsample_axis(upsample_axis(coarse_flow, height, step, 1), width, step, 2)


def warp_rgb_uint8(image, flow):
    """`dense_image_warp(image, upsampled flow)` for uint8 RGB, in integers.

    The result is one int32 per pixel (the 3 bytes then a zero byte in
    memory), unpacked by `unpack_rgb0`: XLA computes it in one fused loop,
    while a `(1, H, W, 3)` result made it repeat the gathers per channel
    (2.5x slower). Pass a materialised flow: upsampling fused into this loop
    doubles its time under XLA.

    Args:
        image: uint8 `(1, H, W, 3)`, H and W at least 2.
        flow: float32 `(1, H, W, 2)` (dy, dx) flow.

    Returns:
        int32 `(1, H, W)` packed pixels for `unpack_rgb0`.
    """
    one = 1 << FRACTION_BITS
    shape = tf.shape(image)
    height, width = shape[1], shape[2]
    grid_y, grid_x = tf.meshgrid(tf.range(height), tf.range(width), indexing="ij")
    corners, weights = [], []
    for axis, (grid, size) in enumerate(((grid_y, height), (grid_x, width))):
        query = tf.cast(grid, tf.float32)[None] - flow[..., axis]          # (1, H, W)
        floor = tf.clip_by_value(tf.floor(query), 0.0, tf.cast(size - 2, tf.float32))
        alpha = tf.clip_by_value(query - floor, 0.0, 1.0)
        corners.append(tf.cast(floor, tf.int32))
        weights.append(tf.cast(tf.round(alpha * one), tf.int64))
    index = corners[0] * width + corners[1]                                # (1, H, W)
    fields = tf.constant([1, 1 << FIELD_BITS, 1 << (2 * FIELD_BITS)], tf.int64)
    # A reduction is not fused into its consumers, so XLA packs the table
    # once instead of re-packing it inside every gather.
    table = tf.reshape(tf.reduce_sum(tf.cast(image, tf.int64) * fields, axis=-1), [-1])
    top_left = tf.gather(table, index)
    top_right = tf.gather(table, index + 1)
    bottom_left = tf.gather(table, index + width)
    bottom_right = tf.gather(table, index + width + 1)
    top = (one - weights[1]) * top_left + weights[1] * top_right
    bottom = (one - weights[1]) * bottom_left + weights[1] * bottom_right
    packed = (one - weights[0]) * top + weights[0] * bottom                # (1, H, W)
    rgb0 = tf.zeros_like(packed)
    for channel in range(3):
        field = tf.bitwise.bitwise_and(
            tf.bitwise.right_shift(packed, channel * FIELD_BITS), (1 << FIELD_BITS) - 1)
        value = tf.bitwise.right_shift(field + (1 << (2 * FRACTION_BITS - 1)),
                                       2 * FRACTION_BITS)               # in [0, 255]
        rgb0 += tf.bitwise.left_shift(value, 8 * _BYTE_OF_CHANNEL[channel])
    return tf.cast(rgb0, tf.int32)                                      # (1, H, W)


def unpack_rgb0(rgb0):
    """`(1, H, W)` int32 RGB0 pixels -> `(1, H, W, 3)` uint8 (a bitcast and a slice)."""
    return tf.bitcast(rgb0, tf.uint8)[..., :3]
