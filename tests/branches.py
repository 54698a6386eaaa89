"""Answer sets built from a survey definition that take every branch of it.

Walks the definition (sections, questions, repeat groups, their relevance expressions) and
builds forms, as a browser would post them, such that together they make every relevance
expression both true and false (with what contains it shown) and every repeat group both
empty and full. Nothing here is written per survey: a new survey, or a new question in one,
is covered by the same walk. Each set is checked with the server's own ``validate`` so that
it is accepted as it stands.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from survey_app.surveys.expressions import references
from survey_app.surveys.model import BASELINE, Definition, Expr, QType, Question
from survey_app.surveys.validation import ValidationResult, validate

Form = dict[str, list[str]]
Branch = tuple[str, object]  # (target, True | False) or (repeat key, "empty" | "full")

#: Most combinations of candidate values tried for the fields one expression reads.
MAX_COMBINATIONS = 4000
#: Most rounds of changing the fields ``validate`` complains about.
MAX_REPAIRS = 60


@dataclass(frozen=True)
class Field:
    """One answer field: a plain question, a matrix row, an indicator part, a repeat child."""

    local: str  # the name inside its row (the field name outside repeats)
    question: Question
    part: str | None
    repeat: Question | None = None

    def name(self, row: int = 0) -> str:
        return self.local if self.repeat is None else f"{self.repeat.key}.{row}.{self.local}"


@dataclass
class AnswerSet:
    form: Form
    result: ValidationResult
    covers: set[Branch] = field(default_factory=set)


def _fields_of(question: Question, repeat: Question | None = None) -> list[Field]:
    if question.type is QType.INDICATOR:
        return [Field(f"{question.key}.{BASELINE}", question, BASELINE, repeat),
                Field(question.key, question, None, repeat)]
    return [Field(name, question, None, repeat) for name in question.field_names()]


def _expressions(definition: Definition) -> Iterator[Expr]:
    for section in definition.sections:
        if section.relevant:
            yield section.relevant
    for question in definition.all_questions():
        for expr in (question.relevant, question.constraint):
            if expr is not None:
                yield expr


def _literals(definition: Definition) -> tuple[set[float], set[str]]:
    """Every number and string written in the definition's expressions."""
    numbers: set[float] = set()
    strings: set[str] = set()
    for expr in _expressions(definition):
        stack = [expr.tree]
        while stack:
            node = stack.pop()
            if "num" in node:
                numbers.add(float(node["num"]))
            if "lit" in node:
                strings.add(str(node["lit"]))
            stack.extend(node.get("args", ()))
    return numbers, strings


def _number_text(value: float, integer: bool) -> str:
    return str(int(value)) if integer or float(value).is_integer() else repr(float(value))


class Candidates:
    """The values tried for each field, the preferred (a full answer) first, empty last."""

    def __init__(self, definition: Definition):
        self.numbers, self.strings = _literals(definition)
        self.serial = itertools.count(11)

    def of(self, f: Field, row: int) -> list[list[str]]:
        q = f.question
        name = f.name(row)
        if q.type in (QType.TEXT, QType.LONG_TEXT):
            limit = q.max_length or 500
            texts = [f"Đáp án {name} <b>&</b>"[:limit]]
            texts += ["0912345678901234567890"[: int(n)] for n in sorted(self.numbers)
                      if 0 < n <= min(limit, 22)]
            texts += [s for s in sorted(self.strings) if s and len(s) <= limit]
            return [[t] for t in texts] + [[]]
        if q.type is QType.PHONE:  # digits only, as many as the checks allow
            lengths = sorted({10, *(int(n) for n in self.numbers if 0 < n <= 15)})
            return [["0912345678901234"[:n]] for n in lengths] + [[]]
        if q.type in (QType.INTEGER, QType.DECIMAL, QType.INDICATOR):
            integer = q.is_integer
            low = q.min if q.min is not None else -1000.0
            high = q.max if q.max is not None else 10**6
            # a number of its own for each field where the range allows, to find on the page
            serial = next(self.serial)
            if q.min is None:
                preferred = float(serial)
            else:
                preferred = low + serial % max(1, min(97, int(high - low) + 1))
            values = [preferred, 12.5, *sorted(self.numbers)]
            values += [n + d for n in sorted(self.numbers) for d in (1, -1)]
            values += [low, high, 0, 1]
            seen: list[str] = []
            for v in values:
                if low <= v <= high and (not integer or float(v).is_integer()):
                    text = _number_text(v, integer)
                    if text not in seen:
                        seen.append(text)
            return [[t] for t in seen] + [[]]
        if q.type is QType.DATE:
            days = ["2017-06-30", "2016-12-31",
                    *(s for s in sorted(self.strings) if _is_date(s))]
            return [[d] for d in days] + [[]]
        if q.type is QType.MULTIPLE_CHOICE:
            values = [c.value for c in q.choices]
            return [values, *([v] for v in values)] + [[]]
        if q.is_choice:  # single choice, yes/no, rating, a matrix row
            return [[c.value] for c in q.choices] + [[]]
        raise AssertionError(f"no candidate values for question type {q.type}")


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


