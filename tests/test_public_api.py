"""Tests for the top-level `tf_deepexag` API."""

import subprocess
import sys

import pytest

import tf_deepexag


def test_every_public_name_resolves():
    for name in tf_deepexag.__all__:
        assert getattr(tf_deepexag, name) is not None, name


def test_importing_the_package_does_not_load_tensorflow():
    code = ("import sys, tf_deepexag; "
            "assert 'tensorflow' not in sys.modules, 'tensorflow loaded'")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@pytest.mark.slow
def test_a_caricature_loads_no_training_export_or_probability_library():
    # TensorFlow Probability alone took ~1.5 s to import (bench/cold_start.py);
    # inference needs none of them.
    code = ("import sys; from skimage import data; from tf_deepexag import pipeline; "
            "pipeline.build_caricaturist(style='none')(data.astronaut()); "
            "loaded = [m for m in ('tensorflow_probability', 'tf_deepexag.training', "
            "'tf_deepexag.export', 'tf_deepexag.data') if m in sys.modules]; "
            "assert not loaded, loaded")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=600)
