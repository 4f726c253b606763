"""Mixed precision: float32 statistics and outputs, float32 variables, steps."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tf_deepexag.style import precision
from tf_deepexag.style.blocks import instance_norm
from tf_deepexag.style.config import UGATITConfig
from tf_deepexag.style.model import UGATIT
from tf_deepexag.style.norm import AdaLIN
from tf_deepexag.style.spectral import SpectralDense
from tf_deepexag.training import style_trainer as trainer

TINY = dict(light=True, img_size=32, load_size=36, ngf=8, ndf=8, n_res=1,
            n_dis_global=5, n_dis_local=4, num_steps=100, lr=2e-3)
HALF = {"mixed_bfloat16": "bfloat16", "mixed_float16": "float16"}


def _offset_map(seed, dtype):
    """(1, 16, 16, 4) values around 300 with unit spread: a conv output with a
    large DC term, where 16-bit statistics cancel catastrophically. Returns
    the 16-bit tensor and its exact values in float64."""
    rng = np.random.default_rng(seed)
    x = tf.cast(300.0 + 3.0 * rng.standard_normal((1, 16, 16, 4)), dtype)
    return x, tf.cast(x, "float64").numpy()


def _reference_norm(x, axes, eps=1e-5):
    mean = x.mean(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)


def test_policy_must_be_known():
    with pytest.raises(ValueError, match="mixed_precision"):
        UGATITConfig(mixed_precision="float64")
    assert precision.needs_loss_scaling("mixed_float16")
    assert not precision.needs_loss_scaling("mixed_bfloat16")


def test_policy_scope_restores_the_global_policy():
    before = keras.config.dtype_policy().name
    with precision.policy_scope("mixed_bfloat16"):
        layer = keras.layers.Dense(2)
    assert layer.compute_dtype == "bfloat16" and layer.variable_dtype == "float32"
    assert keras.config.dtype_policy().name == before


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_instance_norm_statistics_are_float32(dtype):
    x, exact = _offset_map(0, dtype)
    y = instance_norm(x)
    assert y.dtype == dtype
    # 16-bit output rounding only (8 or 11 significant bits of values <= ~4).
    np.testing.assert_allclose(tf.cast(y, "float64").numpy(),
                               _reference_norm(exact, (1, 2)), atol=0.04)


def test_adalin_under_bfloat16_matches_the_formula():
    x, exact = _offset_map(1, "bfloat16")
    layer = AdaLIN(dtype="mixed_bfloat16")
    rng = np.random.default_rng(2)
    gamma = rng.uniform(0.5, 1.5, (1, 4)).astype("float32")
    beta = rng.uniform(-0.5, 0.5, (1, 4)).astype("float32")
    y = layer(x, gamma, beta)
    assert y.dtype == "bfloat16" and layer.rho.dtype == "float32"
    rho = layer.rho.numpy().astype("float64")  # 0.9
    want = (rho * _reference_norm(exact, (1, 2)) + (1 - rho) * _reference_norm(exact, (1, 2, 3)))
    want = want * gamma[:, None, None, :] + beta[:, None, None, :]
    np.testing.assert_allclose(tf.cast(y, "float64").numpy(), want, atol=0.04)


def test_spectral_power_iteration_is_float32_under_bfloat16():
    # A kernel with a dominant singular value: 12 float32 power iterations
    # find its singular vector to float32 rounding; bfloat16 holds 8 bits.
    rng = np.random.default_rng(3)
    u0, _ = np.linalg.qr(rng.standard_normal((24, 24)))
    v0, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    s = np.array([5.0, 1.0, 0.8, 0.6, 0.4, 0.2])
    w = (u0[:, :6] * s) @ v0.T  # (24, 6) = (Cin, units)
    layer = SpectralDense(6, dtype="mixed_bfloat16")
    layer.build((None, 24))
    layer.kernel.assign(w.astype("float32"))
    x = tf.constant(rng.standard_normal((2, 24)), "float32")
    for _ in range(12):
        y = layer(x, training=True)
    assert y.dtype == "bfloat16" and layer.u.dtype == "float32"
    _, _, vt = np.linalg.svd(w.astype("float32").astype("float64"))
    u = layer.u.numpy().astype("float64")
    u = u / np.linalg.norm(u) * np.sign(u @ vt[0])
    np.testing.assert_allclose(u, vt[0], atol=1e-5)
    want = x.numpy() @ (w / 5.0)
    np.testing.assert_allclose(tf.cast(y, "float32").numpy(), want, rtol=0.02, atol=0.02)


@pytest.mark.parametrize("policy,tol", [("mixed_bfloat16", 0.15), ("mixed_float16", 0.02)])
def test_mixed_networks_compute_the_float32_function(policy, tol):
    # Tolerances: 8 (bfloat16) or 11 (float16) significant bits through ~12
    # layers; measured max errors over 4 seeds: 0.07 and 0.006 of the scale.
    keras.utils.set_random_seed(0)
    config = UGATITConfig(**TINY)
    ref = UGATIT(config)
    ref.build()
    mixed = UGATIT(UGATITConfig(**TINY, mixed_precision=policy))
    mixed.build()
    assert len(mixed.weights) == len(ref.weights)
    assert {v.dtype for v in mixed.weights} == {"float32"}
    mixed.set_weights(ref.get_weights())
    assert mixed.genA2B.conv_in.compute_dtype == HALF[policy]
    assert mixed.genA2B.cam.conv1x1.compute_dtype == HALF[policy]
    assert mixed.disLA.conv0.compute_dtype == HALF[policy]
    x = tf.constant(np.random.default_rng(4).uniform(-1, 1, (2, 32, 32, 3)), "float32")
    for net in ("genA2B", "disGA", "disLB"):
        got, want = getattr(mixed, net)(x), getattr(ref, net)(x)
        for g, w in zip(got, want):
            assert g.dtype == "float32", (net, g.dtype)
            scale = float(np.abs(w).max()) + 1e-3
            assert float(np.abs(g - w).max()) < tol * scale, net
            assert float(np.abs(g - w).mean()) < tol / 5 * scale, net


def test_loss_scale_reaches_the_weight_decay_term():
    # SGD, not Adam (Adam's first step hides a gradient's scale): with zero
    # loss gradient the step must be -lr * weight_decay * w exactly as
    # without a loss scale.
    model = UGATIT(UGATITConfig(**{**TINY, "weight_decay": 0.5}))
    model.build()
    opt = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.1),
                                              initial_scale=8.0)
    v = model.genA2B.gamma.kernel
    opt.build([v])
    w0 = v.numpy().copy()
    with tf.GradientTape() as tape:
        loss = opt.scale_loss(0.0 * tf.reduce_sum(v))
    model._apply(opt, loss, tape, [v], 1)
    np.testing.assert_allclose(v.numpy() - w0, -0.1 * 0.5 * w0, rtol=1e-5, atol=1e-8)


@pytest.mark.slow
@pytest.mark.parametrize("policy", precision.POLICIES)
def test_train_steps_under_each_policy(policy):
    config = UGATITConfig(**TINY, mixed_precision=policy)
    model, g_opt, d_opt = trainer.build(config)
    scaled = isinstance(g_opt, keras.optimizers.LossScaleOptimizer)
    assert scaled == (policy == "mixed_float16")
    assert isinstance(d_opt, keras.optimizers.LossScaleOptimizer) == scaled
    if scaled:  # start at a scale without overflow so both steps apply
        g_opt.dynamic_scale.assign(4.0)
        d_opt.dynamic_scale.assign(4.0)
    rhos = [v for v in model.generator_variables if "rho" in v.path]
    for i, v in enumerate(rhos):  # out of range; the step must clip them
        v.assign(np.full(v.shape, 1.5 if i % 2 else -0.5, "float32"))
    before = [v.numpy().copy() for v in model.generator_variables]
    rng = np.random.default_rng(5)
    batch = {k: rng.uniform(-1, 1, (1, 32, 32, 3)).astype("float32") for k in "AB"}
    for _ in range(2):
        logs = model.train_step(batch)
        assert all(np.isfinite(float(v)) for v in logs.values()), logs
    assert int(g_opt.iterations.numpy()) == 2 and int(d_opt.iterations.numpy()) == 2
    assert {v.dtype for v in model.weights} == {"float32"}
    assert {v.dtype for v in g_opt.variables + d_opt.variables} <= {"float32", "int64"}
    for v in rhos:
        assert 0.0 <= v.numpy().min() and v.numpy().max() <= 1.0
    changed = [not np.array_equal(b, v.numpy())
               for b, v in zip(before, model.generator_variables)]
    assert np.mean(changed) > 0.9
