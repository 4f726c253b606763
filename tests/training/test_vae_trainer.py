"""Tests for `training.vae_trainer` and `train.vae`: runs, resume, guards, flags."""

import os

import numpy as np
import pytest
import tensorflow as tf

from tests import flagfiles
from tests.geometry.test_mixture import _numpy_logpdf
from tf_deepexag import data, training
from tf_deepexag.geometry import DeepExaggerationVAE, VAEConfig, artifacts, make_optimizer
from tf_deepexag.training import vae_trainer as trainer

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_CONFIG = VAEConfig(enc_rnn_size=8, dec_rnn_size=16, z_size=4, num_mixture=3,
                    batch_size=4, num_steps=2)
_OPTIONS = trainer.RunOptions(eval_every=100, log_every=1, checkpoint_every=1,
                              num_images=1)


def _variables(model_dir):
    reader = tf.train.load_checkpoint(os.path.join(model_dir, "checkpoints"))
    names = sorted(n for n in reader.get_variable_to_shape_map()
                   if n.startswith("model_variables/") and "OPTIMIZER" not in n)
    return {n: reader.get_tensor(n) for n in names}, reader


@pytest.mark.slow
def test_resume_continues_at_the_same_step_and_matches_a_fresh_run(tmp_path):
    resumed, fresh = str(tmp_path / "resumed"), str(tmp_path / "fresh")
    trainer.train(_CONFIG.replace(num_steps=1), _OPTIONS, resumed)
    trainer.train(_CONFIG, _OPTIONS, resumed)
    trainer.train(_CONFIG, _OPTIONS, fresh)
    got, reader = _variables(resumed)
    want, _ = _variables(fresh)
    step = [n for n in reader.get_variable_to_shape_map() if "iter" in n]
    assert step and int(reader.get_tensor(step[0])) == 2
    assert got.keys() == want.keys() and len(got) == 21  # 17 weights + 4 seed states
    for name in got:
        np.testing.assert_allclose(got[name], want[name], atol=1e-6, err_msg=name)
    # The export, its stats and the run files exist.
    for name in ("config.json", "stats.json", "best.json", "export/vae.keras",
                 "export/stats.json", "export/config.json"):
        assert os.path.exists(os.path.join(resumed, name)), name
    results = trainer.evaluate_run(resumed, samples=2)
    assert {"vae", "identity"} <= set(results)
    assert any(k.startswith("edfm") for k in results)
    assert results["vae"]["nll"] == pytest.approx(_numpy_held_out_nll(resumed), rel=1e-4)
    assert os.path.exists(os.path.join(resumed, "eval.json"))


def _numpy_held_out_nll(model_dir):
    """The exported model's mean held-out NLL, the mixture written out in NumPy
    (Graves 2013 eqs. 24-25; z = mu; the end step's offset and pen masked, as
    the original's evaluation)."""
    model, stats, config = artifacts.load_artifacts(os.path.join(model_dir, "export"))
    _, test_pairs = trainer.split(_OPTIONS)
    pairs = trainer.to_model_frame(test_pairs, stats)
    m = config.num_mixture
    per_face = []
    for batch in data.paired_stroke_dataset(pairs.photo, pairs.caricature, stats, 16,
                                            training=False):
        p = model(batch, training=False)[0].numpy().astype(np.float64)   # (B, T, 3 + 6M)
        target = batch["caricature"].numpy().astype(np.float64)           # (B, T, 5)
        pi = np.exp(p[..., 3:3 + m] - p[..., 3:3 + m].max(-1, keepdims=True))
        pi /= pi.sum(-1, keepdims=True)
        mu1, mu2 = p[..., 3 + m:3 + 2 * m], p[..., 3 + 2 * m:3 + 3 * m]
        s1, s2 = np.exp(p[..., 3 + 3 * m:3 + 4 * m]), np.exp(p[..., 3 + 4 * m:3 + 5 * m])
        rho = np.tanh(p[..., 3 + 5 * m:])
        offset_log_p = _numpy_logpdf(target[..., :2], pi, mu1, mu2, s1, s2, rho)  # (B, T)
        pen = p[..., :3] - p[..., :3].max(-1, keepdims=True)
        pen_log_p = pen - np.log(np.exp(pen).sum(-1, keepdims=True))
        pen_ce = -np.take_along_axis(pen_log_p, target[..., 2:].argmax(-1)[..., None],
                                     -1)[..., 0]
        keep = 1.0 - target[..., 4]
        per_face.extend(np.mean((-offset_log_p + pen_ce) * keep, axis=-1))
    assert len(per_face) == len(test_pairs)
    return float(np.mean(per_face))


