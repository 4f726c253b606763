"""Progress of a folder run: a bar on a terminal, a line every few seconds
elsewhere (logs, CI, `nohup`), where tqdm's bar would print nothing."""

import sys
import time

import tqdm

# Seconds between two progress lines when stderr is not a terminal.
LINE_EVERY_S = 5.0


def _duration(seconds):
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def _isatty(file):
    try:
        return file.isatty()
    except (AttributeError, ValueError):  # no such method, or closed
        return False


def progress(items, desc, unit="photo", file=None):
    """Yields `items`, reporting progress on `file` (stderr).

    On a terminal: a tqdm bar. Elsewhere: a line such as
    `caricature: 12/300 photos, 1 min 05 s, about 26 min left` every
    `LINE_EVERY_S` seconds, and one at the end if any was printed.

    Args:
        items: a sequence (its length is the total).
        desc: the command's name, starting each line.
        unit: what an item is, singular. Defaults to `"photo"`.
        file: the stream. Defaults to `sys.stderr`.
    """
    file = file or sys.stderr
    if _isatty(file):
        yield from tqdm.tqdm(items, desc=desc, unit=unit, file=file)
        return
    total = len(items)
    start = last = time.monotonic()
    printed = False
    for done, item in enumerate(items):
        now = time.monotonic()
        if now - last >= LINE_EVERY_S:
            elapsed = now - start
            left = f", about {_duration(elapsed / done * (total - done))} left" if done else ""
            print(f"{desc}: {done}/{total} {unit}s, {_duration(elapsed)}{left}",
                  file=file, flush=True)
            last, printed = now, True
        yield item
    if printed:
        print(f"{desc}: {total}/{total} {unit}s, {_duration(time.monotonic() - start)}",
              file=file, flush=True)
