"""Builds (or finds cached) the native warp kernels: `python -m tf_deepexag.warp.build_kernels`.

`make` runs it after the install so that tests and the demo do not pay the
compile time; without it the first eager warp compiles them. Exits with 1 if
they cannot be built (the warp then uses its TensorFlow implementation).
"""

import sys

from absl import app
from absl import logging

from tf_deepexag.warp import _native


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    try:
        path = _native.build()
    except _native.BuildError as error:
        logging.error("Native warp kernels not built: %s", error)
        sys.exit(1)
    if _native.enabled() and _native.ops() is None:  # TensorFlow could not load it
        sys.exit(1)
    logging.info("Native warp kernels: %s", path)


if __name__ == "__main__":
    app.run(main)
