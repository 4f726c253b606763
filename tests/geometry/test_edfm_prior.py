"""Tests for `VAEConfig.edfm_prior`: the untrained head is the EDFM baseline."""

import dataclasses

import numpy as np
import pytest

from tests.geometry.conftest import TINY
from tf_deepexag import data
from tf_deepexag.geometry import DeepExaggerationVAE, Exaggerator, VAEConfig, baselines
from tf_deepexag.geometry import evaluation
from tf_deepexag.training import vae_trainer as trainer

PRIOR = dataclasses.replace(TINY, num_mixture=1, decoder_photo="current", photo_skip=True,
                            edfm_prior=True, mask_end_offset=False)


@pytest.fixture(scope="module")
def pairs():
    train, test = data.split_by_person(data.make_synthetic_pairs(num_persons=8, seed=3),
                                       0.25, 0)
    return train, test


def test_untrained_model_reproduces_the_edfm_baseline(pairs):
    # The baseline works on absolute points (align to the mean, scale the
    # deviation, map back); the model works on normalised offsets in the
    # canonical frame. The two must give the same faces.
    train, test = pairs
    stats = trainer.fit_stats(train, "canonical")
    # The built-in model's options: no feedback, z readout, faster prior.
    model = DeepExaggerationVAE(dataclasses.replace(PRIOR, feed_caricature=False,
                                                    latent_skip=True, prior_rate=10.0))
    model.build()
    edfm = trainer.init_edfm_prior(model, train, stats)
    reference = baselines.EDFM.fit(train.photo, train.caricature)
    assert edfm.k == reference.k and reference.k > 1.2  # a real exaggeration
    generated = Exaggerator(model, stats).exaggerate(test.photo, temperature=0.0)[:, 0]
    expected = reference(test.photo)
    # Both are similarity-aligned onto the photo by the Exaggerator; compare
    # shapes after aligning onto the baseline, in inter-ocular units.
    np.testing.assert_array_less(evaluation.landmark_error(generated, expected), 1e-4)
    # The untrained model without the prior copies the photo instead.
    plain = DeepExaggerationVAE(dataclasses.replace(PRIOR, edfm_prior=False))
    copied = Exaggerator(plain, stats).exaggerate(test.photo, temperature=0.0)[:, 0]
    assert evaluation.landmark_error(copied, expected).mean() > 0.01


def test_prior_needs_the_photo_skip():
    with pytest.raises(ValueError, match="photo_skip"):
        VAEConfig(edfm_prior=True)


def test_prior_needs_the_canonical_frame(pairs):
    train, _ = pairs
    model = DeepExaggerationVAE(PRIOR)
    model.build()
    with pytest.raises(ValueError, match="canonical"):
        trainer.init_edfm_prior(model, train, trainer.fit_stats(train, "image"))


def test_latent_skip_needs_the_prior():
    with pytest.raises(ValueError, match="edfm_prior"):
        VAEConfig(photo_skip=True, latent_skip=True)
