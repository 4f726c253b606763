"""Saving and loading a trained geometry model with its statistics.

Layout of an export directory:
    vae.keras     the `DeepExaggerationVAE` (weights + config, no optimizer)
    stats.json    `landmarks.NormalizationStats` of the training split
    config.json   the `VAEConfig` (readable without Keras)
"""

import os

from tf_deepexag import fileio, keras_files, landmarks
from tf_deepexag.geometry.config import VAEConfig
from tf_deepexag.geometry.model import DeepExaggerationVAE

MODEL_FILE = "vae.keras"
STATS_FILE = "stats.json"
CONFIG_FILE = "config.json"


def inference_copy(model, unroll=False):
    """A fresh, uncompiled copy of `model` (same weights, no optimizer state).

    Args:
        model: a `DeepExaggerationVAE`.
        unroll: bool, the copy's LSTM loops are unrolled: no `While` or
            TensorList ops, so its graphs convert to TFLite with builtin ops
            only. Defaults to False.
    """
    if not model.built:
        model.build()
    config = model.config.replace(unroll=True) if unroll else model.config
    copy = DeepExaggerationVAE(config)
    copy.build()
    copy.set_weights(model.get_weights())
    return copy


def save_artifacts(model, stats, directory):
    """Writes `vae.keras`, `stats.json`, `config.json` to `directory` atomically.

    The files are written to a sibling temporary directory that then replaces
    `directory` (`fileio.atomic_directory`), so a reader never sees a
    half-written export; files and folder get the umask's permissions.
    """
    directory = os.path.abspath(directory)
    with fileio.atomic_directory(directory) as tmp:
        inference_copy(model).save(os.path.join(tmp, MODEL_FILE))
        stats.save(os.path.join(tmp, STATS_FILE))
        fileio.write_json_atomic(os.path.join(tmp, CONFIG_FILE), model.config.to_dict())
    return directory


def load_artifacts(directory):
    """Loads `(model, stats, config)` from an export directory.

    A directory that an interrupted `save_artifacts` left renamed aside is
    read from there (`fileio.readable_directory`).

    Raises:
        FileNotFoundError: a file of the layout is missing.
        errors.CorruptFileError: `vae.keras` is truncated or corrupt.
        errors.UserError: `vae.keras` holds another kind of model.
    """
    directory = fileio.readable_directory(directory)
    for name in (MODEL_FILE, STATS_FILE):
        path = os.path.join(directory, name)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"Geometry model file not found: {path}")
    model = keras_files.load_model(os.path.join(directory, MODEL_FILE),
                                   DeepExaggerationVAE, "geometry model (vae.keras)")
    stats = landmarks.NormalizationStats.load(os.path.join(directory, STATS_FILE))
    return model, stats, model.config


# Built-in models by name: folders of `tf_deepexag/assets`.
BUILTIN_MODELS = {"autotoon": "vae_autotoon", "synthetic": "vae_synthetic"}
DEFAULT_MODEL = "autotoon"


def builtin_model_dir(name=DEFAULT_MODEL):
    """The folder of a built-in model: "autotoon" (AutoToon's artists) or
    "synthetic" (the synthetic set)."""
    if name not in BUILTIN_MODELS:
        raise ValueError(f"Unknown built-in model {name!r}; expected one of "
                         f"{sorted(BUILTIN_MODELS)}.")
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "assets", BUILTIN_MODELS[name])


def default_model_dir():
    """The default built-in model's folder (see `DEFAULT_MODEL`)."""
    return builtin_model_dir(DEFAULT_MODEL)


def resolve_model_dir(spec=None):
    """A model folder from a built-in name, a path, or None (the default)."""
    if spec is None:
        return default_model_dir()
    return builtin_model_dir(spec) if spec in BUILTIN_MODELS else spec


__all__ = ["BUILTIN_MODELS", "CONFIG_FILE", "DEFAULT_MODEL", "MODEL_FILE", "STATS_FILE",
           "VAEConfig", "builtin_model_dir", "default_model_dir", "inference_copy",
           "load_artifacts", "resolve_model_dir", "save_artifacts"]
