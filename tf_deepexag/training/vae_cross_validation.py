"""K-fold cross-validation of a geometry run inside its training pairs.

For each fold k, `train.vae`'s run is trained on the other folds (its own
run directory `fold_k/`, the final step exported), then the model and every
baseline (fitted on the same folds) are scored on fold k. The test split is
never read. Used to choose settings (`python -m train.vae --mode=cv`).
"""

import dataclasses
import os

from absl import logging

from tf_deepexag import fileio
from tf_deepexag.geometry import artifacts
from tf_deepexag.training import vae_trainer as trainer
from tf_deepexag.geometry.exaggerator import Exaggerator
from tf_deepexag.training import geometry_report

CV_FILE = "cv.json"


def cross_validate(config, options, model_dir, samples=3, seed=0):
    """Trains and scores `options.cv_folds` folds; returns the summary.

    Args:
        config: `VAEConfig`.
        options: `trainer.RunOptions` (data "autotoon"; `cv_fold` is set here).
        model_dir: parent of the fold runs; `cv.json` is written there.
        samples: random draws per face scored.
        seed: sampling seed.

    Returns:
        dict: `folds` (per-fold `{method: scores}`) and `summary`
        (`{method: {metric: mean, metric_std: std}}`).
    """
    if options.data != "autotoon":
        raise ValueError(f"Cross-validation runs on data='autotoon', got {options.data!r}.")
    fold_results = []
    for fold in range(options.cv_folds):
        fold_options = dataclasses.replace(options, cv_fold=fold, export="last",
                                           eval_every=config.num_steps)
        fold_dir = os.path.join(model_dir, f"fold_{fold}")
        logging.info("CV fold %d of %d -> %s", fold + 1, options.cv_folds, fold_dir)
        trainer.train(config, fold_options, fold_dir)
        train_pairs, held = trainer.evaluation_pairs(fold_options)
        model, stats, _ = artifacts.load_artifacts(os.path.join(fold_dir, trainer.EXPORT_DIR))
        results = {"vae": geometry_report.score_exaggerator(
            Exaggerator(model, stats), held, samples=samples, seed=seed)}
        results.update(geometry_report.baseline_scores(train_pairs, held))
        fold_results.append(results)
        logging.info("fold %d: vae %.4f", fold, results["vae"]["error"])
    out = {"folds": fold_results, "summary": geometry_report.summarise_folds(fold_results),
           "config": config.to_dict(), "options": dataclasses.asdict(options)}
    fileio.write_json_atomic(os.path.join(model_dir, CV_FILE), out)
    return out
