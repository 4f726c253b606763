"""The resolved configuration of a run, saved as `config.json` beside its checkpoints.

sketch-rnn writes `model_config.json` the same way; here it also guards resume:
a checkpoint directory only accepts the configuration it was trained with.
"""

import json
import os

from absl import logging

from tf_deepexag import fileio
from tf_deepexag.errors import UserError

CONFIG_FILE = "config.json"


def _normalise(config):
    # A JSON round trip turns tuples into lists, so saved and new compare alike.
    return json.loads(json.dumps(config, sort_keys=True))


def write_or_check_config(model_dir, config, mutable=(), write=True):
    """Writes `config.json` on a first run; on resume refuses a different one.

    Args:
        model_dir: str, the run directory.
        config: dict of JSON-serialisable settings.
        mutable: keys that may change between runs (e.g. `num_steps`); the
            saved file is updated with their new values.
        write: bool, False on non-chief workers (they only check).

    Returns:
        The normalised config dict.

    Raises:
        errors.UserError (a ValueError): the directory holds a run with other
            settings; the one-line message names each differing setting with
            its saved and requested value.
    """
    config = _normalise(config)
    path = os.path.join(model_dir, CONFIG_FILE)
    if os.path.exists(path):
        saved = fileio.read_json(path)
        differing = sorted(
            key for key in set(saved) | set(config)
            if key not in mutable and saved.get(key) != config.get(key))
        if differing:
            details = "; ".join(
                f"{k}: saved {saved.get(k)!r}, requested {config.get(k)!r}"
                for k in differing)
            raise UserError(
                f"{model_dir} holds a run with a different configuration ({details}). "
                "Use another --model_dir or the saved settings.")
        if saved == config:
            return config
        logging.info("Updating %s with new values of %s", path,
                     [k for k in mutable if saved.get(k) != config.get(k)])
    if write:
        fileio.write_json_atomic(path, config)
    return config


def read_config(model_dir):
    """Reads `model_dir/config.json`, naming the file when it is missing."""
    return fileio.read_json(os.path.join(model_dir, CONFIG_FILE))
