"""A geometry model with head points: 68 landmarks in, 68 + K model points."""

import numpy as np
import pytest
import tensorflow as tf

from tests.exported_models import TINY, perturbed_vae, photo_points
from tf_deepexag import landmarks
from tf_deepexag.geometry import Exaggerator, GeometryGraph

T = landmarks.IBUG68_HEAD.num_points


@pytest.fixture(scope="module")
def head_model():
    model = perturbed_vae(TINY.replace(max_seq_len=T), seed=0)
    rng = np.random.default_rng(0)
    faces = photo_points()[0] + rng.normal(0, 3.0, (6, 68, 2))
    mean = landmarks.mean_shape(landmarks.with_head_points(faces).numpy())
    return model, landmarks.NormalizationStats(6.0, 7.0, "ibug68_head", mean_shape=mean)


@pytest.mark.slow
def test_controls_are_the_landmarks_then_the_head_points(head_model):
    ex = Exaggerator(*head_model)
    photo = photo_points()[0]
    out = ex.exaggerate(photo, num_samples=2, temperature=0.5, seed=3)
    source, targets = ex.controls(photo, num_samples=2, temperature=0.5, seed=3)
    assert out.shape == (2, 68, 2) and targets.shape == (2, T, 2) and source.shape == (T, 2)
    np.testing.assert_allclose(source, landmarks.with_head_points(photo).numpy(), atol=1e-3)
    np.testing.assert_allclose(targets[:, :68], out, atol=1e-4)
    assert ex.align == "procrustes"  # the default for a head model
    batch_source, batch_targets = ex.controls(photo[None], temperature=0.0)
    assert batch_source.shape == (1, T, 2) and batch_targets.shape == (1, 1, T, 2)


@pytest.mark.slow
def test_strength_scale_multiplies_the_displacement_once(head_model):
    model, stats = head_model
    photo = photo_points()[0]
    source, plain = Exaggerator(model, stats).controls(photo, temperature=0.0)
    scaled_stats = landmarks.NormalizationStats.from_dict(
        {**stats.to_dict(), "strength_scale": 2.5})
    assert scaled_stats.strength_scale == 2.5
    _, scaled = Exaggerator(model, scaled_stats).controls(photo, temperature=0.0,
                                                          strength=0.8)
    np.testing.assert_allclose(scaled - source, 2.0 * (plain - source), atol=1e-3)


@pytest.mark.slow
def test_traced_signature_takes_68_points_and_T_noise_steps(head_model):
    graph = GeometryGraph(*head_model)
    traced = tf.function(graph.exaggerate, input_signature=graph.signature())
    rng = np.random.default_rng(1)
    out = traced(photo_points(), rng.normal(size=(1, 4)).astype(np.float32),
                 rng.uniform(size=(1, T, 2)).astype(np.float32),
                 rng.normal(size=(1, T, 2)).astype(np.float32), 0.0, 1.0)
    assert out.shape == (1, 68, 2)


def test_steps_and_scheme_must_agree(head_model):
    _, stats = head_model
    with pytest.raises(ValueError, match="steps"):
        GeometryGraph(perturbed_vae(TINY, seed=0), stats)


@pytest.mark.slow
def test_saved_model_of_a_head_model_takes_T_noise_steps(head_model, tmp_path):
    """The SavedModel's `exaggerate` checks its noise against the model's T
    steps and `SavedModelExaggerator` draws T (both assumed 68 before); its
    `controls` carry all T controls."""
    from tf_deepexag.export import export_saved_model
    from tf_deepexag.geometry import save_artifacts
    from tf_deepexag.serving import SavedModelExaggerator
    save_artifacts(*head_model, str(tmp_path / "vae"))
    version = export_saved_model(str(tmp_path / "vae"), str(tmp_path / "sm"))
    faces = photo_points()[0][None] + np.zeros((2, 1, 1), np.float32)
    faces[1] += np.random.default_rng(2).normal(0, 3.0, (68, 2)).astype(np.float32)
    want = Exaggerator(*head_model, compile=True).exaggerate(
        faces, num_samples=2, temperature=0.7, seed=5, strength=1.5)
    got = SavedModelExaggerator(version).exaggerate(
        faces, num_samples=2, temperature=0.7, seed=5, strength=1.5)
    assert got.shape == (2, 2, 68, 2)
    np.testing.assert_allclose(got, want, atol=1e-4)
    # Its controls are the T model points (the pins the signature appends dropped),
    # so its map is built from the head points too; the targets went through
    # the fold guard in the graph (NumPy's `unfolded`, as `plane_maps` applies it).
    runtime = SavedModelExaggerator(version)
    source, targets = runtime.controls(faces[0], num_samples=2, temperature=0.7, seed=5)
    python = Exaggerator(*head_model, compile=True)
    want_source, _ = python.controls(faces[0], num_samples=2, temperature=0.7, seed=5)
    planes = python.plane_maps(faces[0], num_samples=2, temperature=0.7, seed=5)
    assert source.shape == (T, 2) and targets.shape == (2, T, 2)
    np.testing.assert_allclose(source, want_source, atol=1e-4)
    np.testing.assert_allclose(targets, [p.control_target for p in planes], atol=1e-3)
