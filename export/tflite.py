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

from tf_deepexag.cli import absl_main

absl_main.start()  # TensorFlow's start-up lines stay off stderr
from absl import app  # noqa: E402

from export import _flags  # noqa: E402
from tf_deepexag.export import export_tflite  # noqa: E402


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    sizes = export_tflite(_flags.MODEL.value, _flags.OUT.value, _flags.STYLE.value)
    for name, size in sizes.items():
        print(f"{os.path.join(_flags.OUT.value, name)}  {size / 1024:.1f} KiB")


if __name__ == "__main__":
    absl_main.run(main)
