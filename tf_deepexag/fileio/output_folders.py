"""Output paths and folders: checked before any work, locked while written."""

import contextlib
import os

from tf_deepexag.errors import UserError
from tf_deepexag.fileio import temp_files


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
        fd, probe = temp_files.make_temp_file(path, "write-probe")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(b"\0" * 4096)
                f.flush()
                os.fsync(f.fileno())
        finally:
            os.remove(probe)
    except OSError as e:
        raise OutputFolderError(path, e) from e


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
