"""Which files are images: the formats read, HEIF support, the header.

The decoder is Pillow, limited to `READ_FORMATS` (checked against a file's
content, whatever its name), with pi-heif's HEIF opener registered once.
`image_size` reads a header without decoding pixels; `scan_images` and
`read_image` both rely on it.
"""

import io
import os
import threading
import warnings

from tf_deepexag.errors import UserError

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif",
                    ".avif", ".heic", ".heif")
# The Pillow formats `read_image` decodes (checked against the file's content,
# whatever its name). Formats Pillow guesses without a signature (TGA, ...)
# are left out: a text file must not pass for an image.
READ_FORMATS = ("JPEG", "MPO", "PNG", "GIF", "BMP", "DIB", "WEBP", "TIFF", "AVIF", "PPM",
                "JPEG2000", "ICO", "PSD", "QOI", "HEIF")
# READ_FORMATS for people (HEIF with the `pi-heif` package, a dependency).
READABLE = "JPEG, PNG, GIF, BMP, WebP, TIFF, AVIF, HEIC, PPM, JPEG 2000, ICO, PSD, QOI"
# ISO base media brands of HEIF still images (HEIC is HEIF with HEVC); AVIF's
# "avif"/"avis" are read by Pillow itself.
_HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs",
                b"mif1", b"msf1")


class ImageReadError(UserError):
    """An image file is missing, empty, truncated or not an image."""


class ImageTooLargeError(ImageReadError):
    """An image's header declares more pixels than the decoded-size limit."""


_PIL_LIMIT_LOCK = threading.Lock()
_PIL_READY = []


def _pil():
    """Pillow's `Image`, with pi-heif's HEIF opener registered once.

    `pi-heif` (decode only; BSD-3 with LGPL-3.0 libheif and libde265 in its
    wheel) is a dependency; where it is missing, HEIC files are named as
    unsupported in one line instead."""
    from PIL import Image  # pylint: disable=g-import-not-at-top

    if not _PIL_READY:
        try:
            import pi_heif  # pylint: disable=g-import-not-at-top
            pi_heif.register_heif_opener()
        except ImportError:
            pass  # HEIC is then named as unsupported (`_not_an_image`)
        Image.init()
        _PIL_READY.append(tuple(f for f in READ_FORMATS if f in Image.OPEN))
    return Image


def open_header(source):
    """Opens `source` (a path or bytes) with Pillow, reading the header only,
    with Pillow's own decompression-bomb limit lifted (the caller checks
    `max_pixels`), for the formats of `READ_FORMATS` only."""
    Image = _pil()  # pylint: disable=invalid-name
    if isinstance(source, (bytes, bytearray, memoryview)):
        source = io.BytesIO(source)
    with _PIL_LIMIT_LOCK:
        saved, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
        try:
            return Image.open(source, formats=_PIL_READY[0])
        finally:
            Image.MAX_IMAGE_PIXELS = saved


def _head(source, size=64):
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source[:size])
    with open(source, "rb") as f:
        return f.read(size)


def _not_an_image(source, name, error):
    """The `ImageReadError` of a file the decoder does not recognise."""
    head = _head(source)
    if ("HEIF" not in _PIL_READY[0] and head[4:8] == b"ftyp"
            and any(brand in head[8:32] for brand in _HEIF_BRANDS)):
        return ImageReadError(
            f"{name}: HEIC/HEIF photos are not supported here (the optional `pi-heif` "
            f"package reads them); convert it to JPEG or PNG.")
    del error
    return ImageReadError(f"{name}: cannot decode image: not a file of a format this "
                          f"program reads ({READABLE}).")


def named_source(source, name):
    """`(source, name)`: a path checked to exist, or bytes, and how messages
    name it (the path, or "the image" for bytes, unless `name` is given)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return source, name or "the image"
    path = os.fspath(source)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No such image file: {path}")
    return path, name or path


def image_size(source, name=None):
    """`(width, height)` from an image's header, without decoding its pixels.

    Args:
        source: a path, or the file's bytes.
        name: how messages name the image. Defaults to the path, or "the
            image" for bytes.

    Raises:
        FileNotFoundError: `source` is a path that does not exist.
        ImageReadError: empty, or not an image of `READ_FORMATS`.
    """
    from PIL import UnidentifiedImageError  # pylint: disable=g-import-not-at-top

    source, name = named_source(source, name)
    if (len(source) if not isinstance(source, str) else os.path.getsize(source)) == 0:
        raise ImageReadError(f"{name}: file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with open_header(source) as pil:
                return pil.size
    except UnidentifiedImageError as e:
        raise _not_an_image(source, name, e) from e
    except MemoryError:
        raise
    except OSError as e:
        if e.errno is None:  # Pillow's own "cannot ..." errors carry no errno
            raise ImageReadError(f"{name}: cannot read the image header ({e})") from e
        raise ImageReadError(f"{name}: cannot open the file ({e.strerror})") from e
    except Exception as e:  # pylint: disable=broad-except
        # Header parsers fed untrusted bytes raise anything (see `read_image`).
        raise ImageReadError(f"{name}: cannot read the image header "
                             f"({type(e).__name__}: {e})") from e
