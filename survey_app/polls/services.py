"""Poll links (a survey for a unit, behind an unguessable token) and their QR codes."""

from __future__ import annotations

import functools
import hashlib
import io
import time
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

import qrcode
import qrcode.image.svg
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from qrcode.constants import ERROR_CORRECT_M
from sqlalchemy import Connection, Engine, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from survey_app.errors import UserError
from survey_app.exports import safe_file_name, unique_names
from survey_app.models import audit
from survey_app.models.base import insert_ignore, utcnow
from survey_app.models.campaigns import Campaign
from survey_app.models.polls import PollAnswer, PollLink, PollResponse
from survey_app.models.surveys import Survey, SurveyVersion
from survey_app.models.units import Unit
from survey_app.responses.services import answer_row
from survey_app.surveys.model import Audience
from survey_app.surveys.validation import AnswerValue


class PollError(UserError):
    status = 400


class NotAPoll(PollError):
    message = _l("Poll links can only be made for worker polls.")


class LinkFull(PollError):
    """Raised while storing: the link's cap was reached by a concurrent submission."""

    status = 410
    message = _l("This poll has received all the answers it was open for.")


class LinkState(StrEnum):
    OPEN = "open"
    NOT_YET = "not_yet"
    CLOSED = "closed"
    EXPIRED = "expired"
    FULL = "full"


@dataclass(frozen=True)
class LinkRow:
    link: PollLink
    responses: int
    state: LinkState


def create_link(
    session: Session,
    survey_key: str,
    unit_code: str,
    *,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    max_responses: int | None = None,
    campaign_key: str | None = None,
    actor=None,
) -> PollLink:
    """A new poll link, part of a campaign when ``campaign_key`` is given. Raises PollError."""
    survey = session.scalars(select(Survey).where(Survey.key == survey_key)).first()
    if survey is None or survey.current_version_id is None or not survey.is_active:
        raise PollError(_l("There is no survey with the key %(key)s.", key=survey_key))
    if survey.audience != Audience.WORKER_POLL.value:
        raise NotAPoll()
    unit = session.scalars(select(Unit).where(Unit.code == unit_code)).first()
    if unit is None:
        raise PollError(_l("Unknown unit code: %(code)s", code=unit_code))
    if opens_at and closes_at and closes_at <= opens_at:
        raise PollError(_l("The poll must close after it opens."))
    if max_responses is not None and max_responses < 1:
        raise PollError(_l("The cap on responses must be at least 1."))
    campaign = None
    if campaign_key:
        campaign = session.scalars(select(Campaign).where(Campaign.key == campaign_key)).first()
        if campaign is None or not campaign.is_active:
            raise PollError(_l("There is no campaign with the key %(key)s.", key=campaign_key))
    link = PollLink(
        campaign_id=campaign.id if campaign else None,
        survey=survey,
        unit=unit,
        opens_at=opens_at,
        closes_at=closes_at,
        max_responses=max_responses,
        created_by_id=getattr(actor, "id", None),
    )
    session.add(link)
    session.flush()
    audit.record(session, "poll.create", f"{survey.key}/{unit.code}", actor=actor)
    return link


@dataclass(frozen=True, slots=True)
class PollTarget:
    """What answering a poll needs of its link, read in one row (no objects, no survey text)."""

    id: int
    token: str
    unit_id: int
    unit_name: str
    survey_id: int
    #: False once the survey's file was removed from surveys/: nothing new is collected.
    survey_active: bool
    version_id: int | None
    content_hash: str | None
    opens_at: datetime | None
    closes_at: datetime | None
    max_responses: int | None
    is_closed: bool


#: Built once: the token travels as a parameter.
_FIND_TARGET = (
    select(
        PollLink.id,
        PollLink.token,
        PollLink.unit_id,
        Unit.name.label("unit_name"),
        PollLink.survey_id,
        Survey.is_active.label("survey_active"),
        Survey.current_version_id.label("version_id"),
        SurveyVersion.content_hash,
        PollLink.opens_at,
        PollLink.closes_at,
        PollLink.max_responses,
        PollLink.is_closed,
    )
    .join(Unit, Unit.id == PollLink.unit_id)
    .join(Survey, Survey.id == PollLink.survey_id)
    .outerjoin(SurveyVersion, SurveyVersion.id == Survey.current_version_id)
    .where(PollLink.token == bindparam("token"))
)


#: token -> (monotonic time read, target): a printed link is read by every submission of
#: its poll, and changes rarely (closed, reopened, a new survey version).
_TARGETS: dict[str, tuple[float, PollTarget]] = {}
_TARGETS_MAX = 4096


