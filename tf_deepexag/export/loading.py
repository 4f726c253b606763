"""Loading the models to export, with errors that name the path."""

import os

from tf_deepexag.export.graphs import check_generator
from tf_deepexag.geometry import artifacts


def load_geometry(path):
    """`(model, stats)` from a geometry export directory (`vae.keras`, `stats.json`).

    Raises:
        FileNotFoundError: `path` or one of its files does not exist.
        ValueError: `path` is not a directory, or its files do not load.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"Geometry model directory not found: {path}")
    if not os.path.isdir(path):
        raise ValueError(f"--model must be a directory holding {artifacts.MODEL_FILE} "
                         f"and {artifacts.STATS_FILE}, got a file: {path}")
    try:
        model, stats, _ = artifacts.load_artifacts(path)
    except FileNotFoundError:
        raise
    except Exception as e:  # Keras/zip/JSON errors of a corrupt export.
        raise ValueError(f"Cannot load the geometry model in {path}: "
                         f"{type(e).__name__}: {e}") from e
    if not hasattr(model, "config") or not hasattr(model, "decoder"):
        raise ValueError(f"{path} does not hold a DeepExaggerationVAE.")
    return model, stats


def load_style(path):
    """A U-GAT-IT generator from a `.keras` file or model_dir; None for "none".

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file is not a saved U-GAT-IT generator.
    """
    if path is None or str(path).lower() in ("", "none"):
        return None
    from tf_deepexag.style import load_generator
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"Style generator not found: {path}")
    try:
        generator = load_generator(path)
    except FileNotFoundError:
        raise
    except Exception as e:
        raise ValueError(f"{path} is not a saved U-GAT-IT generator: "
                         f"{type(e).__name__}: {e}") from e
    check_generator(generator, path)
    return generator
