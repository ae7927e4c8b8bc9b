"""A per-address token bucket (in memory, per process) for anonymous clients' uncached expensive reads.

Each address may spend `per_minute` tokens a minute, with bursts up to the same number; a refused request
learns how many seconds until its next token (Retry-After). The table of addresses is bounded: the least
recently seen are forgotten first, which only ever errs towards letting a request through.
"""
from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict


class TokenBucket:
    def __init__(self, per_minute: int, *, max_addresses: int = 50_000, clock=time.monotonic):
        self.rate = per_minute / 60.0
        self.burst = float(per_minute)
        self.max_addresses = max_addresses
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, address: str) -> float:
        """Spend one token for `address`: 0.0 when allowed, else the seconds to wait for the next token."""
        if self.burst <= 0:
            return 0.0
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.pop(address, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[address] = (tokens - 1, now)
                wait = 0.0
            else:
                self._buckets[address] = (tokens, now)
                wait = (1 - tokens) / self.rate
            while len(self._buckets) > self.max_addresses:
                self._buckets.popitem(last=False)
        return wait

    @staticmethod
    def retry_after(wait: float) -> int:
        return max(1, math.ceil(wait))
