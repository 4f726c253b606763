"""`Caricaturist`: detect -> geometry -> align -> warp -> style, on one photo.

Each stage is replaceable. The pipeline works on a square crop around each
face (so a 6000x4000 photo costs what a 512x512 one does):

1. the landmarker finds the faces and their 68 points (x, y) in the photo;
2. the crop around the head (`face_crops.face_crop_box`) is resized to
   `crop_size`, points mapped with it;
3. the geometry stage gives its control points and where they move, in the
   same frame (`geometry_stage.stage_controls`), `strength` applied once;
4. with pins in the face frame they make the map of the plane
   (`plane_map.PlaneMap`, what `Exaggerator.map_points` evaluates), and
   `warp.map_warp` applies exactly that map to the crop;
5. the stylizer paints the caricature style.

With `faces="all"` every face is processed and pasted back into the photo with
a mask that covers the head inside the map's inner pinned ring, feathered
beyond it; otherwise the caricature is the processed crop.

`build_caricaturist` assembles one from the specs the CLI and the demo name:
geometry specs in `geometry_stage`, style specs in `style.make_stylizer`. The
face crops are `face_crops`'.

Shapes: N = 68 points, S samples.
"""

import dataclasses
import os
import sys
import types

import numpy as np
from absl import logging

from tf_deepexag import errors, fileio
from tf_deepexag import landmarks as landmarks_lib
from tf_deepexag import plane_map as plane_map_lib
from tf_deepexag.errors import UserError
from tf_deepexag.face_crops import (crop_and_resize, face_crop_box, face_width, paste_back,
                                    paste_points)
from tf_deepexag.geometry.sampling_inputs import check_num_samples, check_strength
from tf_deepexag.geometry_stage import GEOMETRY_SPECS, build_geometry, builtin_edfm  # noqa: F401 (re-exported)
from tf_deepexag.geometry_stage import stage_controls

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
        generated_points: float32 `(N, 2)`, exaggerated landmarks in crop
            pixels (as the map moves them: after the fold guard).
        warped: uint8 crop after the warp, before the style.
        crop_box: `(x0, y0, x1, y1)` of the crop in the photo.
        sample: int, the sample index.
        plane_map: the `plane_map.PlaneMap` the crop was warped by (crop
            pixels), or None.
    """

    caricature: np.ndarray
    photo: np.ndarray
    photo_points: np.ndarray
    generated_points: np.ndarray
    warped: np.ndarray
    crop_box: tuple
    sample: int = 0
    plane_map: object = None


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
        geometry: a geometry stage (`geometry_stage`: an `Exaggerator`, or a
            callable `(points, num_samples, temperature, seed, strength)
            -> (S, N, 2)`).
        warp: callable `(image uint8, src_xy, dst_xy) -> uint8 image`, the
            thin-plate spline through exactly the map's points (`warp.map_warp`).
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
        # Pixel centres as cv2.resize maps them: x_crop + 0.5 = (x - x0 + 0.5) * scale.
        crop_points = ((points - np.array(box[:2], np.float32) + 0.5) * scale
                       - 0.5).astype(np.float32)
        source, targets = stage_controls(self.geometry, crop_points, num_samples,
                                         temperature, seed, strength, crop)
        pins = plane_map_lib.pinned_points(crop_points)
        for sample, target in enumerate(targets):
            check_in_reach(target, self.crop_size, strength)
            landmarks_lib.check_points(target[:len(crop_points)], name="generated points")
            plane = plane_map_lib.unfolded(source, target, pins)  # the fold guard
            warped = np.asarray(_warp(self.warp, crop, plane.source, plane.target), np.uint8)
            styled = np.asarray(self.stylizer(warped), np.uint8)
            landmarks_moved = plane.control_target[:len(crop_points)].astype(np.float32)
            yield CaricatureResult(styled, crop, crop_points, landmarks_moved, warped, box,
                                   sample, plane)

    def __call__(self, image, strength=1.0, num_samples=1, temperature=None, seed=None):
        """The list of `iter_samples`' results: every sample of the photo at once."""
        return list(self.iter_samples(image, strength, num_samples, temperature, seed))

    def iter_samples(self, image, strength=1.0, num_samples=1, temperature=None, seed=None):
        """Caricatures the face(s) of one photo, one sample at a time: the points
        of all samples are drawn at once, each sample's images when asked for.

        Args:
            image: a file path or a uint8 RGB `(H, W, 3)` array.
            strength: float, exaggeration scale. Defaults to 1.0.
            num_samples: int, different caricatures to draw. Defaults to 1.
            temperature: float, sampling temperature of the geometry model
                (0 = deterministic). Defaults to None: the geometry's default
                (`geometry.resolve_temperature`: 0 for one sample, 1 for
                several).
            seed: int or None; the same seed gives the same output.

        Yields:
            `CaricatureResult`, one per sample (faces="largest"), or one per
            sample with every face pasted back (faces="all").

        Raises:
            errors.NoFaceError: no face in the photo.
            errors.UserError: bad input (`strength` < 0 or moving the points
                out of reach, an undecodable or too large photo, ...).
            ValueError / FileNotFoundError: other bad input.
        """
        strength = check_strength(strength)  # before the photo is read
        num_samples = check_num_samples(num_samples)
        if isinstance(image, np.ndarray):
            photo, name = fileio.to_rgb_uint8(image), "the photo"
        else:
            photo = fileio.read_image(image, max_pixels=self.max_pixels)
            name = os.fspath(image)
        faces = self.landmarker(photo)
        if not faces:
            raise errors.NoFaceError("No face found in the photo.")
        photo, faces = _turn_upright(photo, faces)
        faces = sorted(faces, key=lambda f: -face_width(f.points))
        if self.faces == "largest":
            faces = faces[:1]
        per_face = []
        for index, face in enumerate(faces):
            width = face_width(face.points)
            if width < SMALL_FACE_PX:
                logging.warning("Face %d of %s is only %.0f px wide: expect a coarse "
                                "result.", index, name, width)
            face_seed = None if seed is None else int(seed) + 1000 * index
            per_face.append(self._caricature_of_face(
                photo, np.asarray(face.points, np.float32), strength,
                int(num_samples), temperature, face_seed))
        if self.faces == "largest":
            yield from per_face[0]
            return
        for results in zip(*per_face):  # one sample of every face
            canvas = photo
            for r in results:
                canvas = paste_back(canvas, r.caricature, r.crop_box,
                                    *paste_points(r.plane_map, r.photo_points))
            yield dataclasses.replace(results[0], caricature=canvas)


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


