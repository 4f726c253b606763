"""Imports run one way: landmarks <- data, detect, geometry, warp, style <-
pipeline <- motion, training, export, serving, app, cli (DESIGN.md, Layout).

Every module of the package is parsed with `ast` (imports inside functions
count too), each imported `tf_deepexag` module is reduced to its top-level
unit (`geometry`, `fileio`, ...) and checked against the allowed edges.
"""

import ast
import os
import sys

import pytest

_PACKAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "tf_deepexag")
# errors (the named user-facing errors) and keras_files (safe .keras loading)
# are leaf modules like fileio.
# plane_map (the geometry as a map of the plane, NumPy only: the LiteRT runner
# uses it without TensorFlow) is one too.
BASE = {"_lazy", "errors", "fileio", "keras_files", "landmarks", "plane_map"}
# The pipeline's stages in order: a stage may import an earlier one, never a later.
STAGES = ("detect", "geometry", "warp", "style")
EDGES = {"training", "export", "serving", "app", "cli", "__main__"}
ALLOWED = {
    "_lazy": set(),  # lazy public names of package __init__ files
    "errors": set(),
    "fileio": {"errors"},
    "keras_files": {"errors", "fileio"},
    "landmarks": {"errors", "fileio"},
    "plane_map": {"errors"},
    "figures": BASE,
    # data scores geometry's EDFM in `synthetic_eval`, and its dataset builders
    # (AutoToon landmarks, face crops of unpaired images) run the detector on a
    # user's images; no stage imports data.
    "data": BASE | {"detect", "geometry"},
    **{stage: BASE | set(STAGES[:i]) for i, stage in enumerate(STAGES)},
    # The pipeline's own helpers: face crops (pure NumPy/OpenCV) and the
    # geometry stage's specs (which read the built-in models' data).
    "face_crops": BASE,
    "geometry_stage": BASE | {"data", "geometry"},
    "pipeline": BASE | {"figures", "data", "face_crops", "geometry_stage", *STAGES},
    # motion animates and films caricatures: after the pipeline (DESIGN.md).
    "motion": BASE | {"figures", "pipeline", "face_crops", "geometry_stage", *STAGES},
}


def _unit(path):
    relative = os.path.relpath(path, _PACKAGE)
    return relative.split(os.sep)[0].removesuffix(".py")


def _imported_units(path):
    """`{(unit, line)}` of the tf_deepexag modules a file imports."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    package = ["tf_deepexag"] + os.path.relpath(os.path.dirname(path), _PACKAGE).split(
        os.sep)
    package = [p for p in package if p != "."]
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names = [module] + [f"{module}.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "tf_deepexag" and len(parts) > 1:
                found.add((parts[1], node.lineno))
    return found


def _edges():
    edges = []
    for root, _, files in os.walk(_PACKAGE):
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(root, name)
                unit = _unit(path)
                if unit == "__init__":  # the package's lazy public names
                    continue
                edges += [(unit, target, f"{os.path.relpath(path, _PACKAGE)}:{line}")
                          for target, line in _imported_units(path) if target != unit]
    return edges


def test_no_stage_imports_data_training_or_a_later_stage():
    bad = [f"{where}: {unit} imports {target}" for unit, target, where in _edges()
           if unit in ALLOWED and target not in ALLOWED[unit]]
    assert not bad, "\n".join(bad)


def test_the_units_form_no_circle():
    graph = {}
    for unit, target, _ in _edges():
        graph.setdefault(unit, set()).add(target)

    def reaches(start, goal, seen=()):
        return any(t == goal or (t not in seen and reaches(t, goal, seen + (t,)))
                   for t in graph.get(start, ()))

    circles = sorted(u for u in graph if reaches(u, u))
    assert not circles, circles


def test_every_unit_is_classified():
    units = {_unit(os.path.join(_PACKAGE, n)) for n in os.listdir(_PACKAGE)
             if n.endswith(".py") or os.path.isfile(os.path.join(_PACKAGE, n, "__init__.py"))}
    unknown = units - {"__init__"} - set(ALLOWED) - EDGES
    assert not unknown, f"place {sorted(unknown)} in ALLOWED or EDGES"


@pytest.mark.parametrize("source, unit, target", [
    ("from tf_deepexag import data\n", "geometry", "data"),
    ("from tf_deepexag.training import loop\n", "style", "training"),
    ("def f():\n    from ..style import processing\n", "geometry", "style"),
])
def test_the_check_sees_each_kind_of_import(tmp_path, monkeypatch, source, unit, target):
    folder = tmp_path / "tf_deepexag" / unit
    folder.mkdir(parents=True)
    (folder / "bad.py").write_text(source)
    monkeypatch.setattr(sys.modules[__name__], "_PACKAGE", str(tmp_path / "tf_deepexag"))
    assert [(u, t) for u, t, _ in _edges()] == [(unit, target)]
    with pytest.raises(AssertionError, match=f"{unit} imports {target}"):
        test_no_stage_imports_data_training_or_a_later_stage()
