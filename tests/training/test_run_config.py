"""Tests for `tf_deepexag.training.run_config` and `strategy`."""

import json

import pytest

from tf_deepexag import training


def test_first_run_writes_and_same_config_passes(tmp_path):
    config = {"z_size": 128, "sizes": (1, 2)}
    training.write_or_check_config(tmp_path, config)
    assert json.loads((tmp_path / "config.json").read_text()) == {
        "z_size": 128, "sizes": [1, 2]}
    training.write_or_check_config(tmp_path, config)  # no error


def test_different_config_is_refused_naming_the_setting(tmp_path):
    training.write_or_check_config(tmp_path, {"z_size": 128, "num_steps": 10})
    with pytest.raises(ValueError, match=r"z_size: saved 128, requested 64"):
        training.write_or_check_config(tmp_path, {"z_size": 64, "num_steps": 10})


def test_mutable_settings_may_change_and_are_saved(tmp_path):
    training.write_or_check_config(tmp_path, {"z_size": 128, "num_steps": 10})
    training.write_or_check_config(tmp_path, {"z_size": 128, "num_steps": 20},
                                   mutable=("num_steps",))
    assert training.read_config(tmp_path)["num_steps"] == 20


@pytest.mark.parametrize("text,message", [
    ("", "needs the TF_CONFIG"),
    ("{not json", "not valid JSON"),
    ('{"task": {"type": "worker", "index": 0}}', "no `cluster`"),
    ('{"cluster": {"worker": ["localhost"]}, "task": {"type": "worker", "index": 0}}',
     "host:port"),
    ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 3}}',
     "index 3 is out of range"),
    ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "ps", "index": 0}}',
     "'ps' is not a job"),
])
def test_malformed_tf_config(text, message):
    with pytest.raises(ValueError, match=message):
        training.parse_tf_config(text)


def test_unknown_strategy():
    with pytest.raises(ValueError, match="`strategy` must be one of"):
        training.make_strategy("tpu")


def test_default_strategy_is_chief():
    assert training.is_chief(training.make_strategy("default"))
