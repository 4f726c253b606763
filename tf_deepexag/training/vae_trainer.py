"""Training and evaluation runs of the geometry model (called by `train.vae`).

Library code of the edge: it reads `data`, builds `geometry` models and runs
them in `training.loop`; the geometry stage itself imports none of these.

A run directory holds `config.json` (the run settings, guarded on resume),
`stats.json`, `checkpoints/`, `train/` and `eval/` (TensorBoard), `best.json`
and `export/` (the best held-out model: `vae.keras`, `stats.json`,
`config.json`).
"""

import dataclasses
import glob
import os

import keras
import numpy as np
import tensorflow as tf
from absl import logging

from tf_deepexag import data, fileio, figures, landmarks
from tf_deepexag.geometry import artifacts, baseline_prior, baselines, evaluation
from tf_deepexag.geometry.config import VAEConfig
from tf_deepexag.geometry.exaggerator import Exaggerator
from tf_deepexag.geometry.model import DeepExaggerationVAE, make_optimizer
from tf_deepexag.geometry.sampling_inputs import SAMPLING_TEMPERATURE
from tf_deepexag.training import loop, run_config
from tf_deepexag.training import strategy as strategy_lib

EXPORT_DIR = "export"
BEST_FILE = "best.json"
# Run settings that may change when a run is resumed.
MUTABLE = ("num_steps", "eval_every", "log_every", "checkpoint_every", "strategy")


@dataclasses.dataclass(frozen=True)
class RunOptions:
    """Settings of a run beyond the model's `VAEConfig`."""

    data: str = "synthetic"  # Paired folder, TFRecord pattern, or "synthetic".
    test_fraction: float = 0.15  # Share of persons held out (person-disjoint split).
    split_seed: int = 0  # Seed of the person split and of the synthetic set.
    eval_every: int = 500  # Steps between held-out evaluations (and exports).
    log_every: int = 50  # Steps between scalar summaries.
    checkpoint_every: int = 500  # Steps between checkpoints.
    strategy: str = "default"  # default | mirrored | multi_worker.
    # Frame of the training caricatures: "none" keeps the artist's pose (the
    # original), "procrustes"/"jaw" similarity-align each caricature onto its
    # photo first, so the decoder learns shape, not an unpredictable pose, and
    # the photo-consistency term compares strokes in comparable frames.
    align_pairs: str = "none"
    # Frame of the faces the model reads: "image" (pixels, as the original) or
    # "canonical": each pair is moved by its photo's least-squares similarity
    # onto the training photos' mean shape (stored in `stats.json`; inference
    # does the same), so face size and roll no longer vary the offsets.
    input_frame: str = "image"
    num_images: int = 4  # Held-out faces drawn in TensorBoard.
    # Which model `export/` holds: "best" (lowest held-out error so far, the
    # synthetic set's person split) or "last" (the final step: a fixed test
    # split such as AutoToon's must not choose the model).
    export: str = "best"
    # Add each training pair's mirror image (points flipped left/right and
    # renumbered by the scheme's mirror permutation).
    mirror: bool = False
    # With data="autotoon": hold out fold `cv_fold` of `cv_folds` of the train
    # split instead of the test split (-1: the authors' test split).
    cv_fold: int = -1
    cv_folds: int = 5
    # With baseline="ridge" and noise_components: the noise modes' size in
    # standard deviations of the training residuals (`baseline_prior`).
    noise_scale: float = 0.5
    # With data="autotoon": the model also generates the head points
    # (`landmarks.head`; needs max_seq_len = 68 + K).
    head_points: bool = False
    # Store a strength scale with the exported model so that strength 1 moves
    # the points as far as the training artists on average
    # (`calibrate_strength`).
    calibrate_strength: bool = False


