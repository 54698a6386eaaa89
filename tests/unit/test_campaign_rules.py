"""Quota coverage, deadlines, lateness and completeness, with a fixed clock."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from survey_app.campaigns.config import load_campaign, load_campaign_file
from survey_app.campaigns.rules import (
    PlannedUnit,
    ReportStatus,
    completeness,
    days_left,
    is_late,
    owes_report,
    quota_coverage,
    report_status,
    rules_broken_by_removal,
    unmet,
)

SHIPPED = Path(__file__).resolve().parents[2] / "surveys" / "campaigns" / "nq20_2017.yaml"
CONFIG = load_campaign_file(SHIPPED)
GRACE = load_campaign(SHIPPED.read_text(encoding="utf-8").replace("grace_days: 0", "grace_days: 3"))


def unit(code, kind, parent_kind="province"):
    return PlannedUnit(code, kind, parent_kind)


FULL_PLAN = [
    unit("D1", "district"), unit("D2", "district"), unit("D3", "district"),
    unit("S1", "sector"), unit("G1", "grassroots"), unit("C1", "central_sector"),
    unit("C2", "central_sector"),
]


def figures(results):
    return [(r.quota.label.vi, r.planned, r.quota.min, r.met) for r in results]


def test_a_full_plan_meets_every_rule():
    assert unmet(quota_coverage(CONFIG.quotas, FULL_PLAN)) == []


def test_two_districts_fall_one_short():
    results = quota_coverage(CONFIG.quotas, FULL_PLAN[1:])
    missing = unmet(results)
    assert [(r.quota.label.vi, r.planned, r.shortfall) for r in missing] == [
        ("LĐLĐ huyện, thành phố", 2, 1)]


def test_grassroots_under_a_district_does_not_count_as_directly_under_the_province():
    plan = [u for u in FULL_PLAN if u.code != "G1"] + [unit("G2", "grassroots", "district")]
    missing = unmet(quota_coverage(CONFIG.quotas, plan))
    assert [r.quota.label.vi for r in missing] == ["CĐCS trực thuộc LĐLĐ tỉnh"]


def test_a_unit_planned_twice_counts_once():
    plan = FULL_PLAN[1:] + [FULL_PLAN[1]]
    assert figures(quota_coverage(CONFIG.quotas, plan))[0] == (
        "LĐLĐ huyện, thành phố", 2, 3, False)


def test_other_kinds_count_for_nothing():
    plan = [unit("N1", "trade_association"), unit("V1", "civil_servants")]
    assert all(r.planned == 0 for r in quota_coverage(CONFIG.quotas, plan))


def test_removal_that_breaks_a_met_rule_is_named():
    broken = rules_broken_by_removal(CONFIG.quotas, FULL_PLAN, FULL_PLAN[0])
    assert [r.quota.label.vi for r in broken] == ["LĐLĐ huyện, thành phố"]
    extra = [*FULL_PLAN, unit("D4", "district")]
    assert rules_broken_by_removal(CONFIG.quotas, extra, extra[0]) == []


@pytest.mark.parametrize(
    ("kind", "submitted", "late"),
    [
        ("grassroots", date(2017, 10, 4), False),
        ("grassroots", date(2017, 10, 5), False),  # on the deadline day
        ("grassroots", date(2017, 10, 6), True),
        ("district", date(2017, 10, 6), False),
        ("district", date(2017, 10, 11), True),
        ("province", date(2017, 11, 10), False),
    ],
)
def test_lateness_without_grace(kind, submitted, late):
    assert is_late(CONFIG, kind, submitted) is late


@pytest.mark.parametrize(
    ("submitted", "late"),
    [(date(2017, 10, 5), False), (date(2017, 10, 8), False), (date(2017, 10, 9), True)],
)
def test_grace_days_extend_on_time(submitted, late):
    assert is_late(GRACE, "grassroots", submitted) is late


def test_days_left_counts_to_the_deadline():
    deadline = date(2017, 10, 5)
    assert days_left(deadline, date(2017, 10, 1)) == 4
    assert days_left(deadline, deadline) == 0
    assert days_left(deadline, date(2017, 10, 7)) == -2
    assert days_left(None, deadline) is None


@pytest.mark.parametrize(
    ("state", "first_submitted", "today", "status"),
    [
        (None, None, date(2017, 10, 5), ReportStatus.NOT_STARTED),
        (None, None, date(2017, 10, 6), ReportStatus.OVERDUE),
        ("draft", None, date(2017, 10, 1), ReportStatus.DRAFT),
        ("draft", None, date(2017, 10, 6), ReportStatus.OVERDUE),
        ("returned", date(2017, 10, 2), date(2017, 10, 3), ReportStatus.RETURNED),
        ("returned", date(2017, 10, 2), date(2017, 10, 9), ReportStatus.OVERDUE),
        ("submitted", date(2017, 10, 5), date(2017, 12, 1), ReportStatus.SUBMITTED),
        ("submitted", date(2017, 10, 6), date(2017, 10, 6), ReportStatus.SUBMITTED_LATE),
    ],
)
def test_report_status(state, first_submitted, today, status):
    assert report_status(CONFIG, "grassroots", state, first_submitted, today) == status


def test_status_within_grace_is_not_overdue():
    assert report_status(GRACE, "grassroots", None, None, date(2017, 10, 8)) == (
        ReportStatus.NOT_STARTED)
    assert report_status(GRACE, "grassroots", None, None, date(2017, 10, 9)) == (
        ReportStatus.OVERDUE)


@pytest.mark.parametrize(
    ("kind", "active_from", "active_until", "owes"),
    [
        ("national", None, None, False),  # no deadline: owes no report
        ("grassroots", None, None, True),
        ("grassroots", date(2017, 9, 20), None, True),  # set up mid-campaign, before its deadline
        ("grassroots", date(2017, 10, 6), None, False),  # set up after its deadline
        ("grassroots", None, date(2017, 9, 1), False),  # dissolved before its deadline
        ("grassroots", None, date(2017, 10, 5), True),  # dissolved on its deadline day
        ("district", date(2017, 10, 6), None, True),  # district deadline is 10/10
    ],
)
def test_who_owes_a_report(kind, active_from, active_until, owes):
    assert owes_report(CONFIG, kind, active_from, active_until) is owes


def test_completeness_rates_never_pass_100():
    statuses = [ReportStatus.SUBMITTED, ReportStatus.SUBMITTED_LATE, ReportStatus.OVERDUE,
                ReportStatus.NOT_STARTED]
    figures = completeness(statuses)
    assert (figures.expected, figures.submitted, figures.on_time) == (4, 2, 1)
    assert (figures.reporting_rate, figures.on_time_rate) == (50.0, 25.0)
    empty = completeness([])
    assert empty.reporting_rate is None and empty.on_time_rate is None
