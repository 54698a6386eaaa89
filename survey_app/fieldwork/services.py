"""The September inspection plan: teams, visits, quota checks, and the checklists of visits.

The Office builds the plan (pages and ``survey-app plan …`` call these same functions);
inspectors see their teams' visits and fill one checklist per visit. Every object rule (this
campaign's team, a visit of one of your teams) is checked here and raises a UserError.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey_app.campaigns.config import CampaignConfig
from survey_app.campaigns.rules import (
    PlannedUnit,
    QuotaResult,
    quota_coverage,
    rules_broken_by_removal,
    unmet,
)
from survey_app.campaigns.services import config_of
from survey_app.errors import UserError
from survey_app.models import audit
from survey_app.models.base import utcnow
from survey_app.models.campaigns import (
    Campaign,
    InspectionTeam,
    InspectionVisit,
    Notification,
    VisitStatus,
    team_members,
)
from survey_app.models.responses import Channel, Response
from survey_app.models.surveys import Survey
from survey_app.models.units import Unit
from survey_app.models.users import Role, User
from survey_app.registry.services import SurveyNotFound, get_survey
from survey_app.responses.services import ResponseIdTaken, store_response
from survey_app.surveys.model import Definition, QType

#: The kind of notice a team member gets when a visit is planned for their team.
VISIT_ASSIGNED = "visit_assigned"


def visit_link(visit_id: int) -> str:
    """The address of a visit's page, as its notices keep it."""
    return f"/visits/{visit_id}"


class PlanError(UserError):
    status = 400


class VisitNotFound(UserError):
    status = 404
    message = _l("There is no such inspection visit.")


class NotYourVisit(UserError):
    status = 403
    message = _l("This visit belongs to another inspection team.")


class PlanIncomplete(UserError):
    """The plan cannot be final: ``shortfalls`` names each unmet rule."""

    status = 409

    def __init__(self, shortfalls: list[QuotaResult], locale: str | None = None):
        self.shortfalls = shortfalls
        parts = [
            _(
                "%(label)s: %(planned)d of at least %(min)d (%(missing)d more needed)",
                label=r.quota.label.get(locale),
                planned=r.planned,
                min=r.quota.min,
                missing=r.shortfall,
            )
            for r in shortfalls
        ]
        super().__init__(
            _("The plan cannot be final yet: %(rules)s.", rules="; ".join(parts))
        )


# --------------------------------------------------------------------------
# Teams
# --------------------------------------------------------------------------


def _inspector(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username.strip())).first()
    if user is None:
        raise PlanError(_("There is no user “%(name)s”.", name=username))
    if not user.is_active:
        raise PlanError(_("The account “%(name)s” is disabled.", name=username))
    if user.role != Role.INSPECTOR.value:
        raise PlanError(
            _("“%(name)s” is not an inspector: only inspectors can be in a team.", name=username)
        )
    return user


def create_team(
    session: Session,
    campaign: Campaign,
    name: str,
    leader: str,
    members: list[str] = (),
    *,
    actor=None,
) -> InspectionTeam:
    """A team with a leader and members (usernames of inspectors). Raises PlanError."""
    name = " ".join((name or "").split())
    if not name:
        raise PlanError(_("Give the team a name."))
    if len(name) > 120:
        raise PlanError(_("The team name is too long (at most 120 characters)."))
    if find_team(session, campaign, name) is not None:
        raise PlanError(_("There is already a team called “%(name)s”.", name=name))
    leader_user = _inspector(session, leader)
    people = {leader_user.id: leader_user}
    for username in members:
        if username and username.strip():
            user = _inspector(session, username)
            people[user.id] = user
    team = InspectionTeam(campaign_id=campaign.id, name=name, leader_id=leader_user.id)
    team.members = sorted(people.values(), key=lambda u: u.username)
    session.add(team)
    session.flush()
    audit.record(session, "plan.team_created", f"{campaign.key}:{name}", actor=actor,
                 leader=leader_user.username, members=[u.username for u in team.members])
    return team


