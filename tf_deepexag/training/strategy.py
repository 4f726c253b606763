"""`tf.distribute` strategies by name, and which worker is the chief.

`multi_worker` reads the cluster from the `TF_CONFIG` environment variable
(one JSON per process: `{"cluster": {"worker": ["host:port", ...]},
"task": {"type": "worker", "index": i}}`); it is checked here first so that a
malformed value fails at start with a readable message instead of deep inside
TensorFlow's cluster resolver.
"""

import json
import os
import socket
import subprocess
import sys

import tensorflow as tf

STRATEGIES = ("default", "mirrored", "multi_worker")
_watchdog = None

# Runs in a separate tiny process: waits on its stdin for `seconds`; EOF (the
# trainer stopped it or died) ends it quietly, a time-out prints the message
# on the shared stderr and terminates the trainer. A thread cannot do this:
# TensorFlow waits for peers inside C++ without releasing the GIL.
_WATCHDOG_CODE = """
import os, select, signal, sys, time
pid, seconds, message = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
ready, _, _ = select.select([sys.stdin], [], [], seconds)
if not ready:
    sys.stderr.write(message + chr(10)); sys.stderr.flush()
    os.kill(pid, signal.SIGTERM); time.sleep(3)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
"""


def start_startup_watchdog(seconds, cluster):
    """Terminates this process if multi-worker start-up takes over `seconds`.

    A `MultiWorkerMirroredStrategy` whose peers never come up waits forever in
    its first collective operation, and no TensorFlow option bounds that wait.
    The watchdog is stopped by `stop_startup_watchdog` once the first training
    step has run (the shared loop does it); if it fires, one error line naming
    the cluster goes to stderr and the process is terminated (SIGTERM).
    """
    global _watchdog
    stop_startup_watchdog()
    message = (f"error: multi-worker start-up did not finish within {seconds:.0f} s: a "
               f"worker of {cluster} cannot be reached. Start every worker with its own "
               "TF_CONFIG and check the hosts and ports.")
    _watchdog = subprocess.Popen(
        [sys.executable, "-S", "-c", _WATCHDOG_CODE, str(os.getpid()), str(seconds),
         message], stdin=subprocess.PIPE)


def stop_startup_watchdog():
    """Stops the start-up watchdog, if one runs."""
    global _watchdog
    if _watchdog is not None:
        _watchdog.stdin.close()
        _watchdog.wait(timeout=10)
        _watchdog = None


def parse_tf_config(text=None):
    """Parses and validates `TF_CONFIG` (the environment's when `text` is None).

    Returns:
        dict with `cluster` and `task`.

    Raises:
        ValueError: missing, not JSON, or without a worker list and a valid
            task type and index.
    """
    text = os.environ.get("TF_CONFIG", "") if text is None else text
    if not text.strip():
        raise ValueError("`--strategy=multi_worker` needs the TF_CONFIG environment "
                         "variable (cluster and task of this process).")
    try:
        config = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"TF_CONFIG is not valid JSON: {e}") from e
    cluster = config.get("cluster") if isinstance(config, dict) else None
    task = config.get("task") if isinstance(config, dict) else None
    if not isinstance(cluster, dict) or not cluster:
        raise ValueError(f"TF_CONFIG has no `cluster` mapping: {text}")
    for job, hosts in cluster.items():
        if not isinstance(hosts, list) or not all(
                isinstance(h, str) and ":" in h for h in hosts):
            raise ValueError(f"TF_CONFIG cluster job {job!r} must be a list of "
                             f"'host:port' strings, got {hosts!r}.")
    if not isinstance(task, dict) or "type" not in task or "index" not in task:
        raise ValueError(f"TF_CONFIG has no `task` with `type` and `index`: {text}")
    if task["type"] not in cluster:
        raise ValueError(f"TF_CONFIG task type {task['type']!r} is not a job of the "
                         f"cluster {sorted(cluster)}.")
    index = task["index"]
    if not isinstance(index, int) or not 0 <= index < len(cluster[task["type"]]):
        raise ValueError(f"TF_CONFIG task index {index!r} is out of range for job "
                         f"{task['type']!r} with {len(cluster[task['type']])} hosts.")
    return config


def make_strategy(name, collective_timeout_seconds=300.0, startup_timeout_seconds=300.0):
    """Returns the `tf.distribute.Strategy` called `name`.

    Args:
        name: `"default"` (no distribution), `"mirrored"` (all local devices)
            or `"multi_worker"` (`MultiWorkerMirroredStrategy` from TF_CONFIG).
        collective_timeout_seconds: float, how long a collective operation
            waits for a peer before failing (multi_worker only), so a worker
            that dies mid-run fails the run in bounded time.
        startup_timeout_seconds: float, how long the workers may take to find
            each other and run their first step (multi_worker only); see
            `start_startup_watchdog`.

    Raises:
        ValueError: unknown name or malformed TF_CONFIG.
    """
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multi_worker":
        config = parse_tf_config()
        start_startup_watchdog(startup_timeout_seconds, config["cluster"])
        options = tf.distribute.experimental.CommunicationOptions(
            timeout_seconds=collective_timeout_seconds)
        return tf.distribute.MultiWorkerMirroredStrategy(
            communication_options=options)
    raise ValueError(f"`strategy` must be one of {STRATEGIES}, got {name!r}.")


def task_of(strategy):
    """Returns `(task_type, task_id)` of this process (`(None, 0)` locally)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.cluster_spec().as_dict():
        return None, 0
    return resolver.task_type, int(resolver.task_id or 0)


def is_chief(strategy):
    """True when this process writes checkpoints and summaries.

    The chief is the `chief` task if the cluster has one, else worker 0.
    """
    task_type, task_id = task_of(strategy)
    if task_type is None or task_type == "chief":
        return True
    cluster = strategy.cluster_resolver.cluster_spec().as_dict()
    return task_type == "worker" and task_id == 0 and "chief" not in cluster


def local_cluster(num_workers):
    """TF_CONFIG strings of a cluster of `num_workers` on 127.0.0.1, free ports.

    For trying `--strategy=multi_worker` on one machine (tests, benchmarks):
    start one process per returned string, each with it as `TF_CONFIG`.

    Returns:
        list of `num_workers` JSON strings, worker i's at index i.
    """
    sockets = [socket.socket() for _ in range(int(num_workers))]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    hosts = [f"127.0.0.1:{s.getsockname()[1]}" for s in sockets]
    for s in sockets:
        s.close()
    return [json.dumps({"cluster": {"worker": hosts},
                        "task": {"type": "worker", "index": i}})
            for i in range(len(hosts))]
