"""Trains U-GAT-IT on an unpaired folder, or translates a folder with it.

Usage:
    python -m train.style --flagfile=train/configs/ugatit_synthetic.cfg \
        --data_dir=/tmp/synth --model_dir=/tmp/ugatit
    python -m train.style --flagfile=train/configs/ugatit_light_256.cfg \
        --data_dir=data/selfie2caricature --model_dir=runs/ugatit \
        --mixed_precision=mixed_bfloat16
    python -m train.style --flagfile=train/configs/ugatit_synthetic.cfg \
        --model_dir=/tmp/ugatit --mode=test --input_dir=photos --output_dir=out
    python -m train.style --flagfile=train/configs/ugatit_synthetic.cfg \
        --data_dir=/tmp/synth --model_dir=/tmp/ugatit --mode=eval \
        [--features=inception]  # paper-comparable; pip install -e '.[eval]'
"""

import json
import os

from tf_deepexag.cli import absl_main

absl_main.start()  # TensorFlow's start-up lines stay off stderr
from absl import app, flags  # noqa: E402

from train import _flags  # noqa: E402
from tf_deepexag.style import inception_metrics  # noqa: E402
from tf_deepexag.style.config import UGATITConfig  # noqa: E402
from tf_deepexag.style.precision import POLICIES  # noqa: E402
from tf_deepexag.training import style_trainer as trainer  # noqa: E402

_D = UGATITConfig()
# Run.
_MODE = flags.DEFINE_enum("mode", "train", ["train", "test", "eval"], "Train; test: "
                          "translate --input_dir to --output_dir with the exported "
                          "generator; eval: FID/KID x100 of translated testA vs testB.")
_MODEL_DIR = flags.DEFINE_string("model_dir", None, "Run directory (checkpoints, "
                                 "TensorBoard, config.json, export/).")
_DATA_DIR = flags.DEFINE_string("data_dir", None, "Unpaired dataset with trainA/, "
                                "trainB/ (testA/, testB/ optional).")
_INPUT_DIR = flags.DEFINE_string("input_dir", None, "--mode=test: images to translate.")
_OUTPUT_DIR = flags.DEFINE_string("output_dir", None, "--mode=test: output folder.")
_FEATURES = flags.DEFINE_enum(
    "features", "default", list(trainer.FEATURE_SPACES), "--mode=eval feature "
    "space. default: download-free colour/gradient features (compare runs with "
    "each other, NOT with papers); inception: Inception-v3 pool3 as in the "
    "papers' FID/KID, needs the optional extra: pip install -e '.[eval]'.")
_STRATEGY = flags.DEFINE_enum("strategy", "default", ["default", "mirrored",
                              "multi_worker"], "tf.distribute strategy.")
_LOG_EVERY = flags.DEFINE_integer("log_every", 100, "Steps between scalar summaries.")
_CHECKPOINT_EVERY = flags.DEFINE_integer("checkpoint_every", 1000,
                                         "Steps between checkpoints.")
_SUMMARY_EVERY = flags.DEFINE_integer("summary_every", 1000,
                                      "Steps between image-grid summaries.")
_JIT = flags.DEFINE_boolean("jit_compile", False, "XLA-compile the train step.")
_ON_ERROR = flags.DEFINE_enum("on_error", "skip", ["skip", "fail"],
                              "Unreadable training images: skip (logged) or fail.")
_MIXED_PRECISION = flags.DEFINE_enum(
    "mixed_precision", _D.mixed_precision, list(POLICIES), "Dtype policy of the "
    "networks: float32 (the original); mixed_bfloat16 (16-bit compute, float32 "
    "variables, statistics and losses; CPUs with bf16, TPUs, Ampere+ GPUs); "
    "mixed_float16 (the same with dynamic loss scaling; GPUs). Saved in "
    "config.json: a run resumes only with its own policy.")
# Model and optimisation (U-GAT-IT names; defaults = main.py of the original).
_HELP = {
    "light": "Light variant (MLP on pooled features, small memory).",
    "img_size": "Training/translation image side (multiple of 4).",
    "load_size": "Resize side before the random crop.",
    "ngf": "Generator base channels.",
    "ndf": "Discriminator base channels.",
    "n_res": "Residual blocks in the generator encoder and decoder.",
    "n_dis_global": "Global discriminator layers.",
    "n_dis_local": "Local discriminator layers.",
    "batch_size": "Global images per domain per step.",
    "num_steps": "Training iterations.",
    "lr": "Adam learning rate.",
    "beta_1": "Adam beta1.",
    "beta_2": "Adam beta2.",
    "weight_decay": "L2 weight decay added to gradients.",
    "decay_flag": "Linear learning-rate decay over the second half.",
    "adv_weight": "Adversarial loss weight.",
    "cycle_weight": "Cycle-consistency L1 weight.",
    "identity_weight": "Identity L1 weight.",
    "cam_weight": "Generator CAM loss weight.",
    "seed": "Seed of weights, data order and augmentation.",
}
_CONFIG_FLAGS = _flags.define_config_flags(_D, _HELP)
flags.mark_flags_as_required(["model_dir"])


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    if _MODE.value == "test":
        if not _INPUT_DIR.value or not _OUTPUT_DIR.value:
            raise app.UsageError("--mode=test needs --input_dir and --output_dir.")
        trainer.translate_folder(_MODEL_DIR.value, _INPUT_DIR.value,
                                 _OUTPUT_DIR.value)
        return 0
    if not _DATA_DIR.value:
        raise app.UsageError(f"--mode={_MODE.value} needs --data_dir.")
    if _MODE.value == "eval":
        if _FEATURES.value == "inception" and not inception_metrics.is_available():
            raise app.UsageError("--features=inception needs the optional extra: "
                                 f"{inception_metrics.INSTALL_HINT}")
        result = trainer.evaluate(_MODEL_DIR.value, _DATA_DIR.value, os.path.join(
            _MODEL_DIR.value, "eval.json"), features=_FEATURES.value)
        print(json.dumps(result, indent=2))
        return 0
    config = UGATITConfig(**{k: f.value for k, f in _CONFIG_FLAGS.items()},
                          mixed_precision=_MIXED_PRECISION.value)
    trainer.train(config, _DATA_DIR.value, _MODEL_DIR.value,
                  strategy=_STRATEGY.value, log_every=_LOG_EVERY.value,
                  checkpoint_every=_CHECKPOINT_EVERY.value,
                  summary_every=_SUMMARY_EVERY.value, jit_compile=_JIT.value,
                  on_error=_ON_ERROR.value)
    return 0


if __name__ == "__main__":
    absl_main.run(main)
