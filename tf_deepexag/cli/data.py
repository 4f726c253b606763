"""`python -m tf_deepexag data {synthetic,to_tfrecord,unpaired,autotoon} ...`: dataset tools.

    python -m tf_deepexag data synthetic --out data/synthetic --num_persons 41
    python -m tf_deepexag data to_tfrecord data/synthetic --out pairs.tfrecord
    python -m tf_deepexag data unpaired --photos selfies/ --caricatures drawings/ \
        --out data/selfie2caricature --size 256
    python -m tf_deepexag data autotoon ~/AutoToon --out autotoon_landmarks.json
"""

import sys

import tqdm

from tf_deepexag.cli import _flags

FORMATS = ("paired", "caricature_data", "webcaricature")


def add_parser(subparsers):
    parser = subparsers.add_parser("data", help="Build and convert datasets.")
    commands = parser.add_subparsers(dest="data_command", metavar="DATA_COMMAND")
    commands.required = True
    parser.set_defaults(run=run)

    synthetic = commands.add_parser(
        "synthetic", help="Write the built-in synthetic paired set (+ style images).")
    synthetic.add_argument("--out", required=True, help="Output folder.")
    synthetic.add_argument("--num_persons", type=_flags.integer(1), default=41,
                           help="Persons (MMC has 41). Default: 41.")
    synthetic.add_argument("--pairs_per_person", type=_flags.integer(1), default=13,
                           help="Pairs per person. Default: 13.")
    synthetic.add_argument("--seed", type=_flags.seed, default=0,
                           help="Random seed. Default: 0.")
    synthetic.add_argument("--image_size", type=_flags.integer(32), default=256,
                           help="Rendered image side in pixels. Default: 256.")
    synthetic.add_argument("--no_images", action="store_true",
                           help="Write landmarks only.")

    convert = commands.add_parser(
        "to_tfrecord", help="Convert a dataset folder to one TFRecord file.")
    convert.add_argument("dataset", help="Dataset folder (see --format).")
    convert.add_argument("--out", required=True, help="Output .tfrecord file.")
    convert.add_argument("--format", choices=FORMATS, default="paired",
                         help="paired: folder with pairs.csv; caricature_data: folder of "
                              "N.jpg + N.txt caricatures (caricature-only records); "
                              "webcaricature: folder with FacialPoints/. Default: paired.")
    convert.add_argument("--with_images", action="store_true",
                         help="Embed the image files (each is decoded first; ones that "
                              "do not decode are rejected).")
    convert.add_argument("--on_error", choices=("skip", "fail"), default="skip",
                         help="Skip bad files (reported) or stop. Default: skip.")
    _add_unpaired_parser(commands)


def _add_unpaired_parser(commands):
    unpaired = commands.add_parser(
        "unpaired", help="Face-centred crops of photos and caricatures in the "
        "trainA/trainB/testA/testB layout of `python -m train.style`.")
    unpaired.add_argument("--photos", help="Folder of photos (domain A, searched "
                          "recursively).")
    unpaired.add_argument("--caricatures", help="Folder of caricatures or drawings "
                          "(domain B, searched recursively).")
    unpaired.add_argument("--webcaricature", help="A WebCaricature copy (OriginalImages/, "
                          "FacialPoints/): its C* images are the caricatures and, "
                          "without --photos, its P* images the photos; its landmark "
                          "files place the faces the detector misses.")
    unpaired.add_argument("--photo_landmarks", help="Folder of 68- or 17-point landmark "
                          "files (<relative path>.txt|.pts) mirroring --photos.")
    unpaired.add_argument("--caricature_landmarks", help="The same for --caricatures.")
    unpaired.add_argument("--out", required=True, help="Output folder (no images yet).")
    unpaired.add_argument("--size", type=_flags.integer(8), default=256,
                          help="Output side in pixels. Default: 256.")
    unpaired.add_argument("--test_fraction", type=_flags.number(0.0, 1.0, hi_open=True),
                          default=0.1,
                          help="Share of each domain in testA/testB; persons (first-"
                          "level subfolders) stay on one side. Default: 0.1.")
    unpaired.add_argument("--no_face", choices=("centre", "skip"), default="centre",
                          help="Images no detector or landmark file places: largest "
                          "centred square, or leave out. Default: centre.")
    unpaired.add_argument("--prefer_landmarks", action="store_true",
                          help="Use landmark files before the detector.")
    unpaired.add_argument("--scale", type=_flags.number(0.0, lo_open=True), default=1.0,
                          help="Multiplies the crop side (1: head and hair). Default: 1.")
    unpaired.add_argument("--seed", type=_flags.seed, default=0, help="Split seed. Default: 0.")

    autotoon = commands.add_parser(
        "autotoon", help="Landmark pairs from a clone of adobe-research/AutoToon: "
                         "points detected on each photo, mapped through the artist's "
                         "warp (the file format of the shipped asset).")
    autotoon.add_argument("root", help="The clone (or its dataset/ folder).")
    autotoon.add_argument("--out", required=True, help="Output .json file.")
    autotoon.add_argument("--warp", choices=("warp32", "warp16"), default="warp32",
                          help="Warp fields to map the points through. Default: warp32.")


