"""Geometry quality tables: a model beside every baseline, on a test split or CV.

Each method is scored with `geometry.evaluation`: landmark error (IOD),
displacement cosine to the artist, magnitude ratio (method / artist); a
model also with S random samples per face (error of each draw, spread
between draws). Baselines are fitted on the training pairs only.

With head points (pairs of `(P, 68 + K, 2)`, `data.autotoon_split(head=True)`,
as the artists made them) each method is also scored per region (landmarks,
head) and frame (unaligned: the image frame; aligned: after least squares),
in eye-centre distances (`evaluation.region_scores`), and the least Jacobian
determinant over the head of the map of the plane (`plane_map.PlaneMap`) is
reported for every sample at strengths 1 and 2. A model is scored as the
pipeline warps: its controls through the fold guard (`plane_map.unfolded`),
whose shrinks are counted (`guarded_s*`: the share of maps shrunk,
`shrink_min_s*`: the smallest factor); `guard=False` scores the raw controls.
A model without head points is read where its map takes the head points.
"""

import numpy as np

from tf_deepexag import plane_map
from tf_deepexag.geometry import baselines, evaluation
from tf_deepexag.geometry.sampling_inputs import SAMPLING_TEMPERATURE

METRICS = ("error", "cosine", "ratio", "sample_error", "spread")
REGION_METRICS = ("cosine", "ratio", "error", "spread_ratio", "sample_cosine_min")
FOLD_STRENGTHS = (1.0, 2.0)
FOLD_KEYS = tuple(f"{k}_s{s:g}" for s in FOLD_STRENGTHS
                  for k in ("min_jacobian", "guarded", "shrink_min"))
# Grid nodes per side of the fold check: finer than the guard's own
# (`plane_map.GUARD_GRID`), so the reported minimum also samples the map
# between the guard's nodes.
FOLD_CHECK_GRID = 256
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
    points where the map of the plane through its landmarks takes them."""
    points = np.asarray(points, np.float64)
    photo = np.asarray(photo, np.float64)
    if points.shape[-2] == photo.shape[-2]:
        return points
    flat_pts = points.reshape((-1,) + points.shape[-2:])
    flat_photo = np.broadcast_to(photo[..., None, :, :] if points.ndim == 4 else photo,
                                 points.shape[:-2] + photo.shape[-2:]).reshape(
                                     (-1,) + photo.shape[-2:])
    out = [np.concatenate([p, plane_map.PlaneMap(ph[:_LANDMARKS], p).forward(ph[_LANDMARKS:])])
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


def fold_check(source, targets):
    """Least Jacobian determinant over the heads of the maps of `(B, S, T, 2)`
    targets of `(B, T, 2)` sources (`plane_map.PlaneMap`, pins included)."""
    return float(min(plane_map.PlaneMap(src, tgt).min_jacobian_determinant(
        num=FOLD_CHECK_GRID) for src, per_face in zip(source, targets) for tgt in per_face))


def guard_folds(source, targets):
    """`(targets (B, S, T, 2), shrink (B, S))`: `(B, S, T, 2)` targets of
    `(B, T, 2)` sources as the fold guard leaves them (`plane_map.unfolded`),
    and the factor each displacement was shrunk by (1: untouched)."""
    planes = [[plane_map.unfolded(src, tgt) for tgt in per_face]
              for src, per_face in zip(source, targets)]
    return (np.array([[p.control_target for p in row] for row in planes]),
            np.array([[p.shrink for p in row] for row in planes]))


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
        out["min_jacobian"] = fold_check(pairs.photo, np.asarray(predicted)[:, None])
    return out


def score_exaggerator(exaggerator, pairs, samples=3, seed=0,
                      temperature=SAMPLING_TEMPERATURE, guard=True):
    """Deterministic and sampled scores of an `Exaggerator` (library defaults
    for the samples: `temperature`, the model's own noise), its controls
    through the fold guard (`guard_folds`) unless `guard` is False.

    With head points also per region and frame, and at strengths 1 and 2,
    over every sample and the deterministic output of every face: the least
    Jacobian determinant of the map over the head (`min_jacobian_s1`,
    `min_jacobian_s2`), with the guard the share of maps it shrank
    (`guarded_s*`) and the smallest factor (`shrink_min_s*`)."""
    photo68 = pairs.photo[:, :_LANDMARKS]

    def controls(**kwargs):
        source, targets = exaggerator.controls(photo68, **kwargs)  # (B, S, T, 2)
        if not guard:
            return source, targets, np.ones(targets.shape[:2])
        return (source,) + guard_folds(source, targets)

    _, mode, _ = controls(temperature=0.0)  # (B, 1, T, 2)
    out = _landmark_scores(mode[:, 0], pairs)
    drawn = None
    if samples:
        _, drawn, _ = controls(num_samples=samples, seed=seed, temperature=temperature)
        n = _LANDMARKS
        out.update(evaluation.score_samples(drawn[..., :n, :], pairs.caricature[:, :n],
                                            pairs.photo[:, :n]))
    if _has_head(pairs):
        out.update(region_report(mode[:, 0], pairs, drawn))
        for strength in FOLD_STRENGTHS:
            kwargs = ({"num_samples": samples, "seed": seed, "temperature": temperature}
                      if samples else {"temperature": 0.0})
            source, targets, shrink = controls(strength=strength, **kwargs)
            _, mode_s, shrink_mode = controls(strength=strength, temperature=0.0)
            shrink = np.concatenate([shrink, shrink_mode], axis=1)
            out[f"min_jacobian_s{strength:g}"] = fold_check(
                source, np.concatenate([targets, mode_s], axis=1))
            out[f"guarded_s{strength:g}"] = float(np.mean(shrink < 1.0))
            out[f"shrink_min_s{strength:g}"] = float(np.min(shrink))
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
            for metric in METRICS + region_keys() + ("min_jacobian",) + FOLD_KEYS:
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
        jac = [f"{k}={scores[k]:.3f}" for k in ("min_jacobian",) + FOLD_KEYS
               if k in scores]
        if jac:
            lines.append(f"{name:<34}over the head: " + ", ".join(jac))
    return "\n".join(lines)