def find_team(session: Session, campaign: Campaign, name: str) -> InspectionTeam | None:
    return session.scalars(
        select(InspectionTeam).where(
            InspectionTeam.campaign_id == campaign.id, InspectionTeam.name == name.strip()
        )
    ).first()


def list_teams(session: Session, campaign: Campaign) -> list[InspectionTeam]:
    return list(
        session.scalars(
            select(InspectionTeam)
            .where(InspectionTeam.campaign_id == campaign.id)
            .order_by(InspectionTeam.name)
        )
    )


def inspectors(session: Session) -> list[User]:
    """Active inspector accounts, for the team form."""
    return list(
        session.scalars(
            select(User)
            .where(User.role == Role.INSPECTOR.value, User.is_active.is_(True))
            .order_by(User.username)
        )
    )


# --------------------------------------------------------------------------
# Visits and quotas
# --------------------------------------------------------------------------


def list_visits(session: Session, campaign: Campaign) -> list[InspectionVisit]:
    return list(
        session.scalars(
            select(InspectionVisit)
            .where(InspectionVisit.campaign_id == campaign.id)
            .order_by(InspectionVisit.visit_date, InspectionVisit.id)
        )
    )


def _planned_units(session: Session, visits: list[InspectionVisit]) -> list[PlannedUnit]:
    parent_ids = {v.unit.parent_id for v in visits if v.unit.parent_id}
    parent_kinds = dict(
        session.execute(select(Unit.id, Unit.kind).where(Unit.id.in_(parent_ids))).all()
    ) if parent_ids else {}
    return [
        PlannedUnit(v.unit.code, v.unit.kind, parent_kinds.get(v.unit.parent_id))
        for v in visits
    ]


def coverage(session: Session, campaign: Campaign) -> list[QuotaResult]:
    """Each quota rule with the number of planned units that count toward it."""
    visits = list_visits(session, campaign)
    return quota_coverage(config_of(campaign).quotas, _planned_units(session, visits))


def add_visit(
    session: Session,
    campaign: Campaign,
    unit_code: str,
    team_name: str,
    visit_date: date,
    *,
    actor=None,
) -> InspectionVisit:
    """Plan a visit (allowed after the plan is final too: "units announced later").

    Raises PlanError for an unknown unit or team, a day outside the inspection window, or
    a unit already in the plan.
    """
    config = config_of(campaign)
    unit = session.scalars(select(Unit).where(Unit.code == (unit_code or "").strip())).first()
    if unit is None:
        raise PlanError(_("There is no unit with the code “%(code)s”.", code=unit_code))
    team = find_team(session, campaign, team_name or "")
    if team is None:
        raise PlanError(_("There is no team “%(name)s” in this campaign.", name=team_name))
    _check_day(config, visit_date)
    if not unit.is_active_on(visit_date):
        raise PlanError(
            _("%(unit)s is not active on %(day)s.", unit=unit.name, day=_day(visit_date))
        )
    taken = session.scalars(
        select(InspectionVisit).where(
            InspectionVisit.campaign_id == campaign.id, InspectionVisit.unit_id == unit.id
        )
    ).first()
    if taken is not None:
        raise PlanError(
            _(
                "%(unit)s is already in the plan (team “%(team)s”, %(day)s).",
                unit=unit.name,
                team=taken.team.name,
                day=_day(taken.visit_date),
            )
        )
    visit = InspectionVisit(
        campaign_id=campaign.id,
        team_id=team.id,
        unit_id=unit.id,
        visit_date=visit_date,
        created_by_id=getattr(actor, "id", None),
    )
    session.add(visit)
    session.flush()
    for member in team.members:
        session.add(
            Notification(
                user_id=member.id,
                kind=VISIT_ASSIGNED,
                params={"unit": unit.name, "date": visit_date.isoformat(), "team": team.name},
                link=visit_link(visit.id),
            )
        )
    audit.record(session, "plan.visit_added", f"{campaign.key}:{unit.code}", actor=actor,
                 team=team.name, date=visit_date.isoformat())
    return visit


def _check_day(config: CampaignConfig, day: date) -> None:
    if not config.in_window(day):
        raise PlanError(
            _(
                "The visit day must be inside the inspection window, %(start)s to %(end)s.",
                start=_day(config.window_start),
                end=_day(config.window_end),
            )
        )


