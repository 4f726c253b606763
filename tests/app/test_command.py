"""Tests of `python -m tf_deepexag app`'s parsing and its early errors (no models)."""

import socket

from tf_deepexag import __main__ as cli
from tf_deepexag.app import command


def test_app_is_a_command_with_loopback_defaults(capsys):
    args = cli.build_parser().parse_args(["app"])
    assert (args.host, args.port) == ("127.0.0.1", 7860)
    assert args.run is command.run and not args.compile
    try:
        cli.build_parser().parse_args(["--help"])
    except SystemExit:
        pass
    assert "app" in capsys.readouterr().out


def test_a_busy_port_is_one_line_and_exit_1_before_loading(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        code = cli.main(["app", "--port", str(port)])
    err = capsys.readouterr().err
    assert code == 1 and f"Cannot listen on 127.0.0.1:{port}" in err
    assert "Traceback" not in err


def test_bad_flag_values_are_one_line_errors(capsys):
    for flags, words in ((["--port", "70000"], "--port"), (["--queue", "-1"], "--queue"),
                         (["--max_upload_mb", "0"], "--max_upload_mb")):
        assert cli.main(["app", *flags]) == 1, flags
        assert words in capsys.readouterr().err


def test_loopback_detection():
    assert command._is_loopback("127.0.0.1") and command._is_loopback("::1")
    assert command._is_loopback("localhost")
    assert not command._is_loopback("0.0.0.0") and not command._is_loopback("192.168.1.2")
