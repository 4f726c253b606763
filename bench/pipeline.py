"""End-to-end pipeline benchmark on the astronaut photo (512x512).

Reports per-stage milliseconds for one photo with warm models, photos/s over
a folder of 20 photos, and the warp degree (CariMe's measure: mean landmark
displacement in pixels for a face scaled to 256 px) at strengths 0.5, 1, 2.

    python bench/pipeline.py [--geometry vae|edfm] [--style cartoon|none|...]
"""

import argparse
import os
import sys
import tempfile
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench._report import report  # pylint: disable=wrong-import-position
from tf_deepexag import fileio, pipeline  # pylint: disable=wrong-import-position


def _median_ms(fn, repeats=5):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - start))
    return float(np.median(times))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--geometry", default="vae",
                        help="Geometry spec (vae = the built-in model, edfm, ...).")
    parser.add_argument("--style", default="cartoon", help="Style spec.")
    args = parser.parse_args()
    from skimage import data as skdata  # pylint: disable=import-outside-toplevel

    photo = skdata.astronaut()
    artist = pipeline.build_caricaturist(geometry=args.geometry, style=args.style,
                                                 compile_geometry=True)  # warm models
    artist(photo)  # warm-up: models loaded, graphs traced

    faces = artist.landmarker(photo)
    points = np.asarray(faces[0].points, np.float32)
    box = pipeline.face_crop_box(points, photo.shape)
    crop = pipeline.crop_and_resize(photo, box, artist.crop_size)
    crop_points = (points - box[:2]) * artist.crop_size / (box[2] - box[0])
    generated = artist.geometry(crop_points, num_samples=1, temperature=0.0, seed=0)[0]
    warped = np.asarray(artist.warp(crop, crop_points, generated))
    rows = [
        {"stage": "detect (MTCNN + 68 points)", "ms": _median_ms(lambda: artist.landmarker(photo))},
        {"stage": f"geometry ({args.geometry})", "ms": _median_ms(
            lambda: artist.geometry(crop_points, num_samples=1, temperature=0.0, seed=0))},
        {"stage": "warp_face (512 crop)", "ms": _median_ms(
            lambda: artist.warp(crop, crop_points, generated))},
        {"stage": f"style ({args.style})", "ms": _median_ms(lambda: artist.stylizer(warped))},
        {"stage": "whole pipeline", "ms": _median_ms(lambda: artist(photo), repeats=3)},
    ]
    with tempfile.TemporaryDirectory() as folder:
        for k in range(20):
            fileio.write_image(os.path.join(folder, f"{k:02d}.png"),
                               np.roll(photo, 4 * k, axis=1))
        paths = fileio.list_images(folder)
        start = time.perf_counter()
        for path in paths:
            artist(path, seed=0)
        rows.append({"stage": "folder of 20 (photos/s)",
                     "ms": 1000 * (time.perf_counter() - start) / len(paths),
                     "photos_per_s": len(paths) / (time.perf_counter() - start)})
    for strength in (0.5, 1.0, 2.0):
        result = artist(photo, strength=strength, seed=0)[0]
        # Face scaled to 256 px: the landmarks' larger extent becomes 256.
        extent = float(np.max(result.photo_points.max(0) - result.photo_points.min(0)))
        degree = np.linalg.norm(result.generated_points - result.photo_points,
                                axis=-1).mean() * 256.0 / extent
        rows.append({"stage": f"warp degree, strength {strength} (px @256)",
                     "warp_degree_px": float(degree)})
    report("pipeline", rows, notes=[f"geometry={args.geometry} style={args.style}, "
                                    "one 512x512 photo, 2 CPU cores"])


if __name__ == "__main__":
    main()
