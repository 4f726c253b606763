"""Shared pieces of the property (fuzz) tests: time bounds and strategies.

Each property test says: whatever the input, the function returns a valid
result or raises one of the project's named errors (`errors.UserError` and
its subclasses, `FileNotFoundError`), never anything else. Examples are
bounded so the suite stays in its budget (`FUZZ`: 60 examples, 2 s each);
set HYPOTHESIS_PROFILE=deep for a longer search (1000 examples).
"""

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tf_deepexag import errors

NAMED_ERRORS = (errors.UserError, FileNotFoundError)

# The suite's examples are the same on every run (derandomize) and nothing is
# written to a .hypothesis/ example database.
settings.register_profile(
    "suite", max_examples=60, deadline=2000, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile(
    "deep", max_examples=1000, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))

# Numbers as text, the awkward ones included: float32 overflow, NaN, inf,
# huge integers, signs, exponents, separators.
NUMBER_TEXT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-10**40, max_value=10**40).map(str),
    st.sampled_from(["1e39", "-1e39", "3.4e38", "3.5e38", "nan", "-inf", "1e-50",
                     "0x10", "1_000", "", "-", "+.5", "٣", "1,5", "1e", "NaN"]))

# Lines of a points file: mostly plausible, sometimes not.
POINTS_LINE = st.one_of(
    st.tuples(NUMBER_TEXT, NUMBER_TEXT).map(" ".join),
    st.tuples(NUMBER_TEXT, NUMBER_TEXT).map(",".join),
    st.sampled_from(["version: 1", "n_points: 68", "n_points: 3", "n_points: x",
                     "n_points:", "{", "}", "# comment", "", "1 2 3", "x y"]),
    st.text(max_size=20))


def points_text(min_lines=0, max_lines=80):
    """Text of a points file: plausible lines joined by newlines."""
    return st.lists(POINTS_LINE, min_size=min_lines, max_size=max_lines).map("\n".join)


def calls_with_named_errors(fn, *args, **kwargs):
    """`fn(*args, **kwargs)`, or None if it raised a named error."""
    try:
        return fn(*args, **kwargs)
    except NAMED_ERRORS:
        return None
