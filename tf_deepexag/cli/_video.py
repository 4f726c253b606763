"""The video branch of `python -m tf_deepexag caricature`: a clip named on the
command line becomes `<out>/<name>_caricature.mp4`, its output set
(`cli/_outputs.py`), at its frame rate and size with its audio (docs/video.md)."""

import sys

import tqdm

from tf_deepexag.cli import _progress

# A clip's output set.
SUFFIXES = ("_caricature.mp4",)


def check_arguments(args, videos):
    """Refuses, before any model loads, the options that do not apply to clips."""
    from tf_deepexag import errors  # pylint: disable=g-import-not-at-top

    if not videos:
        return
    clip = sorted(videos)[0]
    for flag, used in (("--samples", args.samples > 1), ("--morph", args.morph),
                       ("--try_rotations", args.try_rotations)):
        if used:
            raise errors.UserError(f"{flag} applies to photos, not to video clips "
                                   f"such as {clip}.")


class _Frames:
    """An iterable of a clip's frames with the count the clip declares."""

    def __init__(self, frames, total):
        self._frames, self._total = frames, total

    def __iter__(self):
        return iter(self._frames)

    def __len__(self):
        return self._total


def _progress_bar(clip):
    def wrap(frames, total):
        if total:  # a bar on a terminal, a line every few seconds elsewhere
            return _progress.progress(_Frames(frames, total), clip, unit="frame")
        return tqdm.tqdm(frames, desc=clip, unit="frame", disable=None, file=sys.stderr)
    return wrap


def caricature_clip(args, artist, clip, outputs):
    """Writes the caricature of `clip` into its output set `outputs`; warns
    when no face was found (the clip is then copied through)."""
    from tf_deepexag.motion import video  # pylint: disable=g-import-not-at-top

    reports = []

    def write(path):
        reports.append(video.caricature_clip(
            artist, clip, path, strength=args.strength,
            temperature=args.temperature or 0.0, seed=args.seed,
            max_pixels=args.max_pixels, progress=_progress_bar(clip)))

    outputs.write(SUFFIXES[0], write)
    report = reports[0]
    if report.faces == 0:
        print(f"warning: no face found in {clip}: its {report.frames} frames were "
              "copied through unchanged.", file=sys.stderr)
    else:
        print(f"{clip}: {report.frames} frames, {report.faces} face(s), "
              f"{report.fps:.1f} frames/s.", file=sys.stderr)
