"""Flags shared by the training entry points (`--verbose` and the error
policy: `tf_deepexag.cli.absl_main`)."""

from absl import flags

_DEFINE = {bool: flags.DEFINE_boolean, int: flags.DEFINE_integer,
           float: flags.DEFINE_float, str: flags.DEFINE_string}


def define_config_flags(defaults, help_texts):
    """One flag per config field named in `help_texts`, defaulting to `defaults`'.

    Args:
        defaults: a config dataclass instance (e.g. `VAEConfig()`).
        help_texts: dict of field name to help text.

    Returns:
        dict of field name to `FlagHolder`.
    """
    return {name: _DEFINE[type(getattr(defaults, name))](name, getattr(defaults, name), text)
            for name, text in help_texts.items()}