def find_target(engine: Engine, token: str, *, max_age: float = 0.0) -> PollTarget | None:
    """The link behind ``token`` for the answering page: one query on a connection of its own,
    or what this process read of it less than ``max_age`` seconds ago.

    Only existing links are remembered, so made-up tokens cannot fill the memory; the link's
    window is still compared with the clock at every request, and a cap still counts.
    """
    if not token or len(token) > 64:
        return None
    now = time.monotonic()
    if max_age > 0:
        cached = _TARGETS.get(token)
        if cached is not None and now - cached[0] < max_age:
            return cached[1]
    with engine.connect() as connection:
        row = connection.execute(_FIND_TARGET, {"token": token}).first()
    if row is None:
        _TARGETS.pop(token, None)
        return None
    target = PollTarget(*row)
    if max_age > 0:
        if len(_TARGETS) >= _TARGETS_MAX:
            _TARGETS.clear()
        _TARGETS[token] = (now, target)
    return target


def forget_target(token: str) -> None:
    """Drop what this process remembers of a link (after closing or reopening it here)."""
    _TARGETS.pop(token, None)


_TAKEN = select(PollLink.responses_taken).where(PollLink.id == bindparam("link_id"))


def response_count(session: Session, link: PollLink | PollTarget) -> int:
    """How many anonymous responses came through ``link``."""
    return (
        session.scalar(
            select(func.count())
            .select_from(PollResponse)
            .where(PollResponse.poll_link_id == link.id)
        )
        or 0
    )


def responses_taken(engine: Engine, link: PollTarget) -> int:
    """How many responses count against a capped link's cap, read now (not cached)."""
    with engine.connect() as connection:
        return connection.scalar(_TAKEN, {"link_id": link.id}) or 0


def state_of(link: PollLink | PollTarget, responses: int, now: datetime | None = None) -> LinkState:
    now = now or utcnow()
    if link.is_closed:
        return LinkState.CLOSED
    if link.opens_at and now < link.opens_at:
        return LinkState.NOT_YET
    if link.closes_at and now >= link.closes_at:
        return LinkState.EXPIRED
    if link.max_responses is not None and responses >= link.max_responses:
        return LinkState.FULL
    return LinkState.OPEN


def list_links(session: Session) -> list[LinkRow]:
    """Every link with its response count (one grouped query) and state."""
    counts = dict(
        session.execute(
            select(PollResponse.poll_link_id, func.count())
            .where(PollResponse.poll_link_id.is_not(None))
            .group_by(PollResponse.poll_link_id)
        ).all()
    )
    links = session.scalars(
        select(PollLink).order_by(PollLink.created_at.desc(), PollLink.id.desc())
    ).all()
    now = utcnow()
    return [
        LinkRow(link, counts.get(link.id, 0), state_of(link, counts.get(link.id, 0), now))
        for link in links
    ]


# ---- storing anonymous answers ------------------------------------------------------------


@functools.cache
def _key_of(secret_key: str, purpose: bytes) -> bytes:
    return hashlib.blake2b(secret_key.encode(), digest_size=32, person=purpose).digest()


def limit_key(secret_key: str, token: str, address: str) -> str:
    """The rate-limit key of a poll submission: one link from one address (a factory's
    Wi-Fi answering its own poll does not use up the limit of another link), as a keyed
    hash, so that the limit storage (Redis) never holds an address next to the poll it
    answered."""
    return hashlib.blake2b(
        f"{token}\n{address}".encode(), key=_key_of(secret_key, b"poll-limit"), digest_size=16
    ).hexdigest()


def poll_response_key(secret_key: str, link_id: int, sent_id: uuid.UUID) -> uuid.UUID:
    """The key a poll response is stored under: a keyed hash of the link and of the id the
    page sent, shaped as a random (version 4) UUID.

    The same page sent twice to its link gives the same key, so a replay finds the stored
    response; nothing else is kept of the sent id, so a time-ordered id (UUID version 1 or
    7, from a tampered page) orders nothing, and an id read off a worker's phone cannot be
    looked up in the database without the secret key. The same id sent to another link is
    another response there: its answers are stored, not dropped.
    """
    digest = hashlib.blake2b(
        link_id.to_bytes(8, "big") + sent_id.bytes,
        key=_key_of(secret_key, b"poll-response"),
        digest_size=16,
    ).digest()
    return uuid.UUID(bytes=digest, version=4)


#: Raises a capped link's count by one unless the cap is reached, in the storing transaction:
#: PostgreSQL locks the link's row until the commit and re-checks the condition after a
#: concurrent update; SQLite holds its write lock from the response's INSERT.
_TAKE_ONE = (
    update(PollLink)
    .where(
        PollLink.id == bindparam("link_id"),
        PollLink.responses_taken < PollLink.max_responses,
    )
    .values(responses_taken=PollLink.responses_taken + 1)
)
_INSERT_ANSWERS = insert(PollAnswer.__table__)


