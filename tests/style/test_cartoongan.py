"""CartoonGAN generator, instance norm and weight conversion.

The numbers against the authors' PyTorch network are in
test_cartoongan_parity.py; here: the layer contract, the instance norm
against NumPy, the released configuration's parameter count against the
authors' layer shapes, and the PyTorch -> Keras layout of the converter.
"""

import json
import os

import numpy as np
import pytest

from tests.layer_test_case import LayerTestCase
from tf_deepexag.style import cartoongan_weights
from tf_deepexag.style.cartoongan import CartoonGANGenerator, CartoonGANInstanceNorm


def reference_params(ngf=64, n_res=8):
    """Trainable parameters of network/Transformer.py, from its layer shapes."""
    conv = lambda k, cin, cout: k * k * cin * cout + cout  # noqa: E731 (with bias)
    norm = lambda c: 2 * c  # noqa: E731 (scale, shift)
    c = 4 * ngf
    total = conv(7, 3, ngf) + norm(ngf)
    total += conv(3, ngf, 2 * ngf) + conv(3, 2 * ngf, 2 * ngf) + norm(2 * ngf)
    total += conv(3, 2 * ngf, c) + conv(3, c, c) + norm(c)
    total += n_res * 2 * (conv(3, c, c) + norm(c))
    total += conv(3, c, 2 * ngf) + conv(3, 2 * ngf, 2 * ngf) + norm(2 * ngf)  # ConvTranspose2d
    total += conv(3, 2 * ngf, ngf) + conv(3, ngf, ngf) + norm(ngf)
    return total + conv(7, ngf, 3)


class CartoonGANLayersTest(LayerTestCase):

    def test_instance_norm_contract(self):
        x = np.random.default_rng(0).normal(size=(2, 6, 5, 4)).astype(np.float32)
        self.run_layer_test(CartoonGANInstanceNorm, {"epsilon": 1e-9}, x,
                            expected_output_shape=(2, 6, 5, 4),
                            expected_num_trainable_weights=2)

    def test_instance_norm_matches_numpy(self):
        rng = np.random.default_rng(1)
        x = (3.0 + 2.0 * rng.normal(size=(2, 7, 9, 3))).astype(np.float32)
        layer = CartoonGANInstanceNorm()
        layer.build(x.shape)
        scale, shift = rng.normal(size=3), rng.normal(size=3)
        layer.scale.assign(scale)
        layer.shift.assign(shift)
        x64 = x.astype(np.float64)
        mean = x64.mean(axis=(1, 2), keepdims=True)
        var = x64.var(axis=(1, 2), keepdims=True)  # biased: divides by H * W
        want = (x64 - mean) / np.sqrt(var + 1e-9) * scale + shift
        self.assertAllClose(np.asarray(layer(x)), want, atol=2e-5, rtol=0)

    def test_instance_norm_near_constant_channel_stays_finite(self):
        # A constant channel has zero variance: the output is the shift, as in
        # the authors' network (0 / sqrt(1e-9) = 0), not NaN or noise * 3e4.
        x = np.full((1, 8, 8, 2), 0.37, np.float32)
        layer = CartoonGANInstanceNorm()
        out = np.asarray(layer(x))
        self.assertTrue(np.all(np.isfinite(out)))
        self.assertAllClose(out, np.zeros_like(out), atol=1e-2, rtol=0)

    def test_generator_contract_tiny(self):
        x = np.random.default_rng(2).uniform(-1, 1, size=(2, 16, 12, 3)).astype(np.float32)
        self.run_layer_test(CartoonGANGenerator, {"ngf": 4, "n_res": 1}, x,
                            expected_output_shape=(2, 16, 12, 3), atol=1e-5)

    def test_released_parameter_count(self):
        gen = CartoonGANGenerator()
        gen.build()
        self.assertEqual(gen.count_params(), reference_params())
        self.assertEqual(gen.count_params(), 11_129_667)  # sum of the 94 released arrays

    def test_output_in_tanh_range_and_same_size(self):
        gen = CartoonGANGenerator(ngf=4, n_res=2)
        x = np.random.default_rng(3).uniform(-1, 1, size=(1, 20, 36, 3)).astype(np.float32)
        out = np.asarray(gen(x))
        self.assertEqual(out.shape, (1, 20, 36, 3))
        self.assertTrue(np.all(np.abs(out) <= 1.0))

    def test_bad_arguments(self):
        with pytest.raises(ValueError, match="ngf"):
            CartoonGANGenerator(ngf=0)
        with pytest.raises(ValueError, match="n_res"):
            CartoonGANGenerator(n_res=-1)


