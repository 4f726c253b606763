"""CartoonGAN in Keras against the authors' network in PyTorch, on a real photo.

The reference is tests/style/torch_cartoongan.py (the authors' Transformer.py
and test.py, PyTorch's own padding, transposed-convolution and instance-norm
semantics). Three checks:
1. random weights on a tiny configuration: the layer geometry agrees;
2. each shipped style: its stored weights (float16, widened to float32) in
   both networks agree to float32 rounding;
3. the shipped float16 storage against the authors' float32 weights: the
   stylizer's output against the reference network's output with the
   original arrays, stored as tests/data/cartoongan/<style>_astronaut.png
   (or recomputed when TF_DEEPEXAG_CARTOONGAN_WEIGHTS names the folder of
   the original `<style>/` array folders).
The photo is NASA's astronaut portrait (public domain, skimage.data).
"""

import os

import numpy as np
import pytest
import skimage.data

from tf_deepexag import fileio
from tf_deepexag.style import cartoongan_weights, processing, stylizers
from tf_deepexag.style.cartoongan import CartoonGANGenerator

# The face, 256 x 240 (multiples of 4, so the authors' network keeps the size).
PHOTO = np.ascontiguousarray(skimage.data.astronaut()[0:256, 96:336])
REFERENCE_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "cartoongan")
WEIGHTS_ENV = "TF_DEEPEXAG_CARTOONGAN_WEIGHTS"


def keras_to_torch(keras_arrays, layer_names):
    """Inverse of `cartoongan_weights.torch_to_keras`, written independently."""
    out = {}
    for layer in layer_names:
        if layer.startswith("in"):
            out[f"{layer}.scale"] = keras_arrays[f"{layer}/scale"]
            out[f"{layer}.shift"] = keras_arrays[f"{layer}/shift"]
        else:  # (kh, kw, a, b) -> (b, a, kh, kw) for Conv2d and ConvTranspose2d
            out[f"{layer}.weight"] = np.transpose(keras_arrays[f"{layer}/kernel"], (3, 2, 0, 1))
            out[f"{layer}.bias"] = keras_arrays[f"{layer}/bias"]
    return {k: np.asarray(v, np.float32) for k, v in out.items()}


def _torch_reference(arrays, n_res=8):
    pytest.importorskip("torch", reason="the PyTorch reference needs torch "
                                        "(pip install -e '.[eval]')")
    from tests.style.torch_cartoongan import TorchCartoonGAN  # pylint: disable=import-outside-toplevel
    return TorchCartoonGAN(arrays, n_res=n_res)


def _torch_float_output(reference, image):
    import torch  # pylint: disable=import-outside-toplevel
    x = torch.from_numpy(np.ascontiguousarray(image[:, :, ::-1])).permute(2, 0, 1)
    x = -1 + 2 * x.float().div(255)[None]
    bgr = reference(x)[0].permute(1, 2, 0).numpy()  # (H, W, 3) BGR
    return bgr[:, :, ::-1]  # RGB, what our generator returns


def test_tiny_random_weights_geometry():
    gen = CartoonGANGenerator(ngf=4, n_res=2)
    gen.build()
    rng = np.random.default_rng(0)
    for v in gen.weights:
        v.assign(rng.normal(scale=0.3, size=v.shape))
    reference = _torch_reference(keras_to_torch(
        {f"{layer}/{w.name}": np.asarray(w) for layer in gen.layer_names()
         for w in getattr(gen, layer).weights}, gen.layer_names()), n_res=2)
    image = np.ascontiguousarray(PHOTO[::4, ::4])  # (64, 60, 3)
    want = _torch_float_output(reference, image)
    got = np.asarray(gen(processing.to_model_input(image[None])))[0]
    assert got.shape == want.shape == (64, 60, 3)
    np.testing.assert_allclose(got, want, atol=2e-5, rtol=0)


@pytest.mark.slow
@pytest.mark.parametrize("style", cartoongan_weights.SHIPPED_STYLES)
def test_shipped_style_matches_reference_network(style):
    arrays, _ = cartoongan_weights.read_asset(cartoongan_weights.asset_path(style))
    gen = cartoongan_weights.load_generator(style)
    reference = _torch_reference(keras_to_torch(arrays, gen.layer_names()))
    want = _torch_float_output(reference, PHOTO)
    got = np.asarray(gen(processing.to_model_input(PHOTO[None])))[0]
    np.testing.assert_allclose(got, want, atol=1e-4, rtol=0)  # measured 6e-6
    want_u8 = reference.stylize(PHOTO)
    got_u8 = stylizers.make_stylizer(f"cartoongan:{style}")(PHOTO)
    diff = np.abs(got_u8.astype(int) - want_u8)
    assert diff.max() <= 1 and (diff > 0).mean() < 1e-3  # a rounding tie at most


def _float32_reference_image(style):
    folder = os.environ.get(WEIGHTS_ENV)
    if folder:
        gen = CartoonGANGenerator()
        names = gen.layer_names()
        arrays = cartoongan_weights.read_torch_arrays(os.path.join(folder, style), names)
        return _torch_reference(arrays).stylize(PHOTO)
    path = os.path.join(REFERENCE_DIR, f"{style}_astronaut.png")
    assert os.path.isfile(path), (f"no reference output {path} (each shipped style has "
                                  f"one; make_cartoongan_references.py) and {WEIGHTS_ENV} unset")
    return fileio.read_image(path)


@pytest.mark.slow
@pytest.mark.parametrize("style", cartoongan_weights.SHIPPED_STYLES)
def test_float16_storage_within_a_grey_level(style):
    want = _float32_reference_image(style)
    got = stylizers.make_stylizer(f"cartoongan:{style}")(PHOTO)
    diff = np.abs(got.astype(float) - want)
    assert diff.mean() <= 1.0, diff.mean()
    assert np.percentile(diff, 99) <= 2, np.percentile(diff, 99)  # measured 0.02, 1
