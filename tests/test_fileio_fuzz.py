"""Property tests of image decoding (see tests/fuzzing.py): any bytes, and
real encoded images truncated or with bytes changed, give a uint8 RGB array
or `fileio.ImageReadError`; never a decoder's own exception."""

import io
import os
import tempfile

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from tests.fuzzing import calls_with_named_errors
from tf_deepexag import fileio

_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP", "ICO", "PPM")


@st.composite
def _encoded(draw):
    h, w = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    mode = draw(st.sampled_from(["RGB", "L", "RGBA", "P", "1", "I;16", "CMYK", "LA"]))
    fmt = draw(st.sampled_from(_FORMATS))
    pixels = np.frombuffer(draw(st.binary(min_size=h * w * 4, max_size=h * w * 4)),
                           np.uint8).reshape(h, w, 4)
    image = Image.fromarray(pixels[..., :3].copy(), "RGB")
    try:
        image = image.convert(mode)
        out = io.BytesIO()
        image.save(out, fmt)
    except (OSError, ValueError, KeyError):  # this format cannot hold this mode
        out = io.BytesIO()
        Image.fromarray(pixels[..., :3].copy(), "RGB").save(out, "PNG")
    return out.getvalue()


@st.composite
def _damaged(draw):
    data = bytearray(draw(_encoded()))
    for _ in range(draw(st.integers(0, 4))):
        action = draw(st.sampled_from(["flip", "cut", "insert", "header"]))
        position = draw(st.integers(0, max(len(data) - 1, 0)))
        if action == "flip" and data:
            data[position] ^= draw(st.integers(1, 255))
        elif action == "cut":
            del data[position:]
        elif action == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=8))
        elif len(data) > 24:  # large values where a header keeps its sizes
            data[16:24] = draw(st.binary(min_size=8, max_size=8))
    return bytes(data)


@given(data=st.one_of(st.binary(max_size=300), _encoded(), _damaged()),
       suffix=st.sampled_from([".png", ".jpg", ".txt", ""]),
       max_pixels=st.sampled_from([None, 50, fileio.DEFAULT_MAX_PIXELS]))
def test_read_image_of_any_bytes(data, suffix, max_pixels):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "photo" + suffix)
        with open(path, "wb") as f:
            f.write(data)
        image = calls_with_named_errors(fileio.read_image, path, max_pixels=max_pixels)
    if image is not None:
        assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
        assert max_pixels is None or image.shape[0] * image.shape[1] <= max_pixels


@given(data=_encoded())
def test_undamaged_images_decode(data):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "photo")
        with open(path, "wb") as f:
            f.write(data)
        image = fileio.read_image(path)
    assert image.dtype == np.uint8 and image.shape[2] == 3