def check_run(config, options):
    """Raises `ValueError` naming the setting when a run's settings disagree.

    Args:
        config: the run's `VAEConfig`.
        options: its `RunOptions`.
    """
    head_steps = landmarks.IBUG68_HEAD.num_points
    if options.head_points and config.max_seq_len != head_steps:
        raise ValueError(f"`head_points` needs `max_seq_len`={head_steps} (the "
                         f"landmarks and head points), got {config.max_seq_len}.")
    if not 0.0 < options.test_fraction < 1.0:
        raise ValueError(f"`test_fraction` must be in (0, 1), got "
                         f"{options.test_fraction}.")
    for name in ("eval_every", "log_every", "checkpoint_every"):
        if getattr(options, name) <= 0:
            raise ValueError(f"`{name}` must be positive, got {getattr(options, name)}.")


def load_pairs(spec, seed=0):
    """Reads paired landmarks from a folder, a TFRecord pattern or `"synthetic"`."""
    if spec == "synthetic":
        return data.make_synthetic_pairs(seed=seed)
    if spec == "autotoon":
        return data.load_autotoon_landmarks().pairs("all")
    if os.path.isdir(spec):
        return data.read_paired_folder(spec)
    if glob.glob(spec):
        return data.read_tfrecords(spec)
    raise FileNotFoundError(f"`data` is neither a folder, a TFRecord pattern nor "
                            f"'synthetic': {spec!r} matches nothing.")


ALIGN_PAIRS = ("none", "procrustes", "jaw")


def align_pairs(pairs, method):
    """`pairs` with each caricature similarity-aligned onto its photo."""
    if method not in ALIGN_PAIRS:
        raise ValueError(f"`align_pairs` must be one of {ALIGN_PAIRS}, got {method!r}.")
    if method == "none":
        return pairs
    aligned = landmarks.align(pairs.caricature, pairs.photo, method).numpy()
    return dataclasses.replace(pairs, caricature=aligned.astype(np.float32))


def split(options):
    """`(train, test)` person-disjoint `PairedLandmarks` of the run's data.

    The caricatures are aligned as `options.align_pairs` says (the landmark
    error is similarity invariant, so evaluation is unaffected by it).
    """
    if options.head_points and options.data != "autotoon":
        raise ValueError("`head_points` needs data='autotoon' (head targets come from "
                         f"its warp fields), got {options.data!r}.")
    if options.data == "autotoon":
        train_pairs, test_pairs = data.autotoon_split(options.cv_fold, options.cv_folds,
                                                      options.split_seed,
                                                      head=options.head_points)
        return (align_pairs(train_pairs, options.align_pairs),
                align_pairs(test_pairs, options.align_pairs))
    pairs = align_pairs(load_pairs(options.data, options.split_seed),
                        options.align_pairs)
    return data.split_by_person(pairs, options.test_fraction, options.split_seed)


INPUT_FRAMES = ("image", "canonical")


def to_model_frame(pairs, stats):
    """`pairs` in the frame the model reads (see `RunOptions.input_frame`):
    both faces of a pair moved by the photo's similarity onto the mean shape."""
    photo, matrix = stats.to_canonical(pairs.photo)
    caricature = landmarks.apply_similarity(pairs.caricature, matrix)
    return dataclasses.replace(pairs, photo=photo.numpy().astype(np.float32),
                               caricature=caricature.numpy().astype(np.float32))


def _eval_dataset(pairs, stats, batch_size=256):
    pairs = to_model_frame(pairs, stats)
    return data.paired_stroke_dataset(pairs.photo, pairs.caricature, stats,
                                      batch_size, training=False)


def evaluation_pairs(options):
    """`(train, held_out)` AutoToon pairs as the artists made them (not
    aligned, whatever `align_pairs` says) with their head points: what the
    geometry reports score."""
    return data.autotoon_split(options.cv_fold, options.cv_folds, options.split_seed,
                               head=True)


def landmark_pairs(pairs):
    """`pairs` cut to their 68 landmarks (no head points)."""
    n = landmarks.IBUG68.num_points
    return dataclasses.replace(pairs, photo=pairs.photo[:, :n],
                               caricature=pairs.caricature[:, :n])


