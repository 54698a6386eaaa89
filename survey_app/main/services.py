"""What the home page offers each person: groups of tiles built from the role's permissions.

A tile is a link to a piece of work. To offer a new kind of work (a campaign's visits, a unit's
own report), write a builder that returns its tiles and add it to ``GROUPS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from flask_babel import LazyString, format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.access import Perm, has_perm, may_respond
from survey_app.campaigns.services import list_campaigns
from survey_app.fieldwork import services as fieldwork
from survey_app.models.campaigns import Campaign
from survey_app.models.surveys import Survey
from survey_app.registry.services import definition_of, response_counts
from survey_app.surveys.model import Audience


@dataclass(frozen=True)
class Tile:
    title: str
    description: str
    #: Where it leads, as ``url_for(endpoint, **values)``: the page builds the address.
    endpoint: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TileGroup:
    key: str
    title: str
    tiles: list[Tile]


@dataclass(frozen=True)
class SurveyInfo:
    key: str
    title: str
    audience: str
    is_active: bool
    responses: int


@dataclass
class HomeContext:
    """What the builders share, each part read once per page and only when a builder asks."""

    session: Session
    user: object
    locale: str

    @cached_property
    def surveys(self) -> list[SurveyInfo]:
        return survey_infos(self.session, self.locale)

    @cached_property
    def campaigns(self) -> list[Campaign]:
        """The active campaigns (one query, for every builder that needs them)."""
        return list_campaigns(self.session)

    def can(self, perm: Perm) -> bool:
        return has_perm(self.user, perm)


def survey_infos(session: Session, locale: str) -> list[SurveyInfo]:
    """Every survey that has a current version, titled in ``locale``, with its response count.

    Two queries (a definition not yet cached costs one more, once per version).
    """
    surveys = session.scalars(
        select(Survey).where(Survey.current_version_id.is_not(None)).order_by(Survey.key)
    ).all()
    counts = response_counts(session)  # staff responses, or a poll's anonymous ones
    infos = []
    for survey in surveys:
        definition = definition_of(survey.current_version)
        infos.append(
            SurveyInfo(
                key=survey.key,
                title=definition.title.get(locale) or survey.title,
                audience=survey.audience,
                is_active=survey.is_active,
                responses=counts.get(survey.id, 0),
            )
        )
    return infos


def form_tiles(ctx: HomeContext) -> list[Tile]:
    """The staff surveys this person fills in (an inspector the checklists, a reporter the
    unit report, the Office and administrators both)."""
    if not ctx.can(Perm.SURVEYS_RESPOND):
        return []
    # A unit's reporter files a campaign's unit report on the campaign's report page (tied
    # to the campaign and its deadline), not as a free-standing form.
    filed_in_campaigns = set()
    if ctx.can(Perm.REPORTS_FILE) and ctx.user.role == "reporter":
        from survey_app.campaigns.services import config_of

        filed_in_campaigns = {config_of(c).surveys.get("unit_report") for c in ctx.campaigns}
    return [
        Tile(s.title, _("Fill in this form"), "catalog.fill", {"key": s.key})
        for s in ctx.surveys
        if s.is_active and may_respond(ctx.user, s.audience) and s.key not in filed_in_campaigns
    ]


def report_tiles(ctx: HomeContext) -> list[Tile]:
    """A unit's own report in each campaign and the reports of the units under it; for the
    Office, administrators and departments, how the reports are coming in (issue 11)."""
    if not ctx.can(Perm.REPORTS_READ) or not ctx.campaigns:
        return []
    from survey_app.localtime import local_today
    from survey_app.reports.services import home_links

    return [Tile(*link) for link in home_links(ctx.session, ctx.user, ctx.campaigns,
                                               local_today(), ctx.locale)]


def result_tiles(ctx: HomeContext) -> list[Tile]:
    """For readers: each staff survey's responses and each poll's results; a survey whose
    file was removed stays while it has responses."""
    if not ctx.can(Perm.RESPONSES_VIEW):
        return []
    tiles = []
    for s in ctx.surveys:
        if not (s.is_active or s.responses):
            continue
        count = format_decimal(s.responses)
        if s.audience == Audience.WORKER_POLL.value:
            tiles.append(Tile(
                s.title,
                ngettext("Poll results: %(count)s answer", "Poll results: %(count)s answers",
                         s.responses, count=count),
                "polls.results",
                {"key": s.key},
            ))
        else:
            tiles.append(Tile(
                s.title,
                ngettext("%(count)s response, by unit", "%(count)s responses, by unit",
                         s.responses, count=count),
                "catalog.list_responses",
                {"key": s.key},
            ))
    return tiles


#: (permission, title, description, endpoint) of the lists and settings, in this order.
LIST_TILES = (
    (Perm.SURVEYS_PREVIEW, _l("Surveys"), _l("Survey definitions and previews"),
     "catalog.list_surveys"),
    (Perm.POLLS_MANAGE, _l("Poll links"), _l("QR codes and posters for worker polls"),
     "polls.list_links"),
    (Perm.UNITS_VIEW, _l("Units"), _l("The union hierarchy of the province"),
     "admin.list_units"),
    (Perm.USERS_MANAGE, _l("Users"), _l("Accounts and roles"), "admin.list_users"),
)


def list_tiles(ctx: HomeContext) -> list[Tile]:
    return [
        Tile(str(title), str(description), endpoint)
        for perm, title, description, endpoint in LIST_TILES
        if ctx.can(perm)
    ]


def inspection_tiles(ctx: HomeContext) -> list[Tile]:
    """An inspector's own visits (with new notices); for the Office and administrators,
    the inspection plan of each active campaign."""
    tiles = []
    if ctx.can(Perm.PLAN_MANAGE):
        for campaign in ctx.campaigns:
            tiles.append(Tile(
                _("Inspection plan: %(campaign)s", campaign=campaign.display_name(ctx.locale)),
                _("The plan is final") if campaign.plan_final_at
                else _("Teams, visits and minimum visits"),
                "fieldwork.show_plan",
                {"key": campaign.key},
            ))
    elif ctx.can(Perm.VISITS_CONDUCT):
        visits = fieldwork.visit_count(ctx.session, ctx.user)
        unread = fieldwork.unread_notice_count(ctx.session, ctx.user)
        parts = [ngettext("%(num)d visit", "%(num)d visits", visits)]
        if unread:
            parts.append(ngettext("%(num)d new notice", "%(num)d new notices", unread))
        tiles.append(Tile(_("My inspection visits"), " · ".join(parts), "fieldwork.my_visits"))
    return tiles


#: The home page's groups, in order: (key, heading, builder).
GROUPS: tuple[tuple[str, LazyString, Callable[[HomeContext], list[Tile]]], ...] = (
    ("inspections", _l("Inspections"), inspection_tiles),
    ("reports", _l("Unit reports"), report_tiles),
    ("forms", _l("Forms to fill in"), form_tiles),
    ("results", _l("Responses and results"), result_tiles),
    ("lists", _l("Lists and settings"), list_tiles),
)


def home_tiles(session: Session, user, *, locale: str) -> list[TileGroup]:
    """The groups of tiles ``user`` may use, empty groups left out."""
    ctx = HomeContext(session, user, locale)
    groups = [TileGroup(key, str(title), build(ctx)) for key, title, build in GROUPS]
    return [g for g in groups if g.tiles]
