"""Readers of public caricature datasets, returning `PairedLandmarks`.

- Caricature-Data (Cao et al., CariGANs): a folder of `N.jpg` + `N.txt`, the
  text file holding 68 `x y` rows. The reader pairs the folder `photo_dir`
  with `caricature_dir` by person, where a person is a sub-folder name (the
  release sorts images by identity); pairs are every photo x caricature of a
  person.
- WebCaricature (Huo et al. 2018): `FacialPoints/<Person>/<C|P>xxxxx.txt` with
  17 `x y` rows (C = caricature, P = photo) and images in
  `OriginalImages/<Person>/<C|P>xxxxx.jpg`; pairs are every photo x caricature
  of a person, capped by `max_pairs_per_person`.
"""

import glob
import itertools
import os

from tf_deepexag import landmarks
from tf_deepexag.data import paired

_IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")


def _image_beside(path_without_ext):
    for ext in _IMAGE_EXTENSIONS:
        if os.path.isfile(path_without_ext + ext):
            return path_without_ext + ext
    return None


def _read_points(path, scheme, rejected, on_error):
    try:
        return landmarks.read_pts(path, num_points=scheme.num_points)
    except (FileNotFoundError, ValueError) as e:
        paired.reject(rejected, on_error, path, str(e))
        return None


def _pairs_per_person(people, scheme, rejected, on_error, max_pairs):
    """`people`: {person: ([photo (pts, img)], [caricature (pts, img)])}."""
    records = []
    for person in sorted(people):
        photos, caricatures = people[person]
        combos = itertools.product(photos, caricatures)
        for (p_pts, p_img), (c_pts, c_img) in itertools.islice(combos, max_pairs):
            p = _read_points(p_pts, scheme, rejected, on_error)
            c = _read_points(c_pts, scheme, rejected, on_error)
            if p is not None and c is not None:
                records.append((person, p, c, p_img, c_img))
    return records


def read_webcaricature(folder, on_error="fail", max_pairs_per_person=50):
    """Reads WebCaricature's 17-point landmarks as photo/caricature pairs.

    Raises:
        FileNotFoundError: no `FacialPoints/` folder.
        ValueError: bad files with `on_error="fail"`, or no usable pairs.
    """
    paired.check_on_error(on_error)
    points_root = os.path.join(folder, "FacialPoints")
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
        photos, caricatures = people.setdefault(person, ([], []))
        (photos if kind == "P" else caricatures).append((path, image))
    records = _pairs_per_person(people, landmarks.WEBCARICATURE17, rejected, on_error,
                                max_pairs_per_person)
    return paired.collect(records, rejected, on_error, points_root)


def read_caricature_data(photo_dir, caricature_dir, on_error="fail",
                         max_pairs_per_person=50):
    """Reads Caricature-Data style folders (`<person>/N.jpg` + `N.txt`, 68 points).

    Raises:
        FileNotFoundError: a folder is missing.
        ValueError: bad files with `on_error="fail"`, or no usable pairs.
    """
    paired.check_on_error(on_error)
    people, rejected = {}, []
    for slot, root in enumerate((photo_dir, caricature_dir)):
        if not os.path.isdir(root):
            raise FileNotFoundError(f"No such folder: {root}")
        for path in sorted(glob.glob(os.path.join(root, "*", "*.txt"))):
            person = os.path.basename(os.path.dirname(path))
            image = _image_beside(os.path.splitext(path)[0])
            people.setdefault(person, ([], []))[slot].append((path, image))
    records = _pairs_per_person(people, landmarks.IBUG68, rejected, on_error,
                                max_pairs_per_person)
    return paired.collect(records, rejected, on_error, f"{photo_dir} + {caricature_dir}")
