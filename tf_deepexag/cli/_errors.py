"""Errors the command line reports as one line instead of a traceback."""

from tf_deepexag import fileio

# User-facing failures: bad arguments or input data, missing files. Each
# library module raises one of these with the offending argument or file named.
# Stage-specific errors (e.g. `detect.NoFaceError`) subclass `ValueError`.
KNOWN_ERRORS = (ValueError, FileNotFoundError, FileExistsError,
                NotADirectoryError, PermissionError, fileio.ImageReadError)