def landmark_errors(exaggerator, pairs, samples=0, seed=0):
    """Mean landmark error (see `evaluation`) of the deterministic output and,
    if `samples`, of `samples` random draws per face (averaged)."""
    out = {}
    gen = exaggerator.exaggerate(pairs.photo, temperature=0.0)[:, 0]
    out["landmark_error_deterministic"] = float(
        evaluation.landmark_error(gen, pairs.caricature).mean())
    if samples:
        gen = exaggerator.exaggerate(pairs.photo, num_samples=samples, seed=seed,
                                     temperature=SAMPLING_TEMPERATURE)
        err = evaluation.landmark_error(gen, pairs.caricature[:, None])
        out["landmark_error_sampled"] = float(err.mean())
    return out


def draw_examples(exaggerator, pairs, num):
    """uint8 `(num, 256, 256, 3)` canvases: photo, generated, target."""
    photo = pairs.photo[:num]
    gen = exaggerator.exaggerate(photo, temperature=0.0)[:, 0]
    target = landmarks.align(pairs.caricature[:num], photo, "procrustes").numpy()
    return np.stack([figures.landmark_canvas([
        (p, figures.PHOTO_COLOUR), (t, figures.TARGET_COLOUR),
        (g, figures.GENERATED_COLOUR)]) for p, g, t in zip(photo, gen, target)])


def fit_stats(train_pairs, input_frame="image"):
    """`NormalizationStats` of training pairs, with the canonical mean shape
    when `input_frame` is "canonical" (scales measured in that frame)."""
    if input_frame not in INPUT_FRAMES:
        raise ValueError(f"`input_frame` must be one of {INPUT_FRAMES}, got "
                         f"{input_frame!r}.")
    if input_frame == "image":
        return landmarks.NormalizationStats.fit(train_pairs.photo, train_pairs.caricature)
    frame = landmarks.NormalizationStats(1.0, 1.0,
                                         landmarks.scheme_for(train_pairs.photo).name,
                                         mean_shape=landmarks.mean_shape(train_pairs.photo))
    canonical = to_model_frame(train_pairs, frame)
    scales = landmarks.NormalizationStats.fit(canonical.photo, canonical.caricature)
    return dataclasses.replace(scales, mean_shape=frame.mean_shape)


def init_edfm_prior(model, train_pairs, stats):
    """Sets the head of an `edfm_prior` model to EDFM (see `mixture_head`).

    Args:
        model: a built `DeepExaggerationVAE` with `config.edfm_prior`.
        train_pairs: the training `PairedLandmarks` (image frame).
        stats: canonical-frame `NormalizationStats` (with `mean_shape`).

    Returns:
        The fitted `baselines.EDFM` (its `k` is the prior's factor).
    """
    if stats.mean_shape is None:
        raise ValueError("`edfm_prior` needs `input_frame='canonical'`: EDFM is a "
                         "per-step bias only in the mean face's frame.")
    edfm = baselines.EDFM.fit(train_pairs.photo, train_pairs.caricature)
    mean_offsets, _ = landmarks.to_stroke5(np.asarray(stats.mean_shape))  # (T, 5)
    mean_offsets = mean_offsets.numpy()
    gain = edfm.k * stats.photo_scale / stats.caricature_scale
    bias = (1.0 - edfm.k) * mean_offsets[:, :2] / stats.caricature_scale  # (T, 2)
    model.head.set_step_skip(np.full(bias.shape, gain), bias)
    logging.info("EDFM prior: k = %.2f fitted on the training pairs", edfm.k)
    return edfm


def calibrate_strength(model, stats, train_pairs):
    """`stats` with the `strength_scale` that makes strength 1 move the
    training photos' points as far as their artists did, on average.

    The scale is the ratio of summed mean point displacements (artist /
    model's deterministic output), in the image frame, over every model point
    (the landmarks and any head points together), measured with scale 1.

    Args:
        model: the trained `DeepExaggerationVAE`.
        stats: its `NormalizationStats` (any `strength_scale` is replaced).
        train_pairs: the training `PairedLandmarks` as the artists made them
            (image frame, not mirrored; points beyond the model's T are
            ignored).
    """
    plain = dataclasses.replace(stats, strength_scale=1.0)
    n = landmarks.IBUG68.num_points
    _, target = Exaggerator(model, plain).controls(train_pairs.photo[:, :n], temperature=0.0)
    t = target.shape[-2]
    photo = train_pairs.photo[:, :t]
    moved = np.linalg.norm(target[:, 0] - photo, axis=-1).sum()
    artist = np.linalg.norm(train_pairs.caricature[:, :t] - photo, axis=-1).sum()
    scale = float(artist / max(moved, 1e-9))
    logging.info("Strength 1 = the artists' magnitude: scale %.3f", scale)
    return dataclasses.replace(stats, strength_scale=scale)


