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


def test_known_specs_come_from_the_style_package_when_it_lists_them(monkeypatch):
    monkeypatch.delattr(style, "KNOWN_SPECS", raising=False)
    monkeypatch.delattr(style, "known_specs", raising=False)
    monkeypatch.setattr(style, "STYLE_SPECS",
                        ("cartoongan:shinkai", "ugatit:<path>", "sketch", "none"), raising=False)
    assert engine_lib.known_style_specs() == ("cartoongan:shinkai", "sketch", "none")


def test_without_a_list_the_candidates_are_tried():
    if any(hasattr(style, n) for n in ("KNOWN_SPECS", "STYLE_SPECS", "known_specs")):
        pytest.skip("the style package lists its specs now")
    assert engine_lib.known_style_specs() == engine_lib.CANDIDATE_STYLES


def test_a_named_style_that_does_not_load_fails_before_the_models():
    with pytest.raises(ValueError, match="picasso"):
        engine_lib.Engine(styles=["none", "picasso"])


def test_the_sample_photo_is_the_astronaut():
    photo = engine_lib.sample_photo()
    assert photo.shape == (512, 512, 3) and photo.dtype == np.uint8
    assert photo.flags.c_contiguous
