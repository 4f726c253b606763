"""Tests for `tf_deepexag.native`: the build, its cache and lock, and the fallback.

The kernels themselves are tested beside the code that uses them
(tests/warp/test_native.py, tests/geometry/test_fused_lstm.py).
"""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from skimage import data as skdata

from tf_deepexag import landmarks
from tf_deepexag import native
from tf_deepexag.geometry import fused_lstm
from tf_deepexag.warp import dense_image_warp, warp_face

HAS_COMPILER = shutil.which(os.environ.get(native.COMPILER_ENV) or "g++") is not None
ASTRONAUT = skdata.astronaut()
POINTS = landmarks.read_pts(
    landmarks.__file__.replace("landmarks/__init__.py", "assets/astronaut_68.pts"))


@pytest.mark.skipif(not HAS_COMPILER or not native.enabled(),
                    reason="no C++ compiler, or native kernels disabled")
def test_kernels_build_where_a_compiler_exists():
    ops = native.ops()
    assert ops is not None, "g++ is on the PATH but the native kernels did not load"
    for name in ("tf_deepexag_dense_image_warp", "tf_deepexag_lstm_sequence_forward",
                 "tf_deepexag_lstm_sequence_backward"):
        assert hasattr(ops, name), name


def test_every_source_is_hashed_with_its_flags():
    sources = dict(native._sources())
    assert any(path.endswith("lstm_sequence_ops.cc") for path in sources)
    assert any(path.endswith("common.h") for path in sources)
    for path, flags in sources.items():
        assert "-march=native" in flags, (path, flags)
        # Fused multiply-adds only where no test asks for TensorFlow's bits.
        assert ("-ffp-contract=fast" in flags) == ("/geometry/kernels/" in path), (path, flags)


def test_disabled_or_failed_build_falls_back(monkeypatch, tmp_path):
    monkeypatch.setenv(native.DISABLE_ENV, "0")
    assert native.ops() is None
    monkeypatch.setenv(native.DISABLE_ENV, "1")
    monkeypatch.setenv(native.CACHE_ENV, str(tmp_path))
    monkeypatch.setenv(native.COMPILER_ENV, "no-such-compiler-tf-deepexag")
    monkeypatch.setattr(native, "_state", {"loaded": False, "module": None})
    with pytest.raises(native.BuildError, match="no C\\+\\+ compiler"):
        native.build()
    assert native.ops() is None                       # warns once, remembers
    assert not os.listdir(tmp_path)
    image = np.random.default_rng(0).uniform(size=(1, 6, 5, 2)).astype(np.float32)
    flow = np.zeros((1, 6, 5, 2), np.float32)
    np.testing.assert_allclose(dense_image_warp(image, flow), image, atol=1e-6)
    assert warp_face(ASTRONAUT[:64, :64], POINTS * 0.1, POINTS * 0.1).shape == (64, 64, 3)
    # One LSTM step from c0 = 1 with zero inputs and weights: c = sigm(1), h = tanh(c) / 2.
    zeros = np.zeros((1, 2, 1, 12), np.float32)
    _, h, c = fused_lstm.lstm_sequence(zeros, np.zeros((1, 2, 3), np.float32),
                                       np.ones((1, 2, 3), np.float32),
                                       np.zeros((1, 3, 12), np.float32))
    forget = 1.0 / (1.0 + np.exp(-1.0))
    np.testing.assert_allclose(c, np.full((1, 2, 3), forget), rtol=1e-6)
    np.testing.assert_allclose(h, np.full((1, 2, 3), np.tanh(forget) / 2), rtol=1e-6)


def test_concurrent_builds_compile_once(tmp_path):
    (tmp_path / "kernels").mkdir()
    (tmp_path / "kernels" / "tiny.cc").write_text('extern "C" int tf_deepexag_tiny() { return 1; }\n')
    script = ("import sys; from absl import logging; logging.set_verbosity(logging.INFO); "
              "from tf_deepexag import native; native.KERNEL_DIRS = {sys.argv[1]: ()}; "
              "print(native.build())")
    env = dict(os.environ, **{native.CACHE_ENV: str(tmp_path / "cache")})
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    processes = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "kernels")], env=env, cwd=root,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
    results = [process.communicate(timeout=300) for process in processes]
    assert all(process.returncode == 0 for process in processes), results
    paths = {out.strip().splitlines()[-1] for out, _ in results}
    assert len(paths) == 1 and os.path.exists(paths.pop())
    assert sum(err.count("Compiling the native kernels") for _, err in results) == 1
    assert sorted(os.listdir(tmp_path / "cache"))[0].endswith(".so")
    assert not [name for name in os.listdir(tmp_path / "cache") if name.startswith("tmp")]
