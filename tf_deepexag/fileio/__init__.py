"""File input and output shared by every stage: atomic writes and image reading.

Outputs are never left half-written: every writer goes through
`atomic_write` (`atomic.py`), which renames a finished temporary file over
its target; folders are swapped in whole by `atomic_directory`. Temporary
files and folders get the permissions a plain `open`/`mkdir` would (0666/0777
less the umask; `temp_files.py`), not `mkstemp`'s owner-only 0600/0700, so a
server running as another user can read the outputs. Output folders are
proved writable before any work and locked while a set is written
(`output_folders.py`).

Images enter the project as `uint8` RGB arrays of shape `(H, W, 3)` whatever
their file holds, through one decoder (`read_image`, `image_decoding.py`, for
files and uploaded bytes alike). Which formats it reads, HEIC included, and
the header checks are `image_formats.py`'s; what a folder run reads is
decided by one rule too (`scan_images`, `image_files.py`): a visible file
with an image extension, or whose content the decoder recognises.

Callers use the names below (`fileio.read_image`, `fileio.atomic_write`);
the modules are the package's layout, not its interface.
"""

from tf_deepexag.fileio.atomic import (atomic_directory, atomic_write, readable_directory,
                                       write_bytes_atomic, write_bytes_exclusive,
                                       write_json_atomic, write_text_atomic)
from tf_deepexag.fileio.image_decoding import (DEFAULT_MAX_PIXELS, check_max_pixels,
                                               read_image, to_rgb_uint8)
from tf_deepexag.fileio.image_files import list_images, scan_images, write_image
from tf_deepexag.fileio.image_formats import (IMAGE_EXTENSIONS, READ_FORMATS, READABLE,
                                              ImageReadError, ImageTooLargeError, image_size)
from tf_deepexag.fileio.output_folders import (LOCK_FILE, OutputFolderError, check_output_dir,
                                               check_output_file, check_writable_dir,
                                               folder_lock)
from tf_deepexag.fileio.reading import file_digest, read_json
from tf_deepexag.fileio.temp_files import (current_umask, dir_mode, file_mode, make_temp_dir,
                                           make_temp_file)

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "IMAGE_EXTENSIONS",
    "LOCK_FILE",
    "READABLE",
    "READ_FORMATS",
    "ImageReadError",
    "ImageTooLargeError",
    "OutputFolderError",
    "atomic_directory",
    "atomic_write",
    "check_max_pixels",
    "check_output_dir",
    "check_output_file",
    "check_writable_dir",
    "current_umask",
    "dir_mode",
    "file_digest",
    "file_mode",
    "folder_lock",
    "image_size",
    "list_images",
    "make_temp_dir",
    "make_temp_file",
    "read_image",
    "read_json",
    "readable_directory",
    "scan_images",
    "to_rgb_uint8",
    "write_bytes_atomic",
    "write_bytes_exclusive",
    "write_image",
    "write_json_atomic",
    "write_text_atomic",
]
