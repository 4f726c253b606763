"""The landmark error used to compare geometry models and baselines.

Definition: the prediction is moved onto the target caricature by the
least-squares similarity (Procrustes: translation, rotation, uniform scale),
then the mean point-to-point Euclidean distance is divided by the target's
inter-ocular distance (outer eye corners 36 and 45). Pose and size are thus
factored out: the error measures shape only, the same way for every method.
"""

import numpy as np

from tf_deepexag import landmarks


def landmark_error(predicted, target):
    """Per-face error `(...,)` of `(..., N, 2)` predictions against targets."""
    predicted = np.asarray(predicted, np.float64)
    target = np.broadcast_to(np.asarray(target, np.float64), predicted.shape)
    aligned = landmarks.align(predicted, target, "procrustes").numpy()
    distance = np.linalg.norm(aligned - target, axis=-1).mean(axis=-1)
    return distance / landmarks.interocular_distance(target)
