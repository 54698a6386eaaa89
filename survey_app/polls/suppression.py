"""Small-group suppression for the results of anonymous polls (pure Python: no Flask, no DB).

Workers answer anonymous polls about their union and employer; showing the answers of a
handful of people from one unit can identify them, which is a safety matter. Every page,
export and API that shows results builds its figures through this module.

Use
---
A *breakdown* is one question's answers split by group (usually by unit): rows are groups,
columns are choice values, and each group also has its number of *respondents* (people who
answered this question; for a multiple-choice question that is not the sum of the row)::

    safe = suppress(Breakdown(groups, choices, counts, respondents), threshold)
    safe.cells[(group, choice)]      # Cell(value, hidden, reason)
    safe.group_totals[group]         # respondents of the group
    safe.choice_totals[choice]       # count over all groups
    safe.total                       # all respondents
    safe.row(group), safe.overall()  # one group's / the overall distribution, same suppression

    suppress_single(respondents, counts, threshold)  # one distribution on its own
    safe_count(n, threshold)                         # one lone figure

A hidden `Cell` has `value=None`, so a template or export cannot print the number by
mistake. `DEFAULT_THRESHOLD` is 5; `threshold` must be an int >= 1, and 1 turns suppression
off (every group of one person is then shown, so nothing is left to protect).

Rules, and why (``T`` is the threshold)
---------------------------------------
1. **Small groups.** A group with fewer than T respondents is hidden entirely - all its
   cells and its total - with reason ``"small"``. *This includes groups with 0
   respondents*: a 0 looks harmless, but questions can be optional or shown only after some
   answer ("relevant"), so "nobody in unit X answered Q7" can reveal that the three people
   of unit X who took the poll all answered "no" to Q6. Units in which nobody took the poll
   at all reveal nothing and may simply be left out of the breakdown by the caller (decide
   that on poll-level responses, never on this question's respondents).

2. **Complementary suppression.** The grand total is shown, and so are the totals of the
   shown groups, so a reader can subtract: ``total - shown group totals = H``, the combined
   respondents of the hidden groups. With one hidden group of 3, H is that group's exact
   size; with hidden groups of 1 and 2, H = 3 is a group of 3 people as if it had been
   shown. So while some group is hidden and ``H < T``, the smallest shown group is hidden too
   (ties: the first in display order), with reason ``"complement"``. Every shown group has
   at least T respondents, so one such step always brings H to >= T. Afterwards any hidden
   set has at least two groups and H >= T, and the sum is all a reader can get: the hidden
   groups' totals and cells are hidden, so no single hidden group can be isolated.

   Choice totals are computed over *all* groups. ``choice total - shown cells`` gives the
   hidden groups' combined count for that choice: that is the breakdown of a pool of
   H >= T respondents, exactly as much as showing a group of H people would reveal, and it
   cannot be split between the hidden groups. It is therefore shown.

   If no group is left to hide, every group with respondents is hidden and H is the grand
   total: that is rule 3.

3. **Small tables.** If the whole table has fewer than T respondents, everything is hidden
   (cells, group totals, choice totals, total) with reason ``"small"``.

The complement is chosen from the respondent counts alone, so questions answered by the
same people are suppressed the same way on every page.

What this does *not* cover (the caller's part)
----------------------------------------------
* **Show one explanation for all hidden figures.** ``reason`` is for tests, logs and
  audits. Printing "complement" next to a unit tells the reader it has >= T respondents,
  which with the derivable H can pin a small group: hidden groups of 1 ("small") and
  5 ("complement") with T = 5 give H = 6, so the small one is exactly 1.
* **Differencing across pages.** Each table is safe on its own; a figure published
  elsewhere can undo it. If unit B was hidden as a complement in the by-unit table, a page
  "results of unit B" would give away the small unit by subtraction. Show a group's own
  results via ``safe.row(group)`` of the breakdown it appears in, and overall results via
  ``safe.overall()`` (the same numbers as the table's totals). The same holds for the unit
  hierarchy: a parent's figure is the total of its children's table.
* **Unanimity.** If everyone in a shown group (or in the pooled hidden groups) gave the same
  answer, that answer is known for each of them. Any threshold rule accepts this; cells
  with small counts inside a shown group (1 of 20 chose "other") are shown, since they do
  not say who.
* **Sizes of hidden groups.** What is protected is the *answers* of a small group. A reader
  who knows these rules can sometimes work out how many people a hidden group has (T = 5,
  two hidden groups pooling 8 people: each is "fewer than 5", so both are 4). Their answers
  still only show pooled, over H >= T people. The tests check this by brute force on small
  tables: apart from a unanimous pool, no hidden group's answers can be pinned down.

Errors
------
``ValueError`` for input that cannot be a real breakdown: a threshold below 1, a negative
count, a count above its group's respondents, a key that is not one of the groups/choices,
or a group or choice listed twice. ``TypeError`` for a threshold that is not an int.
Anything else (no groups, no choices, missing counts = 0, all zeros) is fine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

DEFAULT_THRESHOLD = 5

Reason = Literal["small", "complement"]
SMALL: Reason = "small"
COMPLEMENT: Reason = "complement"


@dataclass(frozen=True)
class Cell:
    """One figure as it may be shown: `value` is None exactly when `hidden`.

    `reason` (``"small"``, ``"complement"`` or None when shown) is for tests and logs; do not
    print it per cell (see the module docstring)."""

    value: int | None
    hidden: bool = False
    reason: Reason | None = None

    @staticmethod
    def shown(value: int) -> Cell:
        return Cell(value, False, None)

    @staticmethod
    def hide(reason: Reason) -> Cell:
        return Cell(None, True, reason)


@dataclass(frozen=True)
class Breakdown:
    """One question's answers split by group: rows are groups, columns are choice values.

    `counts` maps (group, choice) to a count; missing pairs are 0. `respondents` maps a group
    to the number of people who answered the question (missing = 0); for multiple choice it
    is not the sum of the row."""

    groups: Sequence[str]
    choices: Sequence[str]
    counts: Mapping[tuple[str, str], int]
    respondents: Mapping[str, int]


@dataclass(frozen=True)
class SafeDistribution:
    """One group's answers (or the overall answers), all shown or all hidden."""

    choices: tuple[str, ...]
    cells: dict[str, Cell]
    total: Cell
    threshold: int

    @property
    def hidden(self) -> bool:
        return self.total.hidden


