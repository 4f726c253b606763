"""The measures used to compare geometry models and baselines.

Shapes: B faces, S samples, N points.

Landmark error: the prediction is moved onto the target caricature by the
least-squares similarity (Procrustes: translation, rotation, uniform scale),
then the mean point-to-point Euclidean distance is divided by the target's
inter-ocular distance (outer eye corners 36 and 45). Pose and size are thus
factored out: the error measures shape only, the same way for every method.

Displacements: a face (model output or artist's caricature) is moved onto its
photo by the least-squares similarity, and its displacement is the `(N, 2)`
difference from the photo in units of the photo's inter-ocular distance, so
the artist's pose and the image scale drop out. From them:
    cosine    = <d_model, d_artist> / (|d_model| |d_artist|)   per face, over
                all 2N coordinates (0 where a displacement is zero, e.g. the
                identity)
    magnitude = mean point length of a displacement (IOD)
    ratio     = sum_faces magnitude(model) / sum_faces magnitude(artist)
The spread of several samples of one face is their mean pairwise landmark
error (`landmark_error` of one sample against another, averaged over pairs).
"""

import itertools

import numpy as np

from tf_deepexag import landmarks


def landmark_error(predicted, target):
    """Per-face error `(...,)` of `(..., N, 2)` predictions against targets."""
    predicted = np.asarray(predicted, np.float64)
    target = np.broadcast_to(np.asarray(target, np.float64), predicted.shape)
    aligned = landmarks.align(predicted, target, "procrustes").numpy()
    distance = np.linalg.norm(aligned - target, axis=-1).mean(axis=-1)
    return distance / np.asarray(landmarks.interocular_distance(target))


def displacement(points, photo):
    """`(..., N, 2)` displacement of faces from their photos, in photo IODs."""
    points = np.asarray(points, np.float64)
    photo = np.broadcast_to(np.asarray(photo, np.float64), points.shape)
    aligned = np.asarray(landmarks.align(points, photo, "procrustes"), np.float64)
    return (aligned - photo) / np.asarray(landmarks.interocular_distance(photo))[..., None, None]


def magnitude(points, photo):
    """Mean point length `(...,)` of `displacement(points, photo)`."""
    return np.linalg.norm(displacement(points, photo), axis=-1).mean(axis=-1)


def displacement_cosine(predicted, target, photo):
    """Per-face cosine `(...,)` between predicted and target displacements."""
    shape = np.broadcast_shapes(np.shape(predicted), np.shape(target), np.shape(photo))
    photo = np.broadcast_to(photo, shape)
    a = displacement(np.broadcast_to(predicted, shape), photo)
    b = displacement(np.broadcast_to(target, shape), photo)
    a, b = a.reshape(a.shape[:-2] + (-1,)), b.reshape(b.shape[:-2] + (-1,))
    norms = np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1)
    dot = np.sum(a * b, axis=-1)
    return np.where(norms > 1e-12, dot / np.maximum(norms, 1e-12), 0.0)


def sample_spread(samples):
    """Mean pairwise landmark error `(B,)` between the S >= 2 samples of each face.

    Args:
        samples: `(B, S, N, 2)`.
    """
    samples = np.asarray(samples, np.float64)
    if samples.ndim != 4 or samples.shape[1] < 2:
        raise ValueError(f"`samples` must be (B, S >= 2, N, 2), got {samples.shape}.")
    pairs = list(itertools.combinations(range(samples.shape[1]), 2))
    return np.mean([landmark_error(samples[:, i], samples[:, j]) for i, j in pairs],
                   axis=0)


def score(predicted, target, photo):
    """The deterministic measures of `(B, N, 2)` predictions, as a dict.

    Returns:
        `error` (mean landmark error), `error_per_face` (list), `cosine`
        (mean), `ratio` (magnitude ratio) and `magnitude` (model, IOD).
    """
    predicted, target, photo = (np.asarray(x, np.float64)
                                for x in (predicted, target, photo))
    error = landmark_error(predicted, target)
    moved = magnitude(predicted, photo)
    return {"error": float(error.mean()), "error_per_face": error.tolist(),
            "cosine": float(displacement_cosine(predicted, target, photo).mean()),
            "ratio": float(moved.sum() / magnitude(target, photo).sum()),
            "magnitude": float(moved.mean())}


def score_samples(samples, target, photo):
    """Measures of `(B, S, N, 2)` random samples, as a dict.

    Returns:
        `sample_error` (mean over faces and samples), `sample_error_per_draw`
        (S means over faces: each draw scored alone), `sample_cosine`, and
        `spread` (mean pairwise error between a face's samples; S >= 2).
    """
    samples = np.asarray(samples, np.float64)
    target = np.asarray(target, np.float64)[:, None]
    photo = np.asarray(photo, np.float64)[:, None]
    error = landmark_error(samples, target)  # (B, S)
    out = {"sample_error": float(error.mean()),
           "sample_error_per_draw": error.mean(axis=0).tolist(),
           "sample_cosine": float(displacement_cosine(samples, target, photo).mean())}
    if samples.shape[1] >= 2:
        out["spread"] = float(sample_spread(samples).mean())
    return out


# Measures of the issue-25 report: landmarks and head points, in the image
# frame (unaligned) or after least-squares alignment onto the photo (over all
# points), in units of the photo's eye-centre distance (the means of the six
# points of each eye; not the outer corners `landmark_error` uses).
REGIONS = {"landmarks": slice(0, 68), "head": slice(68, None)}
FRAMES = ("unaligned", "aligned")


def eye_centre_distance(points):
    """Distance between the eye centres (iBUG 36-41, 42-47), `(...,)`."""
    points = np.asarray(points, np.float64)
    return np.linalg.norm(points[..., 42:48, :].mean(-2) - points[..., 36:42, :].mean(-2),
                          axis=-1)


