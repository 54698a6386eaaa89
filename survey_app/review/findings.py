"""Findings: written by the department that owns a content area, tied to evidence, approved
or returned by Ban Tổ chức (issue 13, item 4).

Workflow: draft → submitted → approved (locked), or submitted → returned (a reason is
required) → edited → submitted again. Every change adds a ``FindingEvent`` (who, when, from,
to, reason, and the text and evidence as they then stood); nothing here changes or removes
an event, and the database refuses to (triggers from the migration).

Who may do what is decided here, from the user and the campaign's ``content_areas`` map
(configuration: a later campaign may give an area to another department), never from what
a form says.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.campaigns.config import CampaignConfig
from survey_app.campaigns.services import config_of
from survey_app.errors import UserError
from survey_app.models import audit
from survey_app.models.base import utcnow
from survey_app.models.campaigns import Campaign, InspectionVisit, UnitReport
from survey_app.models.findings import Finding, FindingEvent, FindingKind, FindingStatus
from survey_app.models.responses import Response
from survey_app.models.units import Unit
from survey_app.models.users import Department, Role, User
from survey_app.registry.services import definition_of, get_survey
from survey_app.surveys.model import QType

MAX_TEXT = 5000
MAX_REASON = 2000
MAX_EVIDENCE = 20
KIND_ORDER = {kind.value: index for index, kind in enumerate(FindingKind)}


class FindingError(UserError):
    status = 400


class FindingNotFound(UserError):
    status = 404
    message = _l("There is no such finding in this campaign.")


class NotYourArea(UserError):
    status = 403
    message = _l("Only the department that owns this content area writes its findings.")


class OnlyOrganization(UserError):
    status = 403
    message = _l("Only the Organization department (Ban Tổ chức) approves or returns findings.")


# --------------------------------------------------------------------------
# Who may write, who may decide
# --------------------------------------------------------------------------


def owner_code(config: CampaignConfig, area: str) -> str | None:
    """The department code that owns ``area`` in this campaign."""
    return config.content_areas.get(area)


def writable_areas(user: User, config: CampaignConfig) -> list[str]:
    """The content areas whose findings ``user`` writes (a reviewer of the owning department)."""
    if user.role != Role.REVIEWER.value or user.department is None:
        return []
    return [area for area, code in config.content_areas.items() if code == user.department.code]


def check_writer(user: User, config: CampaignConfig, area: str) -> None:
    """Raise NotYourArea unless ``user`` writes the findings of ``area``."""
    if area not in writable_areas(user, config):
        raise NotYourArea()


def is_decider(user: User) -> bool:
    return user.role == Role.ORGANIZATION.value


def check_decider(user: User) -> None:
    if not is_decider(user):
        raise OnlyOrganization()


def department_names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(Department.code, Department.name)).all())


# --------------------------------------------------------------------------
# Evidence
# --------------------------------------------------------------------------


def evidence_token(item: dict) -> str:
    """The form value of an evidence item (``question:SURVEY:KEY``, ``indicator:KEY``,
    ``response:UUID``)."""
    if item["type"] == "question":
        return f"question:{item['survey']}:{item['key']}"
    if item["type"] == "indicator":
        return f"indicator:{item['key']}"
    return f"response:{item['id']}"


def _question_keys(session: Session, survey_key: str) -> set[str]:
    definition = definition_of(get_survey(session, survey_key, active_only=False).current_version)
    keys = set()
    for question in definition.all_questions():
        if question.type is QType.MATRIX:
            keys.update(row.key for row in question.rows)
        elif question.type not in (QType.NOTE, QType.REPEAT):
            keys.add(question.key)
    return keys


def campaign_response_ids(campaign: Campaign):
    """SQL: the staff responses of a campaign (checklists and sent reports) that a finding may
    cite one by one. Anonymous poll answers never can: they are only shown in totals."""
    visits = select(InspectionVisit.id).where(InspectionVisit.campaign_id == campaign.id)
    reports = select(UnitReport.response_id).where(UnitReport.campaign_id == campaign.id)
    return select(Response.id).where(  # poll answers are kept apart (poll_responses)
        (Response.campaign_id == campaign.id) | Response.visit_id.in_(visits)
        | Response.id.in_(reports),
    )


def parse_evidence(session: Session, campaign: Campaign, tokens: list[str]) -> list[dict]:
    """Evidence items from form values, each checked against the campaign. Raises
    FindingError naming the first item that does not belong to it."""
    config = config_of(campaign)
    surveys = set(config.surveys.values())
    items: list[dict] = []
    seen: set[str] = set()
    for token in tokens:
        token = (token or "").strip()
        if not token or token in seen:
            continue
        seen.add(token)
        kind, _sep, rest = token.partition(":")
        item: dict[str, Any] | None = None
        if kind == "question":
            survey_key, _sep, key = rest.partition(":")
            if survey_key in surveys and key in _question_keys(session, survey_key):
                item = {"type": "question", "survey": survey_key, "key": key}
        elif kind == "indicator":
            from survey_app.review.appendix import indicators_of

            if rest in {i.key for i in indicators_of(session, campaign)}:
                item = {"type": "indicator", "key": rest}
        elif kind == "response":
            try:
                response_id = uuid.UUID(rest)
            except ValueError:
                response_id = None
            if response_id is not None and session.scalar(
                campaign_response_ids(campaign).where(Response.id == response_id)
            ):
                item = {"type": "response", "id": str(response_id)}
        if item is None:
            raise FindingError(_("“%(item)s” is not a result, indicator or response of this "
                                 "campaign.", item=token[:80]))
        items.append(item)
    if len(items) > MAX_EVIDENCE:
        raise FindingError(_("Link at most %(n)d pieces of evidence.", n=MAX_EVIDENCE))
    return items


# --------------------------------------------------------------------------
# The workflow
# --------------------------------------------------------------------------


def _clean_text(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise FindingError(_("Write the finding."))
    if len(text) > MAX_TEXT:
        raise FindingError(_("The finding is too long (at most %(n)d characters).", n=MAX_TEXT))
    return text


def _kind(value: str | None) -> str:
    try:
        return FindingKind(value or "").value
    except ValueError:
        raise FindingError(_("Choose what kind of finding this is.")) from None


def _unit(session: Session, code: str | None) -> Unit | None:
    if not code:
        return None
    unit = session.scalars(select(Unit).where(Unit.code == code)).first()
    if unit is None:
        raise FindingError(_("There is no unit with the code %(code)s.", code=code[:40]))
    return unit


def _event(session: Session, campaign: Campaign, finding: Finding, user: User, action: str,
           from_status: str | None, reason: str | None = None) -> None:
    session.add(FindingEvent(
        finding_id=finding.id, at=utcnow(), actor_id=user.id, actor_name=user.username,
        action=action, from_status=from_status, to_status=finding.status, reason=reason,
        text=finding.text, evidence=list(finding.evidence or [])))
    audit.record(session, f"finding.{action}", f"{campaign.key}:{finding.id}",
                 actor=user, area=finding.area, kind=finding.kind, status=finding.status,
                 **({"reason": reason} if reason else {}))


def create_finding(session: Session, campaign: Campaign, *, user: User, area: str, kind: str,
                   text: str, unit_code: str | None = None,
                   evidence: list[str] | None = None) -> Finding:
    """A new draft finding. Raises NotYourArea, FindingError."""
    config = config_of(campaign)
    if area not in config.content_areas:
        raise FindingError(_("“%(area)s” is not a content area of this campaign.",
                             area=(area or "")[:10]))
    check_writer(user, config, area)
    finding = Finding(
        campaign_id=campaign.id, area=area, kind=_kind(kind), text=_clean_text(text),
        unit=_unit(session, unit_code),
        evidence=parse_evidence(session, campaign, evidence or []),
        status=FindingStatus.DRAFT.value, created_by_id=user.id)
    session.add(finding)
    session.flush()
    _event(session, campaign, finding, user, "created", None)
    session.flush()
    return finding


def _locked(finding: Finding) -> None:
    if finding.status == FindingStatus.APPROVED.value:
        raise FindingError(_("This finding is approved and locked: it can no longer be "
                             "changed."))
    if finding.status == FindingStatus.SUBMITTED.value:
        raise FindingError(_("This finding is waiting for approval: it can be changed only "
                             "after Ban Tổ chức returns it."))


def edit_finding(session: Session, campaign: Campaign, finding: Finding, *, user: User,
                 kind: str, text: str, unit_code: str | None,
                 evidence: list[str]) -> Finding:
    """Change a draft or returned finding (its status stays). Raises NotYourArea,
    FindingError."""
    check_writer(user, config_of(campaign), finding.area)
    _locked(finding)
    new_kind, new_text = _kind(kind), _clean_text(text)
    new_unit = _unit(session, unit_code)
    new_evidence = parse_evidence(session, campaign, evidence)
    if (new_kind, new_text, getattr(new_unit, "id", None), new_evidence) == (
            finding.kind, finding.text, finding.unit_id, list(finding.evidence or [])):
        return finding  # nothing changed: no history entry
    finding.kind, finding.text, finding.unit = new_kind, new_text, new_unit
    finding.evidence = new_evidence
    _event(session, campaign, finding, user, "edited", finding.status)
    session.flush()
    return finding


def submit_finding(session: Session, campaign: Campaign, finding: Finding, *,
                   user: User) -> Finding:
    """Send a draft (or a corrected returned finding) for approval. Raises NotYourArea,
    FindingError."""
    check_writer(user, config_of(campaign), finding.area)
    if finding.status == FindingStatus.SUBMITTED.value:
        raise FindingError(_("This finding has already been submitted for approval."))
    _locked(finding)
    if not finding.evidence:
        raise FindingError(_("Link the finding to its evidence (a result, an indicator or a "
                             "response) before submitting it."))
    before = finding.status
    finding.status = FindingStatus.SUBMITTED.value
    _event(session, campaign, finding, user, "submitted", before)
    session.flush()
    return finding


def approve_finding(session: Session, campaign: Campaign, finding: Finding, *,
                    user: User) -> Finding:
    """Approve a submitted finding (it is then locked). Raises OnlyOrganization,
    FindingError."""
    check_decider(user)
    if finding.status == FindingStatus.APPROVED.value:
        raise FindingError(_("This finding is already approved."))
    if finding.status != FindingStatus.SUBMITTED.value:
        raise FindingError(_("Only a finding submitted for approval can be approved."))
    finding.status = FindingStatus.APPROVED.value
    finding.return_reason = None
    _event(session, campaign, finding, user, "approved", FindingStatus.SUBMITTED.value)
    session.flush()
    return finding


def return_finding(session: Session, campaign: Campaign, finding: Finding, *, user: User,
                   reason: str) -> Finding:
    """Return a submitted finding to its department with a reason. Raises OnlyOrganization,
    FindingError."""
    check_decider(user)
    reason = (reason or "").strip()
    if finding.status == FindingStatus.APPROVED.value:
        raise FindingError(_("This finding is approved and locked: it can no longer be "
                             "returned."))
    if finding.status != FindingStatus.SUBMITTED.value:
        raise FindingError(_("Only a finding submitted for approval can be returned."))
    if len(reason) < 5:
        raise FindingError(_("Say why the finding is returned, so the department knows what "
                             "to correct."))
    if len(reason) > MAX_REASON:
        raise FindingError(_("The reason is too long (at most %(n)d characters).",
                             n=MAX_REASON))
    finding.status = FindingStatus.RETURNED.value
    finding.return_reason = reason
    _event(session, campaign, finding, user, "returned", FindingStatus.SUBMITTED.value, reason)
    session.flush()
    return finding


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------


def get_finding(session: Session, campaign: Campaign, finding_id: int) -> Finding:
    """A finding of ``campaign``. Raises FindingNotFound."""
    finding = session.get(Finding, finding_id)
    if finding is None or finding.campaign_id != campaign.id:
        raise FindingNotFound()
    return finding


def list_findings(session: Session, campaign: Campaign, *, area: str | None = None,
                  status: str | None = None) -> list[Finding]:
    stmt = select(Finding).where(Finding.campaign_id == campaign.id)
    if area:
        stmt = stmt.where(Finding.area == area)
    if status:
        stmt = stmt.where(Finding.status == status)
    findings = list(session.scalars(stmt))
    findings.sort(key=lambda f: (f.area, KIND_ORDER.get(f.kind, 99), f.unit_id or 0, f.id))
    return findings


def histories(session: Session, findings: list[Finding]) -> dict[int, list[FindingEvent]]:
    """Each finding's history, oldest first (one query)."""
    result: dict[int, list[FindingEvent]] = {f.id: [] for f in findings}
    if not findings:
        return result
    for event in session.scalars(
        select(FindingEvent).where(FindingEvent.finding_id.in_(list(result)))
        .order_by(FindingEvent.at, FindingEvent.id)
    ):
        result[event.finding_id].append(event)
    return result


def findings_json(session: Session, campaign: Campaign) -> list[dict]:
    """What ``survey-app findings list --json`` prints."""
    findings = list_findings(session, campaign)
    events = histories(session, findings)
    return [
        {
            "id": finding.id,
            "area": finding.area,
            "kind": finding.kind,
            "unit": finding.unit.code if finding.unit else None,
            "status": finding.status,
            "text": finding.text,
            "evidence": list(finding.evidence or []),
            "history": [
                {"at": event.at.isoformat(), "by": event.actor_name,
                 "from": event.from_status, "to": event.to_status, "reason": event.reason}
                for event in events[finding.id]
            ],
        }
        for finding in findings
    ]
