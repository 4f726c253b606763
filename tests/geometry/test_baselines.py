"""Tests for `geometry.baselines` and `geometry.evaluation`."""

import numpy as np
import tensorflow as tf

from tf_deepexag import data, landmarks
from tf_deepexag.geometry import EDFM, baselines, evaluation, identity, landmark_error


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


def _procrustes(source, target):
    """Independent least-squares similarity (complex numbers): returns (a, b)
    with target ~ a * source + b, source/target as complex arrays."""
    sc, dc = source - source.mean(), target - target.mean()
    a = np.sum(np.conj(sc) * dc) / np.sum(np.abs(sc) ** 2)
    return a, target.mean() - a * source.mean()


def _c(points):
    return points[..., 0].astype(np.float64) + 1j * points[..., 1].astype(np.float64)


def _xy(z):
    return np.stack([z.real, z.imag], axis=-1)


def _pairs(n=16, seed=0):
    pairs = data.make_synthetic_pairs(num_persons=n, pairs_per_person=1, seed=seed)
    return pairs.photo.astype(np.float64), pairs.caricature.astype(np.float64)


class CanonicalBaselinesTest(tf.test.TestCase):

    def test_mean_displacement_against_complex_reference(self):
        photo, caricature = _pairs()
        model = baselines.MeanDisplacement.fit(photo, caricature, fit_strength=False)
        mean = _c(landmarks.mean_shape(photo).astype(np.float64))
        # Reference: each caricature onto its photo, both onto the mean by the
        # photo's similarity, average the differences.
        shifts = []
        for p, q in zip(_c(photo), _c(caricature)):
            a, b = _procrustes(q, p)
            q = a * q + b
            a, b = _procrustes(p, mean)
            shifts.append((a * q + b) - (a * p + b))
        offset = np.mean(shifts, axis=0)
        self.assertAllClose(model.offset, _xy(offset), atol=1e-3)
        # Prediction for a new face at strength 0.5: into the frame, add, back.
        face = _c(photo[0])
        a, b = _procrustes(face, mean)
        want = ((a * face + b) + 0.5 * offset - b) / a
        got = baselines.MeanDisplacement(model.mean, model.offset, 0.5)(photo[0])
        self.assertAllClose(got, _xy(want), atol=1e-3)

    def test_mean_displacement_strength_zero_is_identity(self):
        photo, caricature = _pairs()
        model = baselines.MeanDisplacement.fit(photo, caricature, fit_strength=False)
        model.strength = 0.0
        self.assertAllClose(model(photo), photo, atol=1e-3)

    def test_ridge_solve_matches_augmented_least_squares(self):
        rng = np.random.default_rng(0)
        x, y = rng.normal(size=(30, 6)), rng.normal(size=(30, 4))
        w, b = baselines.RidgeMap._solve(x, y, 2.5)
        # Centred ridge as ordinary least squares on [Xc; sqrt(l) I], [Yc; 0].
        xc, yc = x - x.mean(0), y - y.mean(0)
        aug_x = np.concatenate([xc, np.sqrt(2.5) * np.eye(6)])
        aug_y = np.concatenate([yc, np.zeros((6, 4))])
        want = np.linalg.lstsq(aug_x, aug_y, rcond=None)[0]
        self.assertAllClose(w, want, atol=1e-10)
        self.assertAllClose(b, y.mean(0) - x.mean(0) @ want, atol=1e-10)

    def test_ridge_with_infinite_penalty_is_the_mean_displacement(self):
        photo, caricature = _pairs()
        ridge = baselines.RidgeMap.fit(photo, caricature, components=(None,),
                                       ridges=(1e12,))
        mean_disp = baselines.MeanDisplacement.fit(photo, caricature, fit_strength=False)
        self.assertAllClose(ridge(photo[:3]), mean_disp(photo[:3]), atol=1e-3)

    def test_ridge_recovers_a_linear_artist_and_cv_picks_little_shrinkage(self):
        photo, _ = _pairs(40)
        mean = landmarks.mean_shape(photo).astype(np.float64)
        deviation, _ = baselines.canonical_offsets(photo, photo, mean)
        # An "artist" who moves the mouth by 3 x the deviation of the nose tip.
        mouth = np.zeros(68)
        mouth[48:60] = 1.0
        moved = []
        for p, d in zip(_c(photo), deviation):
            a, b = _procrustes(p, _c(mean))
            canon = a * p + b
            moved.append((canon + 3.0 * mouth * (d[30, 0] + 1j * d[30, 1]) - b) / a)
        caricature = _xy(np.array(moved))
        ridge = baselines.RidgeMap.fit(photo, caricature)
        error = evaluation.landmark_error(ridge(photo), caricature).mean()
        self.assertLessEqual(ridge.ridge, 1.0)
        self.assertLess(error, 0.25 * evaluation.landmark_error(photo, caricature).mean())

    def test_fit_baselines_names_every_baseline(self):
        photo, caricature = _pairs()
        names = list(baselines.fit_baselines(photo, caricature))
        self.assertEqual([n.split("(")[0] for n in names],
                         ["identity", "edfm", "mean_displacement", "ridge"])


