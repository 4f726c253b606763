"""Flags shared by the training entry points."""

from absl import flags

from tf_deepexag import errors


def run_main(app, main):
    """`app.run(main)`, known errors printed as one line (see `errors`)."""
    app.run(errors.main_reporting_errors(main, lambda: VERBOSE.value))


VERBOSE = flags.DEFINE_boolean(
    "verbose", False, "On an error, also print its traceback (by default a known "
    "error, e.g. a bad flag value, data file or a run folder holding another "
    "configuration, is one line and exit status 1).")

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
