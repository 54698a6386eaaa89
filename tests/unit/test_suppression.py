"""Small-group suppression: worked examples, odd input, and a property test with a reader who
knows every shown figure and subtracts."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey_app.polls.suppression import (
    DEFAULT_THRESHOLD,
    Breakdown,
    Cell,
    SafeBreakdown,
    safe_count,
    suppress,
    suppress_single,
)

YES_NO = ("yes", "no")


def table(rows: dict[str, tuple[int, int]]) -> Breakdown:
    """A single-choice yes/no breakdown: group -> (yes, no)."""
    counts = {(g, c): n for g, pair in rows.items() for c, n in zip(YES_NO, pair, strict=True)}
    return Breakdown(list(rows), YES_NO, counts, {g: sum(pair) for g, pair in rows.items()})


def reasons(safe: SafeBreakdown) -> dict[str, str | None]:
    return {g: safe.group_totals[g].reason for g in safe.groups}


def test_default_threshold_is_five():
    assert DEFAULT_THRESHOLD == 5
    safe = suppress(table({"A": (2, 2), "B": (3, 2), "C": (4, 4)}))
    assert safe.threshold == 5


def test_nothing_hidden_when_every_group_is_large():
    safe = suppress(table({"A": (3, 2), "B": (10, 0)}))
    assert not safe.any_hidden
    assert safe.cells[("A", "yes")] == Cell(3, False, None)
    assert safe.group_totals["B"] == Cell(10, False, None)
    assert safe.choice_totals == {"yes": Cell(13), "no": Cell(2)}
    assert safe.total == Cell(15)


def test_one_small_group_takes_the_smallest_other_group_with_it():
    # A alone would be total - B - C - D = 3: D (the smallest shown) is hidden too.
    safe = suppress(table({"A": (2, 1), "B": (10, 10), "C": (6, 6), "D": (3, 3)}))
    assert reasons(safe) == {"A": "small", "B": None, "C": None, "D": "complement"}
    assert safe.hidden_groups == {"A", "D"}
    assert safe.cells[("A", "yes")] == Cell(None, True, "small")
    assert safe.cells[("D", "no")] == Cell(None, True, "complement")
    assert safe.group_totals["D"].value is None
    # Totals stay: subtracting leaves A+D together, 9 >= 5 people.
    assert safe.total == Cell(41)
    assert safe.choice_totals["yes"] == Cell(21)


def test_two_small_groups_that_add_up_to_a_small_pool_need_a_complement():
    safe = suppress(table({"A": (1, 0), "B": (1, 1), "C": (4, 4), "D": (5, 5)}))
    assert reasons(safe) == {"A": "small", "B": "small", "C": "complement", "D": None}
    assert not safe.total.hidden


def test_small_groups_that_pool_enough_people_need_no_complement():
    safe = suppress(table({"A": (2, 1), "B": (2, 2), "C": (4, 4)}))
    assert reasons(safe) == {"A": "small", "B": "small", "C": None}
    assert safe.total == Cell(15)


def test_complement_ties_go_to_the_first_group_in_display_order():
    safe = suppress(table({"A": (5, 0), "B": (1, 0), "C": (3, 2)}))
    assert reasons(safe) == {"A": "complement", "B": "small", "C": None}


def test_a_group_with_no_respondents_is_hidden_and_needs_a_complement():
    # "Nobody in unit Z answered" can give away the answer of those who skipped the question.
    safe = suppress(table({"Z": (0, 0), "B": (5, 5), "C": (3, 3)}))
    assert reasons(safe) == {"Z": "small", "B": None, "C": "complement"}
    assert safe.cells[("Z", "yes")].value is None


def test_a_small_table_hides_everything():
    safe = suppress(table({"A": (1, 1), "B": (2, 0)}))
    assert safe.hidden_groups == {"A", "B"}
    assert all(c == Cell(None, True, "small") for c in safe.cells.values())
    assert safe.total == Cell(None, True, "small")
    assert all(c.hidden for c in safe.choice_totals.values())
    assert safe.overall().hidden


def test_no_groups_no_choices_or_no_counts_do_not_raise():
    assert suppress(Breakdown([], [], {}, {})).total.hidden
    assert suppress(Breakdown(["A"], [], {}, {"A": 7})).total == Cell(7)
    safe = suppress(Breakdown(["A", "B"], YES_NO, {}, {}))
    assert safe.hidden_groups == {"A", "B"} and safe.total.hidden


def test_multiple_choice_respondents_are_not_the_row_sum():
    counts = {("A", "x"): 4, ("A", "y"): 4, ("B", "x"): 9, ("B", "y"): 1}
    safe = suppress(Breakdown(["A", "B"], ["x", "y"], counts, {"A": 4, "B": 9}))
    assert safe.hidden_groups == {"A", "B"}  # A has 4 people, not 8
    assert safe.total == Cell(13)
    assert safe.choice_totals == {"x": Cell(13), "y": Cell(5)}


def test_threshold_is_configurable_and_one_turns_suppression_off():
    rows = {"A": (1, 0), "B": (0, 0), "C": (2, 2)}
    assert not suppress(table(rows), threshold=1).any_hidden
    assert suppress(table(rows), threshold=1).group_totals["B"] == Cell(0)
    assert suppress(table(rows), threshold=2).hidden_groups == {"A", "B", "C"}
    assert suppress(table({"A": (2, 0), "B": (1, 0)}), threshold=2).hidden_groups == {"A", "B"}


def test_row_and_overall_follow_the_table():
    safe = suppress(table({"A": (2, 1), "B": (10, 10), "C": (6, 6), "D": (3, 3)}))
    assert safe.row("B").cells == {"yes": Cell(10), "no": Cell(10)}
    assert safe.row("B").total == Cell(20) and not safe.row("B").hidden
    # D is fine on its own, but shown on its own page it would give A away.
    assert safe.row("D").hidden and safe.row("D").cells["yes"].value is None
    assert safe.overall().cells == safe.choice_totals and safe.overall().total == safe.total


def test_suppress_single():
    shown = suppress_single(6, {"yes": 4, "no": 2})
    assert shown.choices == ("yes", "no") and not shown.hidden
    assert shown.cells == {"yes": Cell(4), "no": Cell(2)} and shown.total == Cell(6)
    hidden = suppress_single(4, {"yes": 4, "no": 0})
    assert hidden.hidden and hidden.total == Cell(None, True, "small")
    assert all(c == Cell(None, True, "small") for c in hidden.cells.values())
    assert suppress_single(0, {"yes": 0}).hidden
    assert not suppress_single(3, {"yes": 3}, threshold=3).hidden


def test_safe_count():
    assert safe_count(5) == Cell(5)
    assert safe_count(4) == Cell(None, True, "small")
    assert safe_count(0).hidden
    assert safe_count(0, threshold=1) == Cell(0)


@pytest.mark.parametrize(
    "breakdown",
    [
        Breakdown(["A"], ["x"], {("A", "x"): -1}, {"A": 5}),
        Breakdown(["A"], ["x"], {}, {"A": -1}),
        Breakdown(["A"], ["x"], {("A", "x"): 6}, {"A": 5}),
        Breakdown(["A"], ["x"], {("B", "x"): 1}, {"A": 5}),
        Breakdown(["A"], ["x"], {("A", "y"): 1}, {"A": 5}),
        Breakdown(["A"], ["x"], {}, {"B": 5}),
        Breakdown(["A", "A"], ["x"], {}, {}),
        Breakdown(["A"], ["x", "x"], {}, {}),
    ],
)
def test_impossible_breakdowns_raise_value_error(breakdown):
    with pytest.raises(ValueError):
        suppress(breakdown)


def test_bad_thresholds():
    for bad in (0, -5):
        with pytest.raises(ValueError):
            suppress(table({"A": (5, 5)}), threshold=bad)
        with pytest.raises(ValueError):
            safe_count(3, threshold=bad)
    for wrong in ("5", 5.0, True):
        with pytest.raises(TypeError):
            suppress(table({"A": (5, 5)}), threshold=wrong)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        safe_count(-1)


# --- property test ------------------------------------------------------------------------


@st.composite
def breakdowns(draw) -> Breakdown:
    groups = [f"g{i}" for i in range(draw(st.integers(0, 7)))]
    choices = [f"c{i}" for i in range(draw(st.integers(0, 4)))]
    multiple = draw(st.booleans())
    respondents = {g: draw(st.integers(0, 14)) for g in groups}
    counts: dict[tuple[str, str], int] = {}
    for g in groups:
        if multiple or not choices:
            for c in choices:
                counts[(g, c)] = draw(st.integers(0, respondents[g]))
        else:  # single choice: the row adds up to the respondents
            picks = draw(
                st.lists(st.sampled_from(choices), min_size=respondents[g], max_size=respondents[g])
            )
            for c in picks:
                counts[(g, c)] = counts.get((g, c), 0) + 1
    return Breakdown(groups, choices, counts, respondents)


def attacker(safe: SafeBreakdown) -> tuple[dict[str, int], int | None, dict[str, int | None]]:
    """Everything a reader can work out by subtraction, from the shown figures only.

    Returns the exact respondents of any hidden group that can be isolated, the derived
    respondents of the hidden groups together (None when the total is hidden), and the
    derived combined count of the hidden groups per choice."""
    shown = [g for g in safe.groups if not safe.group_totals[g].hidden]
    hidden = [g for g in safe.groups if safe.group_totals[g].hidden]
    if safe.total.hidden:
        return {}, None, dict.fromkeys(safe.choices)
    pool = safe.total.value - sum(safe.group_totals[g].value for g in shown)
    per_choice = {
        c: safe.choice_totals[c].value - sum(safe.cells[(g, c)].value for g in shown)
        for c in safe.choices
    }
    # With only sums known, one hidden group is isolated exactly when it is alone; with two
    # or more, each can be anything from 0 to the pool.
    isolated = {hidden[0]: pool} if len(hidden) == 1 else {}
    return isolated, pool, per_choice


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(breakdowns(), st.integers(1, 8))
def test_no_reader_can_work_out_a_small_group(breakdown, threshold):
    safe = suppress(breakdown, threshold)
    respondents = {g: breakdown.respondents.get(g, 0) for g in breakdown.groups}

    # (d) nothing shown is wrong, and nothing hidden carries a number.
    every: list[tuple[Cell, int]] = [
        (safe.cells[(g, c)], breakdown.counts.get((g, c), 0))
        for g in breakdown.groups
        for c in breakdown.choices
    ]
    every += [(safe.group_totals[g], respondents[g]) for g in breakdown.groups]
    every += [
        (safe.choice_totals[c], sum(breakdown.counts.get((g, c), 0) for g in breakdown.groups))
        for c in breakdown.choices
    ]
    every.append((safe.total, sum(respondents.values())))
    for cell, truth in every:
        assert (cell.value is None) == cell.hidden == (cell.reason is not None)
        assert cell.hidden or cell.value == truth
    # A group is hidden as a whole.
    for g in breakdown.groups:
        row = [safe.cells[(g, c)].hidden for c in breakdown.choices]
        assert all(h == (g in safe.hidden_groups) for h in [*row, safe.group_totals[g].hidden])

    # (a) no shown group is small (with threshold 1, suppression is off).
    for g in breakdown.groups:
        if g not in safe.hidden_groups and threshold > 1:
            assert respondents[g] >= threshold

    isolated, pool, per_choice = attacker(safe)
    hidden_respondents = sum(respondents[g] for g in safe.hidden_groups)
    if pool is not None:
        assert pool == hidden_respondents  # the attacker's arithmetic is right
        for c, n in per_choice.items():
            assert n == sum(breakdown.counts.get((g, c), 0) for g in safe.hidden_groups)
        # (b) the hidden groups pool at least `threshold` people whenever the total is shown.
        assert not safe.hidden_groups or hidden_respondents >= threshold
    # (c) no hidden group can be isolated.
    assert isolated == {}

    # Totals are hidden only for a small table, and then everything is.
    if safe.total.hidden:
        assert sum(respondents.values()) < threshold
        assert safe.hidden_groups == set(breakdown.groups)
        assert all(c.hidden for c in safe.choice_totals.values())
    # Complements are only taken when needed: without the last one, the pool was too small.
    complements = [g for g in breakdown.groups if safe.group_totals[g].reason == "complement"]
    assert len(complements) <= 1
    if complements:
        assert hidden_respondents - respondents[complements[0]] < threshold


def _yes_no(groups: list[str], rows: tuple[tuple[int, int], ...]) -> Breakdown:
    counts = {
        (g, c): n
        for g, row in zip(groups, rows, strict=True)
        for c, n in zip(YES_NO, row, strict=True)
    }
    return Breakdown(groups, YES_NO, counts, {g: sum(r) for g, r in zip(groups, rows, strict=True)})


def _public(safe: SafeBreakdown) -> tuple:
    """What a reader sees: every figure's value (None when hidden), not the reasons."""
    return (
        tuple(c.value for c in safe.cells.values()),
        tuple(c.value for c in safe.group_totals.values()),
        tuple(c.value for c in safe.choice_totals.values()),
        safe.total.value,
    )


