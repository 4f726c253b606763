"""Geometry quality tables: a model beside every baseline, on a test split or CV.

Each method is scored with `geometry.evaluation`: landmark error (IOD),
displacement cosine to the artist, magnitude ratio (method / artist); a
model also with S random samples per face (error of each draw, spread
between draws). Baselines are fitted on the training pairs only.

With head points (pairs of `(P, 68 + K, 2)`, `data.autotoon_split(head=True)`,
as the artists made them) each method is also scored per region (landmarks,
head) and frame (unaligned: the image frame; aligned: after least squares),
in eye-centre distances (`evaluation.region_scores`), and the map's least
Jacobian determinant over the head is reported for every sample at strengths
1 and 2 (`evaluation.min_jacobian`). A model without head points is read
where its map takes the head points: the thin-plate spline through its
landmarks (what the warp interpolates).
"""

import numpy as np

from tf_deepexag.geometry import baselines, evaluation
from tf_deepexag.geometry.sampling_inputs import SAMPLING_TEMPERATURE

METRICS = ("error", "cosine", "ratio", "sample_error", "spread")
REGION_METRICS = ("cosine", "ratio", "error", "spread_ratio", "sample_cosine_min")
FOLD_STRENGTHS = (1.0, 2.0)
_LANDMARKS = 68


def region_keys():
    """Names of the per-region measures: `<region>_<frame>_<metric>`."""
    return tuple(f"{r}_{f}_{m}" for r in evaluation.REGIONS for f in evaluation.FRAMES
                 for m in REGION_METRICS)


def _flatten(regions, frame):
    return {f"{region}_{frame}_{k}": v for region, scores in regions.items()
            for k, v in scores.items()}


def with_head(points, photo):
    """`(..., 68 + K, 2)`: a landmark-only method's points with the head
    points where the spline through its landmarks takes them."""
    points = np.asarray(points, np.float64)
    photo = np.asarray(photo, np.float64)
    if points.shape[-2] == photo.shape[-2]:
        return points
    flat_pts = points.reshape((-1,) + points.shape[-2:])
    flat_photo = np.broadcast_to(photo[..., None, :, :] if points.ndim == 4 else photo,
                                 points.shape[:-2] + photo.shape[-2:]).reshape(
                                     (-1,) + photo.shape[-2:])
    out = [np.concatenate([p, evaluation.spline_map(ph[:_LANDMARKS], p)(ph[_LANDMARKS:])])
           for p, ph in zip(flat_pts, flat_photo)]
    return np.asarray(out).reshape(points.shape[:-2] + photo.shape[-2:])


def region_report(predicted, pairs, samples=None):
    """Per-region, per-frame measures of `(B, T, 2)` predictions (and
    `(B, S, T, 2)` samples) on pairs with head points, as one flat dict."""
    predicted = with_head(predicted, pairs.photo)
    samples = None if samples is None else with_head(samples, pairs.photo)
    out = {}
    for frame in evaluation.FRAMES:
        out.update(_flatten(evaluation.region_scores(predicted, pairs.caricature,
                                                     pairs.photo, frame, samples), frame))
    return out


def fold_check(source, targets, photo):
    """Least Jacobian determinant over the heads of `(B, S, T, 2)` targets of
    `(B, T, 2)` sources (`evaluation.min_jacobian`)."""
    return float(min(evaluation.min_jacobian(src, tgt, ph[:_LANDMARKS])
                     for src, per_face, ph in zip(source, targets, photo)
                     for tgt in per_face))


def _has_head(pairs):
    return pairs.photo.shape[-2] > _LANDMARKS


def _landmark_scores(predicted, pairs):
    n = _LANDMARKS
    return evaluation.score(np.asarray(predicted)[..., :n, :], pairs.caricature[:, :n],
                            pairs.photo[:, :n])


def score_method(fn, pairs):
    """Deterministic scores of `fn: (B, N, 2) photos -> (B, N, 2)` on pairs
    (with head points: also per region and the fold check)."""
    predicted = fn(pairs.photo)
    out = _landmark_scores(predicted, pairs)
    if _has_head(pairs):
        out.update(region_report(predicted, pairs))
        out["min_jacobian"] = fold_check(pairs.photo, np.asarray(predicted)[:, None],
                                         pairs.photo)
    return out


def score_exaggerator(exaggerator, pairs, samples=3, seed=0,
                      temperature=SAMPLING_TEMPERATURE):
    """Deterministic and sampled scores of an `Exaggerator` (library defaults
    for the samples: `temperature`, the model's own noise).

    With head points also per region and frame, and `min_jacobian`: the
    least over every sample (and the deterministic output) of every face at
    strengths 1 and 2 (`min_jacobian_s1`, `min_jacobian_s2`)."""
    photo68 = pairs.photo[:, :_LANDMARKS]
    _, mode = exaggerator.controls(photo68, temperature=0.0)  # (B, 1, T, 2)
    out = _landmark_scores(mode[:, 0], pairs)
    drawn = None
    if samples:
        _, drawn = exaggerator.controls(photo68, num_samples=samples, seed=seed,
                                        temperature=temperature)  # (B, S, T, 2)
        n = _LANDMARKS
        out.update(evaluation.score_samples(drawn[..., :n, :], pairs.caricature[:, :n],
                                            pairs.photo[:, :n]))
    if _has_head(pairs):
        out.update(region_report(mode[:, 0], pairs, drawn))
        for strength in FOLD_STRENGTHS:
            kwargs = ({"num_samples": samples, "seed": seed, "temperature": temperature}
                      if samples else {"temperature": 0.0})
            source, targets = exaggerator.controls(photo68, strength=strength, **kwargs)
            _, mode_s = exaggerator.controls(photo68, strength=strength, temperature=0.0)
            out[f"min_jacobian_s{strength:g}"] = fold_check(
                source, np.concatenate([targets, mode_s], axis=1), pairs.photo)
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
            for metric in METRICS + region_keys() + ("min_jacobian", "min_jacobian_s1",
                                                     "min_jacobian_s2"):
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
        lines.append(f"{name:<36}" + "".join(_cell(scores, m, 18, 4) for m in METRICS))
    return "\n".join(lines)


def _cell(scores, key, width, digits):
    """One table cell: the value, `mean ±std` when a std is given, or '-'."""
    if key not in scores:
        return f"{'-':>{width}}"
    if key + "_std" in scores:
        return f"{scores[key]:>{width - 8}.{digits}f} ±{scores[key + '_std']:.{digits}f}"
    return f"{scores[key]:>{width}.{digits}f}"


def format_region_table(results, title=""):
    """A text table of the per-region measures (rows: method x region x frame)."""
    lines = [title] if title else []
    lines.append(f"{'method':<34}{'region':<10}{'frame':<10}"
                 + "".join(f"{m:>19}" for m in REGION_METRICS))
    for name, scores in results.items():
        if not isinstance(scores, dict):
            continue
        for region in evaluation.REGIONS:
            for frame in evaluation.FRAMES:
                cells = [_cell(scores, f"{region}_{frame}_{metric}", 19, 3)
                         for metric in REGION_METRICS]
                if any(c.strip() != "-" for c in cells):
                    lines.append(f"{name:<34}{region:<10}{frame:<10}" + "".join(cells))
        jac = [f"{k}={scores[k]:.3f}" for k in ("min_jacobian", "min_jacobian_s1",
                                                 "min_jacobian_s2") if k in scores]
        if jac:
            lines.append(f"{name:<34}min Jacobian over the head: " + ", ".join(jac))
    return "\n".join(lines)
