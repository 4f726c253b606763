"""Builds an unpaired style dataset from folders of photos and caricatures.

The output is the U-GAT-IT layout `read_unpaired_folder` reads: photos in
`trainA/`, `testA/` (domain A, the translator's input), caricatures in
`trainB/`, `testB/`, each a face-centred square PNG of `size` pixels
(`face_crop`). Every image is placed, in this order, by:
1. the detector (`detect.FaceLandmarker`, the largest face);
2. its landmark file when a landmarks folder is given (WebCaricature's
   `FacialPoints/<Person>/<stem>.txt` with 17 points, or 68-point `.pts`/
   `.txt` mirroring the image folder), for the drawings that defeat the
   detector, or first with `prefer_landmarks`;
3. the largest centred square (`no_face="centre"`), or it is left out
   (`no_face="skip"`).
Images are found recursively; output names are the relative paths with `/`
turned into `_`. The split keeps each first-level subfolder (a person, in
WebCaricature) on one side, or splits single files when the folder is flat.
`crops.csv` records each output's source, method and crop box.
"""

import csv
import dataclasses
import io
import math
import os

import numpy as np
from absl import logging

from tf_deepexag import detect, fileio, landmarks
from tf_deepexag.data import face_crop

METHODS = ("detector", "landmarks", "centre")
NO_FACE_POLICIES = ("centre", "skip")
_POINT_COUNTS = (68, 17)


@dataclasses.dataclass(frozen=True)
class Source:
    """One domain's input.

    Attributes:
        folder: the image folder (searched recursively).
        landmarks: optional folder of landmark files mirroring `folder`
            (`<rel dir>/<stem>.txt` or `.pts`, 68 or 17 points).
        prefix: only file names starting with this (WebCaricature: `"P"`
            photos, `"C"` caricatures). Defaults to all.
    """

    folder: str
    landmarks: str = None
    prefix: str = ""


@dataclasses.dataclass
class DomainReport:
    """What happened to one domain's images.

    Attributes:
        found: images listed.
        methods: dict of method (`METHODS`) to the number of crops it placed.
        train, test: images written to each split.
        skipped: list of `(file, reason)` left out.
    """

    found: int = 0
    methods: dict = dataclasses.field(default_factory=lambda: dict.fromkeys(METHODS, 0))
    train: int = 0
    test: int = 0
    skipped: list = dataclasses.field(default_factory=list)


def webcaricature_sources(root):
    """`(photos, caricatures)` `Source`s of a WebCaricature copy.

    Args:
        root: the folder holding `OriginalImages/` and `FacialPoints/`.

    Raises:
        FileNotFoundError: `OriginalImages/` is missing.
    """
    images = os.path.join(os.fspath(root), "OriginalImages")
    if not os.path.isdir(images):
        raise FileNotFoundError(f"{root} has no OriginalImages/ folder (WebCaricature layout).")
    points = os.path.join(os.fspath(root), "FacialPoints")
    points = points if os.path.isdir(points) else None
    return Source(images, points, "P"), Source(images, points, "C")


def list_images(source):
    """Relative paths of `source`'s images (recursive, sorted, prefix-filtered)."""
    source = _as_source(source, "source")
    if not os.path.isdir(source.folder):
        raise FileNotFoundError(f"No such image folder: {source.folder}")
    found = []
    for folder, dirs, files in os.walk(source.folder):
        dirs.sort()
        for name in sorted(files):
            if (name.lower().endswith(fileio.IMAGE_EXTENSIONS) and not name.startswith(".")
                    and name.startswith(source.prefix)):
                found.append(os.path.relpath(os.path.join(folder, name), source.folder))
    return found


def _split(files, test_fraction, seed):
    """Set of files in the test split: whole first-level groups, ~test_fraction."""
    groups = {}
    for rel in files:
        parts = rel.split(os.sep)
        groups.setdefault(parts[0] if len(parts) > 1 else rel, []).append(rel)
    keys = sorted(groups)
    np.random.default_rng(seed).shuffle(keys)
    target = math.ceil(test_fraction * len(files)) if test_fraction > 0 else 0
    test = set()
    for key in keys[:-1]:  # at least one group stays for training
        if len(test) >= target:
            break
        test.update(groups[key])
    return test


def _landmark_points(source, rel):
    """The landmark file's points for image `rel`, or None when there is no file."""
    if not source.landmarks:
        return None
    stem = os.path.splitext(rel)[0]
    for ext in (".txt", ".pts"):
        path = os.path.join(source.landmarks, stem + ext)
        if os.path.isfile(path):
            break
    else:
        return None
    errors = []
    for n in _POINT_COUNTS:
        try:
            return landmarks.read_pts(path, num_points=n)
        except ValueError as e:
            errors.append(str(e))
    raise ValueError(f"landmarks {path} hold neither 68 nor 17 points ({errors[0]})")


def _place(image, source, rel, landmarker, prefer_landmarks, scale):
    """`(method, box, note)` for one image, or `(None, None, reason)`."""
    h, w = image.shape[:2]
    note = ""

    def from_landmarks():
        nonlocal note
        try:
            points = _landmark_points(source, rel)
        except ValueError as e:
            note = str(e)
            return None
        return None if points is None else face_crop.face_square(points, scale)

    def from_detector():
        try:
            face = landmarker(image)[0]
        except detect.NoFaceError:
            return None
        return face_crop.face_square(face.points, scale)

    order = (("landmarks", from_landmarks), ("detector", from_detector))
    for method, find in (order if prefer_landmarks else order[::-1]):
        square = find()
        if square is not None:
            return method, face_crop.fit_square(*square, w, h), note
    return "centre", face_crop.centre_square(w, h), note


