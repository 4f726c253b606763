"""Mirror augmentation of paired landmarks."""

import numpy as np

from tf_deepexag import data, landmarks


def test_mirror_flips_x_and_renumbers():
    rng = np.random.default_rng(0)
    face = rng.normal(size=(68, 2))
    flipped = data.mirror_points(face)
    # The right eye's outer corner (36) becomes the left eye's (45), x negated.
    np.testing.assert_allclose(flipped[45], [-face[36, 0], face[36, 1]])
    np.testing.assert_allclose(flipped[8], [-face[8, 0], face[8, 1]])  # chin stays 8
    np.testing.assert_allclose(data.mirror_points(flipped), face)


def test_mirror_of_a_symmetric_face_is_itself():
    face = landmarks.mean_shape(data.make_synthetic_pairs(num_persons=8,
                                                          pairs_per_person=1).photo)
    symmetric = 0.5 * (face + data.mirror_points(face))
    np.testing.assert_allclose(data.mirror_points(symmetric), symmetric, atol=1e-6)


def test_mirror_pairs_doubles_and_keeps_persons():
    pairs = data.make_synthetic_pairs(num_persons=3, pairs_per_person=2)
    doubled = data.mirror_pairs(pairs)
    assert len(doubled) == 2 * len(pairs)
    assert doubled.persons.tolist() == pairs.persons.tolist() * 2
    np.testing.assert_allclose(doubled.caricature[len(pairs):],
                               data.mirror_points(pairs.caricature))
