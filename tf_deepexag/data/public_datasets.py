"""Readers of public caricature datasets.

- WebCaricature (Huo et al., BMVC 2018; 252 persons): landmarks in
  `FacialPoints/<Person>/<C|P>xxxxx.txt`, 17 `x y` rows
  (`landmarks.WEBCARICATURE17`; C = caricature, P = photo), images in
  `OriginalImages/<Person>/<C|P>xxxxx.jpg`. Pairs are built per person from
  every photo x caricature combination, in rounds: round r pairs caricature j
  with photo (j + r) mod n_photos, so the first pairs of a person use each
  caricature once with spread-out photos; `max_pairs_per_person` caps them.
- Caricature-Data (Wu et al., "Alive Caricature from 2D to 3D", CVPR 2018;
  github.com/QianyiWu/Caricature-Data): one flat folder
  `Caricature_w_landmark/` of caricatures `N.jpg` with `N.txt` holding 68
  iBUG `x y` rows. It has no photos and no identities, so the reader returns
  a `LandmarkSet` (caricature points + images), not pairs; use it for
  caricature statistics or as style-domain images.
"""

import glob
import os
import re

import numpy as np

from tf_deepexag import landmarks
from tf_deepexag.errors import UserError
from tf_deepexag.data import landmark_set, paired

_IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")
CARICATURE_DATA_SUBFOLDER = "Caricature_w_landmark"


def _image_beside(path_without_ext):
    for ext in _IMAGE_EXTENSIONS + tuple(e.upper() for e in _IMAGE_EXTENSIONS):
        if os.path.isfile(path_without_ext + ext):
            return path_without_ext + ext
    return None


def _read_face(points_path, image_path, scheme, rejected, on_error, check_images):
    """`(points, image)` of one annotated image, or None if it is rejected."""
    try:
        points = landmarks.read_pts(points_path, num_points=scheme.num_points)
    except (OSError, ValueError) as e:  # missing, unreadable or malformed
        paired.reject(rejected, on_error, points_path, str(e), paired.error_type(e))
        return None
    if image_path is not None and check_images and not paired.check_image(
            image_path, True, rejected, on_error, image_path):
        return None
    return points, image_path


def _round_robin(num_photos, num_caricatures):
    """`(photo, caricature)` indices of all combinations, in rounds."""
    return [((j + r) % num_photos, j) for r in range(num_photos)
            for j in range(num_caricatures)]


def read_webcaricature(folder, on_error="fail", max_pairs_per_person=50,
                       check_images=False):
    """Reads WebCaricature's 17-point landmarks as photo/caricature pairs.

    Args:
        folder: str, the dataset root (holding `FacialPoints/`).
        on_error: `"fail"` or `"skip"` (see `read_paired_folder`).
        max_pairs_per_person: int, cap on the pairs of one person. Defaults to 50.
        check_images: bool, also decode the images found. Defaults to `False`.

    Returns:
        `PairedLandmarks` with `(P, 17, 2)` points; images are None where the
        `OriginalImages/` file is absent.

    Raises:
        FileNotFoundError: no `FacialPoints/` folder; a missing file with
            `on_error="fail"`.
        ValueError: a bad file with `on_error="fail"`, or no usable pairs.
    """
    paired.check_on_error(on_error)
    if int(max_pairs_per_person) < 1:
        raise UserError(f"`max_pairs_per_person` must be positive, got "
                         f"{max_pairs_per_person}.")
    points_root = os.path.join(os.fspath(folder), "FacialPoints")
    if not os.path.isdir(points_root):
        raise FileNotFoundError(f"{folder} has no FacialPoints/ folder (WebCaricature "
                                "layout).")
    people, rejected = {}, []
    for path in sorted(glob.glob(os.path.join(points_root, "*", "*.txt"))):
        person = os.path.basename(os.path.dirname(path))
        stem = os.path.splitext(os.path.basename(path))[0]
        kind = stem[:1].upper()
        if kind not in ("C", "P"):
            paired.reject(rejected, on_error, path, "name must start with C or P")
            continue
        image = _image_beside(os.path.join(folder, "OriginalImages", person, stem))
        face = _read_face(path, image, landmarks.WEBCARICATURE17, rejected, on_error,
                          check_images)
        if face is not None:
            photos, caricatures = people.setdefault(person, ([], []))
            (photos if kind == "P" else caricatures).append(face)
    records = []
    for person in sorted(people):
        photos, caricatures = people[person]
        combos = _round_robin(len(photos), len(caricatures))[:max_pairs_per_person]
        for p, c in combos:
            records.append((person, photos[p][0], caricatures[c][0], photos[p][1],
                            caricatures[c][1]))
    return paired.collect(records, rejected, on_error, points_root)


def _numeric_key(path):
    stem = os.path.splitext(os.path.basename(path))[0]
    return (0, int(stem), "") if re.fullmatch(r"\d+", stem) else (1, 0, stem)


def read_caricature_data(folder, on_error="fail", check_images=False):
    """Reads Caricature-Data: caricature images `N.jpg` with 68-point `N.txt`.

    Args:
        folder: str, the repository root (holding `Caricature_w_landmark/`) or
            any flat folder of `N.txt` (+ `N.jpg`/`.png`) files.
        on_error: `"fail"` or `"skip"`.
        check_images: bool, also decode the images. Defaults to `False`.

    Returns:
        `LandmarkSet`: `(K, 68, 2)` caricature points, names (file stems, in
        numeric order), image paths (None where no image is beside the text).

    Raises:
        FileNotFoundError: no such folder; a missing file with `on_error="fail"`.
        ValueError: a bad file with `on_error="fail"`, or no usable face.
    """
    paired.check_on_error(on_error)
    folder = os.fspath(folder)
    if os.path.isdir(os.path.join(folder, CARICATURE_DATA_SUBFOLDER)):
        folder = os.path.join(folder, CARICATURE_DATA_SUBFOLDER)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"No such folder: {folder}")
    points, names, images, rejected = [], [], [], []
    for path in sorted(glob.glob(os.path.join(folder, "*.txt")), key=_numeric_key):
        stem = os.path.splitext(path)[0]
        face = _read_face(path, _image_beside(stem), landmarks.IBUG68, rejected, on_error,
                          check_images)
        if face is not None:
            points.append(face[0])
            images.append(face[1])
            names.append(os.path.basename(stem))
    if not points:
        reasons = "; ".join(f"{f}: {r}" for f, r in rejected[:5])
        raise UserError(f"No usable landmark files in {folder}" +
                         (f" ({len(rejected)} rejected: {reasons})" if rejected else "."))
    return landmark_set.LandmarkSet(np.stack(points).astype(np.float32),
                                    np.asarray(names, dtype=str), images, rejected)
