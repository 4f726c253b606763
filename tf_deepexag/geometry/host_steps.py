"""The geometry graph's landmark steps in float64 NumPy, for LiteRT's host side.

Shapes: B faces, N = 68 landmarks, T = N + K model points (K head points, 0
for a model of the landmarks only), P pins.

`geometry.inference.GeometryGraph` runs steps 0-2 and 4-6 (head points,
canonical frame, stroke-5; back from stroke-5, alignment, strength) in
float64 and only the VAE (step 3) in float32. TFLite has no float64 kernels:
in float32 those steps alone moved the shipped model's points by 2.8e-4 to
5.8e-4 px. So the LiteRT runner (`serving.LiteExaggerator`) runs the VAE from
the `decode_<q>.tflite` file and these steps here, from the numbers the
export writes beside it (`geometry.json`, `export.tflite.host_spec`): the
VAE then reads the same float32 strokes in every runtime. This module is
that arithmetic written for NumPy (the runner imports no TensorFlow); tests
hold it to the TensorFlow steps within 1e-9 px (tests/geometry/
test_host_steps.py).

`geometry.json`:
    num_landmarks  N
    align          "jaw" or "procrustes" (`landmarks.align`)
    alignment_pair the jaw ends (the "jaw" rule)
    pen_states     `(T, 3)` stroke-5 pen flags
    photo_scale, caricature_scale, strength_scale, mean_shape (`(T, 2)` or
                   null): `landmarks.NormalizationStats`
    head           null, or {"frame_groups": point indices whose means are
                   the face frame's points, "frame_template": `(F, 2)`,
                   "head_template": `(K, 2)`} (`landmarks.head`)
"""

import json
import os

import numpy as np

from tf_deepexag.geometry.sampling_inputs import apply_strength

SPEC_FILE = "geometry.json"
# Squared lengths below this are degenerate: divide by it instead (the
# graph's `landmarks.alignment._TINY`).
_TINY = 1e-12


def estimate_similarity(source, target, method, pair=(0, 16)):
    """`(B, 2, 3)` similarities moving `(B, N, 2)` source onto target points
    (`(B, N, 2)` or `(N, 2)`): `landmarks.estimate_similarity`'s rules."""
    s = source
    d = np.broadcast_to(target, s.shape)
    if method == "jaw":
        i, j = pair
        u, v = s[:, j] - s[:, i], d[:, j] - d[:, i]                      # (B, 2)
        norm = np.maximum(np.sum(u * u, axis=-1), _TINY)
        a_re = (u[:, 0] * v[:, 0] + u[:, 1] * v[:, 1]) / norm
        a_im = (u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]) / norm
        s_ref, d_ref = s[:, i], d[:, i]
    else:
        s_ref, d_ref = s.mean(axis=1), d.mean(axis=1)                    # (B, 2)
        sc, dc = s - s_ref[:, None], d - d_ref[:, None]
        energy = np.maximum(np.sum(sc * sc, axis=(1, 2)), _TINY)
        a_re = np.sum(sc[..., 0] * dc[..., 0] + sc[..., 1] * dc[..., 1], axis=-1) / energy
        a_im = np.sum(sc[..., 0] * dc[..., 1] - sc[..., 1] * dc[..., 0], axis=-1) / energy
    b_x = d_ref[:, 0] - (a_re * s_ref[:, 0] - a_im * s_ref[:, 1])
    b_y = d_ref[:, 1] - (a_im * s_ref[:, 0] + a_re * s_ref[:, 1])
    return np.stack([np.stack([a_re, -a_im, b_x], -1), np.stack([a_im, a_re, b_y], -1)], -2)


def apply_similarity(points, matrix):
    """`(B, N, 2)` points moved by `(B, 2, 3)` similarities."""
    return np.einsum("bij,bnj->bni", matrix[:, :, :2], points) + matrix[:, None, :, 2]


def invert_similarity(matrix):
    """The inverse `(B, 2, 3)` similarities."""
    linear = np.linalg.inv(matrix[:, :, :2])                             # (B, 2, 2)
    shift = -np.einsum("bij,bj->bi", linear, matrix[:, :, 2])
    return np.concatenate([linear, shift[:, :, None]], axis=-1)


