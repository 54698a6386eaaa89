"""A campaign survey's results, counted by the database (issue 13, item 1).

For a campaign and one of its surveys (inspection checklists, units' reports, the worker
poll): per question, counts and percentages per choice, mean, median and distribution for
numbers and scales, matrix rows side by side, free-text answers paged; filtered by content
area, unit kind and unit, where a unit includes every unit under it; and the number of
responses and units behind every figure.

Every figure is an aggregate computed by SQL over the answer rows: one grouped pass per
(unit, question, part, choice, and value for number questions), kept as a MATERIALIZED CTE
and summed in the same statement per branch (counts, sums, extremes, units that answered)
and per value of each number question (its median and distribution are read off that); and
a COUNT(DISTINCT) for the questions a response answers with several rows. No response is
loaded into Python to be counted.
The scope is the chosen unit's subtree (a recursive CTE); branches are the units directly
under it, each with everything under it (``tree.group_map``), and partition the scope, so
the scope's figures are the sums of its branches'.

Anonymous poll answers are read only through ``polls.results.campaign_poll_responses`` and
shown only through ``polls.suppression``: a branch under the threshold is hidden with its
complement, and a unit's own figures are shown only when that unit is shown in the
breakdown of every unit above it, so that no page can be subtracted from another.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from survey_app.campaigns.config import SURVEY_ROLES
from survey_app.campaigns.services import config_of
from survey_app.errors import UserError
from survey_app.models.campaigns import Campaign, UnitReport
from survey_app.models.responses import Answer, Response
from survey_app.models.surveys import Survey, SurveyVersion
from survey_app.models.units import Unit, UnitKind
from survey_app.polls.results import campaign_poll_responses, poll_answer_rows
from survey_app.polls.suppression import Breakdown, SafeBreakdown, suppress
from survey_app.registry.services import definition_of, get_survey
from survey_app.review.tree import Node, Tree, group_map, subtree_cte
from survey_app.surveys.model import (
    BASELINE,
    NUMBER_TYPES,
    TEXT_TYPES,
    Choice,
    Definition,
    QType,
    Text,
)

#: Numbers with at most this many distinct values are shown value by value, others in bins.
MAX_DISTINCT_VALUES = 10
BINS = 5
TEXT_PAGE_SIZE = 10
#: Stands for "the poll as a whole" (its respondents) where question keys are listed.
ALL_ANSWERS = "*"


class NotACampaignSurvey(UserError):
    status = 404
    message = _l("This survey is not part of the campaign.")


class UnknownUnit(UserError):
    status = 404
    message = _l("There is no unit with this code.")


@dataclass(frozen=True)
class Filters:
    """What the results are narrowed to; ``unit`` includes everything under it."""

    unit: Node | None = None
    kind: str | None = None
    area: str | None = None


@dataclass(frozen=True)
class Bin:
    low: float
    high: float  # equal to ``low`` for a single value
    count: int


@dataclass
class GroupFigures:
    """One branch's figures for one question (hidden ones are None)."""

    node: Node
    is_own: bool
    responses: int | None
    counts: dict[str, int | None] = field(default_factory=dict)
    mean: float | None = None
    hidden: bool = False


@dataclass
class QuestionFigures:
    key: str
    type: str
    label: Text
    area: str | None
    #: The matrix or repeat group the question is part of (its rows are shown side by side).
    parent_key: str | None = None
    parent_label: Text | None = None
    choices: tuple[Choice, ...] = ()
    is_scale: bool = False
    unit_label: Text | None = None
    responses: int | None = 0
    units: int | None = 0
    counts: dict[str, int | None] | None = None
    percent: dict[str, float | None] | None = None
    mean: float | None = None
    median: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    baseline_mean: float | None = None
    distribution: list[Bin] | None = None
    text_count: int | None = None
    #: How many distinct values a number question has (whether to show them one by one).
    distinct_values: int = 0
    suppressed: bool = False
    groups: list[GroupFigures] | None = None

    @property
    def is_choice(self) -> bool:
        return self.counts is not None

    @property
    def is_number(self) -> bool:
        return QType(self.type) in NUMBER_TYPES

    @property
    def is_text(self) -> bool:
        return QType(self.type) in TEXT_TYPES

    def as_json(self, locale: str) -> dict[str, Any]:
        """The question as ``review results --json`` prints it (absent keys: no such figure)."""
        label = self.label.get(locale)
        if self.parent_label is not None:
            label = f"{self.parent_label.get(locale)} – {label}"
        out: dict[str, Any] = {"key": self.key, "type": self.type, "label": label}
        if self.counts is not None:
            out["counts"] = dict(self.counts)
            out["percent"] = dict(self.percent or {})
        if self.is_number or self.is_scale:
            out["mean"] = _round(self.mean)
            out["median"] = _round(self.median)
        out["suppressed"] = self.suppressed
        return out


