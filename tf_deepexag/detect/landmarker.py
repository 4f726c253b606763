"""`FaceLandmarker`: photo -> faces, each with a box and 68 iBUG landmarks.

MTCNN (Zhang et al. 2016) finds the faces; dlib's 68-point shape predictor
(Kazemi & Sullivan 2014, trained on iBUG 300-W) places the landmarks in each box.
dlib's HOG detector is the alternative detector and the fallback when MTCNN
finds nothing. Shapes: H, W image size; points `(68, 2)` and keypoints `(5, 2)`
are float32 (x, y) pixels, origin at the centre of the top-left pixel.
"""

import dataclasses
import os

from absl import logging
import numpy as np

from tf_deepexag import fileio
from tf_deepexag.errors import NoFaceError
from tf_deepexag.detect import _geometry, _models

DETECTORS = ("mtcnn", "hog")
FACE_POLICIES = ("largest", "best", "all")
# Detections whose side is within this factor of the biggest one count as equally
# large and are ranked by score: HOG boxes come in pyramid-level sizes, and on the
# astronaut a 90 px false alarm sits next to the 91 px face.
_SAME_SIZE_RATIO = 0.9
# Order in which `try_rotations` turns the photo (counter-clockwise quarter turns);
# on ties the earlier wins: upright first, then sideways, upside down last.
_ROTATION_ORDER = (0, 1, 3, 2)


@dataclasses.dataclass(frozen=True, eq=False)
class Face:
    """One detected face.

    Attributes:
        box: `(x0, y0, x1, y1)` float box edges of the detector, in pixels of
            the input image.
        score: float, the detector's confidence (MTCNN: probability in [0, 1];
            HOG: SVM margin, larger is surer; the two are not comparable).
        keypoints: `(5, 2)` float32 (x, y): the eye on the image's left, the eye
            on the image's right, nose tip, mouth corner on the image's left,
            mouth corner on the image's right (MTCNN's order). Derived from
            `points` (eye centres, point 30, points 48 and 54) for HOG faces.
        points: `(68, 2)` float32 (x, y) iBUG-68 landmarks.
        detector: `"mtcnn"` or `"hog"`, which detector found the face.
        rotation: int, degrees counter-clockwise the photo was turned for the
            face to be found (0 unless `try_rotations`); the coordinates are
            always in the input image.
    """

    box: tuple
    score: float
    keypoints: np.ndarray
    points: np.ndarray
    detector: str = "mtcnn"
    rotation: int = 0