def store_poll_response(
    connection: Connection,
    link: PollTarget,
    *,
    sent_id: uuid.UUID,
    answers: Iterable[AnswerValue],
    today: date,
    secret_key: str,
) -> bool:
    """Store an anonymous response once; True when this call stored it, False for a replay
    (the same page sent again to the same link).

    Core statements on ``connection`` (an engine connection: no objects); the caller
    commits, or rolls back on an error. Raises LinkFull when the link's cap is reached.
    """
    key = poll_response_key(secret_key, link.id, sent_id)
    # Rows built before the first INSERT: on SQLite the write lock is held from it to the commit.
    rows = [{**answer_row(key, value), "ordinal": i} for i, value in enumerate(answers)]
    created = insert_ignore(
        connection,
        PollResponse.__table__,
        {
            "id": key,
            "survey_version_id": link.version_id,
            "unit_id": link.unit_id,
            "poll_link_id": link.id,
            "submitted_on": today,
            "is_settled": False,
        },
        ["id"],
    )
    if not created:
        return False
    capped = link.max_responses is not None
    if capped and connection.execute(_TAKE_ONE, {"link_id": link.id}).rowcount != 1:
        raise LinkFull()
    if rows:
        connection.execute(_INSERT_ANSWERS, rows)
    return True


def _temporary_copy(table: sa.Table, name: str) -> sa.Table:
    return sa.Table(
        name,
        sa.MetaData(),
        *(sa.Column(column.name, column.type) for column in table.columns),
        prefixes=["TEMPORARY"],
    )


def settle(connection: Connection, *, before: date) -> int:
    """Rewrite the anonymous responses of days before ``before`` that were not rewritten yet,
    and their answers, in random order, in this one transaction; returns how many.

    On PostgreSQL a row keeps the id of the transaction that wrote it (``xmin``) and a table
    keeps its rows in the order they came (``ctid``, and the order of a plain dump): both
    place a poll response among timed staff rows until it is rewritten. Afterwards every
    rewritten row carries this transaction's id and sits in random order, which says no
    more than "sent before this ran". SQLite keeps neither (the tables are ``WITHOUT
    ROWID`` and ordered by their random keys), but the rewrite does no harm there.
    Run daily (``survey-app polls settle``); the caller commits, and its rollback takes the
    temporary tables with it.
    """
    responses, answers = PollResponse.__table__, PollAnswer.__table__
    kept_responses = _temporary_copy(responses, "settle_responses")
    kept_answers = _temporary_copy(answers, "settle_answers")
    kept_responses.create(connection)
    kept_answers.create(connection)
    unsettled = select(*responses.c).where(
        responses.c.is_settled.is_(False), responses.c.submitted_on < before
    )
    connection.execute(kept_responses.insert().from_select(list(responses.c.keys()), unsettled))
    count = connection.scalar(select(func.count()).select_from(kept_responses)) or 0
    if count:
        ids = select(kept_responses.c.id)
        connection.execute(
            kept_answers.insert().from_select(
                list(answers.c.keys()), select(*answers.c).where(answers.c.response_id.in_(ids))
            )
        )
        connection.execute(answers.delete().where(answers.c.response_id.in_(ids)))
        connection.execute(responses.delete().where(responses.c.id.in_(ids)))
        settled = [
            sa.true().label("is_settled") if column.name == "is_settled" else column
            for column in kept_responses.c
        ]
        connection.execute(
            responses.insert().from_select(
                list(responses.c.keys()), select(*settled).order_by(func.random())
            )
        )
        connection.execute(
            answers.insert().from_select(
                list(answers.c.keys()), select(*kept_answers.c).order_by(func.random())
            )
        )
    kept_answers.drop(connection)
    kept_responses.drop(connection)
    return count


def set_closed(session: Session, link: PollLink, closed: bool, *, actor=None) -> None:
    """Close or reopen; once committed, ``forget_target(link.token)`` for this process."""
    link.is_closed = closed
    audit.record(
        session,
        "poll.close" if closed else "poll.reopen",
        f"{link.survey.key}/{link.unit.code}",
        actor=actor,
    )


def poll_url(base_url: str, link: PollLink | PollTarget) -> str:
    return f"{base_url.rstrip('/')}/p/{link.token}"


def qr_png(url: str, *, box_size: int = 10) -> bytes:
    """The link as a QR code PNG (error correction M: survives a crease or a smudge)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=4)
    code.add_data(url)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image().save(out)
    return out.getvalue()


def qr_svg(url: str) -> str:
    code = qrcode.QRCode(
        error_correction=ERROR_CORRECT_M, border=4, image_factory=qrcode.image.svg.SvgPathImage
    )
    code.add_data(url)
    code.make(fit=True)
    return code.make_image().to_string(encoding="unicode")


def qr_zip(base_url: str, links: list[PollLink]) -> bytes:
    """A ZIP of one PNG per link, named after the unit code (made safe: issue 10, item 2)."""
    out = io.BytesIO()
    names = unique_names(
        f"{safe_file_name(link.unit.code, 'unit')}-{safe_file_name(link.survey.key)}.png"
        for link in links
    )
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for link, name in zip(links, names, strict=True):
            archive.writestr(name, qr_png(poll_url(base_url, link)))
    return out.getvalue()
