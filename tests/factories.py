"""Small builders for test data."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta

from openpyxl import Workbook


def roster_xlsx(rows, header=("code", "name", "kind", "parent_code")) -> bytes:
    """An .xlsx roster with ``header`` then ``rows`` on the first sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    workbook.create_sheet("ignored").append(["code", "name"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def add_responses(db, survey, unit_code: str | None, n: int, *, channel: str = "web",
                  by=None, newest: datetime | None = None) -> list[uuid.UUID]:
    """``n`` answerless responses to ``survey`` from the unit ``unit_code``, one a minute back
    from ``newest``; their ids, newest first."""
    from sqlalchemy import insert, select

    from survey_app.models import Response, Unit

    unit_id = None
    if unit_code:
        unit_id = db.session.scalar(select(Unit.id).where(Unit.code == unit_code))
        assert unit_id is not None, unit_code
    newest = newest or datetime(2017, 9, 20, 3, 0, tzinfo=UTC)
    rows = []
    for i in range(n):
        at = newest - timedelta(minutes=i)
        staff = channel != "poll"
        rows.append({
            "id": uuid.uuid4(), "survey_version_id": survey.current_version_id,
            "unit_id": unit_id, "submitted_by_id": by.id if by is not None and staff else None,
            "channel": channel, "submitted_on": at.date(),
            "submitted_at": at if staff else None,
        })
    if rows and channel == "poll":  # anonymous answers are kept apart, with only the day
        from survey_app.models import PollResponse

        db.session.execute(insert(PollResponse), [
            {"id": r["id"], "survey_version_id": r["survey_version_id"],
             "unit_id": r["unit_id"], "submitted_on": r["submitted_on"], "is_settled": False}
            for r in rows])
    elif rows:
        db.session.execute(insert(Response), rows)
    db.session.commit()
    return [row["id"] for row in rows]


def add_poll_answers(db, link, answers) -> None:
    """Store one anonymous response to poll ``link`` (validated ``answers``), as the poll does
    (the link must be committed: the poll reads it on a connection of its own)."""
    import datetime as dt

    from survey_app.polls import services

    target = services.find_target(db.engine, link.token)
    services.store_poll_response(db.session.connection(), target, sent_id=uuid.uuid4(),
                                 answers=answers, today=dt.date.today(), secret_key="test")
