"""CartoonGAN weights: the authors' per-layer arrays in, a float16 asset out.

The released models (Hayao, Hosoda, Paprika, Shinkai) are public as one NumPy
file per parameter in PyTorch layout, `<layer>.<weight|bias|scale|shift>.npy`
(mnicnc404/CartoonGan-tensorflow, `style_transfer/cartoongan/
pretrained_weights/<style>/`, extracted from the `.pth` files of
Yijunmaverick/CartoonGAN-Test-Pytorch-Torch). The layer names are those of
`CartoonGANGenerator`.

Layouts. PyTorch `Conv2d` weight (out, in, kh, kw) -> Keras `Conv2D` kernel
(kh, kw, in, out); `ConvTranspose2d` weight (in, out, kh, kw) -> Keras
`Conv2DTranspose` kernel (kh, kw, out, in): both are `transpose(2, 3, 1, 0)`,
no kernel flip (both libraries' transposed convolution is the adjoint of
their cross-correlation). Biases, IN scale and shift stay (C,).

The asset is an `.npz` of Keras-layout arrays keyed `<layer>/<param>`
(params: `kernel`, `bias`, `scale`, `shift`), stored as float16 (half the
bytes; the network computes in float32) with a JSON `__meta__` entry
(format, style, source).
"""

import json
import os

import numpy as np
from absl import logging

from tf_deepexag import fileio

# The authors' four released styles (what `convert_cartoongan` converts) and
# the two whose converted weights ship in `assets/cartoongan/` (20.5 MB each
# against a 50 MB budget: docs/style.md).
STYLES = ("hayao", "hosoda", "paprika", "shinkai")
SHIPPED_STYLES = ("hosoda", "shinkai")
ASSET_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                         "assets", "cartoongan")
FORMAT = "tf_deepexag.cartoongan.v1"
_SOURCE = ("Chen, Lai and Liu, CartoonGAN (CVPR 2018): the authors' released "
           "generator (Yijunmaverick/CartoonGAN-Test-Pytorch-Torch, MIT), "
           "per-layer arrays from mnicnc404/CartoonGan-tensorflow (Apache-2.0)")


def _generator(dtype=None):
    from tf_deepexag.style.cartoongan import CartoonGANGenerator  # pylint: disable=g-import-not-at-top
    gen = CartoonGANGenerator(dtype=dtype)
    gen.build()
    return gen


def _param_names(layer_name):
    return ("scale", "shift") if layer_name.startswith("in") else ("weight", "bias")


def read_torch_arrays(weights_dir, layer_names):
    """Reads `<layer>.<param>.npy` for every layer of the generator.

    Args:
        weights_dir: folder of the authors' per-layer arrays.
        layer_names: the generator's `layer_names()`.

    Returns:
        dict `"<layer>.<param>"` -> float32 array in PyTorch layout.

    Raises:
        FileNotFoundError: the folder or one of its arrays is missing.
    """
    if not os.path.isdir(weights_dir):
        raise FileNotFoundError(f"No CartoonGAN weights folder: {weights_dir}")
    arrays = {}
    for layer in layer_names:
        for param in _param_names(layer):
            path = os.path.join(weights_dir, f"{layer}.{param}.npy")
            if not os.path.isfile(path):
                raise FileNotFoundError(f"Missing CartoonGAN array {path}")
            arrays[f"{layer}.{param}"] = np.load(path, allow_pickle=False).astype(np.float32)
    return arrays


def torch_to_keras(arrays, layer_names):
    """PyTorch-layout arrays -> `{"<layer>/<param>": Keras-layout array}`."""
    out = {}
    for layer in layer_names:
        if layer.startswith("in"):
            out[f"{layer}/scale"] = arrays[f"{layer}.scale"]
            out[f"{layer}/shift"] = arrays[f"{layer}.shift"]
        else:
            out[f"{layer}/kernel"] = np.transpose(arrays[f"{layer}.weight"], (2, 3, 1, 0))
            out[f"{layer}/bias"] = arrays[f"{layer}.bias"]
    return out


def _layer_weights(generator, layer):
    """`{param: variable}` of one of the generator's layers."""
    sub = getattr(generator, layer)
    if layer.startswith("in"):
        return {"scale": sub.scale, "shift": sub.shift}
    return {"kernel": sub.kernel, "bias": sub.bias}


