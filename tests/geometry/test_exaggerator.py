"""Tests for `geometry.Exaggerator` and the saved artifacts."""

import os

import numpy as np
import pytest
import tensorflow as tf

from tests.geometry.conftest import TINY
from tf_deepexag import data, landmarks
from tf_deepexag.geometry import (DeepExaggerationVAE, Exaggerator, load_artifacts,
                                  load_exaggerator, save_artifacts)


def _setup():
    pairs = data.make_synthetic_pairs(num_persons=2, pairs_per_person=2, seed=0)
    stats = landmarks.NormalizationStats.fit(pairs.photo, pairs.caricature)
    return DeepExaggerationVAE(TINY), stats, pairs


class ExaggeratorTest(tf.test.TestCase):

    @pytest.mark.slow
    def test_shapes_seed_and_strength(self):
        model, stats, pairs = _setup()
        ex = Exaggerator(model, stats)
        one = ex.exaggerate(pairs.photo[0], num_samples=3, seed=0)
        self.assertEqual(one.shape, (3, 68, 2))
        many = ex.exaggerate(pairs.photo[:2], num_samples=2, seed=0)
        self.assertEqual(many.shape, (2, 2, 68, 2))
        self.assertAllEqual(ex.exaggerate(pairs.photo[0], num_samples=3, seed=0), one)
        self.assertAllClose(ex.exaggerate(pairs.photo[0], strength=0.0)[0],
                            pairs.photo[0], atol=1e-4)
        full = ex.exaggerate(pairs.photo[0], seed=1)[0]
        double = ex.exaggerate(pairs.photo[0], seed=1, strength=2.0)[0]
        self.assertAllClose(double - pairs.photo[0], 2 * (full - pairs.photo[0]),
                            atol=1e-3)

    def test_jaw_alignment_puts_jaw_ends_on_the_photo(self):
        model, stats, pairs = _setup()
        out = Exaggerator(model, stats, align="jaw").exaggerate(pairs.photo[0],
                                                                temperature=0.0)[0]
        self.assertAllClose(out[[0, 16]], pairs.photo[0][[0, 16]], atol=1e-3)

    def test_rebuilds_points_with_caricature_scale_from_photo_anchor(self):
        model, stats, pairs = _setup()
        ex = Exaggerator(model, stats)
        raw = ex.generate_strokes(pairs.photo[:1], temperature=0.0)[0, 0]
        # Stroke-5 by hand: offsets from the previous point, scaled; pens of iBUG-68.
        photo = pairs.photo[:1].astype(np.float32)
        offsets = np.diff(photo, axis=1, prepend=photo[:, :1]) / np.float32(stats.photo_scale)
        pen = np.broadcast_to(landmarks.IBUG68.pen_states(), (1, 68, 3))
        strokes, anchor = np.concatenate([offsets, pen], -1), photo[:, 0]
        from tf_deepexag.geometry import sample_sequence
        z = np.zeros((1, TINY.z_size), np.float32)
        u = np.zeros((1, 68, 2), np.float32)
        gen = sample_sequence(model, strokes, z, u, u, temperature=0.0).numpy()[0]
        want = anchor[0] + np.cumsum(gen[:, :2] * stats.caricature_scale, axis=0)
        self.assertAllClose(raw, want, atol=1e-3)

    @pytest.mark.slow
    def test_interpolation_ends_match_deterministic_outputs(self):
        model, stats, pairs = _setup()
        ex = Exaggerator(model, stats)
        path = ex.interpolate(pairs.photo[0], pairs.photo[2], num=3)
        self.assertEqual(path.shape, (3, 68, 2))
        ends = ex.exaggerate(pairs.photo[[0, 2]], temperature=0.0)[:, 0]
        self.assertAllClose(path[0], ends[0], atol=1e-3)
        self.assertAllClose(path[-1], ends[1], atol=1e-3)

    def test_saved_artifacts_reproduce_outputs(self):
        model, stats, pairs = _setup()
        directory = os.path.join(self.get_temp_dir(), "export")
        save_artifacts(model, stats, directory)
        self.assertCountEqual(os.listdir(directory),
                              ["vae.keras", "stats.json", "config.json"])
        loaded, loaded_stats, config = load_artifacts(directory)
        self.assertEqual(loaded_stats, stats)
        self.assertEqual(config, TINY)
        want = Exaggerator(model, stats).exaggerate(pairs.photo[0], seed=3)
        got = load_exaggerator(directory).exaggerate(pairs.photo[0], seed=3)
        self.assertAllEqual(want, got)

    @pytest.mark.slow
    def test_compiled_graph_gives_the_eager_outputs_with_one_trace(self):
        model, stats, pairs = _setup()
        eager, traced = Exaggerator(model, stats), Exaggerator(model, stats, compile=True)
        for temperature, samples in ((0.0, 1), (0.7, 2)):
            self.assertAllClose(
                traced.exaggerate(pairs.photo[:2], samples, temperature, seed=4),
                eager.exaggerate(pairs.photo[:2], samples, temperature, seed=4),
                atol=1e-3)
        # Every temperature and batch size ran through the same trace.
        self.assertEqual(traced._controls.experimental_get_tracing_count(), 1)

    def test_temperature_zero_is_the_deterministic_mode(self):
        model, stats, pairs = _setup()
        ex = Exaggerator(model, stats)
        # No noise is read: two seeds give the same points, and every sample
        # is the same shape.
        a = ex.exaggerate(pairs.photo[0], num_samples=2, temperature=0.0, seed=1)
        b = ex.exaggerate(pairs.photo[0], num_samples=2, temperature=0.0, seed=2)
        self.assertAllEqual(a, b)
        self.assertAllEqual(a[0], a[1])
        warm = ex.exaggerate(pairs.photo[0], temperature=1.0, seed=1)
        self.assertGreater(float(np.abs(warm - a[:1]).max()), 1e-2)
        with self.assertRaisesRegex(ValueError, "temperature"):
            ex.exaggerate(pairs.photo[0], temperature=-0.5)

    def test_bad_input_is_named(self):
        model, stats, _ = _setup()
        ex = Exaggerator(model, stats)
        with self.assertRaisesRegex(ValueError, "photo_points"):
            ex.exaggerate(np.zeros((10, 2)))
        with self.assertRaisesRegex(ValueError, "num_samples"):
            ex.exaggerate(np.random.rand(68, 2) * 100, num_samples=0)
        with self.assertRaisesRegex(ValueError, "align"):
            Exaggerator(model, stats, align="affine")
        # A face whose points coincide has no frame to align in (the traced
        # steps would return NaN): refused up front, eagerly and compiled.
        for exaggerator in (ex, Exaggerator(model, stats, compile=True)):
            with self.assertRaisesRegex(ValueError, "photo_points.*coincide"):
                exaggerator.exaggerate(np.full((68, 2), 5.0))
        with self.assertRaises(FileNotFoundError):
            load_exaggerator(os.path.join(self.get_temp_dir(), "missing"))


