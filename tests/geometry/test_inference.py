"""`GeometryGraph` against an independent NumPy re-statement of its steps, for
a model that reads faces in the canonical frame and uses the newer decoder
options; its unrolled copy (the export's) and its traced form."""

import numpy as np
import pytest
import tensorflow as tf

from tests.exported_models import TINY, face_size, perturbed_vae, photo_points
from tf_deepexag import landmarks
from tf_deepexag.geometry import GeometryGraph, draw_noise, sample_sequence


def _complex(points):
    return points[..., 0] + 1j * points[..., 1]


def _real(z):
    return np.stack([z.real, z.imag], -1)


def _numpy_path(model, stats, photo, eps_z, uniforms, normals, temperature, strength):
    """Steps 1-6 of `geometry.inference` in NumPy complex float64, with the
    model's own sampler for step 3."""
    p, m = _complex(photo.astype(np.float64)), _complex(np.asarray(stats.mean_shape))
    pc, mc = p - p.mean(-1, keepdims=True), m - m.mean()
    a = np.sum(np.conj(pc) * mc, -1) / np.sum(np.abs(pc) ** 2, -1)  # (B,)
    canonical = a[:, None] * pc + m.mean()  # (B, N) Procrustes onto the mean
    offsets = np.diff(canonical, axis=-1, prepend=canonical[:, :1]) / stats.photo_scale
    pen = np.broadcast_to(landmarks.IBUG68.pen_states(), photo.shape[:2] + (3,))
    strokes = np.concatenate([_real(offsets), pen], -1).astype(np.float32)
    out = sample_sequence(model, strokes, eps_z, uniforms, normals, temperature).numpy()
    generated = canonical[:, :1] + np.cumsum(_complex(out[..., :2].astype(np.float64))
                                             * stats.caricature_scale, -1)
    back = (generated - m.mean()) / a[:, None] + p.mean(-1, keepdims=True)
    jaw = (p[:, 16] - p[:, 0]) / (back[:, 16] - back[:, 0])
    aligned = jaw[:, None] * (back - back[:, :1]) + p[:, :1]
    return _real(p + strength * (aligned - p))


@pytest.mark.slow
def test_canonical_frame_model_matches_the_numpy_steps():
    # The built-in model's options (no feedback, per-step gains, bias and z
    # readout): one trace covers every newer branch.
    config = TINY.replace(num_mixture=1, decoder_photo="current", photo_skip=True,
                          feed_caricature=False, edfm_prior=True,
                          latent_skip=True, prior_rate=10.0)
    model = perturbed_vae(config, seed=0)
    rng = np.random.default_rng(0)
    points = np.concatenate([photo_points(), photo_points() + rng.normal(
        0, 3.0, (1, 68, 2)).astype(np.float32)])  # (2, 68, 2)
    # A mean shape that is clearly not a similarity of the photo, so a graph
    # that skipped the canonical frame would read other offsets.
    mean = landmarks.mean_shape(points[:1] + rng.normal(0, 4.0, (5, 68, 2)).astype(
        np.float32))
    stats = landmarks.NormalizationStats(6.0, 7.0, mean_shape=mean)
    noise = (rng.normal(size=(2, 4)).astype(np.float32),
             rng.uniform(size=(2, 68, 2)).astype(np.float32),
             rng.normal(size=(2, 68, 2)).astype(np.float32))
    graph = GeometryGraph(model, stats)
    unrolled = GeometryGraph(model, stats, unroll=True)
    traced = tf.function(unrolled.exaggerate, input_signature=unrolled.signature())
    tol = 1e-4 * face_size(points)
    for temperature, strength in ((0.0, 1.0), (0.6, 1.5)):
        want = _numpy_path(model, stats, points, *noise, temperature, strength)
        got = graph.exaggerate(points, *noise, temperature, strength).numpy()
        np.testing.assert_allclose(got, want, atol=tol)
        np.testing.assert_allclose(traced(points, *noise, temperature, strength), want,
                                   atol=tol)
    assert traced.experimental_get_tracing_count() == 1
    image_frame = GeometryGraph(model, landmarks.NormalizationStats(6.0, 7.0))
    moved = image_frame.exaggerate(points, *noise, 0.0).numpy()
    assert np.abs(moved - graph.exaggerate(points, *noise, 0.0).numpy()).max() > 100 * tol


def test_seeded_noise_is_numpy_default_rng_in_the_documented_order():
    a, b = draw_noise(5, 3, 4, 68), draw_noise(5, 3, 4, 68)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert [(x.shape, x.dtype) for x in a] == [((3, 4), np.float32),
                                               ((3, 68, 2), np.float32),
                                               ((3, 68, 2), np.float32)]
    rng = np.random.default_rng(5)  # eps_z, then uniforms, then normals
    np.testing.assert_array_equal(a[0], rng.standard_normal((3, 4)).astype(np.float32))
    np.testing.assert_array_equal(a[1], rng.uniform(size=(3, 68, 2)).astype(np.float32))
    np.testing.assert_array_equal(a[2], rng.standard_normal((3, 68, 2)).astype(np.float32))
    assert np.abs(draw_noise(6, 3, 4, 68)[1] - a[1]).max() > 0.1
