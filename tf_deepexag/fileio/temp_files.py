"""Temporary files and folders with the permissions of plain new ones.

`mkstemp` and `mkdtemp` make owner-only files (0600) and folders (0700); the
ones made here get what a plain `open`/`mkdir` would (0666/0777 less the
umask), so a server running as another user can read the outputs they become.
"""

import os
import tempfile
import threading

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
