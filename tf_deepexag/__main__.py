"""`python -m tf_deepexag <command> ...`: the user-facing command line.

Each command lives in `tf_deepexag/cli/<command>.py` with `add_parser(subparsers)`
and `run(args) -> int`. Known errors (bad input, missing files, no face; see
`tf_deepexag.errors`) become a one-line message on stderr and exit code 1,
never a traceback; `--verbose` (anywhere on the line) prints the traceback too.
"""

import argparse
import importlib
import os
import sys

# Commands in the order `--help` lists them; each names a module in `cli/`.
_COMMANDS = ("caricature", "annotate", "data", "demo", "info")


def _available_commands():
    here = os.path.join(os.path.dirname(__file__), "cli")
    return [c for c in _COMMANDS if os.path.isfile(os.path.join(here, c + ".py"))]


def build_parser():
    """Returns the top-level `argparse` parser with one sub-parser a command."""
    parser = argparse.ArgumentParser(
        prog="python -m tf_deepexag",
        description="Portrait photo to exaggerated caricature (DeepExaggeration).")
    parser.add_argument("--verbose", action="store_true",
                        help="On an error, also print its traceback (the flag may "
                             "appear anywhere on the command line).")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in _available_commands():
        module = importlib.import_module(f"tf_deepexag.cli.{name}")
        module.add_parser(subparsers)
    return parser


def main(argv=None):
    """Parses `argv`, runs the command and returns the process exit code."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    argv = list(sys.argv[1:] if argv is None else argv)
    # --verbose is accepted after any sub-command too, so it is taken out first.
    verbose = "--verbose" in argv
    argv = [a for a in argv if a != "--verbose"]
    args = build_parser().parse_args(argv)
    from tf_deepexag import errors  # pylint: disable=g-import-not-at-top

    try:
        return int(args.run(args) or 0)
    except errors.KNOWN_ERRORS as e:
        return errors.report(e, verbose)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def run():
    """Console-script entry point (`tf_deepexag ...`)."""
    sys.exit(main())


if __name__ == "__main__":
    run()
