"""Units' own reports in a campaign: drafts, sending, returning for correction, the signed
document, the upper level's view of its units, and the Office's completeness dashboard.

Who may do what is decided here (``access_to``), from the user's role and unit, never from
what a URL or a form says.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import uuid
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_app.campaigns.config import CampaignConfig
from survey_app.campaigns.rules import (
    Completeness,
    ReportState,
    ReportStatus,
    can_submit_from,
    completeness,
    days_left,
    is_late,
    last_on_time_day,
    owes_report,
    report_status,
)
from survey_app.campaigns.services import config_of
from survey_app.errors import UserError
from survey_app.models import audit
from survey_app.models.base import utcnow
from survey_app.models.campaigns import (
    Campaign,
    Notification,
    ReportAttachment,
    ReportEvent,
    UnitReport,
)
from survey_app.models.responses import Answer
from survey_app.models.units import Unit, UnitKind
from survey_app.models.users import Role, User
from survey_app.units.services import subtree_query


class ReportError(UserError):
    status = 400


class ReportNotFound(UserError):
    status = 404
    message = _l("There is no such unit or report.")


class NotYourReport(UserError):
    status = 403
    message = _l("You may only open the reports of your own unit and the units under it.")


class Access(StrEnum):
    """What a user may do with one unit's report."""

    FILE = "file"  # its own unit: draft, send, attach
    REVIEW = "review"  # the direct upper level or the Office: read and return
    READ = "read"  # further up, departments: read only


# --------------------------------------------------------------------------
# Whose report, and what this user may do with it
# --------------------------------------------------------------------------


def sees_everything(user: User) -> bool:
    return user.role in (Role.ADMIN.value, Role.OFFICE.value)


def access_to(session: Session, user: User, unit: Unit) -> Access:
    """What ``user`` may do with ``unit``'s report. Raises NotYourReport."""
    if user.role == Role.REPORTER.value and user.unit_id is not None:
        if unit.id == user.unit_id:
            return Access.FILE
        if unit.parent_id == user.unit_id:
            return Access.REVIEW
        if session.scalar(select(Unit.id).where(
                Unit.id == unit.id, Unit.id.in_(subtree_query(user.unit_id)))) is not None:
            return Access.READ
        raise NotYourReport()
    if sees_everything(user):
        return Access.REVIEW
    if user.role in (Role.REVIEWER.value, Role.ORGANIZATION.value):
        return Access.READ
    raise NotYourReport()


def unit_for(session: Session, user: User, code: str | None) -> tuple[Unit, Access]:
    """The unit a report page is about: ``code``, or the user's own unit. Raises
    ReportNotFound, NotYourReport."""
    if code:
        unit = session.scalars(select(Unit).where(Unit.code == code)).first()
    else:
        unit = session.get(Unit, user.unit_id) if user.unit_id else None
    if unit is None:
        raise ReportNotFound()
    return unit, access_to(session, user, unit)


def report_of(session: Session, campaign: Campaign, unit: Unit) -> UnitReport | None:
    return session.scalars(
        select(UnitReport).where(
            UnitReport.campaign_id == campaign.id, UnitReport.unit_id == unit.id
        )
    ).first()


def _report(session: Session, campaign: Campaign, unit: Unit) -> UnitReport:
    report = report_of(session, campaign, unit)
    if report is None:
        report = UnitReport(campaign_id=campaign.id, unit_id=unit.id, state=ReportState.DRAFT)
        session.add(report)
        session.flush()
    return report


def _event(session, report, action, actor, from_state, to_state, reason=None, response_id=None):
    session.add(ReportEvent(report_id=report.id, action=action, actor_id=actor.id,
                            from_state=from_state, to_state=to_state, reason=reason,
                            response_id=response_id))


def _require(access: Access, *allowed: Access) -> None:
    if access not in allowed:
        raise NotYourReport()


# --------------------------------------------------------------------------
# The reporter's side: drafts and sending
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    due: date | None
    last_on_time: date | None
    days_left: int | None
    owes: bool


def deadline_of(config: CampaignConfig, unit: Unit, today: date) -> Deadline:
    due = config.deadline_for(unit.kind)
    return Deadline(
        due=due,
        last_on_time=last_on_time_day(config, unit.kind),
        days_left=days_left(due, today),
        owes=owes_report(config, unit.kind, unit.active_from, unit.active_until),
    )


def check_can_file(config: CampaignConfig, unit: Unit, report: UnitReport | None,
                   today: date) -> None:
    """Raise ReportError when this unit cannot draft or send its report now."""
    if config.deadline_for(unit.kind) is None:
        raise ReportError(_("Units of this kind do not send a report in this campaign."))
    if not can_submit_from(config, today):
        raise ReportError(
            _("Reports can be written from %(day)s.", day=config.starts.strftime("%d/%m/%Y"))
        )
    if report is not None and report.state == ReportState.SUBMITTED:
        raise ReportError(
            _("The report has been sent. To change it, ask the upper level to return it.")
        )