class Walker:
    """Builds the answer sets of one definition."""

    def __init__(self, definition: Definition, today: date):
        self.definition = definition
        self.today = today
        self.candidates = Candidates(definition)
        self.top: list[Field] = []
        self.repeats: list[Question] = []
        for question in definition.questions():
            if question.type is QType.REPEAT:
                self.repeats.append(question)
            else:
                self.top.extend(_fields_of(question))
        self.choices: dict[str, list[list[str]]] = {
            f.name(): self.candidates.of(f, 0) for f in self.top
        }
        for repeat in self.repeats:
            for row in range(repeat.max_rows):
                for child in repeat.questions:
                    for f in _fields_of(child, repeat):
                        self.choices[f.name(row)] = self.candidates.of(f, row)

    # -- the branches -------------------------------------------------------------------

    def branches(self) -> list[Branch]:
        found: list[Branch] = []
        for section in self.definition.sections:
            if section.relevant:
                found += [(section.key, True), (section.key, False)]
        for question in self.definition.questions():
            if question.relevant:
                found += [(question.key, True), (question.key, False)]
            if question.type is QType.REPEAT:
                # empty: shown with no row, or hidden; impossible when neither can be
                if question.min_rows == 0 or question.relevant:
                    found.append((question.key, "empty"))
                found.append((question.key, "full"))
                for child in question.questions:
                    if child.relevant:
                        found += [(f"{question.key}.0.{child.key}", True),
                                  (f"{question.key}.0.{child.key}", False)]
        return found

    def _container(self, target: str) -> str | None:
        """The section or repeat row whose being shown makes a False outcome count."""
        for section in self.definition.sections:
            if target == section.key:
                return None
            for question in section.questions:
                if target == question.key:
                    return section.key
                if target.startswith(question.key + "."):
                    return question.key
        raise AssertionError(f"unknown target {target}")

    def covered(self, form: Form, result: ValidationResult) -> set[Branch]:
        covers: set[Branch] = set()
        relevant = result.relevant
        for target, outcome in self.branches():
            if outcome in ("empty", "full"):
                rows = {a.repeat_index for a in result.answers
                        if a.repeat_index is not None and self._in_repeat(target, a.question_key)}
                repeat = self.definition.question(target)
                # shown with no row where the definition allows it, else hidden
                shown = relevant.get(target, False)
                if outcome == "empty" and not rows and (shown or repeat.min_rows > 0):
                    covers.add((target, outcome))
                if outcome == "full" and len(rows) == repeat.max_rows:
                    covers.add((target, outcome))
                continue
            container = self._container(target)
            shown = container is None or relevant.get(container, False)
            if shown and relevant.get(target, False) is outcome:
                covers.add((target, outcome))
        return covers

    def _in_repeat(self, repeat_key: str, question_key: str) -> bool:
        repeat = self.definition.question(repeat_key)
        return any(question_key in (c.key, *(r.key for r in c.rows)) for c in repeat.questions)

    # -- building forms -----------------------------------------------------------------

    def full_form(self) -> Form:
        """Every field answered with its preferred value, every repeat at its most rows."""
        return {name: values[0] for name, values in self.choices.items()}

    def _validate(self, form: Form) -> ValidationResult:
        return validate(self.definition, form, today=self.today)

    def repair(self, form: Form, fixed: set[str]) -> tuple[Form, ValidationResult]:
        """Change the fields ``validate`` complains about (never those in ``fixed``)."""
        form = dict(form)
        tried: dict[str, int] = {}
        result = self._validate(form)
        for _ in range(MAX_REPAIRS):
            if result.ok:
                break
            changed = False
            for name in result.errors:
                if name in fixed or name not in self.choices:
                    continue
                options = self.choices[name]
                current = form.get(name, [])
                index = tried.get(name, options.index(current) if current in options else 0) + 1
                if index < len(options):
                    tried[name] = index
                    form[name] = options[index]
                    changed = True
            if not changed:
                break
            result = self._validate(form)
        return form, result

    def refs(self, target: str) -> list[str]:
        """The form fields the target's relevance expression reads."""
        question = self.definition.question(target.rsplit(".", 1)[-1])
        section = next((s for s in self.definition.sections if s.key == target), None)
        expr = section.relevant if section is not None else question.relevant
        repeat = None
        if "." in target:
            repeat = self.definition.question(target.split(".", 1)[0])
        local = {f.local for c in (repeat.questions if repeat else ()) for f in _fields_of(c)}
        names = []
        for ref in sorted(references(expr.tree)):
            names.append(f"{repeat.key}.0.{ref}" if repeat is not None and ref in local else ref)
        return names

    def reach(self, base: Form, target: str, outcome: object) -> AnswerSet | None:
        if outcome in ("empty", "full"):
            return self._reach_rows(base, target, outcome)
        names = self.refs(target)
        options = [self.choices[name] for name in names]
        for combination in itertools.islice(itertools.product(*options), MAX_COMBINATIONS):
            form = {**base, **dict(zip(names, combination, strict=True))}
            form, result = self.repair(form, fixed=set(names))
            if result.ok and (target, outcome) in self.covered(form, result):
                return AnswerSet(form, result)
        return None

    def _reach_rows(self, base: Form, repeat_key: str, outcome: object) -> AnswerSet | None:
        starts = [base]
        repeat = self.definition.question(repeat_key)
        if repeat.relevant:
            shown = self.reach(base, repeat_key, True)
            hidden = self.reach(base, repeat_key, False)
            starts += [s.form for s in (shown, hidden) if s is not None]
        prefix = repeat_key + "."
        for start in starts:
            form = dict(start)
            if outcome == "empty":
                form = {k: v for k, v in form.items() if not k.startswith(prefix)}
            form, result = self.repair(form, fixed=set())
            if result.ok and (repeat_key, outcome) in self.covered(form, result):
                return AnswerSet(form, result)
        return None

    def answer_sets(self) -> list[AnswerSet]:
        base, result = self.repair(self.full_form(), fixed=set())
        if not result.ok:
            raise AssertionError(
                f"{self.definition.key}: no fully answered form passes validation: "
                f"{result.errors}"
            )
        sets = [AnswerSet(base, result, self.covered(base, result))]
        covered = set(sets[0].covers)
        missing = []
        for branch in self.branches():
            if branch in covered:
                continue
            found = self.reach(base, *branch)
            if found is None:
                missing.append(branch)
                continue
            found.covers = self.covered(found.form, found.result)
            covered |= found.covers
            sets.append(found)
        if missing:
            raise AssertionError(
                f"{self.definition.key}: no answers found that take these branches "
                f"(extend tests/branches.py): {missing}"
            )
        return sets


def answer_sets(definition: Definition, *, today: date) -> list[AnswerSet]:
    """Forms that together take every branch of ``definition``; each passes validation."""
    return Walker(definition, today).answer_sets()


def branches(definition: Definition) -> list[Branch]:
    return Walker(definition, date.today()).branches()
