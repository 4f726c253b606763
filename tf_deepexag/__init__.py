"""tf_deepexag: portrait photo to exaggerated caricature (DeepExaggeration).

The public API. Names are imported lazily so that light modules such as
`tf_deepexag.serving.litert` (LiteRT, no TensorFlow) stay light.

Example:
    >>> import tf_deepexag
    >>> artist = tf_deepexag.build_caricaturist()           # built-in models
    >>> result = artist("photo.jpg", strength=1.0, seed=0)[0]
"""

import importlib

__version__ = "0.1.0"

_LAZY = {
    "Caricaturist": "tf_deepexag.pipeline",
    "CaricatureResult": "tf_deepexag.pipeline",
    "build_caricaturist": "tf_deepexag.pipeline",
    "FaceLandmarker": "tf_deepexag.detect",
    "NoFaceError": "tf_deepexag.errors",
    "load_exaggerator": "tf_deepexag.geometry",
    "make_stylizer": "tf_deepexag.style",
    "warp_face": "tf_deepexag.warp",
}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'tf_deepexag' has no attribute {name!r}")


def __dir__():
    return __all__
