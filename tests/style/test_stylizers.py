"""Tests of the classic stylizers and the U-GAT-IT stylizer wrapper."""

import numpy as np
import pytest
import skimage.data

from tf_deepexag.style import processing, stylizers
from tf_deepexag.style.generator import UGATITGenerator

IMAGE = np.ascontiguousarray(skimage.data.astronaut()[::4, ::4])  # (128, 128, 3)


@pytest.mark.parametrize("spec", ["cartoon", "sketch", "stylization", "none"])
def test_classic_shape_and_dtype(spec):
    out = stylizers.make_stylizer(spec)(IMAGE[:100, :90])
    assert out.shape == (100, 90, 3) and out.dtype == np.uint8


def test_sketch_is_grayscale_replicated():
    out = stylizers.SketchStylizer()(IMAGE)
    np.testing.assert_array_equal(out[..., 0], out[..., 1])
    np.testing.assert_array_equal(out[..., 0], out[..., 2])
    assert out.std() > 1.0  # not a blank page


def test_cartoon_has_few_colours_and_black_edges():
    out = stylizers.CartoonStylizer(num_colors=6)(IMAGE)
    colours = np.unique(out.reshape(-1, 3), axis=0)
    assert len(colours) <= 7  # palette + black
    assert len(np.unique(IMAGE.reshape(-1, 3), axis=0)) > 1000
    assert (out.reshape(-1, 3) == 0).all(-1).mean() > 0.01


def test_identity_copies():
    out = stylizers.make_stylizer("none")(IMAGE)
    np.testing.assert_array_equal(out, IMAGE)
    assert out is not IMAGE


def test_bad_input_and_spec():
    with pytest.raises(ValueError, match="uint8"):
        stylizers.make_stylizer("sketch")(IMAGE.astype(np.float32))
    with pytest.raises(ValueError, match="watercolor"):
        stylizers.make_stylizer("watercolor")
    with pytest.raises(FileNotFoundError):
        stylizers.make_stylizer("ugatit:/no/such/model.keras")


def test_ugatit_stylizer_round_trip(tmp_path):
    gen = UGATITGenerator(ngf=4, n_res=1, img_size=32, light=True)
    gen.build((1, 32, 32, 3))
    path = str(tmp_path / "g.keras")
    gen.save(path)
    s = stylizers.make_stylizer(f"ugatit:{path}")
    assert isinstance(s, stylizers.UGATITStylizer) and s.size == 32
    out = s(IMAGE[:50, :70])
    assert out.shape == (50, 70, 3) and out.dtype == np.uint8
    # Same as running the generator by hand on the shared processing.
    x = processing.to_model_input(IMAGE[None, :50, :70], size=32)
    want = processing.to_uint8(gen(x)[0], size=(50, 70)).numpy()[0]
    np.testing.assert_array_equal(out, want)
