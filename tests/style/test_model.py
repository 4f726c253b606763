"""UGATIT train step, schedule, rho clipping, checkpoints."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.layer_test_case import LayerTestCase
from tf_deepexag.training import style_trainer as trainer
from tf_deepexag.style.config import UGATITConfig
from tf_deepexag.style.model import UGATIT, _bce_logits
from tf_deepexag.style.schedule import LinearDecaySchedule

TINY = dict(light=True, img_size=32, load_size=36, ngf=8, ndf=8, n_res=1,
            n_dis_global=5, n_dis_local=4, num_steps=100, lr=2e-3)


def _batch(seed):
    rng = np.random.default_rng(seed)
    # Smooth structured images: low-frequency colour fields.
    def img():
        y, x = np.mgrid[0:32, 0:32] / 32.0
        f = rng.uniform(1, 3, 3)
        return np.stack([np.sin(f[i] * 3 * x + i) * np.cos(f[i] * 2 * y)
                         for i in range(3)], -1)[None].astype("float32") * 0.8
    return {"A": img(), "B": img()}


def test_schedule_matches_ugatit_decay():
    s = LinearDecaySchedule(1e-4, 1000)
    # UGATIT.py: constant up to total//2, then minus lr/(total//2) per step.
    for step, want in ((0, 1e-4), (500, 1e-4), (750, 5e-5), (1000, 0.0), (900, 2e-5)):
        np.testing.assert_allclose(float(s(step)), want, atol=1e-10)
    assert LinearDecaySchedule.from_config(s.get_config()).total_steps == 1000


def test_bce_with_logits_matches_formula():
    x = np.array([-30.0, -1.0, 0.0, 2.0, 40.0], "float32")
    # -log sigmoid(x) = log(1 + e^-x), -log(1 - sigmoid(x)) = log(1 + e^x).
    x64 = x.astype("float64")
    for z in (0.0, 1.0):
        want = np.mean(z * np.logaddexp(0, -x64) + (1 - z) * np.logaddexp(0, x64))
        np.testing.assert_allclose(float(_bce_logits(x, z)), want, rtol=1e-5)


def test_config_rejects_too_deep_discriminator():
    with pytest.raises(ValueError, match="n_dis_global"):
        UGATITConfig(img_size=32, n_dis_global=7)


@pytest.mark.slow
def test_steps_lower_cycle_loss_and_keep_rho_in_unit_interval(tmp_path):
    config = UGATITConfig(**TINY)
    model, g_opt, d_opt = trainer.build(config)
    rhos = [v for v in model.generator_variables if "rho" in v.path]
    assert rhos
    for i, v in enumerate(rhos):  # push rho out of range; the step must clip it
        v.assign(np.full(v.shape, 1.5 if i % 2 else -0.5, "float32"))
    batch = _batch(0)
    cycles = [float(model.train_step(batch)["g_cycle"]) for _ in range(12)]
    for v in rhos:
        r = v.numpy()
        assert r.min() >= 0.0 and r.max() <= 1.0
    assert np.mean(cycles[-3:]) < 0.8 * np.mean(cycles[:3]), cycles
    assert int(g_opt.iterations.numpy()) == 12 and int(d_opt.iterations.numpy()) == 12

    # Checkpoint round trip: a fresh model restores the same outputs.
    ckpt = tf.train.Checkpoint(model=model, g_optimizer=g_opt, d_optimizer=d_opt)
    path = ckpt.save(str(tmp_path / "ckpt"))
    fresh, g2, d2 = trainer.build(config)
    tf.train.Checkpoint(model=fresh, g_optimizer=g2, d_optimizer=d2).restore(
        path).assert_existing_objects_matched()
    x = batch["A"]
    np.testing.assert_allclose(fresh.genA2B(x)[0], model.genA2B(x)[0], atol=1e-6)
    np.testing.assert_allclose(fresh.disGB(x)[0], model.disGB(x)[0], atol=1e-6)
    assert int(g2.iterations.numpy()) == 12


def test_weight_decay_is_coupled_l2():
    """With zero loss gradient, the step direction is that of w (Adam on wd*w)."""
    config = UGATITConfig(**{**TINY, "weight_decay": 0.5})
    model, g_opt, _ = trainer.build(config)
    v = model.genA2B.gamma.kernel
    w0 = v.numpy().copy()
    with tf.GradientTape() as tape:
        loss = 0.0 * tf.reduce_sum(v)
    model._apply(g_opt, loss, tape, [v], 1)
    # First Keras Adam step on gradient g = wd * w (coupled L2, not AdamW):
    # -lr * g / (|g| + eps / sqrt(1 - beta_2)).
    g = 0.5 * w0.astype("float64")
    want = -config.lr * g / (np.abs(g) + 1e-7 / np.sqrt(1 - config.beta_2))
    np.testing.assert_allclose(v.numpy() - w0, want, atol=1e-7)


@pytest.mark.slow
class UGATITContractTest(LayerTestCase):
    """The Keras model contract and a training step of the whole translator."""

    def test_light_model(self):
        batch = _batch(1)

        def compile_fn(model):
            model.compile(g_optimizer=keras.optimizers.Adam(1e-3),
                          d_optimizer=keras.optimizers.Adam(1e-3))

        self.run_model_test(UGATIT, {"config": UGATITConfig(**TINY)}, batch["A"], batch,
                            compile_fn)
