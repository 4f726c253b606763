"""Tests of the classic stylizers and the U-GAT-IT and CartoonGAN stylizer wrappers."""

import os

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


def _tiny_cartoongan(max_side=None, style_weight=1.0):
    from tf_deepexag.style.cartoongan import CartoonGANGenerator
    gen = CartoonGANGenerator(ngf=4, n_res=1)
    gen.build()
    rng = np.random.default_rng(0)
    for v in gen.weights:
        v.assign(rng.normal(scale=0.3, size=v.shape))
    return stylizers.CartoonGANStylizer(gen, "tiny", max_side=max_side,
                                        style_weight=style_weight), gen


@pytest.mark.parametrize("shape", [(1, 1), (3, 5), (8, 8), (37, 50), (64, 60)])
def test_cartoongan_any_size(shape):
    stylizer, _ = _tiny_cartoongan()
    out = stylizer(np.ascontiguousarray(IMAGE[:shape[0], :shape[1]]))
    assert out.shape == shape + (3,) and out.dtype == np.uint8


def _by_hand(gen, image, size=None):
    """The CartoonGAN path written out with NumPy and TF's resize: [-1, 1],
    mirrored pad to a multiple of 4 and at least 8 (NumPy repeats the mirror),
    generator, crop, resize back, round."""
    import tensorflow as tf
    h, w = image.shape[:2]
    x = image.astype(np.float32)
    if size is not None:
        x = np.clip(tf.image.resize(x, size, "bilinear", antialias=True).numpy(), 0, 255)
    sh, sw = x.shape[:2]
    ph, pw = max(8, sh + -sh % 4) - sh, max(8, sw + -sw % 4) - sw  # at least 8
    x = np.pad(x, ((0, ph), (0, pw), (0, 0)), mode="symmetric") / 127.5 - 1
    y = np.asarray(gen(x[None].astype(np.float32)))[0, :sh, :sw]
    if size is not None:
        y = tf.image.resize(y, (h, w), "bilinear", antialias=True).numpy()
    return np.round(np.clip((y + 1) * 127.5, 0, 255)).astype(np.uint8)


def _assert_close_u8(got, want):
    """Equal but for float32 rounding ties (graph vs eager convolutions)."""
    assert got.shape == want.shape
    assert np.abs(got.astype(int) - want).max() <= 1
    assert (got != want).mean() < 1e-3


def test_cartoongan_pads_then_crops_top_left():
    stylizer, gen = _tiny_cartoongan()
    image = np.ascontiguousarray(IMAGE[:62, :57])
    padded = np.pad(image, ((0, 2), (0, 3), (0, 0)), mode="symmetric")  # 64 x 60
    want = _by_hand(gen, padded)
    _assert_close_u8(stylizer(image), want[:62, :57])
    _assert_close_u8(stylizer(padded), want)  # a multiple of 4: unpadded


def test_cartoongan_max_side_runs_smaller_and_returns_the_input_size():
    stylizer, gen = _tiny_cartoongan(max_side=32)
    full, _ = _tiny_cartoongan()
    image = np.ascontiguousarray(IMAGE[:100, :80])
    out = stylizer(image)
    assert out.shape == (100, 80, 3)
    want = _by_hand(gen, image, size=(32, 26))  # longer side 32, 80 * 0.32 = 25.6
    _assert_close_u8(out, want)
    # Images within max_side are not resized.
    np.testing.assert_array_equal(stylizer(image[:32, :20]), full(image[:32, :20]))
    with pytest.raises(ValueError, match="max_side"):
        _tiny_cartoongan(max_side=4)


def test_cartoongan_style_weight_blends_with_the_input():
    image = np.ascontiguousarray(IMAGE[:40, :36])
    painted = _tiny_cartoongan()[0](image).astype(float)
    out = _tiny_cartoongan(style_weight=0.75)[0](image)
    want = np.floor(0.75 * painted + 0.25 * image + 0.5)
    assert np.abs(out - want).max() <= 1  # float32 vs float64 rounding ties
    assert np.abs(out - painted).mean() > 1  # it did blend
    for bad in (0.0, 1.5):
        with pytest.raises(ValueError, match="style_weight"):
            _tiny_cartoongan(style_weight=bad)


@pytest.mark.slow
def test_cartoongan_shipped_style_paints_the_photo():
    from tf_deepexag.style import cartoongan_weights
    styles = cartoongan_weights.SHIPPED_STYLES
    assert len(styles) >= 2
    stylizer = stylizers.make_stylizer(f"cartoongan:{styles[0]}")
    assert isinstance(stylizer, stylizers.CartoonGANStylizer) and stylizer.style == styles[0]
    out = stylizer(IMAGE)
    gray = lambda x: x.astype(float).mean(-1)  # noqa: E731
    # Changed (mean difference above 5 grey levels) but the same picture
    # (grey-level correlation with the photo above 0.8).
    assert np.abs(out.astype(float) - IMAGE).mean() > 5
    assert np.corrcoef(gray(out).ravel(), gray(IMAGE).ravel())[0, 1] > 0.8


def test_cartoongan_bad_specs(tmp_path):
    with pytest.raises(ValueError, match="Unknown CartoonGAN style 'vangogh'"):
        stylizers.make_stylizer("cartoongan:vangogh")
    with pytest.raises(FileNotFoundError, match="missing.npz"):
        stylizers.make_stylizer(f"cartoongan:{tmp_path}/missing.npz")


def test_default_style_ships_and_the_shipped_list_is_the_assets():
    from tf_deepexag.style import cartoongan_weights
    kind, name = stylizers.DEFAULT_STYLE.split(":")
    assert kind == "cartoongan" and name in cartoongan_weights.SHIPPED_STYLES
    assert stylizers.DEFAULT_STYLE in stylizers.STYLE_SPECS
    on_disk = sorted(os.path.splitext(f)[0] for f in os.listdir(cartoongan_weights.ASSET_DIR)
                     if f.endswith(".npz"))
    assert on_disk == sorted(cartoongan_weights.SHIPPED_STYLES)
    assets = [cartoongan_weights.asset_path(s) for s in cartoongan_weights.SHIPPED_STYLES]
    assert sum(os.path.getsize(p) for p in assets) <= 50e6  # the budget