def run(args):
    """Runs the `data` sub-command named by `args.data_command`."""
    return {"synthetic": _run_synthetic, "to_tfrecord": _run_to_tfrecord,
            "unpaired": _run_unpaired,
            "autotoon": _run_autotoon}[args.data_command](args)


def _run_autotoon(args):
    from tf_deepexag.data import autotoon  # pylint: disable=g-import-not-at-top

    landmarks = autotoon.read_autotoon(args.root, warp=args.warp)
    landmarks.save(args.out)
    print(f"Wrote {len(landmarks)} pairs ({int(landmarks.is_test.sum())} in the test "
          f"split) to {args.out}")
    return 0


def _progress(total, desc):
    return tqdm.tqdm(total=total, desc=desc, unit="pair", disable=None, file=sys.stderr)


def _run_synthetic(args):
    from tf_deepexag import data, fileio  # pylint: disable=g-import-not-at-top

    fileio.check_output_dir(args.out, "--out")
    total = args.num_persons * args.pairs_per_person
    with _progress(total, "synthetic") as bar:
        pairs = data.write_synthetic_dataset(
            args.out, args.num_persons, args.pairs_per_person, args.seed,
            args.image_size, with_images=not args.no_images,
            progress=lambda: bar.update(1))
    print(f"Wrote {len(pairs)} pairs of {pairs.num_persons} persons to {args.out}")
    return 0


def _run_to_tfrecord(args):
    from tf_deepexag import data, fileio  # pylint: disable=g-import-not-at-top

    fileio.check_output_file(args.out, "--out")  # before reading the dataset
    readers = {"paired": data.read_paired_folder, "caricature_data": data.read_caricature_data,
               "webcaricature": data.read_webcaricature}
    ds = readers[args.format](args.dataset, on_error=args.on_error,
                              check_images=args.with_images)
    with _progress(len(ds), "to_tfrecord") as bar:
        data.write_tfrecords(ds, args.out, with_images=args.with_images,
                             progress=lambda: bar.update(1))
    if isinstance(ds, data.LandmarkSet):
        what = f"{len(ds)} caricatures (no photos: caricature-only records)"
    else:
        what = f"{len(ds)} pairs of {ds.num_persons} persons"
    print(f"Wrote {what} to {args.out}; {len(ds.rejected)} rejected.")
    for file, reason in ds.rejected:
        print(f"  rejected {file}: {reason}")
    return 0


def _unpaired_sources(args):
    from tf_deepexag.data import unpaired_builder as ub  # pylint: disable=g-import-not-at-top

    photos = caricatures = None
    if args.webcaricature:
        if args.caricatures:
            raise ValueError("Give --webcaricature or --caricatures, not both.")
        photos, caricatures = ub.webcaricature_sources(args.webcaricature)
    if args.photos:
        photos = ub.Source(args.photos, args.photo_landmarks)
    elif args.photo_landmarks:
        raise ValueError("--photo_landmarks needs --photos.")
    if args.caricatures:
        caricatures = ub.Source(args.caricatures, args.caricature_landmarks)
    elif args.caricature_landmarks:
        raise ValueError("--caricature_landmarks needs --caricatures.")
    if photos is None or caricatures is None:
        raise ValueError("Give --photos and --caricatures (or --webcaricature).")
    return photos, caricatures


def _run_unpaired(args):
    from tf_deepexag.data import unpaired_builder as ub  # pylint: disable=g-import-not-at-top

    photos, caricatures = _unpaired_sources(args)
    total = len(ub.list_images(photos)) + len(ub.list_images(caricatures))
    with tqdm.tqdm(total=total, desc="unpaired", unit="image", disable=None,
                   file=sys.stderr) as bar:
        reports = ub.build_unpaired_folder(
            photos, caricatures, args.out, args.size, args.test_fraction,
            no_face=args.no_face, prefer_landmarks=args.prefer_landmarks,
            scale=args.scale, seed=args.seed, progress=lambda: bar.update(1))
    skipped = []
    for domain, what in (("A", "photos"), ("B", "caricatures")):
        r = reports[domain]
        placed = ", ".join(f"{k} {v}" for k, v in r.methods.items())
        print(f"{what}: {r.found} found, train{domain} {r.train}, test{domain} {r.test} "
              f"(placed by {placed}), {len(r.skipped)} skipped")
        skipped += r.skipped
    print(f"Wrote {args.out} (crops.csv lists each crop's source and method).")
    for file, reason in skipped:
        print(f"  skipped {file}: {reason}")
    return 0
