"""`Caricaturist`: detect -> geometry -> align -> warp -> style, on one photo.

Each stage is replaceable. The pipeline works on a square crop around each
face (so a 6000x4000 photo costs what a 512x512 one does):

1. the landmarker finds the faces and their 68 points (x, y) in the photo;
2. the crop around a face is resized to `crop_size`, points mapped with it;
3. the geometry stage turns the photo points into exaggerated points in the
   same frame (the VAE aligns its output back onto the photo itself);
   `strength` scales the displacement (0 keeps the photo's geometry);
4. `warp_face` moves the crop's pixels from the photo points to the
   exaggerated points (thin-plate spline, border pinned);
5. the stylizer paints the caricature style.

With `faces="all"` every face is processed and pasted back into the photo with
a feathered mask; otherwise the caricature is the processed crop.

`build_caricaturist` assembles one from the specs the CLI and the demo name.
Geometry specs: `"vae"` (the built-in model, `assets/vae_synthetic`),
`"vae:<model dir>"`, `"edfm"` (exaggerate the difference from the mean face,
fitted on the built-in synthetic pairs), `"identity"`. Style specs: see
`style.make_stylizer`.

Shapes: N = 68 points, S samples.
"""

import dataclasses
import functools
import sys

import cv2
import numpy as np
from absl import logging

from tf_deepexag import fileio
from tf_deepexag import landmarks as landmarks_lib
from tf_deepexag import errors
from tf_deepexag.errors import UserError

GEOMETRY_SPECS = ("vae", "vae:autotoon", "vae:synthetic", "vae:<model dir>", "edfm",
                  "identity")
# The default style: a shipped CartoonGAN style (docs/figures/styles_astronaut.png
# compares it with the classic filters; bench/quality.py measures identity).
DEFAULT_STYLE = "cartoongan:shinkai"
# Side at which a CartoonGAN style paints the face crop (shrunk to it and
# enlarged back): 256 for a 512 crop costs a quarter of the network's time
# at 512 and paints broader strokes (bench/pipeline.py, bench/quality.py).
DEFAULT_STYLE_MAX_SIDE = 256
# The painted image's share of the caricature (the rest the warped photo):
# measured on 12 real portraits, 0.8 keeps a face findable in all 12 (11 at
# 1.0) and brings the descriptor distance from 0.45 to 0.44, with no visible
# loss of the painted look (bench/quality.py).
DEFAULT_STYLE_WEIGHT = 0.8

# Faces narrower than this (pixels, in the photo) are processed but flagged:
# the detector's points and the warp lose precision below it.
SMALL_FACE_PX = 48
# How far (in crop sides) exaggerated points may leave the face crop.
MAX_EXCURSION = 1.0


@dataclasses.dataclass(frozen=True)
class CaricatureResult:
    """One caricature and its intermediates.

    Attributes:
        caricature: uint8 `(H, W, 3)`: the stylized crop, or the whole photo
            with the face pasted back when faces="all".
        photo: uint8 `(crop_size, crop_size, 3)`, the face crop.
        photo_points: float32 `(N, 2)`, landmarks in crop pixels.
        generated_points: float32 `(N, 2)`, exaggerated landmarks in crop pixels.
        warped: uint8 crop after the warp, before the style.
        crop_box: `(x0, y0, x1, y1)` of the crop in the photo.
        sample: int, the sample index.
    """

    caricature: np.ndarray
    photo: np.ndarray
    photo_points: np.ndarray
    generated_points: np.ndarray
    warped: np.ndarray
    crop_box: tuple
    sample: int = 0


def face_crop_box(points, image_shape, margin=0.9):
    """A square box around the landmarks, `margin` times their size each side.

    Args:
        points: `(N, 2)` landmarks in photo pixels.
        image_shape: the photo's `(H, W, ...)`; the box may extend past it.
        margin: float, extra room relative to the landmark extent.

    Returns:
        `(x0, y0, x1, y1)` integer box (x1, y1 exclusive).
    """
    lo, hi = points.min(axis=0), points.max(axis=0)
    centre = (lo + hi) / 2.0
    centre[1] -= 0.1 * (hi[1] - lo[1])  # landmarks stop at the brows: make room
    half = 0.5 * float(max(hi - lo)) * (1.0 + margin)
    half = max(half, 8.0)
    x0, y0 = int(np.floor(centre[0] - half)), int(np.floor(centre[1] - half))
    size = int(np.ceil(2 * half))
    del image_shape  # the crop pads with the border colour when it leaves the photo
    return x0, y0, x0 + size, y0 + size


