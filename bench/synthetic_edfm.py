"""Is the synthetic photo -> caricature mapping learnable beyond one global factor?

Fits `geometry.EDFM` (one global factor) on the training persons and compares
its held-out landmark error with the noiseless generating process (artist
known, and averaged over the artists), in inter-ocular units (see
`tf_deepexag.data.synthetic_eval`).

    python bench/synthetic_edfm.py
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench._report import report  # pylint: disable=wrong-import-position
from tf_deepexag.data import synthetic, synthetic_eval  # pylint: disable=wrong-import-position


def main():
    rows = []
    for seed in (0, 1, 2):
        result = synthetic_eval.edfm_vs_generator(synthetic.generate(seed=seed))
        result["edfm_over_mean_artist"] = (result["edfm_error"] /
                                           result["generator_mean_artist_error"])
        rows.append({"seed": seed, **result})
    report("synthetic_edfm", rows, notes=(
        "41 persons x 13 pairs, 30% of persons held out; errors: "
        "geometry.evaluation.landmark_error (mean point distance after similarity "
        "alignment, in inter-ocular units of the caricature).",))


if __name__ == "__main__":
    main()