def _fit_stats(model_dir, train_pairs, chief, input_frame):
    path = os.path.join(model_dir, "stats.json")
    if os.path.exists(path):
        return landmarks.NormalizationStats.load(path)
    stats = fit_stats(train_pairs, input_frame)
    if chief:
        stats.save(path)
    return stats


def train(config, options, model_dir):
    """Trains (or resumes) a run; returns the last training logs.

    Raises:
        ValueError: `model_dir` holds a run with other settings.
        loop.NonFiniteLossError: a loss became NaN/inf (step named).
    """
    strategy = strategy_lib.make_strategy(options.strategy)
    chief = strategy_lib.is_chief(strategy)
    if chief:
        os.makedirs(model_dir, exist_ok=True)
    settings = {**config.to_dict(), **dataclasses.asdict(options)}
    run_config.write_or_check_config(model_dir, settings, mutable=MUTABLE, write=chief)
    train_pairs, test_pairs = split(options)
    logging.info("%d training pairs, %d held-out pairs (%d persons)", len(train_pairs),
                 len(test_pairs), test_pairs.num_persons)
    stats = _fit_stats(model_dir, train_pairs, chief, options.input_frame)
    keras.utils.set_random_seed(config.seed)  # Same initial weights for a seed.
    with strategy.scope():
        model = DeepExaggerationVAE(config)
        model.build()
        optimizer = make_optimizer(config)
        model.compile(optimizer=optimizer)
        optimizer.build(model.trainable_variables)
        if config.baseline == "ridge":  # A resumed run restores the trained values.
            baseline_prior.init_baseline_prior(model, train_pairs.photo,
                                               train_pairs.caricature, stats,
                                               options.noise_scale, options.mirror)
        elif config.edfm_prior:
            init_edfm_prior(model, train_pairs, stats)
    model_frame = to_model_frame(
        data.mirror_pairs(train_pairs) if options.mirror else train_pairs, stats)
    dataset = data.paired_stroke_dataset(
        model_frame.photo, model_frame.caricature, stats, config.batch_size,
        training=True, seed=config.seed, random_scale_factor=config.random_scale_factor)
    exaggerator = Exaggerator(model, stats)
    eval_data = _eval_dataset(test_pairs, stats)
    if options.head_points:  # The landmark measures read the 68 points.
        test_pairs = landmark_pairs(test_pairs)
    # The artists' pairs as they made them, for the strength calibration.
    raw_train = (evaluation_pairs(options)[0] if options.data == "autotoon"
                 else train_pairs)
    best_path = os.path.join(model_dir, BEST_FILE)

    def evaluate(step):
        scores = {"nll": model.evaluate_nll(eval_data),
                  **landmark_errors(exaggerator, test_pairs)}
        for key, value in scores.items():
            tf.summary.scalar(f"eval/{key}", value, step=step)
        tf.summary.image("eval/photo_target_generated",
                         draw_examples(exaggerator, test_pairs, options.num_images),
                         step=step, max_outputs=options.num_images)
        logging.info("eval step %d %s", step, scores)
        best = fileio.read_json(best_path) if os.path.exists(best_path) else None
        key = "landmark_error_deterministic"
        if (options.export == "last" and step >= config.num_steps) or (
                options.export == "best" and (best is None or scores[key] < best[key])):
            export_stats = (calibrate_strength(model, stats, raw_train)
                            if options.calibrate_strength else stats)
            artifacts.save_artifacts(model, export_stats,
                                     os.path.join(model_dir, EXPORT_DIR))
            fileio.write_json_atomic(best_path, {"step": step, **scores})
            logging.info("Exported the model of step %d to %s", step,
                         os.path.join(model_dir, EXPORT_DIR))

    train_loop = loop.TrainLoop(
        strategy=strategy, model_dir=model_dir, step_fn=model.train_step,
        dataset=dataset,
        # The Keras 3 model's own variables reach the checkpoint only through
        # the optimizer (trainable ones); list them all so the noise
        # generators' states resume too (exact resume with dropout on).
        checkpoint_items={"model": model, "optimizer": optimizer,
                          "model_variables": list(model.variables)},
        step_counter=optimizer.iterations, num_steps=config.num_steps,
        log_every=options.log_every, checkpoint_every=options.checkpoint_every,
        batch_size=config.batch_size,
        hooks=[loop.Hook(every_n=options.eval_every, fn=evaluate)])
    return train_loop.run()