def _splits(n: int, k: int):
    if k == 1:
        yield (n,)
        return
    for first in range(n + 1):
        for rest in _splits(n - first, k - 1):
            yield (first, *rest)


@pytest.mark.parametrize("threshold", [2, 3])
def test_a_reader_who_knows_the_algorithm_learns_no_small_groups_answers(threshold):
    """Exhaustively, for small yes/no tables of three units: a reader who sees every shown
    figure and knows how `suppress` picks complements lists every table that would look the
    same. Unless the hidden pool answered unanimously (which any threshold rule gives away, as
    for a shown group), no hidden group's answers are the same in all of them."""
    groups = ["A", "B", "C"]
    rows = [(y, n) for y in range(threshold + 3) for n in range(threshold + 3 - y)]
    checked = 0
    for table_rows in itertools.product(rows, repeat=len(groups)):
        safe = suppress(_yes_no(groups, table_rows), threshold)
        hidden = [i for i, g in enumerate(groups) if g in safe.hidden_groups]
        pool_yes = sum(table_rows[i][0] for i in hidden)
        pool_no = sum(table_rows[i][1] for i in hidden)
        if safe.total.hidden or not hidden or pool_yes == 0 or pool_no == 0:
            continue
        checked += 1
        seen = _public(safe)
        looks_the_same = []
        for yes in _splits(pool_yes, len(hidden)):
            for no in _splits(pool_no, len(hidden)):
                candidate = list(table_rows)
                for i, y, n in zip(hidden, yes, no, strict=True):
                    candidate[i] = (y, n)
                if _public(suppress(_yes_no(groups, tuple(candidate)), threshold)) == seen:
                    looks_the_same.append(tuple(zip(yes, no, strict=True)))
        for j, i in enumerate(hidden):
            assert len({c[j] for c in looks_the_same}) > 1, (table_rows, groups[i])
    assert checked > 100
