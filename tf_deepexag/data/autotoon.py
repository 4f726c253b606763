"""AutoToon (adobe-research/AutoToon, WACV 2020): landmark pairs from artist warps.

The dataset holds 101 portraits (`dataset/photos`, Flickr Creative Commons,
listed in `dataset/ImageMetadata.csv`), their caricatures warped by the
authors' artists (`dataset/caricatures`) and the artists' warp fields at two
resolutions (`dataset/warp16`, `dataset/warp32`). Caricature landmarks are the
photo's 68 detected points mapped through the artist's field
(`autotoon_warp`); points detected on the caricature image are kept beside
them as a cross-check. The fixed split is the authors' `test_idx`
(`_make_train_test_split` in their `dataset.py`): positions in the sorted file
list.

The derived landmarks ship as `tf_deepexag/assets/autotoon_landmarks.json`
(no images; attribution in `assets/NOTICE`), so training and tests need no
clone. `read_autotoon` rebuilds them from a clone.

Head points (`landmarks.head`): K points around the head placed in a face
frame of the photo's 68 points; their caricature positions are the same photo
points mapped through the artist's field, stored as `caricature_head`.

Shapes: P pairs, N = 68 points, K = `landmarks.NUM_HEAD_POINTS`.
"""

import csv
import dataclasses
import os

import numpy as np
from absl import logging

from tf_deepexag import fileio, landmarks
from tf_deepexag.data import autotoon_warp
from tf_deepexag.data.paired import PairedLandmarks

# `test_idx` of AutoToon's dataset.py: 0-based positions in the sorted file list.
TEST_INDICES = (1, 10, 16, 24, 40, 50, 60, 80, 87, 93, 100)
FOLDERS = ("photos", "caricatures", "warp16", "warp32")
WARPS = ("warp32", "warp16")
METADATA_FILE = "ImageMetadata.csv"
ASSET_FILE = "autotoon_landmarks.json"
SPLITS = ("train", "test", "all")
TARGETS = ("warp", "detected")
_FORMAT = "tf_deepexag.autotoon_landmarks/1"


