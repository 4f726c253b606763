"""Tests for `tf_deepexag.cli._progress`: a line every few seconds off a terminal."""

import io

from tf_deepexag.cli import _progress


class _Clock:
    def __init__(self, times):
        self.times = iter(times)

    def __call__(self):
        return next(self.times)


def test_lines_every_few_seconds_without_a_terminal(monkeypatch):
    # start, then one reading before each of the 4 items, then the end.
    monkeypatch.setattr(_progress.time, "monotonic", _Clock([0, 1, 6, 7, 75, 80]))
    stream = io.StringIO()
    assert list(_progress.progress(["a", "b", "c", "d"], "annotate", file=stream)) == list("abcd")
    assert stream.getvalue().splitlines() == [
        "annotate: 1/4 photos, 6 s, about 18 s left",
        "annotate: 3/4 photos, 1 min 15 s, about 25 s left",
        "annotate: 4/4 photos, 1 min 20 s",
    ]


def test_a_quick_run_prints_nothing_and_a_terminal_gets_a_bar(monkeypatch):
    stream = io.StringIO()
    assert list(_progress.progress([1, 2], "caricature", file=stream)) == [1, 2]
    assert stream.getvalue() == ""
    monkeypatch.setattr(stream, "isatty", lambda: True, raising=False)
    list(_progress.progress([1, 2], "caricature", file=stream))
    assert "caricature: 100%" in stream.getvalue()