def test_canonical_frame_makes_the_output_similarity_equivariant():
    # With `stats.mean_shape` the model reads every face in the mean shape's
    # frame, so exaggerating a moved, scaled and rotated photo gives the moved
    # exaggeration of the original photo (not so in the image frame, where
    # the offsets the model reads change with the face's size and roll).
    pairs = data.make_synthetic_pairs(num_persons=2, pairs_per_person=2, seed=0)
    stats = landmarks.NormalizationStats(
        10.0, 10.0, mean_shape=landmarks.mean_shape(pairs.photo))
    ex = Exaggerator(DeepExaggerationVAE(TINY), stats, align="procrustes")
    matrix = landmarks.similarity_matrix(1.6, 0.4, (30.0, -20.0))
    photo = pairs.photo[:2]
    moved = landmarks.apply_similarity(photo, matrix)
    want = landmarks.apply_similarity(ex.exaggerate(photo, temperature=0.0), matrix)
    got = ex.exaggerate(moved, temperature=0.0)
    np.testing.assert_allclose(got, want, atol=2e-3 * 1.6 * 60)
    image_frame = Exaggerator(ex.model, landmarks.NormalizationStats(10.0, 10.0),
                              align="procrustes")
    moved_image = image_frame.exaggerate(moved, temperature=0.0)
    want_image = landmarks.apply_similarity(
        image_frame.exaggerate(photo, temperature=0.0), matrix)
    assert np.abs(moved_image - want_image).max() > 10 * np.abs(got - want).max()
