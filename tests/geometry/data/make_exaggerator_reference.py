"""Writes `exaggerator_reference.npz`: outputs of the NumPy `Exaggerator` of
commit 55cc899 (before the one-graph rewrite) on the built-in model.

How it was made (2-core CPU, TF 2.21), from a checkout of commit 55cc899:
    PYTHONPATH=$PWD python tests/geometry/data/make_exaggerator_reference.py

It calls the OLD API (`deterministic=True`, which is `temperature=0` today);
`tests/geometry/test_exaggerator_reference.py` replays each call with the
current API and compares. The inputs are stored too (the astronaut's points
and two synthetic photos), with the SHA-256 of the model file they belong to.
"""

import hashlib
import os

import numpy as np

from tf_deepexag import data, landmarks
from tf_deepexag.geometry import Exaggerator, default_model_dir, load_artifacts

_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(_HERE)))


def main():
    model_dir = default_model_dir()
    with open(os.path.join(model_dir, "vae.keras"), "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    astronaut = landmarks.read_pts(os.path.join(_ROOT, "tests", "data", "astronaut_68.pts"))
    synthetic = data.make_synthetic_pairs(num_persons=2, pairs_per_person=1, seed=0).photo
    photos = np.concatenate([astronaut[None], synthetic]).astype(np.float32)  # (3, 68, 2)
    model, stats, _ = load_artifacts(model_dir)
    jaw = Exaggerator(model, stats, align="jaw")
    procrustes = Exaggerator(model, stats, align="procrustes")
    out = {
        "model_sha256": np.asarray(sha),
        "photos": photos,
        "deterministic": jaw.exaggerate(photos, deterministic=True),
        "deterministic_procrustes": procrustes.exaggerate(photos, deterministic=True),
        "sampled_t05_seed7_s2": jaw.exaggerate(photos, num_samples=2, temperature=0.5,
                                               seed=7),
        "sampled_t1_seed3_strength17": jaw.exaggerate(photos[0], temperature=1.0, seed=3,
                                                      strength=1.7),
        "encode": jaw.encode(photos),
        "interpolate_deterministic": jaw.interpolate(photos[0], photos[1], num=4),
        "interpolate_t05_seed5": jaw.interpolate(photos[0], photos[2], num=3,
                                                 temperature=0.5, seed=5,
                                                 deterministic=False),
    }
    path = os.path.join(_HERE, "exaggerator_reference.npz")
    np.savez_compressed(path, **out)
    print("wrote", path, {k: np.shape(v) for k, v in out.items()})


if __name__ == "__main__":
    main()
