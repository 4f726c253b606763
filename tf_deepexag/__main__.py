"""`python -m tf_deepexag <command> ...`: the user-facing command line.

Each command lives in `tf_deepexag/cli/<command>.py` (the web page's in
`tf_deepexag/app/command.py`) with `add_parser(subparsers)` and `run(args) -> int`.
Known errors (bad input, missing files, no face) become a one-line message on
stderr and exit code 1, never a traceback.
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
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in _available_commands():
        module = importlib.import_module(_module(name))
        module.add_parser(subparsers)
    return parser


def main(argv=None):
    """Parses `argv`, runs the command and returns the process exit code."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    args = build_parser().parse_args(argv)
    from tf_deepexag.cli import _errors  # pylint: disable=g-import-not-at-top

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