def evaluate_run(model_dir, options=None, samples=5, seed=0):
    """Held-out scores of a run's exported model beside the baselines.

    Args:
        model_dir: the run directory (its `export/` and `config.json` are read).
        options: `RunOptions` overriding the saved data settings, or None.
        samples: int, random draws per face for the sampled error.
        seed: int, the sampling seed.

    Returns:
        dict `{method: {metric: value}}`, also written to `model_dir/eval.json`.
    """
    if options is None:
        saved = run_config.read_config(model_dir)
        names = {f.name for f in dataclasses.fields(RunOptions)}
        options = RunOptions(**{k: v for k, v in saved.items() if k in names})
    model, stats, config = artifacts.load_artifacts(os.path.join(model_dir, EXPORT_DIR))
    train_pairs, test_pairs = split(options)
    exaggerator = Exaggerator(model, stats)
    nll = model.evaluate_nll(_eval_dataset(test_pairs, stats))
    if options.data == "autotoon":  # Every baseline, cosine, ratio, spread.
        from tf_deepexag.training import geometry_report  # pylint: disable=g-import-not-at-top
        # The artists' own poses (unaligned measures) and the head points.
        train_pairs, test_pairs = evaluation_pairs(options)
        results = {"vae": {"nll": nll, **geometry_report.score_exaggerator(
                               exaggerator, test_pairs, samples, seed)},
                   **geometry_report.baseline_scores(train_pairs, test_pairs),
                   "num_test_pairs": len(test_pairs)}
        fileio.write_json_atomic(os.path.join(model_dir, "eval.json"), results)
        return results
    edfm = baselines.EDFM.fit(train_pairs.photo, train_pairs.caricature)
    results = {
        "vae": {"nll": nll, **landmark_errors(exaggerator, test_pairs, samples, seed)},
        "identity": {"landmark_error_deterministic": float(evaluation.landmark_error(
            baselines.identity(test_pairs.photo), test_pairs.caricature).mean())},
        f"edfm(k={edfm.k:.2f})": {"landmark_error_deterministic": float(
            evaluation.landmark_error(edfm(test_pairs.photo),
                                      test_pairs.caricature).mean())},
    }
    results["num_test_pairs"] = len(test_pairs)
    fileio.write_json_atomic(os.path.join(model_dir, "eval.json"), results)
    return results


def format_table(results):
    """A text table of `evaluate_run` results."""
    metrics = ("nll", "landmark_error_deterministic", "landmark_error_sampled")
    lines = [f"{'method':<16}" + "".join(f"{m:>32}" for m in metrics)]
    for method, scores in results.items():
        if isinstance(scores, dict):
            lines.append(f"{method:<16}" + "".join(
                f"{scores[m]:>32.4f}" if m in scores else f"{'-':>32}" for m in metrics))
    return "\n".join(lines)


__all__ = ["RunOptions", "VAEConfig", "draw_examples", "evaluate_run", "fit_stats",
           "format_table", "init_edfm_prior", "landmark_errors", "to_model_frame",
           "load_pairs", "split", "train"]
