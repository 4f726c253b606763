"""Restoring the newest intact checkpoint of a run, whatever a kill left behind.

Paths go through `tf.io.gfile`, so a shared run folder may be local, NFS or GCS.

TensorFlow writes a checkpoint's files first and records it in the
`checkpoint` state file last (an atomic rename), so a process killed while
saving leaves the previous checkpoint the latest one. What it cannot survive
is a file damaged afterwards (a full disk, a copy cut short, a hand edit):
`tf.train.latest_checkpoint` then names a checkpoint whose restore fails
("not an sstable", a checksum error, an IndexError), or the state file itself
no longer parses ("Invalid checkpoint state"). `restore_newest_intact` walks
the recorded checkpoints newest first and restores the first that restores
completely, logging each one it skips and the one it used. On the chief the
damaged ones are renamed `*.corrupt` (kept for inspection, out of the way of
the next saves) and the state file is rewritten to list the intact ones, so
`tf.train.CheckpointManager` resumes its rotation from there.
"""

import os
import re

import tensorflow as tf
from absl import logging

from tf_deepexag import errors

STATE_FILE = "checkpoint"  # tf.train.CheckpointManager's state file
_NUMBER = re.compile(r"-(\d+)$")


def checkpoint_number(path):
    """The step number at the end of a checkpoint prefix (`ckpt-50` -> 50)."""
    match = _NUMBER.search(os.path.basename(path))
    return int(match.group(1)) if match else -1


def _scan(directory, prefix="ckpt"):
    """Checkpoint prefixes with an `.index` file in `directory`, oldest first."""
    found = [p[:-len(".index")]
             for p in tf.io.gfile.glob(os.path.join(directory, f"{prefix}-*.index"))]
    return sorted(found, key=checkpoint_number)


def _read_state(directory):
    """`(paths oldest first, readable)` of the state file; the checkpoint
    files found in the folder when it is missing or does not parse."""
    exists = tf.io.gfile.exists(os.path.join(directory, STATE_FILE))
    try:
        # An unparsable file gives None (TensorFlow logs "Checkpoint ignored"),
        # an empty one ValueError("Invalid checkpoint state ...").
        state = tf.train.get_checkpoint_state(directory)
        reason = "it does not parse"
    except Exception as e:  # pylint: disable=broad-except
        state, reason = None, errors.one_line(e)
    if state is None:
        if exists:
            logging.warning("Checkpoint state file in %s is unreadable (%s); using the "
                            "checkpoint files found there.", directory, reason)
        return _scan(directory), not exists
    paths = list(state.all_model_checkpoint_paths) or [state.model_checkpoint_path]
    return [p if os.path.isabs(p) else os.path.join(directory, p) for p in paths if p], True


def recorded_checkpoints(directory):
    """The checkpoints recorded in `directory`'s state file, oldest first (the
    checkpoint files in the folder if the state file is missing or damaged)."""
    return _read_state(directory)[0]


def ensure_readable_state(directory):
    """Rewrites a state file that does not parse from the checkpoint files
    found (`tf.train.CheckpointManager` cannot even be built over it)."""
    paths, readable = _read_state(directory)
    if readable:
        return
    if paths:
        _write_state(directory, paths)
    else:
        tf.io.gfile.remove(os.path.join(directory, STATE_FILE))


def _set_aside(path):
    """Renames every file of the checkpoint `path` to `<name>.corrupt`."""
    for file in tf.io.gfile.glob(path + ".*"):
        if not file.endswith(".corrupt"):
            tf.io.gfile.rename(file, file + ".corrupt", overwrite=True)


def restore_newest_intact(checkpoint, directory, repair=True):
    """Restores the newest checkpoint of `directory` that restores completely.

    Args:
        checkpoint: the `tf.train.Checkpoint` to restore into (its objects
            must all be matched by the saved ones).
        directory: the folder of the checkpoints and the state file.
        repair: bool, set damaged checkpoints aside and rewrite the state file
            (the chief only; other workers just restore).

    Returns:
        The restored checkpoint's prefix, or None when there is none.

    Raises:
        errors.CorruptFileError: checkpoints exist but none restores; the
            message names the newest and why it failed.
    """
    candidates = recorded_checkpoints(directory)
    failures = []
    for path in reversed(candidates):
        try:
            checkpoint.restore(path).assert_existing_objects_matched()
        except Exception as e:  # pylint: disable=broad-except
            # Damage surfaces as DataLossError, NotFoundError, IndexError,
            # ValueError, AssertionError... any of them: try the previous one.
            logging.warning("Checkpoint %s cannot be restored (%s: %s); trying the "
                            "previous one.", path, type(e).__name__, errors.one_line(e))
            failures.append((path, e))
            continue
        if failures:
            logging.warning("Resuming from %s, the newest intact checkpoint (skipped %s).",
                            path, ", ".join(os.path.basename(p) for p, _ in failures))
            if repair:
                _repair(directory, [p for p, _ in failures],
                        [p for p in candidates if checkpoint_number(p) <= checkpoint_number(path)])
        return path
    if failures:
        path, error = failures[0]
        raise errors.CorruptFileError(
            f"No checkpoint in {directory} can be restored; the newest, {path}, fails "
            f"with {type(error).__name__}: {errors.one_line(error)}. Move the folder "
            "away to start over.") from error
    return None


def _write_state(directory, paths):
    # With timestamps (the index files' times), CheckpointManager keeps
    # rotating these checkpoints; without, it would forget them.
    times = [tf.io.gfile.stat(p + ".index").mtime_nsec / 1e9
             if tf.io.gfile.exists(p + ".index") else 0.0 for p in paths]
    tf.compat.v1.train.update_checkpoint_state(
        directory, paths[-1], all_model_checkpoint_paths=paths,
        all_model_checkpoint_timestamps=times,
        last_preserved_timestamp=min(times) - 1.0)


def _repair(directory, damaged, intact):
    for path in damaged:
        _set_aside(path)
    _write_state(directory, intact)


__all__ = ["STATE_FILE", "checkpoint_number", "ensure_readable_state",
           "recorded_checkpoints", "restore_newest_intact"]
