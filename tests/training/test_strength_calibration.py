"""Strength 1 = the artists' magnitude: `vae_trainer.calibrate_strength`."""

import numpy as np
import pytest

from tests.exported_models import TINY, perturbed_vae
from tf_deepexag import data, landmarks
from tf_deepexag.geometry import Exaggerator
from tf_deepexag.training import vae_trainer


@pytest.mark.slow
def test_calibrated_strength_one_moves_as_far_as_the_artists():
    pairs = data.autotoon_split(head=True)[0].subset(np.arange(4))
    model = perturbed_vae(TINY.replace(max_seq_len=landmarks.IBUG68_HEAD.num_points), seed=0)
    stats = vae_trainer.fit_stats(pairs, "canonical")
    assert stats.scheme == "ibug68_head" and stats.strength_scale == 1.0
    calibrated = vae_trainer.calibrate_strength(model, stats, pairs)
    assert calibrated.strength_scale != 1.0
    source, targets = Exaggerator(model, calibrated).controls(pairs.photo[:, :68],
                                                              temperature=0.0)
    np.testing.assert_allclose(source, pairs.photo, atol=1e-3)
    moved = np.linalg.norm(targets[:, 0] - source, axis=-1).sum()
    artist = np.linalg.norm(pairs.caricature - pairs.photo, axis=-1).sum()
    assert moved == pytest.approx(artist, rel=1e-3)
    # Strength 0.5 is half of it (the scale is applied once, times the strength).
    _, half = Exaggerator(model, calibrated).controls(pairs.photo[:, :68], temperature=0.0,
                                                      strength=0.5)
    np.testing.assert_allclose(half[:, 0] - source, 0.5 * (targets[:, 0] - source),
                               atol=1e-3)
