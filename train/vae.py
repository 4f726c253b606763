"""Trains or evaluates the geometry model (Seq2Seq VAE).

Usage:
    python -m train.vae --flagfile=train/configs/vae_synthetic.cfg --model_dir=/tmp/vae
    python -m train.vae --flagfile=train/configs/vae_synthetic.cfg --model_dir=/tmp/vae \
        --mode=eval
"""

import json

from tf_deepexag.cli import absl_main

absl_main.start()  # TensorFlow's start-up lines stay off stderr
from absl import app, flags  # noqa: E402

from train import _flags  # noqa: E402
from tf_deepexag.training import vae_trainer as trainer  # noqa: E402
from tf_deepexag.geometry.config import VAEConfig  # noqa: E402

_D = VAEConfig()
# Run.
_MODE = flags.DEFINE_enum("mode", "train", ["train", "eval", "cv"], "Train; evaluate the "
                          "exported model on the held-out split beside the baselines; "
                          "or cross-validate inside the training pairs (--data=autotoon).")
_MODEL_DIR = flags.DEFINE_string("model_dir", None, "Run directory (checkpoints, "
                                 "TensorBoard, config.json, export/).")
_DATA = flags.DEFINE_string("data", "synthetic", "Paired dataset folder (pairs.csv), "
                            "a TFRecord file pattern, 'synthetic', or 'autotoon' (the "
                            "shipped AutoToon landmark pairs and their fixed split).")
_TEST_FRACTION = flags.DEFINE_float("test_fraction", 0.15, "Share of persons held out.")
_SEED = flags.DEFINE_integer("seed", 0, "Seed of weights, noise, data order and split.")
_STRATEGY = flags.DEFINE_enum("strategy", "default", ["default", "mirrored",
                              "multi_worker"], "tf.distribute strategy.")
_EVAL_EVERY = flags.DEFINE_integer("eval_every", 500, "Steps between held-out evals.")
_LOG_EVERY = flags.DEFINE_integer("log_every", 50, "Steps between scalar summaries.")
_CHECKPOINT_EVERY = flags.DEFINE_integer("checkpoint_every", 500,
                                         "Steps between checkpoints.")
_ALIGN_PAIRS = flags.DEFINE_enum("align_pairs", "none", ["none", "procrustes", "jaw"],
                                 "Align each training caricature onto its photo first "
                                 "('none' = the original: the artist's pose).")
_INPUT_FRAME = flags.DEFINE_enum("input_frame", "image", ["image", "canonical"],
                                 "Frame of the faces the model reads: 'image' (pixels, "
                                 "the original) or 'canonical' (each pair moved by its "
                                 "photo's similarity onto the training mean shape).")
_EVAL_SAMPLES = flags.DEFINE_integer("eval_samples", 5, "Random draws per face in "
                                     "--mode=eval and --mode=cv.")
_EXPORT = flags.DEFINE_enum("export", "best", ["best", "last"], "Export the model with "
                            "the lowest held-out error so far, or the final step's "
                            "(a fixed test split must not choose the model).")
_MIRROR = flags.DEFINE_boolean("mirror", False, "Add the mirror image of every "
                               "training pair.")
_CV_FOLDS = flags.DEFINE_integer("cv_folds", 5, "Folds of --mode=cv.")
_NOISE_SCALE = flags.DEFINE_float("noise_scale", 0.5, "With --baseline=ridge and "
                                  "--noise_components: size of the noise modes in "
                                  "standard deviations of the training residuals.")
_HEAD_POINTS = flags.DEFINE_boolean("head_points", False, "With --data=autotoon: "
                                    "the model also generates the head points "
                                    "(needs --max_seq_len=88).")
_CALIBRATE = flags.DEFINE_boolean("calibrate_strength", False, "Store a strength "
                                  "scale with the export: strength 1 moves the points "
                                  "as far as the training artists on average.")
_HPARAMS = _flags.define_config_flags(_D, _flags.VAE_HELP)
flags.mark_flags_as_required(["model_dir"])


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    try:
        config = VAEConfig(seed=_SEED.value,
                           **{name: holder.value for name, holder in _HPARAMS.items()})
        options = trainer.RunOptions(
            data=_DATA.value, test_fraction=_TEST_FRACTION.value, split_seed=_SEED.value,
            eval_every=_EVAL_EVERY.value, log_every=_LOG_EVERY.value,
            checkpoint_every=_CHECKPOINT_EVERY.value, strategy=_STRATEGY.value,
            align_pairs=_ALIGN_PAIRS.value, input_frame=_INPUT_FRAME.value,
            export=_EXPORT.value, mirror=_MIRROR.value, cv_folds=_CV_FOLDS.value,
            noise_scale=_NOISE_SCALE.value, head_points=_HEAD_POINTS.value,
            calibrate_strength=_CALIBRATE.value)
        trainer.check_run(config, options)
    except ValueError as error:
        raise app.UsageError(f"Invalid flag value: {error}") from error
    if _MODE.value == "cv":
        from tf_deepexag.training import geometry_report, vae_cross_validation  # noqa: E402
        results = vae_cross_validation.cross_validate(config, options, _MODEL_DIR.value,
                                                      samples=_EVAL_SAMPLES.value,
                                                      seed=_SEED.value)
        print(geometry_report.format_table(results["summary"], "5-fold CV (train pairs)"))
        print(geometry_report.format_region_table(results["summary"],
                                                  "5-fold CV per region (eye-centre IOD)"))
        return
    if _MODE.value == "eval":
        results = trainer.evaluate_run(_MODEL_DIR.value, options,
                                       samples=_EVAL_SAMPLES.value, seed=_SEED.value)
        if options.data == "autotoon":
            from tf_deepexag.training import geometry_report  # noqa: E402
            print(geometry_report.format_table(results, "AutoToon test split"))
            print(geometry_report.format_region_table(
                results, "AutoToon test split per region (eye-centre IOD)"))
        else:
            print(trainer.format_table(results))
        print(json.dumps(results, indent=2))
        return
    trainer.train(config, options, _MODEL_DIR.value)


if __name__ == "__main__":
    absl_main.run(main)