def _day(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def removal_refusal(
    session: Session, campaign: Campaign, visit: InspectionVisit, *, locale=None
) -> PlanError | None:
    """Why ``visit`` cannot be taken out of the plan (its checklist was sent, or the plan
    is final and a rule would be unmet without it), or None when it can."""
    if checklist_of(session, visit) is not None:
        return PlanError(
            _("The checklist of this visit has been sent: the visit cannot be removed.")
        )
    if campaign.plan_final_at is not None:
        visits = list_visits(session, campaign)
        units = _planned_units(session, visits)
        removed = next(u for u, v in zip(units, visits, strict=True) if v.id == visit.id)
        broken = rules_broken_by_removal(config_of(campaign).quotas, units, removed)
        if broken:
            names = "; ".join(
                _("%(label)s (%(planned)d of at least %(min)d)",
                  label=r.quota.label.get(locale), planned=r.planned, min=r.quota.min)
                for r in broken
            )
            return PlanError(
                _(
                    "The plan is final and without this visit a rule would be unmet: "
                    "%(rules)s. Plan another visit first.",
                    rules=names,
                )
            )
    return None


def remove_visit(
    session: Session, campaign: Campaign, visit_id: int, *, actor=None, locale=None
) -> None:
    """Take a visit out of the plan. Raises VisitNotFound, and PlanError when its checklist
    was sent, or when the plan is final and the removal would leave a quota unmet."""
    visit = planned_visit(session, campaign, visit_id)
    refusal = removal_refusal(session, campaign, visit, locale=locale)
    if refusal is not None:
        raise refusal
    audit.record(session, "plan.visit_removed", f"{campaign.key}:{visit.unit.code}", actor=actor)
    # its notices would lead to a page that no longer exists
    session.execute(
        delete(Notification).where(
            Notification.kind == VISIT_ASSIGNED, Notification.link == visit_link(visit.id)
        )
    )
    session.delete(visit)
    session.flush()


def finalize_plan(session: Session, campaign: Campaign, *, actor=None, locale=None) -> None:
    """Mark the plan final. Raises PlanIncomplete naming each unmet rule and its shortfall."""
    missing = unmet(coverage(session, campaign))
    if missing:
        raise PlanIncomplete(missing, locale)
    if campaign.plan_final_at is None:
        campaign.plan_final_at = utcnow()
        campaign.plan_final_by_id = getattr(actor, "id", None)
        audit.record(session, "plan.finalized", campaign.key, actor=actor)
    session.flush()


# --------------------------------------------------------------------------
# Inspectors' visits and their checklists
# --------------------------------------------------------------------------


def _visits_of(user: User):
    member_teams = select(team_members.c.team_id).where(team_members.c.user_id == user.id)
    return (
        select(InspectionVisit)
        .join(InspectionTeam, InspectionTeam.id == InspectionVisit.team_id)
        .join(Campaign, Campaign.id == InspectionVisit.campaign_id)
        .where(
            Campaign.is_active.is_(True),
            or_(InspectionTeam.leader_id == user.id, InspectionTeam.id.in_(member_teams)),
        )
    )


def visits_of(session: Session, user: User) -> list[InspectionVisit]:
    """The visits of the teams ``user`` leads or belongs to, in active campaigns, by day."""
    return list(
        session.scalars(
            _visits_of(user).order_by(InspectionVisit.visit_date, InspectionVisit.id)
        )
    )


def visit_count(session: Session, user: User) -> int:
    """How many visits ``visits_of`` lists (one count query, for the home page)."""
    return session.scalar(
        select(func.count()).select_from(_visits_of(user).with_only_columns(
            InspectionVisit.id).subquery())
    ) or 0


def is_on_team(user: User, team: InspectionTeam) -> bool:
    return user.id == team.leader_id or any(m.id == user.id for m in team.members)


def visit_for(session: Session, user: User, visit_id: int, *, may_see_all: bool) -> InspectionVisit:
    """A visit ``user`` may open: one of their teams', or any for the Office and admins.

    Raises VisitNotFound, NotYourVisit.
    """
    visit = session.get(InspectionVisit, visit_id)
    if visit is None or not visit.campaign.is_active:
        raise VisitNotFound()
    if not may_see_all and not is_on_team(user, visit.team):
        raise NotYourVisit()
    return visit


@dataclass(frozen=True)
class Checklist:
    response_id: uuid.UUID
    submitted_by: str
    submitted_at: object


def checklist_of(session: Session, visit: InspectionVisit) -> Checklist | None:
    """The checklist sent for a visit (who and when), or None."""
    row = session.execute(
        select(Response.id, User.full_name, User.username, Response.submitted_at)
        .outerjoin(User, User.id == Response.submitted_by_id)
        .where(Response.visit_id == visit.id)
    ).first()
    if row is None:
        return None
    return Checklist(row.id, row.full_name or row.username or "?", row.submitted_at)


class ChecklistTaken(UserError):
    status = 409


def check_can_submit(session: Session, visit: InspectionVisit, response_id: uuid.UUID) -> bool:
    """Whether ``response_id`` may be stored for ``visit``; False for a replay of its own
    checklist. Raises ChecklistTaken when another checklist was sent for it."""
    done = checklist_of(session, visit)
    if done is None:
        return True
    if done.response_id == response_id:
        return False
    raise ChecklistTaken(
        _(
            "A checklist for this visit was already sent by %(name)s on %(when)s: "
            "there is one checklist per visit.",
            name=done.submitted_by,
            when=_moment(done.submitted_at),
        )
    )


def _moment(when) -> str:
    """A stored UTC moment in Vietnam time, as people here write it: 12/09/2017 10:30."""
    return format_datetime(when, "dd/MM/yyyy HH:mm") if when else "?"


def mark_done(session: Session, visit: InspectionVisit) -> None:
    visit.status = VisitStatus.DONE.value
    session.flush()


# --------------------------------------------------------------------------
# The plan as JSON (survey-app plan status --json)
# --------------------------------------------------------------------------


def plan_status(session: Session, campaign: Campaign, locale: str | None = "vi") -> dict:
    visits = list_visits(session, campaign)
    sent = dict(
        session.execute(
            select(Response.visit_id, Response.id).where(
                Response.visit_id.in_([v.id for v in visits])
            )
        ).all()
    ) if visits else {}
    rules = coverage(session, campaign)
    return {
        "campaign": campaign.key,
        "final": campaign.plan_final_at is not None,
        "rules": [
            {"label": r.quota.label.get(locale), "planned": r.planned, "min": r.quota.min,
             "met": r.met}
            for r in rules
        ],
        "visits": [
            {
                "unit": v.unit.code,
                "team": v.team.name,
                "date": v.visit_date.isoformat(),
                "checklist": "submitted" if v.id in sent else "draft" if v.draft else "none",
                "response_id": str(sent[v.id]) if v.id in sent else None,
            }
            for v in visits
        ],
    }


def save_draft(session: Session, visit: InspectionVisit, values: dict, *, user: User) -> None:
    """Keep the checklist's answers so far on the server (no checks: a draft may be partial).

    Raises ChecklistTaken once the checklist has been sent."""
    if checklist_of(session, visit) is not None:
        raise ChecklistTaken(
            _("The checklist of this visit has already been sent: the draft was not saved.")
        )
    visit.draft = {
        name: [str(text) for text in texts]
        for name, texts in values.items()
        if not name.startswith("_") and name != "csrf_token"
    }
    visit.draft_saved_at = utcnow()
    visit.draft_saved_by_id = user.id
    session.flush()


# --------------------------------------------------------------------------
# What the pages show: the plan, an inspector's schedule, a visit, notices
# --------------------------------------------------------------------------


class ChecklistState(StrEnum):
    NONE = "none"
    DRAFT = "draft"
    SUBMITTED = "submitted"


@dataclass(frozen=True)
class VisitRow:
    """A visit as the lists show it (the plan page, an inspector's schedule)."""

    id: int
    unit_name: str
    unit_code: str
    team_name: str
    day: date
    checklist: ChecklistState
    campaign: Campaign


def _sent(session: Session, visit_ids: list[int]) -> set[int]:
    """Which of these visits have their checklist sent (one query)."""
    if not visit_ids:
        return set()
    return set(
        session.scalars(select(Response.visit_id).where(Response.visit_id.in_(visit_ids)))
    )


def visit_rows(session: Session, visits: list[InspectionVisit]) -> list[VisitRow]:
    sent = _sent(session, [v.id for v in visits])
    return [
        VisitRow(
            id=v.id,
            unit_name=v.unit.name,
            unit_code=v.unit.code,
            team_name=v.team.name,
            day=v.visit_date,
            checklist=ChecklistState.SUBMITTED if v.id in sent
            else ChecklistState.DRAFT if v.draft else ChecklistState.NONE,
            campaign=v.campaign,
        )
        for v in visits
    ]


@dataclass(frozen=True)
class PlanOverview:
    """Everything the plan page shows of a campaign's plan."""

    campaign: Campaign
    config: CampaignConfig
    rules: list[QuotaResult]
    teams: list[InspectionTeam]
    visits: list[VisitRow]
    inspectors: list[User]

    @property
    def is_final(self) -> bool:
        return self.campaign.plan_final_at is not None

    @property
    def unmet(self) -> list[QuotaResult]:
        return unmet(self.rules)


def plan_overview(session: Session, campaign: Campaign) -> PlanOverview:
    """The quota rules (planned against minimum), the teams, the visits and the inspectors
    a team can be made of."""
    config = config_of(campaign)
    visits = list_visits(session, campaign)
    return PlanOverview(
        campaign=campaign,
        config=config,
        rules=quota_coverage(config.quotas, _planned_units(session, visits)),
        teams=list_teams(session, campaign),
        visits=visit_rows(session, visits),
        inspectors=inspectors(session),
    )


def planned_visit(session: Session, campaign: Campaign, visit_id: int) -> InspectionVisit:
    """A visit of this campaign's plan. Raises VisitNotFound (a visit of another campaign
    too: the address names the campaign)."""
    visit = session.get(InspectionVisit, visit_id)
    if visit is None or visit.campaign_id != campaign.id:
        raise VisitNotFound()
    return visit


@dataclass(frozen=True)
class Schedule:
    """An inspector's visits: today's, those to come (soonest first), those past (latest
    first)."""

    today: list[VisitRow]
    upcoming: list[VisitRow]
    past: list[VisitRow]

    @property
    def count(self) -> int:
        return len(self.today) + len(self.upcoming) + len(self.past)


def schedule_of(session: Session, user: User, today: date) -> Schedule:
    """The visits of ``user``'s teams in active campaigns, grouped around ``today``."""
    rows = visit_rows(session, visits_of(session, user))
    return Schedule(
        today=[r for r in rows if r.day == today],
        upcoming=[r for r in rows if r.day > today],
        past=sorted((r for r in rows if r.day < today), key=lambda r: (r.day, r.id),
                    reverse=True),
    )


@dataclass(frozen=True)
class VisitDetail:
    """A visit's page: the visit (with its team), its checklist once sent, its draft."""

    visit: InspectionVisit
    checklist: Checklist | None
    draft_saved_by: str | None

    @property
    def state(self) -> ChecklistState:
        if self.checklist is not None:
            return ChecklistState.SUBMITTED
        return ChecklistState.DRAFT if self.visit.draft else ChecklistState.NONE


def _name(user: User | None) -> str | None:
    return None if user is None else (user.full_name or user.username)


def visit_detail(session: Session, visit: InspectionVisit) -> VisitDetail:
    saved_by = session.get(User, visit.draft_saved_by_id) if visit.draft_saved_by_id else None
    return VisitDetail(visit, checklist_of(session, visit), _name(saved_by))


# --------------------------------------------------------------------------
# Notices of visits assigned
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    id: int
    text: str
    link: str
    visit_id: int | None


def _notice_text(notification: Notification) -> str:
    params = notification.params or {}
    try:
        day = date.fromisoformat(params.get("date", "")).strftime("%d/%m/%Y")
    except ValueError:
        day = params.get("date", "")
    return _(
        "Your team %(team)s is to inspect %(unit)s on %(day)s.",
        team=params.get("team", ""),
        unit=params.get("unit", ""),
        day=day,
    )


def _unread(user: User):
    return (
        select(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.kind == VISIT_ASSIGNED,
            Notification.read_at.is_(None),
        )
    )


def unread_notices(session: Session, user: User) -> list[Notice]:
    """``user``'s notices of visits assigned that they have not seen yet, newest first."""
    rows = session.scalars(
        _unread(user).order_by(Notification.created_at.desc(), Notification.id.desc()).limit(50)
    )
    notices = []
    for n in rows:
        tail = n.link.rsplit("/", 1)[-1]
        notices.append(Notice(n.id, _notice_text(n), n.link, int(tail) if tail.isdigit() else None))
    return notices


def unread_notice_count(session: Session, user: User) -> int:
    return session.scalar(select(func.count()).select_from(_unread(user).subquery())) or 0


def mark_notices_read(session: Session, user: User, notice_ids: list[int]) -> None:
    """Mark these notices of ``user`` as seen (another person's are left alone)."""
    if not notice_ids:
        return
    session.execute(
        update(Notification)
        .where(
            Notification.id.in_(notice_ids),
            Notification.user_id == user.id,
            Notification.read_at.is_(None),
        )
        .values(read_at=utcnow())
    )


# --------------------------------------------------------------------------
# Sending a visit's checklist
# --------------------------------------------------------------------------


def inspection_survey(session: Session, campaign: Campaign) -> Survey:
    """The campaign's inspection checklist (its ``surveys.inspection``). Raises
    SurveyNotFound."""
    key = config_of(campaign).surveys.get("inspection")
    if not key:
        raise SurveyNotFound()
    return get_survey(session, key)


#: A date question of this key in an inspection checklist opens holding the visit's day.
VISIT_DATE_QUESTION = "visit_date"


def known_answers(definition: Definition, visit: InspectionVisit) -> dict[str, list[str]]:
    """The answers a new checklist opens with because its visit already says them: the day
    of the visit (the inspectors can still change it)."""
    for question in definition.questions():  # a top-level one: not a repeat's row
        if question.key == VISIT_DATE_QUESTION and question.type is QType.DATE:
            return {question.key: [visit.visit_date.isoformat()]}
    return {}


def submit_checklist(
    session: Session,
    visit: InspectionVisit,
    *,
    survey: Survey,
    response_id: uuid.UUID,
    answers: list,
    user: User,
    today: date,
    now,
) -> bool:
    """Store the checklist of ``visit`` with its campaign, the visit and the visited unit,
    and mark the visit done. True when stored, False for a resend of this same checklist.

    Raises ChecklistTaken when another checklist was sent for the visit, ResponseIdTaken
    or ResponseIdNotYours when the submission number belongs elsewhere.
    """
    # Two members sending at once are served one after the other (a row lock on
    # PostgreSQL; SQLite has one writer), so the second hears who sent first.
    session.execute(
        select(InspectionVisit.id).where(InspectionVisit.id == visit.id).with_for_update()
    )
    is_new = check_can_submit(session, visit, response_id)
    try:
        created = store_response(
            session.connection(),
            response_id=response_id,
            version_id=survey.current_version_id,
            survey_id=survey.id,
            answers=answers,
            channel=Channel.WEB,
            today=today,
            now=now,
            unit_id=visit.unit_id,
            submitted_by_id=user.id,
            campaign_id=visit.campaign_id,
            visit_id=visit.id,
        )
    except IntegrityError:  # the unique visit_id: sent by another member in between
        raise ChecklistTaken(
            _("Another member of the team has just sent this visit's checklist. "
              "Open the visit to see who sent it.")
        ) from None
    if is_new and not created:
        # this person's submission number, stored before for no visit or another one
        raise ResponseIdTaken()
    if created:
        mark_done(session, visit)
        visit.draft = None
        visit.draft_saved_at = None
        visit.draft_saved_by_id = None
        audit.record(session, "visit.checklist_sent",
                     f"{visit.campaign.key}:{visit.unit.code}", actor=user,
                     response_id=str(response_id))
        session.flush()
    return created
