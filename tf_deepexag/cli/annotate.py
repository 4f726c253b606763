"""`python -m tf_deepexag annotate <folder or files...> --out <dir>`: photos -> `.pts`.

    python -m tf_deepexag annotate photos/ --out landmarks/ --overlay

Writes `<out>/<name>.pts` (iBUG, 68 points) per photo; with `--faces all` the
further faces go to `<name>_face1.pts`, `<name>_face2.pts`, ... biggest first.
A photo's files (its `.pts` files and overlay) are written as a set, all or
none, and recorded with the photo's digest and the settings, as `caricature`'s
are (`cli/_outputs.py`): reruns complete partial sets and skip done photos.
"""

import collections
import functools
import os
import sys

import tqdm

from tf_deepexag import fileio
from tf_deepexag.cli import _flags, _outputs, _photos, _progress

_BOX_COLOUR = (255, 220, 0)
_OTHER_COLOUR = (160, 160, 160)


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "annotate", help="Detect faces and write 68-point iBUG .pts files.",
        description="Finds the face(s) in each photo (MTCNN, or dlib HOG) and writes "
                    "dlib's 68 iBUG landmarks as <out>/<photo name>.pts.")
    parser.add_argument("inputs", nargs="+", help="Photo files and/or folders of photos.")
    parser.add_argument("--out", required=True, help="Output folder for the .pts files.")
    parser.add_argument("--faces", choices=("largest", "best", "all"), default="largest",
                        help="Which faces to keep when there are several: the largest, "
                             "the highest score, or all. Default: largest.")
    parser.add_argument("--detector", choices=("mtcnn", "hog"), default="mtcnn",
                        help="Face detector. Default: mtcnn.")
    parser.add_argument("--no_hog_fallback", action="store_true",
                        help="Do not retry with the HOG detector when MTCNN finds nothing.")
    parser.add_argument("--try_rotations", action="store_true",
                        help="Also try each photo turned by 90/180/270 degrees.")
    parser.add_argument("--overlay", action="store_true",
                        help="Also write <name>_overlay.png with the points and boxes.")
    parser.add_argument("--overwrite", action="store_true",
                        help="Replace existing .pts files (default: keep them).")
    parser.add_argument("--on_error", choices=("skip", "fail"), default="skip",
                        help="On a bad file or a photo without a face: report it and go "
                             "on, or stop with exit code 1. Default: skip.")
    parser.add_argument("--max_pixels", type=_flags.max_pixels,
                        default=fileio.DEFAULT_MAX_PIXELS,
                        help="Largest photo accepted, in pixels (width x height), "
                             "checked from the file header before decoding. Default: "
                             f"{fileio.DEFAULT_MAX_PIXELS:,}.")
    parser.set_defaults(run=run)


def _collect(inputs):
    """`(photos, ignored)` of `_photos.collect`, refusing two photos whose
    `.pts` files would share a name."""
    paths, ignored = _photos.collect(inputs)
    stems = {}
    for path in paths:
        stem = os.path.splitext(os.path.basename(path))[0]
        if stem in stems and os.path.abspath(stems[stem]) != os.path.abspath(path):
            raise ValueError(f"Two inputs would both write {stem}.pts: {stems[stem]} and {path}")
        stems[stem] = path
    return list(dict.fromkeys(paths)), ignored


def _settings(args):
    """The settings that shape the points (a photo done with others is redone)."""
    return {key: getattr(args, key) for key in (
            "faces", "detector", "no_hog_fallback", "try_rotations")}