@dataclasses.dataclass(frozen=True)
class AutoToonLandmarks:
    """Landmarks of AutoToon's pairs.

    Attributes:
        ids: `(P,)` str, the file stems ("00001" ...).
        photo: float32 `(P, N, 2)` points detected on the photos (pixels).
        caricature: float32 `(P, N, 2)` photo points mapped through the
            artist's warp field (the training target).
        detected: float32 `(P, N, 2)` points detected on the caricature
            images (NaN where none was found): the cross-check.
        is_test: bool `(P,)`, the authors' test split.
        licence: `(P,)` str, the photo's licence (ImageMetadata.csv), "" if
            unlisted.
        source: `(P,)` str, the photo's Flickr address ("" if unlisted).
        author: `(P,)` str, the photo's author (the CSV's "Artist" column:
            the Flickr photographer, not the caricaturist).
        image_size: `(P, 2)` int, `(H, W)` of each photo.
        caricature_head: float32 `(P, K, 2)` the photo's head points
            (`photo_head`) mapped through the artist's warp field.
    """

    ids: np.ndarray
    photo: np.ndarray
    caricature: np.ndarray
    detected: np.ndarray
    is_test: np.ndarray
    licence: np.ndarray
    source: np.ndarray
    author: np.ndarray
    image_size: np.ndarray
    caricature_head: np.ndarray

    def __post_init__(self):
        p = len(self.ids)
        for name, dtype in (("ids", str), ("photo", np.float32), ("caricature", np.float32),
                            ("detected", np.float32), ("is_test", bool),
                            ("licence", str), ("source", str), ("author", str),
                            ("image_size", np.int64), ("caricature_head", np.float32)):
            value = np.asarray(getattr(self, name)).astype(dtype)
            if len(value) != p:
                raise ValueError(f"`{name}` has {len(value)} rows for {p} ids.")
            object.__setattr__(self, name, value)
        for name in ("photo", "caricature", "detected"):
            if getattr(self, name).shape[1:] != (68, 2):
                raise ValueError(f"`{name}` must be (P, 68, 2), got "
                                 f"{getattr(self, name).shape}.")
        if self.caricature_head.shape[1:] != (landmarks.NUM_HEAD_POINTS, 2):
            raise ValueError(f"`caricature_head` must be (P, {landmarks.NUM_HEAD_POINTS}, "
                             f"2), got {self.caricature_head.shape}.")

    @property
    def photo_head(self):
        """float32 `(P, K, 2)`: the photos' head points (`landmarks.head_points`)."""
        return landmarks.head_points(self.photo.astype(np.float64)).numpy().astype(np.float32)

    def __len__(self):
        return len(self.ids)

    def pairs(self, split="all", target="warp", head=False):
        """`PairedLandmarks` of a split; the persons are the ids.

        Args:
            split: "train", "test" or "all".
            target: "warp" (the mapped points) or "detected" (the points
                detected on the caricatures; pairs without them are left out).
            head: bool, return `(P, 68 + K, 2)` points (the landmarks followed
                by the head points; `landmarks.IBUG68_HEAD`), "warp" only.
        """
        if head and target != "warp":
            raise ValueError("Head points have warp targets only (`target`='warp').")
        if split not in SPLITS:
            raise ValueError(f"`split` must be one of {SPLITS}, got {split!r}.")
        if target not in TARGETS:
            raise ValueError(f"`target` must be one of {TARGETS}, got {target!r}.")
        keep = np.ones(len(self), bool) if split == "all" else (self.is_test == (split == "test"))
        caricature = self.caricature if target == "warp" else self.detected
        keep &= np.all(np.isfinite(caricature), axis=(1, 2))
        index = np.flatnonzero(keep)
        if head:
            photo = np.concatenate([self.photo, self.photo_head], axis=1)
            caricature = np.concatenate([caricature, self.caricature_head], axis=1)
            return PairedLandmarks(photo[index], caricature[index], self.ids[index])
        return PairedLandmarks(self.photo[index], caricature[index], self.ids[index])

    def to_json(self):
        rows = []
        for i in range(len(self)):
            rows.append({
                "id": str(self.ids[i]), "split": "test" if self.is_test[i] else "train",
                "licence": str(self.licence[i]), "source": str(self.source[i]),
                "author": str(self.author[i]),
                "image_size": [int(v) for v in self.image_size[i]],
                "photo": _round(self.photo[i]), "caricature": _round(self.caricature[i]),
                "caricature_detected": (None if not np.all(np.isfinite(self.detected[i]))
                                        else _round(self.detected[i])),
                "caricature_head": _round(self.caricature_head[i])})
        return {"format": _FORMAT, "head_template": _round(landmarks.head.HEAD_TEMPLATE),
                "rows": rows}

    @classmethod
    def from_json(cls, obj, name="landmarks"):
        if not isinstance(obj, dict) or obj.get("format") != _FORMAT:
            raise ValueError(f"{name} is not an AutoToon landmark file (format "
                             f"{_FORMAT!r}).")
        rows = obj.get("rows") or []
        missing = [k for k in ("id", "split", "photo", "caricature", "caricature_head")
                   if rows and k not in rows[0]]
        if not rows or missing:
            raise ValueError(f"{name} has no rows or lacks {missing}.")
        template = np.asarray(obj.get("head_template", []), np.float64)
        if (template.shape != landmarks.head.HEAD_TEMPLATE.shape
                or not np.allclose(template, landmarks.head.HEAD_TEMPLATE, atol=0.006)):
            raise ValueError(f"{name} was built with other head points than "
                             "`landmarks.head.HEAD_TEMPLATE`: rebuild it (`python -m "
                             "tf_deepexag data autotoon ROOT --out FILE`).")
        nan = np.full((68, 2), np.nan)

        def col(key):
            return np.array([r.get(key, "") for r in rows])
        return cls(col("id"), col("photo"), col("caricature"),
                   np.array([nan if r["caricature_detected"] is None
                             else r["caricature_detected"] for r in rows]),
                   col("split") == "test", col("licence"), col("source"),
                   col("author"), col("image_size"), col("caricature_head"))

    def save(self, path):
        fileio.write_text_atomic(path, _dumps(self.to_json()))