class FaceLandmarker:
    """Finds faces and their 68 iBUG landmarks in photos.

    Args:
        detector: `"mtcnn"` or `"hog"`. Defaults to `"mtcnn"`.
        faces: `"largest"` (one face, the biggest box; boxes within 10 % of its
            side are ranked by score), `"best"` (one face, the highest score) or
            `"all"` (every face, biggest first). Defaults to `"largest"`.
        fallback_to_hog: bool, run the HOG detector when MTCNN finds nothing.
            Defaults to `True`.
        try_rotations: bool, also try the photo turned by 90, 180 and 270
            degrees, keep the orientation whose faces the HOG detector confirms
            (then: the highest score) and map the results back to the input
            image. Costs four detections. Defaults to `False`.
        max_detect_side: int, photos whose longest side exceeds it are shrunk for
            detection; landmarks are still placed on the full-resolution photo.
            Defaults to 1024.
        min_face_size: int, the smallest face side in pixels (of the detection
            image) MTCNN looks for. Defaults to 20.
        hog_threshold: float, HOG score threshold (dlib's `adjust_threshold`).
            Defaults to 0.0.
        hog_upsample: int, times the HOG detector upsamples the photo (finds
            faces down to 80 / 2**n px). Defaults to 1.

    Call arguments:
        image: file path, or uint8 RGB `(H, W, 3)` array (any layout
            `fileio.to_rgb_uint8` accepts).

    Returns:
        list of `Face` (one element unless `faces="all"`).

    Raises:
        NoFaceError: no face found (the message names the image).
        FileNotFoundError / fileio.ImageReadError / ValueError: bad input.

    Example:
        >>> landmarker = FaceLandmarker()
        >>> face = landmarker("portrait.jpg")[0]
        >>> face.points.shape
        (68, 2)
    """

    def __init__(self, detector="mtcnn", faces="largest", fallback_to_hog=True,
                 try_rotations=False, max_detect_side=1024, min_face_size=20,
                 hog_threshold=0.0, hog_upsample=1):
        if detector not in DETECTORS:
            raise ValueError(f"`detector` must be one of {DETECTORS}, got {detector!r}.")
        if faces not in FACE_POLICIES:
            raise ValueError(f"`faces` must be one of {FACE_POLICIES}, got {faces!r}.")
        if int(max_detect_side) < 64:
            raise ValueError(f"`max_detect_side` must be at least 64, got {max_detect_side}.")
        if int(min_face_size) < 12:
            raise ValueError(f"`min_face_size` must be at least 12, got {min_face_size}.")
        if int(hog_upsample) < 0:
            raise ValueError(f"`hog_upsample` must be >= 0, got {hog_upsample}.")
        self.detector = detector
        self.faces = faces
        self.fallback_to_hog = bool(fallback_to_hog)
        self.try_rotations = bool(try_rotations)
        self.max_detect_side = int(max_detect_side)
        self.min_face_size = int(min_face_size)
        self.hog_threshold = float(hog_threshold)
        self.hog_upsample = int(hog_upsample)

    def __call__(self, image):
        photo, name = _load(image)
        h, w = photo.shape[:2]
        if min(h, w) < self.min_face_size:
            raise NoFaceError(
                    f"No face found in {name}: the image is {w}x{h} pixels, smaller "
                    f"than min_face_size={self.min_face_size}.")
        if self.try_rotations:
            found = self._faces_any_rotation(photo)
        else:
            found = self._faces_upright(photo)
        if found:
            return select_faces(found, self.faces)
        tried = " (also tried 90, 180 and 270 degree rotations)" if self.try_rotations else ""
        raise NoFaceError(f"No face found in {name} by the {self.detector} detector"
                          f"{' and the hog fallback' if self._falls_back() else ''}{tried}.")

    detect = __call__

    def find_boxes(self, image, detector=None):
        """Runs one detector on an upright uint8 RGB image (no landmarks).

        Args:
            image: uint8 `(H, W, 3)` RGB array.
            detector: `"mtcnn"` or `"hog"`; defaults to the landmarker's.

        Returns:
            list of `(box, score, keypoints)`: box edges, float score, `(5, 2)`
            float32 keypoints (`None` for HOG), in `image` pixels.
        """
        detector = detector or self.detector
        if detector not in DETECTORS:
            raise ValueError(f"`detector` must be one of {DETECTORS}, got {detector!r}.")
        small, scale = _geometry.downscale(image, self.max_detect_side)
        found = self._mtcnn(small) if detector == "mtcnn" else self._hog(small)
        return [(_geometry.upscale_box(box, scale), score,
                 None if kp is None else _geometry.upscale_points(kp, scale))
                for box, score, kp in found]

    def predict_points(self, image, box, detector="mtcnn"):
        """Places the 68 landmarks in one detector box.

        Args:
            image: uint8 `(H, W, 3)` RGB array.
            box: `(x0, y0, x1, y1)` box edges from `detector`.
            detector: which detector drew `box`; MTCNN boxes are first mapped to
                the HOG-like box the predictor was trained with.

        Returns:
            `(68, 2)` float32 (x, y) points.
        """
        if detector == "mtcnn":
            box = _geometry.mtcnn_to_hog_box(box)
        shape = _models.predictor()(image, _geometry.to_dlib_rectangle(box))
        return np.array([(p.x, p.y) for p in shape.parts()], np.float32)  # (68, 2)

    def _falls_back(self):
        return self.detector == "mtcnn" and self.fallback_to_hog

    def _faces_upright(self, image):
        detector, found = self.detector, self.find_boxes(image)
        if not found and self._falls_back():
            detector, found = "hog", self.find_boxes(image, "hog")
        faces = []
        for box, score, keypoints in found:
            points = self.predict_points(image, box, detector)
            if keypoints is None:
                keypoints = _keypoints_from_points(points)
            faces.append(Face(tuple(box), float(score), _frozen(keypoints),
                              _frozen(points), detector, 0))
        return faces

    def _faces_any_rotation(self, photo):
        # MTCNN also fires, with plausible keypoints and scores up to 0.97, on
        # texture in a sideways or upside-down photo (measured on the astronaut),
        # so every orientation is tried and ranked by (does the upright-only HOG
        # detector confirm a face there, best score); ties keep `_ROTATION_ORDER`.
        best_key, best = None, []
        for k in _ROTATION_ORDER:
            rotated = _geometry.rotate_image(photo, k) if k else photo
            found = self._faces_upright(rotated)
            if not found:
                continue
            confirmed = found[0].detector == "hog"
            if not confirmed:
                hog_boxes = [b for b, _, _ in self.find_boxes(rotated, "hog")]
                confirmed = any(_iou(f.box, b) > 0.3 for f in found for b in hog_boxes)
            key = (confirmed, max(f.score for f in found))
            if best_key is None or key > best_key:
                best_key = key
                best = [_unrotate_face(f, k, photo.shape) if k else f for f in found]
        return best

    def _mtcnn(self, image):
        try:
            rows = _models.mtcnn().detect_faces(
                    image, box_format="xyxy", output_type="numpy",
                    min_face_size=self.min_face_size)
        except (ValueError, IndexError) as e:
            # Guard: the cascade has raised on degenerate inputs in past releases.
            logging.warning("MTCNN failed on a %s image (%s); treating it as no face.",
                            image.shape, e)
            return []
        rows = np.asarray(rows, np.float64).reshape(-1, 16)
        # Numpy output rows: [image, x0, y0, x1, y1, score, 5 x's, 5 y's].
        return [(tuple(r[1:5]), float(r[5]),
                 np.stack([r[6:11], r[11:16]], axis=-1).astype(np.float32))
                for r in rows]

    def _hog(self, image):
        rects, scores, _ = _models.hog().run(image, self.hog_upsample, self.hog_threshold)
        return [(_geometry.from_dlib_rectangle(r), float(s), None)
                for r, s in zip(rects, scores)]