@dataclass(frozen=True)
class SafeBreakdown:
    """A `Breakdown` as it may be shown; see the module docstring for the rules."""

    groups: tuple[str, ...]
    choices: tuple[str, ...]
    cells: dict[tuple[str, str], Cell]
    group_totals: dict[str, Cell]
    choice_totals: dict[str, Cell]
    total: Cell
    hidden_groups: frozenset[str]
    threshold: int

    @property
    def any_hidden(self) -> bool:
        return bool(self.hidden_groups) or self.total.hidden

    def row(self, group: str) -> SafeDistribution:
        """The group's own distribution, hidden exactly when its row is hidden here."""
        return SafeDistribution(
            self.choices,
            {c: self.cells[(group, c)] for c in self.choices},
            self.group_totals[group],
            self.threshold,
        )

    def overall(self) -> SafeDistribution:
        """The distribution over all groups (the table's totals)."""
        return SafeDistribution(self.choices, dict(self.choice_totals), self.total, self.threshold)


def _check_threshold(threshold: int) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, int):
        raise TypeError(f"threshold must be an int, not {type(threshold).__name__}")
    if threshold < 1:
        raise ValueError(f"threshold must be at least 1, not {threshold}")


def _is_small(n: int, threshold: int) -> bool:
    # Threshold 1 means suppression is off: even a 0 then protects nobody.
    return threshold > 1 and n < threshold


