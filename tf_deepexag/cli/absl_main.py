"""How the absl mains of `train/` and `export/` start and end, as the CLI does.

    from tf_deepexag.cli import absl_main
    absl_main.start()  # before anything imports TensorFlow
    from absl import app, flags  # noqa: E402
    ...
    if __name__ == "__main__":
        absl_main.run(main)

`start` imports TensorFlow with its C++ start-up lines left out
(`cli/_quiet.py`) unless `--verbose` is on the command line (absl parses the
flags later, so the raw arguments are read). `run` is `absl.app.run` with
every user error reported as one `error: ...` line and exit status 1: a bad
flag value or a missing required flag (absl's parser), stray arguments
(`app.UsageError`) and the library's known errors (`errors.KNOWN_ERRORS`);
`--verbose` adds the traceback.

This module must not import TensorFlow at module level.
"""

import sys

from absl import app, flags

from tf_deepexag import errors
from tf_deepexag.cli import _quiet

VERBOSE = flags.DEFINE_boolean(
    "verbose", False, "Show TensorFlow's log lines and, on an error, its traceback (by "
    "default a known error, e.g. a bad flag value, data file or a run folder holding "
    "another configuration, is one line and exit status 1).")


def _verbose_requested(argv):
    return any(a in ("--verbose", "--verbose=true", "--verbose=1") for a in argv)


def start(argv=None):
    """Imports TensorFlow quietly unless `--verbose` is in `argv` (`sys.argv`)."""
    _quiet.import_tensorflow(verbose=_verbose_requested(sys.argv if argv is None else argv))


def parse_flags(argv):
    """absl's parser, its errors as one line (absl prints two and the usage)."""
    try:
        return flags.FLAGS(argv)
    except flags.Error as error:
        sys.exit(errors.report(error, _verbose_requested(argv)))


def reporting(main):
    """`main` with known errors and `app.UsageError` reported as one line."""
    known = errors.main_reporting_errors(main, lambda: VERBOSE.value)

    def wrapped(argv):
        try:
            return known(argv)
        except app.UsageError as error:
            sys.exit(errors.report(error, VERBOSE.value))
    return wrapped


def run(main, argv=None):
    """`absl.app.run(main)` with user errors reported as one line (see module docstring)."""
    app.run(reporting(main), argv=argv, flags_parser=parse_flags)