class EvaluationTest(tf.test.TestCase):

    def setUp(self):
        super().setUp()
        self.face = _pairs(1)[0][0]
        self.iod = np.linalg.norm(self.face[36] - self.face[45])

    def _moved(self, index, vector):
        out = self.face.copy()
        out[index] += np.asarray(vector) * self.iod
        return out

    def test_displacement_of_a_similar_face_is_zero(self):
        moved = landmarks.apply_similarity(self.face, landmarks.similarity_matrix(
            1.3, 0.2, (4.0, -7.0)))
        self.assertAllClose(evaluation.displacement(moved, self.face), 0.0 * self.face,
                            atol=1e-5)
        self.assertAllClose(evaluation.magnitude(moved, self.face), 0.0, atol=1e-5)

    def test_cosine_and_ratio_against_complex_reference(self):
        target = self._moved(30, (0.2, 0.0))
        predicted = self._moved(30, (0.1, 0.1))
        # Reference: align each onto the photo (complex Procrustes), difference
        # over the IOD, cosine over the 136 coordinates, mean point lengths.
        photo = _c(self.face)
        d = []
        for pts in (predicted, target):
            a, b = _procrustes(_c(pts), photo)
            d.append((a * _c(pts) + b - photo) / self.iod)
        cos = np.real(np.sum(np.conj(d[0]) * d[1])) / (
            np.linalg.norm(d[0]) * np.linalg.norm(d[1]))
        ratio = np.mean(np.abs(d[0])) / np.mean(np.abs(d[1]))
        got = evaluation.score(predicted[None], target[None], self.face[None])
        # (`landmarks.align` returns float32: 1e-5.)
        self.assertAllClose(got["cosine"], cos, atol=1e-5)
        self.assertAllClose(got["ratio"], ratio, atol=1e-5)
        self.assertAllClose(got["magnitude"], np.mean(np.abs(d[0])), atol=1e-5)
        # The two moves are 45 degrees apart on one point (alignment shifts the
        # others a little): the cosine is near cos(45 deg).
        self.assertAllClose(got["cosine"], np.sqrt(0.5), atol=0.05)

    def test_identity_has_zero_cosine_and_ratio(self):
        target = self._moved(8, (0.0, 0.3))
        got = evaluation.score(self.face[None], target[None], self.face[None])
        self.assertEqual(got["cosine"], 0.0)
        self.assertAllClose(got["ratio"], 0.0, atol=1e-6)

    def test_sample_spread_is_the_mean_pairwise_error(self):
        a, b, c = self.face, self._moved(30, (0.3, 0.0)), self._moved(48, (0.0, 0.2))
        samples = np.stack([a, b, c])[None]
        want = np.mean([landmark_error(a, b), landmark_error(a, c), landmark_error(b, c)])
        self.assertAllClose(evaluation.sample_spread(samples)[0], want, atol=1e-9)
        scores = evaluation.score_samples(samples, a[None], a[None])
        self.assertAllClose(scores["sample_error_per_draw"][0], 0.0, atol=1e-6)
        self.assertAllClose(scores["spread"], want, atol=1e-9)
