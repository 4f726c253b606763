"""Atomic writes: a reader sees the whole old file or folder, or the whole new one.

Every writer goes through `atomic_write`, which writes a temporary file in
the destination folder and renames it over the target (`os.replace` is
atomic on POSIX and Windows for one volume). Folders are written the same
way (`atomic_directory`). Temporary files and folders get the umask's
permissions (`temp_files`).
"""

import contextlib
import errno
import json
import os
import shutil

from tf_deepexag.errors import UserError
from tf_deepexag.fileio import temp_files
from tf_deepexag.fileio.output_folders import check_output_file

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
    fd, tmp_path = temp_files.make_temp_file(folder, os.path.basename(path))
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
    fd, tmp_path = temp_files.make_temp_file(folder, os.path.basename(path))
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
    tmp = temp_files.make_temp_dir(parent, name)
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
