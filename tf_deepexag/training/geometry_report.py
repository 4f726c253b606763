"""Geometry quality tables: a model beside every baseline, on a test split or CV.

Each method is scored with `geometry.evaluation`: landmark error (IOD),
displacement cosine to the artist, magnitude ratio (method / artist); a
model also with S random samples per face (error of each draw, spread
between draws). Baselines are fitted on the training pairs only.
"""

import numpy as np

from tf_deepexag.geometry import baselines, evaluation
from tf_deepexag.geometry.sampling_inputs import SAMPLING_TEMPERATURE

METRICS = ("error", "cosine", "ratio", "sample_error", "spread")


def score_method(fn, pairs):
    """Deterministic scores of `fn: (B, N, 2) photos -> (B, N, 2)` on pairs."""
    return evaluation.score(fn(pairs.photo), pairs.caricature, pairs.photo)


def score_exaggerator(exaggerator, pairs, samples=3, seed=0,
                      temperature=SAMPLING_TEMPERATURE):
    """Deterministic and sampled scores of an `Exaggerator` (library defaults
    for the samples: `temperature`, the model's own noise)."""
    out = score_method(
        lambda p: exaggerator.exaggerate(p, temperature=0.0)[:, 0], pairs)
    if samples:
        drawn = exaggerator.exaggerate(pairs.photo, num_samples=samples, seed=seed,
                                       temperature=temperature)  # (B, S, N, 2)
        out.update(evaluation.score_samples(drawn, pairs.caricature, pairs.photo))
    return out


def baseline_scores(train_pairs, test_pairs):
    """`{name: scores}` of every baseline fitted on `train_pairs`."""
    fitted = baselines.fit_baselines(train_pairs.photo, train_pairs.caricature)
    return {name: score_method(fn, test_pairs) for name, fn in fitted.items()}


def summarise_folds(fold_results):
    """Mean and standard deviation over folds of each method's metrics.

    Args:
        fold_results: list (one per fold) of `{method: scores}`; a method's
            name is cut at "(" so fitted settings do not split it.

    Returns:
        `{method: {metric: mean, metric + "_std": std}}`.
    """
    collected = {}
    for results in fold_results:
        for name, scores in results.items():
            bucket = collected.setdefault(name.split("(")[0], {})
            for metric in METRICS:
                if metric in scores:
                    bucket.setdefault(metric, []).append(scores[metric])
    return {name: {k: v for metric, values in metrics.items()
                   for k, v in ((metric, float(np.mean(values))),
                                (metric + "_std", float(np.std(values))))}
            for name, metrics in collected.items()}


def format_table(results, title=""):
    """A text table of `{method: scores}` (mean ± std where given)."""
    lines = [title] if title else []
    lines.append(f"{'method':<36}" + "".join(f"{m:>18}" for m in METRICS))
    for name, scores in results.items():
        if not isinstance(scores, dict):
            continue
        cells = []
        for metric in METRICS:
            if metric not in scores:
                cells.append(f"{'-':>18}")
            elif metric + "_std" in scores:
                cells.append(f"{scores[metric]:>10.4f} ±{scores[metric + '_std']:.4f}")
            else:
                cells.append(f"{scores[metric]:>18.4f}")
        lines.append(f"{name:<36}" + "".join(cells))
    return "\n".join(lines)