def crop_and_resize(image, box, size):
    """Cuts `box` out of `image` (replicating the border) and resizes to `size`."""
    x0, y0, x1, y1 = box
    h, w = image.shape[:2]
    pad = max(0, -x0, -y0, x1 - w, y1 - h)
    if pad:
        image = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    crop = image[y0 + pad:y1 + pad, x0 + pad:x1 + pad]
    interpolation = cv2.INTER_AREA if crop.shape[0] > size else cv2.INTER_CUBIC
    return cv2.resize(crop, (size, size), interpolation=interpolation)


def paste_back(photo, crop, box, points):
    """Blends a processed square crop back into the photo with a feathered mask.

    The mask is the convex hull of the face points, grown and blurred, so only
    the face region changes and the seam is invisible.

    Args:
        photo: uint8 `(H, W, 3)`.
        crop: uint8 `(S, S, 3)`, the processed crop of `box` at any side S.
        box: `(x0, y0, x1, y1)` square box of the crop in the photo.
        points: `(..., 2)` points in `crop` pixels (e.g. the photo's and the
            generated landmarks stacked, so the hull covers both faces).

    Returns:
        uint8 `(H, W, 3)`.
    """
    x0, y0, x1, y1 = box
    size = x1 - x0
    h, w = photo.shape[:2]
    # Points are in crop pixels: scale them to the box before the crop is.
    scale = size / float(crop.shape[0])
    crop = cv2.resize(crop, (size, size), interpolation=cv2.INTER_CUBIC)
    mask = np.zeros(crop.shape[:2], np.float32)
    points = np.asarray(points, np.float32).reshape(-1, 2)
    hull = cv2.convexHull(np.round(points * scale).astype(np.int32))
    cv2.fillConvexPoly(mask, hull, 1.0)
    grow = max(3, size // 12) | 1
    mask = cv2.dilate(mask, np.ones((grow, grow), np.uint8))
    mask = cv2.GaussianBlur(mask, (0, 0), sigmaX=grow / 2.0)[..., None]
    out = photo.astype(np.float32)
    # Intersect the box with the photo.
    ax0, ay0, ax1, ay1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if ax0 >= ax1 or ay0 >= ay1:
        return photo
    sub_crop = crop[ay0 - y0:ay1 - y0, ax0 - x0:ax1 - x0].astype(np.float32)
    sub_mask = mask[ay0 - y0:ay1 - y0, ax0 - x0:ax1 - x0]
    region = out[ay0:ay1, ax0:ax1]
    out[ay0:ay1, ax0:ax1] = region * (1 - sub_mask) + sub_crop * sub_mask
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def check_strength(strength):
    """Returns `strength` as a float, or raises `UserError` unless it is a
    finite number >= 0 (0 keeps the photo's geometry, 1 the model's)."""
    try:
        value = float(strength)
    except (TypeError, ValueError) as e:
        raise UserError(f"`strength` must be a number, got {strength!r}.") from e
    if not np.isfinite(value) or value < 0:
        raise UserError(f"`strength` must be a finite number >= 0, got {strength!r}.")
    return value


def scale_displacement(photo_points, generated_points, strength):
    """`photo + strength * (generated - photo)`: 0 keeps the photo's geometry."""
    strength = check_strength(strength)
    with np.errstate(over="ignore", invalid="ignore"):
        moved = photo_points + strength * (generated_points - photo_points)
        return moved.astype(np.float32)


def check_in_reach(points, crop_size, strength):
    """Raises `UserError` naming `strength` when the exaggerated points leave
    the face crop by more than `MAX_EXCURSION` crop sides (the spline then has
    nothing left to warp; at ~1e30 px its system is singular)."""
    limit = MAX_EXCURSION * crop_size
    with np.errstate(invalid="ignore"):
        out = float(np.max(np.maximum(-points, points - (crop_size - 1)), initial=0.0))
    if not np.isfinite(out) or out > limit:
        raise UserError(
            f"`strength`={strength:g} moves the landmarks {out:.3g} px outside the "
            f"{crop_size}-px face crop (at most {limit:g} px); use a smaller strength.")


class Caricaturist:
    """Turns portrait photos into caricatures.

    Args:
        landmarker: callable `image -> list of faces`, each with `.points`
            `(68, 2)` (x, y) photo pixels (`detect.FaceLandmarker`).
        geometry: callable `(points (N, 2), num_samples, temperature, seed)
            -> (S, N, 2)` exaggerated points in the same frame.
        warp: callable `(image uint8, src_xy, dst_xy) -> uint8 image`
            (`warp.warp_face`).
        stylizer: callable `uint8 image -> uint8 image`.
        crop_size: int, the side of the working face crop. Defaults to 512.
        faces: `"largest"` or `"all"`. Defaults to `"largest"`.
        max_pixels: int or None, the largest photo file (width x height)
            decoded, checked from its header. Defaults to
            `fileio.DEFAULT_MAX_PIXELS` (100 M).

    Example:
        >>> artist = tf_deepexag.Caricaturist.default()
        >>> result = artist("photo.jpg", strength=1.0, seed=0)[0]
        >>> tf_deepexag.fileio.write_image("caricature.png", result.caricature)
    """

    def __init__(self, landmarker, geometry, warp, stylizer, crop_size=512,
                 faces="largest", max_pixels=fileio.DEFAULT_MAX_PIXELS):
        if faces not in ("largest", "all"):
            raise ValueError(f"`faces` must be 'largest' or 'all', got {faces!r}.")
        if int(crop_size) < 64:
            raise ValueError(f"`crop_size` must be at least 64, got {crop_size}.")
        self.landmarker = landmarker
        self.geometry = geometry
        self.warp = warp
        self.stylizer = stylizer
        self.crop_size = int(crop_size)
        self.faces = faces
        self.max_pixels = fileio.check_max_pixels(max_pixels)

    def _caricature_of_face(self, image, points, strength, num_samples,
                            temperature, seed):
        box = face_crop_box(points, image.shape)
        crop = crop_and_resize(image, box, self.crop_size)
        scale = self.crop_size / float(box[2] - box[0])
        crop_points = ((points - np.array(box[:2], np.float32)) * scale).astype(np.float32)
        generated = np.asarray(self.geometry(crop_points, num_samples=num_samples,
                                             temperature=temperature, seed=seed),
                               np.float32).reshape(num_samples, -1, 2)
        results = []
        for sample, target in enumerate(generated):
            target = scale_displacement(crop_points, target, strength)
            check_in_reach(target, self.crop_size, strength)
            landmarks_lib.check_points(target, name="generated points")
            warped = np.asarray(_warp(self.warp, crop, crop_points, target), np.uint8)
            styled = np.asarray(self.stylizer(warped), np.uint8)
            results.append(CaricatureResult(styled, crop, crop_points, target, warped,
                                            box, sample))
        return results

    def __call__(self, image, strength=1.0, num_samples=1, temperature=None, seed=None):
        """Caricatures the face(s) of one photo.

        Args:
            image: a file path or a uint8 RGB `(H, W, 3)` array.
            strength: float, exaggeration scale. Defaults to 1.0.
            num_samples: int, different caricatures to draw. Defaults to 1.
            temperature: float, sampling temperature of the geometry model
                (0 = deterministic). Defaults to None: 0 for one sample, 1
                for several (the library's default; the built-in model's
                whole-face sampling noise is calibrated there, docs/autotoon.md).
            seed: int or None; the same seed gives the same output.

        Returns:
            list of `CaricatureResult`, one per sample (faces="largest"), or one
            per sample with every face pasted back (faces="all").

        Raises:
            detect.NoFaceError: no face in the photo.
            errors.UserError: bad input (`strength` < 0 or moving the points
                out of reach, an undecodable or too large photo, ...).
            ValueError / FileNotFoundError: other bad input.
        """
        strength = check_strength(strength)
        if int(num_samples) < 1:
            raise ValueError(f"`num_samples` must be at least 1, got {num_samples}.")
        if temperature is None:
            temperature = 0.0 if int(num_samples) == 1 else 1.0
        if isinstance(image, np.ndarray):
            photo = fileio.to_rgb_uint8(image)
        else:
            photo = fileio.read_image(image, max_pixels=self.max_pixels)
        faces = self.landmarker(photo)
        if not faces:
            raise ValueError("No face found in the photo.")
        faces = sorted(faces, key=lambda f: -_face_width(f.points))
        if self.faces == "largest":
            faces = faces[:1]
        per_face = []
        for index, face in enumerate(faces):
            width = _face_width(face.points)
            if width < SMALL_FACE_PX:
                logging.warning("Face %d is only %.0f px wide: expect a coarse result.",
                                index, width)
            face_seed = None if seed is None else int(seed) + 1000 * index
            per_face.append(self._caricature_of_face(
                photo, np.asarray(face.points, np.float32), strength,
                int(num_samples), temperature, face_seed))
        if self.faces == "largest":
            return per_face[0]
        composed = []
        for sample in range(int(num_samples)):
            canvas = photo
            for results in per_face:
                r = results[sample]
                canvas = paste_back(canvas, r.caricature, r.crop_box,
                                    np.concatenate([r.photo_points, r.generated_points]))
            composed.append(dataclasses.replace(per_face[0][sample], caricature=canvas))
        return composed


def _warp(warp, crop, source, target):
    """`warp(crop, source, target)`, a singular spline system reported as a
    `UserError` (TensorFlow's InvalidArgumentError names no argument)."""
    try:
        return warp(crop, source, target)
    except Exception as e:  # pylint: disable=broad-except
        tf = sys.modules.get("tensorflow")
        if tf is not None and isinstance(e, tf.errors.InvalidArgumentError):
            raise UserError(f"The warp cannot map these landmarks (its spline "
                            f"system is singular: {errors.one_line(e)}).") from e
        raise


def _face_width(points):
    points = np.asarray(points)
    return float(points[:, 0].max() - points[:, 0].min())


class _RepeatedGeometry:
    """A one-output geometry (`(B, N, 2) -> (B, N, 2)`: EDFM, identity) in the
    geometry stage's protocol; it gives the same shape for every sample."""

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, points, num_samples=1, temperature=0.0, seed=None):
        del temperature, seed
        out = np.asarray(self.fn(np.asarray(points, np.float32)[None]), np.float32)[0]
        return np.repeat(out[None], int(num_samples), axis=0)


