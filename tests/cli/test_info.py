"""Tests for `python -m tf_deepexag info` and the CLI's error handling."""

from tf_deepexag import __main__ as cli


def test_info_lists_versions_and_assets(capsys):
    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out
    assert "tf_deepexag 0.1.0" in out
    assert "tensorflow" in out and "astronaut_68.pts" in out


def test_known_errors_become_one_line_and_exit_1(capsys, monkeypatch):
    from tf_deepexag.cli import info

    def boom(args):
        raise FileNotFoundError("No such photo: x.jpg")

    monkeypatch.setattr(info, "run", boom)
    assert cli.main(["info"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "error: No such photo: x.jpg"
