"""The one error type of user-facing failures, and how entry points report it.

Library code raises `UserError` (a `ValueError`, so existing `except
ValueError` handlers still catch it) when the user can fix the cause: a bad
argument, an input file that is malformed, too large or corrupt, a saved model
of the wrong kind, a run directory that holds another configuration. The
message names the argument or file and the value received, in one line.

Entry points print such errors (and the other known ones: `ValueError` and
every `OSError`: missing files, permissions, a full or read-only disk) as one `error: ...` line and exit with status 1;
`--verbose` adds the traceback. `report` is that policy, shared by
`python -m tf_deepexag` and the absl mains of `train/` and `export/`.
"""

import functools
import sys
import traceback


class UserError(ValueError):
    """A failure the user can fix; its message is one self-contained line."""


class CorruptFileError(UserError):
    """A file exists but is truncated, corrupt, or not of the expected kind."""


class NoFaceError(UserError):
    """No face was found in a photo (the message names the photo when known)."""


# What entry points report as one line instead of a traceback. `OSError`
# covers missing files and permissions and also a full (ENOSPC) or read-only
# (EROFS) disk, which no code path can fix.
KNOWN_ERRORS = (ValueError, OSError)


def one_line(error):
    """The message of `error` as one line (first line; the type if empty)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def report(error, verbose=False, file=None):
    """Prints `error` as `error: <one line>` (with the traceback if `verbose`).

    Returns:
        1, the exit status of a failed command.
    """
    file = file or sys.stderr
    if verbose:
        traceback.print_exception(error, file=file)
    print(f"error: {one_line(error)}", file=file)
    return 1


def main_reporting_errors(main, verbose=lambda: False):
    """Wraps an absl `main(argv)` so known errors end it with one line.

    Args:
        main: the function given to `absl.app.run`.
        verbose: callable returning True to print tracebacks too (read at
            failure time, after flags are parsed).

    Returns:
        The wrapped main; on a known error it exits with status 1.
    """
    @functools.wraps(main)
    def wrapped(argv):
        try:
            return main(argv)
        except KNOWN_ERRORS as error:
            sys.exit(report(error, verbose()))
    return wrapped


__all__ = ["CorruptFileError", "KNOWN_ERRORS", "NoFaceError", "UserError",
           "main_reporting_errors", "one_line", "report"]
