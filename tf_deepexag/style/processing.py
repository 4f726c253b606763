"""The one image pre/post-processing of every style model.

Images are uint8 RGB NHWC at the edges (files, the API, serving signatures)
and float32 in [-1, 1] inside the models (DESIGN.md, Conventions). Every
style path converts with these two functions: the stylizers, the exported
SavedModel's `stylize`/`caricature` signatures, the style training input and
its evaluation (FID/KID), so the model sees the same pixels whichever way it
is run.

Two ways to fit an image to a model:

    # A model trained at a fixed side (U-GAT-IT): resize, translate, resize back.
    x = to_model_input(images, size=256)                  # (B, 256, 256, 3)
    out = to_uint8(generator(x), size=images.shape[1:3])  # (B, H, W, 3) uint8

    # A fully convolutional model run at the input's own size (CartoonGAN):
    # pad bottom/right to a multiple of its total stride, crop the padding off.
    x = to_model_input(images, multiple=4)                 # (B, 4*ceil(H/4), ...)
    out = to_uint8(generator(x), crop=images.shape[1:3])   # (B, H, W, 3) uint8

Resizing is `tf.image.resize(method="bilinear", antialias=True)` in both
directions: bilinear when enlarging, a triangle filter as wide as the scale
when shrinking (no aliasing at any factor). Padding mirrors the border
(`SYMMETRIC`), so no dark frame enters the convolutions. Values are mapped
`x = u / 127.5 - 1` in and `u = round(clip((y + 1) * 127.5, 0, 255))` out.

All functions take NumPy arrays or tensors, `(H, W, 3)` or `(B, H, W, 3)`,
return tensors of the same rank, and work inside `tf.function`.
"""

import numpy as np
import tensorflow as tf

_RESIZE = dict(method="bilinear", antialias=True)


def _batched(images, name):
    """`(B, H, W, 3)` tensor and whether the input had no batch dimension."""
    images = tf.convert_to_tensor(images)
    rank = images.shape.rank
    if rank not in (3, 4) or images.shape[-1] not in (3, None):
        raise ValueError(f"`{name}` must be (H, W, 3) or (B, H, W, 3) RGB, got shape "
                         f"{images.shape}.")
    return (images[None] if rank == 3 else images), rank == 3


def _side_pair(value, name):
    """`value` (int, pair or 1-D tensor) as a length-2 int32 tensor."""
    if tf.is_tensor(value):
        return tf.cast(value, tf.int32)
    pair = [value, value] if np.ndim(value) == 0 else list(value)
    if len(pair) != 2 or any(not float(v).is_integer() or int(v) <= 0 for v in pair):
        raise ValueError(f"`{name}` must be a positive int or (height, width), "
                         f"got {value!r}.")
    return tf.constant([int(v) for v in pair], tf.int32)


def to_model_input(images, size=None, multiple=1):
    """uint8 RGB images -> float32 model input in [-1, 1].

    Args:
        images: uint8 `(H, W, 3)` or `(B, H, W, 3)`.
        size: None (keep the size), an int side or `(height, width)`: the
            images are resized to it. Defaults to None.
        multiple: int >= 1; after any resize, the bottom and right are padded
            (mirrored) up to multiples of it. Defaults to 1 (no padding).

    Returns:
        float32 tensor of the input's rank.

    Raises:
        ValueError: not uint8 RGB, or a bad `size` or `multiple` (named).
    """
    images, single = _batched(images, "images")
    if images.dtype != tf.uint8:
        raise ValueError(f"`images` must be uint8, got {images.dtype.name}.")
    if int(multiple) < 1:
        raise ValueError(f"`multiple` must be a positive int, got {multiple!r}.")
    x = tf.cast(images, tf.float32)
    if size is not None:
        x = tf.clip_by_value(tf.image.resize(x, _side_pair(size, "size"), **_RESIZE),
                             0.0, 255.0)
    if int(multiple) > 1:
        hw = tf.shape(x)[1:3]
        pad = (-hw) % int(multiple)  # (2,) rows, columns to add
        x = tf.pad(x, [[0, 0], [0, pad[0]], [0, pad[1]], [0, 0]], mode="SYMMETRIC")
    x = x / 127.5 - 1.0
    return x[0] if single else x


def to_uint8(outputs, size=None, crop=None):
    """float32 model outputs in [-1, 1] -> uint8 RGB images.

    Args:
        outputs: float `(H, W, 3)` or `(B, H, W, 3)`, nominally in [-1, 1]
            (values outside are clipped).
        size: None, an int side or `(height, width)`: resized to it (after any
            crop). Defaults to None.
        crop: None or `(height, width)`: the top-left region kept, which
            removes `to_model_input`'s padding. Defaults to None.

    Returns:
        uint8 tensor of the input's rank.
    """
    y, single = _batched(outputs, "outputs")
    y = tf.cast(y, tf.float32)
    if crop is not None:
        hw = _side_pair(crop, "crop")
        y = y[:, :hw[0], :hw[1]]
    if size is not None:
        y = tf.image.resize(y, _side_pair(size, "size"), **_RESIZE)
    u = tf.cast(tf.round(tf.clip_by_value((y + 1.0) * 127.5, 0.0, 255.0)), tf.uint8)
    return u[0] if single else u
