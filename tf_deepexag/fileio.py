"""File input and output shared by every stage: atomic writes and image reading.

Outputs are never left half-written: every writer goes through `atomic_write`,
which writes a temporary file in the destination folder and renames it over
the target (`os.replace` is atomic on POSIX and Windows for one volume).

Images enter the project as `uint8` RGB arrays of shape `(H, W, 3)` whatever
their file holds: EXIF orientation is applied, and grayscale, alpha, palette
and 16-bit images are converted.
"""

import contextlib
import json
import os
import tempfile

import numpy as np

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")


class ImageReadError(ValueError):
    """An image file is missing, empty, truncated or not an image."""


@contextlib.contextmanager
def atomic_write(path, mode="wb"):
    """Opens a temporary file that replaces `path` only when the block succeeds.

    Args:
        path: str or path-like, the final destination.
        mode: `"wb"` or `"w"`. Defaults to `"wb"`.

    Yields:
        The open temporary file object.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp_path = tempfile.mkstemp(
            dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp_path)
        raise


def write_bytes_atomic(path, data):
    """Writes `data` (bytes) to `path` atomically."""
    with atomic_write(path, "wb") as f:
        f.write(data)


def write_text_atomic(path, text):
    """Writes `text` (str) to `path` atomically, UTF-8 encoded."""
    with atomic_write(path, "w") as f:
        f.write(text)


def write_json_atomic(path, obj):
    """Writes `obj` as indented, key-sorted JSON to `path` atomically."""
    write_text_atomic(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def read_json(path):
    """Reads a JSON file, naming the file when it is missing or malformed."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No such JSON file: {path}")
    with open(path, encoding="utf-8") as f:
        try:
            return json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path} is not valid JSON: {e}") from e


def list_images(folder):
    """Returns the sorted image files directly inside `folder`.

    Raises:
        FileNotFoundError: `folder` is not a directory.
    """
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"No such image folder: {folder}")
    return sorted(
            os.path.join(folder, name) for name in os.listdir(folder)
            if name.lower().endswith(IMAGE_EXTENSIONS)
            and os.path.isfile(os.path.join(folder, name)))


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


def read_image(path):
    """Reads an image file as `uint8` RGB with its EXIF orientation applied.

    Args:
        path: str or path-like.

    Returns:
        `uint8` array of shape `(H, W, 3)`.

    Raises:
        FileNotFoundError: `path` does not exist.
        ImageReadError: the file is empty, truncated or not a decodable image.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError  # pylint: disable=g-import-not-at-top

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No such image file: {path}")
    if os.path.getsize(path) == 0:
        raise ImageReadError(f"{path}: file is empty")
    try:
        with Image.open(path) as pil:
            pil.load()
            pil = ImageOps.exif_transpose(pil)
            if pil.mode == "P":
                pil = pil.convert("RGBA")
            elif pil.mode in ("I;16", "I;16B", "I;16L", "I"):
                array = np.asarray(pil).astype(np.uint16)
                return to_rgb_uint8(array)
            elif pil.mode in ("1", "L", "LA", "CMYK", "YCbCr", "F"):
                pil = pil.convert("RGBA" if pil.mode == "LA" else "RGB")
            array = np.asarray(pil)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise ImageReadError(f"{path}: cannot decode image ({e})") from e
    try:
        return to_rgb_uint8(array)
    except ValueError as e:
        raise ImageReadError(f"{path}: {e}") from e


def write_image(path, image):
    """Writes a `uint8` RGB image atomically; the format follows the extension.

    Args:
        path: destination, e.g. `out/face.png`.
        image: array accepted by `to_rgb_uint8`.
    """
    import cv2  # pylint: disable=g-import-not-at-top

    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lower() or ".png"
    ok, encoded = cv2.imencode(ext, to_rgb_uint8(image)[..., ::-1])
    if not ok:
        raise ValueError(f"Cannot encode an image as {ext!r} for {path}.")
    write_bytes_atomic(path, encoded.tobytes())
