"""Is the person still recognisable? Face-descriptor distance photo vs caricature.

For real portraits (NASA's astronaut, and the 11 test photos of AutoToon's
fixed split when `--autotoon` names a clone of adobe-research/AutoToon), the
pipeline (detect -> geometry -> warp) runs once a photo; each style then
paints the warped crop. For every caricature:
- found: dlib's HOG frontal face detector (the detector of the
  face_recognition library; upsampled once) finds a face in it;
- distance: the Euclidean distance between the 128-D descriptors of dlib's
  face-recognition ResNet (`dlib_face_recognition_resnet_model_v1`, shipped
  in face_recognition_models; dlib reads < 0.6 as the same person) of the
  photo crop and of the caricature, each on its own HOG box with the
  68-point shape predictor.
Rows: per style, faces found, mean / max distance over the caricatures with
a face, and the same per photo in the JSON. With `--autotoon`, an `artist`
row measures the artists' own caricatures of the same test photos the same
way (photo and caricature each on its own HOG box in the full images): the
bar the geometry is held to.

    python bench/quality.py --autotoon ~/src/AutoToon \
        [--styles none,cartoon,cartoongan:shinkai] [--figures out/]

The photos are only read (AutoToon's are Flickr images under CC licences,
listed in its dataset/ImageMetadata.csv); nothing is copied into the repo.
"""

import argparse
import os
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench._report import report  # pylint: disable=wrong-import-position
from tf_deepexag import fileio, pipeline  # pylint: disable=wrong-import-position
from tf_deepexag.style import cartoongan_weights, stylizers  # pylint: disable=wrong-import-position

# dataset.py of adobe-research/AutoToon: `_make_train_test_split`, indices
# into the sorted photo names.
AUTOTOON_TEST_IDX = (1, 10, 16, 24, 40, 50, 60, 80, 87, 93, 100)


def autotoon_test_photos(root, folder_name="photos"):
    """Paths of AutoToon's test photos (or their caricatures) in a clone (or
    its dataset/ folder)."""
    folder = os.path.join(root, "dataset", folder_name)
    if not os.path.isdir(folder):
        folder = os.path.join(root, folder_name)
    if not os.path.isdir(folder):
        raise SystemExit(f"--autotoon: no dataset/photos folder under {root}")
    names = sorted(n for n in os.listdir(folder) if n.lower().endswith((".png", ".jpg")))
    if len(names) <= max(AUTOTOON_TEST_IDX):
        raise SystemExit(f"--autotoon: {folder} holds {len(names)} photos, expected 101")
    return [os.path.join(folder, names[i]) for i in AUTOTOON_TEST_IDX]


