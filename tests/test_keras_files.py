"""Tests for `tf_deepexag.keras_files` through the loaders that use it:
`vae:`/`ugatit:` specs naming a wrong, truncated or corrupt `.keras` file."""

import os
import shutil

import keras
import pytest

from tf_deepexag import errors, pipeline, style
from tf_deepexag.geometry import artifacts

_BUILTIN = artifacts.default_model_dir()


@pytest.fixture(scope="module")
def other_model(tmp_path_factory):
    """A valid `.keras` file of an unrelated model."""
    path = str(tmp_path_factory.mktemp("other") / "other.keras")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.save(path)
    return path


def _export_with(tmp_path, model_file):
    export = tmp_path / "export"
    export.mkdir()
    shutil.copy(os.path.join(_BUILTIN, artifacts.STATS_FILE), export)
    shutil.copy(model_file, export / artifacts.MODEL_FILE)
    return str(export)


def test_vae_spec_with_an_unrelated_model_is_a_named_error(tmp_path, other_model):
    export = _export_with(tmp_path, other_model)
    with pytest.raises(errors.UserError, match="holds a Sequential, not a "
                                               "DeepExaggerationVAE"):
        pipeline.build_geometry(f"vae:{export}")  # was AttributeError


def test_ugatit_spec_with_an_unrelated_model_is_a_named_error(other_model):
    with pytest.raises(errors.UserError, match="holds a Sequential, not a UGATITGenerator"):
        style.make_stylizer(f"ugatit:{other_model}")  # was AttributeError


@pytest.mark.parametrize("keep", [0.0, 0.5, 0.999])
def test_truncated_vae_keras_is_reported_corrupt_not_missing(tmp_path, keep):
    truncated = tmp_path / "cut.keras"
    data = open(os.path.join(_BUILTIN, artifacts.MODEL_FILE), "rb").read()
    truncated.write_bytes(data[:int(len(data) * keep)])
    export = _export_with(tmp_path, truncated)
    with pytest.raises(errors.CorruptFileError, match="truncated or corrupt") as info:
        artifacts.load_artifacts(export)
    assert "not found" not in str(info.value).lower()  # Keras alone said "File not found"


def test_flipped_byte_fails_its_checksum(tmp_path):
    data = bytearray(open(os.path.join(_BUILTIN, artifacts.MODEL_FILE), "rb").read())
    data[len(data) // 2] ^= 0xFF  # inside a compressed member
    path = tmp_path / "flipped.keras"
    path.write_bytes(bytes(data))
    with pytest.raises(errors.CorruptFileError):
        artifacts.load_artifacts(_export_with(tmp_path, path))


def test_the_builtin_model_still_loads():
    model, stats, config = artifacts.load_artifacts(_BUILTIN)
    assert config.z_size == model.config.z_size and stats is not None
