"""Loads the tensorflow-addons 0.23 conformance vectors shipped in tests/data."""

import os

import numpy as np

PATH = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data",
                    "tfa_warp_vectors.npz")


def load():
    return np.load(PATH)


def cases(vectors, prefix):
    return sorted({k.split("_")[0] for k in vectors.files if k.startswith(prefix)})