@dataclass
class SurveyResults:
    campaign: Campaign
    survey: Survey
    role: str
    definition: Definition
    filters: Filters
    responses: int | None
    units: int | None
    questions: list[QuestionFigures]
    anonymous: bool
    threshold: int
    #: The branches of the breakdown (the chosen unit's own rows first), when there is one.
    branches: list[Node] = field(default_factory=list)
    #: Poll answers: the unit kind filter is not applied (see ``survey_results``).
    kind_ignored: bool = False

    def as_json(self, locale: str) -> dict[str, Any]:
        return {
            "campaign": self.campaign.key,
            "survey": self.survey.key,
            "unit": self.filters.unit.code if self.filters.unit else None,
            "responses": self.responses,
            "units": self.units,
            "questions": [q.as_json(locale) for q in self.questions],
        }

    def question(self, key: str) -> QuestionFigures | None:
        return next((q for q in self.questions if q.key == key), None)


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


# --------------------------------------------------------------------------
# Which survey, which answer rows
# --------------------------------------------------------------------------


def campaign_survey(session: Session, campaign: Campaign, key_or_role: str) -> tuple[Survey, str]:
    """The campaign's survey given by key (``inspection_2017``) or by its use
    (``inspection``), and that use. Raises NotACampaignSurvey."""
    config = config_of(campaign)
    for role in SURVEY_ROLES:
        if key_or_role in (role, config.surveys.get(role)) and config.surveys.get(role):
            return get_survey(session, config.surveys[role], active_only=False), role
    raise NotACampaignSurvey()


def response_rows(campaign: Campaign, survey: Survey, role: str, *, unit: Node | None = None,
                  kind: str | None = None) -> sa.Subquery:
    """The responses in scope, ``id, unit_id``: the sent report in force of each unit (not
    the versions it replaced), the campaign's checklists, or its poll's anonymous answers;
    within ``unit``'s subtree (joined, so the database starts from those units) and of
    units of ``kind``."""
    if role == "worker_poll":
        stmt = campaign_poll_responses(survey.id, campaign.id)
    elif role == "unit_report":
        stmt = (sa.select(Response.id, Response.unit_id)
                .join(UnitReport, UnitReport.response_id == Response.id)
                .where(UnitReport.campaign_id == campaign.id, UnitReport.state == "submitted"))
    else:  # checklists carry their campaign (fieldwork stores it with the visit)
        versions = sa.select(SurveyVersion.id).where(SurveyVersion.survey_id == survey.id)
        stmt = sa.select(Response.id, Response.unit_id).where(
            Response.campaign_id == campaign.id, Response.survey_version_id.in_(versions))
    unit_id = stmt.selected_columns.unit_id  # staff responses' or poll responses' own column
    if unit is not None:
        stmt = stmt.where(unit_id.in_(sa.select(subtree_cte(unit.id).c.id)))
    if kind:
        stmt = stmt.where(unit_id.in_(sa.select(Unit.id).where(Unit.kind == kind)))
    return stmt.subquery("scope_responses")


def answer_rows(responses: sa.Subquery, role: str) -> sa.Subquery:
    """The answer rows of ``responses``: ``response_id, unit_id, question_key, part,
    repeat_index, value_choice, value_number, value_text``."""
    if role == "worker_poll":
        return poll_answer_rows(responses).subquery("scope_answers")
    return (
        sa.select(responses.c.id.label("response_id"), responses.c.unit_id, Answer.question_key,
                  Answer.part, Answer.repeat_index, Answer.value_choice, Answer.value_number,
                  Answer.value_text)
        .join(Answer, Answer.response_id == responses.c.id)
        .subquery("scope_answers")
    )


# --------------------------------------------------------------------------
# The questions a page shows
# --------------------------------------------------------------------------


def _is_scale(question) -> bool:
    if question.type is QType.RATING:
        return True
    return question.type in (QType.SINGLE_CHOICE, QType.MATRIX) and bool(question.choices) \
        and all(c.value.isdigit() for c in question.choices)


