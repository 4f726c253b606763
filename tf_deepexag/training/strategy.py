"""`tf.distribute` strategies by name, and which worker is the chief.

`multi_worker` reads the cluster from the `TF_CONFIG` environment variable
(one JSON per process: `{"cluster": {"worker": ["host:port", ...]},
"task": {"type": "worker", "index": i}}`); it is checked here first so that a
malformed value fails at start with a readable message instead of deep inside
TensorFlow's cluster resolver.
"""

import json
import os

import tensorflow as tf

STRATEGIES = ("default", "mirrored", "multi_worker")


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


def make_strategy(name, collective_timeout_seconds=300.0):
    """Returns the `tf.distribute.Strategy` called `name`.

    Args:
        name: `"default"` (no distribution), `"mirrored"` (all local devices)
            or `"multi_worker"` (`MultiWorkerMirroredStrategy` from TF_CONFIG).
        collective_timeout_seconds: float, how long a collective operation
            waits for a peer before failing (multi_worker only), so a worker
            that cannot be reached or dies fails the run in bounded time.

    Raises:
        ValueError: unknown name or malformed TF_CONFIG.
    """
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multi_worker":
        parse_tf_config()
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
