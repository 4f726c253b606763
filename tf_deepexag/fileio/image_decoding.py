"""`read_image`, the project's one image decoder, and `to_rgb_uint8`.

Images enter the project as `uint8` RGB arrays of shape `(H, W, 3)` whatever
their file holds, for files and uploaded bytes alike: EXIF orientation is
applied, and grayscale, alpha, palette, CMYK, Lab, 16-bit, 32-bit and float
images are converted.
"""

import warnings

import numpy as np

from tf_deepexag.errors import UserError
from tf_deepexag.fileio.image_formats import (ImageReadError, ImageTooLargeError, image_size,
                                              named_source, open_header)

# Decoded-size limit of `read_image` (width x height), checked from the file's
# header before any pixel is decoded: 100 megapixels is a 300 MB RGB array,
# beyond every consumer camera; Pillow's own bomb limit is 89.5 M (warning)
# and 179 M (error).
DEFAULT_MAX_PIXELS = 100_000_000


def to_rgb_uint8(image):
    """Converts an image array of any common layout to `uint8` RGB.

    Args:
        image: array of shape `(H, W)`, `(H, W, 1)`, `(H, W, 3)` or `(H, W, 4)`,
            dtype `uint8`, `uint16` (scaled by 1/257), bool, or float in `[0, 1]`.

    Returns:
        `uint8` array of shape `(H, W, 3)`. Alpha is composited onto white.

    Raises:
        ValueError: the array has another rank or channel count, or is empty.
    """
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3 or image.shape[-1] not in (1, 3, 4):
        raise ValueError(
                f"Expected an image of shape (H, W), (H, W, 1|3|4), got {image.shape}.")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"Image has zero size: {image.shape}.")
    if image.dtype == np.uint8:
        pass
    elif image.dtype == np.uint16:
        image = (image.astype(np.float32) / 257.0 + 0.5).astype(np.uint8)
    elif image.dtype == bool:
        image = image.astype(np.uint8) * 255
    elif np.issubdtype(image.dtype, np.floating):
        if not np.all(np.isfinite(image)):
            raise ValueError("Image contains NaN or inf values.")
        image = (np.clip(image, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    else:
        raise ValueError(f"Unsupported image dtype {image.dtype}.")
    if image.shape[-1] == 1:
        image = np.repeat(image, 3, axis=-1)
    elif image.shape[-1] == 4:
        alpha = image[..., 3:].astype(np.float32) / 255.0
        rgb = image[..., :3].astype(np.float32)
        image = (rgb * alpha + 255.0 * (1.0 - alpha) + 0.5).astype(np.uint8)
    return np.ascontiguousarray(image)


def check_max_pixels(max_pixels):
    """Validates a decoded-size limit (`None` = no limit); returns it as int."""
    if max_pixels is None:
        return None
    if isinstance(max_pixels, bool) or not float(max_pixels).is_integer() \
            or int(max_pixels) < 1:
        raise UserError(f"`max_pixels` must be a positive integer, got {max_pixels!r}.")
    return int(max_pixels)


def _wide_to_unit(array, fractions):
    """Float `[0, 1]` from integer or float samples wider than 8 bits.

    The file says the sample type, not the range its values use: a 32-bit
    TIFF written from 8-bit data holds 0-255, a float TIFF usually 0-1. The
    range is the smallest of `[0, 1]` (floats only), 8, 16 or 32 bits that
    holds the largest value.
    """
    array = np.maximum(np.asarray(array, np.float64), 0.0)
    top = float(array.max(initial=0.0))
    if not np.isfinite(top):
        raise ValueError("Image contains NaN or inf values.")
    full = next(f for f in (1.0 if fractions else 0.0, 255.0, 65535.0, 2.0**32 - 1, top)
                if f and top <= f)
    return (array / full).astype(np.float32)


def _pixels(pil):
    """The decoded pixels of an opened image, in a layout `to_rgb_uint8` takes."""
    mode = pil.mode
    if mode in ("RGB", "RGBA", "L", "1"):
        return np.asarray(pil)
    if mode.startswith("I;16"):
        return np.asarray(pil).astype(np.uint16)
    if mode == "I":  # 32-bit integers; a PNG of 16 bits opens so in older Pillow
        array = np.asarray(pil)
        if pil.format == "PNG":
            return np.clip(array, 0, 65535).astype(np.uint16)
        return _wide_to_unit(array, fractions=False)
    if mode == "F":
        return _wide_to_unit(np.asarray(pil), fractions=True)
    if mode in ("P", "PA", "LA", "La", "RGBa"):
        return np.asarray(pil.convert("RGBA"))
    return np.asarray(pil.convert("RGB"))  # CMYK, YCbCr, LAB (Pillow's CIELab), HSV


def read_image(source, max_pixels=DEFAULT_MAX_PIXELS, name=None):
    """Decodes an image file as `uint8` RGB with its EXIF orientation applied.

    The one decoder of the project: the command line, `annotate`, the data
    readers and the web app (uploaded bytes) all read photos through it.

    Args:
        source: a path, or the file's bytes.
        max_pixels: int, the largest width x height accepted, checked from the
            header before decoding; None for no limit. Defaults to
            `DEFAULT_MAX_PIXELS` (100 M).
        name: how messages name the image. Defaults to the path, or "the
            image" for bytes.

    Returns:
        `uint8` array of shape `(H, W, 3)`.

    Raises:
        FileNotFoundError: `source` is a path that does not exist.
        ImageTooLargeError: the header declares more than `max_pixels` pixels.
        ImageReadError: the file is empty, truncated, of a format not in
            `READ_FORMATS` or not decodable (whatever the decoder raised is
            reported as this).
    """
    from PIL import Image, ImageOps  # pylint: disable=g-import-not-at-top

    max_pixels = check_max_pixels(max_pixels)
    width, height = image_size(source, name)
    source, name = named_source(source, name)
    if max_pixels is not None and width * height > max_pixels:
        raise ImageTooLargeError(
            f"{name}: {width}x{height} = {width * height / 1e6:.1f} "
            f"megapixels exceeds the limit of {max_pixels / 1e6:.1f} "
            "(`max_pixels`); downscale the photo or raise the limit.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with open_header(source) as pil:
                pil.load()
                array = _pixels(ImageOps.exif_transpose(pil))
    except Image.DecompressionBombError as e:
        raise ImageTooLargeError(f"{name}: {e}") from e
    except MemoryError:
        raise
    except Exception as e:  # pylint: disable=broad-except
        # A decoder fed untrusted bytes may raise anything (OSError, EOFError,
        # SyntaxError, struct.error, RuntimeError from libavif,
        # NotImplementedError for a DDS variant, ...): all mean "not a
        # decodable image", reported with the file named.
        raise ImageReadError(f"{name}: cannot decode image ({type(e).__name__}: "
                             f"{e})") from e
    try:
        return to_rgb_uint8(array)
    except ValueError as e:
        raise ImageReadError(f"{name}: {e}") from e
