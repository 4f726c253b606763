"""Datasets: readers, TFRecords, synthetic data and tf.data pipelines."""

from tf_deepexag.data.augment import mirror_pairs, mirror_points
from tf_deepexag.data.autotoon import (AutoToonLandmarks, autotoon_split,
                                       load_autotoon_landmarks, read_autotoon)
from tf_deepexag.data.landmark_set import LandmarkSet
from tf_deepexag.data.paired import (COLUMNS, PAIRS_FILE, PairedLandmarks,
                                     read_paired_folder)
from tf_deepexag.data.pipeline import (augment_scale, paired_stroke_dataset,
                                       preprocess_strokes)
from tf_deepexag.data.public_datasets import (read_caricature_data,
                                              read_webcaricature)
from tf_deepexag.data.render import render_face
from tf_deepexag.data.split import split_by_person
from tf_deepexag.data.synthetic import generate as generate_synthetic
from tf_deepexag.data.synthetic import make_synthetic_pairs
from tf_deepexag.data.synthetic_folder import write_synthetic_dataset
from tf_deepexag.data.tfrecords import (SCHEMA_VERSION, parse_pair,
                                        read_landmark_tfrecords, read_tfrecords,
                                        write_tfrecords)
from tf_deepexag.data.unpaired import (UnpairedFolder, read_unpaired_folder,
                                       unpaired_test_dataset, unpaired_train_dataset)

__all__ = [
    "AutoToonLandmarks", "autotoon_split", "load_autotoon_landmarks", "mirror_pairs",
    "mirror_points", "read_autotoon", "COLUMNS", "PAIRS_FILE", "LandmarkSet",
    "PairedLandmarks", "SCHEMA_VERSION",
    "augment_scale", "generate_synthetic", "make_synthetic_pairs", "paired_stroke_dataset",
    "parse_pair", "preprocess_strokes", "read_caricature_data", "read_landmark_tfrecords",
    "read_paired_folder", "read_tfrecords", "read_webcaricature", "render_face",
    "split_by_person", "UnpairedFolder", "read_unpaired_folder", "unpaired_test_dataset",
    "unpaired_train_dataset", "write_synthetic_dataset", "write_tfrecords",
]
