"""Synthetic paired faces: the built-in default data for tests and the demo.

The real MMC set is gated behind a signed agreement, so the project ships a
generator of MMC-like data (41 persons, about 547 pairs, 68 iBUG points).

Faces. The template is the astronaut photo's 68 dlib points
(`assets/astronaut_68.pts`), symmetrised with the scheme's mirror map and put
in a canonical frame (origin between the eyes, inter-ocular distance 1, y
down). A face is the template deformed by 14 component parameters (face width,
jaw length, chin, brow height and arch, eye size, spacing and tilt, nose length
and width, mouth width, lip thickness, mouth height, face aspect). A person
draws the parameters once; each photo adds a small expression jitter, point
noise and a pose (rotation, scale, position in a 256-px frame).

Caricatures. An artist exaggerates the photo's parameters component by
component: `q_c = g_c * a_c * p_c * (1 + kappa * |p_c| / sigma_c) + b_c + e`,
softly capped (`cap_c * tanh(q_c / cap_c)`) so features stay in place,
with a component gain `g_c` every artist shares (caricaturists agree that
noses and chins get more than eye spacing: 1.1 to 3.4), an artist modulation
`a_c` (0.85-1.15, 4 artists), a super-linear term (larger deviations grow
more), an artist bias `b_c` (one likes big eyes) and noise `e`. The caricature
gets its own pose. A single global factor (EDFM) therefore cannot reproduce
the mapping, while a model that reads the face's components can: on held-out
persons EDFM's error is 2-3x the noiseless generator's
(`synthetic_eval`, `bench/synthetic_edfm.py`).

Deterministic given the seed.
"""

import dataclasses
import os

import numpy as np

from tf_deepexag import landmarks
from tf_deepexag.data import paired

COMPONENTS = ("face_width", "jaw_length", "chin", "brow_height", "brow_arch",
              "eye_size", "eye_spacing", "eye_tilt", "nose_length", "nose_width",
              "mouth_width", "lip_thickness", "mouth_height", "face_aspect")
# Person-level standard deviation of each component (canonical units or ratios).
SIGMA = np.array([0.07, 0.08, 0.08, 0.06, 0.05, 0.10, 0.05, 0.06, 0.10, 0.10,
                  0.09, 0.12, 0.06, 0.05])
# Gain every artist applies to each component (before artist modulation).
# Spread wide (1.1 for eye spacing to 3.4 for the chin) so that one global
# factor cannot fit every component.
BASE_GAIN = np.array([1.6, 2.4, 3.4, 1.3, 2.2, 1.8, 1.1, 1.3, 3.2, 3.0,
                      2.2, 1.4, 1.6, 1.3])
KAPPA = 0.25          # strength of the super-linear exaggeration
# Soft limit of each caricature parameter (`cap * tanh(q / cap)`): artists
# exaggerate, but brows do not slide into the eyes. Brow height is capped by the
# template's brow-to-eye distance (about 0.3 canonical units).
CAP = np.where(np.arange(len(COMPONENTS)) == 3, 0.18, 5.0 * SIGMA)
NUM_ARTISTS = 4
_TEMPLATE_FILE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "assets",
                              "astronaut_68.pts")
_IBUG = landmarks.IBUG68


def canonical_template():
    """The symmetrised astronaut template: `(68, 2)`, eyes at (+-0.5, 0)."""
    points = landmarks.read_pts(_TEMPLATE_FILE).astype(np.float64)
    eyes = _eye_centres(points)
    # Rotate/scale so the eye centres sit at (-0.5, 0) and (0.5, 0).
    target = np.array([[-0.5, 0.0], [0.5, 0.0]])
    a = complex(*(target[1] - target[0])) / complex(*(eyes[1] - eyes[0]))
    z = (points[:, 0] + 1j * points[:, 1] - complex(*eyes[0])) * a + complex(*target[0])
    points = np.stack([z.real, z.imag], axis=-1)
    mirrored = points[list(_IBUG.mirror)] * [-1.0, 1.0]
    return ((points + mirrored) / 2.0).astype(np.float64)


