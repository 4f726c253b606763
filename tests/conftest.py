"""Shared pytest set-up: quiet TensorFlow, deterministic seeds, CPU threads."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

# The tiny exported models (SavedModel, TFLite) shared by tests/export and
# tests/serving, built once per session.
pytest_plugins = ("tests.exported_models",)


def pytest_collection_modifyitems(items):
    """Drops `tf.test.TestCase.test_session`, which every subclass inherits:
    a deprecated helper, not a test, that pytest would report as skipped
    ("Not a test.") in each such file, hiding real skips among them."""
    items[:] = [item for item in items if item.name != "test_session"]
