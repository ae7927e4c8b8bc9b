"""Expensive work (server-side pictures) outside the request threads, bounded, refused fast when full.

Rendering is CPU work that holds the GIL for seconds and, at 2000x2000 pixels, hundreds of megabytes. It
runs in a small pool of worker processes, so the event loop and the request threads stay free for cheap
reads (`/api/health`, cached responses) while pictures queue; a worker process is replaced after a few
jobs so its memory goes back to the system. At most `workers + queue` renders are accepted at once; the
next one gets 503 with Retry-After immediately instead of holding a connection. Identical concurrent
requests share one render.
"""
from __future__ import annotations

import asyncio
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Hashable

from app.domain.errors import Unavailable

BUSY = "the server is busy rendering other pictures; try again in a minute"


def _worker_start() -> None:
    """In each worker process: a lower CPU priority, so cheap requests in the server process come first."""
    import os

    try:
        os.nice(10)
    except OSError:
        pass


class RenderPool:
    def __init__(self, workers: int = 1, queue: int = 2, timeout: float = 120.0, tasks_per_worker: int = 8):
        self.workers, self.queue, self.timeout = workers, queue, timeout
        self.tasks_per_worker = tasks_per_worker
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._in_flight = 0
        self._shared: dict[Hashable, asyncio.Future] = {}

    @property
    def capacity(self) -> int:
        return self.workers + self.queue

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            # spawn, not fork: the server process has threads (database pool, revision watcher).
            self._executor = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                                 max_tasks_per_child=self.tasks_per_worker, initializer=_worker_start)
        return self._executor

    def _release(self, _fut=None) -> None:
        with self._lock:
            self._in_flight -= 1

    def _reserve(self) -> None:
        with self._lock:
            if self._in_flight >= self.capacity:
                raise Unavailable(BUSY, retry_after=30)
            self._in_flight += 1

    def check(self, key: Hashable) -> None:
        """Refuse at once when a render for `key` would not be accepted (no shared one running, no room)."""
        if key not in self._shared and self._in_flight >= self.capacity:
            raise Unavailable(BUSY, retry_after=30)

    async def run(self, key: Hashable, fn: Callable, *args, prepare: Callable | None = None, **kwargs):
        """fn(*args, **kwargs) in a worker process (fn importable by name). With `prepare` (an async callable),
        its result becomes the first argument; it runs only once a slot is held, so a refused request costs
        nothing. A second call with the same key while the first runs shares its result."""
        shared = self._shared.get(key)
        if shared is None:
            self._reserve()
            shared = asyncio.get_running_loop().create_future()
            self._shared[key] = shared
            try:
                if prepare is not None:
                    args = (await prepare(), *args)
                fut = self._pool().submit(fn, *args, **kwargs)
            except BaseException as e:
                self._release()
                self._shared.pop(key, None)
                shared.set_exception(e)
                shared.exception()  # retrieved: the waiters (if any) get it, no "never retrieved" warning
                raise
            # The slot is held until the process finishes, even if the client gave up: capacity is real work.
            fut.add_done_callback(self._release)

            def settle(done: asyncio.Future, shared=shared):
                self._shared.pop(key, None)
                if shared.done():
                    return
                if done.cancelled():
                    shared.cancel()
                elif done.exception() is not None:
                    shared.set_exception(done.exception())
                else:
                    shared.set_result(done.result())
            asyncio.wrap_future(fut).add_done_callback(settle)
        try:
            return await asyncio.wait_for(asyncio.shield(shared), self.timeout)
        except asyncio.TimeoutError:
            raise Unavailable("rendering took too long; try a smaller picture or fewer frames", retry_after=60) from None
        except BrokenProcessPool:
            # A worker died (killed for memory, say): start a fresh pool for the next request.
            with self._lock:
                broken, self._executor = self._executor, None
            if broken is not None:
                broken.shutdown(wait=False, cancel_futures=True)
            raise Unavailable(BUSY, retry_after=10) from None

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