@pytest.mark.slow
def test_config_mismatch_is_refused_naming_the_setting(tmp_path):
    trainer.train(_CONFIG, _OPTIONS, str(tmp_path))
    with pytest.raises(ValueError, match="z_size"):
        trainer.train(_CONFIG.replace(z_size=6), _OPTIONS, str(tmp_path))


@pytest.mark.slow
def test_nan_in_the_data_stops_with_the_step_named(tmp_path):
    rng = np.random.default_rng(0)
    pen = np.zeros((68, 3), np.float32)
    pen[:, 0], pen[-1] = 1.0, [0, 0, 1]
    strokes = np.concatenate([rng.normal(size=(12, 68, 2)), np.broadcast_to(pen, (12, 68, 3))],
                             -1).astype(np.float32)
    photo = strokes.copy()
    photo[9, 5, 0] = np.nan  # in the third batch of 4
    dataset = tf.data.Dataset.from_tensor_slices(
        {"photo": photo, "caricature": strokes}).batch(4).repeat()
    strategy = training.make_strategy("default")
    model = DeepExaggerationVAE(_CONFIG)
    model.build()
    optimizer = make_optimizer(_CONFIG)
    model.compile(optimizer=optimizer)
    loop = training.TrainLoop(
        strategy=strategy, model_dir=str(tmp_path), step_fn=model.train_step,
        dataset=dataset, checkpoint_items={"model": model, "optimizer": optimizer},
        step_counter=optimizer.iterations, num_steps=5, log_every=1, checkpoint_every=1)
    with pytest.raises(training.NonFiniteLossError, match="at step 3"):
        loop.run()
    assert loop.manager.latest_checkpoint.endswith("-2")


def test_nan_points_are_refused_before_training():
    pairs = trainer.load_pairs("synthetic")
    pairs.photo[0, 3, 1] = np.nan
    from tf_deepexag import landmarks
    stats = landmarks.NormalizationStats(1.0, 1.0)
    with pytest.raises(ValueError, match="photo_points"):
        data.paired_stroke_dataset(pairs.photo, pairs.caricature, stats, 4, training=True)


# The main's bad flags and a run folder of another configuration: one line
# each, batched in tests/cli/test_mains.py.


def test_unknown_data_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no_such_folder"):
        trainer.load_pairs(str(tmp_path / "no_such_folder"))
    with pytest.raises(ValueError, match="align_pairs"):
        trainer.align_pairs(trainer.load_pairs("synthetic"), "affine")


def test_flagfiles_parse_into_valid_configs():
    defaults = VAEConfig().to_dict()
    for name in ("vae_mmc", "vae_synthetic", "vae_smoke", "vae_autotoon"):
        path = os.path.join(_ROOT, "train", "configs", f"{name}.cfg")
        config = VAEConfig(**flagfiles.read_flagfile(path, defaults))
        if name == "vae_mmc":
            assert config == VAEConfig()  # The original's settings are the defaults.
    synthetic = flagfiles.read_flagfile(
        os.path.join(_ROOT, "train", "configs", "vae_synthetic.cfg"), defaults)
    # Typed by absl: a boolean, an int, a float, a string.
    assert synthetic["feed_caricature"] is False and synthetic["z_size"] == 64
    assert synthetic["learning_rate"] == 1e-4 and synthetic["decoder_photo"] == "current"
