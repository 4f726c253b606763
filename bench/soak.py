"""Soak test: 500 photos through the pipeline in one process, memory watched.

The photos cycle through a folder of real portraits (the astronaut and the
cameraman from scikit-image at several sizes, crops, turns, in gray and with
alpha, two people side by side) mixed with bad files (truncated, random
bytes, empty, a 196-megapixel header, no face, a 20-px image), read from disk
and caricatured one by one as the `caricature` command does, each output
written. Bad photos must fail with a named error, never another exception.

Resident memory (RSS, /proc/self/statm) is sampled after a warm-up (models
loaded, graphs traced, every kind of photo seen three times) and every 25
photos; the run fails if any later sample exceeds the post-warm-up one by
more than `--max_growth` (5 %). The geometry is the built-in VAE, traced (the default
product path); the style is `none` by default to keep the run short (the
classic `cartoon` filter costs ~1.9 s a 512-px crop here, 5x the rest of the
pipeline; it is a stateless OpenCV function, `--style cartoon` soaks it too).

    python bench/soak.py [--photos 500] [--style none] [--faces largest]
"""

import argparse
import gc
import os
import sys
import tempfile
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench._report import report  # pylint: disable=wrong-import-position
from tests.png_headers import png_claiming  # pylint: disable=wrong-import-position
from tf_deepexag import errors, fileio, pipeline  # pylint: disable=wrong-import-position


def rss_mib():
    """Resident set size of this process in MiB (Linux; peak RSS elsewhere)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        import resource  # pylint: disable=import-outside-toplevel
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_photos(folder):
    """Writes the real and bad photos; returns `[(path, kind)]`."""
    import cv2  # pylint: disable=import-outside-toplevel
    from skimage import data as skdata  # pylint: disable=import-outside-toplevel

    astronaut = skdata.astronaut()
    camera = np.repeat(skdata.camera()[..., None], 3, axis=-1)
    real = {
        "astronaut.png": astronaut,
        "astronaut_small.jpg": cv2.resize(astronaut, (300, 300), interpolation=cv2.INTER_AREA),
        "astronaut_large.jpg": cv2.resize(astronaut, (1400, 1400), interpolation=cv2.INTER_CUBIC),
        "astronaut_crop.png": astronaut[20:400, 60:440],
        "astronaut_turned.png": cv2.warpAffine(
            astronaut, cv2.getRotationMatrix2D((256, 256), 12, 1.0), (512, 512),
            borderMode=cv2.BORDER_REFLECT),
        "astronaut_gray.png": astronaut.mean(-1).astype(np.uint8),
        "astronaut_rgba.png": np.dstack([astronaut, np.full((512, 512), 255, np.uint8)]),
        "camera.png": camera,
        "two_people.jpg": np.concatenate([cv2.resize(astronaut, (560, 560)),
                                          np.pad(camera, ((0, 48), (0, 0), (0, 0)))], 1),
    }
    photos = []
    for name, image in real.items():
        if image.ndim == 3 and image.shape[-1] == 4:
            from PIL import Image  # pylint: disable=import-outside-toplevel
            Image.fromarray(image).save(os.path.join(folder, name))
        else:
            fileio.write_image(os.path.join(folder, name), image)
        photos.append((os.path.join(folder, name), "real"))
    png = open(os.path.join(folder, "astronaut.png"), "rb").read()
    bad = {
        "truncated.png": png[:len(png) // 3],
        "random.jpg": np.random.default_rng(0).integers(0, 256, 5000, np.uint8).tobytes(),
        "empty.png": b"",
        "huge.png": png_claiming(14000, 14000),
    }
    for name, content in bad.items():
        with open(os.path.join(folder, name), "wb") as f:
            f.write(content)
        photos.append((os.path.join(folder, name), "bad"))
    for name, image in (("blank.png", np.full((400, 400, 3), 128, np.uint8)),
                        ("tiny.png", astronaut[::25, ::25])):
        fileio.write_image(os.path.join(folder, name), image)
        photos.append((os.path.join(folder, name), "bad"))
    return photos


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=500, help="Photos to process.")
    parser.add_argument("--warmup", type=int, default=45,
                        help="Photos before the reference RSS sample.")
    parser.add_argument("--geometry", default="vae", help="Geometry spec.")
    parser.add_argument("--style", default="none", help="Style spec.")
    parser.add_argument("--faces", default="largest", choices=("largest", "all"))
    parser.add_argument("--max_growth", type=float, default=0.05,
                        help="Largest allowed RSS growth after warm-up (fraction).")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="soak_") as folder:
        photos = write_photos(folder)
        out = os.path.join(folder, "out")
        artist = pipeline.build_caricaturist(
            geometry=args.geometry, style=args.style, faces=args.faces,
            compile_geometry=True)
        start, samples, counts, unexpected = time.perf_counter(), [], {}, []
        reference = None
        for index in range(args.photos):
            path, kind = photos[index % len(photos)]
            try:
                results = artist(path, seed=index)
                fileio.write_image(os.path.join(out, f"{index % len(photos)}.png"),
                                   results[0].caricature)
                outcome = "written"
            except errors.KNOWN_ERRORS as e:
                outcome = f"named error ({type(e).__name__})"
            except Exception as e:  # pylint: disable=broad-except
                outcome = "unexpected"
                unexpected.append(f"{os.path.basename(path)}: {type(e).__name__}: {e}")
            counts[(kind, outcome)] = counts.get((kind, outcome), 0) + 1
            done = index + 1
            if done == args.warmup or (done > args.warmup and done % 25 == 0) \
                    or done == args.photos:
                gc.collect()
                samples.append((done, rss_mib()))
                if done == args.warmup:
                    reference = samples[-1][1]
                print(f"{done:4d} photos  RSS {samples[-1][1]:8.1f} MiB  "
                      f"{time.perf_counter() - start:7.1f} s", flush=True)
    elapsed = time.perf_counter() - start
    final = samples[-1][1]
    peak = max(r for _, r in samples)
    growth = peak / reference - 1.0  # the largest sample after warm-up
    rows = [{"photos": args.photos, "geometry": args.geometry, "style": args.style,
             "faces": args.faces, "rss_after_warmup_mib": reference,
             "rss_final_mib": final, "rss_peak_mib": peak,
             "growth_peak_pct": 100.0 * growth,
             "growth_final_pct": 100.0 * (final / reference - 1.0),
             "photos_per_s": args.photos / elapsed}]
    notes = [f"{kind} photos, {outcome}: {n}" for (kind, outcome), n in sorted(counts.items())]
    notes += [f"RSS samples (photos, MiB): {[(d, round(r, 1)) for d, r in samples]}"]
    notes += [f"UNEXPECTED {line}" for line in unexpected]
    report("soak", rows, notes)
    ok = growth <= args.max_growth and not unexpected and \
        not any(k == "real" and o != "written" for k, o in counts)
    print("PASS" if ok else "FAIL", f"largest RSS after warm-up {100 * growth:+.2f} % "
          f"(limit {100 * args.max_growth:.0f} %)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
