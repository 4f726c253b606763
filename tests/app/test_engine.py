"""Tests of `app.engine` that need no model: style discovery and grouping."""

import numpy as np
import pytest

from tf_deepexag import style
from tf_deepexag.app import engine as engine_lib


def test_style_groups_for_the_menu():
    assert engine_lib.style_group("cartoongan:hayao") == "learned"
    assert engine_lib.style_group("ugatit:runs/style") == "learned"
    assert engine_lib.style_group("sketch") == "classic"
    assert engine_lib.style_group("none") == "none"


def test_the_menu_is_the_style_package_list_and_its_default():
    assert engine_lib.known_style_specs() == style.STYLE_SPECS
    assert engine_lib.default_style() == style.DEFAULT_STYLE in style.STYLE_SPECS


def test_a_named_style_that_does_not_load_fails_before_the_models():
    with pytest.raises(ValueError, match="picasso"):
        engine_lib.Engine(styles=["none", "picasso"])


def test_the_sample_photo_is_the_astronaut():
    photo = engine_lib.sample_photo()
    assert photo.shape == (512, 512, 3) and photo.dtype == np.uint8
    assert photo.flags.c_contiguous
