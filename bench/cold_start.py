"""Cold start: the first caricature of a process, against `import tensorflow`.

Every timing is a fresh process, median of `--repeats`, the runs of each kind
interleaved so that a shared machine's load falls on all of them alike:

- `python -c "import tensorflow"`, the floor every command pays;
- `python -m tf_deepexag caricature PHOTO -o OUT` (one photo), and its ratio
  to the import;
- `python -m tf_deepexag annotate PHOTO --out OUT`, and its ratio;
- the same caricature command run through a timing wrapper (this script with
  `--split`), which reports where a cold run spends its time: import
  (TensorFlow, with the CLI's quiet import), model load (`build_caricaturist`),
  detect, geometry, warp, style, write (the `Caricaturist`'s stages as it
  calls them, in the main thread: a stage that waits for the CLI's warm-up
  thread counts the wait), and other (interpreter start, argument parsing,
  cropping), from launch until the command returns (the exit is not timed);
  then the same photo again in that process, warm;
- the web app (`python -m tf_deepexag app`, unless `--no_app`): time until it
  answers `/healthz`, its first `POST /api/caricature` and the median of the
  next `--repeats` (default style).

    python bench/cold_start.py [--photo PATH] [--repeats 5] [--no_app]

The photo defaults to scikit-image's astronaut (512x512). `--smoke` runs each
kind once with the identity geometry and no style (the test suite's check that
the script works end to end).
"""

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench._report import report  # pylint: disable=wrong-import-position

STAGES = ("import", "model load", "detect", "geometry", "warp", "style", "write")
_SPLIT_MARK = "cold_start_split:"
_LAUNCH_ENV = "COLD_START_LAUNCH"  # the split child's launch time (time.time())


def _env():
    path = os.pathsep.join([ROOT] + [p for p in [os.environ.get("PYTHONPATH")] if p])
    return dict(os.environ, PYTHONPATH=path)


def _wall(command, cwd):
    """Seconds `command` ran (a fresh process), and its stdout."""
    start = time.perf_counter()
    env = dict(_env(), **{_LAUNCH_ENV: repr(time.time())})
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          check=False)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n"
                           f"{done.stderr[-3000:]}")
    return seconds, done.stdout


# -- the timing wrapper (runs in the child process) ---------------------------------


class _Clock:
    """Sums wall seconds per stage; `wrap(stage, fn)` times calls of fn."""

    def __init__(self):
        self.seconds = {}

    @contextlib.contextmanager
    def time(self, stage):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - start

    def wrap(self, stage, fn):
        """Times the main thread's calls only: the CLI's warm-up thread runs
        the same stages meanwhile; the main thread's waits for it count."""
        def timed(*args, **kwargs):
            if threading.current_thread() is not threading.main_thread():
                return fn(*args, **kwargs)
            with self.time(stage):
                return fn(*args, **kwargs)
        return timed


def _split_child(argv, warm_repeats):
    """Runs `python -m tf_deepexag <argv>` with its stages timed; prints JSON."""
    from tf_deepexag import __main__ as cli  # pylint: disable=import-outside-toplevel
    from tf_deepexag.cli import _quiet  # pylint: disable=import-outside-toplevel

    clock, artists = _Clock(), []
    import_tensorflow = _quiet.import_tensorflow

    def import_and_patch(*args, **kwargs):
        with clock.time("import"):
            import_tensorflow(*args, **kwargs)
            # pylint: disable-next=import-outside-toplevel
            from tf_deepexag import fileio, pipeline
        build = pipeline.build_caricaturist

        def timed_build(*build_args, **build_kwargs):
            with clock.time("model load"):
                artist = build(*build_args, **build_kwargs)
            for stage, name in (("detect", "landmarker"), ("geometry", "geometry"),
                                ("warp", "warp"), ("style", "stylizer")):
                setattr(artist, name, clock.wrap(stage, getattr(artist, name)))
            artists.append(artist)
            return artist

        pipeline.build_caricaturist = timed_build
        fileio.write_image = clock.wrap("write", fileio.write_image)

    _quiet.import_tensorflow = import_and_patch
    if cli.main(argv):
        raise SystemExit("the caricature command failed")
    # From the parent's launch to the command's return: the warm photos and
    # the process's exit below are not part of the cold run.
    cold = dict(clock.seconds, wall=time.time() - float(os.environ[_LAUNCH_ENV]))
    warm = []
    for _ in range(warm_repeats):
        clock.seconds = {}
        start = time.perf_counter()
        artists[0](argv[1], seed=0)
        warm.append(dict(clock.seconds, total=time.perf_counter() - start))
    print(_SPLIT_MARK + json.dumps({"cold": cold, "warm": warm}))


