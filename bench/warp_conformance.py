"""Max |difference| of our warp ops from the tensorflow-addons 0.23 vectors,
under whichever TensorFlow is installed.

The vectors were made by tensorflow-addons 0.23 on a TensorFlow of its era.
Run this with the project's TensorFlow (2.21), then with TF 2.15.1 in a
scratch environment (tensorflow-addons does not import with TF 2.21), to see
which differences come from the implementation and which from TensorFlow's
own float32 kernels (README warp section):

    python bench/warp_conformance.py
    python3.11 -m venv /tmp/tf215
    /tmp/tf215/bin/pip install tensorflow-cpu==2.15.1 "numpy<2"
    /tmp/tf215/bin/python bench/warp_conformance.py

Only `tf_deepexag.warp` is imported (plain TensorFlow ops, no Keras 3).
"""

import os
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import tensorflow as tf  # pylint: disable=wrong-import-position

from bench._report import report  # pylint: disable=wrong-import-position
from tf_deepexag.warp import dense_image_warp, sparse_image_warp  # pylint: disable=wrong-import-position

VECTORS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "tests", "data", "tfa_warp_vectors.npz")


def main():
    vectors = np.load(VECTORS)
    cases = sorted({k.split("_")[0] for k in vectors.files})
    rows = []
    for case in cases:
        if case.startswith("dense"):
            out = dense_image_warp(vectors[f"{case}_image"], vectors[f"{case}_flow"])
            rows.append({"case": case, "out_max_abs": float(
                np.abs(np.asarray(out) - vectors[f"{case}_out"]).max())})
            continue
        order, regularization, boundary = vectors[f"{case}_params"]
        out, flow = sparse_image_warp(
            *(vectors[f"{case}_{k}"] for k in ("image", "src_yx", "dst_yx")),
            int(order), float(regularization), int(boundary))
        rows.append({"case": case,
                     "out_max_abs": float(np.abs(np.asarray(out) - vectors[f"{case}_out"]).max()),
                     "flow_max_abs": float(
                         np.abs(np.asarray(flow) - vectors[f"{case}_flow"]).max())})
    version = tf.__version__.replace(".", "_")
    report(f"warp_conformance_tf{version}", rows,
           notes=[f"TensorFlow {tf.__version__}; limits 1e-4 (dense), 1e-3 (sparse)"])


if __name__ == "__main__":
    main()
