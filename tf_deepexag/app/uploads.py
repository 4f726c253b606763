"""Checks of an uploaded photo and the request's fields, before any model runs.

A photo is judged in three steps, cheapest first: its byte count, then its
header (Pillow's `Image.open` reads the size without decoding the pixels),
and only then the full decode. A request's problem is a `RequestError` with
the HTTP status it maps to: 400 not an image, 413 too large, 422 bad value.
"""

import dataclasses
import math

import numpy as np

from tf_deepexag import fileio

# Defaults of `Limits`; `python -m tf_deepexag app` can change the first two.
MAX_FILE_MB = 20
MAX_MEGAPIXELS = 50  # a 48 MP phone photo passes; decoded it is 144 MB of RGB
# Photos are shrunk to this longest side before the pipeline: the face crop
# is 512 px anyway, and faces="all" returns the whole photo.
MAX_WORK_SIDE = 2048
MAX_SAMPLES = 8
MAX_STRENGTH = 3.0
MAX_TEMPERATURE = 2.0
MAX_SEED = 2**31 - 1
FORMATS = ("png", "json")


class RequestError(Exception):
    """A client error: `status` (400, 413 or 422) and a one-line message."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = int(status)
        self.message = message


@dataclasses.dataclass(frozen=True)
class Limits:
    """Upload limits.

    Attributes:
        max_file_bytes: int, the largest photo file accepted.
        max_pixels: int, the largest width x height accepted.
        max_work_side: int, photos are shrunk to this longest side.
    """

    max_file_bytes: int = MAX_FILE_MB * 1024 * 1024
    max_pixels: int = MAX_MEGAPIXELS * 1000 * 1000
    max_work_side: int = MAX_WORK_SIDE

    def __post_init__(self):
        for name in ("max_file_bytes", "max_pixels", "max_work_side"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"`{name}` must be positive, got {getattr(self, name)}.")


@dataclasses.dataclass(frozen=True)
class Options:
    """A request's validated fields (see `parse_options`)."""

    strength: float = 1.0
    temperature: float = None
    samples: int = 1
    style: str = None
    seed: int = 0
    faces: str = "largest"
    format: str = "png"
    morph: bool = False


def _number(fields, name, kind, lo, hi, default):
    raw = fields.get(name)
    if raw is None or str(raw).strip() == "":
        return default
    text = str(raw).strip()
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value) or not lo <= value <= hi:
        what = "an integer" if kind is int else "a number"
        raise RequestError(422, f"`{name}` must be {what} from {lo} to {hi}, got {text!r}.")
    return value


def parse_options(fields, styles):
    """Validates the form's text fields.

    Args:
        fields: mapping of field name to string (the form without `photo`).
        styles: the offered style specs.

    Returns:
        `Options`.

    Raises:
        RequestError: 422 naming the field and the value.
    """
    known = {f.name for f in dataclasses.fields(Options)}
    unknown = sorted(set(fields) - known)
    if unknown:
        raise RequestError(422, f"Unknown field(s) {', '.join(unknown)}; expected photo, "
                                f"{', '.join(sorted(known))}.")
    choices = {"style": tuple(styles), "faces": ("largest", "all"), "format": FORMATS}
    picked = {}
    for name, allowed in choices.items():
        raw = fields.get(name)
        if raw is None or str(raw).strip() == "":
            continue
        if str(raw).strip() not in allowed:
            raise RequestError(422, f"`{name}` must be one of {', '.join(allowed)}; "
                                    f"got {str(raw)!r}.")
        picked[name] = str(raw).strip()
    morph = bool(_number(fields, "morph", int, 0, 1, 0))
    if morph and picked.get("faces") == "all":
        raise RequestError(422, "`morph` animates one face: send faces=largest with "
                                "morph=1.")
    return Options(
        strength=_number(fields, "strength", float, 0.0, MAX_STRENGTH, 1.0),
        temperature=_number(fields, "temperature", float, 0.0, MAX_TEMPERATURE, None),
        samples=_number(fields, "samples", int, 1, MAX_SAMPLES, 1),
        seed=_number(fields, "seed", int, 0, MAX_SEED, 0), morph=morph, **picked)


def check_header(data, limits):
    """Reads the photo's size from its header and enforces the limits.

    Only the header is parsed: a PNG that claims 30000 x 30000 pixels is
    refused without decoding (or allocating) a single row.

    Args:
        data: bytes of the uploaded file.
        limits: `Limits`.

    Returns:
        `(width, height)`.

    Raises:
        RequestError: 413 over a limit, 400 empty or not an image.
    """
    if len(data) > limits.max_file_bytes:
        raise RequestError(413, f"The file is {_mb(len(data))}; the limit is "
                                f"{_mb(limits.max_file_bytes)}.")
    if not data:
        raise RequestError(400, "The file is empty.")
    try:
        width, height = fileio.image_size(data, name=_NAME)
    except fileio.ImageReadError as e:
        detail = _detail(e)
        if "HEIC" not in detail:  # the decoder's own words add nothing here
            detail = f"it is none of {fileio.READABLE}"
        raise RequestError(400, f"The file is not an image this server can read: "
                                f"{detail}.") from e
    if width * height > limits.max_pixels:
        raise RequestError(413, f"The image is {width} x {height} pixels "
                                f"({width * height / 1e6:.0f} megapixels); the limit is "
                                f"{limits.max_pixels / 1e6:g} megapixels.")
    return width, height


def decode(data, limits):
    """Decodes a checked photo to uint8 RGB, EXIF-rotated, shrunk to the work side.

    The command line's decoder (`fileio.read_image`), so a file reads the
    same in both; whatever it cannot decode is a 400.

    Raises:
        RequestError: 400 when the pixels cannot be decoded (e.g. truncated),
            413 over a limit.
    """
    import cv2  # pylint: disable=g-import-not-at-top

    check_header(data, limits)
    try:
        photo = fileio.read_image(data, max_pixels=limits.max_pixels, name=_NAME)
    except fileio.ImageTooLargeError as e:
        raise RequestError(413, f"The image is too large: {_detail(e)}.") from e
    except fileio.ImageReadError as e:
        raise RequestError(400, f"The file is not an image this server can read: "
                                f"{_detail(e)}.") from e
    h, w = photo.shape[:2]
    scale = limits.max_work_side / float(max(h, w))
    if scale < 1:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        photo = cv2.resize(photo, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(photo)


# How the decoder's messages name an upload (never a path of this server).
_NAME = "the file"


def _detail(error):
    """`fileio`'s one-line message about `_NAME`, without the name."""
    text = str(error).strip().rstrip(".")
    return text[len(_NAME) + 2:] if text.startswith(f"{_NAME}: ") else text


def _mb(n):
    return f"{n / (1024 * 1024):.1f} MB"
