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


def _app_with(limiter):
    from flask import Flask

    app = Flask(__name__)
    app.config["RATELIMIT_STORAGE_URI"] = "sweptmemory://"
    limiter.init_app(app)

    @app.get("/plain")
    def plain():
        return "ok"

    @app.get("/limited")
    @limiter.limit("2 per minute")
    def limited():
        return "ok"

    return app


def test_without_app_wide_limits_only_the_views_check_them():
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    from survey_app import _check_limits_in_views_only

    limiter = Limiter(key_func=get_remote_address)
    app = _app_with(limiter)
    _check_limits_in_views_only(app, limiter)
    assert limiter._check_request_limit not in app.before_request_funcs[None]
    client = app.test_client()
    assert [client.get("/limited").status_code for _ in range(3)] == [200, 200, 429]
    assert [client.get("/plain").status_code for _ in range(3)] == [200, 200, 200]


def test_default_limits_keep_the_check_before_every_request():
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    from survey_app import _check_limits_in_views_only

    limiter = Limiter(key_func=get_remote_address, default_limits=["2 per minute"])
    app = _app_with(limiter)
    _check_limits_in_views_only(app, limiter)
    assert limiter._check_request_limit in app.before_request_funcs[None]
    client = app.test_client()
    assert [client.get("/plain").status_code for _ in range(3)] == [200, 200, 429]
