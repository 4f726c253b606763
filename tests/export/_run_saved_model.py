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
    points = tf.constant(x["points"])

    def exaggerate(seed, temperature, strength=1.0):
        return sig["exaggerate"](
            photo_points=points, eps_z=tf.constant(x[f"eps_z{seed}"]),
            uniforms=tf.constant(x[f"uniforms{seed}"]),
            normals=tf.constant(x[f"normals{seed}"]), temperature=tf.constant(temperature),
            strength=tf.constant(strength))["caricature_points"].numpy()

    for seed in (3, 4):
        out[f"exaggerate_seed{seed}"] = exaggerate(seed, 0.7)
    out["exaggerate_seed3_strength15"] = exaggerate(3, 0.7, 1.5)
    out["exaggerate_t0"] = exaggerate(4, 0.0)
    out["serving_default"] = sig["serving_default"](photo_points=points)[
        "caricature_points"].numpy()
    out["stylize"] = sig["stylize"](images=tf.constant(x["images"]))["images"].numpy()
    result = sig["caricature"](image=tf.constant(x["image"]),
                               photo_points=tf.constant(x["points"][:1]),
                               strength=tf.constant(1.5))
    out["caricature"] = result["caricature"].numpy()
    out["caricature_points"] = result["caricature_points"].numpy()
    zeros = tf.zeros([1, x["uniforms3"].shape[1], 2])
    for strength in (1.0, 2.0):  # the deterministic controls, guarded by the graph
        controls = sig["controls"](
            photo_points=points[:1], eps_z=tf.zeros([1, x["eps_z3"].shape[1]]),
            uniforms=zeros, normals=zeros, temperature=tf.constant(0.0),
            strength=tf.constant(strength))
        out[f"control_points{strength:g}"] = controls["control_points"].numpy()
        out[f"control_targets{strength:g}"] = controls["control_targets"].numpy()
    np.savez(out_path, **out)


if __name__ == "__main__":
    main(*sys.argv[1:4])
