"""Loading saved `.keras` models safely, with one clear error per failure.

`load_model` is the one place the project opens a `.keras` file a user names
(`vae:<dir>`, `ugatit:<path>`, the built-in model). Keras's `safe_mode` stays
on (no Python lambdas are deserialised); a file that is not a complete zip is
reported as corrupt (Keras alone says "File not found"), and a valid model of
another kind is refused by class before anything calls it.
"""

import os
import zipfile

from tf_deepexag.errors import CorruptFileError, UserError


def check_archive(path, what="model"):
    """Raises `CorruptFileError` unless `path` is a complete zip archive.

    Every member's CRC is checked, so a truncated or overwritten file is
    caught before Keras reads it.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise CorruptFileError(f"{path} is not a readable {what} file: truncated or "
                               f"corrupt ({e}).") from e
    if bad is not None:
        raise CorruptFileError(f"{path} is corrupt: member {bad!r} fails its checksum.")


def load_model(path, expected, what):
    """Loads a `.keras` file holding a model of class `expected`.

    Args:
        path: str, the `.keras` file.
        expected: the Keras model class (or tuple of classes) required.
        what: str, what the file should be, for messages (e.g.
            "geometry model (vae.keras)").

    Returns:
        The model, uncompiled, loaded with `safe_mode=True`.

    Raises:
        FileNotFoundError: no such file.
        errors.CorruptFileError: truncated, corrupt or unreadable file.
        errors.UserError: a valid model of another class.
    """
    import keras  # pylint: disable=g-import-not-at-top

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No such {what} file: {path}")
    check_archive(path, what)
    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as e:  # pylint: disable=broad-except
        # Keras raises ValueError, TypeError, KeyError, OSError... for a file
        # it cannot rebuild: all mean this file is not a loadable model.
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise CorruptFileError(f"{path} cannot be loaded as a {what} "
                               f"({type(e).__name__}: {first}).") from e
    if not isinstance(model, expected):
        names = (expected if isinstance(expected, tuple) else (expected,))
        raise UserError(f"{path} holds a {type(model).__name__}, not a "
                        f"{' or '.join(c.__name__ for c in names)}: it is not a {what}.")
    return model


__all__ = ["check_archive", "load_model"]