def save_draft(session: Session, campaign: Campaign, unit: Unit, values: dict, *, user: User,
               access: Access, today: date) -> UnitReport:
    """Keep the answers so far on the server (no checks: a draft may be partial)."""
    _require(access, Access.FILE)
    report = report_of(session, campaign, unit)
    check_can_file(config_of(campaign), unit, report, today)
    report = report or _report(session, campaign, unit)
    report.draft = {name: list(texts) for name, texts in values.items()}
    report.draft_saved_at = utcnow()
    session.flush()
    return report


def prepare_submission(session: Session, campaign: Campaign, unit: Unit, response_id: uuid.UUID,
                       *, access: Access, today: date) -> bool:
    """Check a report may be sent with ``response_id``; False when it is a replay of the
    report already sent with that id (nothing more to do). Raises ReportError."""
    _require(access, Access.FILE)
    report = report_of(session, campaign, unit)
    if report is not None and report.state == ReportState.SUBMITTED \
            and report.response_id == response_id:
        return False
    if report is not None and report.state == ReportState.RETURNED \
            and report.response_id == response_id:
        raise ReportError(_("This report was returned for correction: send the corrected form."))
    check_can_file(config_of(campaign), unit, report, today)
    return True


def record_submission(session: Session, campaign: Campaign, unit: Unit,
                      response_id: uuid.UUID, *, user: User, today: date,
                      now: datetime) -> UnitReport:
    """After the response is stored: the report is sent (late or not), its draft cleared."""
    report = _report(session, campaign, unit)
    before = report.state if report.response_id or report.state != "draft" else None
    resent = report.first_submitted_on is not None
    report.state = ReportState.SUBMITTED
    report.response_id = response_id
    report.first_submitted_on = report.first_submitted_on or today
    report.submitted_at = now
    report.submitted_by_id = user.id
    report.draft = None
    report.draft_saved_at = None
    report.return_reason = None
    _event(session, report, "resubmitted" if resent else "submitted", user, before,
           ReportState.SUBMITTED.value, response_id=response_id)
    audit.record(session, "report.submitted", f"{campaign.key}:{unit.code}", actor=user,
                 response=str(response_id))
    session.flush()
    return report


def submit_report(session: Session, campaign: Campaign, unit: Unit, response_id: uuid.UUID,
                  answers, *, version_id: int, survey_id: int, user: User, access: Access,
                  today: date, now: datetime) -> UnitReport:
    """Store the validated answers as the unit's report (a replay of the same id changes
    nothing). Raises ReportError, NotYourReport, ResponseIdTaken."""
    from survey_app.models.responses import Channel
    from survey_app.responses.services import store_response

    if not prepare_submission(session, campaign, unit, response_id, access=access, today=today):
        return report_of(session, campaign, unit)
    store_response(session.connection(), response_id=response_id, version_id=version_id,
                   survey_id=survey_id, answers=answers, channel=Channel.WEB, today=today,
                   now=now, unit_id=unit.id, submitted_by_id=user.id, campaign_id=campaign.id)
    return record_submission(session, campaign, unit, response_id, user=user, today=today,
                             now=now)


def is_report_late(campaign: Campaign, unit: Unit, report: UnitReport) -> bool:
    return report.first_submitted_on is not None and is_late(
        config_of(campaign), unit.kind, report.first_submitted_on)


# --------------------------------------------------------------------------
# The upper level's side: returning for correction
# --------------------------------------------------------------------------


def return_report(session: Session, campaign: Campaign, unit: Unit, reason: str, *,
                  user: User, access: Access) -> UnitReport:
    """Send a report back to its unit with a reason. Raises ReportError, NotYourReport."""
    _require(access, Access.REVIEW)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ReportError(_("Say why the report is returned, so the unit knows what to fix."))
    if len(reason) > 2000:
        raise ReportError(_("The reason is too long (at most 2000 characters)."))
    report = report_of(session, campaign, unit)
    if report is None or report.state != ReportState.SUBMITTED:
        raise ReportError(_("Only a report that has been sent can be returned."))
    report.state = ReportState.RETURNED
    report.return_reason = reason
    _event(session, report, "returned", user, ReportState.SUBMITTED.value,
           ReportState.RETURNED.value, reason=reason)
    for reporter in session.scalars(
        select(User).where(User.unit_id == unit.id, User.role == Role.REPORTER.value,
                           User.is_active.is_(True))
    ):
        session.add(Notification(user_id=reporter.id, kind="report_returned",
                                 params={"campaign": campaign.name, "reason": reason},
                                 link=f"/campaigns/{campaign.key}/report"))
    audit.record(session, "report.returned", f"{campaign.key}:{unit.code}", actor=user,
                 reason=reason)
    session.flush()
    return report


