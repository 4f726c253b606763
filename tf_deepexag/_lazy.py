"""Lazy public names for a package `__init__` (PEP 562), so importing the
package does not import what its names live in (TensorFlow, for most).

    __getattr__, __dir__, __all__ = _lazy.names(__name__, {"Name": "pkg.module"})
"""

import importlib


def names(package, table):
    """`(__getattr__, __dir__, __all__)` serving `table`'s names from their modules.

    Args:
        package: str, the package's `__name__` (for the error message).
        table: dict of public name to the module that defines it.
    """
    public = sorted(table)

    def __getattr__(name):  # pylint: disable=invalid-name
        if name in table:
            return getattr(importlib.import_module(table[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():  # pylint: disable=invalid-name
        return public

    return __getattr__, __dir__, public
