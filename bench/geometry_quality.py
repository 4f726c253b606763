"""Geometry quality on AutoToon's fixed test split: models beside every baseline.

Scores each model (deterministic output, and `--samples` draws at the
library's defaults) and the baselines fitted on the 90 train pairs: landmark
error (IOD), displacement cosine to the artist, magnitude ratio (method /
artist), per-draw error and spread between draws; then per region
(landmarks, head points) and frame (unaligned image frame, aligned), in
eye-centre distances, and the least Jacobian determinant of the map over
each head (every sample, strengths 1 and 2). A model directory holding
`cv.json` (from `python -m train.vae --mode=cv`) also gets its 5-fold CV table.
Last, the artists' own pose change per split (`evaluation.pose_change`): the
part of their head movement that aligned measures remove and no method here
predicts.

    python bench/geometry_quality.py                       # both built-in models
    python bench/geometry_quality.py --models=runs/vae_autotoon/export
    python bench/geometry_quality.py --models=autotoon \\
        --figure=docs/figures/autotoon_test.png          # landmark plots of the test faces
    python bench/geometry_quality.py --models=autotoon --clone=~/AutoToon \\
        --image_figure=/tmp/autotoon_images.png          # images: for looking, not committing
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from absl import app, flags  # pylint: disable=wrong-import-position

from bench._report import report  # pylint: disable=wrong-import-position

_MODELS = flags.DEFINE_list("models", ["autotoon", "synthetic"], "Built-in model names "
                            "(autotoon, synthetic) or export directories.")
_SAMPLES = flags.DEFINE_integer("samples", 3, "Random draws per face.")
_SEED = flags.DEFINE_integer("seed", 0, "Sampling seed.")
_FIGURE = flags.DEFINE_string("figure", None, "Write a landmark figure of the test faces "
                              "(first model of --models) to this PNG.")
_HEAD_FIGURE = flags.DEFINE_string("head_figure", None, "Write grids over the test "
                                   "faces' heads, artist beside ours (first model of "
                                   "--models; points and grids only) to this PNG.")
_CLONE = flags.DEFINE_string("clone", None, "A clone of adobe-research/AutoToon, for "
                             "--image_figure.")
_IMAGE_FIGURE = flags.DEFINE_string("image_figure", None, "Write photo | artist | ours "
                                    "images of the test faces here (needs --clone; the "
                                    "images are not ours to redistribute).")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    from tf_deepexag import data  # pylint: disable=g-import-not-at-top
    from tf_deepexag.geometry import (artifacts,  # pylint: disable=g-import-not-at-top
                                      load_exaggerator)
    from tf_deepexag.training import geometry_report  # pylint: disable=g-import-not-at-top

    train_pairs, test_pairs = data.autotoon_split(head=True)
    results = {}
    for spec in _MODELS.value:
        exaggerator = load_exaggerator(spec)
        results[f"vae:{spec}"] = geometry_report.score_exaggerator(
            exaggerator, test_pairs, samples=_SAMPLES.value, seed=_SEED.value)
    results.update(geometry_report.baseline_scores(train_pairs, test_pairs))
    print(geometry_report.format_table(results, "AutoToon test split (11 pairs)"))
    print(geometry_report.format_region_table(
        results, "AutoToon test split per region (eye-centre IOD)"))
    for spec in _MODELS.value:
        cv_path = os.path.join(artifacts.resolve_model_dir(spec), "cv.json")
        if os.path.isfile(cv_path):
            with open(cv_path, encoding="utf-8") as f:
                summary = json.load(f)["summary"]
            print(geometry_report.format_table(summary, f"5-fold CV in the train pairs "
                                               f"(vae:{spec}, from cv.json)"))
            print(geometry_report.format_region_table(summary, "5-fold CV per region"))
    if _FIGURE.value or _IMAGE_FIGURE.value:
        _figures(load_exaggerator(_MODELS.value[0]), test_pairs)
    if _HEAD_FIGURE.value:
        _head_figure(load_exaggerator(_MODELS.value[0]), test_pairs)
    pose = {split: _artists_pose(pairs) for split, pairs in
            (("train", train_pairs), ("test", test_pairs))}
    print(_pose_table(pose))
    rows = [{"method": name, **{k: v for k, v in scores.items()
                                if isinstance(v, float)}}
            for name, scores in results.items()]
    rows += [{"method": f"artists_pose_{split}", **values} for split, values in pose.items()]
    report("geometry_quality", rows, notes=(
        "Region measures: landmarks_* and head_* (unaligned = image frame; aligned = "
        "least squares onto the photo), eye-centre distances; min_jacobian_s1/s2 over "
        "every sample of every test face's head, after the fold guard (guarded_s*: "
        "share of maps it shrank, shrink_min_s*: the least factor).",
        "AutoToon test split (the authors' 11 pairs); baselines fitted on the 90 train "
        "pairs; error in inter-ocular distances after similarity alignment.",
        "artists_pose_* rows, pose_*: the least-squares similarity of each photo onto its "
        "caricature (88 points), per split: its share of the head's squared displacement "
        "(median, mean), cosine with the head's displacement, rotation, scale - 1 and shift "
        "(eye-centre distances, y down; *_se: standard error of the mean).",))


def _artists_pose(pairs):
    """`{measure: float}`: the artists' pose change over a split's pairs."""
    import numpy as np  # pylint: disable=g-import-not-at-top
    from tf_deepexag.geometry import evaluation  # pylint: disable=g-import-not-at-top

    pose = evaluation.pose_change(pairs.caricature, pairs.photo, "head")
    out = {"pairs": float(len(pairs.photo)),
           "pose_share_median": float(np.median(pose["share"]))}
    for key in ("share", "cosine", "rotation_deg", "scale", "shift_x", "shift_y"):
        out[f"pose_{key}"] = float(np.mean(pose[key]))
        out[f"pose_{key}_se"] = float(np.std(pose[key], ddof=1) / np.sqrt(len(pose[key])))
    return out


def _pose_table(pose):
    keys = ("share_median", "share", "cosine", "rotation_deg", "scale", "shift_x", "shift_y")
    lines = ["The artists' pose change (photo onto caricature, 88 points; its share of the "
             "head's squared displacement and cosine with it; shifts in eye-centre "
             "distances, y down; mean ±SE)",
             f"{'split':<8}{'pairs':>6}" + "".join(f"{k:>20}" for k in keys)]
    for split, values in pose.items():
        cells = [_cell(values, f"pose_{k}") for k in keys]
        lines.append(f"{split:<8}{int(values['pairs']):>6}" + "".join(cells))
    return "\n".join(lines)


def _cell(values, key):
    if key + "_se" in values:
        return f"{values[key]:>12.4f} ±{values[key + '_se']:.4f}"
    return f"{values[key]:>20.4f}"


def _head_figure(exaggerator, test_pairs):
    from bench import _autotoon_figure  # pylint: disable=g-import-not-at-top
    from tf_deepexag import fileio  # pylint: disable=g-import-not-at-top
    from tf_deepexag.training import geometry_report  # pylint: disable=g-import-not-at-top

    _, ours = exaggerator.controls(test_pairs.photo[:, :68], temperature=0.0)
    ours = geometry_report.with_head(ours[:, 0], test_pairs.photo)
    fileio.write_image(_HEAD_FIGURE.value, _autotoon_figure.head_grid_figure(
        test_pairs.persons, test_pairs.photo, test_pairs.caricature, ours))
    print(f"wrote {_HEAD_FIGURE.value}")


def trainer_landmarks(pairs):
    from tf_deepexag.training import vae_trainer  # pylint: disable=g-import-not-at-top
    return vae_trainer.landmark_pairs(pairs)


def _figures(exaggerator, test_pairs):
    from bench import _autotoon_figure  # pylint: disable=g-import-not-at-top
    from tf_deepexag import fileio  # pylint: disable=g-import-not-at-top
    from tf_deepexag.geometry import evaluation  # pylint: disable=g-import-not-at-top

    test_pairs = trainer_landmarks(test_pairs)
    ours = exaggerator.exaggerate(test_pairs.photo, temperature=0.0)[:, 0]
    if _FIGURE.value:
        errors = evaluation.landmark_error(ours, test_pairs.caricature)
        fileio.write_image(_FIGURE.value, _autotoon_figure.landmark_figure(
            test_pairs.persons, test_pairs.photo, test_pairs.caricature, ours, errors))
        print(f"wrote {_FIGURE.value}")
    if _IMAGE_FIGURE.value:
        if not _CLONE.value:
            raise app.UsageError("--image_figure needs --clone.")
        from tf_deepexag.data import autotoon  # pylint: disable=g-import-not-at-top
        files = autotoon.list_files(os.path.expanduser(_CLONE.value))
        index = {os.path.splitext(os.path.basename(p))[0]: i
                 for i, p in enumerate(files["photos"])}
        rows = [index[i] for i in test_pairs.persons]
        images = [fileio.read_image(files["photos"][i]) for i in rows]
        caricatures = [fileio.read_image(files["caricatures"][i]) for i in rows]
        source, controls = exaggerator.controls(test_pairs.photo, temperature=0.0)
        fileio.write_image(_IMAGE_FIGURE.value, _autotoon_figure.image_figure(
            images, caricatures, source, controls[:, 0]))
        print(f"wrote {_IMAGE_FIGURE.value}")


if __name__ == "__main__":
    app.run(main)
