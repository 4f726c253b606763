"""The photos a command reads, and the names their outputs take.

`collect` is the one reading of the command line's inputs that `caricature`
and `annotate` share: files as named, folders by `fileio.scan_images`'s rule.
`output_names` gives each photo a name no other photo of the run takes.
"""

import collections
import os

from tf_deepexag import fileio


def collect(inputs):
    """`(paths, ignored)`: the photo files named or found in the folders named,
    in order, and a one-line reason for each file of those folders left out.

    Raises:
        FileNotFoundError: an input is neither a file nor a folder.
    """
    paths, ignored = [], []
    for item in inputs:
        if os.path.isdir(item):
            images, left_out = fileio.scan_images(item)
            paths.extend(images)
            ignored.extend(left_out)
        elif os.path.isfile(item):
            paths.append(item)
        else:
            raise FileNotFoundError(f"No such photo or folder: {item}")
    return paths, ignored


def _clashing(names):
    """The names that occur more than once (case-insensitively: macOS, Windows)."""
    counts = collections.Counter(n.lower() for n in names)
    return {n for n in names if counts[n.lower()] > 1}


def _with_extension(path, name):
    ext = os.path.splitext(path)[1]
    return f"{name}_{ext[1:]}" if ext else name


def output_names(photos):
    """Maps each photo to its output name (no suffix), unique among `photos`.

    The stem; for clashing stems the stem and extension (`a_jpg`); if they
    still clash, the path relative to the clashing photos' common folder
    (`x/gray`, a sub-folder of the output), with the extension if needed; a
    number as the last resort (e.g. a photo `a_jpg.png` beside `a.jpg`, `a.png`).
    """
    names = {p: os.path.splitext(os.path.basename(p))[0] for p in photos}
    clash = _clashing(list(names.values()))
    groups = collections.defaultdict(list)
    for photo in photos:
        if names[photo] in clash:
            groups[names[photo].lower()].append(photo)
    for group in groups.values():
        candidates = {p: _with_extension(p, names[p]) for p in group}
        if _clashing(list(candidates.values())):
            root = os.path.commonpath([os.path.dirname(os.path.abspath(p)) for p in group])
            candidates = {p: os.path.splitext(os.path.relpath(os.path.abspath(p), root))[0]
                          for p in group}
            if _clashing(list(candidates.values())):
                candidates = {p: _with_extension(p, c) for p, c in candidates.items()}
        names.update(candidates)
    used = set()
    for photo in photos:  # last resort, in input order
        name, k = names[photo], 1
        while names[photo].lower() in used:
            k += 1
            names[photo] = f"{name}_{k}"
        used.add(names[photo].lower())
    return names

