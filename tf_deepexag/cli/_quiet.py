"""Keeps TensorFlow's C++ start-up lines off the command line's stderr.

Importing TensorFlow prints lines such as
    WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
    I0000 00:00:... port.cc:153] oneDNN custom operations are on. ...
    I0000 00:00:... cudart_stub.cc:31] Could not find cuda drivers on your machine, ...
They are written by the C++ libraries before their logging is set up, so
`TF_CPP_MIN_LOG_LEVEL` does not reach them; it does silence what TensorFlow
logs later (e.g. `failed call to cuInit` on a machine without a GPU). So the
CLI sets `TF_CPP_MIN_LOG_LEVEL` before TensorFlow loads and imports it with
file descriptor 2 captured, then writes back every captured line except the
start-up ones (Python warnings and errors printed during the import stay).

`python -m tf_deepexag.cli._quiet MODULE ARGS...` runs `python -m MODULE
ARGS...` the same way (the demo's training and export steps).

This module must not import TensorFlow at module level.
"""

import gc
import os
import re
import runpy
import sys
import tempfile

LOG_LEVEL_ENV = "TF_CPP_MIN_LOG_LEVEL"
# INFO and WARNING (0, 1) shown: the user wants TensorFlow's own lines.
_QUIET_LEVEL = "3"

# The C++ start-up lines: absl's notice, its INFO/WARNING lines
# ("I0000 00:00:1796223713.374009   16118 port.cc:153] ...") and the second
# line of cpu_feature_guard's message.
_STARTUP_LINE = re.compile(
    rb"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to"
    rb" STDERR|[IW]\d{4} \d\d:\d\d:[\d.]+ +\d+ [\w.]+:\d+\] .*"
    rb"|To enable the following instructions: .*)$")


def configure(verbose=False):
    """Sets TensorFlow's log level unless the user did; returns whether to filter.

    Args:
        verbose: bool, show TensorFlow's logging (level 0 unless set).

    Returns:
        True when the start-up lines should be dropped (INFO hidden).
    """
    os.environ.setdefault(LOG_LEVEL_ENV, "0" if verbose else _QUIET_LEVEL)
    try:
        return int(os.environ[LOG_LEVEL_ENV]) >= 1
    except ValueError:
        return not verbose


def drop_startup_lines(captured):
    """`captured` bytes without TensorFlow's C++ start-up lines."""
    lines = captured.splitlines(keepends=True)
    return b"".join(line for line in lines
                    if not _STARTUP_LINE.match(line.rstrip(b"\r\n")))


def import_tensorflow(verbose=False):
    """Imports TensorFlow with its start-up lines filtered (see module docstring).

    A no-op filter when TensorFlow is already imported or `verbose`. When
    this call imports it, Python's cyclic garbage collector pauses meanwhile
    (the import makes ~300k objects and frees next to nothing: its
    collections cost ~0.3 s of a 2.4-s import on a 2-core machine), and what
    is loaded then is frozen (`gc.freeze`), so later collections skip it.
    """
    filtered = configure(verbose)
    if "tensorflow" in sys.modules:
        return
    collecting = gc.isenabled()
    gc.disable()
    try:
        _import_tensorflow(filtered)
    finally:
        if collecting:
            gc.enable()
        gc.freeze()


def _import_tensorflow(filtered):
    if not filtered:
        import tensorflow  # pylint: disable=import-outside-toplevel,unused-import
        return
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow  # pylint: disable=import-outside-toplevel,unused-import,redefined-outer-name
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = drop_startup_lines(captured.read())
            while kept:
                kept = kept[os.write(2, kept):]


def _run_module(argv):
    """`python -m tf_deepexag.cli._quiet MODULE ARGS...`: runs MODULE as `__main__`."""
    if not argv:
        sys.exit("usage: python -m tf_deepexag.cli._quiet MODULE [ARGS...]")
    import_tensorflow()
    sys.argv = list(argv)
    runpy.run_module(argv[0], run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    _run_module(sys.argv[1:])
