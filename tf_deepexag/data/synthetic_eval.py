"""How learnable is the synthetic photo -> caricature mapping? EDFM vs the generator.

All shapes are compared in one normalised frame: every face is Procrustes-
aligned onto the mean training photo, which is scaled to an inter-ocular
(outer eye corner) distance of 1, so errors read in inter-ocular units.

- EDFM (exaggerate the difference from the mean face) with the single best
  factor k fitted on the training persons by least squares:
  `c_hat = m + k (p - m)`.
- The generating process without noise, given the photo's true component
  parameters: with the pair's artist known (oracle) and averaged over the
  artists (what a model that sees only the photo can at best aim for).

The error of a prediction is the mean point distance to the real caricature
after aligning the caricature onto it (similarity, least squares).

Shapes: P pairs, N = 68 points.
"""

import numpy as np

from tf_deepexag import landmarks
from tf_deepexag.data import split, synthetic


def _normalise(points, reference):
    """Procrustes-aligns `(P, N, 2)` faces onto `reference` `(N, 2)`."""
    return landmarks.align(np.asarray(points, np.float64), reference, "procrustes").numpy()


def shape_error(prediction, actual):
    """Mean point distance, `(P,)`, after aligning `actual` onto `prediction`."""
    aligned = landmarks.align(np.asarray(actual, np.float64), prediction,
                              "procrustes").numpy()
    return np.linalg.norm(aligned - prediction, axis=-1).mean(axis=-1)


def _noiseless_caricatures(generated, artist_indices, template):
    """Canonical caricatures made from the true photo parameters without noise."""
    quiet = np.random.default_rng(0)
    out = []
    for params, a in zip(generated.photo_params, artist_indices):
        q = generated.artist_styles[a].exaggerate(params, quiet, noise=0.0)
        out.append(synthetic.deform(template, q))
    return np.stack(out)


def edfm_vs_generator(generated, test_fraction=0.3, seed=0):
    """Errors of EDFM and of the noiseless generator on held-out persons.

    Args:
        generated: `synthetic.SyntheticPairs` (from `synthetic.generate`).
        test_fraction: float, persons held out for the errors.
        seed: int, the person split seed.

    Returns:
        Dict: `edfm_factor` (k fitted on train), and mean test errors in
        inter-ocular units: `edfm_error`, `identity_error` (k = 1: the photo
        itself), `generator_error` (artist known), `generator_mean_artist_error`
        (shape averaged over the artists).
    """
    pairs = generated.pairs
    _, test = split.split_by_person(pairs, test_fraction, seed)
    is_test = np.isin(pairs.persons, np.unique(test.persons))
    mean = landmarks.mean_shape(pairs.photo[~is_test]).astype(np.float64)
    mean /= landmarks.interocular_distance(mean)
    photo = _normalise(pairs.photo, mean)
    caricature = _normalise(pairs.caricature, mean)
    d_p, d_c = photo[~is_test] - mean, caricature[~is_test] - mean
    k = float(np.sum(d_p * d_c) / np.sum(d_p * d_p))
    edfm = mean + k * (photo[is_test] - mean)
    template = synthetic.canonical_template()
    oracle = _normalise(_noiseless_caricatures(generated, generated.artists, template), mean)
    per_artist = [_normalise(_noiseless_caricatures(
        generated, np.full(len(pairs), a), template), mean)
        for a in range(len(generated.artist_styles))]
    averaged = np.mean(per_artist, axis=0)
    truth = caricature[is_test]
    return {
        "edfm_factor": k,
        "edfm_error": float(shape_error(edfm, truth).mean()),
        "identity_error": float(shape_error(photo[is_test], truth).mean()),
        "generator_error": float(shape_error(oracle[is_test], truth).mean()),
        "generator_mean_artist_error": float(shape_error(averaged[is_test], truth).mean()),
        "test_pairs": int(is_test.sum()),
    }