class FaceIdentity:
    """dlib HOG detection and the face-recognition ResNet descriptor."""

    def __init__(self):
        import dlib  # pylint: disable=import-outside-toplevel
        import face_recognition_models as frm  # pylint: disable=import-outside-toplevel
        self.detector = dlib.get_frontal_face_detector()
        self.shape = dlib.shape_predictor(frm.pose_predictor_model_location())
        self.net = dlib.face_recognition_model_v1(frm.face_recognition_model_location())

    def descriptor(self, image):
        """(128,) descriptor of the largest HOG face, or None when none is found."""
        boxes = self.detector(image, 1)
        if not boxes:
            return None
        box = max(boxes, key=lambda b: b.width() * b.height())
        shape = self.shape(image, box)
        return np.asarray(self.net.compute_face_descriptor(image, shape), np.float64)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--autotoon", default=None,
                        help="A clone of adobe-research/AutoToon (its 11 test photos).")
    parser.add_argument("--styles", default=None,
                        help="Comma-separated style specs. Default: none, cartoon and "
                             "every shipped cartoongan style.")
    parser.add_argument("--geometry", default="vae", help="Geometry spec. Default: vae.")
    parser.add_argument("--strength", type=float, default=1.0, help="Default: 1.")
    parser.add_argument("--max_side", type=int, default=pipeline.DEFAULT_STYLE_MAX_SIDE,
                        help="CartoonGAN styles run at most at this side (the crop is "
                             "shrunk for them and enlarged back). Default: the "
                             f"pipeline's, {pipeline.DEFAULT_STYLE_MAX_SIDE}.")
    parser.add_argument("--style_weight", type=float, default=pipeline.DEFAULT_STYLE_WEIGHT,
                        help="CartoonGAN styles: the painted image's share of the output. "
                             f"Default: the pipeline's, {pipeline.DEFAULT_STYLE_WEIGHT}.")
    parser.add_argument("--figures", default=None,
                        help="Folder for one PNG row a photo (photo, then each style).")
    args = parser.parse_args()
    from skimage import data as skdata  # pylint: disable=import-outside-toplevel

    photos = {"astronaut": skdata.astronaut()}
    if args.autotoon:
        for path in autotoon_test_photos(os.path.expanduser(args.autotoon)):
            photos[os.path.splitext(os.path.basename(path))[0]] = fileio.read_image(path)
    specs = (args.styles.split(",") if args.styles else
             ["none", "cartoon"] + [f"cartoongan:{s}" for s in cartoongan_weights.SHIPPED_STYLES])
    styles = {spec: stylizers.make_stylizer(spec, max_side=args.max_side,
                                                   style_weight=args.style_weight) for spec in specs}
    artist = pipeline.build_caricaturist(geometry=args.geometry, style="none",
                                                 compile_geometry=True)
    identity = FaceIdentity()
    per_photo, results = [], {spec: [] for spec in specs}
    for name, photo in photos.items():
        result = artist(photo, strength=args.strength, seed=0)[0]
        reference = identity.descriptor(result.photo)
        panels = [result.photo]
        for spec, stylizer in styles.items():
            caricature = stylizer(result.warped)
            panels.append(caricature)
            d = identity.descriptor(caricature)
            dist = None if d is None or reference is None else float(np.linalg.norm(d - reference))
            results[spec].append(dist)
            per_photo.append({"photo": name, "style": spec, "found": d is not None,
                              "distance": dist})
        print(name, " ".join(f"{s}={r[-1] if r[-1] is None else round(r[-1], 3)}"
                             for s, r in results.items()), flush=True)
        if args.figures:
            fileio.write_image(os.path.join(args.figures, f"{name}.png"),
                               np.concatenate(panels, axis=1))
    if args.autotoon:
        artist_distances = []
        root = os.path.expanduser(args.autotoon)
        for photo_path, caricature_path in zip(autotoon_test_photos(root),
                                               autotoon_test_photos(root, "caricatures")):
            a = identity.descriptor(fileio.read_image(photo_path))
            b = identity.descriptor(fileio.read_image(caricature_path))
            dist = None if a is None or b is None else float(np.linalg.norm(a - b))
            artist_distances.append(dist)
            per_photo.append({"photo": os.path.basename(photo_path), "style": "artist",
                              "found": b is not None, "distance": dist})
        results["artist (AutoToon)"] = artist_distances
    rows = []
    for spec, dists in results.items():
        if args.autotoon and spec in styles:
            dists = dists[1:]  # The rows hold the AutoToon photos only, like the artist's.
        found = [d for d in dists if d is not None]
        rows.append({"style": spec, "faces_found": f"{len(found)}/{len(dists)}",
                     "mean_distance": float(np.mean(found)) if found else None,
                     "max_distance": float(np.max(found)) if found else None,
                     "same_person_<0.6": sum(d < 0.6 for d in found)})
    report("quality", rows + per_photo, notes=[
        f"geometry={args.geometry} strength={args.strength} max_side={args.max_side} "
        f"style_weight={args.style_weight}; "
        f"{len(photos)} photos (with --autotoon, the summary rows leave out the "
        "astronaut, whose distances are in its per-photo rows); "
        "dlib HOG detection (upsample 1), 68-point shape, face-recognition ResNet v1"])


if __name__ == "__main__":
    main()
