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


def test_warm_up_runs_the_default_style_on_the_sample_and_every_other_style():
    # The app answers its first request as fast as a later one: warm_up must
    # have run the default style on a face, not only the style "none".
    from tf_deepexag import landmarks, pipeline  # pylint: disable=import-outside-toplevel

    points = landmarks.read_pts(pipeline.__file__.replace("pipeline.py",
                                                          "assets/astronaut_68.pts"))
    face = type("Face", (), {"points": points})
    seen = []
    stylist = lambda name: lambda image: seen.append((name, image.shape)) or image  # noqa: E731
    engine = engine_lib.Engine.__new__(engine_lib.Engine)
    engine.stylizers = {"sketch": stylist("sketch"), "cartoongan:shinkai": stylist("shinkai"),
                        "none": stylist("none")}
    engine.default_style, engine.compile_geometry = "cartoongan:shinkai", False
    engine._no_face_errors = ()  # pylint: disable=protected-access
    engine._landmarkers = {"largest": lambda image: [face]}  # pylint: disable=protected-access
    engine._base = pipeline.Caricaturist(  # pylint: disable=protected-access
        landmarker=None, geometry=lambda p, num_samples, temperature, seed, strength: p[None],
        warp=lambda image, src, dst: image, stylizer=None, crop_size=64)
    engine.warm_up()
    assert seen == [("shinkai", (64, 64, 3)), ("sketch", (64, 64, 3)), ("none", (64, 64, 3))]