def question_list(definition: Definition, area: str | None) -> list[QuestionFigures]:
    """Empty figures for every question with answers, in form order (matrix rows and repeat
    questions apart), limited to a content area's sections when ``area`` is given."""
    out: list[QuestionFigures] = []
    for section in definition.sections:
        if area and section.area != area:
            continue
        for question in section.questions:
            if question.type is QType.REPEAT:
                for child in question.questions:
                    out.extend(_own_figures(child, section.area, question))
            else:
                out.extend(_own_figures(question, section.area))
    return out


def _own_figures(question, area, repeat=None) -> list[QuestionFigures]:
    """A question's figures: none for a note, one per row for a matrix (in a repeat too:
    its rows are answered by their own keys)."""
    if question.type is QType.NOTE:
        return []
    if question.type is QType.MATRIX:
        return [QuestionFigures(
            key=row.key, type=QType.MATRIX.value, label=row.label, area=area,
            parent_key=question.key, parent_label=question.label, choices=question.choices,
            is_scale=_is_scale(question)) for row in question.rows]
    return [_figures(question, area, repeat)]


def _figures(question, area, parent=None) -> QuestionFigures:
    return QuestionFigures(
        key=question.key, type=question.type.value, label=question.label, area=area,
        parent_key=parent.key if parent else None, parent_label=parent.label if parent else None,
        choices=question.choices if question.is_choice else (), is_scale=_is_scale(question),
        unit_label=question.unit)


# --------------------------------------------------------------------------
# The figures
# --------------------------------------------------------------------------


@dataclass
class _Tally:
    """Per branch and question: what SQL counted (summed over the branch's units)."""

    counts: dict[str, int] = field(default_factory=dict)
    number_n: int = 0
    number_sum: float = 0.0
    number_min: float | None = None
    number_max: float | None = None
    baseline_n: int = 0
    baseline_sum: float = 0.0
    texts: int = 0
    respondents: int = 0
    units: int = 0

    def add(self, other: _Tally) -> None:
        for value, n in other.counts.items():
            self.counts[value] = self.counts.get(value, 0) + n
        self.number_n += other.number_n
        self.number_sum += other.number_sum
        self.baseline_n += other.baseline_n
        self.baseline_sum += other.baseline_sum
        self.texts += other.texts
        self.respondents += other.respondents
        self.units += other.units  # branches share no unit
        for attr, pick in (("number_min", min), ("number_max", max)):
            mine = getattr(other, attr)
            if mine is not None:
                theirs = getattr(self, attr)
                setattr(self, attr, mine if theirs is None else pick(mine, theirs))


def _multi_valued(definition: Definition, questions: list[QuestionFigures]) -> set[str]:
    """Questions a response may answer with several rows: multiple choice, the questions of
    a repeat group (a row each) and indicators (two parts); their respondents are counted
    with COUNT(DISTINCT), the others' by their rows."""
    multi = set()
    for q in questions:
        if q.type in (QType.MULTIPLE_CHOICE.value, QType.INDICATOR.value) or (
                q.parent_key and q.type != QType.MATRIX.value):
            multi.add(q.key)
    return multi


