"""The one image pre/post-processing of every style model.

Images are uint8 RGB NHWC at the edges (files, the API, serving signatures)
and float32 in [-1, 1] inside the models (DESIGN.md, Conventions). Every
style path converts with these two functions: the stylizers, the exported
SavedModel's `stylize`/`caricature` signatures, the style training input and
its evaluation (FID/KID), so the model sees the same pixels whichever way it
is run.

Two ways to fit an image to a model, both `apply` (the stylizers' and the
export graphs' one call):

    # A model trained at a fixed side (U-GAT-IT): resize, translate, resize back.
    out = apply(generator, images, size=256)   # (B, H, W, 3) uint8
    # = to_uint8(generator(to_model_input(images, size=256)), size=(H, W))

    # A fully convolutional model run at the input's own size (CartoonGAN):
    # pad bottom/right to a multiple of its total stride (and at least
    # `min_side`), crop the padding off.
    out = apply(generator, images, multiple=4, min_side=8)
    # = to_uint8(generator(to_model_input(images, multiple=4, min_side=8)),
    #            crop=(H, W))

    # The same, shrunk first so the longer side is at most 512, enlarged back:
    out = apply(generator, images, size=fit_within(tf.shape(images)[1:3], 512),
                multiple=4, min_side=8)

    # The pipeline's painting (`paint`): shrunk to at most `max_side`, painted,
    # enlarged back, then blended with the input (`style_weight` of the
    # painted image): what `style.CartoonGANStylizer` and the exported
    # `stylize`/`caricature` signatures run.
    out = paint(generator, images, max_side=256, style_weight=0.8, multiple=4,
                min_side=8)

Resizing is `tf.image.resize(method="bilinear", antialias=True)` in both
directions: bilinear when enlarging, a triangle filter as wide as the scale
when shrinking (no aliasing at any factor). Padding mirrors the border
symmetrically (`a b c | c b a | a b c ...`, as often as a short side
needs), so no dark frame enters the convolutions. Values are mapped
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


def _mirror_indices(n, target):
    """`(target,)` indices into a side of `n` that extend it symmetrically:
    0 .. n-1, n-1 .. 0, 0 .. (period 2n), any number of times over."""
    j = tf.range(target) % (2 * n)
    return tf.where(j < n, j, 2 * n - 1 - j)


def _pad_bottom_right(x, multiple, min_side):
    """Mirror-pads `x` (B, H, W, C) on the bottom and right to sides that are
    multiples of `multiple`, at least `min_side`.

    A gather of mirrored indices rather than `tf.pad(mode="SYMMETRIC")`:
    it pads any amount (SYMMETRIC at most the side), and it keeps the batch
    and channel dimensions known in a graph whose sizes are not (a padding
    computed at run time leaves every dimension unknown, and TFLite's builtin
    convolutions need the channels).
    """
    hw = tf.shape(x)[1:3]
    target = tf.maximum(hw + (-hw) % multiple, min_side)  # (2,)
    x = tf.gather(x, _mirror_indices(hw[0], target[0]), axis=1)
    return tf.gather(x, _mirror_indices(hw[1], target[1]), axis=2)


def to_model_input(images, size=None, multiple=1, min_side=1):
    """uint8 RGB images -> float32 model input in [-1, 1].

    Args:
        images: uint8 `(H, W, 3)` or `(B, H, W, 3)`.
        size: None (keep the size), an int side or `(height, width)`: the
            images are resized to it. Defaults to None.
        multiple: int >= 1; after any resize, the bottom and right are padded
            (mirrored) up to multiples of it. Defaults to 1 (no padding).
        min_side: int >= 1; sides shorter than it are padded up to it (then
            to the multiple). Defaults to 1.

    Returns:
        float32 tensor of the input's rank.

    Raises:
        ValueError: not uint8 RGB, or a bad `size`, `multiple` or `min_side`
            (named).
    """
    images, single = _batched(images, "images")
    if images.dtype != tf.uint8:
        raise ValueError(f"`images` must be uint8, got {images.dtype.name}.")
    if int(multiple) < 1:
        raise ValueError(f"`multiple` must be a positive int, got {multiple!r}.")
    if int(min_side) < 1:
        raise ValueError(f"`min_side` must be a positive int, got {min_side!r}.")
    x = tf.cast(images, tf.float32)
    if size is not None:
        x = tf.clip_by_value(tf.image.resize(x, _side_pair(size, "size"), **_RESIZE),
                             0.0, 255.0)
    if int(multiple) > 1 or int(min_side) > 1:
        x = _pad_bottom_right(x, int(multiple), int(min_side))
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


def apply(model, images, size=None, multiple=1, min_side=1):
    """uint8 RGB images through `model` and back to uint8 at their own size.

    `to_model_input(images, size, multiple, min_side)`, `model`, then
    `to_uint8` cropping the padding off (to `size`, or the input's size) and,
    when `size` was given, resizing back to the input's size.

    Args:
        model: callable, float32 `(B, h, w, 3)` in [-1, 1] -> the same shape
            and range (a list or tuple: its first element).
        images: uint8 `(H, W, 3)` or `(B, H, W, 3)`.
        size, multiple, min_side: as `to_model_input`.

    Returns:
        uint8 tensor of `images`' shape.
    """
    images, single = _batched(images, "images")
    hw = tf.shape(images)[1:3]
    out = model(to_model_input(images, size, multiple, min_side))
    out = out[0] if isinstance(out, (list, tuple)) else out
    if size is None:
        out = to_uint8(out, crop=hw)
    else:
        out = to_uint8(out, crop=_side_pair(size, "size"), size=hw)
    return out[0] if single else out


def fit_within(hw, max_side):
    """`(height, width)` scaled so the longer side is at most `max_side`.

    Args:
        hw: `(height, width)`: ints or an int32 `(2,)` tensor (sizes known
            at run time only).
        max_side: int >= 1 (a Python number).

    Returns:
        int32 `(2,)` tensor: `hw` itself when it fits, else both sides scaled
        by `max_side / max(hw)` and rounded (float64, ties to even), at least 1.

    Raises:
        ValueError: a bad `max_side` (named).
    """
    if int(max_side) < 1:
        raise ValueError(f"`max_side` must be a positive int, got {max_side!r}.")
    hw64 = tf.cast(hw, tf.float64)
    one = tf.constant(1.0, tf.float64)
    scale = tf.minimum(one, tf.constant(float(max_side), tf.float64) / tf.reduce_max(hw64))
    return tf.cast(tf.maximum(one, tf.round(hw64 * scale)), tf.int32)


def blend(painted, images, style_weight):
    """`round(w * painted + (1 - w) * images)` as uint8; `painted` itself at w = 1.

    Args:
        painted, images: uint8 tensors of one shape.
        style_weight: float in (0, 1], the painted image's share.
    """
    if float(style_weight) == 1.0:
        return painted
    w = float(style_weight)
    mixed = w * tf.cast(painted, tf.float32) + (1.0 - w) * tf.cast(images, tf.float32)
    return tf.cast(tf.clip_by_value(tf.floor(mixed + 0.5), 0.0, 255.0), tf.uint8)


def paint(model, images, max_side=None, style_weight=1.0, multiple=1, min_side=1):
    """uint8 RGB images painted by `model` as the pipeline paints them.

    Images whose longer side exceeds `max_side` are shrunk to it for the model
    (`fit_within`) and its output enlarged back (`apply` with a size;
    a resize to the image's own size is the identity), then the result is
    blended with the input (`blend`).

    Args:
        model: as `apply`.
        images: uint8 `(H, W, 3)` or `(B, H, W, 3)`.
        max_side: int or None (the input's own size). Defaults to None.
        style_weight: float in (0, 1]. Defaults to 1 (the model's output).
        multiple, min_side: as `to_model_input`.

    Returns:
        uint8 tensor of `images`' shape.
    """
    images, single = _batched(images, "images")
    if max_side is None:
        painted = apply(model, images, multiple=multiple, min_side=min_side)
    else:
        size = fit_within(tf.shape(images)[1:3], max_side)
        painted = apply(model, images, size=size, multiple=multiple, min_side=min_side)
    out = blend(painted, images, style_weight)
    return out[0] if single else out
