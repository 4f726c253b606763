"""Reads a training flagfile with absl's own flag parsing, for tests.

The flags are defined in a fresh `flags.FlagValues` (not the global `FLAGS`,
so test processes can read several mains' flagfiles), one per default given,
typed like it: absl expands `--flagfile`, skips comments and parses booleans
as the mains do.
"""

from absl import flags

_DEFINE = {bool: flags.DEFINE_boolean, int: flags.DEFINE_integer,
           float: flags.DEFINE_float, str: flags.DEFINE_string}


def read_flagfile(path, defaults):
    """The values a flagfile sets, for the flags named in `defaults`.

    Args:
        path: the flagfile.
        defaults: dict of flag name to default value (its type is the flag's).

    Returns:
        dict of flag name to parsed value, only for the flags the file sets.

    Raises:
        absl.flags.Error: a value absl cannot parse as the flag's type.
    """
    values = flags.FlagValues()
    for name, default in defaults.items():
        _DEFINE[type(default)](name, default, name, flag_values=values)
    # known_only: the file's other flags (the main's run settings) are left alone.
    values(["flagfile_test", f"--flagfile={path}"], known_only=True)
    return {name: values[name].value for name in defaults if values[name].present}
