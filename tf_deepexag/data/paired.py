"""Paired photo/caricature landmark sets and the `pairs.csv` folder reader.

The paired layout (MMC-style; DESIGN.md, Data formats) is a folder with
`pairs.csv`: `person,photo_image,photo_points,caricature_image,caricature_points`,
paths relative to the CSV. Points files are `.pts` or N-row `x y` text; the
image columns may be empty (geometry training needs only points).

Shapes: P pairs, N points.
"""

import csv
import dataclasses
import os
from typing import Optional

import numpy as np
from absl import logging

from tf_deepexag import fileio, landmarks
from tf_deepexag.errors import UserError

PAIRS_FILE = "pairs.csv"
COLUMNS = ("person", "photo_image", "photo_points", "caricature_image",
           "caricature_points")
ON_ERROR = ("skip", "fail")


@dataclasses.dataclass(frozen=True)
class PairedLandmarks:
    """Photo and caricature landmarks of P pairs.

    Attributes:
        photo: float32 `(P, N, 2)` photo landmarks (x, y) pixels.
        caricature: float32 `(P, N, 2)` caricature landmarks.
        persons: `(P,)` array of str, the identity of each pair.
        photo_images: list of P image paths or None.
        caricature_images: list of P image paths or None.
        rejected: list of `(file, reason)` skipped while reading.
    """

    photo: np.ndarray
    caricature: np.ndarray
    persons: np.ndarray
    photo_images: list = dataclasses.field(default_factory=list)
    caricature_images: list = dataclasses.field(default_factory=list)
    rejected: list = dataclasses.field(default_factory=list)

    def __post_init__(self):
        p = len(self.photo)
        if self.caricature.shape != self.photo.shape or len(self.persons) != p:
            raise UserError(
                f"Inconsistent pairs: photo {self.photo.shape}, caricature "
                f"{self.caricature.shape}, persons {len(self.persons)}.")
        for name in ("photo_images", "caricature_images"):
            if not getattr(self, name):
                object.__setattr__(self, name, [None] * p)
            elif len(getattr(self, name)) != p:
                raise UserError(f"`{name}` has {len(getattr(self, name))} entries for "
                                 f"{p} pairs.")

    def __len__(self):
        return len(self.photo)

    @property
    def num_persons(self):
        return len(set(self.persons.tolist()))

    def subset(self, indices):
        """The pairs at `indices` (rejected files are not carried over)."""
        indices = np.asarray(indices, dtype=np.int64)
        return PairedLandmarks(
            self.photo[indices], self.caricature[indices], self.persons[indices],
            [self.photo_images[i] for i in indices],
            [self.caricature_images[i] for i in indices])


def check_on_error(on_error):
    if on_error not in ON_ERROR:
        raise UserError(f"`on_error` must be one of {ON_ERROR}, got {on_error!r}.")


def collect(records, rejected, on_error, source):
    """Builds `PairedLandmarks` from `(person, photo_pts, car_pts, photo_img,
    car_img)` records, failing clearly when nothing usable is left."""
    if not records:
        reasons = "; ".join(f"{f}: {r}" for f, r in rejected[:5])
        raise UserError(f"No usable pairs in {source}" +
                         (f" ({len(rejected)} rejected: {reasons})" if rejected else "."))
    persons, photo, caricature, photo_images, caricature_images = zip(*records)
    return PairedLandmarks(
        np.stack(photo).astype(np.float32), np.stack(caricature).astype(np.float32),
        np.asarray(persons, dtype=str), list(photo_images), list(caricature_images),
        list(rejected))


def error_type(error):
    """The exception class a reader raises for `error` with `on_error="fail"`."""
    return FileNotFoundError if isinstance(error, FileNotFoundError) else UserError


def reject(rejected, on_error, file, reason, error=UserError):
    """Records a bad file, or raises `error` when `on_error="fail"`."""
    if on_error == "fail":
        raise error(f"{file}: {reason}")
    logging.warning("Skipping %s: %s", file, reason)
    rejected.append((file, reason))


def read_paired_folder(folder, on_error="fail", scheme=landmarks.IBUG68,
                       check_images=False):
    """Reads a paired landmark dataset folder (`pairs.csv` + points files).

    Args:
        folder: str, the folder holding `pairs.csv`.
        on_error: `"fail"` raises at the first bad row or file; `"skip"` leaves
            it out and records it in `.rejected`. Defaults to `"fail"`.
        scheme: the `LandmarkScheme` of the points. Defaults to `IBUG68`.
        check_images: bool. False only checks that listed images exist (enough
            for geometry training); True also decodes them, so an image that
            does not decode is rejected. Defaults to `False`.

    Returns:
        `PairedLandmarks`.

    Raises:
        FileNotFoundError: no folder or no `pairs.csv`; a missing file with
            `on_error="fail"`.
        ValueError: missing columns; a bad row or file with `on_error="fail"`
            (the message names the file and CSV line); no usable pairs.
    """
    check_on_error(on_error)
    csv_path = os.path.join(os.fspath(folder), PAIRS_FILE)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"No such dataset folder: {folder}")
    if not os.path.isfile(csv_path):
        raise FileNotFoundError(f"{folder} has no {PAIRS_FILE} (expected columns "
                                f"{','.join(COLUMNS)}).")
    try:
        with open(csv_path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            fieldnames = list(reader.fieldnames or ())
            rows = [(reader.line_num, row) for row in reader]
    except (UnicodeDecodeError, csv.Error) as e:
        raise UserError(f"{csv_path} is not a readable UTF-8 CSV file ({e}).") from e
    missing = [c for c in COLUMNS if c not in fieldnames]
    if missing:
        raise UserError(f"{csv_path} lacks columns {missing}; it has {fieldnames}.")
    records, rejected = [], []
    for line, row in rows:
        record = _read_row(folder, row, scheme, f"{csv_path}:{line}", rejected, on_error,
                           check_images)
        if record is not None:
            records.append(record)
    return collect(records, rejected, on_error, csv_path)


def check_image(path, decode, rejected, on_error, where, what="image"):
    """True if the image at `path` exists (and decodes, if `decode`); else
    rejects it (or raises) and returns False."""
    if not os.path.isfile(path):
        reject(rejected, on_error, where, f"`{what}` file not found: {path}",
               FileNotFoundError)
        return False
    if decode:
        try:
            fileio.read_image(path)
        except ValueError as e:  # fileio.ImageReadError is a ValueError
            reject(rejected, on_error, where, f"`{what}` {e}")
            return False
    return True


def _resolve(folder, relative) -> Optional[str]:
    relative = (relative or "").strip()
    return os.path.join(folder, relative) if relative else None


def _read_row(folder, row, scheme, where, rejected, on_error, check_images):
    person = (row.get("person") or "").strip()
    if not person:
        reject(rejected, on_error, where, "empty `person`")
        return None
    points = []
    for column in ("photo_points", "caricature_points"):
        path = _resolve(folder, row.get(column))
        if path is None:
            reject(rejected, on_error, where, f"empty `{column}`")
            return None
        try:
            points.append(landmarks.read_pts(path, num_points=scheme.num_points))
        except (OSError, ValueError) as e:  # missing, unreadable or malformed
            reject(rejected, on_error, where, str(e), error_type(e))
            return None
    images = []
    for column in ("photo_image", "caricature_image"):
        path = _resolve(folder, row.get(column))
        if path is not None and not check_image(path, check_images, rejected, on_error,
                                                where, column):
            return None
        images.append(path)
    return person, points[0], points[1], images[0], images[1]
