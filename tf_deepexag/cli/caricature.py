"""`python -m tf_deepexag caricature <photo or folder> -o <dir>`.

Outputs are `<out>/<name>_caricature.png` (`_caricature_<k>.png` with
`--samples`) and, with `--figure`, `<name>_figure.png` beside each; with
`--morph`, `<name>_morph.webp` (and `.mp4` where PyAV is installed). `<name>`
is the photo's file stem; photos whose stems clash (`a.jpg` and `a.png`, or
two `gray.jpg` from different folders) keep their extension (`a_jpg`,
`a_png`) or, if that is not enough, their path relative to the folder they
share (`x/gray`, `y/gray`, written in sub-folders of `<out>`), so no output
is overwritten or mistaken for another's (`cli/_photos.py`).

A photo's files are written as a set, all or none, and recorded with the
photo's digest and the settings (`cli/_outputs.py`): a rerun skips the photos
done with the same settings, redoes the others, and a different photo of the
same name (from another run) gets the next free name (`IMG_0001_2`).
Recorded outputs are never read back as photos, so `-o` may be an input folder.

Video clips named on the command line (a video suffix, or a video
container's signature) become `<out>/<name>_caricature.mp4` at their frame
rate and size, with their audio (`cli/_video.py`, docs/video.md); a clip's
set is that one file.
"""

import collections
import copy
import functools
import os
import sys
import threading
import types

from absl import logging

from tf_deepexag import fileio
from tf_deepexag.cli import _flags, _outputs, _photos, _progress, _video
from tf_deepexag.motion import clip_io

# Folders of this many photos run the geometry model as one traced tf.function:
# tracing it costs ~17 s once and saves ~0.1 s a face over the eager model
# (which runs traced steps; geometry/sampling.py).
COMPILE_FROM_PHOTOS = 200
# `_warm_up`'s face (the astronaut's 68 points, in its 512x512 photo) and the
# width of the strip it styles.
_WARM_UP_POINTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                               "assets", "astronaut_68.pts")
_WARM_UP_STRIP = 16
# Most samples a photo: more are hard to tell apart and to look through (and
# each is written as it is made, so memory does not bound them).
MAX_SAMPLES = 100


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "caricature", help="Turn portrait photos into caricatures.",
        description="Detects the face, exaggerates its landmarks, warps the photo "
                    "onto them and applies a style. Works offline with the built-in "
                    "models.")
    parser.add_argument("inputs", nargs="+",
                        help="Photo files, folders of photos and/or video clips.")
    parser.add_argument("-o", "--out", required=True, help="Output folder.")
    parser.add_argument("--strength", type=_flags.strength, default=1.0,
                        help="Exaggeration scale: 0 keeps the photo's geometry, 1 the "
                             "model's, >1 more. Default: 1.")
    parser.add_argument("--temperature", type=_flags.temperature, default=None,
                        help="Sampling temperature of the VAE (0 = deterministic: the "
                             "model's most likely caricature). Default: 0 for one "
                             "sample, 1 with --samples > 1 (so they differ; "
                             "vae:synthetic's per-step noise needs about 0.2); at "
                             f"most {_flags.MAX_TEMPERATURE:g}.")
    parser.add_argument("--samples", type=_flags.integer(1, MAX_SAMPLES), default=1,
                        help="Number of different caricatures per photo, 1 to "
                             f"{MAX_SAMPLES}. Default: 1.")
    parser.add_argument("--seed", type=_flags.seed, default=0,
                        help=f"Random seed, 0 to {_flags.MAX_SEED}. Default: 0.")
    parser.add_argument("--geometry", default="vae",
                        help="'vae' (the built-in model), "
                             "'vae:<model dir>', 'edfm' or 'identity'. Default: vae.")
    # None: the style package's default (parsing imports no TensorFlow).
    parser.add_argument("--style", default=None,
                        help="'cartoongan:<style>' (a learned painted style: shinkai or "
                             "hosoda ship; or a .npz from python -m "
                             "tf_deepexag.style.convert_cartoongan), 'ugatit:<model dir "
                             "or .keras>', or a classic filter: 'cartoon', 'sketch', "
                             "'stylization', 'none'. Default: the library's default style "
                             "(style.DEFAULT_STYLE, shown by `info`).")
    parser.add_argument("--faces", choices=("largest", "all"), default="largest",
                        help="Caricature the largest face (the crop is the output) or "
                             "all faces pasted back into the photo. Default: largest.")
    parser.add_argument("--try_rotations", action="store_true",
                        help="Also look for the face in the photo turned by 90/180/270 "
                             "degrees (a sideways photo without an EXIF tag); the "
                             "caricature comes out upright.")
    parser.add_argument("--figure", action="store_true",
                        help="Also write a side-by-side PNG: photo with landmarks, "
                             "generated landmarks, warped photo, caricature.")
    parser.add_argument("--morph", action="store_true",
                        help="Also write <name>_morph.webp, a looping 2-s animation of "
                             "the photo turning into its caricature, and <name>_morph.mp4 "
                             "where PyAV is installed. With --faces largest.")
    parser.add_argument("--overwrite", action="store_true",
                        help="Replace existing outputs (default: skip them).")
    parser.add_argument("--on_error", choices=("skip", "fail"), default="skip",
                        help="On a bad photo: report it and go on, or stop. Default: skip.")
    parser.add_argument("--max_pixels", type=_flags.max_pixels,
                        default=fileio.DEFAULT_MAX_PIXELS,
                        help="Largest photo accepted, in pixels (width x height), "
                             "checked from the file header before decoding; larger "
                             "photos are reported as bad. Default: "
                             f"{fileio.DEFAULT_MAX_PIXELS:,}.")
    parser.set_defaults(run=run)


