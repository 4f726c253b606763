"""Runtimes for exported models.

- `SavedModelRunner` (`saved_model_runner`, needs TensorFlow): the SavedModel's
  signatures with inputs checked by name.
- `LiteModel`, `LiteExaggerator`, `LiteStylizer` (`litert`, needs only NumPy and LiteRT): the
  TFLite files, for phones, Raspberry Pis and slim containers.

Names are imported lazily, so `from tf_deepexag.serving import LiteModel`
never imports TensorFlow.
"""

import importlib

_LAZY = {
    "SavedModelRunner": "tf_deepexag.serving.saved_model_runner",
    "LiteModel": "tf_deepexag.serving.litert",
    "LiteExaggerator": "tf_deepexag.serving.litert",
    "LiteStylizer": "tf_deepexag.serving.litert",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'tf_deepexag.serving' has no attribute {name!r}")


def __dir__():
    return __all__