def _eye_centres(points):
    return np.stack([points[36:42].mean(axis=0), points[42:48].mean(axis=0)])


def _scale_about(points, idx, centre, sx, sy):
    points[idx] = centre + (points[idx] - centre) * [sx, sy]


def deform(template, params):
    """Applies the 14 component parameters to a canonical face.

    Args:
        template: `(68, 2)` canonical points.
        params: `(14,)` parameters in the order of `COMPONENTS`.

    Returns:
        `(68, 2)` float64 canonical points.
    """
    p = dict(zip(COMPONENTS, params))
    f = template.copy()
    jaw, chin = np.arange(0, 17), np.arange(6, 11)
    brows, r_brow, l_brow = np.arange(17, 27), np.arange(17, 22), np.arange(22, 27)
    r_eye, l_eye = np.arange(36, 42), np.arange(42, 48)
    nose, lower_nose, lips = np.arange(28, 36), np.arange(31, 36), np.arange(48, 68)
    f[jaw, 0] *= 1.0 + p["face_width"]
    below = jaw[f[jaw, 1] > 0]
    f[below, 1] *= 1.0 + p["jaw_length"]
    f[chin, 1] += p["chin"] * np.array([0.3, 0.7, 1.0, 0.7, 0.3])
    f[brows, 1] -= p["brow_height"]
    f[[19, 24], 1] -= p["brow_arch"]
    f[[18, 20, 23, 25], 1] -= 0.5 * p["brow_arch"]
    for eye, brow, side in ((r_eye, r_brow, -1.0), (l_eye, l_brow, 1.0)):
        centre = f[eye].mean(axis=0)
        _scale_about(f, eye, centre, 1.0 + p["eye_size"], 1.0 + p["eye_size"])
        angle = side * p["eye_tilt"]
        rotation = np.array([[np.cos(angle), -np.sin(angle)],
                             [np.sin(angle), np.cos(angle)]])
        f[eye] = (f[eye] - centre) @ rotation.T + centre
        f[eye, 0] += side * p["eye_spacing"]
        f[brow, 0] += side * 0.5 * p["eye_spacing"]
    top = f[27].copy()
    _scale_about(f, nose, top, 1.0, 1.0 + p["nose_length"])
    _scale_about(f, lower_nose, np.array([0.0, f[33, 1]]), 1.0 + p["nose_width"], 1.0)
    shift = f[33, 1] - template[33, 1]
    f[lips, 1] += 0.5 * shift + p["mouth_height"]
    mouth = f[lips].mean(axis=0)
    _scale_about(f, lips, mouth, 1.0 + p["mouth_width"], 1.0 + p["lip_thickness"])
    f[:, 1] *= 1.0 + p["face_aspect"]
    return f


@dataclasses.dataclass(frozen=True)
class Artist:
    """One caricaturist's style: per-component modulation and bias."""

    modulation: np.ndarray
    bias: np.ndarray

    def exaggerate(self, params, rng, noise=0.15):
        """Caricature parameters for photo parameters (see module docstring)."""
        gain = BASE_GAIN * self.modulation
        superlinear = 1.0 + KAPPA * np.abs(params) / SIGMA
        q = gain * params * superlinear + self.bias + rng.normal(0.0, noise * SIGMA)
        return CAP * np.tanh(q / CAP)


def make_artists(rng, num_artists=NUM_ARTISTS):
    return [Artist(rng.uniform(0.85, 1.15, len(COMPONENTS)),
                   rng.normal(0.0, 0.3 * SIGMA)) for _ in range(num_artists)]