def _load(image):
    if isinstance(image, (str, os.PathLike)):
        return fileio.read_image(image), os.fspath(image)
    array = np.asarray(image)
    try:
        photo = fileio.to_rgb_uint8(array)
    except ValueError as e:
        raise ValueError(f"`image` (array of shape {array.shape}): {e}") from e
    # The caller knows the file: it names it before this (the CLI does).
    return photo, f"the photo ({photo.shape[1]}x{photo.shape[0]} pixels)"


def _frozen(array):
    array = np.array(array, np.float32)
    array.flags.writeable = False
    return array


def _keypoints_from_points(points):
    return np.stack([points[36:42].mean(axis=0), points[42:48].mean(axis=0),
                     points[30], points[48], points[54]]).astype(np.float32)  # (5, 2)


def _unrotate_face(face, k, shape):
    return dataclasses.replace(
            face, box=_geometry.unrotate_box(face.box, k, shape),
            keypoints=_frozen(_geometry.unrotate_points(face.keypoints, k, shape)),
            points=_frozen(_geometry.unrotate_points(face.points, k, shape)),
            rotation=90 * k)


def _iou(a, b):
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def _side(face):
    x0, y0, x1, y1 = face.box
    return float(np.sqrt(max(x1 - x0, 0.0) * max(y1 - y0, 0.0)))


def select_faces(faces, policy):
    """Applies a `faces` policy (`"largest"`, `"best"`, `"all"`) to a list of `Face`."""
    if policy not in FACE_POLICIES:
        raise ValueError(f"`faces` must be one of {FACE_POLICIES}, got {policy!r}.")
    if not faces:
        return []
    by_size = sorted(faces, key=lambda f: (-_side(f), -f.score))
    if policy == "all":
        return by_size
    if policy == "best":
        return [max(faces, key=lambda f: f.score)]
    biggest = _side(by_size[0])
    similar = [f for f in by_size if _side(f) >= _SAME_SIZE_RATIO * biggest]
    return [max(similar, key=lambda f: f.score)]
