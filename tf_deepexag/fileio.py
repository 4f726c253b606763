"""File input and output shared by every stage: atomic writes and image reading.

Outputs are never left half-written: every writer goes through `atomic_write`,
which writes a temporary file in the destination folder and renames it over
the target (`os.replace` is atomic on POSIX and Windows for one volume).
Folders are written the same way (`atomic_directory`). Temporary files and
folders get the permissions a plain `open`/`mkdir` would (0666/0777 less the
umask), not `mkstemp`'s owner-only 0600/0700, so a server running as another
user can read the outputs.

Images enter the project as `uint8` RGB arrays of shape `(H, W, 3)` whatever
their file holds, through one decoder (`read_image`, for files and uploaded
bytes alike): EXIF orientation is applied, and grayscale, alpha, palette,
CMYK, Lab, 16-bit, 32-bit and float images are converted. What a folder run
reads is decided by one rule too (`scan_images`): a visible file with an
image extension, or whose content the decoder recognises.
"""

import contextlib
import errno
import hashlib
import io
import json
import os
import shutil
import tempfile
import threading
import warnings

import numpy as np

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
# Decoded-size limit of `read_image` (width x height), checked from the file's
# header before any pixel is decoded: 100 megapixels is a 300 MB RGB array,
# beyond every consumer camera; Pillow's own bomb limit is 89.5 M (warning)
# and 179 M (error).
DEFAULT_MAX_PIXELS = 100_000_000


class ImageReadError(UserError):
    """An image file is missing, empty, truncated or not an image."""


class ImageTooLargeError(ImageReadError):
    """An image's header declares more pixels than the decoded-size limit."""


class OutputFolderError(UserError):
    """An output folder cannot be written: read-only, full, not permitted.

    Args:
        folder: the output folder the user named.
        error: the `OSError` raised.
        target: optional name of the file being written, relative to `folder`.
    """

    def __init__(self, folder, error, target=None):
        reason = error.strerror or str(error)
        where = f" (writing {target})" if target else ""
        super().__init__(f"Cannot write to the output folder {os.fspath(folder)!r}: "
                         f"{reason}{where}.")
        self.folder = folder
        self.errno = error.errno


_UMASK_LOCK = threading.Lock()


def current_umask():
    """The process umask, read without changing it where the OS allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:  # elsewhere: set and restore (brief, under a lock)
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def file_mode():
    """The mode `open()` gives a new file: 0666 less the umask."""
    return 0o666 & ~current_umask()


def dir_mode():
    """The mode `mkdir` gives a new folder: 0777 less the umask."""
    return 0o777 & ~current_umask()


def make_temp_file(folder, name, suffix=".tmp"):
    """`(fd, path)` of a new hidden temporary file beside `folder/name`, with
    the permissions of a plain new file (see `file_mode`); its name ends with
    `suffix` (writers that pick the format by extension need `.tmp.png`).

    Raises:
        OSError: the file cannot be made (no permission, no space), naming
            `folder/name`, the file the user asked for, not the hidden one.
    """
    try:
        fd, path = tempfile.mkstemp(dir=folder, prefix="." + name + ".", suffix=suffix)
    except OSError as e:
        raise type(e)(e.errno, e.strerror, os.path.join(folder, name)) from e
    try:
        os.chmod(path, file_mode())
    except BaseException:
        os.close(fd)
        os.remove(path)
        raise
    return fd, path


def make_temp_dir(parent, name):
    """A new hidden temporary folder in `parent` for the folder `name`, with
    the permissions of a plain new folder (see `dir_mode`)."""
    path = tempfile.mkdtemp(dir=parent, prefix="." + name + ".", suffix=".tmp")
    os.chmod(path, dir_mode())
    return path


def check_output_file(path, name="out"):
    """Raises `UserError` if `path` cannot be a file to write: it is a folder.

    Args:
        path: the destination file.
        name: the argument's name for the message.
    """
    path = os.fspath(path)
    if os.path.isdir(path) or path.endswith(os.sep):
        raise UserError(f"`{name}` must name a file, got the folder {path!r}.")


def check_output_dir(path, name="out"):
    """Raises `UserError` if `path` exists and is not a folder."""
    path = os.fspath(path)
    if os.path.exists(path) and not os.path.isdir(path):
        raise UserError(f"`{name}` must name a folder, got the existing file {path!r}.")


def check_writable_dir(path, name="out"):
    """Creates the folder `path` if needed and proves it writable.

    A small probe file is written, flushed, `fsync`ed and removed, so a
    read-only or full file system is found before any work is done (an empty
    file would still fit on a full disk).

    Args:
        path: the output folder.
        name: the argument's name for the message.

    Raises:
        UserError: `path` is an existing file.
        OutputFolderError: the folder cannot be created or written.
    """
    check_output_dir(path, name)
    try:
        os.makedirs(path, exist_ok=True)
        fd, probe = make_temp_file(path, "write-probe")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(b"\0" * 4096)
                f.flush()
                os.fsync(f.fileno())
        finally:
            os.remove(probe)
    except OSError as e:
        raise OutputFolderError(path, e) from e


def file_digest(path, chunk_size=1 << 20):
    """The SHA-256 hex digest of a file's content, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk_size), b""):
            digest.update(block)
    return digest.hexdigest()


