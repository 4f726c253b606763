"""style_trainer: the settings a run directory keeps (precision, legacy runs)."""

import pytest

from tf_deepexag import fileio, training
from tf_deepexag.style.config import UGATITConfig
from tf_deepexag.training import style_trainer


def test_runs_saved_before_the_policy_existed_resume_as_float32(tmp_path):
    legacy = UGATITConfig().to_dict()
    del legacy["mixed_precision"]
    fileio.write_json_atomic(str(tmp_path / "config.json"), legacy)
    settings = style_trainer._settings(str(tmp_path), UGATITConfig())
    training.write_or_check_config(str(tmp_path), settings, style_trainer.MUTABLE)
    bf16 = style_trainer._settings(str(tmp_path), UGATITConfig(mixed_precision="mixed_bfloat16"))
    with pytest.raises(ValueError, match="mixed_precision: saved None, requested "
                                         "'mixed_bfloat16'"):
        training.write_or_check_config(str(tmp_path), bf16, style_trainer.MUTABLE)


def test_new_runs_record_the_policy(tmp_path):
    settings = style_trainer._settings(str(tmp_path), UGATITConfig(mixed_precision="mixed_float16"))
    training.write_or_check_config(str(tmp_path), settings, style_trainer.MUTABLE)
    assert training.read_config(str(tmp_path))["mixed_precision"] == "mixed_float16"
    with pytest.raises(ValueError, match="mixed_precision: saved 'mixed_float16'"):
        training.write_or_check_config(
            str(tmp_path), style_trainer._settings(str(tmp_path), UGATITConfig()),
            style_trainer.MUTABLE)