def build_unpaired_folder(photos, caricatures, out, size=256, test_fraction=0.1, *,
                          no_face="centre", prefer_landmarks=False, scale=1.0, seed=0,
                          landmarker=None, progress=None):
    """Writes face-centred crops of photos (A) and caricatures (B) to `out`.

    Args:
        photos, caricatures: `Source` (or a folder path) of each domain.
        out: output folder; its `trainA/`, `trainB/`, `testA/`, `testB/` must
            not hold images yet.
        size: int, output side in pixels. Defaults to `256`.
        test_fraction: float in [0, 1), share of each domain in `test*/`.
            Defaults to `0.1`.
        no_face: `"centre"` (largest centred square) or `"skip"` for images
            neither the detector nor a landmark file places. Defaults to
            `"centre"`.
        prefer_landmarks: bool, use landmark files before the detector.
            Defaults to `False`.
        scale: float, multiplies the crop side. Defaults to `1.0`.
        seed: int, seed of the split. Defaults to `0`.
        landmarker: a `detect.FaceLandmarker`; defaults to a new one.
        progress: optional callable, called once per image.

    Returns:
        dict `{"A": DomainReport, "B": DomainReport}`.

    Raises:
        ValueError: a bad argument (named), or a domain without usable images.
        FileNotFoundError: a missing folder.
        FileExistsError: `out` already holds a dataset.
    """
    if int(size) < 8:
        raise ValueError(f"`size` must be at least 8, got {size}.")
    if not 0.0 <= float(test_fraction) < 1.0:
        raise ValueError(f"`test_fraction` must be in [0, 1), got {test_fraction}.")
    if no_face not in NO_FACE_POLICIES:
        raise ValueError(f"`no_face` must be one of {NO_FACE_POLICIES}, got {no_face!r}.")
    if not float(scale) > 0:
        raise ValueError(f"`scale` must be positive, got {scale}.")
    out = os.fspath(out)
    sources = {"A": _as_source(photos, "photos"), "B": _as_source(caricatures, "caricatures")}
    listed = {d: list_images(s) for d, s in sources.items()}
    for domain, files in listed.items():
        if not files:
            raise ValueError(f"No images in {sources[domain].folder} (extensions "
                             f"{', '.join(fileio.IMAGE_EXTENSIONS)}).")
    for folder in domain_folders(out):
        if os.path.isdir(folder) and fileio.list_images(folder):
            raise FileExistsError(f"{folder} already holds images; choose an empty --out.")
    landmarker = landmarker or detect.FaceLandmarker()
    for folder in domain_folders(out):
        os.makedirs(folder, exist_ok=True)  # the whole layout, test/ even if empty
    reports, rows = {}, []
    for domain, source in sources.items():
        reports[domain] = report = DomainReport(found=len(listed[domain]))
        test = _split(listed[domain], test_fraction, seed)
        names = set()
        for rel in listed[domain]:
            row = _one(source, rel, domain, rel in test, out, size, no_face,
                       prefer_landmarks, scale, landmarker, report, names)
            if row:
                rows.append(row)
            if progress:
                progress()
        if report.train == 0:
            raise ValueError(f"No usable training image in {source.folder} "
                             f"({len(report.skipped)} skipped).")
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(("file", "source", "method", "x0", "y0", "x1", "y1"))
    writer.writerows(rows)
    fileio.write_text_atomic(os.path.join(out, "crops.csv"), text.getvalue())
    logging.info("Unpaired dataset %s: %s", out, {d: dataclasses.asdict(r) for d, r in
                                                  reports.items()})
    return reports


def domain_folders(out):
    """The four domain folders of an unpaired dataset at `out`."""
    return [os.path.join(out, split + domain) for split in ("train", "test")
            for domain in "AB"]


def _as_source(value, name):
    if isinstance(value, Source):
        return value
    if isinstance(value, (str, os.PathLike)):
        return Source(os.fspath(value))
    raise ValueError(f"`{name}` must be a folder or a Source, got {type(value).__name__}.")


def _one(source, rel, domain, is_test, out, size, no_face, prefer_landmarks, scale,
         landmarker, report, names):
    """Crops and writes one image; returns its crops.csv row or None."""
    path = os.path.join(source.folder, rel)
    try:
        image = fileio.read_image(path)
    except (OSError, ValueError) as e:
        report.skipped.append((path, str(e)))
        return None
    method, box, note = _place(image, source, rel, landmarker, prefer_landmarks, scale)
    if note:
        logging.warning("%s: %s", path, note)
    if method == "centre" and no_face == "skip":
        report.skipped.append((path, "no face found" + (f"; {note}" if note else "")))
        return None
    name = os.path.splitext(rel)[0].replace(os.sep, "_")
    while name in names:  # `a_b/c` and `a/b_c` meet as `a_b_c`
        name += "_"
    names.add(name)
    split = "test" if is_test else "train"
    file = os.path.join(split + domain, name + ".png")
    fileio.write_image(os.path.join(out, file), face_crop.crop_resize(image, box, size))
    report.methods[method] += 1
    setattr(report, split, getattr(report, split) + 1)
    return (file, path, method, *box)