def _round(points):
    return np.round(np.asarray(points, np.float64), 2).tolist()


def _dumps(obj):
    """Compact JSON with one row a line (small, and diffs stay readable)."""
    import json  # pylint: disable=g-import-not-at-top
    rows = ",\n".join(json.dumps(r, separators=(",", ":")) for r in obj["rows"])
    template = json.dumps(obj["head_template"], separators=(",", ":"))
    return (f'{{"format":{json.dumps(obj["format"])},"head_template":{template},'
            f'"rows":[\n{rows}\n]}}\n')


def default_asset_path():
    """The shipped landmark pairs, `tf_deepexag/assets/autotoon_landmarks.json`."""
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "assets", ASSET_FILE)


def load_autotoon_landmarks(path=None):
    """Reads landmark pairs written by `AutoToonLandmarks.save` (the shipped
    asset when `path` is None)."""
    path = path or default_asset_path()
    return AutoToonLandmarks.from_json(fileio.read_json(path), path)


def dataset_root(root):
    """The folder holding `photos/` etc.: `root` or `root/dataset` (a clone).

    Raises:
        FileNotFoundError: neither has the four AutoToon folders.
    """
    for candidate in (root, os.path.join(root, "dataset")):
        if all(os.path.isdir(os.path.join(candidate, f)) for f in FOLDERS):
            return candidate
    raise FileNotFoundError(f"No AutoToon dataset under {root!r}: expected the folders "
                            f"{', '.join(FOLDERS)} there or in {root!r}/dataset.")


def list_files(root):
    """`{folder: sorted paths}` as the authors list them (files only, no .DS_Store).

    Raises:
        ValueError: the folders hold different numbers of files or names.
    """
    root = dataset_root(root)
    files = {}
    for folder in FOLDERS:
        path = os.path.join(root, folder)
        files[folder] = sorted(os.path.join(path, n) for n in os.listdir(path)
                               if os.path.isfile(os.path.join(path, n))
                               and ".DS_Store" not in n)
    stems = {f: [os.path.splitext(os.path.basename(p))[0] for p in v]
             for f, v in files.items()}
    if any(s != stems["photos"] for s in stems.values()):
        counts = {f: len(v) for f, v in files.items()}
        raise ValueError(f"AutoToon folders under {root} do not pair up by name: {counts}.")
    return files


