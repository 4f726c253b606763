"""Runs the dense and face warp tests on both eager paths: native kernels and TensorFlow."""

import pytest

from tf_deepexag import native


@pytest.fixture(params=["native", "tensorflow"])
def warp_path(request, monkeypatch):
    """Selects the eager implementation through `TF_DEEPEXAG_NATIVE`."""
    if request.param == "native":
        if native.ops() is None:  # test_native.py fails where a compiler exists
            pytest.skip("native warp kernels unavailable (no g++?)")
        monkeypatch.setenv(native.DISABLE_ENV, "1")
    else:
        monkeypatch.setenv(native.DISABLE_ENV, "0")
    return request.param
