"""Augmentations of paired landmark sets (pure NumPy, applied before the pipeline).

Shapes: P pairs, N points.
"""

import dataclasses

import numpy as np

from tf_deepexag import landmarks


def mirror_points(points, scheme=None):
    """See `landmarks.mirror_points`."""
    return landmarks.mirror_points(points, scheme)


def mirror_pairs(pairs, scheme=None):
    """`PairedLandmarks` followed by their mirror images (2P pairs; a mirror
    keeps its pair's person, so person-disjoint splits stay disjoint)."""
    return dataclasses.replace(
        pairs, photo=np.concatenate([pairs.photo, mirror_points(pairs.photo, scheme)]),
        caricature=np.concatenate([pairs.caricature,
                                   mirror_points(pairs.caricature, scheme)]),
        persons=np.concatenate([pairs.persons, pairs.persons]),
        photo_images=list(pairs.photo_images) * 2,
        caricature_images=list(pairs.caricature_images) * 2, rejected=[])