@functools.lru_cache(maxsize=1)
def builtin_edfm():
    """EDFM fitted on the built-in synthetic pairs (deterministic, cached)."""
    from tf_deepexag import data, geometry  # pylint: disable=g-import-not-at-top

    pairs = data.make_synthetic_pairs()
    return geometry.EDFM.fit(pairs.photo, pairs.caricature)


def build_geometry(spec="vae", compile=False):  # pylint: disable=redefined-builtin
    """The geometry stage named by `spec` (see the module docstring).

    A `geometry.Exaggerator` for "vae" specs (temperature 0 is its
    deterministic mode), EDFM or identity repeated per sample otherwise.

    Args:
        spec: a geometry spec.
        compile: bool, run the VAE's graph as one `tf.function` (measured
            with the built-in model: ~15 s to trace once, then ~12 ms a face
            instead of ~1 s eagerly; worth it for folders).
    """
    if spec == "identity":
        return _RepeatedGeometry(lambda points: points)
    if spec == "edfm":
        return _RepeatedGeometry(builtin_edfm())
    if spec == "vae" or spec.startswith("vae:"):
        from tf_deepexag import geometry  # pylint: disable=g-import-not-at-top

        path = spec[len("vae:"):] if spec.startswith("vae:") else None
        if path == "":
            raise ValueError("`vae:` needs a model directory, e.g. vae:runs/vae/export.")
        return geometry.load_exaggerator(path, compile=compile)
    raise ValueError(f"Unknown geometry {spec!r}; expected one of {GEOMETRY_SPECS}.")


