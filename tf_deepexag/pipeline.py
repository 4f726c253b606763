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

Shapes: N = 68 points, S samples.
"""

import dataclasses

import cv2
import numpy as np
from absl import logging

from tf_deepexag import fileio
from tf_deepexag import landmarks as landmarks_lib

# Faces narrower than this (pixels, in the photo) are processed but flagged:
# the detector's points and the warp lose precision below it.
SMALL_FACE_PX = 48


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

    The mask is the convex hull of the face points (in crop pixels), grown and
    blurred, so only the face region changes and the seam is invisible.
    """
    x0, y0, x1, y1 = box
    size = x1 - x0
    h, w = photo.shape[:2]
    crop = cv2.resize(crop, (size, size), interpolation=cv2.INTER_CUBIC)
    mask = np.zeros(crop.shape[:2], np.float32)
    scale = size / float(crop.shape[0]) if crop.shape[0] else 1.0
    hull = cv2.convexHull((points * scale).astype(np.int32))
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


def scale_displacement(photo_points, generated_points, strength):
    """`photo + strength * (generated - photo)`: 0 keeps the photo's geometry."""
    if not np.isfinite(strength):
        raise ValueError(f"`strength` must be finite, got {strength}.")
    return (photo_points + strength * (generated_points - photo_points)).astype(np.float32)


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

    Example:
        >>> artist = tf_deepexag.Caricaturist.default()
        >>> result = artist("photo.jpg", strength=1.0, seed=0)[0]
        >>> tf_deepexag.fileio.write_image("caricature.png", result.caricature)
    """

    def __init__(self, landmarker, geometry, warp, stylizer, crop_size=512,
                 faces="largest"):
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
            landmarks_lib.check_points(target, name="generated points")
            warped = np.asarray(self.warp(crop, crop_points, target), np.uint8)
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
            ValueError / FileNotFoundError / fileio.ImageReadError: bad input.
        """
        if int(num_samples) < 1:
            raise ValueError(f"`num_samples` must be at least 1, got {num_samples}.")
        if temperature is None:
            temperature = 0.0 if int(num_samples) == 1 else 1.0
        if isinstance(image, np.ndarray):
            photo = fileio.to_rgb_uint8(image)
        else:
            photo = fileio.read_image(image)
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
                canvas = paste_back(canvas, r.caricature, r.crop_box, r.photo_points)
            composed.append(dataclasses.replace(per_face[0][sample], caricature=canvas))
        return composed


def _face_width(points):
    points = np.asarray(points)
    return float(points[:, 0].max() - points[:, 0].min())

