"""The command line's flag checks, run by `argparse` while it parses.

Every numeric flag of `python -m tf_deepexag` is read by one of these types,
so a value out of range stops the command before TensorFlow or any model
loads, with one line naming the flag and the value (`__main__` reports
`argparse`'s errors as one line):

    error: argument --seed: must be an integer from 0 to 2147483647, got '-1'

The bounds are the library's own (a seed of `numpy.random.default_rng` is
non-negative) or where a value stops making sense (a temperature above
`MAX_TEMPERATURE` draws landmarks off the face).

This module must not import TensorFlow.
"""

import argparse
import math

# Seeds are non-negative (numpy's `default_rng`, TensorFlow's stateless
# random ops) and kept within int32, as the web API's `seed` field.
MAX_SEED = 2**31 - 1
# The VAE's sampling temperature (pi logits / T, sigmas * sqrt(T)): 1 is the
# model's own spread; above 2 the samples leave the face (the web API's bound).
MAX_TEMPERATURE = 2.0


def integer(lo, hi=None):
    """An `argparse` type: an integer from `lo` to `hi` (None: no upper bound)."""
    what = f"an integer from {lo} to {hi}" if hi is not None else f"an integer >= {lo}"

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < lo or (hi is not None and value > hi):
            raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
        return value

    parse.__name__ = "integer"  # argparse names the type in some messages
    return parse


def number(lo, hi=None, lo_open=False, hi_open=False):
    """An `argparse` type: a finite number in the range from `lo` to `hi`
    (None: no upper bound); `lo_open`/`hi_open` exclude the end."""
    left = f"> {lo:g}" if lo_open else f">= {lo:g}"
    if hi is None:
        what = f"a finite number {left}"
    else:
        what = f"a number {left} and {'<' if hi_open else '<='} {hi:g}"

    def parse(text):
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        ok = (math.isfinite(value) and (value > lo if lo_open else value >= lo)
              and (hi is None or (value < hi if hi_open else value <= hi)))
        if not ok:
            raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
        return value

    parse.__name__ = "number"
    return parse


# The flags several commands share.
seed = integer(0, MAX_SEED)
strength = number(0.0)
temperature = number(0.0, MAX_TEMPERATURE)
max_pixels = integer(1)
