"""Speed, size and fidelity of the morph (`motion.make_morph`, WebP, MP4).

For each photo (default: scikit-image's astronaut) the default pipeline makes
the still once; then, after one warm-up call (the warp's XLA programs compile
once per image size), `--repeats` rounds time `make_morph` (two warps a
frame), `encode_webp` and `encode_mp4` (when PyAV is installed). The table
gives each step's median, the files' sizes, and how far the decoded last
frame is from the still (mean absolute difference in grey levels; the issue
asks for at most 3).

    python bench/morph.py [photo ...] [--repeats 3]
"""

import argparse
import io
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import _report  # noqa: E402  pylint: disable=wrong-import-position


def _timed(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def _last_frame_difference(data, still):
    import numpy as np  # pylint: disable=import-outside-toplevel
    from PIL import Image  # pylint: disable=import-outside-toplevel

    with Image.open(io.BytesIO(data)) as image:
        image.seek(image.n_frames - 1)
        last = np.asarray(image.convert("RGB"), np.float64)
    return float(np.abs(last - still).mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("photos", nargs="*", help="Portraits; default: the astronaut.")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from skimage import data as skdata  # pylint: disable=import-outside-toplevel

    from tf_deepexag import motion, pipeline  # pylint: disable=import-outside-toplevel

    artist = pipeline.build_caricaturist()
    rows = []
    for photo in args.photos or [None]:
        start = time.perf_counter()
        result = artist(skdata.astronaut() if photo is None else photo, seed=0)[0]
        still_s = time.perf_counter() - start
        motion.make_morph(result, artist.warp)  # warm-up
        morph_s, animation = _timed(lambda: motion.make_morph(result, artist.warp),
                                    args.repeats)
        webp_s, webp = _timed(lambda: motion.encode_webp(animation), args.repeats)
        row = {"photo": "astronaut" if photo is None else os.path.basename(photo),
               "crop": result.photo.shape[0], "frames": len(animation.frames),
               "loop_s": animation.seconds, "still_s": still_s, "morph_s": morph_s,
               "webp_s": webp_s, "webp_kb": len(webp) / 1024,
               "webp_last_diff": _last_frame_difference(webp, result.caricature)}
        if motion.mp4_available():
            mp4_s, mp4 = _timed(lambda: motion.encode_mp4(animation), args.repeats)
            row.update(mp4_s=mp4_s, mp4_kb=len(mp4) / 1024)
        rows.append(row)
    _report.report("morph", rows, notes=[
        "median of --repeats after a warm-up; still_s: one run of the pipeline (first "
        "photo: includes tracing)",
        "webp_last_diff: mean absolute grey-level difference of the WebP's last frame "
        "from the still"])


if __name__ == "__main__":
    main()
