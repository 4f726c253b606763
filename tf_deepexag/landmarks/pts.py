"""iBUG `.pts` files: `version: 1`, `n_points: N`, `{`, N lines `x y`, `}`.

Plain text files of N `x y` lines (Caricature-Data, MMC exports) read the same way.
"""

import os

import numpy as np

from tf_deepexag import fileio
from tf_deepexag.errors import UserError


def parse_points_text(text, source="<text>", num_points=None):
    """Parses `.pts` text or a plain `x y` per line text into `(N, 2)` float32.

    Args:
        text: the file contents.
        source: the file name, for error messages.
        num_points: the expected count; `None` accepts any.

    Raises:
        errors.UserError (a ValueError): malformed header, non-numeric values,
            values not finite in float32, or a count other than `num_points`;
            the message names file and line.
    """
    lines = text.splitlines()
    rows, declared = [], None
    in_block = not any(line.strip() == "{" for line in lines)
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("version:"):
            continue
        if line.startswith("n_points:"):
            try:
                declared = int(line.split(":", 1)[1])
            except ValueError as e:
                raise UserError(f"{source}:{number}: bad n_points line {line!r}") from e
            continue
        if line == "{":
            in_block = True
            continue
        if line == "}":
            in_block = False
            continue
        if not in_block:
            raise UserError(f"{source}:{number}: unexpected line {line!r}")
        fields = line.replace(",", " ").split()
        if len(fields) != 2:
            raise UserError(f"{source}:{number}: expected 'x y', got {line!r}")
        try:
            x, y = float(fields[0]), float(fields[1])
        except ValueError as e:
            raise UserError(f"{source}:{number}: non-numeric value in {line!r}") from e
        # Checked in float32, the stored type: 1e39 is finite in float64 only.
        with np.errstate(over="ignore"):
            xy = np.asarray((x, y), np.float32)
        if not np.all(np.isfinite(xy)):
            raise UserError(f"{source}:{number}: non-finite value in {line!r}"
                            " (points are float32: |value| < 3.4e38)")
        rows.append((x, y))
    if declared is not None and declared != len(rows):
        raise UserError(f"{source}: header says {declared} points, found {len(rows)}")
    if num_points is not None and len(rows) != num_points:
        raise UserError(f"{source}: expected {num_points} points, found {len(rows)}")
    return np.asarray(rows, dtype=np.float32).reshape(-1, 2)


def read_pts(path, num_points=68):
    """Reads a `.pts` file (or a plain `x y` per line file) as `(N, 2)` float32.

    Raises:
        FileNotFoundError: `path` does not exist.
        errors.UserError: the file is malformed (message names file and line).
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No such points file: {path}")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except UnicodeDecodeError as e:
        raise UserError(f"{path}: not a text file (UTF-8 expected)") from e
    return parse_points_text(text, source=path, num_points=num_points)


def format_pts(points):
    """Returns the iBUG `.pts` text of `(N, 2)` points."""
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"`points` must have shape (N, 2), got {points.shape}.")
    if not np.all(np.isfinite(points)):
        raise ValueError("`points` contains NaN or inf values.")
    # 9 significant digits round-trip any float32 exactly.
    body = "\n".join(f"{np.float32(x):.9g} {np.float32(y):.9g}" for x, y in points)
    return f"version: 1\nn_points: {len(points)}\n{{\n{body}\n}}\n"


def write_pts(path, points):
    """Writes `(N, 2)` points to `path` as an iBUG `.pts` file, atomically."""
    fileio.write_text_atomic(path, format_pts(points))
