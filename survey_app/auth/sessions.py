"""How long a sign-in lasts and what ends it (issue 10).

The signed session cookie carries the user's ``login_id`` (Flask-Login's alternative id) and
the time of the sign-in. Changing ``login_id`` (signing out, a new password, disabling the
account, a new role, unit or department: accounts.services) ends every session of the user
on every device; a session older than SESSION_LIFETIME_HOURS ends whatever its cookie says,
however often it was used (an absolute limit, checked on every request; an idle limit would
need a new cookie on every request). Flask-Login's remember-me cookie is never issued, and
one made up is refused: it carries no sign-in time.
"""

from __future__ import annotations

import time

from flask import current_app, session
from flask_login import login_user

SIGNED_IN_AT = "signed_in_at"
#: A sign-in time this far in the future is a clock that went back, not a forgery.
CLOCK_SKEW_SECONDS = 300


def start(user) -> None:
    """Sign ``user`` in, in a session that lasts PERMANENT_SESSION_LIFETIME at most."""
    login_user(user)
    session[SIGNED_IN_AT] = int(time.time())


def is_current() -> bool:
    """Whether the request's session was signed in less than the session lifetime ago."""
    started = session.get(SIGNED_IN_AT)
    if not isinstance(started, int) or isinstance(started, bool):
        return False
    age = time.time() - started
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    return -CLOCK_SKEW_SECONDS <= age < lifetime