def survey_results(
    session: Session,
    campaign: Campaign,
    survey_key: str,
    *,
    filters: Filters,
    threshold: int,
    tree: Tree,
    breakdown: bool = True,
) -> SurveyResults:
    """Every question's figures for ``filters`` (and, with ``breakdown``, by branch under
    ``filters.unit``). Raises NotACampaignSurvey."""
    survey, role = campaign_survey(session, campaign, survey_key)
    definition = definition_of(survey.current_version)
    tune_for_reports(session)
    anonymous = role == "worker_poll"
    # Splitting the anonymous poll by unit kind would publish a second partition of the same
    # people next to the tree's, and one could be subtracted from the other: not offered.
    kind = None if anonymous else filters.kind
    responses = response_rows(campaign, survey, role, unit=filters.unit, kind=kind)
    rows = answer_rows(responses, role)
    questions = question_list(definition, filters.area)
    keys = [q.key for q in questions]
    number_keys = [q.key for q in questions if q.is_number]

    unit = filters.unit if breakdown else None
    grp = group_map(unit.id) if unit is not None else None
    tallies, frequencies = _tally(session, rows, keys, _multi_valued(definition, questions),
                                  number_keys, grp, every_key=not filters.area,
                                  has_texts=any(q.is_text for q in questions))
    # Responses and units per unit (a small table: one row a unit), from the responses.
    unit_responses = dict(session.execute(
        sa.select(responses.c.unit_id, sa.func.count()).group_by(responses.c.unit_id)).all())
    branch_of = _branch_map(tree, unit)
    branches: list[Node] = []
    per_branch: dict[int, int] = {}
    for unit_id, n in unit_responses.items():
        branch = branch_of(unit_id)
        per_branch[branch] = per_branch.get(branch, 0) + n
    if unit is not None:
        candidates = [unit, *tree.children(unit)]
        branches = [node for node in candidates if per_branch.get(node.id, 0) > 0]

    total_responses = sum(unit_responses.values())
    total_units = sum(1 for n in unit_responses.values() if n)
    hidden_here: set[str] = set()
    if anonymous and filters.unit is not None:
        hidden_here = _hidden_by_ancestors(session, campaign, survey, tree, filters.unit, keys,
                                           threshold)
    for question in questions:
        _fill(question, tallies, branches, unit, frequencies.get(question.key, []), anonymous,
              threshold, question.key in hidden_here)
    shown_total = total_responses
    shown_units = total_units
    if anonymous and (_small(total_responses, threshold) or ALL_ANSWERS in hidden_here):
        shown_total = shown_units = None
    return SurveyResults(
        campaign=campaign, survey=survey, role=role, definition=definition, filters=filters,
        responses=shown_total, units=shown_units, questions=questions, anonymous=anonymous,
        threshold=threshold, branches=branches, kind_ignored=anonymous and bool(filters.kind))


#: Enough for the per-unit aggregate of a million answers to be hashed in memory.
REPORT_WORK_MEM = "32MB"


