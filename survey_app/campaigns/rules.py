"""Campaign rules as pure functions of data: quotas, deadlines, lateness, completeness.

No database and no clock: callers pass the units, the reports and ``today`` (Vietnam's date),
so that every rule is tested with a fixed clock (tests/unit/test_campaign_rules.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from survey_app.campaigns.config import CampaignConfig, Quota

# --------------------------------------------------------------------------
# The inspection plan's quotas
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedUnit:
    """What a quota needs to know of a visited unit."""

    code: str
    kind: str
    parent_kind: str | None


@dataclass(frozen=True)
class QuotaResult:
    quota: Quota
    planned: int

    @property
    def met(self) -> bool:
        return self.planned >= self.quota.min

    @property
    def shortfall(self) -> int:
        return max(0, self.quota.min - self.planned)


def quota_coverage(quotas: Sequence[Quota], units: Iterable[PlannedUnit]) -> list[QuotaResult]:
    """For each rule, how many distinct planned units count toward it."""
    units = {unit.code: unit for unit in units}.values()
    return [
        QuotaResult(quota, sum(1 for u in units if quota.counts(u.kind, u.parent_kind)))
        for quota in quotas
    ]


def unmet(results: Iterable[QuotaResult]) -> list[QuotaResult]:
    return [result for result in results if not result.met]


def rules_broken_by_removal(
    quotas: Sequence[Quota], units: Sequence[PlannedUnit], removed: PlannedUnit
) -> list[QuotaResult]:
    """The rules that are met now and would not be without ``removed``."""
    before = quota_coverage(quotas, units)
    after = quota_coverage(quotas, [u for u in units if u.code != removed.code])
    return [a for b, a in zip(before, after, strict=True) if b.met and not a.met]


# --------------------------------------------------------------------------
# Deadlines and report status
# --------------------------------------------------------------------------


class ReportStatus(StrEnum):
    NOT_STARTED = "not_started"
    DRAFT = "draft"
    RETURNED = "returned"
    SUBMITTED = "submitted"
    SUBMITTED_LATE = "submitted_late"
    OVERDUE = "overdue"


class ReportState(StrEnum):
    """Where a unit's report is in its workflow (what is stored)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"


def last_on_time_day(config: CampaignConfig, kind: str) -> date | None:
    """The last day a report of ``kind`` counts as on time: its deadline plus grace days."""
    deadline = config.deadline_for(kind)
    return None if deadline is None else deadline + timedelta(days=config.grace_days)


def is_late(config: CampaignConfig, kind: str, submitted_on: date) -> bool:
    """Submitted after the deadline and its grace days (on the deadline day is on time)."""
    last = last_on_time_day(config, kind)
    return last is not None and submitted_on > last


def days_left(deadline: date | None, today: date) -> int | None:
    """Days to the deadline: 0 on the day, negative after it."""
    return None if deadline is None else (deadline - today).days


def report_status(
    config: CampaignConfig,
    kind: str,
    state: ReportState | str | None,
    first_submitted_on: date | None,
    today: date,
) -> ReportStatus:
    """The status the dashboard shows for a unit's report.

    A report that is not in (none, a draft, or returned for correction) is ``overdue`` only
    once the deadline plus grace days has passed. Lateness goes by the first submission: a
    report sent on time and returned for a correction after the deadline was still on time.
    """
    state = ReportState(state) if state else None
    if state == ReportState.SUBMITTED and first_submitted_on is not None:
        if is_late(config, kind, first_submitted_on):
            return ReportStatus.SUBMITTED_LATE
        return ReportStatus.SUBMITTED
    last = last_on_time_day(config, kind)
    if last is not None and today > last:
        return ReportStatus.OVERDUE
    if state == ReportState.RETURNED:
        return ReportStatus.RETURNED
    if state == ReportState.DRAFT:
        return ReportStatus.DRAFT
    return ReportStatus.NOT_STARTED


def can_submit_from(config: CampaignConfig, today: date) -> bool:
    """Reports can be drafted and sent from the campaign's start on."""
    return today >= config.starts


# --------------------------------------------------------------------------
# Who owes a report, and completeness
# --------------------------------------------------------------------------


def owes_report(
    config: CampaignConfig, kind: str, active_from: date | None, active_until: date | None
) -> bool:
    """Whether a unit is expected to report in this campaign.

    Only kinds with a deadline owe a report, and only units active on their deadline: a unit
    set up after it, or closed before it, was never expected to file this report.
    """
    deadline = config.deadline_for(kind)
    if deadline is None:
        return False
    if active_from is not None and active_from > deadline:
        return False
    return not (active_until is not None and active_until < deadline)


@dataclass(frozen=True)
class Completeness:
    """The five DHIS2 completeness figures (rates in percent, None when nothing is expected)."""

    expected: int
    submitted: int
    on_time: int

    @property
    def reporting_rate(self) -> float | None:
        return None if not self.expected else round(100 * self.submitted / self.expected, 1)

    @property
    def on_time_rate(self) -> float | None:
        return None if not self.expected else round(100 * self.on_time / self.expected, 1)


def completeness(statuses: Iterable[ReportStatus]) -> Completeness:
    """Figures over the statuses of expected units only: no rate can pass 100 %."""
    expected = submitted = on_time = 0
    for status in statuses:
        expected += 1
        if status in (ReportStatus.SUBMITTED, ReportStatus.SUBMITTED_LATE):
            submitted += 1
        if status == ReportStatus.SUBMITTED:
            on_time += 1
    return Completeness(expected, submitted, on_time)