def _write_overlay(path, photo, kept, others):
    import cv2  # pylint: disable=g-import-not-at-top

    from tf_deepexag import figures  # pylint: disable=g-import-not-at-top

    canvas = photo.copy()
    thickness = max(1, round(max(photo.shape[:2]) / 400))
    for face in others:
        x0, y0, x1, y1 = (int(round(v)) for v in face.box)
        cv2.rectangle(canvas, (x0, y0), (x1, y1), _OTHER_COLOUR, thickness)
    for face in kept:
        x0, y0, x1, y1 = (int(round(v)) for v in face.box)
        cv2.rectangle(canvas, (x0, y0), (x1, y1), _BOX_COLOUR, thickness)
        figures.draw_landmarks(canvas, face.points, figures.PHOTO_COLOUR,
                               thickness=thickness, radius=thickness + 1)
    fileio.write_image(path, canvas)


def run(args):
    """Annotates every photo; prints a summary. Returns the exit code."""
    from tf_deepexag import detect, landmarks  # pylint: disable=g-import-not-at-top

    folder = _outputs.OutputFolder(args.out, "annotate", _settings(args), args.overwrite)
    paths, ignored = _collect(args.inputs)
    paths, _ = _outputs.exclude_outputs(paths, args.inputs)
    ignored = _outputs.exclude_reasons(ignored, args.inputs)
    landmarker = detect.FaceLandmarker(
            detector=args.detector, faces="all", fallback_to_hog=not args.no_hog_fallback,
            try_rotations=args.try_rotations)
    counts = collections.Counter()
    failed, no_face, moved = [], [], []
    wanted = [".pts", "_overlay.png"] if args.overlay else [".pts"]
    try:
        for path in _progress.progress(paths, "annotate"):
            name = os.path.splitext(os.path.basename(path))[0]
            try:
                digest = _outputs.source_digest(path)
                if folder.done_name(name, digest, wanted):
                    counts["kept"] += 1
                    continue
                photo = fileio.read_image(path, max_pixels=args.max_pixels)
                found = landmarker(photo)
            except detect.NoFaceError as e:
                if args.on_error == "fail":
                    raise detect.NoFaceError(f"No face found in {path}") from e
                no_face.append(path)
                tqdm.tqdm.write(f"no face: {path}", file=sys.stderr)
                continue
            except (ValueError, OSError) as e:
                if args.on_error == "fail":
                    raise
                reason = str(e) if path in str(e) else f"{path}: {e}"
                failed.append(reason)
                tqdm.tqdm.write(f"skipped {reason}", file=sys.stderr)
                continue
            kept = detect.select_faces(found, args.faces)
            with folder.stage(name, digest, path) as outputs:
                for i, face in enumerate(kept):
                    outputs.write(f"_face{i}.pts" if i else ".pts",
                                  functools.partial(landmarks.write_pts, points=face.points))
                if args.overlay:
                    outputs.write("_overlay.png", functools.partial(
                            _write_overlay, photo=photo, kept=kept,
                            others=[f for f in found if f not in kept]))
            counts[("several" if len(found) > 1 else "one") if outputs.written else "kept"] += 1
            if outputs.name != name:
                moved.append((path, outputs.name, name))
    finally:  # also when the output folder fails: what was done is told
        _print_summary(args, len(paths), counts, no_face, failed, ignored, moved)
    done = counts["one"] + counts["several"] + counts["kept"]
    return _outputs.exit_status(no_face + failed, done)


def _print_summary(args, total, counts, no_face, failed, ignored, moved):
    print(f"Annotated {total} photo(s) into {args.out}:")
    print(f"  one face:      {counts['one']}")
    print(f"  several faces: {counts['several']} (kept: {args.faces})")
    print(f"  no face:       {len(no_face)}")
    print(f"  failed:        {len(failed)}")
    if counts["kept"]:
        print(f"  already done:  {counts['kept']} (same photo and settings; "
              "--overwrite redoes them)")
    for path, name, taken in moved:
        print(f"  {path} -> {name}.pts ({taken}.pts holds another photo's points)")
    for path in no_face:
        print(f"  no face in {path}")
    for reason in failed:
        print(f"  failed {reason}")
    if ignored:
        print(f"  ignored:       {len(ignored)} (not images)")
    for reason in ignored:
        print(f"  ignored {reason}")
