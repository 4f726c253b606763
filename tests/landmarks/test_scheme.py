"""Tests for `tf_deepexag.landmarks.scheme.check_points`."""

import numpy as np
import pytest

from tf_deepexag import errors, landmarks


def test_check_points_names_bad_values():
    good = np.zeros((68, 2))
    assert landmarks.check_points(good).dtype == np.float32
    for bad, message in ((np.full((68, 2), 1e39), "NaN or inf"),
                         (np.zeros((67, 2)), "must have shape"),
                         ([["a", "b"]] * 68, "array of numbers"),
                         (object(), "array of numbers")):
        with pytest.raises(errors.UserError, match=message):
            landmarks.check_points(bad)
