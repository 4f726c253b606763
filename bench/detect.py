"""Speed of the face detectors and the 68-point predictor; accuracy of the box mapping.

Times (median of `--runs` runs after `--warmup` runs, one 512x512 photo:
`skimage.data.astronaut()`): the MTCNN box, the HOG box, the 68 landmarks in
one box, and the whole `FaceLandmarker` call. Then the error of the 68 points
placed in MTCNN boxes against the points placed in dlib's own HOG box (what the
predictor was trained with), with the raw MTCNN box and with the HOG-like box
`detect` maps it to: on the astronaut (pixels) and on the faces of
`skimage.data.lfw_subset()` (upscaled x6 to 150 px, padded; mean error divided by
the inter-ocular distance).

    python bench/detect.py [--runs 20] [--warmup 3]
"""

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import cv2  # pylint: disable=wrong-import-position
import numpy as np  # pylint: disable=wrong-import-position
import skimage.data  # pylint: disable=wrong-import-position

from bench._report import report  # pylint: disable=wrong-import-position
from tf_deepexag.detect import FaceLandmarker, _geometry  # pylint: disable=wrong-import-position


def _median_ms(fn, runs, warmup):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(1000.0 * (time.perf_counter() - start))
    return statistics.median(times), min(times)


def _errors(landmarker, image):
    """(raw, mapped) mean point errors vs the HOG-box points, and the inter-ocular distance."""
    mtcnn = landmarker.find_boxes(image, "mtcnn")
    hog = landmarker.find_boxes(image, "hog")
    if not mtcnn or not hog:
        return None
    box = max(mtcnn, key=lambda b: (b[0][2] - b[0][0]) * (b[0][3] - b[0][1]))[0]
    hog_box = max(hog, key=lambda b: b[0][2] - b[0][0])[0]
    reference = landmarker.predict_points(image, hog_box, "hog")
    raw = landmarker.predict_points(image, box, "hog")        # box used as is
    mapped = landmarker.predict_points(image, box, "mtcnn")   # HOG-like box
    interocular = np.linalg.norm(reference[36:42].mean(0) - reference[42:48].mean(0))
    err = lambda p: float(np.linalg.norm(p - reference, axis=1).mean())  # noqa: E731
    return err(raw), err(mapped), float(interocular)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()

    photo = skimage.data.astronaut()
    landmarker = FaceLandmarker()
    box = landmarker.find_boxes(photo, "mtcnn")[0][0]
    timings = {
        "mtcnn box": lambda: landmarker.find_boxes(photo, "mtcnn"),
        "hog box": lambda: landmarker.find_boxes(photo, "hog"),
        "68 landmarks (one box)": lambda: landmarker.predict_points(photo, box),
        "FaceLandmarker() total": lambda: landmarker(photo),
    }
    rows = []
    for name, fn in timings.items():
        median, best = _median_ms(fn, args.runs, args.warmup)
        rows.append({"stage": name, "median_ms": median, "min_ms": best,
                     "runs": args.runs, "error": None})

    raw, mapped, _ = _errors(landmarker, photo)
    rows.append({"stage": "astronaut: mean px error, raw MTCNN box", "error": raw})
    rows.append({"stage": "astronaut: mean px error, mapped box", "error": mapped})
    results = []
    for face in skimage.data.lfw_subset()[:100]:   # the first 100 are faces
        image = cv2.resize((face * 255).astype(np.uint8), (150, 150),
                           interpolation=cv2.INTER_CUBIC)
        image = cv2.copyMakeBorder(image, 75, 75, 75, 75, cv2.BORDER_REPLICATE)
        found = _errors(landmarker, np.repeat(image[..., None], 3, axis=-1))
        if found:
            results.append(found)
    results = np.array(results)
    for column, label in ((0, "raw MTCNN box"), (1, "mapped box")):
        rows.append({"stage": f"lfw_subset ({len(results)} faces): mean error/IOD, {label}",
                     "error": float(np.mean(results[:, column] / results[:, 2]))})
    for row in rows:
        for key in ("median_ms", "min_ms", "runs", "error"):
            row.setdefault(key, None)
    report("detect", rows, notes=(
        f"512x512 photo, CPU, {os.cpu_count()} cores (shared); median of {args.runs} runs "
        f"after {args.warmup} warm-up runs.",
        f"Box mapping: square side {_geometry._HOG_SIDE_PER_WIDTH} x MTCNN width, centre "
        f"shifted down {_geometry._HOG_SHIFT_Y_PER_HEIGHT} x MTCNN height.",
        "error: 68 points in the MTCNN box vs the points in dlib's HOG box (reference)."))


if __name__ == "__main__":
    main()
