"""Tests for `geometry.baselines` and `geometry.evaluation`."""

import numpy as np
import tensorflow as tf

from tf_deepexag import data, landmarks
from tf_deepexag.geometry import EDFM, identity, landmark_error


def _faces(n=12, seed=0):
    return data.make_synthetic_pairs(num_persons=n, pairs_per_person=1, seed=seed).photo


class BaselinesTest(tf.test.TestCase):

    def test_error_ignores_similarity_and_uses_interocular_units(self):
        face = _faces(1)[0].astype(np.float64)
        moved = landmarks.apply_similarity(face, landmarks.similarity_matrix(
            1.7, 0.4, (30.0, -12.0)))
        self.assertAllClose(landmark_error(moved, face), 0.0, atol=1e-5)
        # A non-similar change: the reference aligns by the closed-form
        # least-squares similarity in complex numbers (Umeyama without
        # reflection), then divides the mean distance by |p36 - p45|.
        iod = np.linalg.norm(face[36] - face[45])
        bumped = face.copy()
        bumped[30, 0] += 0.5 * iod
        bumped[8, 1] -= 0.3 * iod
        s = bumped[:, 0] + 1j * bumped[:, 1]
        d = face[:, 0] + 1j * face[:, 1]
        sc, dc = s - s.mean(), d - d.mean()
        a = np.sum(np.conj(sc) * dc) / np.sum(np.abs(sc) ** 2)
        moved = a * sc + d.mean()
        want = np.mean(np.abs(moved - d)) / iod
        self.assertAllClose(landmark_error(bumped, face), want, rtol=1e-5)

    def test_edfm_with_k_one_is_identity(self):
        faces = _faces()
        edfm = EDFM(landmarks.mean_shape(faces), k=1.0)
        self.assertAllClose(edfm(faces), faces, atol=1e-3)
        self.assertAllClose(identity(faces), faces)

    def test_edfm_scales_the_deviation_in_the_mean_frame(self):
        faces = _faces()
        mean = landmarks.mean_shape(faces).astype(np.float64)
        out = EDFM(mean, k=2.0)(faces[0])
        matrix = landmarks.estimate_similarity(faces[0], mean, "procrustes")
        aligned = landmarks.apply_similarity(faces[0], matrix)
        back = landmarks.apply_similarity(out, matrix)
        self.assertAllClose(back, mean + 2.0 * (aligned - mean), atol=1e-3)

    def test_fit_recovers_the_exaggeration_factor(self):
        faces = _faces(20)
        mean = landmarks.mean_shape(faces)
        targets = EDFM(mean, k=2.3)(faces)
        # Targets in another frame: the error is similarity invariant.
        targets = landmarks.apply_similarity(targets, landmarks.similarity_matrix(
            0.8, -0.3, (5.0, 9.0)))
        fitted = EDFM.fit(faces, targets)
        self.assertAllClose(fitted.k, 2.3, atol=0.051)
