"""Image files on disk: which files of a folder a run reads, and writing one."""

import os

from tf_deepexag.fileio.atomic import write_bytes_atomic
from tf_deepexag.fileio.image_decoding import to_rgb_uint8
from tf_deepexag.fileio.image_formats import IMAGE_EXTENSIONS, ImageReadError, image_size


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
