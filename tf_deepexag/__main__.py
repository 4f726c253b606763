"""`python -m tf_deepexag <command> ...`: the user-facing command line.

Each command lives in `tf_deepexag/cli/<command>.py` (the web page's in
`tf_deepexag/app/command.py`) with `add_parser(subparsers)` and `run(args) -> int`.
Known errors (bad input, missing files, no face) become a one-line message on
stderr and exit code 1, never a traceback.

TensorFlow is imported before the command runs, with its C++ start-up lines
left out and `TF_CPP_MIN_LOG_LEVEL=3` unless the user set it (`cli/_quiet.py`);
`--verbose` shows TensorFlow's logging.
"""

import argparse
import importlib
import os
import sys

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


def build_parser():
    """Returns the top-level `argparse` parser with one sub-parser a command."""
    parser = argparse.ArgumentParser(
        prog="python -m tf_deepexag",
        description="Portrait photo to exaggerated caricature (DeepExaggeration).")
    verbose_help = "Show TensorFlow's log lines (hidden by default)."
    parser.add_argument("--verbose", action="store_true", help=verbose_help)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in _available_commands():
        module = importlib.import_module(_module(name))
        module.add_parser(subparsers)
    for command in subparsers.choices.values():
        # Also after the command; SUPPRESS keeps a --verbose given before it.
        command.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS,
                             help=verbose_help)
    return parser


def main(argv=None):
    """Parses `argv`, runs the command and returns the process exit code."""
    args = build_parser().parse_args(argv)
    from tf_deepexag.cli import _errors, _quiet  # pylint: disable=g-import-not-at-top

    _quiet.import_tensorflow(verbose=args.verbose)
    try:
        return int(args.run(args) or 0)
    except _errors.KNOWN_ERRORS as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def run():
    """Console-script entry point (`tf_deepexag ...`)."""
    sys.exit(main())


if __name__ == "__main__":
    run()