class HostSteps:
    """Steps 0-2 and 4-6 of `GeometryGraph` from a `geometry.json` spec.

    Args:
        spec: the dict `export.tflite.host_spec` writes.

    Example:
        >>> steps = HostSteps.load("out/tflite")
        >>> photo = steps.model_points(points)                  # (B, T, 2) float64
        >>> strokes, anchor, back = steps.photo_strokes(photo)  # strokes float32
        >>> targets = steps.targets(decoded, anchor, back, photo, strength=1.0)
    """

    def __init__(self, spec):
        self.num_landmarks = int(spec["num_landmarks"])
        self.align = spec["align"]
        self.alignment_pair = tuple(spec["alignment_pair"])
        self.pen_states = np.asarray(spec["pen_states"], np.float64)     # (T, 3)
        self.photo_scale = float(spec["photo_scale"])
        self.caricature_scale = float(spec["caricature_scale"])
        self.strength_scale = float(spec["strength_scale"])
        self.mean_shape = (None if spec["mean_shape"] is None
                           else np.asarray(spec["mean_shape"], np.float64))
        head = spec.get("head")
        self.frame_groups = None if head is None else [list(g) for g in head["frame_groups"]]
        self.frame_template = None if head is None else np.asarray(head["frame_template"])
        self.head_template = None if head is None else np.asarray(head["head_template"])
        self.num_steps = len(self.pen_states)

    @classmethod
    def load(cls, directory):
        """The spec in `directory/geometry.json`; `FileNotFoundError` naming it."""
        path = os.path.join(os.fspath(directory), SPEC_FILE)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"No {SPEC_FILE} in {directory}: export it with "
                                    "`python -m export.tflite`.")
        with open(path, encoding="utf-8") as f:
            return cls(json.load(f))

    def model_points(self, photo_points):
        """`(B, T, 2)` float64: the landmarks, then their head points (step 0)."""
        photo = np.asarray(photo_points, np.float64)
        if self.head_template is None:
            return photo
        frame = np.stack([photo[:, g].mean(axis=1) for g in self.frame_groups], axis=1)
        matrix = estimate_similarity(np.broadcast_to(self.frame_template, frame.shape),
                                     frame, "procrustes")                # template -> face
        head = apply_similarity(np.broadcast_to(self.head_template,
                                                (len(photo),) + self.head_template.shape),
                                matrix)
        return np.concatenate([photo, head], axis=1)

    def photo_strokes(self, photo):
        """`(strokes, anchor, back)` of `(B, T, 2)` model points (steps 1-2):
        float32 `(B, T, 5)` normalised strokes (what the VAE reads), the
        `(B, 2)` anchor and `(B, 2, 3)` similarity back to the photo."""
        if self.mean_shape is None:
            canonical, matrix = photo, np.broadcast_to(np.eye(2, 3), (len(photo), 2, 3))
        else:
            matrix = estimate_similarity(photo, self.mean_shape, "procrustes")
            canonical = apply_similarity(photo, matrix)
        offsets = np.diff(canonical, axis=1, prepend=canonical[:, :1]) / self.photo_scale
        pen = np.broadcast_to(self.pen_states, offsets.shape[:2] + (3,))
        strokes = np.concatenate([offsets, pen], axis=-1).astype(np.float32)
        return strokes, canonical[:, 0], invert_similarity(matrix)

    def targets(self, strokes, anchor, back, photo, strength):
        """`(B, T, 2)` float64 targets of decoded strokes (steps 4-6).

        Args:
            strokes: `(B, T, 5)` float32 decoded strokes.
            anchor, back: from `photo_strokes`.
            photo: `(B, T, 2)` model points (`model_points`).
            strength: float, the user's strength (times `strength_scale`),
                read as float32 as the graph's input is.
        """
        offsets = np.asarray(strokes, np.float64)[..., :2] * self.caricature_scale
        generated = apply_similarity(np.cumsum(offsets, axis=1) + anchor[:, None], back)
        matrix = estimate_similarity(generated, photo, self.align, self.alignment_pair)
        return apply_strength(photo, apply_similarity(generated, matrix),
                              float(np.float32(strength)) * self.strength_scale)