def build_caricaturist(geometry="vae", style=DEFAULT_STYLE, faces="largest",
                       detector="mtcnn", crop_size=512, compile_geometry=False,
                       style_max_side=DEFAULT_STYLE_MAX_SIDE,
                       style_weight=DEFAULT_STYLE_WEIGHT,
                       max_pixels=fileio.DEFAULT_MAX_PIXELS):
    """A `Caricaturist` with the detector, geometry, warp and style named.

    Args:
        geometry: a geometry spec. Defaults to the built-in VAE.
        style: a style spec (`"cartoongan:<style>"`, `"ugatit:<path>"`,
            `"cartoon"`, `"sketch"`, `"stylization"`, `"none"`). Defaults to
            `DEFAULT_STYLE`.
        faces: `"largest"` or `"all"`.
        detector: `"mtcnn"` or `"hog"`.
        crop_size: int, side of the working face crop.
        compile_geometry: bool, see `build_geometry`'s `compile`.
        style_max_side: int or None, the largest side a CartoonGAN style
            runs at (`style.CartoonGANStylizer`'s `max_side`; None: the crop
            size). Defaults to `DEFAULT_STYLE_MAX_SIDE`.
        style_weight: float in (0, 1], a CartoonGAN style's share of the
            caricature (`style.CartoonGANStylizer`'s `style_weight`).
            Defaults to `DEFAULT_STYLE_WEIGHT`.
        max_pixels: int or None, see `Caricaturist`.
    """
    from tf_deepexag import detect, style as style_lib, warp  # pylint: disable=g-import-not-at-top

    landmarker = detect.FaceLandmarker(detector=detector,
                                       faces="all" if faces == "all" else "largest")
    return Caricaturist(
        landmarker=landmarker, geometry=build_geometry(geometry, compile_geometry),
        warp=warp.warp_face, stylizer=style_lib.make_stylizer(
            style, max_side=style_max_side, style_weight=style_weight),
        crop_size=crop_size, faces=faces, max_pixels=max_pixels)