def safe_count(n: int, threshold: int = DEFAULT_THRESHOLD) -> Cell:
    """A lone figure of respondents: hidden ("small") when fewer than `threshold`, 0 included."""
    _check_threshold(threshold)
    if n < 0:
        raise ValueError(f"negative count: {n}")
    return Cell.hide(SMALL) if _is_small(n, threshold) else Cell.shown(n)


def suppress(breakdown: Breakdown, threshold: int = DEFAULT_THRESHOLD) -> SafeBreakdown:
    """Hide what would identify small groups, directly or by subtraction (module docstring)."""
    _check_threshold(threshold)
    groups, choices = tuple(breakdown.groups), tuple(breakdown.choices)
    if len(set(groups)) != len(groups):
        raise ValueError("a group is listed twice")
    if len(set(choices)) != len(choices):
        raise ValueError("a choice is listed twice")
    group_set, choice_set = set(groups), set(choices)

    respondents = {g: 0 for g in groups}
    for group, n in breakdown.respondents.items():
        if group not in group_set:
            raise ValueError(f"respondents for unknown group {group!r}")
        if n < 0:
            raise ValueError(f"negative respondents for group {group!r}: {n}")
        respondents[group] = n
    counts = {(g, c): 0 for g in groups for c in choices}
    for (group, choice), n in breakdown.counts.items():
        if group not in group_set or choice not in choice_set:
            raise ValueError(f"count for unknown cell {(group, choice)!r}")
        if n < 0:
            raise ValueError(f"negative count for {(group, choice)!r}: {n}")
        if n > respondents[group]:
            raise ValueError(f"count for {(group, choice)!r} exceeds the group's respondents")
        counts[(group, choice)] = n

    total = sum(respondents.values())
    if _is_small(total, threshold):
        # Rule 3: nothing can be shown without showing fewer than `threshold` people.
        hidden = dict.fromkeys(groups, SMALL)
    else:
        # Rule 1: small groups.
        hidden = {g: SMALL for g in groups if _is_small(respondents[g], threshold)}
        # Rule 2: complements, until the hidden groups pool at least `threshold` people.
        # Ends: total >= threshold, so hiding every group would make the pool big enough.
        while hidden and sum(respondents[g] for g in hidden) < threshold:
            shown = [(respondents[g], i, g) for i, g in enumerate(groups) if g not in hidden]
            hidden[min(shown)[2]] = COMPLEMENT

    def cell(group: str, value: int) -> Cell:
        return Cell.hide(hidden[group]) if group in hidden else Cell.shown(value)

    totals_hidden = _is_small(total, threshold)
    return SafeBreakdown(
        groups=groups,
        choices=choices,
        cells={(g, c): cell(g, counts[(g, c)]) for g in groups for c in choices},
        group_totals={g: cell(g, respondents[g]) for g in groups},
        choice_totals={
            c: Cell.hide(SMALL)
            if totals_hidden
            else Cell.shown(sum(counts[(g, c)] for g in groups))
            for c in choices
        },
        total=Cell.hide(SMALL) if totals_hidden else Cell.shown(total),
        hidden_groups=frozenset(hidden),
        threshold=threshold,
    )


def suppress_single(
    respondents: int, counts: Mapping[str, int], threshold: int = DEFAULT_THRESHOLD
) -> SafeDistribution:
    """One distribution on its own (choice -> count, in the mapping's order): all hidden
    ("small") when `respondents` < `threshold`, 0 included.

    Only for figures that are not also a row of a published breakdown; otherwise use
    `SafeBreakdown.row` so that complement suppression is not undone."""
    choices = tuple(counts)
    safe = suppress(
        Breakdown(("",), choices, {("", c): n for c, n in counts.items()}, {"": respondents}),
        threshold,
    )
    return safe.row("")