# -- the app ----------------------------------------------------------------------


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _app_times(photo, repeats, extra_args):
    """`(start-up s, first request s, [warm request s])` of a fresh app process."""
    import httpx  # pylint: disable=import-outside-toplevel

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    start = time.perf_counter()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(  # pylint: disable=consider-using-with
            [sys.executable, "-m", "tf_deepexag", "app", "--port", str(port), *extra_args],
            cwd=ROOT, env=_env(), stdout=log, stderr=subprocess.STDOUT)
        try:
            while True:
                if process.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"the app exited:\n{log.read()[-3000:].decode()}")
                try:
                    if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            ready = time.perf_counter() - start
            with open(photo, "rb") as f:
                data = f.read()
            times = []
            for _ in range(repeats + 1):
                start = time.perf_counter()
                response = httpx.post(url + "/api/caricature",
                                      files={"photo": ("photo.png", data, "image/png")},
                                      timeout=600)
                times.append(time.perf_counter() - start)
                if response.status_code != 200:
                    raise RuntimeError(f"the app answered {response.status_code}: "
                                       f"{response.text[:300]}")
        finally:
            process.terminate()
            process.wait(timeout=60)
    return ready, times[0], times[1:]


# -- the parent -------------------------------------------------------------------


def _median(values):
    return float(statistics.median(values)) if values else None


def _stage_rows(label, runs, stages, total):
    """One row a stage (median seconds over the runs) and `other`: the rest of
    `total` (interpreter start, argument parsing, cropping, ...)."""
    for run in runs:
        run["other"] = run[total] - sum(run.get(stage, 0.0) for stage in stages)
    return [{"measure": f"{label}: {stage}", "s": _median([r.get(stage, 0.0) for r in runs])}
            for stage in stages + ("other",)]


def _photo_path(folder, photo):
    if photo:
        return os.path.abspath(photo)
    from skimage import data as skdata  # pylint: disable=import-outside-toplevel
    from tf_deepexag import fileio  # pylint: disable=import-outside-toplevel

    path = os.path.join(folder, "astronaut.png")
    fileio.write_image(path, skdata.astronaut())
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photo", default=None, help="Photo to caricature (default: "
                                                      "the astronaut, 512x512).")
    parser.add_argument("--repeats", type=int, default=5,
                        help="Fresh processes per measure (the median is shown). "
                             "Default: 5.")
    parser.add_argument("--no_app", action="store_true", help="Skip the web app rows.")
    parser.add_argument("--smoke", action="store_true",
                        help="One run of each, identity geometry, no style (a check "
                             "that the script works, not a measurement).")
    parser.add_argument("--results_dir", default=None,
                        help="Folder of the JSON (default: bench/results).")
    args = parser.parse_args()
    repeats = 1 if args.smoke else args.repeats
    options = ["--geometry", "identity", "--style", "none"] if args.smoke else []
    with tempfile.TemporaryDirectory() as folder:
        photo = _photo_path(folder, args.photo)
        out = os.path.join(folder, "out")
        python = [sys.executable]
        commands = {
            "import": python + ["-c", "import tensorflow"],
            "caricature": python + ["-m", "tf_deepexag", "caricature", photo, "-o", out,
                                    "--overwrite", *options],
            "annotate": python + ["-m", "tf_deepexag", "annotate", photo, "--out", out,
                                  "--overwrite"],
        }
        walls = {name: [] for name in commands}
        splits, warm = [], []
        split_command = python + [os.path.abspath(__file__), "--split", str(repeats),
                                  "caricature", photo, "-o", out, "--overwrite", *options]
        for _ in range(repeats):
            for name, command in commands.items():
                walls[name].append(_wall(command, folder)[0])
            stdout = _wall(split_command, folder)[1]
            line = [l for l in stdout.splitlines() if l.startswith(_SPLIT_MARK)][-1]
            result = json.loads(line[len(_SPLIT_MARK):])
            splits.append(result["cold"])
            warm.extend(result["warm"])
        app = None
        if not args.no_app:
            app = _app_times(photo, repeats, ["--styles", "none", "--geometry", "identity"]
                             if args.smoke else [])
    tf_s = _median(walls["import"])
    rows = [{"measure": "import tensorflow (fresh process)", "s": tf_s, "ratio": 1.0}]
    for name in ("caricature", "annotate"):
        rows.append({"measure": f"{name} one photo, cold CLI (fresh process)",
                     "s": _median(walls[name]),
                     "ratio": _median(walls[name]) / tf_s})
    rows.extend(_stage_rows("cold split", splits, STAGES, "wall"))
    rows.append({"measure": "cold split: launch to the command's return", "s": _median(
        [s["wall"] for s in splits]), "ratio": _median([s["wall"] for s in splits]) / tf_s})
    rows.extend(_stage_rows("warm photo", warm, STAGES[2:6], "total"))
    rows.append({"measure": "warm photo: whole Caricaturist call",
                 "s": _median([w["total"] for w in warm])})
    if app:
        ready, first, later = app
        rows.extend([
            {"measure": "app: start until /healthz answers", "s": ready},
            {"measure": "app: first request", "s": first, "ratio": first / _median(later)},
            {"measure": "app: warm request", "s": _median(later), "ratio": 1.0}])
    report("cold_start_smoke" if args.smoke else "cold_start", rows, notes=[
        f"{repeats} fresh process(es) per measure, medians; ratios to `import "
        f"tensorflow` in the same run (app: to a warm request)",
        f"{os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f} at the end"
        + (" (smoke: identity geometry, no style)" if args.smoke else "")],
        **({"results_dir": args.results_dir} if args.results_dir else {}))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--split"]:  # the child: --split WARM_REPEATS CLI-ARGS...
        _split_child(sys.argv[3:], warm_repeats=int(sys.argv[2]))
    else:
        main()
