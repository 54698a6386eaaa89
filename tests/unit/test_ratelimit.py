"""The in-process rate-limit storage: counts like limits' memory storage, without threads."""

import threading
import time

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from survey_app import ratelimit
from survey_app.ratelimit import SweptMemoryStorage


def test_the_uri_scheme_gives_the_swept_storage():
    assert isinstance(storage_from_string("sweptmemory://"), SweptMemoryStorage)


def test_limits_are_counted_per_key_and_refused_past_the_limit():
    limiter = FixedWindowRateLimiter(SweptMemoryStorage())
    three = parse("3 per minute")
    assert [limiter.hit(three, "a") for _ in range(4)] == [True, True, True, False]
    assert limiter.hit(three, "b")  # another address has its own count


def test_hits_start_no_thread(monkeypatch):
    storage = SweptMemoryStorage()
    limiter = FixedWindowRateLimiter(storage)
    started = []
    monkeypatch.setattr(threading.Thread, "start", lambda self: started.append(self))
    one_second = parse("1000 per second")
    for _ in range(20):
        limiter.hit(one_second, "a")
        time.sleep(0.012)  # longer than the memory storage's 10 ms timer
    assert started == []


def test_expired_counters_are_swept_inline(monkeypatch):
    monkeypatch.setattr(ratelimit, "SWEEP_SECONDS", 0.0)
    storage = SweptMemoryStorage()
    storage.incr("old", expiry=0.01)
    time.sleep(0.02)
    storage.incr("new", expiry=60)  # the next change sweeps
    assert "old" not in storage.storage and "old" not in storage.expirations
    assert storage.get("new") == 1
