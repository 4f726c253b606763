"""Tiny shapes shared by the geometry tests."""

import numpy as np
import pytest

from tf_deepexag import landmarks
from tf_deepexag.geometry.config import VAEConfig

TINY = VAEConfig(enc_rnn_size=8, dec_rnn_size=16, z_size=4, num_mixture=3, batch_size=4,
                 num_steps=20)


def random_strokes(rng, batch, steps=68):
    """Normalised-looking stroke-5 `(B, T, 5)` with iBUG-68 pen states."""
    offsets = rng.normal(size=(batch, steps, 2)).astype(np.float32)
    offsets[:, 0] = 0.0
    pen = landmarks.IBUG68.pen_states()[-steps:]  # keeps the end-of-face step
    pen = np.broadcast_to(pen, (batch, steps, 3))
    return np.concatenate([offsets, pen], axis=-1).astype(np.float32)


@pytest.fixture
def tiny_config():
    return TINY