def set_weights(generator, keras_arrays):
    """Assigns `{"<layer>/<param>": array}` to a built generator (as float32).

    Raises:
        ValueError: an array is missing or has the wrong shape.
    """
    for layer in generator.layer_names():
        for param, variable in _layer_weights(generator, layer).items():
            key = f"{layer}/{param}"
            if key not in keras_arrays:
                raise ValueError(f"CartoonGAN weights lack {key!r}.")
            value = np.asarray(keras_arrays[key], np.float32)
            if tuple(value.shape) != tuple(variable.shape):
                raise ValueError(f"CartoonGAN weight {key!r} has shape {value.shape}, "
                                 f"the generator expects {tuple(variable.shape)}.")
            variable.assign(value)


def convert(weights_dir, out_path, style=None, dtype="float16"):
    """Converts the authors' per-layer arrays into one weights asset.

    Args:
        weights_dir: folder of `<layer>.<param>.npy` (PyTorch layout).
        out_path: the `.npz` to write (atomically; folders are created).
        style: str recorded in the asset. Defaults to the folder's name.
        dtype: `"float16"` (the shipped storage) or `"float32"`.

    Returns:
        dict: the asset's metadata (style, dtype, parameter count, bytes).
    """
    if dtype not in ("float16", "float32"):
        raise ValueError(f"`dtype` must be 'float16' or 'float32', got {dtype!r}.")
    names = _generator().layer_names()
    arrays = torch_to_keras(read_torch_arrays(weights_dir, names), names)
    style = style or os.path.basename(os.path.normpath(weights_dir))
    meta = {"format": FORMAT, "style": style, "dtype": dtype, "source": _SOURCE,
            "num_params": int(sum(a.size for a in arrays.values()))}
    stored = {k: v.astype(dtype) for k, v in arrays.items()}
    for key, value in stored.items():
        if not np.all(np.isfinite(value)):
            raise ValueError(f"CartoonGAN weight {key!r} is not finite as {dtype}.")
    stored["__meta__"] = np.array(json.dumps(meta))
    # Deflated: 19.6 MiB a style instead of 21.3 (each shipped file stays under
    # 20 MiB); np.load reads it the same way.
    with fileio.atomic_write(out_path, "wb") as f:
        np.savez_compressed(f, **stored)
    meta["bytes"] = os.path.getsize(out_path)
    logging.info("Wrote CartoonGAN %s (%d parameters, %s) to %s: %d bytes", style,
                 meta["num_params"], dtype, out_path, meta["bytes"])
    return meta


def asset_path(style):
    """The shipped asset of a style name (`hayao`, ...)."""
    return os.path.join(ASSET_DIR, f"{style}.npz")


def read_asset(path):
    """Reads an asset: (`{"<layer>/<param>": array}`, metadata dict).

    Raises:
        FileNotFoundError: no such file.
        ValueError: not a CartoonGAN weights asset.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No CartoonGAN weights file: {path}")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError) as e:
        raise ValueError(f"{path} is not a CartoonGAN weights file: {e}") from e
    meta = json.loads(str(arrays.pop("__meta__", "{}")))
    if meta.get("format") != FORMAT:
        raise ValueError(f"{path} is not a CartoonGAN weights file "
                         f"(format {meta.get('format')!r}, expected {FORMAT!r}).")
    return arrays, meta


def load_generator(style_or_path, dtype=None):
    """A `CartoonGANGenerator` with a shipped style's weights or a file's.

    Args:
        style_or_path: a shipped style name (see `SHIPPED_STYLES`) or the
            path of an asset written by `convert`.
        dtype: None (float32) or a Keras dtype policy name for the
            generator, e.g. `"mixed_bfloat16"` (variables stay float32).

    Returns:
        The built generator (float32 variables).

    Raises:
        ValueError: an unknown style name or a bad file.
        FileNotFoundError: a path that does not exist.
    """
    path = style_or_path
    if not path.endswith(".npz"):
        if path not in SHIPPED_STYLES:
            raise ValueError(
                f"Unknown CartoonGAN style {style_or_path!r}: shipped styles are "
                f"{', '.join(SHIPPED_STYLES) or 'none'} (or pass a .npz made by "
                f"`python -m tf_deepexag.style.convert_cartoongan`).")
        path = asset_path(path)
    arrays, _ = read_asset(path)
    gen = _generator(dtype)
    set_weights(gen, arrays)
    return gen
