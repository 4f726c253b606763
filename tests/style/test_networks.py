"""Generator and discriminator shapes and parameter counts vs networks.py.

Reference: networks.py of znxlwm/UGATIT-pytorch (`ResnetGenerator`,
`Discriminator`), with UGATIT.py's settings: generators ngf=ch=64,
n_blocks=n_res=4, img_size=256; discriminators ndf=64, n_layers 7 (global)
and 5 (local). The reference counts below are computed from those layer
shapes (PyTorch trainable parameters: spectral_norm's weight_orig counts,
its u/v buffers do not; InstanceNorm2d has no affine parameters).
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tf_deepexag.style.discriminator import UGATITDiscriminator
from tf_deepexag.style.generator import UGATITGenerator


def reference_generator_params(ngf, n_res, img_size, light):
    c = 4 * ngf  # ngf * mult, mult = 2**n_downsampling
    down = 7 * 7 * 3 * ngf + 3 * 3 * ngf * 2 * ngf + 3 * 3 * 2 * ngf * 4 * ngf
    enc = n_res * 2 * (3 * 3 * c * c)          # ResnetBlock, bias=False
    cam = c + c + (2 * c * c + c)              # gap_fc, gmp_fc, conv1x1 + bias
    fc_in = c if light else (img_size // 4) ** 2 * c
    fc = fc_in * c + c * c                      # FC: two Linear, bias=False
    gamma_beta = 2 * c * c
    dec = n_res * (2 * 3 * 3 * c * c + 2 * c)   # ResnetAdaILNBlock + 2 rho
    up = (3 * 3 * c * (c // 2) + 3 * (c // 2)   # conv + ILN (rho, gamma, beta)
          + 3 * 3 * (c // 2) * (c // 4) + 3 * (c // 4))
    out = 7 * 7 * ngf * 3
    return down + enc + cam + fc + gamma_beta + dec + up + out


def reference_discriminator_params(ndf, n_layers):
    total = 4 * 4 * 3 * ndf + ndf
    for i in range(1, n_layers - 2):
        cin, cout = ndf * 2 ** (i - 1), ndf * 2 ** i
        total += 4 * 4 * cin * cout + cout
    cin, cout = ndf * 2 ** (n_layers - 3), ndf * 2 ** (n_layers - 2)
    total += 4 * 4 * cin * cout + cout
    c = cout
    total += c + c + 2 * c * c + c          # gap_fc, gmp_fc, conv1x1 + bias
    return total + 4 * 4 * c * 1            # final conv, bias=False


def _trainable(model):
    return sum(int(np.prod(v.shape)) for v in model.trainable_variables)


@pytest.mark.slow
def test_paper_parameter_counts():
    cases = {  # (light) -> PyTorch count, stated as literals too
        True: 10_589_888, False: 278_959_808}
    for light, literal in cases.items():
        assert reference_generator_params(64, 4, 256, light) == literal
        gen = UGATITGenerator(ngf=64, n_res=4, img_size=256, light=light)
        gen.build((1, 256, 256, 3))
        assert _trainable(gen) == literal, light
        del gen
    for n_layers, literal in ((7, 53_130_176), (5, 3_290_560)):
        assert reference_discriminator_params(64, n_layers) == literal
        dis = UGATITDiscriminator(ndf=64, n_layers=n_layers)
        dis.build((1, 256, 256, 3))
        assert _trainable(dis) == literal, n_layers


@pytest.mark.parametrize("light", [True, False])
@pytest.mark.parametrize("size", [64, 128])
def test_generator_output_shapes(size, light):
    gen = UGATITGenerator(ngf=4, n_res=1, img_size=size, light=light)
    out, logit, heat = gen(tf.zeros((2, size, size, 3)))
    assert tuple(out.shape) == (2, size, size, 3)
    assert tuple(logit.shape) == (2, 2)
    assert tuple(heat.shape) == (2, size // 4, size // 4, 1)
    assert float(tf.reduce_max(tf.abs(out))) <= 1.0  # tanh
    assert _trainable(gen) == reference_generator_params(4, 1, size, light)


@pytest.mark.parametrize("light", [True, False])
def test_generator_symbolic_shapes_256(light):
    gen = UGATITGenerator(ngf=4, n_res=1, img_size=256, light=light)
    outs = gen(keras.KerasTensor((1, 256, 256, 3)))
    assert [tuple(o.shape) for o in outs] == [(1, 256, 256, 3), (1, 2), (1, 64, 64, 1)]
    assert gen.compute_output_shape((1, 256, 256, 3))[0] == (1, 256, 256, 3)


def test_discriminator_shapes():
    # Patch map: global S/32 - 2, local S/8 - 2 (pad 1, 4x4 kernels).
    for n_layers, size, side in ((7, 256, 6), (5, 256, 30), (5, 64, 6), (7, 128, 2)):
        dis = UGATITDiscriminator(ndf=4, n_layers=n_layers)
        out, logit, heat = dis(keras.KerasTensor((1, size, size, 3)))
        assert tuple(out.shape) == (1, side, side, 1)
        assert tuple(logit.shape) == (1, 2)
        assert tuple(heat.shape) == (1, side + 1, side + 1, 1)


def test_generator_rejects_bad_size():
    with pytest.raises(ValueError, match="img_size"):
        UGATITGenerator(ngf=4, n_res=1, img_size=30)


def test_generator_keras_round_trip(tmp_path):
    gen = UGATITGenerator(ngf=4, n_res=1, img_size=32, light=True)
    x = np.random.default_rng(0).uniform(-1, 1, (1, 32, 32, 3)).astype("float32")
    want = [np.asarray(o) for o in gen(x)]
    path = str(tmp_path / "g.keras")
    gen.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, UGATITGenerator)
    for a, b in zip(want, loaded(x)):
        np.testing.assert_allclose(a, np.asarray(b), atol=1e-6)
