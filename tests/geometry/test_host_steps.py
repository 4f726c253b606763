"""`HostSteps` (NumPy, float64) computes the geometry graph's landmark steps:
the same float32 strokes for the VAE, and the same points within 1e-9 px, on
the shipped head model (Procrustes) and a 68-point model (jaw rule)."""

import json

import numpy as np
import pytest
import tensorflow as tf

from tests.exported_models import STATS, TINY, perturbed_vae, photo_points
from tf_deepexag import data, landmarks
from tf_deepexag.export.tflite import host_spec
from tf_deepexag.geometry import load_exaggerator
from tf_deepexag.geometry.host_steps import SPEC_FILE, HostSteps
from tf_deepexag.geometry.inference import GeometryGraph
from tf_deepexag.geometry.sampling import sample_sequence
from tf_deepexag.geometry.sampling_inputs import apply_strength


@pytest.fixture(scope="module", params=["shipped", "tiny"])
def case(request):
    """`(graph, faces (B, 68, 2) float32)`."""
    if request.param == "shipped":
        _, test = data.autotoon_split()
        faces = np.concatenate([photo_points(), test.photo[:3, :68]])
        return load_exaggerator().graph, faces.astype(np.float32)
    rng = np.random.default_rng(0)
    faces = photo_points() + rng.normal(0, 2.0, (3, 68, 2))
    return GeometryGraph(perturbed_vae(TINY, seed=1), STATS), faces.astype(np.float32)


def test_host_steps_are_the_graph_s(case, tmp_path):
    graph, faces = case
    (tmp_path / SPEC_FILE).write_text(json.dumps(host_spec(graph)))
    steps = HostSteps.load(tmp_path)
    assert (steps.num_landmarks, steps.num_steps) == (68, graph.num_steps)
    want_photo = graph.model_points(faces)                                 # float64
    photo = steps.model_points(faces)
    np.testing.assert_allclose(photo, want_photo, rtol=0, atol=1e-9)
    want_strokes, _, _ = graph.photo_strokes(want_photo)
    strokes, anchor, back = steps.photo_strokes(photo)
    # The VAE reads the same float32 bits.
    np.testing.assert_array_equal(strokes, tf.cast(want_strokes, tf.float32).numpy())
    zeros = np.zeros((len(faces), graph.num_steps, 2), np.float32)
    eps = np.zeros((len(faces), graph.z_size), np.float32)
    decoded = sample_sequence(graph.vae, strokes, eps, zeros, zeros, 0.0).numpy()
    generated = graph.generate(want_photo, eps, zeros, zeros, 0.0)         # float64
    aligned = landmarks.align(generated, want_photo, graph.align, graph.model_scheme)
    for strength in (1.0, 2.5):
        want = apply_strength(want_photo, aligned, strength * graph.stats.strength_scale)
        got = steps.targets(decoded, anchor, back, photo, strength)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
        assert np.abs(got - photo).max() > 0.1  # the steps moved the points


def test_load_names_the_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="No geometry.json in .*export.tflite"):
        HostSteps.load(tmp_path)
