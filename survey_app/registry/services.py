"""Loading survey definitions from files into versioned rows, and back into definitions."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from survey_app.errors import UserError
from survey_app.models import audit
from survey_app.models.polls import PollResponse
from survey_app.models.responses import Response
from survey_app.models.surveys import Survey, SurveyVersion
from survey_app.surveys.loader import DefinitionError, Problem, load_definition, load_file
from survey_app.surveys.model import Definition

SURVEY_SUFFIXES = (".yaml", ".yml")


class SurveyNotFound(UserError):
    status = 404
    message = _l("There is no such survey.")


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def survey_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.suffix in SURVEY_SUFFIXES and p.is_file())


def read_definitions(directory: Path) -> tuple[list[tuple[Definition, str]], list[Problem]]:
    """Every valid definition in ``directory`` with its text, and the problems of the others."""
    loaded, problems = [], []
    for path in survey_files(directory):
        try:
            definition = load_file(path)  # also refuses files that are not UTF-8 text
        except DefinitionError as exc:
            problems.extend(exc.problems)
        else:
            loaded.append((definition, path.read_text(encoding="utf-8-sig")))
    return loaded, problems


def sync_surveys(session: Session, directory: Path, *, actor=None) -> SyncReport:
    """Load the files of ``directory`` as survey versions; invalid files are left out.

    Unchanged: nothing happens. Changed with no responses: the version is replaced.
    Changed with responses: a new version, and old responses keep theirs.
    """
    report = SyncReport()
    loaded, report.problems = read_definitions(directory)
    broken_keys = {Path(p.file).stem for p in report.problems}
    for definition, text in loaded:
        outcome = sync_definition(session, definition, text)
        getattr(report, outcome).append(definition.key)
        if outcome != "unchanged":
            audit.record(
                session,
                f"survey.{outcome}",
                definition.key,
                actor=actor,
                content_hash=definition.content_hash,
            )
    present = {d.key for d, _ in loaded} | broken_keys
    for survey in session.scalars(select(Survey).where(Survey.is_active.is_(True))):
        if survey.key not in present:
            survey.is_active = False
            report.deactivated.append(survey.key)
    session.flush()
    return report


def sync_definition(session: Session, definition: Definition, text: str) -> str:
    """Bring one survey up to ``definition``; return what happened (a SyncReport field)."""
    survey = session.scalars(select(Survey).where(Survey.key == definition.key)).first()
    if survey is None:
        survey = Survey(
            key=definition.key, title=definition.title.vi, audience=definition.audience.value
        )
        session.add(survey)
        session.flush()
        _set_current(survey, _new_version(session, survey, definition, text, number=1))
        return "created"
    survey.title, survey.audience, survey.is_active = (
        definition.title.vi,
        definition.audience.value,
        True,
    )
    current = survey.current_version
    if current is not None and current.content_hash == definition.content_hash:
        return "unchanged"
    earlier = session.scalars(
        select(SurveyVersion).where(
            SurveyVersion.survey_id == survey.id,
            SurveyVersion.content_hash == definition.content_hash,
        )
    ).first()
    if earlier is not None:  # the file went back to an earlier version
        _set_current(survey, earlier)
        return "new_versions"
    if current is not None and not _has_responses(session, current):
        current.source_text, current.content_hash = text, definition.content_hash
        session.flush()
        return "replaced"
    number = (
        session.scalar(
            select(func.max(SurveyVersion.number)).where(SurveyVersion.survey_id == survey.id)
        )
        or 0
    )
    _set_current(survey, _new_version(session, survey, definition, text, number=number + 1))
    return "new_versions"


def _new_version(session, survey, definition, text, *, number) -> SurveyVersion:
    version = SurveyVersion(
        survey_id=survey.id, number=number, content_hash=definition.content_hash, source_text=text
    )
    session.add(version)
    session.flush()
    return version


def _set_current(survey: Survey, version: SurveyVersion) -> None:
    survey.current_version = version
    survey.current_version_id = version.id


def _has_responses(session: Session, version: SurveyVersion) -> bool:
    """Staff or anonymous: either kind keeps its version's questions."""
    return any(
        session.scalar(select(table.id).where(table.survey_version_id == version.id).limit(1))
        is not None
        for table in (Response, PollResponse)
    )


#: Parsed definitions by (version id, content hash). A version's text only changes when a
#: sync replaces it before any response used it, and then its hash changes too.
_DEFINITIONS: dict[tuple[int, str], Definition] = {}
_DEFINITIONS_MAX = 128


def definition_of(version: SurveyVersion) -> Definition:
    """The definition a version was synced with (built once per version and cached)."""
    return definition_of_version(version.id, version.content_hash, lambda: version)


def definition_of_version(
    version_id: int, content_hash: str, load: Callable[[], SurveyVersion]
) -> Definition:
    """The cached definition of a version; ``load`` gives the version on a cache miss only."""
    key = (version_id, content_hash)
    definition = _DEFINITIONS.get(key)
    if definition is None:
        version = load()
        definition = load_definition(
            version.source_text, f"{version.survey.key} v{version.number}"
        )
        if len(_DEFINITIONS) >= _DEFINITIONS_MAX:
            _DEFINITIONS.clear()
        _DEFINITIONS[key] = definition
    return definition


def get_survey(session: Session, key: str, *, active_only: bool = True) -> Survey:
    """The survey with ``key`` that has a current version. Raises SurveyNotFound."""
    stmt = select(Survey).where(Survey.key == key)
    if active_only:
        stmt = stmt.where(Survey.is_active.is_(True))
    survey = session.scalars(stmt).first()
    if survey is None or survey.current_version is None:
        raise SurveyNotFound()
    return survey


def list_surveys(session: Session) -> list[Survey]:
    return list(session.scalars(select(Survey).order_by(Survey.key)))


def survey_title(survey: Survey, locale: str) -> str:
    """The survey's title in ``locale`` where its definition has one, else as stored."""
    # a version this code can no longer read keeps its stored title
    with contextlib.suppress(DefinitionError):
        if survey.current_version is not None:
            return definition_of(survey.current_version).title.get(locale)
    return survey.title


def survey_titles(surveys: list[Survey], locale: str) -> dict[int, str]:
    """Each survey's title in ``locale`` (``survey_title``), by survey id."""
    return {survey.id: survey_title(survey, locale) for survey in surveys}


def response_counts(session: Session) -> dict[int, int]:
    """Responses per survey id (staff and anonymous), counted by the database in one query."""
    both = union_all(
        select(Response.survey_version_id.label("version_id")),
        select(PollResponse.survey_version_id.label("version_id")),
    ).subquery()
    stmt = (
        select(SurveyVersion.survey_id, func.count())
        .join(both, both.c.version_id == SurveyVersion.id)
        .group_by(SurveyVersion.survey_id)
    )
    return dict(session.execute(stmt).all())
