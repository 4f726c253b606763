"""Tests for `VAEConfig.decoder_photo`: which photo step the decoder reads."""

import dataclasses

import numpy as np
import pytest

from tests.geometry.conftest import TINY, random_strokes
from tf_deepexag.geometry import DeepExaggerationVAE, VAEConfig, sample_sequence


def _outputs(model, photo, caricature):
    params, _, _ = model({"photo": photo, "caricature": caricature})
    return np.asarray(params)


@pytest.mark.parametrize("mode,first_changed_step", [("previous", 11), ("current", 10)])
def test_decoder_reads_the_configured_photo_step(mode, first_changed_step):
    model = DeepExaggerationVAE(dataclasses.replace(TINY, decoder_photo=mode))
    rng = np.random.default_rng(0)
    photo, caricature = random_strokes(rng, 2), random_strokes(rng, 2)
    base = _outputs(model, photo, caricature)
    # Change only the photo's step 10 and keep z fixed (z = mu is computed from
    # the photo, so replace the encoder output with the original one).
    changed_photo = photo.copy()
    changed_photo[:, 10, :2] += 3.0
    z_base = model.encoder(photo)[1]
    model.encoder.call = lambda *a, **k: (z_base, z_base, z_base * 0)  # freeze z
    changed = _outputs(model, changed_photo, caricature)
    differs = np.abs(changed - base).max(axis=(0, 2)) > 1e-6
    assert np.flatnonzero(differs)[0] == first_changed_step


def test_sampler_follows_the_same_rule():
    model = DeepExaggerationVAE(dataclasses.replace(TINY, decoder_photo="current"))
    rng = np.random.default_rng(1)
    photo = random_strokes(rng, 1)
    noise = dict(eps_z=np.zeros((1, TINY.z_size), np.float32),
                 uniforms=np.full((1, 68, 2), 0.5, np.float32),
                 normals=np.zeros((1, 68, 2), np.float32))
    base = np.asarray(sample_sequence(model, photo, temperature=0.0, **noise))
    changed_photo = photo.copy()
    changed_photo[:, 10, :2] += 3.0
    z = model.encoder(photo)[1]
    changed = np.asarray(sample_sequence(model, changed_photo, temperature=0.0, z=z,
                                         **noise))
    base_fixed_z = np.asarray(sample_sequence(model, photo, temperature=0.0, z=z,
                                              **noise))
    np.testing.assert_allclose(base_fixed_z[:, :10], changed[:, :10], atol=1e-6)
    assert np.abs(base_fixed_z[:, 10, :2] - changed[:, 10, :2]).max() > 1e-6
    del base


def test_rejects_unknown_mode():
    with pytest.raises(ValueError, match="`decoder_photo`"):
        VAEConfig(decoder_photo="next")


def test_untrained_photo_skip_head_copies_the_photo():
    # The head's mean columns start at zero, so every mean is gain * photo step
    # (gain starts at 1) and the deterministic sampler returns the photo's
    # offsets exactly, whatever the decoder state: identity before training.
    model = DeepExaggerationVAE(dataclasses.replace(TINY, photo_skip=True))
    model.build()
    photo = random_strokes(np.random.default_rng(3), 2)
    noise = dict(eps_z=np.zeros((2, TINY.z_size), np.float32),
                 uniforms=np.full((2, 68, 2), 0.5, np.float32),
                 normals=np.zeros((2, 68, 2), np.float32))
    out = np.asarray(sample_sequence(model, photo, temperature=0.0, **noise))
    np.testing.assert_array_equal(out[..., :2], photo[..., :2])
    np.testing.assert_array_equal(out[..., 2:], photo[..., 2:])


def test_without_caricature_feedback_sampling_equals_teacher_forcing():
    # feed_caricature=False: the decoder never reads caricature steps, so the
    # teacher-forced parameters do not depend on the caricature, and the
    # deterministic sampler's offsets are the means of the likeliest
    # components of those very parameters (no exposure bias).
    config = dataclasses.replace(TINY, feed_caricature=False, decoder_photo="current",
                                 photo_skip=True)
    model = DeepExaggerationVAE(config)
    rng = np.random.default_rng(4)
    photo = random_strokes(rng, 3)
    params = _outputs(model, photo, random_strokes(rng, 3))
    np.testing.assert_allclose(params, _outputs(model, photo, random_strokes(rng, 3)),
                               atol=1e-6)
    m = TINY.num_mixture
    k = params[..., 3:3 + m].argmax(-1)[..., None]  # (B, T, 1)
    means = np.concatenate([np.take_along_axis(params[..., 3 + m:3 + 2 * m], k, -1),
                            np.take_along_axis(params[..., 3 + 2 * m:3 + 3 * m], k, -1)],
                           axis=-1)
    noise = dict(eps_z=np.zeros((3, TINY.z_size), np.float32),
                 uniforms=np.full((3, 68, 2), 0.5, np.float32),
                 normals=np.zeros((3, 68, 2), np.float32))
    out = np.asarray(sample_sequence(model, photo, temperature=0.0, **noise))
    np.testing.assert_allclose(out[..., :2], means, atol=1e-5)
