"""The pipeline's warp is the map of the plane: a marked photo pixel appears
where `PlaneMap.forward` (what `Exaggerator.map_points` evaluates) says."""

import dataclasses

import numpy as np

from tf_deepexag import landmarks, pipeline, plane_map, warp

ASTRONAUT = landmarks.read_pts(
    pipeline.__file__.replace("pipeline.py", "assets/astronaut_68.pts")).astype(np.float32)


@dataclasses.dataclass
class _Face:
    points: np.ndarray


def _geometry(points, num_samples, temperature, seed, strength=1.0):
    """Eyes wider apart, jaw narrower, chin lower: a few pixels each way
    (times `strength`, which a stage applies)."""
    del temperature, seed
    out = points.copy()
    out[36:42, 0] -= 3.0
    out[42:48, 0] += 3.0
    out[0:17, 0] = points[8, 0] + 0.85 * (points[0:17, 0] - points[8, 0])
    out[5:12, 1] += 5.0
    out = points + strength * (out - points)
    return np.repeat(out[None], num_samples, axis=0)


def _dots(shape, centres, sigma=1.5):
    """uint8 grey image of Gaussian blobs (x, y centres)."""
    yy, xx = np.mgrid[:shape[0], :shape[1]].astype(np.float64)
    image = np.zeros(shape[:2])
    for x, y in centres:
        image += np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * sigma ** 2))
    return np.repeat(np.clip(255 * image + 0.5, 0, 255).astype(np.uint8)[..., None], 3, -1)


def _centroid(image, near, radius=5):
    x, y = np.round(near).astype(int)
    patch = image[y - radius:y + radius + 1, x - radius:x + radius + 1, 0].astype(np.float64)
    yy, xx = np.mgrid[-radius:radius + 1, -radius:radius + 1]
    weight = patch / patch.sum()
    return np.array([x + (weight * xx).sum(), y + (weight * yy).sum()])


def test_marked_pixels_land_where_the_map_says():
    # Dots on the face and around the head, in photo pixels.
    centre, size, _ = plane_map.face_frame(ASTRONAUT)
    dots = np.concatenate([ASTRONAUT[[2, 19, 26, 30, 39, 42, 48, 54]] + [2.5, -3.0],
                           centre + size * np.array([[0.0, -1.8], [-1.5, -0.5], [1.9, 0.2],
                                                     [0.0, 2.6]])])  # >= 20 px apart
    photo = _dots((512, 512, 3), dots)
    artist = pipeline.Caricaturist(
        landmarker=lambda image: [_Face(ASTRONAUT)], geometry=_geometry,
        warp=warp.map_warp, stylizer=lambda image: image, crop_size=320)
    result = artist(photo, strength=1.5)[0]
    x0, y0, x1, _ = result.crop_box
    in_crop = (dots - [x0, y0] + 0.5) * (320 / (x1 - x0)) - 0.5  # cv2's pixel centres
    # The dots are found where they are drawn when nothing moves.
    unmoved = np.array([_centroid(result.photo, p) for p in in_crop])
    assert np.max(np.hypot(*(unmoved - in_crop).T)) < 0.1
    predicted = result.plane_map.forward(in_crop)
    moved = np.hypot(*(predicted - in_crop).T)
    assert moved.max() > 5.0  # the test has teeth: dots move several pixels
    found = np.array([_centroid(result.warped, p) for p in predicted])
    errors = np.hypot(*(found - predicted).T)
    # Measured 0.02-0.9 px: the warp's coarse grid (docs/warp.md); <= 0.35 px
    # at grid_step=1.
    assert errors.max() < 1.0, errors
    # Strength applied once: the landmarks moved 1.5 times the geometry's offsets.
    crop_points = result.photo_points
    want = crop_points + 1.5 * (_geometry(crop_points, 1, 0.0, None)[0] - crop_points)
    np.testing.assert_allclose(result.generated_points, want, atol=1e-3)


def test_the_crop_holds_the_map_and_paste_back_keeps_the_background():
    photo = np.random.default_rng(0).integers(0, 255, (600, 600, 3), dtype=np.uint8)
    small = ((ASTRONAUT - ASTRONAUT.mean(0)) * 0.6 + [450, 420]).astype(np.float32)
    artist = pipeline.Caricaturist(
        landmarker=lambda image: [_Face(ASTRONAUT), _Face(small)], geometry=_geometry,
        warp=warp.map_warp, stylizer=lambda image: image, crop_size=256, faces="all")
    result = artist(photo, strength=2.0)[0]
    plane = result.plane_map
    # The pins lie inside the crop; its border does not move.
    rings = plane.source[plane.num_controls:][:2 * plane_map.PINS_PER_RING]
    assert rings.min() > 0 and rings.max() < 255
    edge = np.concatenate([np.stack([np.arange(256), np.zeros(256)], 1),
                           np.stack([np.zeros(256), np.arange(256)], 1),
                           np.stack([np.arange(256), np.full(256, 255)], 1)])
    assert np.max(np.abs(plane.forward(edge) - edge)) < 0.5
    # With an identity style, the pasted photo differs from the original only
    # inside the heads' crops, and by the warp only.
    changed = np.any(np.abs(result.caricature.astype(int) - photo) > 2, axis=-1)
    assert changed.any()
    for face in (ASTRONAUT, small):
        x0, y0, x1, y1 = pipeline.face_crop_box(face, photo.shape)
        changed[max(y0, 0):y1, max(x0, 0):x1] = False
    assert not changed.any()
