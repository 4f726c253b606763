"""Shared pytest set-up: quiet TensorFlow, deterministic seeds, CPU threads."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

# The tiny exported models (SavedModel, TFLite) shared by tests/export and
# tests/serving, built once per session.
pytest_plugins = ("tests.exported_models",)


def pytest_collection_modifyitems(items):
    """Runs the files holding `slow` tests first, each file's order kept.

    `make test` gives each pytest-xdist worker whole files in collection order
    (`--dist loadfile --no-loadscope-reorder`). Heavy files first and the many
    quick ones after lets the quick ones fill the gaps, instead of one worker
    starting a minute-long file when the other has nothing left (xdist's own
    reorder puts files with the most tests first, and the heaviest files hold
    one or two).
    """
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)
