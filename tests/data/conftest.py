"""Fixtures for the data tests: small paired folders written on the fly."""

import csv
import hashlib
import os

import numpy as np
import pytest

from tf_deepexag import landmarks


def _tree_digest(root):
    """SHA-256 over every file path and content under `root`."""
    digest = hashlib.sha256()
    for folder, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            path = os.path.join(folder, name)
            digest.update(path.encode())
            with open(path, "rb") as f:
                digest.update(f.read())
    return digest.hexdigest()


def write_paired_folder(root, num_persons=3, pairs_per_person=2, seed=0):
    """Writes a small valid paired dataset; returns (root, photo, caricature)."""
    rng = np.random.default_rng(seed)
    rows, photos, caricatures = [], [], []
    for person in range(num_persons):
        for k in range(pairs_per_person):
            photo = rng.uniform(10, 200, (68, 2)).astype(np.float32)
            caricature = rng.uniform(10, 200, (68, 2)).astype(np.float32)
            stem = f"p{person}_{k}"
            landmarks.write_pts(os.path.join(root, stem + "_photo.pts"), photo)
            np.savetxt(os.path.join(root, stem + "_car.txt"), caricature, fmt="%.9g")
            rows.append({"person": f"person{person}", "photo_image": "",
                         "photo_points": stem + "_photo.pts", "caricature_image": "",
                         "caricature_points": stem + "_car.txt"})
            photos.append(photo)
            caricatures.append(caricature)
    with open(os.path.join(root, "pairs.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return root, np.stack(photos), np.stack(caricatures)


@pytest.fixture
def paired_folder(tmp_path):
    return write_paired_folder(str(tmp_path))


@pytest.fixture
def tree_digest():
    """`tree_digest(root)`: SHA-256 of a folder tree, to show reading changes nothing."""
    return _tree_digest