def history(session: Session, report: UnitReport) -> list[ReportEvent]:
    return list(session.scalars(
        select(ReportEvent).where(ReportEvent.report_id == report.id)
        .order_by(ReportEvent.at, ReportEvent.id)))


# --------------------------------------------------------------------------
# The signed document
# --------------------------------------------------------------------------

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


def document_type(data: bytes) -> str | None:
    """PDF or DOCX by what the bytes are, whatever the file is called; None otherwise."""
    if data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]:
        return PDF
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" not in names or "word/document.xml" not in names:
                return None
            if len(names) > 1000:
                return None
            types = archive.read("[Content_Types].xml")
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, ValueError):
        return None
    return DOCX if b"wordprocessingml.document.main+xml" in types else None


def attach(session: Session, campaign: Campaign, unit: Unit, filename: str, data: bytes, *,
           user: User, access: Access, folder: Path, today: date) -> ReportAttachment:
    """Keep the signed report document. Raises ReportError for anything but a PDF or DOCX."""
    _require(access, Access.FILE)
    report = report_of(session, campaign, unit)
    check_can_file(config_of(campaign), unit, report, today)
    if not data:
        raise ReportError(_("Choose the signed report file (PDF or Word .docx)."))
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ReportError(_("The file is larger than %(mb)d MB.",
                            mb=MAX_ATTACHMENT_BYTES // (1024 * 1024)))
    kind = document_type(data)
    if kind is None:
        raise ReportError(
            _("This file is not a PDF or a Word (.docx) document. Attach the signed report "
              "as PDF or DOCX.")
        )
    report = report or _report(session, campaign, unit)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stored = secrets.token_hex(20)
    (folder / stored).write_bytes(data)
    suffix = ".pdf" if kind == PDF else ".docx"
    name = Path(filename or "").name[:200] or "bao-cao"
    if not name.lower().endswith(suffix):
        name = f"{Path(name).stem[:200]}{suffix}"
    attachment = ReportAttachment(report_id=report.id, stored_name=stored, original_name=name,
                                  content_type=kind, size=len(data),
                                  sha256=hashlib.sha256(data).hexdigest(), uploaded_by_id=user.id)
    session.add(attachment)
    _event(session, report, "attached", user, report.state, report.state)
    session.flush()
    return attachment


def attachments_of(session: Session, report: UnitReport | None) -> list[ReportAttachment]:
    if report is None:
        return []
    return list(session.scalars(
        select(ReportAttachment).where(ReportAttachment.report_id == report.id)
        .order_by(ReportAttachment.uploaded_at.desc(), ReportAttachment.id.desc())))


def attachment_for(session: Session, user: User, campaign: Campaign,
                   attachment_id: int) -> ReportAttachment:
    """An attachment ``user`` may download. Raises ReportNotFound, NotYourReport."""
    attachment = session.get(ReportAttachment, attachment_id)
    report = session.get(UnitReport, attachment.report_id) if attachment else None
    if report is None or report.campaign_id != campaign.id:
        raise ReportNotFound()
    access_to(session, user, report.unit)
    return attachment


# --------------------------------------------------------------------------
# The upper level starts from its units' figures
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildSum:
    baseline: float | None
    current: float | None
    reported: int
    expected: int


def children_sums(session: Session, campaign: Campaign, unit: Unit,
                  indicator_keys: list[str]) -> dict[str, ChildSum]:
    """For each indicator, the sum of the sent reports of the units directly under ``unit``.

    A unit that has not sent its report is missing, never zero: each figure says how many
    of the units that owe a report have sent one.
    """
    config = config_of(campaign)
    children = list(session.scalars(select(Unit).where(Unit.parent_id == unit.id)))
    owing = [c for c in children if owes_report(config, c.kind, c.active_from, c.active_until)]
    sent = session.execute(
        select(UnitReport.unit_id, UnitReport.response_id).where(
            UnitReport.campaign_id == campaign.id,
            UnitReport.state == ReportState.SUBMITTED.value,
            UnitReport.unit_id.in_([c.id for c in owing]),
        )
    ).all() if owing else []
    response_ids = [row.response_id for row in sent if row.response_id]
    sums: dict[tuple[str, str | None], tuple[float, int]] = {}
    if response_ids and indicator_keys:
        rows = session.execute(
            select(Answer.question_key, Answer.part, func.sum(Answer.value_number),
                   func.count(func.distinct(Answer.response_id)))
            .where(Answer.response_id.in_(response_ids),
                   Answer.question_key.in_(indicator_keys),
                   Answer.value_number.is_not(None), Answer.repeat_index.is_(None))
            .group_by(Answer.question_key, Answer.part)
        ).all()
        sums = {(key, part): (total, n) for key, part, total, n in rows}
    result = {}
    for key in indicator_keys:
        baseline = sums.get((key, "baseline"))
        current = sums.get((key, None))
        result[key] = ChildSum(
            baseline=baseline[0] if baseline else None,
            current=current[0] if current else None,
            reported=len(response_ids),
            expected=len(owing),
        )
    return result


# --------------------------------------------------------------------------
# The dashboard: every expected unit, its status, and the completeness figures
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitRow:
    unit: Unit
    branch: Unit | None  # the district, sector... the unit is in (itself for those)
    deadline: date
    status: ReportStatus
    submitted_on: date | None
    days_left: int
    not_due: bool


def unit_rows(session: Session, campaign: Campaign, today: date, *,
              scope: set[int] | None = None) -> list[UnitRow]:
    """Every unit that owes a report (within ``scope`` unit ids, if given), with its status."""
    config = config_of(campaign)
    units = list(session.scalars(select(Unit)))
    by_id = {u.id: u for u in units}
    reports = {r.unit_id: r for r in session.scalars(
        select(UnitReport).where(UnitReport.campaign_id == campaign.id))}
    rows = []
    for unit in units:
        if scope is not None and unit.id not in scope:
            continue
        if not owes_report(config, unit.kind, unit.active_from, unit.active_until):
            continue
        report = reports.get(unit.id)
        status = report_status(config, unit.kind, report.state if report else None,
                               report.first_submitted_on if report else None, today)
        deadline = config.deadline_for(unit.kind)
        last = last_on_time_day(config, unit.kind)
        rows.append(UnitRow(
            unit=unit,
            branch=_branch(unit, by_id),
            deadline=deadline,
            status=status,
            submitted_on=report.first_submitted_on if report and status in (
                ReportStatus.SUBMITTED, ReportStatus.SUBMITTED_LATE) else None,
            days_left=days_left(deadline, today),
            not_due=status not in (ReportStatus.SUBMITTED, ReportStatus.SUBMITTED_LATE)
            and today <= last,
        ))
    rows.sort(key=lambda r: (_LEVEL_ORDER.get(r.unit.kind, 99),
                             r.branch.name if r.branch else "", r.unit.name))
    return rows


_LEVEL_ORDER = {kind.value: i for i, kind in enumerate(UnitKind)}


def _branch(unit: Unit, by_id: dict[int, Unit]) -> Unit | None:
    """The unit directly under the province that ``unit`` belongs to (for filtering by
    district); None for the province and above."""
    chain = [unit]
    seen = {unit.id}
    while chain[-1].parent_id and chain[-1].parent_id not in seen:
        parent = by_id.get(chain[-1].parent_id)
        if parent is None:
            break
        seen.add(parent.id)
        chain.append(parent)
    for index, node in enumerate(chain):
        if node.kind == UnitKind.PROVINCE.value:
            return chain[index - 1] if index > 0 else None
    return None


def figures_by_level(rows: list[UnitRow]) -> tuple[dict[str, Completeness], Completeness]:
    """The completeness figures per unit kind, and overall."""
    by_kind: dict[str, list[ReportStatus]] = defaultdict(list)
    for row in rows:
        by_kind[row.unit.kind].append(row.status)
    per_level = {kind: completeness(statuses) for kind, statuses in sorted(
        by_kind.items(), key=lambda item: _LEVEL_ORDER.get(item[0], 99))}
    return per_level, completeness(row.status for row in rows)


def status_json(session: Session, campaign: Campaign, today: date) -> dict:
    """What ``survey-app reports status --json`` prints."""
    rows = unit_rows(session, campaign, today)
    statuses = [row.status for row in rows]
    overall = completeness(statuses)
    return {
        "campaign": campaign.key,
        "today": today.isoformat(),
        "units": [
            {
                "code": row.unit.code,
                "kind": row.unit.kind,
                "deadline": row.deadline.isoformat(),
                "status": row.status.value,
                "submitted_on": row.submitted_on.isoformat() if row.submitted_on else None,
                "days_left": row.days_left,
            }
            for row in rows
        ],
        "summary": {
            "expected": overall.expected,
            "submitted": overall.submitted,
            "on_time": overall.on_time,
            "late": statuses.count(ReportStatus.SUBMITTED_LATE),
            "overdue": statuses.count(ReportStatus.OVERDUE),
            "not_due": sum(1 for row in rows if row.not_due),
        },
    }
