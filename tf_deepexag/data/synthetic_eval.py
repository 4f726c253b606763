"""How learnable is the synthetic photo -> caricature mapping? EDFM vs the generator.

On held-out persons, compares:
- EDFM (`geometry.EDFM`: exaggerate the difference from the mean face) fitted
  on the training persons, and the photo itself (identity);
- the generating process without noise, given the photo's true component
  parameters: with the pair's artist known (oracle) and averaged over the
  artists (what a model that sees only the photo can at best aim for).

Errors are `geometry.evaluation.landmark_error`, the measure every geometry
model is scored with (mean point distance after least-squares similarity
alignment, in inter-ocular units of the real caricature), so they read on
the same scale as the held-out numbers of the trained models.

Shapes: P pairs, N = 68 points.
"""

import numpy as np

from tf_deepexag.data import split, synthetic
from tf_deepexag.geometry import baselines, evaluation


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
        Dict: `edfm_factor` (EDFM's k fitted on train), and mean test errors
        in inter-ocular units: `edfm_error`, `identity_error` (the photo
        itself), `generator_error` (artist known), `generator_mean_artist_error`
        (shape averaged over the artists), and `test_pairs`.
    """
    pairs = generated.pairs
    train, test = split.split_by_person(pairs, test_fraction, seed)
    is_test = np.isin(pairs.persons, np.unique(test.persons))
    truth = pairs.caricature[is_test]

    def error(predicted):
        return float(evaluation.landmark_error(predicted, truth).mean())

    edfm = baselines.EDFM.fit(train.photo, train.caricature)
    template = synthetic.canonical_template()
    oracle = _noiseless_caricatures(generated, generated.artists, template)
    # Every artist's shape is a deformation of the same template (one frame),
    # so the shapes average point by point.
    averaged = np.mean([_noiseless_caricatures(generated, np.full(len(pairs), a),
                                               template)
                        for a in range(len(generated.artist_styles))], axis=0)
    return {
        "edfm_factor": edfm.k,
        "edfm_error": error(edfm(pairs.photo[is_test])),
        "identity_error": error(pairs.photo[is_test]),
        "generator_error": error(oracle[is_test]),
        "generator_mean_artist_error": error(averaged[is_test]),
        "test_pairs": int(is_test.sum()),
    }
