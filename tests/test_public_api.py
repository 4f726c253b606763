"""Tests for the top-level `tf_deepexag` API."""

import subprocess
import sys

import tf_deepexag


def test_every_public_name_resolves():
    for name in tf_deepexag.__all__:
        assert getattr(tf_deepexag, name) is not None, name


def test_importing_the_package_does_not_load_tensorflow():
    code = ("import sys, tf_deepexag; "
            "assert 'tensorflow' not in sys.modules, 'tensorflow loaded'")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