def frame_displacement(points, photo, frame="unaligned"):
    """`(..., N, 2)` displacement from the photo in its eye-centre distances.

    Args:
        points: `(..., N, 2)` faces in the photo's pixels.
        photo: `(..., N, 2)` their photos (broadcast).
        frame: "unaligned" (as they are: pose changes count) or "aligned"
            (moved onto the photo by the least-squares similarity first).
    """
    if frame not in FRAMES:
        raise ValueError(f"`frame` must be one of {FRAMES}, got {frame!r}.")
    points = np.asarray(points, np.float64)
    photo = np.broadcast_to(np.asarray(photo, np.float64), points.shape)
    if frame == "aligned":
        points = np.asarray(landmarks.align(points, photo, "procrustes"), np.float64)
    return (points - photo) / eye_centre_distance(photo)[..., None, None]


def _cosine(a, b):
    a, b = a.reshape(a.shape[:-2] + (-1,)), b.reshape(b.shape[:-2] + (-1,))
    norms = np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1)
    return np.where(norms > 1e-12, np.sum(a * b, -1) / np.maximum(norms, 1e-12), 0.0)


def region_scores(predicted, target, photo, frame="unaligned", samples=None):
    """Per-region measures of predictions against the artists, as a dict.

    Args:
        predicted: `(B, N, 2)` the method's faces (N = 68, or 68 + K head points).
        target: `(B, N, 2)` the artists'.
        photo: `(B, N, 2)` the photos.
        frame: "unaligned" or "aligned" (`frame_displacement`).
        samples: optional `(B, S, N, 2)` random draws of the method.

    Returns:
        `{region: {cosine, ratio, error, magnitude, artist_magnitude}}` for the
        regions the points cover: cosine per face between the displacements,
        ratio of summed mean point lengths (method / artist), error the mean
        point distance to the artist (IOD). With `samples` also
        `sample_cosine` (mean over faces and draws), `sample_cosine_min` (the
        lowest of the S draws' means over faces), `spread` (mean point
        distance between two draws of a face, averaged over pairs) and
        `spread_ratio` (spread / the artists' mean magnitude).
    """
    d_pred = frame_displacement(predicted, photo, frame)
    d_art = frame_displacement(target, photo, frame)
    d_samples = (None if samples is None else
                 frame_displacement(samples, np.asarray(photo)[:, None], frame))
    out = {}
    for region, index in REGIONS.items():
        if d_art[..., index, :].shape[-2] == 0:
            continue
        p, a = d_pred[..., index, :], d_art[..., index, :]
        artist = np.linalg.norm(a, axis=-1).mean(-1)  # (B,)
        moved = np.linalg.norm(p, axis=-1).mean(-1)
        scores = {"cosine": float(_cosine(p, a).mean()),
                  "ratio": float(moved.sum() / artist.sum()),
                  "error": float(np.linalg.norm(p - a, axis=-1).mean()),
                  "magnitude": float(moved.mean()), "artist_magnitude": float(artist.mean())}
        if d_samples is not None:
            s = d_samples[..., index, :]  # (B, S, n, 2)
            per_draw = _cosine(s, a[:, None])  # (B, S)
            scores["sample_cosine"] = float(per_draw.mean())
            scores["sample_cosine_min"] = float(per_draw.mean(axis=0).min())
            if s.shape[1] >= 2:
                pairs = list(itertools.combinations(range(s.shape[1]), 2))
                spread = np.mean([np.linalg.norm(s[:, i] - s[:, j], axis=-1).mean()
                                  for i, j in pairs])
                scores["spread"] = float(spread)
                scores["spread_ratio"] = float(spread / artist.mean())
        out[region] = scores
    return out


def pose_change(points, photo, region="head"):
    """The pose part of faces' displacements from their photos (image frame).

    The pose change is the least-squares similarity moving each photo onto
    its face over all N points; its part of the displacement is where that
    similarity alone takes the photo's points. Aligned measures remove it;
    unaligned ones count it.

    Args:
        points: `(B, N, 2)` faces (e.g. the artists' caricatures).
        photo: `(B, N, 2)` their photos.
        region: a `REGIONS` key, where `share` and `cosine` are measured.

    Returns:
        `{name: (B,) float64}`: `rotation_deg` (from +x towards +y: clockwise
        on screen, where y points down), `scale` (the similarity's factor minus 1), `shift_x`
        and `shift_y` (the photo centroid's move, eye-centre distances;
        y down), `share` (the pose part's share of the region's squared
        displacement) and `cosine` (between the pose part and the whole
        displacement over the region).
    """
    points = np.asarray(points, np.float64)
    photo = np.broadcast_to(np.asarray(photo, np.float64), points.shape)
    matrix = np.asarray(landmarks.estimate_similarity(photo, points, "procrustes"))
    posed = np.asarray(landmarks.apply_similarity(photo, matrix), np.float64)
    unit = eye_centre_distance(photo)[:, None, None]
    index = REGIONS[region]
    pose, whole = ((posed - photo) / unit)[:, index], ((points - photo) / unit)[:, index]
    shift = (posed - photo).mean(axis=1) / unit[:, 0]
    energy = np.sum(whole ** 2, axis=(1, 2))
    return {"rotation_deg": np.degrees(np.arctan2(matrix[:, 1, 0], matrix[:, 0, 0])),
            "scale": np.hypot(matrix[:, 0, 0], matrix[:, 1, 0]) - 1.0,
            "shift_x": shift[:, 0], "shift_y": shift[:, 1],
            "share": np.sum(pose ** 2, axis=(1, 2)) / np.maximum(energy, 1e-24),
            "cosine": _cosine(pose, whole)}