def read_metadata(path):
    """`{id: (licence, address, author)}` from ImageMetadata.csv (ids "00001")."""
    out = {}
    with open(path, encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            try:
                out[f"{int(row['ID']):05d}"] = (row["License"].strip(),
                                                row["Flickr URL"].strip(),
                                                row["Artist"].strip())
            except (KeyError, ValueError) as error:
                raise ValueError(f"{path}: unexpected row {row} ({error}).") from error
    return out


def read_autotoon(root, landmarker=None, warp="warp32", detect_caricatures=True,
                  progress=True):
    """Builds `AutoToonLandmarks` from a clone of the dataset (its images and warps).

    Args:
        root: the clone (or its `dataset/` folder).
        landmarker: callable image path -> list of faces with `.points`
            (`detect.FaceLandmarker()` when None).
        warp: "warp32" (the authors' training target) or "warp16".
        detect_caricatures: bool, also detect points on the caricatures.
        progress: bool, a progress bar.

    Returns:
        `AutoToonLandmarks`; pairs whose photo has no face are left out (logged).
    """
    if warp not in WARPS:
        raise ValueError(f"`warp` must be one of {WARPS}, got {warp!r}.")
    files = list_files(root)
    meta_path = os.path.join(dataset_root(root), METADATA_FILE)
    meta = read_metadata(meta_path) if os.path.isfile(meta_path) else {}
    if landmarker is None:
        from tf_deepexag.detect import FaceLandmarker  # pylint: disable=g-import-not-at-top
        landmarker = FaceLandmarker()
    rows, bar = [], None
    if progress:
        import keras  # pylint: disable=g-import-not-at-top
        bar = keras.utils.Progbar(len(files["photos"]), unit_name="pair")
    for index, photo_path in enumerate(files["photos"]):
        rows.append(_read_pair(index, photo_path, files, warp, landmarker,
                               detect_caricatures, meta))
        if bar is not None:
            bar.add(1)
    rows = [r for r in rows if r is not None]
    if not rows:
        raise ValueError(f"No face found in any photo under {root}.")
    return AutoToonLandmarks(*(np.array(v) for v in zip(*rows)))


def _first_face(landmarker, path):
    try:
        faces = landmarker(path)
    except ValueError as error:  # detect.NoFaceError and unreadable images
        logging.warning("No face in %s: %s", path, error)
        return None
    return np.asarray(faces[0].points, np.float64) if faces else None


def _read_pair(index, photo_path, files, warp, landmarker, detect_caricatures, meta):
    stem = os.path.splitext(os.path.basename(photo_path))[0]
    photo = _first_face(landmarker, photo_path)
    if photo is None:
        logging.warning("Leaving out pair %s: no face on the photo.", stem)
        return None
    shape = fileio.read_image(photo_path).shape[:2]
    field = autotoon_warp.check_field(np.load(files[warp][index]), files[warp][index])
    mapped, residual = autotoon_warp.map_points(
        field, landmarks.with_head_points(photo).numpy(), shape)
    caricature, caricature_head = mapped[:68], mapped[68:]
    if residual > 0.01:
        logging.warning("Pair %s: the warp does not invert cleanly (%.3f px).", stem,
                        residual)
    detected = (_first_face(landmarker, files["caricatures"][index])
                if detect_caricatures else None)
    if detected is None:
        detected = np.full_like(photo, np.nan)
    licence, address, author = meta.get(stem, ("", "", ""))
    return (stem, photo, caricature, detected, index in TEST_INDICES, licence, address,
            author, np.array(shape), caricature_head)


def autotoon_split(fold=-1, folds=5, seed=0, path=None, head=False):
    """`(train, held_out)` `PairedLandmarks` of the shipped (or given) pairs.

    Args:
        fold: -1 for the authors' split (90 train, 11 test pairs); k in
            `[0, folds)` for cross-validation inside the train pairs: fold k
            of a seeded permutation is held out, the rest trains.
        folds: int >= 2, the number of folds.
        seed: int, the permutation's seed.
        path: landmark file; the shipped asset when None.
        head: bool, `(P, 68 + K, 2)` points with the head points.
    """
    pairs = load_autotoon_landmarks(path)
    train, test = pairs.pairs("train", head=head), pairs.pairs("test", head=head)
    if int(fold) == -1:
        return train, test
    if not 0 <= int(fold) < int(folds) or int(folds) < 2:
        raise ValueError(f"`cv_fold` must be -1 or in [0, {folds}) with `cv_folds` >= 2, "
                         f"got cv_fold={fold}, cv_folds={folds}.")
    fold_of = cv_folds(len(train), folds, seed)
    return (train.subset(np.flatnonzero(fold_of != fold)),
            train.subset(np.flatnonzero(fold_of == fold)))


def cv_folds(num, folds=5, seed=0):
    """`(num,)` fold index of each item: a seeded permutation dealt round-robin."""
    fold_of = np.empty(int(num), np.int64)
    fold_of[np.random.default_rng(seed).permutation(int(num))] = np.arange(num) % folds
    return fold_of
