"""Errors the command line reports as one line instead of a traceback.

The policy lives in `tf_deepexag.errors` (shared with the absl mains of
`train/` and `export/`); this module keeps the name the CLI used before.
"""

from tf_deepexag.errors import KNOWN_ERRORS  # noqa: F401 (re-exported)
