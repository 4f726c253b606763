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


def load_style(spec):
    """A style generator to export; None for "none".

    Args:
        spec: None / "none"; "cartoongan:<style>" (a shipped CartoonGAN
            style) or "cartoongan:<file.npz>" (converted weights); or a saved
            generator: a `.keras` file or a U-GAT-IT model_dir.

    Raises:
        FileNotFoundError: no such file.
        ValueError: unknown style, or the file is not a saved generator of a
            kind `check_generator` accepts.
    """
    if spec is None or str(spec).lower() in ("", "none"):
        return None
    spec = os.fspath(spec)
    if spec.startswith("cartoongan:"):
        from tf_deepexag.style import cartoongan_weights
        return cartoongan_weights.load_generator(spec[len("cartoongan:"):])
    from tf_deepexag.style import cartoongan  # also registers its classes
    from tf_deepexag.style import load_generator
    from tf_deepexag.style.generator import UGATITGenerator  # pylint: disable=g-import-not-at-top
    if not os.path.exists(spec):
        raise FileNotFoundError(f"Style generator not found: {spec}")
    try:
        generator = load_generator(spec, (UGATITGenerator, cartoongan.CartoonGANGenerator))
    except FileNotFoundError:
        raise
    except Exception as e:
        raise ValueError(f"{spec} is not a saved style generator: "
                         f"{type(e).__name__}: {e}") from e
    check_generator(generator, spec)
    return generator
