"""Poll links (a survey for a unit, behind an unguessable token) and their QR codes."""

from __future__ import annotations

import io
import time
import zipfile
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import qrcode
import qrcode.image.svg
from flask_babel import lazy_gettext as _l
from qrcode.constants import ERROR_CORRECT_M
from sqlalchemy import Engine, bindparam, func, select
from sqlalchemy.orm import Session

from survey_app.errors import UserError
from survey_app.models import audit
from survey_app.models.base import utcnow
from survey_app.models.campaigns import Campaign
from survey_app.models.polls import PollLink
from survey_app.models.responses import Response
from survey_app.models.surveys import Survey, SurveyVersion
from survey_app.models.units import Unit
from survey_app.surveys.model import Audience


class PollError(UserError):
    status = 400


class NotAPoll(PollError):
    message = _l("Poll links can only be made for worker polls.")


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


def response_count(session: Session, link: PollLink | PollTarget) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Response).where(Response.poll_link_id == link.id)
        )
        or 0
    )


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
            select(Response.poll_link_id, func.count())
            .where(Response.poll_link_id.is_not(None))
            .group_by(Response.poll_link_id)
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
    """A ZIP of one PNG per link, named after the unit code."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for link in links:
            archive.writestr(
                f"{link.unit.code}-{link.survey.key}.png", qr_png(poll_url(base_url, link))
            )
    return out.getvalue()
