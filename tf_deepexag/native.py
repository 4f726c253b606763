"""Builds and loads the native CPU kernels (`warp/kernels/`, `geometry/kernels/`).

The kernels are TensorFlow custom ops in one shared library, compiled on
first use with the system's g++ against the installed TensorFlow's headers
(`tf.sysconfig`), and cached under `$TF_DEEPEXAG_CACHE` (default
`~/.cache/tf_deepexag/kernels`) in a file named after the TensorFlow version
and a hash of the sources, the flags and the CPU's instruction sets. `make`
builds it right after the install (`python -m tf_deepexag.build_kernels`).
Concurrent processes (pytest-xdist workers) serialise on a lock file and the
library is written to a temporary file first, then renamed, so no process
loads half a file. Nothing downloads.

When g++ is missing, the build fails, or `TF_DEEPEXAG_NATIVE=0` is set,
`ops()` returns None (warning once) and the callers use their TensorFlow
implementation.

The flags matter for the numerics; none allows fast math:
- warp kernels: `-march=native` with `-ffp-contract=off`, which forbids fused
  multiply-adds the TensorFlow kernels do not use (the kernels call
  `std::fma` where XLA fuses); `-fno-trapping-math` only lets g++ vectorise
  `floor` and the clamps (IEEE results are unchanged);
- LSTM sequence kernels: `-march=native` with `-ffp-contract=fast`, so that
  their matrix products' multiply-adds are fused (they sum in their own
  order and give TensorFlow's values to float32 rounding, not its bits).
"""

import contextlib
import fcntl
import glob
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
import threading
import time

from absl import logging
import tensorflow as tf

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
DISABLE_ENV = "TF_DEEPEXAG_NATIVE"
CACHE_ENV = "TF_DEEPEXAG_CACHE"
COMPILER_ENV = "CXX"
_FLAGS = ("-std=c++17", "-shared", "-fPIC", "-O3", "-ffp-contract=off", "-fno-trapping-math",
          "-w")

_lock = threading.Lock()
_state = {"loaded": False, "module": None}


class BuildError(RuntimeError):
    """The kernels could not be compiled (no compiler, or a compile error)."""


def enabled():
    """False when `TF_DEEPEXAG_NATIVE=0` (or `false`, `off`) is set."""
    return os.environ.get(DISABLE_ENV, "1").strip().lower() not in ("0", "false", "off", "no")


@contextlib.contextmanager
def use_kernels(on):
    """Within the block, `ops()` is on or off (sets `TF_DEEPEXAG_NATIVE`).

    Functions traced inside keep the choice; the variable is restored after.
    """
    previous = os.environ.get(DISABLE_ENV)
    os.environ[DISABLE_ENV] = "1" if on else "0"
    try:
        yield
    finally:
        if previous is None:
            del os.environ[DISABLE_ENV]
        else:
            os.environ[DISABLE_ENV] = previous


def cache_dir():
    """`$TF_DEEPEXAG_CACHE` or `~/.cache/tf_deepexag/kernels`."""
    return os.environ.get(CACHE_ENV) or os.path.join(
        os.path.expanduser("~"), ".cache", "tf_deepexag", "kernels")


def _cpu_flags():
    """The CPU's instruction-set flags (`-march=native` depends on them)."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpuinfo:
            for line in cpuinfo:
                if line.startswith(("flags", "Features")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


# Each kernel directory with its instruction-set flags (see the module docstring).
KERNEL_DIRS = {
    os.path.join(_PACKAGE_DIR, "warp", "kernels"): ("-march=native",),
    os.path.join(_PACKAGE_DIR, "geometry", "kernels"): ("-march=native", "-ffp-contract=fast"),
}


def _sources():
    """`(path, flags)` of every kernel source (`.cc`) and header, sorted by path."""
    return sorted((path, tuple(flags)) for directory, flags in KERNEL_DIRS.items()
                  for pattern in ("*.cc", "*.h")
                  for path in glob.glob(os.path.join(directory, pattern)))


def _compile(compiler, output):
    """Compiles each source in its own g++ process (in parallel), then links.

    Raises:
        BuildError: a compile or the link failed.
    """
    sources = [(path, flags) for path, flags in _sources() if path.endswith(".cc")]
    objects = [f"{output}.{index}.o" for index in range(len(sources))]
    compile_flags, link_flags = tf.sysconfig.get_compile_flags(), tf.sysconfig.get_link_flags()
    try:
        processes = [subprocess.Popen([compiler, *_FLAGS, *flags, "-c", source, "-o", target,
                                       *compile_flags], stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True)
                     for (source, flags), target in zip(sources, objects)]
        failures = []
        for process in processes:
            _, errors = process.communicate()
            if process.returncode != 0:
                failures.append(f"{compiler} failed ({process.returncode}): "
                                f"{errors.strip()[-2000:]}")
        if failures:
            raise BuildError(failures[0])
        link = subprocess.run([compiler, *_FLAGS, *objects, "-o", output, *link_flags],
                              capture_output=True, text=True, check=False)
        if link.returncode != 0:
            raise BuildError(f"{compiler} failed to link ({link.returncode}): "
                             f"{link.stderr.strip()[-2000:]}")
    finally:
        for target in objects:
            if os.path.exists(target):
                os.remove(target)


def library_path():
    """Where the library for this TensorFlow, source, flags and CPU is cached."""
    digest = hashlib.sha256()
    for path, flags in _sources():
        with open(path, "rb") as source:
            digest.update(os.path.basename(path).encode() + b"\0" + source.read())
        digest.update(repr(flags).encode())
    for part in (_FLAGS, tf.sysconfig.get_compile_flags(), tf.sysconfig.get_link_flags(),
                 [platform.machine(), _cpu_flags()]):
        digest.update(repr(list(part)).encode())
    return os.path.join(cache_dir(),
                        f"tf_deepexag_ops-tf{tf.__version__}-{digest.hexdigest()[:16]}.so")


def build():
    """Compiles the kernels unless the cached library exists; returns its path.

    Raises:
        BuildError: no compiler (`$CXX` or g++) on the PATH, or it failed.
    """
    path = library_path()
    if os.path.exists(path):
        return path
    compiler = shutil.which(os.environ.get(COMPILER_ENV) or "g++")
    if compiler is None:
        raise BuildError("no C++ compiler: g++ (or $CXX) is not on the PATH")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".lock", "w", encoding="ascii") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)      # another process may be compiling it
        if os.path.exists(path):
            return path
        handle, temporary = tempfile.mkstemp(suffix=".so", dir=os.path.dirname(path))
        os.close(handle)
        try:
            logging.info("Compiling the native kernels %s -> %s", sorted(KERNEL_DIRS), path)
            start = time.perf_counter()
            _compile(compiler, temporary)
            os.chmod(temporary, 0o755)
            os.replace(temporary, path)
            logging.info("Compiled the native kernels in %.1f s",
                         time.perf_counter() - start)
        finally:
            if os.path.exists(temporary):
                os.remove(temporary)
    return path


def ops():
    """The loaded kernel module (`tf.load_op_library`), or None to use pure TF.

    Builds the library on the first call if needed. A failure is logged once
    and remembered for the life of the process.
    """
    if not enabled():
        return None
    if not _state["loaded"]:
        with _lock:
            if not _state["loaded"]:
                try:
                    _state["module"] = tf.load_op_library(build())
                except (BuildError, OSError, tf.errors.OpError) as error:
                    logging.warning("Native kernels unavailable, using the TensorFlow "
                                    "implementations: %s", error)
                _state["loaded"] = True
    return _state["module"]
