"""Campaigns in the database: loading the files, listing, reading one, copying one."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.campaigns.config import (
    SURVEY_ROLES,
    CampaignConfig,
    as_yaml,
    from_data,
    load_campaign,
    load_campaign_file,
)
from survey_app.errors import UserError
from survey_app.models import audit
from survey_app.models.campaigns import Campaign, CampaignSource
from survey_app.models.surveys import Survey
from survey_app.models.users import Department
from survey_app.surveys.loader import DefinitionError, Problem

CAMPAIGN_SUFFIXES = (".yaml", ".yml")


class CampaignNotFound(UserError):
    status = 404
    message = _l("There is no such campaign.")


class CampaignInvalid(UserError):
    """A campaign text with problems; ``problems`` says each, with its line."""

    status = 400
    message = _l("The campaign was not saved: fix the problems listed.")

    def __init__(self, problems: list[Problem]):
        super().__init__()
        self.problems = problems


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def campaign_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(
        p for p in directory.iterdir()
        if p.suffix in CAMPAIGN_SUFFIXES and p.is_file() and not p.name.startswith(".")
    )


def sync_campaigns(session: Session, directory: Path, *, actor=None) -> SyncReport:
    """Load every campaign file of ``directory``; a broken file is left out, the rest load.

    An unchanged file changes nothing. A campaign whose file is gone is deactivated (its
    plan, reports and responses stay). Campaigns made in the admin pages are left alone.
    """
    report = SyncReport()
    seen: set[str] = set()
    for path in campaign_files(directory):
        try:
            config = load_campaign_file(path)
            check_references(session, config, str(path))
        except DefinitionError as exc:
            report.problems.extend(exc.problems)
            seen.add(path.stem)  # a broken file keeps its campaign as it was
            continue
        seen.add(config.key)
        existing = _find(session, config.key)
        if existing is not None and existing.source != CampaignSource.FILE.value:
            report.problems.append(Problem(str(path), None, None, _(
                "The key “%(key)s” is already used by a campaign made in the admin pages; "
                "rename the file and its key.", key=config.key)))
            continue
        outcome = _store(session, existing, config, CampaignSource.FILE)
        getattr(report, outcome).append(config.key)
        if outcome != "unchanged":
            audit.record(session, f"campaign.{outcome}", config.key, actor=actor,
                         content_hash=config.content_hash)
    for campaign in session.scalars(
        select(Campaign).where(
            Campaign.is_active.is_(True), Campaign.source == CampaignSource.FILE.value
        )
    ):
        if campaign.key not in seen:
            campaign.is_active = False
            report.deactivated.append(campaign.key)
            audit.record(session, "campaign.deactivated", campaign.key, actor=actor)
    session.flush()
    return report


def check_references(session: Session, config: CampaignConfig, source: str) -> None:
    """The surveys and departments a campaign names must exist. Raises DefinitionError."""
    problems = []
    surveys = {s.key: s for s in session.scalars(
        select(Survey).where(Survey.key.in_(list(config.surveys.values()))))}
    for role in SURVEY_ROLES:
        key = config.surveys.get(role)
        if key is None:
            continue
        survey = surveys.get(key)
        if survey is None or not survey.is_active:
            problems.append(Problem(source, None, f"surveys.{role}", _(
                "There is no survey “%(key)s” (is its file in surveys/ and synced?).", key=key)))
        elif survey.audience != role:
            problems.append(Problem(source, None, f"surveys.{role}", _(
                "The survey “%(key)s” is for “%(audience)s”, not for “%(role)s”.",
                key=key, audience=survey.audience, role=role)))
    codes = set(session.scalars(select(Department.code)))
    for area, code in config.content_areas.items():
        if code not in codes:
            problems.append(Problem(source, None, f"content_areas.{area}", _(
                "There is no department with the code “%(code)s”.", code=code)))
    if problems:
        raise DefinitionError(problems)


def _find(session: Session, key: str) -> Campaign | None:
    return session.scalars(select(Campaign).where(Campaign.key == key)).first()


def _store(session: Session, campaign: Campaign | None, config: CampaignConfig,
           source: CampaignSource) -> str:
    if campaign is not None and campaign.content_hash == config.content_hash:
        if campaign.is_active:
            return "unchanged"
        campaign.is_active = True
        return "updated"
    created = campaign is None
    if created:
        campaign = Campaign(key=config.key, source=source.value)
        session.add(campaign)
    campaign.name, campaign.name_en = config.name.vi, config.name.en
    campaign.resolution = config.resolution
    campaign.starts, campaign.ends = config.starts, config.ends
    campaign.config = dict(config.data)
    campaign.content_hash = config.content_hash
    campaign.is_active = True
    session.flush()
    return "created" if created else "updated"


def list_campaigns(session: Session, *, active_only: bool = True) -> list[Campaign]:
    stmt = select(Campaign).order_by(Campaign.starts.desc(), Campaign.key)
    if active_only:
        stmt = stmt.where(Campaign.is_active.is_(True))
    return list(session.scalars(stmt))


def get_campaign(session: Session, key: str, *, active_only: bool = True) -> Campaign:
    """The campaign with ``key``. Raises CampaignNotFound."""
    campaign = _find(session, key)
    if campaign is None or (active_only and not campaign.is_active):
        raise CampaignNotFound()
    return campaign


_CONFIGS: dict[tuple[str, str], CampaignConfig] = {}
_CONFIGS_MAX = 64


def config_of(campaign: Campaign) -> CampaignConfig:
    """The checked configuration a campaign row holds, parsed once per content.

    Keyed by the content as compact JSON (a fraction of a millisecond; a page asks a dozen
    times): a changed campaign has another key, so nothing stale is returned.
    """
    key = (campaign.key, json.dumps(campaign.config, sort_keys=True, default=str))
    config = _CONFIGS.get(key)
    if config is None:
        if len(_CONFIGS) >= _CONFIGS_MAX:
            _CONFIGS.clear()
        config = _CONFIGS[key] = from_data(campaign.config, campaign.key)
    return config


def copy_text(campaign: Campaign, new_key: str) -> str:
    """The YAML a copy starts from: the campaign's content with ``new_key``."""
    data = {**campaign.config, "key": new_key}
    return as_yaml(data)


def create_from_text(session: Session, text: str, *, actor=None) -> Campaign:
    """Save a campaign written (or copied) in the admin pages. Raises CampaignInvalid."""
    source = _("campaign")
    try:
        config = load_campaign(text, source)
        check_references(session, config, source)
    except DefinitionError as exc:
        raise CampaignInvalid(exc.problems) from None
    if _find(session, config.key) is not None:
        raise CampaignInvalid([Problem(source, None, "key", _(
            "A campaign with the key “%(key)s” already exists; choose another key.",
            key=config.key))])
    campaign = Campaign(key=config.key, source=CampaignSource.ADMIN.value)
    session.add(campaign)
    _store(session, campaign, config, CampaignSource.ADMIN)
    audit.record(session, "campaign.created", config.key, actor=actor, source="admin")
    return campaign
