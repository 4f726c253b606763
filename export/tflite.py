"""Exports the exaggerate graph and the style generator to TFLite (builtin ops only).

Usage:
    python -m export.tflite --model tf_deepexag/assets/vae_synthetic \
        --style none --out runs/export/tflite

Writes `exaggerate_<q>.tflite` (and `stylize_<q>.tflite` with --style) for
q in fp32, fp16, int8 (`--style cartoongan:shinkai`: a uint8 stylize file
that runs at any image size, `tf_deepexag.serving.LiteStylizer`); see `tf_deepexag.export.tflite` for the inputs and
outputs, and run them with `tf_deepexag.serving.LiteExaggerator` or
`LiteModel` (LiteRT, no TensorFlow).
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app  # noqa: E402

from export import _flags  # noqa: E402
from tf_deepexag.export import export_tflite  # noqa: E402


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    try:
        sizes = export_tflite(_flags.MODEL.value, _flags.OUT.value, _flags.STYLE.value)
    except (FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    for name, size in sizes.items():
        print(f"{os.path.join(_flags.OUT.value, name)}  {size / 1024:.1f} KiB")
    return 0


if __name__ == "__main__":
    app.run(main)
