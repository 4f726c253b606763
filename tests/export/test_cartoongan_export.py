"""CartoonGAN export: the SavedModel's `stylize` in a fresh process and the
any-size uint8 TFLite stylize file under LiteRT, against the Keras generator;
the SavedModel's `stylize` and `caricature` against the pipeline's painting.

The reference is `tests.style.test_stylizers._by_hand`: the generator called
eagerly on an input padded with NumPy, rounded with NumPy (not the export's
`processing.apply`), blended with the input by the pipeline's style weight in
NumPy. A tiny random CartoonGAN (ngf 4, one residual block) keeps the
conversions short.
"""

import os
import subprocess
import sys
import types

import numpy as np
import pytest

from tests.exported_models import STATS, op_names, photo_points, psnr
from tests.style.test_stylizers import _by_hand
from tf_deepexag import pipeline
from tf_deepexag.export import (ExportGraphs, check_generator, convert, export_saved_model,
                                load_style, tflite_functions)
from tf_deepexag.geometry import Exaggerator
from tf_deepexag.serving.litert import LiteModel, LiteStylizer
from tf_deepexag.style import CartoonGANStylizer
from tf_deepexag.style.cartoongan import CartoonGANGenerator
from tf_deepexag.warp import warp_face

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=ROOT)
SHAPES = [(37, 50), (64, 60), (5, 3)]

pytestmark = pytest.mark.slow


def _images(shape, seed=0):
    """A smooth random image (noise on a gradient), uint8 (H, W, 3)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    base = 60 + 2 * yy[..., None] + 1.5 * xx[..., None] + np.array([0, 30, 60])
    return np.clip(base + rng.normal(0, 20, shape + (3,)), 0, 255).astype(np.uint8)


def _assert_close_u8(got, want):
    assert got.shape == want.shape
    assert np.abs(got.astype(int) - want).max() <= 1
    assert (got != want).mean() < 1e-3


def _painted(gen, image):
    """`_by_hand` at the image's own size, blended as the pipeline blends."""
    w = pipeline.DEFAULT_STYLE_WEIGHT
    return np.floor(w * _by_hand(gen, image) + (1 - w) * image.astype(float) + 0.5)


@pytest.fixture(scope="module")
def cartoongan(tiny_artifacts, tmp_path_factory):
    """`(vae dir, generator .keras path, generator)`."""
    gen = CartoonGANGenerator(ngf=4, n_res=1)
    gen.build()
    rng = np.random.default_rng(0)
    for v in gen.weights:
        v.assign(rng.normal(scale=0.3, size=v.shape))
    path = str(tmp_path_factory.mktemp("cartoongan") / "gen.keras")
    gen.save(path)
    return tiny_artifacts[0], path, gen


def test_load_style_accepts_both_kinds(cartoongan):
    gen = load_style(cartoongan[1])
    assert isinstance(gen, CartoonGANGenerator)
    assert check_generator(gen) == {"multiple": 4, "min_side": 8}
    shipped = load_style("cartoongan:shinkai")
    assert isinstance(shipped, CartoonGANGenerator) and shipped.ngf == 64
    with pytest.raises(ValueError, match="vangogh"):
        load_style("cartoongan:vangogh")


@pytest.fixture(scope="module")
def cartoongan_version(cartoongan, tmp_path_factory):
    return export_saved_model(cartoongan[0], str(tmp_path_factory.mktemp("sm")),
                              cartoongan[1])