def _pose(canonical, rng, interocular, frame=256.0):
    """A random pose for a canonical face in a `frame`-pixel image.

    The scale is `interocular` pixels per canonical unit, reduced if needed so
    the face (landmarks plus forehead room) stays inside the frame.

    Returns:
        float64 `(2, 3)` similarity matrix (`landmarks.apply_similarity`).
    """
    lo, hi = canonical.min(axis=0), canonical.max(axis=0)
    extent = max(hi[0] - lo[0], 1.5 * (hi[1] - lo[1]))
    scale = min(interocular, 0.8 * frame / extent)
    angle = np.deg2rad(rng.normal(0.0, 5.0))
    box_centre = (lo + hi) / 2.0 - [0.0, 0.25 * (hi[1] - lo[1])]  # leave forehead room
    centre = frame / 2.0 + rng.normal(0.0, 4.0, 2)
    rotation = scale * np.exp(1j * angle)
    shift = complex(*centre) - rotation * complex(*box_centre)
    return landmarks.similarity_matrix(scale, angle, (shift.real, shift.imag))


def _place(faces, matrices):
    """`(P, 68, 2)` canonical faces posed by `(P, 2, 3)` matrices, float32.

    One call over all faces: posing them one at a time ran the TensorFlow
    ops eagerly a thousand times (3.5 s for the default 533 pairs).
    """
    return landmarks.apply_similarity(faces, np.stack(matrices)).numpy().astype(np.float32)


@dataclasses.dataclass(frozen=True)
class SyntheticPairs:
    """Synthetic pairs with the generating parameters kept for analysis."""

    pairs: "object"               # PairedLandmarks
    photo_params: np.ndarray      # (P, 14)
    caricature_params: np.ndarray  # (P, 14)
    artists: np.ndarray           # (P,) artist index
    canonical_photo: np.ndarray   # (P, 68, 2) before pose
    canonical_caricature: np.ndarray
    artist_styles: tuple = ()     # the `Artist`s, indexed by `artists`


def generate(num_persons=41, pairs_per_person=13, seed=0):
    """Generates synthetic pairs and their parameters. See `make_synthetic_pairs`."""
    if num_persons < 1 or pairs_per_person < 1:
        raise ValueError(f"`num_persons` and `pairs_per_person` must be positive, got "
                         f"{num_persons} and {pairs_per_person}.")
    rng = np.random.default_rng(seed)
    template = canonical_template()
    artists = make_artists(rng)
    rows = {k: [] for k in ("photo_pose", "car_pose", "pp", "cp", "artist", "cphoto", "ccar",
                            "person")}
    for person in range(num_persons):
        identity = rng.normal(0.0, SIGMA)
        for _ in range(pairs_per_person):
            params = identity + rng.normal(0.0, 0.15 * SIGMA)   # expression jitter
            artist = int(rng.integers(len(artists)))
            car_params = artists[artist].exaggerate(params, rng)
            photo = deform(template, params) + rng.normal(0.0, 0.008, (68, 2))
            caricature = deform(template, car_params) + rng.normal(0.0, 0.012, (68, 2))
            rows["photo_pose"].append(_pose(photo, rng, rng.uniform(45.0, 70.0)))
            rows["car_pose"].append(_pose(caricature, rng, rng.uniform(40.0, 60.0)))
            rows["pp"].append(params)
            rows["cp"].append(car_params)
            rows["artist"].append(artist)
            rows["cphoto"].append(photo)
            rows["ccar"].append(caricature)
            rows["person"].append(f"person_{person:03d}")
    canonical_photo, canonical_car = np.stack(rows["cphoto"]), np.stack(rows["ccar"])
    pairs = paired.PairedLandmarks(
        _place(canonical_photo, rows["photo_pose"]), _place(canonical_car, rows["car_pose"]),
        np.asarray(rows["person"], dtype=str))
    return SyntheticPairs(pairs, np.stack(rows["pp"]), np.stack(rows["cp"]),
                          np.asarray(rows["artist"]), canonical_photo, canonical_car,
                          tuple(artists))


def make_synthetic_pairs(num_persons=41, pairs_per_person=13, seed=0):
    """MMC-like synthetic photo/caricature landmark pairs, in memory.

    Args:
        num_persons: int. Defaults to 41 (MMC's count).
        pairs_per_person: int. Defaults to 13 (41 x 13 = 533, near MMC's 547).
        seed: int; the same seed gives the same pairs.

    Returns:
        `PairedLandmarks` with points in 256-px image frames.
    """
    return generate(num_persons, pairs_per_person, seed).pairs
