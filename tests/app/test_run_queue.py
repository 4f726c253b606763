"""Tests of `app.run_queue.RunQueue`: one job at a time, a bounded queue."""

import asyncio
import threading

import pytest

from tf_deepexag.app import run_queue


class _Recorder:
    def __init__(self):
        self.running, self.max_running, self.order = 0, 0, []
        self.gate = threading.Event()
        self.lock = threading.Lock()

    def job(self, name):
        with self.lock:
            self.running += 1
            self.max_running = max(self.max_running, self.running)
        self.gate.wait(timeout=30)
        with self.lock:
            self.running -= 1
            self.order.append(name)
        if name == "bad":
            raise RuntimeError("boom")
        return name.upper()


def test_jobs_run_one_at_a_time_in_order_and_the_queue_is_bounded():
    queue = run_queue.RunQueue(max_waiting=2)
    recorder = _Recorder()

    async def scenario():
        tasks = [asyncio.create_task(queue.run(recorder.job, n)) for n in "abc"]
        await asyncio.sleep(0.05)
        assert queue.jobs == 3  # one running, two waiting
        with pytest.raises(run_queue.QueueFullError):
            await queue.run(recorder.job, "d")
        recorder.gate.set()
        return await asyncio.gather(*tasks)

    assert asyncio.run(scenario()) == ["A", "B", "C"]
    assert recorder.max_running == 1 and recorder.order == ["a", "b", "c"]
    assert queue.jobs == 0
    queue.shutdown()


def test_a_failing_job_raises_to_its_caller_and_the_worker_goes_on():
    queue = run_queue.RunQueue(max_waiting=1)
    recorder = _Recorder()
    recorder.gate.set()

    async def scenario():
        with pytest.raises(RuntimeError, match="boom"):
            await queue.run(recorder.job, "bad")
        return await queue.run(recorder.job, "ok")

    assert asyncio.run(scenario()) == "OK"
    assert queue.jobs == 0
    queue.shutdown()


def test_a_waiting_job_whose_caller_left_is_dropped():
    queue = run_queue.RunQueue(max_waiting=1)
    recorder = _Recorder()

    async def scenario():
        first = asyncio.create_task(queue.run(recorder.job, "a"))
        second = asyncio.create_task(queue.run(recorder.job, "b"))
        await asyncio.sleep(0.05)
        second.cancel()
        await asyncio.sleep(0.01)
        recorder.gate.set()
        return await first

    assert asyncio.run(scenario()) == "A"
    assert recorder.order == ["a"] and queue.jobs == 0
    queue.shutdown()


def test_max_waiting_must_not_be_negative():
    with pytest.raises(ValueError, match="max_waiting"):
        run_queue.RunQueue(-1)
