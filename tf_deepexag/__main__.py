"""`python -m tf_deepexag <command> ...`: the user-facing command line.

Each command lives in `tf_deepexag/cli/<command>.py` (the web page's in
`tf_deepexag/app/command.py`) with `add_parser(subparsers)` and `run(args) -> int`.
Known errors (bad input, missing files, no face; see `tf_deepexag.errors`) become a
one-line message on stderr and exit code 1, never a traceback.

TensorFlow is imported before the command runs, with its C++ start-up lines
left out and `TF_CPP_MIN_LOG_LEVEL=3` unless the user set it (`cli/_quiet.py`).
`--verbose` (anywhere on the line) shows TensorFlow's logging and, on an error,
its traceback.
"""

import argparse
import gc
import importlib
import os
import sys

# NumPy's OpenBLAS runs one thread unless the user says otherwise: the
# pipeline's NumPy work is small (the plane map's ~210 x 210 spline systems,
# (1024, 208) products), where a second BLAS thread spinning beside
# TensorFlow's own cost ~120 ms of CPU a photo on a 2-core machine (and the
# solves ~150x their single-thread time under load). Set before NumPy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from tf_deepexag import errors  # pylint: disable=wrong-import-position

# Commands in the order `--help` lists them.
_COMMANDS = ("caricature", "annotate", "data", "demo", "app", "info")
# Commands whose module is not `cli/<command>.py`.
_MODULES = {"app": "tf_deepexag.app.command"}


def _module(command):
    return _MODULES.get(command, f"tf_deepexag.cli.{command}")


def _available_commands():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return [c for c in _COMMANDS
            if os.path.isfile(os.path.join(root, *_module(c).split(".")) + ".py")]


class _Parser(argparse.ArgumentParser):
    """Reports a misused command line (a flag's value out of range, a missing
    argument) as the one-line `error:` of every known error, not a usage block."""

    def error(self, message):
        raise errors.UserError(f"{message} (see `{self.prog} --help`)")


def build_parser():
    """Returns the top-level `argparse` parser with one sub-parser a command.

    Flag values are checked while parsing (`cli/_flags.py`); a bad one raises
    `errors.UserError` naming the flag, before TensorFlow is imported.
    """
    parser = _Parser(
        prog="python -m tf_deepexag",
        description="Portrait photo to exaggerated caricature (DeepExaggeration).")
    parser.add_argument("--verbose", action="store_true",
                        help="Show TensorFlow's log lines and, on an error, its traceback "
                             "(the flag may appear anywhere on the command line).")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in _available_commands():
        module = importlib.import_module(_module(name))
        module.add_parser(subparsers)
    return parser


def main(argv=None):
    """Parses `argv`, runs the command and returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    # --verbose is accepted after any sub-command too, so it is taken out first.
    verbose = "--verbose" in argv
    argv = [a for a in argv if a != "--verbose"]
    try:
        args = build_parser().parse_args(argv)
    except errors.UserError as e:
        return errors.report(e, verbose)
    from tf_deepexag.cli import _quiet  # pylint: disable=g-import-not-at-top

    _quiet.import_tensorflow(verbose=verbose)
    try:
        return int(args.run(args) or 0)
    except errors.KNOWN_ERRORS as e:
        return errors.report(e, verbose)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def run():
    """Console-script entry point (`tf_deepexag ...`).

    What the run made is frozen (`gc.freeze`) before the interpreter exits:
    its shutdown collections would otherwise walk every object of
    TensorFlow and the models (~0.5 s on an idle 2-core machine; outputs are
    written and closed by then).
    """
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    run()
