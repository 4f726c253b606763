"""Loads a SavedModel in a fresh process and runs each signature (test helper).

Usage: python -m tests.export._run_saved_model <version dir> <inputs.npz> <out.npz>
"""

import sys

import numpy as np
import tensorflow as tf


def main(version_dir, inputs_path, out_path):
    loaded = tf.saved_model.load(version_dir)
    x = np.load(inputs_path)
    sig = loaded.signatures
    out = {}
    for seed in (3, 4):
        out[f"exaggerate_seed{seed}"] = sig["exaggerate"](
            photo_points=tf.constant(x["points"]), temperature=tf.constant(0.7),
            seed=tf.constant(seed, tf.int64))["caricature_points"].numpy()
    out["exaggerate_seed3_again"] = sig["exaggerate"](
        photo_points=tf.constant(x["points"]), temperature=tf.constant(0.7),
        seed=tf.constant(3, tf.int64))["caricature_points"].numpy()
    out["exaggerate_t0"] = sig["exaggerate"](
        photo_points=tf.constant(x["points"]), temperature=tf.constant(0.0),
        seed=tf.constant(9, tf.int64))["caricature_points"].numpy()
    out["serving_default"] = sig["serving_default"](
        photo_points=tf.constant(x["points"]))["caricature_points"].numpy()
    out["stylize"] = sig["stylize"](images=tf.constant(x["images"]))["images"].numpy()
    result = sig["caricature"](image=tf.constant(x["image"]),
                               photo_points=tf.constant(x["points"][:1]),
                               strength=tf.constant(1.5))
    out["caricature"] = result["caricature"].numpy()
    out["caricature_points"] = result["caricature_points"].numpy()
    np.savez(out_path, **out)


if __name__ == "__main__":
    main(*sys.argv[1:4])
