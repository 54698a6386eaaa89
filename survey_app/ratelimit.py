"""In-process rate-limit storage for Flask-Limiter without a timer thread per few requests.

limits' ``MemoryStorage`` starts a ``threading.Timer`` of 10 ms whenever the previous one has
ended, to drop expired counters: under steady load that is a new thread every few requests,
which cost a poll submission more than the limit check itself (bench/poll_submit.py). The
counters already expire when read, so this storage sweeps expired keys inline instead, at
most once a second. Used when REDIS_URL is not set (``sweptmemory://``).
"""

from __future__ import annotations

import threading
import time

from limits.storage import MemoryStorage

SWEEP_SECONDS = 1.0


class SweptMemoryStorage(MemoryStorage):
    STORAGE_SCHEME = ["sweptmemory"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.timer.cancel()  # the parent's first timer: sweeping is done inline here
        self._sweep_lock = threading.Lock()
        self._next_sweep = time.monotonic() + SWEEP_SECONDS

    # MemoryStorage calls ``self.__schedule_expiry()`` before every change (name-mangled).
    def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.monotonic()
        if now < self._next_sweep or not self._sweep_lock.acquire(blocking=False):
            return
        try:
            self._next_sweep = now + SWEEP_SECONDS
            self._MemoryStorage__expire_events()
        finally:
            self._sweep_lock.release()