def _random_torch_arrays(names, rng, shapes):
    return {f"{n}.{p}": rng.normal(size=shapes[f"{n}.{p}"]).astype(np.float32)
            for n in names for p in (("scale", "shift") if n.startswith("in")
                                     else ("weight", "bias"))}


def _torch_shapes(gen):
    """PyTorch-layout shapes of the generator's parameters, from the Keras ones."""
    shapes = {}
    for layer in gen.layer_names():
        sub = getattr(gen, layer)
        if layer.startswith("in"):
            shapes[f"{layer}.scale"] = shapes[f"{layer}.shift"] = tuple(sub.scale.shape)
        else:
            kh, kw, a, b = sub.kernel.shape  # Conv2D (kh, kw, in, out); transposed (kh, kw, out, in)
            shapes[f"{layer}.weight"] = (b, a, kh, kw)
            shapes[f"{layer}.bias"] = tuple(sub.bias.shape)
    return shapes


def test_convert_round_trip(tmp_path):
    gen = CartoonGANGenerator()
    gen.build()
    names = gen.layer_names()
    assert len(names) == 47 and names[0] == "conv01_1" and names[-1] == "deconv03_1"
    rng = np.random.default_rng(4)
    arrays = _random_torch_arrays(names, rng, _torch_shapes(gen))
    folder = tmp_path / "shinkai"
    folder.mkdir()
    for key, value in arrays.items():
        np.save(folder / f"{key}.npy", value)
    out = tmp_path / "assets" / "s.npz"
    meta = cartoongan_weights.convert(str(folder), str(out))
    assert meta["style"] == "shinkai" and meta["num_params"] == 11_129_667
    # float16 (2 bytes a parameter), deflated: float16 weights shrink little.
    assert 0.8 * 2 * 11_129_667 < os.path.getsize(out) < 2 * 11_129_667 + 1e6
    stored, read_meta = cartoongan_weights.read_asset(str(out))
    assert read_meta["dtype"] == "float16" and read_meta["format"] == cartoongan_weights.FORMAT
    w = arrays["deconv01_1.weight"]  # ConvTranspose2d (in, out, kh, kw)
    k = stored["deconv01_1/kernel"]  # Conv2DTranspose (kh, kw, out, in)
    assert k.dtype == np.float16 and k.shape == (3, 3, 128, 256)
    np.testing.assert_array_equal(k[2, 0, 5, 7], w[7, 5, 2, 0].astype(np.float16))
    k = stored["conv03_1/kernel"]  # Conv2d (out, in, kh, kw) -> (kh, kw, in, out)
    np.testing.assert_array_equal(k[1, 2, 3, 4],
                                  arrays["conv03_1.weight"][4, 3, 1, 2].astype(np.float16))
    np.testing.assert_array_equal(stored["in07_2/shift"],
                                  arrays["in07_2.shift"].astype(np.float16))
    cartoongan_weights.set_weights(gen, stored)
    np.testing.assert_array_equal(np.asarray(gen.in07_2.shift),
                                  arrays["in07_2.shift"].astype(np.float16).astype(np.float32))


def test_convert_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        cartoongan_weights.convert(str(tmp_path / "nowhere"), str(tmp_path / "x.npz"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="conv01_1.weight.npy"):
        cartoongan_weights.convert(str(tmp_path / "empty"), str(tmp_path / "x.npz"))
    with pytest.raises(ValueError, match="dtype"):
        cartoongan_weights.convert(str(tmp_path / "empty"), str(tmp_path / "x.npz"),
                                   dtype="int8")
    np.savez(tmp_path / "other.npz", a=np.zeros(2), __meta__=np.array(json.dumps({})))
    with pytest.raises(ValueError, match="not a CartoonGAN weights file"):
        cartoongan_weights.read_asset(str(tmp_path / "other.npz"))
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a CartoonGAN weights file"):
        cartoongan_weights.read_asset(str(tmp_path / "junk.npz"))
    with pytest.raises(ValueError, match="Unknown CartoonGAN style 'vangogh'"):
        cartoongan_weights.load_generator("vangogh")
    with pytest.raises(FileNotFoundError):
        cartoongan_weights.load_generator(str(tmp_path / "missing.npz"))


def test_set_weights_checks_shapes():
    gen = CartoonGANGenerator(ngf=4, n_res=1)
    gen.build()
    with pytest.raises(ValueError, match="lack 'conv01_1/kernel'"):
        cartoongan_weights.set_weights(gen, {})
    arrays = {"conv01_1/kernel": np.zeros((7, 7, 3, 5))}
    with pytest.raises(ValueError, match="conv01_1/kernel"):
        cartoongan_weights.set_weights(gen, arrays)