def tune_for_reports(session: Session) -> None:
    """PostgreSQL settings for the results statement, for the rest of this transaction only
    (``SET LOCAL``; the page commits right after). SQLite: nothing to do.

    - JIT off: at a million answers the cost estimates pass ``jit_above_cost`` and PostgreSQL
      spent 0.85 s of a district page's 1.3 s compiling a statement that runs in 0.3 s.
    - A larger ``work_mem``: the per-unit aggregate (some 130,000 groups) is hashed in memory
      instead of sorted (province page at 1M answers: about 2.2 s -> 1.6 s).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SET LOCAL jit = off"))
        session.execute(sa.text(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'"))


def _small(n: int, threshold: int) -> bool:
    return threshold > 1 and n < threshold


def _branch_map(tree: Tree, unit: Node | None):
    """unit id -> the branch it rolls up to under ``unit`` (itself for its own rows); all to
    0 without a breakdown. Walks the units, which are few; answers stay in the database."""
    if unit is None:
        return lambda unit_id: 0
    mapping = {unit.id: unit.id}
    for child in tree.children(unit):
        mapping[child.id] = child.id
        for node in tree.descendants(child):
            mapping[node.id] = child.id
    return lambda unit_id: mapping.get(unit_id, unit.id)


def _tally(session: Session, rows: sa.Subquery, keys: list[str], multi: set[str],
           number_keys: list[str], grp: sa.CTE | None, *, every_key: bool = False,
           has_texts: bool = True
           ) -> tuple[dict[tuple[int, str], _Tally], dict[str, list[tuple[float, int]]]]:
    """One grouped pass over the answer rows per (unit, question, part, choice, and value for
    number questions), kept (MATERIALIZED) and summed in the same statement: per branch the
    counts, number sums and extremes, texts and how many units answered; per number question
    how many answers gave each value (its median and distribution are read off that). The
    questions a response answers with several rows get their respondents from a
    COUNT(DISTINCT) of their own."""
    if not keys:
        return {}, {}
    # An indicator's current value has no part (its baseline has "baseline").
    value = sa.case((sa.and_(rows.c.question_key.in_(number_keys or [""]), rows.c.part.is_(None)),
                     rows.c.value_number)).label("value")
    texts = sa.func.count(rows.c.value_text) if has_texts else sa.literal(0, sa.Integer)
    per_unit = (
        sa.select(rows.c.unit_id, rows.c.question_key.label("key"), rows.c.part,
                  rows.c.value_choice.label("choice"), value, sa.func.count().label("n"),
                  sa.func.count(rows.c.value_number).label("number_n"),
                  sa.func.sum(rows.c.value_number).label("number_sum"),
                  sa.func.min(rows.c.value_number).label("number_min"),
                  sa.func.max(rows.c.value_number).label("number_max"),
                  texts.label("texts"))
        .group_by(rows.c.unit_id, rows.c.question_key, rows.c.part, rows.c.value_choice,
                  sa.literal_column("value"))
    )
    if not every_key:  # one content area: its questions only
        per_unit = per_unit.where(rows.c.question_key.in_(keys))
    per_unit = per_unit.cte("per_unit").prefix_with("MATERIALIZED")
    branch = grp.c.grp if grp is not None else sa.literal(0, sa.Integer)

    def over_branches(*columns, by):
        stmt = sa.select(branch.label("grp"), *columns)
        if grp is not None:
            stmt = stmt.join_from(per_unit, grp, grp.c.unit_id == per_unit.c.unit_id)
            by = (grp.c.grp, *by)
        else:
            stmt = stmt.select_from(per_unit)
        return stmt.group_by(*by)

    values = over_branches(
        sa.literal("v").label("what"), per_unit.c.key, per_unit.c.part, per_unit.c.choice,
        sa.func.sum(per_unit.c.n), sa.func.sum(per_unit.c.number_n),
        sa.func.sum(per_unit.c.number_sum), sa.func.min(per_unit.c.number_min),
        sa.func.max(per_unit.c.number_max), sa.func.sum(per_unit.c.texts),
        by=(per_unit.c.key, per_unit.c.part, per_unit.c.choice))
    units = over_branches(
        sa.literal("u").label("what"), per_unit.c.key, sa.cast(sa.null(), sa.String),
        sa.cast(sa.null(), sa.String), sa.func.count(sa.distinct(per_unit.c.unit_id)),
        sa.literal(0, sa.Integer), sa.cast(sa.null(), sa.Float), sa.cast(sa.null(), sa.Float),
        sa.cast(sa.null(), sa.Float), sa.literal(0, sa.Integer),
        by=(per_unit.c.key,))
    frequencies = (
        sa.select(sa.literal(0, sa.Integer).label("grp"), sa.literal("f").label("what"),
                  per_unit.c.key, sa.cast(sa.null(), sa.String), sa.cast(sa.null(), sa.String),
                  sa.func.sum(per_unit.c.n), sa.literal(0, sa.Integer), per_unit.c.value,
                  sa.cast(sa.null(), sa.Float), sa.cast(sa.null(), sa.Float),
                  sa.literal(0, sa.Integer))
        .select_from(per_unit).where(per_unit.c.value.is_not(None))
        .group_by(per_unit.c.key, per_unit.c.value)
    )
    tallies: dict[tuple[int, str], _Tally] = {}
    counts_per_value: dict[str, list[tuple[float, int]]] = {}
    for (group, what, key, part, choice, n, number_n, number_sum, number_min, number_max,
         texts) in session.execute(sa.union_all(values, units, frequencies)):
        n = int(n or 0)
        if what == "f":
            counts_per_value.setdefault(key, []).append((float(number_sum), n))
            continue
        tally = tallies.setdefault((group, key), _Tally())
        if what == "u":
            tally.units = n
            continue
        if choice is not None:
            tally.counts[choice] = tally.counts.get(choice, 0) + n
        elif part == BASELINE:
            tally.baseline_n += int(number_n or 0)
            tally.baseline_sum += float(number_sum or 0)
        elif number_n:
            tally.number_n += int(number_n)
            tally.number_sum += float(number_sum or 0)
            tally.number_min = None if number_min is None else float(number_min)
            tally.number_max = None if number_max is None else float(number_max)
        tally.texts += int(texts or 0)
        if key not in multi and part != BASELINE:
            tally.respondents += n  # one row per response
    wanted = [key for key in keys if key in multi]
    if wanted:
        distinct = sa.select(branch.label("grp"), rows.c.question_key,
                             sa.func.count(sa.distinct(rows.c.response_id)))
        if grp is not None:
            distinct = distinct.join_from(rows, grp, grp.c.unit_id == rows.c.unit_id)
        distinct = distinct.where(rows.c.question_key.in_(wanted)).group_by(
            *((grp.c.grp,) if grp is not None else ()), rows.c.question_key)
        for group, key, n in session.execute(distinct):
            tallies.setdefault((group, key), _Tally()).respondents = int(n)
    for pairs in counts_per_value.values():
        pairs.sort()
    return tallies, counts_per_value


def _median(pairs: list[tuple[float, int]]) -> float | None:
    """The median of values given with their counts (sorted by value)."""
    total = sum(n for _, n in pairs)
    if not total:
        return None

    def nth(index: int) -> float:  # 1-based position in the sorted answers
        seen = 0
        for value, n in pairs:
            seen += n
            if seen >= index:
                return value
        return pairs[-1][0]

    return (nth((total + 1) // 2) + nth((total + 2) // 2)) / 2


def _distribution(pairs: list[tuple[float, int]]) -> list[Bin]:
    """Value by value when there are few whole values, otherwise bins of equal, round width."""
    if not pairs:
        return []
    low, high = pairs[0][0], pairs[-1][0]
    whole = all(value.is_integer() for value, _ in pairs)
    if whole and high - low < MAX_DISTINCT_VALUES or len(pairs) <= MAX_DISTINCT_VALUES // 2:
        return [Bin(value, value, n) for value, n in pairs]
    step = _nice_step(high - low)
    start = math.floor(low / step) * step
    edges = [start + step * i for i in range(BINS + 2)]
    while edges[-2] > high:  # no empty bin at the end
        edges.pop()
    bins = [Bin(edges[i], edges[i + 1], 0) for i in range(len(edges) - 1)]
    counts = [0] * len(bins)
    for value, n in pairs:
        index = min(int((value - start) // step), len(bins) - 1)
        counts[index] += n
    return [Bin(b.low, b.high, n) for b, n in zip(bins, counts, strict=True)]


def _fill(question: QuestionFigures, tallies, branches: list[Node], unit: Node | None,
          frequencies: list[tuple[float, int]], anonymous: bool, threshold: int,
          hidden: bool) -> None:
    """Turn the branches' tallies into the question's figures (summing the branches, which
    partition the scope), with suppression for the anonymous poll."""
    keys = [node.id for node in branches] if unit is not None else [0]
    own = [tallies.get((k, question.key)) or _Tally() for k in keys]
    total = _Tally()
    for tally in own:
        total.add(tally)
    values = [c.value for c in question.choices]
    safe: SafeBreakdown | None = None
    if anonymous:
        groups = [str(k) for k in keys]
        safe = suppress(Breakdown(
            groups, values,
            {(str(k), v): n for k, t in zip(keys, own, strict=True) for v, n in t.counts.items()
             if v in values},
            {str(k): t.respondents for k, t in zip(keys, own, strict=True)}), threshold)
        hidden = hidden or safe.total.hidden
    question.suppressed = hidden
    question.responses = None if hidden else total.respondents
    question.units = None if hidden else total.units
    if question.choices:
        question.counts = {v: None if hidden else total.counts.get(v, 0) for v in values}
        question.percent = {
            v: None if hidden or not total.respondents
            else round(100 * total.counts.get(v, 0) / total.respondents, 1)
            for v in values}
        if question.is_scale and not hidden:
            question.mean, question.median = _scale_mean_median(
                {v: total.counts.get(v, 0) for v in values})
    elif question.is_number and not hidden:
        question.mean = total.number_sum / total.number_n if total.number_n else None
        question.median = _median(frequencies)
        question.minimum, question.maximum = total.number_min, total.number_max
        if total.baseline_n:
            question.baseline_mean = total.baseline_sum / total.baseline_n
        question.distribution = _distribution(frequencies) if total.number_n else None
    elif question.is_text:
        question.text_count = None if hidden else total.texts
    if unit is None:
        return
    question.groups = []
    for node, tally in zip(branches, own, strict=True):
        row_hidden = hidden or (safe is not None and str(node.id) in safe.hidden_groups)
        figures = GroupFigures(node=node, is_own=node.id == unit.id, hidden=row_hidden,
                               responses=None if row_hidden else tally.respondents)
        if question.choices:
            figures.counts = {v: None if row_hidden else tally.counts.get(v, 0) for v in values}
            if question.is_scale and not row_hidden:
                figures.mean = _scale_mean_median({v: tally.counts.get(v, 0) for v in values})[0]
        elif question.is_number and not row_hidden and tally.number_n:
            figures.mean = tally.number_sum / tally.number_n
        question.groups.append(figures)


def _scale_mean_median(counts: dict[str, int]) -> tuple[float | None, float | None]:
    """Mean and median of a scale from its counts per value (already aggregated by SQL)."""
    pairs = sorted((float(v), n) for v, n in counts.items() if n)
    total = sum(n for _, n in pairs)
    if not total:
        return None, None
    return sum(v * n for v, n in pairs) / total, _median(pairs)


def _nice_step(span: float) -> float:
    raw = max(span, 1e-9) / BINS
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _hidden_by_ancestors(session: Session, campaign: Campaign, survey: Survey, tree: Tree,
                         unit: Node, keys: list[str], threshold: int) -> set[str]:
    """The poll questions whose figures ``unit`` may not show because it is hidden in the
    breakdown of a unit above it (else its figures and theirs could be subtracted)."""
    hidden: set[str] = set()
    path = [*tree.ancestors(unit), unit]
    source = answer_rows(campaign_poll_responses(survey.id, campaign.id).subquery(), "worker_poll")
    for parent, child in zip(path, path[1:], strict=False):
        grp = group_map(parent.id)
        joined = sa.select(grp.c.grp).join_from(source, grp, grp.c.unit_id == source.c.unit_id)
        branch_people = dict(session.execute(
            joined.add_columns(sa.func.count(sa.distinct(source.c.response_id)))
            .group_by(grp.c.grp)).all())
        groups = [str(g) for g, n in branch_people.items() if n > 0]
        if str(child.id) not in groups:
            continue
        whole = suppress(Breakdown(groups, [], {}, {str(g): n for g, n in branch_people.items()
                                                    if n > 0}), threshold)
        if str(child.id) in whole.hidden_groups:
            hidden.add(ALL_ANSWERS)
        respondents: dict[str, dict[str, int]] = {}
        stmt = (joined.add_columns(source.c.question_key,
                                   sa.func.count(sa.distinct(source.c.response_id)))
                .where(source.c.question_key.in_(keys))
                .group_by(grp.c.grp, source.c.question_key))
        for g, key, n in session.execute(stmt):
            respondents.setdefault(key, {})[str(g)] = n
        for key in keys:
            people = {g: n for g, n in respondents.get(key, {}).items() if g in groups}
            safe = suppress(Breakdown(groups, [], {}, people), threshold)
            if str(child.id) in safe.hidden_groups:
                hidden.add(key)
    return hidden


# --------------------------------------------------------------------------
# Free-text answers, a page at a time
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class TextAnswer:
    text: str
    unit: str | None  # None for anonymous answers
    response_id: str | None


@dataclass(frozen=True)
class TextPage:
    question: QuestionFigures
    answers: list[TextAnswer]
    page: int
    pages: int
    total: int


def text_answers(session: Session, campaign: Campaign, results: SurveyResults, key: str, *,
                 page: int = 1, size: int = TEXT_PAGE_SIZE) -> TextPage | None:
    """One page of a text question's answers in scope; None when there is no such question.
    Anonymous answers are listed only where the question's figures are shown, and never with
    their unit; they come in the order of their random response ids, not of arrival."""
    question = results.question(key)
    if question is None or not question.is_text:
        return None
    total = 0 if question.suppressed else (question.text_count or 0)
    pages = max(1, math.ceil(total / size))
    page = min(max(1, page), pages)
    answers: list[TextAnswer] = []
    if total:
        filters = results.filters
        responses = response_rows(campaign, results.survey, results.role, unit=filters.unit,
                                  kind=None if results.anonymous else filters.kind)
        rows = answer_rows(responses, results.role)
        stmt = (
            sa.select(rows.c.value_text, Unit.name, rows.c.response_id)
            .join(Unit, Unit.id == rows.c.unit_id, isouter=True)
            .where(rows.c.question_key == key, rows.c.value_text.is_not(None))
            .order_by(rows.c.response_id, rows.c.repeat_index)
            .limit(size).offset((page - 1) * size)
        )
        if not results.anonymous:
            stmt = stmt.order_by(None).order_by(Unit.name, rows.c.response_id,
                                                rows.c.repeat_index)
        for text, unit_name, response_id in session.execute(stmt):
            if results.anonymous:
                answers.append(TextAnswer(text, None, None))
            else:
                answers.append(TextAnswer(text, unit_name, str(response_id)))
    return TextPage(question, answers, page, pages, total)


def filter_kinds() -> list[UnitKind]:
    """The unit kinds a results filter offers (in the tree's order)."""
    return [kind for kind in UnitKind if kind is not UnitKind.NATIONAL]
