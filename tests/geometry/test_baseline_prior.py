"""The VAE's head started at the ridge baseline, and its correlated noise."""

import numpy as np
import pytest

from tf_deepexag import data, landmarks
from tf_deepexag.geometry import baseline_prior, evaluation
from tf_deepexag.training import vae_trainer as trainer
from tf_deepexag.geometry.config import VAEConfig
from tf_deepexag.geometry.exaggerator import Exaggerator
from tf_deepexag.geometry.model import DeepExaggerationVAE
from tf_deepexag.geometry.sampling import sample_sequence

_CONFIG = VAEConfig(enc_rnn_size=8, dec_rnn_size=8, z_size=6, num_mixture=1,
                    photo_skip=True, edfm_prior=True, latent_skip=True,
                    decoder_photo="current", feed_caricature=False, baseline="ridge",
                    noise_components=4, sample_noise="correlated")


@pytest.fixture(scope="module")
def fitted():
    pairs = data.autotoon_split()[0]
    stats = trainer.fit_stats(pairs, "canonical")
    model = DeepExaggerationVAE(_CONFIG)
    model.build()
    ridge = baseline_prior.init_baseline_prior(model, pairs.photo, pairs.caricature,
                                               stats, noise_scale=0.5)
    return model, stats, ridge, pairs


def test_offset_map_is_the_affine_map_it_encodes():
    # A displacement that is itself linear: d = 0.5 * deviation + c.
    stats = landmarks.NormalizationStats(2.0, 3.0, mean_shape=np.random.default_rng(0)
                                         .normal(size=(68, 2)) * 10)
    shift = np.random.default_rng(1).normal(size=(68, 2))
    kernel, bias = baseline_prior.offset_map(lambda dev: 0.5 * dev + shift, stats)
    offsets = np.random.default_rng(2).normal(size=(68, 2))
    offsets[0] = 0.0
    # Reference by hand: points from offsets (centroid 0), add d, re-difference.
    points = np.cumsum(offsets * 2.0, axis=0)
    points -= points.mean(0)
    mean = np.asarray(stats.mean_shape)
    car = points + 0.5 * (points - mean) + shift
    want = np.diff(car, axis=0, prepend=car[:1]) / 3.0
    got = (offsets.reshape(-1) @ kernel).reshape(68, 2) + bias
    np.testing.assert_allclose(got, want, atol=1e-9)


def test_untrained_model_is_the_ridge_map(fitted):
    model, stats, ridge, pairs = fitted
    photo = pairs.photo[:6]
    out = Exaggerator(model, stats).exaggerate(photo, temperature=0.0)[:, 0]
    np.testing.assert_array_less(evaluation.landmark_error(out, ridge(photo)), 1e-5)


def test_correlated_noise_moves_the_face_by_the_residual_modes(fitted):
    model, stats, ridge, pairs = fitted
    photo = pairs.photo[:2]
    canonical, _ = stats.to_canonical(photo)
    strokes, anchor = landmarks.to_stroke5(canonical, offset_scale=stats.photo_scale)
    rng = np.random.default_rng(0)
    eps = rng.normal(size=(2, _CONFIG.z_size)).astype(np.float32)
    uniforms = rng.uniform(size=(2, 68, 2)).astype(np.float32)
    normals = rng.normal(size=(2, 68, 2)).astype(np.float32)

    def points(temperature):  # temperature 0: deterministic
        out = sample_sequence(model, strokes, eps, uniforms, normals, temperature).numpy()
        return np.cumsum(out[..., :2] * stats.caricature_scale, axis=1)

    # An untrained decoder reads z only through zero-initialised weights, so the
    # sample differs from the deterministic output by the noise modes alone.
    moved = points(0.25) - points(0.0)
    modes, sigma = baseline_prior.residual_modes(ridge, pairs.photo, pairs.caricature, 4)
    want = 0.5 * 0.5 * np.einsum("bj,jtk->btk", eps[:, :4], sigma[:, None, None] * modes)
    want -= want[:, :1]  # The anchor (point 0) stays where the photo puts it.
    np.testing.assert_allclose(moved, want, atol=1e-3 * np.abs(want).max())


def test_head_round_trip_keeps_the_frozen_weights(fitted, tmp_path):
    model = fitted[0]
    path = str(tmp_path / "m.keras")
    model.save(path)
    import keras  # pylint: disable=g-import-not-at-top
    loaded = keras.saving.load_model(path, compile=False)
    np.testing.assert_allclose(loaded.head.baseline_kernel.numpy(),
                               model.head.baseline_kernel.numpy())
    np.testing.assert_allclose(loaded.head.noise_basis.numpy(),
                               model.head.noise_basis.numpy())
    assert not loaded.head.baseline_kernel.trainable


def test_config_checks():
    with pytest.raises(ValueError, match="baseline"):
        VAEConfig(baseline="pca")
    with pytest.raises(ValueError, match="edfm_prior"):
        VAEConfig(baseline="ridge")
    with pytest.raises(ValueError, match="noise_components"):
        VAEConfig(sample_noise="correlated")


def test_ridge_prior_needs_the_canonical_frame():
    stats = landmarks.NormalizationStats(1.0, 1.0)
    with pytest.raises(ValueError, match="canonical"):
        baseline_prior.offset_map(lambda d: d, stats)