# Errors of `os.link` on file systems without hard links (FAT, some SMB/FUSE).
_NO_LINKS = frozenset(e for e in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP,
                                  errno.ENOSYS, errno.EMLINK) if e is not None)


def write_bytes_exclusive(path, data):
    """Writes `data` to `path` only if no file of that name exists.

    The bytes are written to a temporary file, `fsync`ed and hard-linked to
    `path`: the link fails if `path` exists, so two writers never replace
    each other, and a reader sees the whole file or none. File systems
    without hard links get an `O_EXCL` create, then the bytes.

    Raises:
        FileExistsError: `path` exists.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp_path = make_temp_file(folder, os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp_path, path)
        except FileExistsError:
            raise
        except OSError as e:
            if e.errno not in _NO_LINKS:
                raise
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666),
                           "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp_path)


LOCK_FILE = ".tf_deepexag.lock"


@contextlib.contextmanager
def folder_lock(folder):
    """Holds an exclusive advisory lock on `folder` while the block runs.

    The lock is `fcntl.flock` on `<folder>/.tf_deepexag.lock`, released by the
    kernel if the process dies. Where the OS has no `fcntl` (Windows) the
    block runs unlocked: callers must stay correct without it and use the
    lock only to keep concurrent writers' sets consistent.
    """
    try:
        import fcntl  # pylint: disable=g-import-not-at-top
    except ImportError:
        yield
        return
    fd = os.open(os.path.join(folder, LOCK_FILE), os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


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
    check_output_file(path, "path")
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp_path = make_temp_file(folder, os.path.basename(path))
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


def _aside(directory):
    parent, name = os.path.split(directory)
    return os.path.join(parent, "." + name + ".old")


@contextlib.contextmanager
def atomic_directory(path):
    """Yields a temporary folder that replaces the folder `path` on success.

    The previous `path` is renamed aside (`.<name>.old`) and the new one
    renamed in, two renames: a process killed between them leaves the old
    folder aside, where `readable_directory` finds it. Temporary folders of
    earlier killed writers are removed (one writer a folder is assumed).

    Args:
        path: str, the folder to write.

    Yields:
        str, the temporary folder to fill.
    """
    path = os.path.abspath(os.fspath(path))
    if os.path.exists(path) and not os.path.isdir(path):
        raise UserError(f"Cannot write the folder {path!r}: a file of that name exists.")
    parent, name = os.path.split(path)
    os.makedirs(parent, exist_ok=True)
    for stale in os.listdir(parent):
        if stale.startswith("." + name + ".") and stale.endswith(".tmp"):
            shutil.rmtree(os.path.join(parent, stale), ignore_errors=True)
    tmp = make_temp_dir(parent, name)
    try:
        yield tmp
        old = _aside(path)
        if os.path.isdir(path):
            shutil.rmtree(old, ignore_errors=True)  # left by a kill after the swap
            os.replace(path, old)
        os.replace(tmp, path)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def readable_directory(path):
    """`path`, or the previous version an interrupted `atomic_directory` left
    aside when `path` itself is missing."""
    path = os.fspath(path)
    if not os.path.isdir(path) and os.path.isdir(_aside(os.path.abspath(path))):
        return _aside(os.path.abspath(path))
    return path


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


def scan_images(folder):
    """The files a folder run reads, and the ones it leaves out.

    One rule: a visible regular file directly inside `folder` is read if its
    extension is in `IMAGE_EXTENSIONS` or its content is an image
    `read_image` decodes (a GIF named `photo`, an AVIF saved as `.img`).
    Hidden files (`.name`, where atomic writes keep their temporary files) are
    skipped silently; sub-folders, FIFOs and devices are not listed.

    Returns:
        `(images, ignored)`: the sorted image paths, and a one-line reason
        naming each other visible file.

    Raises:
        FileNotFoundError: `folder` is not a directory.
    """
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"No such image folder: {folder}")
    images, ignored = [], []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if name.startswith(".") or not os.path.isfile(path):
            continue
        if name.lower().endswith(IMAGE_EXTENSIONS):
            images.append(path)
            continue
        try:
            image_size(path)
        except (ImageReadError, FileNotFoundError) as e:  # gone since listed
            ignored.append(str(e))
        else:
            images.append(path)
    return images, ignored


def list_images(folder):
    """The sorted image files directly inside `folder` (see `scan_images`).

    Raises:
        FileNotFoundError: `folder` is not a directory.
    """
    return scan_images(folder)[0]


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


def _open_header(source):
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


def _source_and_name(source, name):
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

    source, name = _source_and_name(source, name)
    if (len(source) if not isinstance(source, str) else os.path.getsize(source)) == 0:
        raise ImageReadError(f"{name}: file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with _open_header(source) as pil:
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
    source, name = _source_and_name(source, name)
    if max_pixels is not None and width * height > max_pixels:
        raise ImageTooLargeError(
            f"{name}: {width}x{height} = {width * height / 1e6:.1f} "
            f"megapixels exceeds the limit of {max_pixels / 1e6:.1f} "
            "(`max_pixels`); downscale the photo or raise the limit.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with _open_header(source) as pil:
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