def _collect(inputs):
    """`(photos, ignored)`: the photos to run (`_photos.collect`'s, the same file
    once) and a one-line reason for each file left out."""
    paths, ignored = _photos.collect(inputs)
    if not paths:
        why = f" ({len(ignored)} file(s) ignored, e.g. {ignored[0]})" if ignored else ""
        raise ValueError(f"No images found in {', '.join(inputs)}{why}.")
    # The same file named twice (directly and through its folder) runs once.
    unique = {}
    for path in paths:
        unique.setdefault(os.path.realpath(path), path)
    return list(unique.values()), ignored


def _suffixes(samples, figure, morph_extensions):
    """The files of one photo's set, as suffixes of its output name."""
    numbers = [""] if samples == 1 else [f"_{k}" for k in range(samples)]
    kinds = ["_caricature{}.png"] + (["_figure{}.png"] if figure else [])
    kinds += ["_morph{}" + e for e in morph_extensions]
    return [kind.format(n) for n in numbers for kind in kinds]


def _settings(args):
    """The settings that shape a caricature (a photo done with others is redone)."""
    return {key: getattr(args, key) for key in (
            "geometry", "style", "faces", "strength", "temperature", "samples", "seed",
            "try_rotations")}


def run(args):
    from tf_deepexag import errors, figures, motion, pipeline  # pylint: disable=g-import-not-at-top

    # Every argument is checked before a model loads or a photo is processed.
    # --samples, --strength, --temperature, --seed, --max_pixels: checked while
    # parsing (_flags).
    if args.morph and args.faces == "all":
        raise errors.UserError("--morph animates one face: use it with --faces largest.")
    folder = _outputs.OutputFolder(args.out, "caricature", _settings(args), args.overwrite)
    mp4 = args.morph and motion.mp4_available()
    if args.morph and not mp4:
        print("note: PyAV is not installed, so --morph writes WebP only (pip install av "
              "adds MP4).", file=sys.stderr)
    photos, ignored = _collect(args.inputs)
    photos, left_out = _outputs.exclude_outputs(photos, args.inputs)
    ignored = _outputs.exclude_reasons(ignored, args.inputs)  # e.g. annotate's .pts
    if not photos:
        raise errors.UserError(f"No photos in {', '.join(args.inputs)}: the {left_out} "
                               "image(s) found are outputs of earlier runs.")
    names = _photos.output_names(photos)
    videos = {p for p in photos if clip_io.looks_like_video(p)}
    _video.check_arguments(args, videos)
    morph_extensions = ((".webp", ".mp4") if mp4 else (".webp",)) if args.morph else ()
    suffixes = _suffixes(args.samples, args.figure, morph_extensions)
    artist = pipeline.build_caricaturist(
        geometry=args.geometry, style=args.style, faces=args.faces,
        compile_geometry=len(photos) >= COMPILE_FROM_PHOTOS or bool(videos),
        max_pixels=args.max_pixels,
        try_rotations=args.try_rotations)
    # The later stages warm up while the first photo is read and its face
    # detected: tracing waits on Python, compiling and loading the detector
    # do not, so on two cores the two overlap (bench/cold_start.py).
    warm_up = threading.Thread(target=_warm_up, args=(artist,), name="warm-up")
    warm_up.start()
    failures, moved, counts = [], [], collections.Counter()
    encoders = {".webp": motion.encode_webp, ".mp4": motion.encode_mp4}

    def caricature(photo, outputs):
        if photo in videos:
            _video.caricature_clip(args, artist, photo, outputs)
            return
        for result in artist.iter_samples(photo, strength=args.strength,
                                          num_samples=args.samples,
                                          temperature=args.temperature, seed=args.seed):
            number = "" if args.samples == 1 else f"_{result.sample}"
            outputs.write(f"_caricature{number}.png",
                          functools.partial(fileio.write_image, image=result.caricature))
            if args.figure:
                outputs.write(f"_figure{number}.png", functools.partial(
                        fileio.write_image, image=figures.side_by_side(result)))
            if args.morph:
                animation = motion.make_morph(result, artist.warp)
                for ext in morph_extensions:
                    outputs.write(f"_morph{number}{ext}", functools.partial(
                            fileio.write_bytes_atomic, data=encoders[ext](animation)))

    try:
        for photo in _progress.progress(photos, "caricature"):
            try:
                digest = _outputs.source_digest(photo)
                wanted = _video.SUFFIXES if photo in videos else suffixes
                if folder.done_name(names[photo], digest, wanted):
                    counts["done"] += 1
                    continue
                with folder.stage(names[photo], digest, photo) as outputs:
                    caricature(photo, outputs)
            except fileio.OutputFolderError:
                raise
            except (ValueError, FileNotFoundError) as e:
                if args.on_error == "fail":
                    reason = str(e) if photo in str(e) else f"{photo}: {e}"
                    raise ValueError(reason) from e
                # The summary names the photo once (the decoder's messages start with it).
                failures.append((photo, str(e).removeprefix(f"{photo}: ")))
                continue
            counts["written" if outputs.written else "done"] += 1
            if outputs.name != names[photo]:
                moved.append((photo, outputs.name, names[photo]))
    finally:
        warm_up.join()
        print(f"{counts['written'] * args.samples} caricature(s) written to {args.out}; "
              f"{counts['done']} photo(s) already done; {len(failures)} failed.")
        for photo, name, taken in moved:
            print(f"  {photo} -> {name}_caricature*.png ({taken} holds another "
                  "photo's outputs)")
        for photo, reason in failures:
            print(f"  skipped {photo}: {reason}")
        if ignored:
            print(f"{len(ignored)} file(s) ignored, not images:")
            for reason in ignored:
                print(f"  ignored {reason}")
    return _outputs.exit_status(failures, counts["written"] + counts["done"])


def _warm_up(artist):
    """Runs `artist`'s geometry, warp and style once, on a blank photo.

    The first photo of a process otherwise pays for tracing the geometry
    model and the style and compiling the warp (bench/cold_start.py). A
    copy of the artist runs: its landmarker returns the astronaut's points
    (the real detector loads on the first photo) and its style paints a
    strip of the crop (a traced style serves any size, at a fraction of the
    compute). Safe beside `artist(...)` in another thread; a failure is left
    for the photo's own run to report, naming the photo.
    """
    import numpy as np  # pylint: disable=g-import-not-at-top
    from tf_deepexag import landmarks  # pylint: disable=g-import-not-at-top

    try:
        face = types.SimpleNamespace(points=landmarks.read_pts(_WARM_UP_POINTS))
        blank = copy.copy(artist)
        blank.landmarker = lambda image: [face]
        blank.stylizer = lambda image: artist.stylizer(image[:, :_WARM_UP_STRIP])
        blank(np.full((512, 512, 3), 128, np.uint8), seed=0)
    except Exception:  # pylint: disable=broad-except
        logging.debug("Warm-up failed", exc_info=True)
