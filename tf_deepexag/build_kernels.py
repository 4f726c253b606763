"""Builds (or finds cached) the native kernels: `python -m tf_deepexag.build_kernels`.

`make` runs it after the install so that tests and the demo do not pay the
compile time; without it the first call that needs them compiles them.
Exits with 1 if they cannot be built (the warp and the LSTM then use their
TensorFlow implementations).
"""

import sys

from absl import app
from absl import logging

from tf_deepexag import native


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    try:
        path = native.build()
    except native.BuildError as error:
        logging.error("Native kernels not built: %s", error)
        sys.exit(1)
    if native.enabled() and native.ops() is None:  # TensorFlow could not load it
        sys.exit(1)
    logging.info("Native kernels: %s", path)


if __name__ == "__main__":
    app.run(main)
