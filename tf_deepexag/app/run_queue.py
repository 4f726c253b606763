"""`RunQueue`: one pipeline run at a time, a bounded number waiting.

A photo's run holds a few hundred MB (the decoded photo, the crop, the style
network's activations); running requests one after another keeps the peak
at one run's, and the bound on waiting requests keeps the queue's memory
(their uploaded bytes) and waiting time finite.
"""

import asyncio
import concurrent.futures
import threading


class QueueFullError(Exception):
    """Too many requests are waiting."""


class RunQueue:
    """Runs blocking jobs one at a time on a worker thread.

    Args:
        max_waiting: int, jobs allowed to wait behind the running one; one
            more is refused with `QueueFullError`.

    Example:
        >>> queue = RunQueue(max_waiting=4)
        >>> result = await queue.run(engine.caricature, photo)
    """

    def __init__(self, max_waiting=4):
        if int(max_waiting) < 0:
            raise ValueError(f"`max_waiting` must be >= 0, got {max_waiting}.")
        self.max_waiting = int(max_waiting)
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="caricature")
        self._lock = threading.Lock()
        self._jobs = 0  # submitted and not finished (running + waiting)

    @property
    def jobs(self):
        """Jobs running or waiting now."""
        with self._lock:
            return self._jobs

    def _done(self, _):
        with self._lock:
            self._jobs -= 1

    async def run(self, fn, *args, **kwargs):
        """Runs `fn(*args, **kwargs)` on the worker and returns its result.

        Raises:
            QueueFullError: `max_waiting` jobs are already waiting.
            Whatever `fn` raises.
        """
        with self._lock:
            if self._jobs > self.max_waiting:
                raise QueueFullError(f"{self._jobs} requests are running or waiting.")
            self._jobs += 1
        future = self._executor.submit(fn, *args, **kwargs)
        future.add_done_callback(self._done)
        try:
            return await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            future.cancel()  # a job whose client left is dropped if not started
            raise

    def shutdown(self):
        """Stops the worker after the running job; waiting jobs are cancelled."""
        self._executor.shutdown(wait=False, cancel_futures=True)
