"""Video benchmark: frames per second and stability, per-frame vs video mode.

The clip is a real portrait (an AutoToon photo, or the astronaut) panned
`--pan` pixels a frame: a 480x360 window slides over the photo scaled to
640x640, so the face moves rigidly and nothing else changes. It is written
losslessly (libx264rgb, qp 0) and decoded again, as a user's clip would be.

Two ways of caricaturing it (the pipeline's defaults: the built-in VAE,
compiled, and the CartoonGAN style):
- per-frame: `Caricaturist(faces="all")` on each frame on its own (what
  splitting a clip into photos gives);
- video: `motion.video.VideoCaricaturist` (tracking, smoothing, one seed,
  the painted history).

Stability: each output frame is shifted back by the known pan and compared
with the first output frame inside the face region (the first frame's
landmark box): the mean absolute difference in grey levels over frames
1..N-1 (and the worst frame). Lower is steadier; 0 for a caricature that
moves exactly with the face.

Memory: `caricature_clip` (file to file) on the clip and on one `--long`
times longer runs in a fresh process each; their peak RSS is reported. These
runs use `--memory_geometry` and `--memory_style` (default: EDFM and no
style, to fit a loaded CPU: CartoonGAN costs ~1-5 s a frame there; the
streaming is the same code whatever paints the frames).

    python bench/video.py [--photo path.png] [--frames 40] [--pan 4] [--long 10]
        [--memory_geometry edfm] [--memory_style none]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench._report import report  # pylint: disable=wrong-import-position
from tests.motion.clips import write_clip  # pylint: disable=wrong-import-position

_WINDOW = (480, 360)  # width, height of the clip
_CANVAS = 640


def _portrait(path):
    import cv2  # pylint: disable=g-import-not-at-top
    import skimage.data  # pylint: disable=g-import-not-at-top
    from tf_deepexag import fileio  # pylint: disable=g-import-not-at-top

    photo = fileio.read_image(path) if path else skimage.data.astronaut()
    return cv2.resize(photo, (_CANVAS, _CANVAS), interpolation=cv2.INTER_AREA)


def pan_frames(photo, frames, pan):
    """The window's frames: frame t is the photo seen from x = pan * t."""
    width, height = _WINDOW
    y0 = (_CANVAS - height) // 2
    if pan * (frames - 1) + width > _CANVAS:  # bounce back and forth
        period = (_CANVAS - width) // pan
    else:
        period = frames
    for t in range(frames):
        k = t % (2 * period)
        x0 = pan * (k if k <= period else 2 * period - k)
        yield np.ascontiguousarray(photo[y0:y0 + height, x0:x0 + width])


