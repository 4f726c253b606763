"""`python -m tf_deepexag caricature <photo or folder> -o <dir>`."""

import os
import sys

import tqdm

from tf_deepexag import fileio

# Folders of this many photos run the geometry model as a traced tf.function.
COMPILE_FROM_PHOTOS = 12


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "caricature", help="Turn portrait photos into caricatures.",
        description="Detects the face, exaggerates its landmarks, warps the photo "
                    "onto them and applies a style. Works offline with the built-in "
                    "models.")
    parser.add_argument("inputs", nargs="+", help="Photo files and/or folders of photos.")
    parser.add_argument("-o", "--out", required=True, help="Output folder.")
    parser.add_argument("--strength", type=float, default=1.0,
                        help="Exaggeration scale: 0 keeps the photo's geometry, 1 the "
                             "model's, >1 more. Default: 1.")
    parser.add_argument("--temperature", type=float, default=None,
                        help="Sampling temperature of the VAE (0 = deterministic: the "
                             "model's most likely caricature). Default: 0 for one "
                             "sample, 1 with --samples > 1 (so they differ; "
                             "vae:synthetic's per-step noise needs about 0.2).")
    parser.add_argument("--samples", type=int, default=1,
                        help="Number of different caricatures per photo. Default: 1.")
    parser.add_argument("--seed", type=int, default=0, help="Random seed. Default: 0.")
    parser.add_argument("--geometry", default="vae",
                        help="'vae' (the built-in model), "
                             "'vae:<model dir>', 'edfm' or 'identity'. Default: vae.")
    parser.add_argument("--style", default="cartoon",
                        help="'ugatit:<model dir or .keras>', 'cartoon', 'sketch', "
                             "'stylization' or 'none'. Default: cartoon.")
    parser.add_argument("--faces", choices=("largest", "all"), default="largest",
                        help="Caricature the largest face (the crop is the output) or "
                             "all faces pasted back into the photo. Default: largest.")
    parser.add_argument("--figure", action="store_true",
                        help="Also write a side-by-side PNG: photo with landmarks, "
                             "generated landmarks, warped photo, caricature.")
    parser.add_argument("--overwrite", action="store_true",
                        help="Replace existing outputs (default: skip them).")
    parser.add_argument("--on_error", choices=("skip", "fail"), default="skip",
                        help="On a bad photo: report it and go on, or stop. Default: skip.")
    parser.set_defaults(run=run)


def _collect(inputs):
    paths = []
    for item in inputs:
        if os.path.isdir(item):
            paths.extend(fileio.list_images(item))
        elif os.path.isfile(item):
            paths.append(item)
        else:
            raise FileNotFoundError(f"No such photo or folder: {item}")
    if not paths:
        raise ValueError(f"No images found in {inputs}.")
    return paths


def _output_paths(out_dir, photo, samples):
    stem = os.path.splitext(os.path.basename(photo))[0]
    if samples == 1:
        return [os.path.join(out_dir, f"{stem}_caricature.png")]
    return [os.path.join(out_dir, f"{stem}_caricature_{k}.png") for k in range(samples)]


def run(args):
    from tf_deepexag import figures, pipeline_factory  # pylint: disable=g-import-not-at-top

    if args.samples < 1:
        raise ValueError(f"--samples must be at least 1, got {args.samples}.")
    photos = _collect(args.inputs)
    # Tracing the VAE sampler costs ~15 s once and saves ~1.4 s a face.
    artist = pipeline_factory.build_caricaturist(
        geometry=args.geometry, style=args.style, faces=args.faces,
        compile_geometry=len(photos) >= COMPILE_FROM_PHOTOS)
    failures, written, skipped = [], 0, 0
    for photo in tqdm.tqdm(photos, desc="caricature", unit="photo", disable=None,
                           file=sys.stderr):
        outputs = _output_paths(args.out, photo, args.samples)
        if not args.overwrite and all(os.path.exists(p) for p in outputs):
            skipped += 1
            continue
        try:
            results = artist(photo, strength=args.strength, num_samples=args.samples,
                             temperature=args.temperature, seed=args.seed)
        except (ValueError, FileNotFoundError) as e:
            if args.on_error == "fail":
                reason = str(e) if photo in str(e) else f"{photo}: {e}"
                raise ValueError(reason) from e
            failures.append((photo, str(e)))
            continue
        for path, result in zip(outputs, results):
            fileio.write_image(path, result.caricature)
            if args.figure:
                fileio.write_image(path.replace("_caricature", "_figure"),
                                   figures.side_by_side(result))
            written += 1
    print(f"{written} caricature(s) written to {args.out}; {skipped} photo(s) already "
          f"done; {len(failures)} failed.")
    for photo, reason in failures:
        print(f"  skipped {photo}: {reason}")
    return 1 if failures and written == 0 else 0
