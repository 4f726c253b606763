"""`ExportGraphs` against the NumPy `geometry.Exaggerator` for models that read
faces in the canonical frame and use the newer decoder options."""

import numpy as np

from tests.export.conftest import TINY, face_size, perturbed_vae, photo_points
from tf_deepexag import landmarks
from tf_deepexag.export_graphs import ExportGraphs
from tf_deepexag.geometry import Exaggerator


def test_canonical_frame_model_matches_the_exaggerator():
    # The built-in model's options (no feedback, per-step gains, bias and z
    # readout) plus the step one-hot: one trace covers every newer branch (the
    # feedback path is the other export tests' default).
    config = TINY.replace(num_mixture=1, decoder_photo="current", photo_skip=True,
                          step_encoding=True, feed_caricature=False, edfm_prior=True,
                          latent_skip=True, prior_rate=10.0)
    model = perturbed_vae(config, seed=0)
    rng = np.random.default_rng(0)
    points = photo_points()
    # A mean shape that is clearly not a similarity of the photo, so a graph
    # that skipped the canonical frame would read other offsets.
    mean = landmarks.mean_shape(points + rng.normal(0, 4.0, (5, 68, 2)).astype(np.float32))
    stats = landmarks.NormalizationStats(6.0, 7.0, mean_shape=mean)
    want = Exaggerator(model, stats).exaggerate(points, deterministic=True)[:, 0]
    graphs = ExportGraphs(model, stats)
    got = graphs.exaggerate_deterministic(points).numpy()
    np.testing.assert_allclose(got, want, atol=1e-4 * face_size(points))
    image_frame = ExportGraphs(model, landmarks.NormalizationStats(6.0, 7.0))
    assert np.abs(image_frame.exaggerate_deterministic(points).numpy() - want).max() > \
        100 * np.abs(got - want).max()