def _turn_upright(photo, faces):
    """`(photo, faces)` turned so the faces stand upright, when the landmarker
    found them in a turned copy (`detect.FaceLandmarker(try_rotations=True)`
    sets `Face.rotation`, degrees counter-clockwise); else unchanged. The
    caricature of a sideways photo without an EXIF tag comes out upright."""
    quarter_turns = int(getattr(faces[0], "rotation", 0) or 0) // 90 % 4
    if not quarter_turns:
        return photo, faces
    points = [np.asarray(face.points, np.float32) for face in faces]  # (N, 2) each
    for _ in range(quarter_turns):  # np.rot90: pixel (x, y) lands on (y, W - 1 - x)
        width = photo.shape[1]
        photo = np.ascontiguousarray(np.rot90(photo))
        points = [np.stack([p[:, 1], width - 1 - p[:, 0]], axis=-1) for p in points]
    return photo, [types.SimpleNamespace(points=p) for p in points]



def build_caricaturist(geometry="vae", style=None, faces="largest",
                       detector="mtcnn", crop_size=512, compile_geometry=False,
                       style_max_side=DEFAULT_STYLE_MAX_SIDE,
                       style_weight=DEFAULT_STYLE_WEIGHT,
                       max_pixels=fileio.DEFAULT_MAX_PIXELS, try_rotations=False):
    """A `Caricaturist` with the detector, geometry, warp and style named.

    Args:
        geometry: a geometry spec. Defaults to the built-in VAE.
        style: a style spec (`"cartoongan:<style>"`, `"ugatit:<path>"`,
            `"cartoon"`, `"sketch"`, `"stylization"`, `"none"`). Defaults to
            None: `style.DEFAULT_STYLE`.
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
        try_rotations: bool, also look for faces in the photo turned by 90,
            180 and 270 degrees (`detect.FaceLandmarker`'s); a face found
            turned is caricatured upright. Defaults to `False`.
    """
    from tf_deepexag import detect, style as style_lib, warp  # pylint: disable=g-import-not-at-top

    landmarker = detect.FaceLandmarker(detector=detector,
                                       faces="all" if faces == "all" else "largest",
                                       try_rotations=try_rotations)
    return Caricaturist(
        landmarker=landmarker, geometry=build_geometry(geometry, compile_geometry),
        warp=warp.map_warp, stylizer=style_lib.make_stylizer(
            style, max_side=style_max_side, style_weight=style_weight),
        crop_size=crop_size, faces=faces, max_pixels=max_pixels)