def stability(outputs, pan, region):
    """Per-frame mean |out_t(x - pan t) - out_0(x)| over `region` (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = region
    first = outputs[0].astype(np.float32)[y0:y1, x0:x1]
    errors = []
    for t, out in enumerate(outputs[1:], start=1):
        shift = pan * t
        errors.append(float(np.abs(out.astype(np.float32)[y0:y1, x0 - shift:x1 - shift]
                                   - first).mean()))
    return float(np.mean(errors)), float(np.max(errors))


def _measure(name, frames_fn, process, pan, region):
    outputs, start = [], time.perf_counter()
    for out in process(frames_fn()):
        outputs.append(out)
    seconds = time.perf_counter() - start
    mean, worst = stability(outputs, pan, region)
    return {"mode": name, "frames": len(outputs), "fps": len(outputs) / seconds,
            "stability_mean": mean, "stability_worst": worst}


def _memory_run(clip, out, geometry, style):
    """Runs `caricature_clip` in a fresh process; returns (frames, fps, peak RSS MiB).

    The peak is the process's own high-water mark (Linux `VmHWM`, reset by
    exec); `getrusage`'s `ru_maxrss` would report the parent's peak, which a
    forked child inherits.
    """
    code = (
        "import json, resource, sys\n"
        "from tf_deepexag import pipeline\n"
        "from tf_deepexag.motion import video\n"
        "artist = pipeline.build_caricaturist(geometry=sys.argv[3], style=sys.argv[4],\n"
        "                                     faces='all', compile_geometry=True)\n"
        "r = video.caricature_clip(artist, sys.argv[1], sys.argv[2])\n"
        "peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM')]\n"
        "print(json.dumps([r.frames, r.fps, int(peak[0].split()[1]) / 1024]))\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]
        + os.environ.get("PYTHONPATH", "").split(os.pathsep)))
    done = subprocess.run([sys.executable, "-c", code, clip, out, geometry, style],
                          env=env, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photo", default=None, help="Portrait (default: astronaut).")
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--pan", type=int, default=4)
    parser.add_argument("--long", type=int, default=10,
                        help="The memory check's long clip is this many times longer "
                             "(0: skip the memory check).")
    parser.add_argument("--memory_geometry", default="edfm")
    parser.add_argument("--memory_style", default="none")
    parser.add_argument("--memory_only", action="store_true",
                        help="Skip the stability and speed rows.")
    args = parser.parse_args()
    photo = _portrait(args.photo)
    if args.pan * (args.frames - 1) + _WINDOW[0] > _CANVAS:
        raise SystemExit(f"--pan {args.pan} x --frames {args.frames} leaves the photo")
    rows, notes = [], [f"clip: {_WINDOW[0]}x{_WINDOW[1]}, {args.frames} frames, pan "
                       f"{args.pan} px/frame; photo: {args.photo or 'astronaut'}"]
    with tempfile.TemporaryDirectory() as tmp:
        clip = os.path.join(tmp, "pan.mkv")
        write_clip(clip, pan_frames(photo, args.frames, args.pan), rate=30)
        if not args.memory_only:
            rows += _stability_rows(clip, args.pan)
            ratio = rows[-1]["stability_mean"] / rows[0]["stability_mean"]
            notes.append(f"video / per-frame stability: {ratio:.2f} (done when <= 0.5)")
        if args.long:
            long_clip = os.path.join(tmp, "long.mkv")
            write_clip(long_clip, pan_frames(photo, args.frames * args.long, args.pan),
                       rate=30)
            for name, path in (("clip", clip), (f"clip x{args.long}", long_clip)):
                count, fps, rss = _memory_run(path, os.path.join(tmp, "out.mp4"),
                                              args.memory_geometry, args.memory_style)
                rows.append({"mode": f"caricature_clip, {name} ({args.memory_geometry}, "
                                     f"{args.memory_style})", "frames": count,
                             "fps": fps, "peak_rss_mib": rss})
    report("video", rows, notes)


def _stability_rows(clip, pan):
    """Per-frame processing and the video mode (without and with the painted
    history) on `clip`: frames per second and stability."""
    from tf_deepexag import pipeline  # pylint: disable=g-import-not-at-top
    from tf_deepexag.motion import clip_io, tracking, video  # pylint: disable=g-import-not-at-top

    def frames():
        with clip_io.open_clip(clip) as reader:
            yield from reader.frames()

    artist = pipeline.build_caricaturist(faces="all", compile_geometry=True)
    first = next(frames())
    x0, y0, x1, y1 = tracking.points_box(artist.landmarker(first)[0].points)
    region = (int(x0), int(y0), int(np.ceil(x1)), int(np.ceil(y1)))
    artist(first, seed=0)  # warm up: trace the geometry graph, load the style
    rows = [_measure("per-frame", frames,
                     lambda fs: (artist(f, seed=0)[0].caricature for f in fs), pan, region)]
    for name, history in (("video, no painted history", 0.0), ("video", video.HISTORY)):
        rows.append(_measure(
            name, frames, lambda fs, h=history: video.VideoCaricaturist(artist, history=h)(
                fs, rate=30.0, seed=0), pan, region))
    return rows


if __name__ == "__main__":
    main()
