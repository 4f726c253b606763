"""Writes the synthetic set to disk in the real datasets' layouts.

    <folder>/pairs.csv                     paired layout (geometry training)
    <folder>/persons/<person>/photo_NN.pts|png, caricature_NN.pts|png
    <folder>/trainA, trainB, testA, testB  unpaired layout (style training),
                                           photos in A, caricatures in B,
                                           split by person (hard links to the
                                           images above where possible)

Every file is written atomically (`fileio`); the same arguments give
byte-identical files.
"""

import csv
import io
import os
import shutil

import numpy as np
from absl import logging

from tf_deepexag import fileio, landmarks
from tf_deepexag.data import paired, render, split, synthetic


def write_synthetic_dataset(folder, num_persons=41, pairs_per_person=13, seed=0,
                            image_size=256, with_images=True, test_fraction=0.15,
                            progress=None):
    """Generates the synthetic set and writes it under `folder`.

    Args:
        folder: str, created if missing.
        num_persons, pairs_per_person, seed: see `make_synthetic_pairs`.
        image_size: int, rendered image side (points are scaled to it).
        with_images: bool, also render images and the unpaired folders.
        test_fraction: float, persons held out into `testA`/`testB`.
        progress: optional callable run once per written pair.

    Returns:
        The `PairedLandmarks` written (points in `image_size` pixels).
    """
    if int(image_size) < 32:
        raise ValueError(f"`image_size` must be at least 32, got {image_size}.")
    pairs = synthetic.make_synthetic_pairs(num_persons, pairs_per_person, seed)
    factor = image_size / 256.0
    pairs = paired.PairedLandmarks(pairs.photo * factor, pairs.caricature * factor,
                                   pairs.persons)
    rng = np.random.default_rng(seed + 1)
    _, test = split.split_by_person(pairs, test_fraction, seed) if num_persons > 1 \
        else (pairs, pairs.subset([]))
    test_persons = set(test.persons.tolist())
    rows, counters = [], {}
    for i in range(len(pairs)):
        person = str(pairs.persons[i])
        k = counters[person] = counters.get(person, -1) + 1
        base = os.path.join("persons", person)
        row = {"person": person}
        for domain, points, letter in (("photo", pairs.photo[i], "A"),
                                       ("caricature", pairs.caricature[i], "B")):
            stem = os.path.join(base, f"{domain}_{k:02d}")
            landmarks.write_pts(os.path.join(folder, stem + ".pts"), points)
            row[f"{domain}_points"] = stem + ".pts"
            row[f"{domain}_image"] = ""
            if with_images:
                ext = ".png"  # lossless: the rendered style is exactly what is stored
                image = render.render_face(points, domain, rng, image_size)
                fileio.write_image(os.path.join(folder, stem + ext), image)
                row[f"{domain}_image"] = stem + ext
                part = "test" if person in test_persons else "train"
                _link_or_copy(os.path.join(folder, stem + ext),
                              os.path.join(folder, f"{part}{letter}",
                                           f"{person}_{k:02d}{ext}"))
        rows.append(row)
        if progress:
            progress()
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=paired.COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    fileio.write_text_atomic(os.path.join(folder, paired.PAIRS_FILE), buffer.getvalue())
    logging.info("Wrote %d synthetic pairs of %d persons to %s", len(pairs),
                 pairs.num_persons, folder)
    return pairs


def _link_or_copy(source, destination):
    """Hard-links `source` to `destination` (copies where links fail)."""
    os.makedirs(os.path.dirname(destination), exist_ok=True)
    if os.path.exists(destination):
        os.remove(destination)
    try:
        os.link(source, destination)
    except OSError:
        shutil.copyfile(source, destination)
