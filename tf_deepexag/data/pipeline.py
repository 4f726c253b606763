"""`tf.data` pipeline of paired landmark sequences for the geometry model.

Shapes: B batch, N = T points/steps.

Each element is a dict of float32 tensors:
    photo               (B, T, 5)  stroke-5, offsets divided by stats.photo_scale
    caricature          (B, T, 5)  stroke-5, offsets divided by stats.caricature_scale
    photo_anchor        (B, 2)     absolute landmark 0 of the photo, pixels
    caricature_anchor   (B, 2)     absolute landmark 0 of the caricature, pixels
"""

import numpy as np
import tensorflow as tf

from tf_deepexag import landmarks


def augment_scale(photo, caricature, factors):
    """Scales both faces of a pair about their landmark 0 by `factors` (x, y).

    sketch-rnn's `random_scale` stretches x and y independently. The original
    DeepExaggeration drew separate factors for the photo and the caricature
    (two loaders); one pair shares its factors here so the pair stays a pair.
    Works on one pair or on a batch (leading dimensions broadcast).

    Args:
        photo: `(..., N, 2)` absolute points.
        caricature: `(..., N, 2)` absolute points.
        factors: `(..., 2)` x and y scale factors.

    Returns:
        The scaled `(photo, caricature)`; landmark 0 does not move.
    """
    factors = factors[..., None, :]  # (..., 1, 2)

    def scale(points):
        return points[..., :1, :] + (points - points[..., :1, :]) * factors
    return scale(photo), scale(caricature)


def paired_stroke_dataset(photo_points, caricature_points, stats, batch_size,
                          training, seed=0, random_scale_factor=0.15,
                          scheme=None):
    """Builds the paired stroke-5 dataset.

    Args:
        photo_points: `(P, N, 2)` photo landmarks.
        caricature_points: `(P, N, 2)` caricature landmarks.
        stats: `landmarks.NormalizationStats` fitted on the training pairs.
        batch_size: int, examples per batch (global batch under a strategy).
        training: bool. True: random scale augmentation, shuffling, repeating,
            full batches only. False: none of these; the last batch may be short.
        seed: int; the same seed gives the same batches (whatever TensorFlow's
            global seed), so a resumed run that skips the consumed batches
            continues exactly. Defaults to 0.
        random_scale_factor: float, x and y factors are drawn independently in
            `[1 - f, 1 + f]`, the same for both faces of a pair. Defaults to 0.15.
        scheme: the `LandmarkScheme`, for the pen states; None picks it from
            the point count (`landmarks.scheme_for`).

    Returns:
        `tf.data.Dataset` of dicts (see the module docstring).

    Example:
        >>> stats = landmarks.NormalizationStats.fit(train.photo, train.caricature)
        >>> ds = paired_stroke_dataset(train.photo, train.caricature, stats, 64, True)
        >>> next(iter(ds))["photo"].shape
        TensorShape([64, 68, 5])
    """
    scheme = landmarks.scheme_for(photo_points, scheme)
    photo_points = landmarks.check_points(photo_points, scheme, "photo_points")
    caricature_points = landmarks.check_points(caricature_points, scheme,
                                               "caricature_points")
    if photo_points.shape != caricature_points.shape or photo_points.ndim != 3:
        raise ValueError(f"`photo_points` {photo_points.shape} and `caricature_points` "
                         f"{caricature_points.shape} must both be (P, N, 2).")
    if int(batch_size) <= 0:
        raise ValueError(f"`batch_size` must be positive, got {batch_size}.")
    batch_size = int(batch_size)
    if not 0.0 <= random_scale_factor < 1.0:
        raise ValueError(f"`random_scale_factor` must be in [0, 1), got "
                         f"{random_scale_factor}.")
    if training and len(photo_points) < batch_size:
        raise ValueError(f"{len(photo_points)} training pairs cannot fill one batch of "
                         f"{batch_size}.")
    photo_scale = np.float32(stats.photo_scale)
    caricature_scale = np.float32(stats.caricature_scale)

    def encode(photo, caricature):
        photo_strokes, photo_anchor = landmarks.to_stroke5(photo, scheme, photo_scale)
        caricature_strokes, caricature_anchor = landmarks.to_stroke5(
            caricature, scheme, caricature_scale)
        return {"photo": photo_strokes, "caricature": caricature_strokes,
                "photo_anchor": photo_anchor, "caricature_anchor": caricature_anchor}

    def augment_and_encode(step, indices):
        # One stateless draw per batch, keyed by (seed, batch number): every
        # epoch gets new factors, the same seed gives the same batches, and
        # resuming (skipping batches) lands on the same factors.
        photo = tf.gather(photo_table, indices)  # (B, N, 2)
        caricature = tf.gather(caricature_table, indices)
        factors = tf.random.stateless_uniform(
            [batch_size, 2], seed=tf.stack([tf.cast(seed, tf.int64), step]),
            minval=1.0 - random_scale_factor, maxval=1.0 + random_scale_factor)
        return encode(*augment_scale(photo, caricature, factors))

    def epoch_order(epoch):
        order = tf.random.experimental.stateless_shuffle(
            tf.range(num_pairs, dtype=tf.int64), seed=tf.stack([tf.cast(seed, tf.int64), epoch]))
        return tf.data.Dataset.from_tensor_slices(order)

    if not training:
        return (tf.data.Dataset.from_tensor_slices((photo_points, caricature_points))
                .batch(batch_size)
                .map(encode, num_parallel_calls=tf.data.AUTOTUNE)
                .prefetch(tf.data.AUTOTUNE))
    # Departs from STYLE.md's `.map().cache().shuffle(seed)` chain on purpose:
    # - `shuffle(seed=...)` also depends on TensorFlow's global seed, so a
    #   script that calls `tf.random.set_seed` would get another order and a
    #   resumed run would not replay the same batches. A stateless permutation
    #   per epoch, keyed by (seed, epoch), depends on `seed` alone.
    # - The pairs live in memory (nothing to cache); batches gather them and
    #   one vectorised map per batch augments and encodes (~10x faster than one
    #   map per pair). Augmentation after the gather: new factors every epoch.
    num_pairs = len(photo_points)
    photo_table = tf.constant(photo_points)
    caricature_table = tf.constant(caricature_points)
    return (tf.data.Dataset.counter()
            .flat_map(epoch_order)
            .batch(batch_size, drop_remainder=True)
            .enumerate()
            .map(augment_and_encode, num_parallel_calls=tf.data.AUTOTUNE,
                 deterministic=True)
            .prefetch(tf.data.AUTOTUNE))
