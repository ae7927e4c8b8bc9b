"""A least-recently-used cache bounded in bytes, thread-safe, building each missing key once.

Counting entries is not a bound on memory: one animated GIF weighs as much as thousands of snapshots. Here
every entry has a size (`size(value)`, bytes), the total stays under `max_bytes` by evicting the least
recently used entries, and a value larger than the whole budget is returned without being kept. When several
threads ask for the same missing key at once, one builds it and the others wait for that result (a burst of
identical requests costs one build); a failed build is not cached and the waiters see the same error.

It is the one byte cache class of the app. Its instances have budgets of their own because what they hold
differs in size and cost: the read model's cache (`ReadModel.cache`: publications, zones and the payloads made
from them), the replies the micro-cache replays (`ReadModel.replies`, app.platform.fastpath: bytes that repeat
those payloads, which must not push out what they were made from) and the pictures (`app.state.pictures`: a
few large GIFs would otherwise evict thousands of cheap JSON payloads). Every one of them is answered 304 by
the one rule, app.platform.conditional.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Generic, Hashable, TypeVar

V = TypeVar("V")


def payload_size(value) -> int:
    """Bytes held by a value with `body` (and maybe `gz`) bytes attributes, or by plain bytes."""
    if isinstance(value, (bytes, bytearray)):
        return len(value)
    n = len(getattr(value, "body", b""))
    gz = getattr(value, "gz", None)
    if gz is not None and gz is not getattr(value, "body", None):
        n += len(gz)
    return n + 200  # key, headers, bookkeeping


class _Pending:
    __slots__ = ("done", "value", "error")

    def __init__(self):
        self.done = threading.Event()
        self.value = None
        self.error: BaseException | None = None


class ByteLRU(Generic[V]):
    def __init__(self, max_bytes: int, size: Callable[[V], int] = payload_size):
        if max_bytes < 0:
            raise ValueError("max_bytes must not be negative")
        self.max_bytes = max_bytes
        self.size = size
        self._data: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._pending: dict[Hashable, _Pending] = {}
        self._lock = threading.Lock()
        self.bytes = 0
        self.hits = self.misses = self.evictions = 0

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key) -> bool:
        with self._lock:
            return key in self._data

    def get(self, key, default=None):
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return default
            self._data.move_to_end(key)
            self.hits += 1
            return item[0]

    def put(self, key, value: V) -> V:
        n = self.size(value)
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            if n > self.max_bytes:
                return value  # larger than the whole cache: served, not kept
            self._data[key] = (value, n)
            self.bytes += n
            while self.bytes > self.max_bytes and self._data:
                _, (_, m) = self._data.popitem(last=False)
                self.bytes -= m
                self.evictions += 1
        return value

    def get_or_build(self, key, build: Callable[[], V]) -> V:
        with self._lock:
            item = self._data.get(key)
            if item is not None:
                self._data.move_to_end(key)
                self.hits += 1
                return item[0]
            pending = self._pending.get(key)
            owner = pending is None
            if owner:
                pending = self._pending[key] = _Pending()
                self.misses += 1
        if not owner:
            pending.done.wait()
            if pending.error is not None:
                raise pending.error
            return pending.value
        try:
            value = build()
        except BaseException as e:
            pending.error = e
            raise
        else:
            pending.value = value
            self.put(key, value)
            return value
        finally:
            with self._lock:
                self._pending.pop(key, None)
            pending.done.set()

    def pop(self, key, default=None):
        with self._lock:
            item = self._data.pop(key, None)
            if item is None:
                return default
            self.bytes -= item[1]
            return item[0]

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.bytes = 0
