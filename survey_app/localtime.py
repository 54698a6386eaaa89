"""Dates and times as the people using the app count them: Vietnam time (UTC+7).

The server may run in UTC; a visit "today" or a poll closing "at 17:00" means Vietnam's day
and hour, so every place that turns a clock into a day, or a typed time into a moment, comes
through here.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local_today() -> date:
    return datetime.now(LOCAL_TZ).date()


def parse_local(value: str | None) -> datetime | None:
    """An ISO 8601 date-time as typed (``2017-09-30T17:00``); without an offset it is read as
    Vietnam time. Empty gives None; anything else unreadable raises ValueError."""
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)
