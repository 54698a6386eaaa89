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
from flask_babel import ngettext
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
from survey_app.surveys.model import Definition
from survey_app.surveys.numbers import format_number
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


def check_may_file(access: Access) -> None:
    """Only a unit's own reporter writes and sends its report. Raises NotYourReport."""
    _require(access, Access.FILE)


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
    report.draft = answer_fields(values)
    report.draft_saved_at = utcnow()
    session.flush()
    return report


def answer_fields(values: dict) -> dict[str, list[str]]:
    """The answers of a posted form, without its controls (CSRF token, response id...)."""
    return {name: [str(text) for text in texts] for name, texts in values.items()
            if not name.startswith("_") and name != "csrf_token"}


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
    send_report(session, campaign, unit, response_id, answers, version_id=version_id,
                survey_id=survey_id, user=user, access=access, today=today, now=now)
    return report_of(session, campaign, unit)


def send_report(session: Session, campaign: Campaign, unit: Unit, response_id: uuid.UUID,
                answers, *, version_id: int, survey_id: int, user: User, access: Access,
                today: date, now: datetime) -> bool:
    """``submit_report`` for a form's POST: True when the answers were stored now, False
    for a replay of the report already sent with ``response_id``. Raises ReportError,
    NotYourReport, ReplayRefused."""
    from survey_app.models.responses import Channel
    from survey_app.responses.services import ResponseIdTaken, store_response

    if not prepare_submission(session, campaign, unit, response_id, access=access, today=today):
        return False
    stored = store_response(
        session.connection(), response_id=response_id, version_id=version_id,
        survey_id=survey_id, answers=answers, channel=Channel.WEB, today=today, now=now,
        unit_id=unit.id, submitted_by_id=user.id, campaign_id=campaign.id)
    if not stored:
        # The id is one of this person's other responses (an earlier sending of this report,
        # a form filled outside the campaign): taking it would drop the answers just sent.
        raise ResponseIdTaken()
    record_submission(session, campaign, unit, response_id, user=user, today=today, now=now)
    return True


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
    #: units under it that sent their report / that owe one
    reported: int
    expected: int
    #: of the reports sent, how many give a figure for this indicator (the sums are theirs)
    answered: int = 0


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
        answered = dict(session.execute(
            select(Answer.question_key, func.count(func.distinct(Answer.response_id)))
            .where(Answer.response_id.in_(response_ids),
                   Answer.question_key.in_(indicator_keys),
                   Answer.value_number.is_not(None), Answer.repeat_index.is_(None))
            .group_by(Answer.question_key)
        ).all())
    else:
        answered = {}
    result = {}
    for key in indicator_keys:
        baseline = sums.get((key, "baseline"))
        current = sums.get((key, None))
        result[key] = ChildSum(
            baseline=baseline[0] if baseline else None,
            current=current[0] if current else None,
            reported=len(response_ids),
            expected=len(owing),
            answered=answered.get(key, 0),
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


# --------------------------------------------------------------------------
# What the report pages show
# --------------------------------------------------------------------------

STATUS_LABELS = {
    ReportStatus.NOT_STARTED: _l("Not started"),
    ReportStatus.DRAFT: _l("Draft"),
    ReportStatus.RETURNED: _l("Returned for correction"),
    ReportStatus.SUBMITTED: _l("Sent on time"),
    ReportStatus.SUBMITTED_LATE: _l("Sent late"),
    ReportStatus.OVERDUE: _l("Overdue, not sent"),
}

#: A mark for each status that a person tells apart without colour (the page adds the words).
STATUS_MARKS = {
    ReportStatus.NOT_STARTED: "○",
    ReportStatus.DRAFT: "✎",
    ReportStatus.RETURNED: "↩",
    ReportStatus.SUBMITTED: "✓",
    ReportStatus.SUBMITTED_LATE: "✓",
    ReportStatus.OVERDUE: "!",
}

EVENT_LABELS = {
    "submitted": _l("Sent"),
    "resubmitted": _l("Sent again after correction"),
    "returned": _l("Returned for correction"),
    "attached": _l("Signed document attached"),
}


def status_label(status: ReportStatus | str) -> str:
    return str(STATUS_LABELS[ReportStatus(status)])


def event_label(action: str) -> str:
    label = EVENT_LABELS.get(action)
    return str(label) if label is not None else action


@dataclass(frozen=True)
class ReportSummary:
    """Where one unit's report stands today."""

    unit: Unit
    access: Access
    report: UnitReport | None
    deadline: Deadline
    #: None when units of this kind (or this unit, not active then) owe no report
    status: ReportStatus | None

    @property
    def is_sent(self) -> bool:
        return self.report is not None and self.report.state == ReportState.SUBMITTED

    @property
    def is_late(self) -> bool:
        return self.status == ReportStatus.SUBMITTED_LATE

    @property
    def may_file(self) -> bool:
        """Whether this user fills in the form now (own unit, not sent)."""
        return self.access == Access.FILE and not self.is_sent and self.deadline.due is not None

    @property
    def may_return(self) -> bool:
        return self.access == Access.REVIEW and self.is_sent


def summary_of(session: Session, campaign: Campaign, unit: Unit, access: Access,
               today: date) -> ReportSummary:
    config = config_of(campaign)
    report = report_of(session, campaign, unit)
    deadline = deadline_of(config, unit, today)
    status = None
    if deadline.due is not None:
        status = report_status(config, unit.kind, report.state if report else None,
                               report.first_submitted_on if report else None, today)
    return ReportSummary(unit=unit, access=access, report=report, deadline=deadline,
                         status=status)


@dataclass(frozen=True)
class ReportForm:
    survey_id: int
    version_id: int
    definition: Definition
    version: int  # the version's number, shown with an answer waiting on the phone


def report_form(session: Session, campaign: Campaign) -> ReportForm:
    """The campaign's unit report form (its current version). Raises ReportError."""
    from survey_app.registry.services import SurveyNotFound, definition_of, get_survey

    key = config_of(campaign).surveys.get("unit_report")
    try:
        survey = get_survey(session, key) if key else None
    except SurveyNotFound:
        survey = None
    if survey is None:
        raise ReportError(_("This campaign has no unit report form."))
    return ReportForm(survey.id, survey.current_version_id, definition_of(survey.current_version),
                      survey.current_version.number)


def sent_answers(session: Session, report: UnitReport | None):
    """(definition, values) of the answers last sent, as they were sent; None if none."""
    from survey_app.models.responses import Response
    from survey_app.registry.services import definition_of
    from survey_app.responses.services import answers_of, stored_values

    if report is None or report.response_id is None:
        return None
    response = session.get(Response, report.response_id)
    if response is None:
        return None
    definition = definition_of(response.version)
    return definition, stored_values(definition, answers_of(session, response.id))


def start_values(session: Session, report: UnitReport | None,
                 definition) -> dict[str, list[str]]:
    """What the reporter's form starts from: the draft kept on the server, else (a returned
    report) the answers last sent, else the form's defaults."""
    from survey_app.surveys.numbers import input_text
    from survey_app.surveys.rendering import default_values

    if report is not None and report.draft:
        return {name: list(texts) for name, texts in report.draft.items()}
    sent = sent_answers(session, report) if report is not None else None
    if sent is not None:
        _definition, values = sent
        return {
            name: [input_text(v) if isinstance(v, int | float) else str(v) for v in items]
            for name, items in values.items()
        }
    return default_values(definition)


def indicator_keys(definition) -> list[str]:
    """The data appendix's figures an upper level can add up (indicators outside repeats)."""
    from survey_app.surveys.model import QType

    return [q.key for q in definition.questions() if q.type is QType.INDICATOR]


def children_notes(session: Session, campaign: Campaign, unit: Unit,
                   definition) -> dict[str, ChildSum]:
    """Each indicator's sums from the units under ``unit``; empty when none owes a report."""
    sums = children_sums(session, campaign, unit, indicator_keys(definition))
    if not sums or next(iter(sums.values())).expected == 0:
        return {}
    return sums


def prefill_from_children(session: Session, campaign: Campaign, unit: Unit, values: dict,
                          definition, *, user: User, access: Access,
                          today: date) -> tuple[UnitReport, list[str]]:
    """Fill each empty indicator figure of ``values`` with the sum of the units under
    ``unit`` and keep the result as the draft; a figure nobody sent stays empty. Returns the
    report and the fields filled. Raises ReportError, NotYourReport."""
    from survey_app.surveys.numbers import input_text

    _require(access, Access.FILE)
    merged = answer_fields(values)
    filled = []
    for key, sums in children_sums(session, campaign, unit, indicator_keys(definition)).items():
        for name, total in ((f"{key}.baseline", sums.baseline), (key, sums.current)):
            if total is None or any(text.strip() for text in merged.get(name, [])):
                continue
            merged[name] = [input_text(int(total) if float(total).is_integer() else total)]
            filled.append(name)
    report = save_draft(session, campaign, unit, merged, user=user, access=access, today=today)
    return report, filled


def attachment_file(folder: Path, attachment: ReportAttachment) -> Path:
    """Where a kept document is (its random name, never a path from outside)."""
    return folder / Path(attachment.stored_name).name


# --------------------------------------------------------------------------
# The dashboard's scope and filters
# --------------------------------------------------------------------------


def report_scope(session: Session, user: User) -> set[int] | None:
    """The units whose reports ``user`` follows on the dashboard: all (None) for the Office,
    administrators and departments, the units under their own for a unit's reporter.
    Raises NotYourReport."""
    if sees_everything(user) or user.role in (Role.REVIEWER.value, Role.ORGANIZATION.value):
        return None
    if user.role == Role.REPORTER.value:
        if user.unit_id is None:
            return set()
        return set(session.scalars(subtree_query(user.unit_id))) - {user.unit_id}
    raise NotYourReport()


@dataclass(frozen=True)
class Filters:
    level: str = ""
    branch: str = ""
    status: str = ""

    @classmethod
    def read(cls, args) -> Filters:
        def value(name: str, allowed) -> str:
            text = (args.get(name) or "").strip()[:40]
            return text if allowed(text) else ""

        return cls(
            level=value("level", lambda t: t in {k.value for k in UnitKind}),
            branch=value("district", bool),
            status=value("status", lambda t: t in {s.value for s in ReportStatus}),
        )

    @property
    def active(self) -> bool:
        return bool(self.level or self.branch or self.status)


def filter_rows(rows: list[UnitRow], filters: Filters, *,
                with_status: bool = True) -> list[UnitRow]:
    """The rows the filters keep (``with_status=False``: all statuses, for the figures)."""
    return [
        row for row in rows
        if (not filters.level or row.unit.kind == filters.level)
        and (not filters.branch or (row.branch is not None and row.branch.code == filters.branch))
        and (not with_status or not filters.status or row.status == filters.status)
    ]


def filter_choices(rows: list[UnitRow]) -> tuple[list[str], list[Unit]]:
    """The levels and the districts (branches) that the rows have, in order."""
    from survey_app.units.services import vietnamese_key

    levels = sorted({row.unit.kind for row in rows}, key=lambda k: _LEVEL_ORDER.get(k, 99))
    branches = {row.branch.id: row.branch for row in rows if row.branch is not None}
    ordered = sorted(branches.values(),
                     key=lambda u: (_LEVEL_ORDER.get(u.kind, 99), vietnamese_key(u.name)))
    return levels, ordered


# --------------------------------------------------------------------------
# The home page: one's own report, the units under one's own, the province
# --------------------------------------------------------------------------


def own_reports(session: Session, user: User, campaigns: list[Campaign],
                today: date) -> list[tuple[Campaign, ReportSummary]]:
    """For a unit's reporter: their unit's report in each campaign in which it owes one."""
    if user.role != Role.REPORTER.value or user.unit_id is None:
        return []
    unit = session.get(Unit, user.unit_id)
    out = []
    for campaign in campaigns:
        summary = summary_of(session, campaign, unit, Access.FILE, today)
        if summary.status is not None and summary.deadline.owes:
            out.append((campaign, summary))
    return out


def progress(session: Session, campaign: Campaign, today: date,
             scope: set[int] | None) -> tuple[Completeness, int]:
    """The completeness figures of the reports within ``scope`` (None: all), and how many
    are overdue."""
    statuses = [row.status for row in unit_rows(session, campaign, today, scope=scope)]
    return completeness(statuses), statuses.count(ReportStatus.OVERDUE)


def days_text(left: int) -> str:
    """Days to a deadline as people say it: 5 days left, due today, overdue by 3 days."""
    if left > 0:
        return ngettext("%(days)s day left", "%(days)s days left", left,
                        days=format_number(left))
    if left == 0:
        return _("due today")
    return ngettext("overdue by %(days)s day", "overdue by %(days)s days", -left,
                    days=format_number(-left))


def home_links(session: Session, user: User, campaigns: list[Campaign], today: date,
               locale: str | None) -> list[tuple[str, str, str, dict[str, str]]]:
    """The home page's report tiles, (title, description, endpoint, values): a reporter's
    own report in each campaign, with its status and days left, and for an upper level the
    reports of the units under it; the Office, administrators and departments how the
    reports are coming in."""
    links = []
    for campaign, summary in own_reports(session, user, campaigns, today):
        state = status_label(summary.status)
        if summary.status == ReportStatus.OVERDUE:
            not_sent = _("Not sent")
            state = f"{not_sent} · {days_text(summary.deadline.days_left)}"
        elif not summary.is_sent:
            state = f"{state} · {days_text(summary.deadline.days_left)}"
        links.append((_("Your unit's report"), f"{campaign.display_name(locale)}: {state}",
                      "reports.show_report", {"key": campaign.key}))
    try:
        scope = report_scope(session, user)
    except NotYourReport:
        return links
    for campaign in campaigns:
        figures, overdue = progress(session, campaign, today, scope)
        if scope is not None and not figures.expected:
            continue  # a unit with nobody under it that reports
        title = _("Report submission status") if scope is None else \
            _("Reports of the units under yours")
        sent = _("%(submitted)s of %(expected)s sent", submitted=format_number(figures.submitted),
                 expected=format_number(figures.expected))
        if overdue:
            sent += " · " + ngettext("%(num)d overdue", "%(num)d overdue", overdue)
        links.append((title, f"{campaign.display_name(locale)}: {sent}", "reports.list_reports",
                      {"key": campaign.key}))
    return links
