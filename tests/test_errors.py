"""Tests for `tf_deepexag.errors`: known failures end a main with one line."""

import errno

import pytest

from tf_deepexag import errors


@pytest.mark.parametrize("error", [
    OSError(errno.ENOSPC, "No space left on device", "/mnt/small/x.png"),
    OSError(errno.EROFS, "Read-only file system"),
    PermissionError(errno.EACCES, "Permission denied", "/root/x"),
])
def test_os_errors_are_one_line_without_a_traceback(error, capsys):
    def main(argv):
        raise error
    with pytest.raises(SystemExit) as stop:
        errors.main_reporting_errors(main)([])
    assert stop.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: [Errno {error.errno}]")
    assert "Traceback" not in err
