"""End-to-end pipeline benchmark on the astronaut photo (512x512).

Reports per-stage milliseconds for one photo with warm models (median of 5;
the whole photo: detect -> geometry -> warp -> style, median and best of 5),
photos/s over a folder of 20 photos, and the warp degree (CariMe's measure:
mean landmark displacement in pixels for a face scaled to 256 px) at
strengths 0.5, 1, 2. With a CartoonGAN style it also times the style on the
512 crop at other working sides and in mixed bfloat16 (`--style_options`).

    python bench/pipeline.py [--geometry vae|edfm] [--style cartoongan:shinkai|cartoon|...]
        [--style_max_side 256] [--style_options]
"""

import argparse
import os
import sys
import tempfile
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench._quiet import wait_for_idle  # pylint: disable=wrong-import-position
from bench._report import report  # pylint: disable=wrong-import-position
from tf_deepexag import face_crops, fileio, pipeline, plane_map  # pylint: disable=wrong-import-position
from tf_deepexag.geometry_stage import stage_controls  # pylint: disable=wrong-import-position
from tf_deepexag.style import stylizers  # pylint: disable=wrong-import-position


def _times_ms(fn, repeats=5, cpu=None, idle=None):
    """Wall ms of each call; `cpu` (a list) receives each call's process CPU ms.

    With `idle` (a list), each call first waits for a quiet machine
    (`_quiet.wait_for_idle`) and the list receives the idle fraction seen.
    """
    times = []
    for _ in range(repeats):
        if idle is not None:
            idle.append(wait_for_idle())
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(1000 * (time.perf_counter() - start))
        if cpu is not None:
            cpu.append(1000 * (time.process_time() - start_cpu))
    return times


def _stage_row(stage, fn, repeats=5):
    cpu = []
    times = _times_ms(fn, repeats, cpu=cpu)
    return {"stage": stage, "ms": float(np.median(times)), "cpu_ms": float(np.median(cpu))}


def _style_option_rows(style, warped):
    """The style alone on the warped 512 crop at other sides and precisions."""
    rows = []
    for max_side, dtype in ((None, None), (384, None), (256, None), (384, "mixed_bfloat16"),
                            (256, "mixed_bfloat16")):
        stylizer = stylizers.make_stylizer(style, max_side=max_side, dtype=dtype)
        stylizer(warped)  # trace
        cpu = []
        times = _times_ms(lambda s=stylizer: s(warped), cpu=cpu)
        rows.append({"stage": f"style option: side {max_side or warped.shape[0]}, "
                              f"{dtype or 'float32'}",
                     "ms": float(np.median(times)), "best_ms": min(times),
                     "cpu_ms": float(np.median(cpu))})
        print(rows[-1], flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--geometry", default="vae",
                        help="Geometry spec (vae = the built-in model, edfm, ...).")
    parser.add_argument("--style", default=stylizers.DEFAULT_STYLE,
                        help="Style spec. Default: the pipeline's.")
    parser.add_argument("--style_max_side", type=int,
                        default=pipeline.DEFAULT_STYLE_MAX_SIDE,
                        help="Largest side a CartoonGAN style runs at (0: the crop's). "
                             "Default: the pipeline's.")
    parser.add_argument("--style_options", action="store_true",
                        help="Also time the style at other sides and in bfloat16.")
    parser.add_argument("--quiet", action="store_true",
                        help="Before each whole-photo timing wait (up to 2 min) until the "
                             "CPUs were 85%% idle for a second (for a shared machine).")
    args = parser.parse_args()
    from skimage import data as skdata  # pylint: disable=import-outside-toplevel

    photo = skdata.astronaut()
    artist = pipeline.build_caricaturist(
        geometry=args.geometry, style=args.style, compile_geometry=True,
        style_max_side=args.style_max_side or None)  # warm models
    artist(photo)  # warm-up: models loaded, graphs traced

    faces = artist.landmarker(photo)
    points = np.asarray(faces[0].points, np.float32)
    box = face_crops.face_crop_box(points, photo.shape)
    crop = face_crops.crop_and_resize(photo, box, artist.crop_size)
    crop_points = ((points - box[:2] + 0.5) * artist.crop_size / (box[2] - box[0])
                   - 0.5).astype(np.float32)
    source, (generated,) = stage_controls(artist.geometry, crop_points, 1, 0.0, 0, 1.0, crop)
    plane = plane_map.unfolded(source, generated)  # the pipeline's map: pins, fold guard
    warped = np.asarray(artist.warp(crop, plane.source, plane.target))
    rows = [
        _stage_row("detect (MTCNN + 68 points)", lambda: artist.landmarker(photo)),
        _stage_row(f"geometry ({args.geometry})", lambda: stage_controls(
            artist.geometry, crop_points, 1, 0.0, 0, 1.0, crop)),
        _stage_row("plane map (controls + pins, fold guard)",
                   lambda: plane_map.unfolded(source, generated)),
        _stage_row("warp_face (512 crop)", lambda: artist.warp(crop, plane.source,
                                                               plane.target)),
        _stage_row(f"style ({args.style})", lambda: artist.stylizer(warped)),
    ]
    variants = {"": artist.stylizer}
    if args.style_options and args.style.startswith("cartoongan:"):
        variants[", style in mixed_bfloat16"] = stylizers.make_stylizer(
            args.style, max_side=args.style_max_side or None, dtype="mixed_bfloat16",
            style_weight=artist.stylizer.style_weight)
    for label, stylizer in variants.items():
        artist.stylizer = stylizer
        artist(photo)  # traced
        cpu, idle = [], [] if args.quiet else None
        whole = _times_ms(lambda: artist(photo), cpu=cpu, idle=idle)
        rows.append({"stage": f"whole photo (detect -> geometry -> warp -> style){label}",
                     "ms": float(np.median(whole)), "best_ms": min(whole),
                     "cpu_ms": float(np.median(cpu)),
                     "idle_before": None if not idle else [round(f, 2) for f in idle]})
        print(rows[-1], flush=True)
    artist.stylizer = variants[""]
    if args.style_options and args.style.startswith("cartoongan:"):
        rows.extend(_style_option_rows(args.style, warped))
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
    report("pipeline", rows, notes=[
        "cpu_ms: process CPU time (all threads); on an idle machine the wall time is "
        "about cpu_ms / threads for the style's well-threaded convolutions",
        f"geometry={args.geometry} style={args.style} style_max_side={args.style_max_side}, "
        f"one 512x512 photo, {os.cpu_count()} CPU cores, load average "
        f"{os.getloadavg()[0]:.1f} at the end"])


if __name__ == "__main__":
    main()