def test_saved_model_stylize_in_a_fresh_process(cartoongan, cartoongan_version, tmp_path):
    gen, version = cartoongan[2], cartoongan_version
    batch = np.stack([_images((37, 50), 1), _images((37, 50), 2)])
    np.save(tmp_path / "in.npy", batch)
    single = _images((5, 3), 3)[None]
    np.save(tmp_path / "single.npy", single)
    code = ("import sys, numpy as np, tensorflow as tf\n"
            "sig = tf.saved_model.load(sys.argv[1]).signatures['stylize']\n"
            "for name in ('in', 'single'):\n"
            "    x = np.load(f'{sys.argv[2]}/{name}.npy')\n"
            "    np.save(f'{sys.argv[2]}/{name}_out.npy', sig(images=tf.constant(x))['images'])\n")
    result = subprocess.run([sys.executable, "-c", code, version, str(tmp_path)],
                            capture_output=True, text=True, env=ENV, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    for name, images in (("in", batch), ("single", single)):
        out = np.load(tmp_path / f"{name}_out.npy")
        assert out.dtype == np.uint8
        _assert_close_u8(out, np.stack([_painted(gen, im) for im in images]))


@pytest.fixture(scope="module")
def stylize_files(cartoongan, tmp_path_factory):
    from tf_deepexag.export import load_geometry
    model, stats = load_geometry(cartoongan[0])
    graphs = ExportGraphs(model, stats, cartoongan[2])
    function = tflite_functions(graphs)["stylize"]
    out = tmp_path_factory.mktemp("cartoongan_tflite")
    paths = {}
    for q in ("fp32", "fp16", "int8"):
        paths[q] = str(out / f"stylize_{q}.tflite")
        with open(paths[q], "wb") as f:
            f.write(convert(function, graphs, q))
    return paths


def test_tflite_stylize_any_size_matches_keras(cartoongan, stylize_files):
    gen = cartoongan[2]
    ops = op_names(stylize_files["fp32"])
    assert "CONV_2D" in ops and "TRANSPOSE_CONV" in ops
    assert not [op for op in ops if op.startswith("CUSTOM")], ops
    spec = LiteModel(stylize_files["fp32"]).input_specs["images"]
    assert spec == ((1, -1, -1, 3), np.dtype(np.uint8))
    worst = {}
    for q, path in stylize_files.items():
        lite = LiteStylizer(path)
        for shape in SHAPES:  # one interpreter, sizes changing
            image = _images(shape, seed=shape[0])
            got, want = lite(image), _painted(gen, image)
            assert got.shape == image.shape and got.dtype == np.uint8
            if q == "fp32":
                _assert_close_u8(got, want)
            worst[q] = min(worst.get(q, np.inf), psnr(got, want))
    # Thresholds for the tiny random net (whose small tensors mostly stay
    # float). The shipped shinkai at 256 x 240 measured fp16 89 dB, int8
    # 38.5 dB (mean 2.1 grey levels) against Keras.
    assert worst["fp16"] >= 40, worst
    assert worst["int8"] >= 25, worst


def test_saved_model_paints_as_the_pipeline(cartoongan, cartoongan_version, tiny_artifacts):
    """The `caricature` signature on the pipeline's face crop and points, and
    `stylize` on its warped crop, give the pipeline's caricature: the crop
    (512) is painted at the pipeline's side (256) and blended by its weight."""
    import skimage.data  # pylint: disable=g-import-not-at-top
    import tensorflow as tf  # pylint: disable=g-import-not-at-top

    gen = cartoongan[2]
    artist = pipeline.Caricaturist(
        landmarker=lambda image: [types.SimpleNamespace(points=photo_points()[0])],
        geometry=Exaggerator(tiny_artifacts[2], STATS), warp=warp_face,
        stylizer=CartoonGANStylizer(gen, max_side=pipeline.DEFAULT_STYLE_MAX_SIDE,
                                    style_weight=pipeline.DEFAULT_STYLE_WEIGHT))
    # The tiny random VAE moves points by ~1000 px at strength 1: 0.01 keeps
    # them on the face.
    result = artist(skimage.data.astronaut(), strength=0.01)[0]
    assert result.photo.shape == (512, 512, 3)
    sigs = tf.saved_model.load(cartoongan_version).signatures
    out = sigs["caricature"](image=tf.constant(result.photo[None]),
                             photo_points=tf.constant(result.photo_points[None]),
                             strength=tf.constant(0.01))
    np.testing.assert_allclose(out["caricature_points"][0], result.generated_points,
                               rtol=0, atol=1e-3)
    got = out["caricature"].numpy()[0]
    assert psnr(got, result.caricature) > 40, psnr(got, result.caricature)
    painted = sigs["stylize"](images=tf.constant(result.warped[None]))["images"].numpy()[0]
    _assert_close_u8(painted, result.caricature)
    # Not the generator's own output at 512 and not unblended: both differ.
    assert psnr(_by_hand(gen, result.warped), result.caricature) < 35


def test_lite_stylizer_refuses_bad_input(stylize_files, tmp_path):
    lite = LiteStylizer(stylize_files["fp16"])
    with pytest.raises(ValueError, match="image"):
        lite(np.zeros((8, 8, 3), np.float32))
    with pytest.raises(ValueError, match="image"):
        lite(np.zeros((2, 8, 8, 3), np.uint8))
    with pytest.raises(FileNotFoundError):
        LiteStylizer(str(tmp_path / "missing.tflite"))
