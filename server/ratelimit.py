"""Requests per API key: a sliding window per process.

Behind a load balancer with N processes a key gets up to N times the limit; set
``UNSTUCK_RATE_LIMIT`` to the per-process share (docs/server.md).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from server.errors import TooManyRequests


class RateLimiter:
    def __init__(
        self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key_id: str) -> None:
        """Count one request for ``key_id``; raise ``TooManyRequests`` over the limit."""
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(key_id, deque())
            while hits and hits[0] <= now - self.window_s:
                hits.popleft()
            if len(hits) >= self.limit:
                retry = max(1, math.ceil(hits[0] + self.window_s - now))
                raise TooManyRequests(
                    f"This API key made {len(hits)} requests in the last "
                    f"{self.window_s:g} seconds; the limit is {self.limit}. "
                    f"Retry in {retry} seconds.",
                    headers={"Retry-After": str(retry)},
                )
            hits.append(now)
