"""Runtimes for exported models.

- `SavedModelRunner`, `SavedModelExaggerator` (`saved_model_runner`, needs
  TensorFlow): the SavedModel's signatures with inputs checked by name, and
  `geometry.Exaggerator`'s interface over its `exaggerate`.
- `LiteModel`, `LiteExaggerator`, `LiteStylizer` (`litert`, needs only NumPy and LiteRT): the
  TFLite files, for phones, Raspberry Pis and slim containers.

Names are imported lazily, so `from tf_deepexag.serving import LiteModel`
never imports TensorFlow.
"""

from tf_deepexag import _lazy

_LAZY = {
    "SavedModelExaggerator": "tf_deepexag.serving.saved_model_runner",
    "SavedModelRunner": "tf_deepexag.serving.saved_model_runner",
    "LiteModel": "tf_deepexag.serving.litert",
    "LiteExaggerator": "tf_deepexag.serving.litert",
    "LiteStylizer": "tf_deepexag.serving.litert",
}

__getattr__, __dir__, __all__ = _lazy.names(__name__, _LAZY)
