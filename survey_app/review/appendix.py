"""The data appendix (phụ lục số liệu): each indicator's baseline and current figures, per
unit and summed up the tree (issue 13, item 2).

Each figure counts once. A submitted report of an upper-level unit speaks for its whole
subtree (the seed has it aggregate its units): its figure is taken as it is, its units'
figures are shown beside it with the gap between the two, and are not added again. Where
an upper level has not reported, the sum of its units' figures stands in, down the tree.
A unit that has not reported is missing, never zero; a figure no unit gave is None.

The figures are summed by the database in one statement for the whole page: a recursive CTE
walks down from each group's starting units and stops at the first units that reported.
Which units owe a report ("n of m units") is counted on the units (a few hundred rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm
from sqlalchemy.orm import Session

from survey_app.campaigns.config import CampaignConfig
from survey_app.campaigns.rules import owes_report
from survey_app.campaigns.services import config_of
from survey_app.models.campaigns import Campaign, UnitReport
from survey_app.models.responses import Answer
from survey_app.models.units import Unit
from survey_app.registry.services import definition_of, get_survey
from survey_app.review.tree import Node, Tree
from survey_app.surveys.model import BASELINE, QType, Text


@dataclass(frozen=True)
class Figure:
    baseline: float | None = None
    current: float | None = None

    @property
    def change(self) -> float | None:
        if self.baseline is None or self.current is None:
            return None
        return self.current - self.baseline

    @property
    def change_pct(self) -> float | None:
        """The change in percent of the baseline (25.0 for +25 %); None for a 0 baseline."""
        change = self.change
        if change is None or not self.baseline:
            return None
        return round(100 * change / self.baseline, 1)

    @property
    def is_empty(self) -> bool:
        return self.baseline is None and self.current is None

    def minus(self, other: Figure) -> Figure:
        """The gap between two figures (None where either is missing)."""

        def sub(a, b):
            return None if a is None or b is None else a - b

        return Figure(sub(self.baseline, other.baseline), sub(self.current, other.current))


@dataclass(frozen=True)
class Indicator:
    key: str
    label: Text
    area: str | None
    unit: Text | None
    baseline_label: Text | None
    current_label: Text | None


@dataclass
class Branch:
    """A unit directly under the scope, standing for everything under it."""

    node: Node
    figure: Figure
    reported: bool
    #: When it reported: the sum of its own units' figures, and the gap to its own.
    below: Figure | None
    units_reporting: int
    units_expected: int


@dataclass
class IndicatorFigures:
    indicator: Indicator
    total: Figure
    #: The scope's own report, when it sent one, and the sum of its units' beside it.
    own: Figure | None
    below: Figure
    branches: list[Branch] = field(default_factory=list)


@dataclass
class Appendix:
    campaign: Campaign
    scope: Node
    scope_reported: bool
    units_expected: list[Node]
    units_reporting: list[Node]
    missing: list[Node]
    indicators: list[IndicatorFigures]
    #: The branches (units directly under the scope), with their own counts.
    branch_counts: dict[int, tuple[int, int]] = field(default_factory=dict)

    def as_json(self, locale: str) -> dict[str, Any]:
        """What ``survey-app review appendix --json`` prints."""
        return {
            "campaign": self.campaign.key,
            "unit": self.scope.code,
            "indicators": [
                {
                    "key": item.indicator.key,
                    "label": item.indicator.label.get(locale),
                    "area": item.indicator.area,
                    "baseline": item.total.baseline,
                    "current": item.total.current,
                    "change": item.total.change,
                    "change_pct": item.total.change_pct,
                    "units_reporting": len(self.units_reporting),
                    "units_expected": len(self.units_expected),
                    "missing": [node.code for node in self.missing],
                }
                for item in self.indicators
            ],
        }


def indicators_of(session: Session, campaign: Campaign, area: str | None = None
                  ) -> list[Indicator]:
    """The unit report's indicators, in form order (one content area's when ``area``)."""
    key = config_of(campaign).surveys.get("unit_report")
    if not key:
        return []
    definition = definition_of(get_survey(session, key, active_only=False).current_version)
    return [
        Indicator(q.key, q.label, section.area, q.unit, q.baseline_label, q.current_label)
        for section in definition.sections
        if area is None or section.area == area
        for q in section.questions
        if q.type is QType.INDICATOR
    ]


def select_reported(campaign: Campaign) -> sa.Select:
    """SQL: the units whose report in the campaign is sent (not a draft, not returned)."""
    return sa.select(UnitReport.unit_id).where(
        UnitReport.campaign_id == campaign.id, UnitReport.state == "submitted")


def reported_units(session: Session, campaign: Campaign) -> set[int]:
    return set(session.scalars(select_reported(campaign)))


def standing_for(tree: Tree, start: Node, reported: set[int]) -> list[int]:
    """The units whose reports make up ``start``'s figure: itself if it reported, otherwise,
    for each unit under it, the same rule (the first reports met going down each branch)."""
    found: list[int] = []
    stack = [start]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if node.id in seen:
            continue
        seen.add(node.id)
        if node.id in reported:
            found.append(node.id)
        else:
            stack.extend(tree.children(node))
    return found


def expected_under(tree: Tree, config: CampaignConfig, node: Node, *, include_self: bool
                   ) -> list[Node]:
    """The units (under ``node``, and ``node`` itself when asked) that owe a report in the
    campaign, due or not yet due."""
    nodes = ([node] if include_self else []) + list(tree.descendants(node))
    return [n for n in nodes if owes_report(config, n.kind, n.active_from, n.active_until)]


def build_appendix(session: Session, campaign: Campaign, tree: Tree, scope: Node, *,
                   area: str | None = None) -> Appendix:
    """The appendix for ``scope`` and everything under it, with its branches beside it."""
    config = config_of(campaign)
    reported = reported_units(session, campaign)
    indicators = indicators_of(session, campaign, area)
    children = tree.children(scope)
    sums = _sums(session, campaign, scope, [i.key for i in indicators])

    def figure(kind: int, group: int, key: str) -> Figure:
        return Figure(sums.get((kind, group, key, BASELINE)), sums.get((kind, group, key, None)))

    expected = expected_under(tree, config, scope, include_self=False)
    branch_counts = {}
    for child in children:
        mine = expected_under(tree, config, child, include_self=True)
        branch_counts[child.id] = (sum(1 for n in mine if n.id in reported), len(mine))
    stands = {child.id: bool(standing_for(tree, child, reported)) for child in children}
    items = []
    for indicator in indicators:
        item = IndicatorFigures(
            indicator=indicator,
            total=figure(TOTAL, scope.id, indicator.key),
            own=figure(OWN, scope.id, indicator.key) if scope.id in reported else None,
            below=figure(BELOW, scope.id, indicator.key),
        )
        for child in children:
            reporting, owed = branch_counts[child.id]
            if not owed and not stands[child.id]:
                continue  # a branch with no unit that reports, and no report: nothing to show
            item.branches.append(Branch(
                node=child,
                figure=figure(BRANCH, child.id, indicator.key),
                reported=child.id in reported,
                below=figure(BRANCH_BELOW, child.id, indicator.key)
                if child.id in reported else None,
                units_reporting=reporting,
                units_expected=owed,
            ))
        items.append(item)
    return Appendix(
        campaign=campaign, scope=scope, scope_reported=scope.id in reported,
        units_expected=expected,
        units_reporting=[n for n in expected if n.id in reported],
        missing=[n for n in expected if n.id not in reported],
        indicators=items, branch_counts=branch_counts,
    )


#: The groups whose figures one appendix page needs (the first column of the SQL below).
TOTAL, BELOW, OWN, BRANCH, BRANCH_BELOW = range(5)


def _sums(session: Session, campaign: Campaign, scope: Node,
          keys: list[str]) -> dict[tuple[int, int, str, str | None], float]:
    """SUM of each indicator part for each group of the page, in one SQL statement.

    Each group starts at some units (the scope; the units under it; each branch; the units
    under a branch that reported) and takes, going down each branch, the first units that
    sent their report (``standing_for``, as a recursive CTE that does not go below a unit
    that reported). A part nobody in a group gave has no entry: its figure stays None."""
    if not keys:
        return {}
    reported = select_reported(campaign)
    parent = sa.orm.aliased(Unit)

    def start(kind: int, group, unit_id):
        return sa.select(sa.literal(kind, sa.Integer).label("kind"),
                         sa.cast(group, sa.Integer).label("gid"),
                         sa.cast(unit_id, sa.Integer).label("unit_id"))

    scope_id = sa.literal(scope.id, sa.Integer)
    starts = sa.union_all(
        start(TOTAL, scope_id, scope_id),
        start(BELOW, scope_id, Unit.id).where(Unit.parent_id == scope.id),
        start(OWN, scope_id, scope_id).where(scope_id.in_(reported)),
        start(BRANCH, Unit.id, Unit.id).where(Unit.parent_id == scope.id),
        start(BRANCH_BELOW, parent.id, Unit.id).join(parent, parent.id == Unit.parent_id)
        .where(parent.parent_id == scope.id, parent.id.in_(reported)),
    ).cte("starts")
    walk = sa.select(starts.c.kind, starts.c.gid, starts.c.unit_id).cte("walk", recursive=True)
    walk = walk.union_all(
        sa.select(walk.c.kind, walk.c.gid, Unit.id)
        .where(Unit.parent_id == walk.c.unit_id, walk.c.unit_id.not_in(reported)))
    stmt = (
        sa.select(walk.c.kind, walk.c.gid, Answer.question_key, Answer.part,
                  sa.func.sum(Answer.value_number))
        .select_from(walk)
        .join(UnitReport, sa.and_(UnitReport.unit_id == walk.c.unit_id,
                                  UnitReport.campaign_id == campaign.id,
                                  UnitReport.state == "submitted"))
        .join(Answer, Answer.response_id == UnitReport.response_id)
        .where(Answer.question_key.in_(keys), Answer.repeat_index.is_(None),
               Answer.value_number.is_not(None))
        .group_by(walk.c.kind, walk.c.gid, Answer.question_key, Answer.part)
    )
    return {(kind, gid, key, part): float(total)
            for kind, gid, key, part, total in session.execute(stmt)}
