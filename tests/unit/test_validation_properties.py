"""Property tests: whatever a form body holds, validation answers with a result, never an
exception, and never stores or requires the answer to a question the person could not see."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from survey_app.surveys.expressions import parse
from survey_app.surveys.model import (
    Audience,
    Choice,
    Definition,
    Expr,
    MatrixRow,
    QType,
    Question,
    Section,
    Text,
)
from survey_app.surveys.validation import FORM_ERROR, ValidationResult, relevance, validate

TODAY = date(2024, 5, 15)
PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def expr(text: str | None) -> Expr | None:
    return Expr(text, parse(text)) if text else None


def choices(*values: str) -> tuple[Choice, ...]:
    return tuple(Choice(value, Text(value)) for value in values)


def q(key: str, qtype: str, relevant: str | None = None, **kw) -> Question:
    kind = QType(qtype)
    if kind is QType.YES_NO:
        kw.setdefault("choices", choices("yes", "no"))
    if isinstance(kw.get("constraint"), str):
        kw["constraint"] = expr(kw["constraint"])
    return Question(key=key, type=kind, label=Text(key), relevant=expr(relevant), **kw)


DEFINITION = Definition(
    key="prop",
    title=Text("prop"),
    audience=Audience.UNIT_REPORT,
    sections=(
        Section(
            key="s_main",
            title=Text("main"),
            questions=(
                q("member", "yes_no", required=True),
                q("union_recent", "yes_no", "${union_year} >= 2000", required=True),
                q("union_year", "integer", "${member} = 'yes'", required=True, min=1900),
                q("roles", "multiple_choice", choices=choices("a", "b", "c"), required=True),
                q("why_c", "text", "selected(${roles}, 'c')", required=True, max_length=5),
                q("hours", "decimal", min=0, max=24, constraint=". != 13"),
                q("started", "date", "${hours} > 1", required=True, constraint=". <= today()"),
                q("note1", "note", "${member} = 'no'"),
                q(
                    "m",
                    "matrix",
                    "count-selected(${roles}) >= 2",
                    choices=choices("1", "2", "3"),
                    rows=(MatrixRow("m_pay", Text("pay")), MatrixRow("m_safety", Text("safe"))),
                    required=True,
                ),
                q("ind", "indicator", "${member} != 'no'", min=0, required=True),
            ),
        ),
        Section(
            key="s_union",
            title=Text("union"),
            relevant=expr("${member} = 'yes' and ${ind.baseline} > 0"),
            questions=(q("dues", "integer", required=True), q("meets", "long_text", "${dues} > 0")),
        ),
        Section(
            key="s_kids",
            title=Text("kids"),
            questions=(
                q(
                    "kids",
                    "repeat",
                    "${has_kids} = 'yes'",
                    min_rows=1,
                    max_rows=3,
                    questions=(
                        q("kname", "text", required=True),
                        q("kage", "integer", required=True, min=0),
                        q("school", "yes_no", "${kage} >= 6 and ${member} = 'yes'", required=True),
                        q("kgrade", "integer", "${school} = 'yes'", required=True),
                    ),
                ),
                q("has_kids", "yes_no"),
            ),
        ),
    ),
)

TOP_FIELDS = [
    "member",
    "union_recent",
    "union_year",
    "roles",
    "why_c",
    "hours",
    "started",
    "m_pay",
    "m_safety",
    "ind.baseline",
    "ind",
    "dues",
    "meets",
    "has_kids",
]
CHILD_FIELDS = ["kname", "kage", "school", "kgrade"]
REPEAT_KEYS = {"kids"}

SAMPLE_VALUES = [
    "", " ", "yes", "no", "a", "b", "c", "a b c", "c a", "1", "2", "3", "6", "13", "2010",
    "1990", "-1", "1,5", "25", "2024-01-01", "2030-01-01", "2017-02-30", "1e3", "\x00",
]  # fmt: skip

values = st.one_of(
    st.sampled_from(SAMPLE_VALUES),
    st.text(max_size=12),
    st.integers(-(10**20), 10**20).map(str),
    st.just("x" * 10_001),
)
row_names = st.builds(
    "kids.{}.{}".format,
    st.one_of(st.integers(-2, 5), st.just("01"), st.just("9" * 30), st.text(max_size=3)),
    st.sampled_from([*CHILD_FIELDS, "nope", "ind.baseline"]),
)
names = st.one_of(
    st.sampled_from(TOP_FIELDS),
    row_names,
    st.sampled_from(["csrf_token", "_page", "note1", "kids", "m", "s_main", "kname"]),
    st.text(max_size=15),
)
noise = st.dictionaries(names, st.one_of(values, st.lists(values, max_size=3)), max_size=25)

# Mostly sensible answers, so that deep skip-logic paths are reached, with some bad ones.
PLAUSIBLE = {
    "member": ["yes", "no", "maybe", ""],
    "union_recent": ["yes", "no", ""],
    "union_year": ["2010", "1990", "1800", "x", ""],
    "roles": [["a"], ["c"], ["a", "c"], "a b c", ["z"], []],
    "why_c": ["ok", "too long", ""],
    "hours": ["0", "2", "13", "1,5", "25", "x", ""],
    "started": ["2024-01-01", "2030-01-01", "2017-02-30", ""],
    "m_pay": ["1", "2", "9", ""],
    "m_safety": ["1", "3", ""],
    "ind.baseline": ["0", "5", "-1", "x", ""],
    "ind": ["3", "1.5", ""],
    "dues": ["0", "3", "x", ""],
    "meets": ["text", ""],
    "has_kids": ["yes", "no", ""],
}
ROW = {
    "kname": ["A", ""],
    "kage": ["3", "7", "x", "-1", ""],
    "school": ["yes", "no", ""],
    "kgrade": ["1", "x", ""],
}


def _merge(top: dict, rows: dict, extra: dict) -> dict:
    form = {**top, **extra}
    for index, row in rows.items():
        form.update({f"kids.{index}.{child}": value for child, value in row.items()})
    return form


plausible = st.builds(
    _merge,
    st.fixed_dictionaries({k: st.sampled_from(v) for k, v in PLAUSIBLE.items()}),
    st.dictionaries(
        st.integers(0, 4),
        st.fixed_dictionaries({k: st.sampled_from(v) for k, v in ROW.items()}),
        max_size=4,
    ),
    st.dictionaries(names, values, max_size=2),
)
forms = st.one_of(noise, plausible)


def check_invariants(result: ValidationResult) -> None:
    assert isinstance(result, ValidationResult)
    rel = result.relevant
    for name in result.values:
        assert rel.get(name) is True, f"stored an answer to hidden {name}"
    for name in result.errors:
        if name != FORM_ERROR:
            assert rel.get(name) is True, f"reported an error on hidden {name}"
    stored = {(a.question_key, a.repeat_index, a.part) for a in result.answers}
    assert len(stored) <= len(result.values)
    values = result.values
    # Oracles written from the definition, independent of the implementation.
    if "union_year" in values:
        assert values.get("member") == "yes"
    if "union_recent" in values:
        assert values.get("union_year", 0) >= 2000
    if "why_c" in values:
        assert "c" in values["roles"]
    if "m_pay" in values or "m_safety" in values:
        assert len(values["roles"]) >= 2
    if "dues" in values or "meets" in values:
        assert values.get("member") == "yes" and values.get("ind.baseline", 0) > 0
    if "meets" in values:
        assert values.get("dues", 0) > 0
    if "ind" in values or "ind.baseline" in values:
        assert values.get("member") != "no"
    for name in values:
        if name.startswith("kids."):
            assert values.get("has_kids") == "yes"
            _, row, child = name.split(".", 2)
            if child == "school":
                assert values[f"kids.{row}.kage"] >= 6 and values.get("member") == "yes"
            if child == "kgrade":
                assert values[f"kids.{row}.school"] == "yes"
            assert 0 <= int(row) < 3
    # A relevant question left empty is required; a hidden one never is.
    if values.get("member") == "yes" and "union_year" not in values:
        assert "union_year" in result.errors
    # relevance() from the stored values agrees with what validation used.
    again = relevance(DEFINITION, values, today=TODAY)
    for name, shown in again.items():
        if name in rel:
            assert rel[name] == shown, name


@PROPERTY_SETTINGS
@given(forms)
def test_any_form_gives_a_result_and_drops_hidden_answers(form):
    result = validate(DEFINITION, form, today=TODAY)
    check_invariants(result)
    # The renderers' relevance() on what was typed agrees with validation.
    assert relevance(DEFINITION, form, today=TODAY) == result.relevant


@PROPERTY_SETTINGS
@given(st.lists(st.tuples(names, values), max_size=30))
def test_any_multidict_gives_a_result(pairs):
    form = MultiDict(pairs)
    result = validate(DEFINITION, form, today=TODAY)
    check_invariants(result)
    assert relevance(DEFINITION, form, today=TODAY) == result.relevant


@PROPERTY_SETTINGS
@given(forms, st.sampled_from(TOP_FIELDS), st.sampled_from(SAMPLE_VALUES[:-1]))
def test_answers_to_hidden_questions_change_nothing(form, name, garbage):
    before = validate(DEFINITION, form, today=TODAY)
    if before.relevant.get(name, True):
        return
    after = validate(DEFINITION, {**form, name: garbage}, today=TODAY)
    assert after.values == before.values
    assert after.answers == before.answers
    assert {k: v for k, v in after.errors.items() if k != FORM_ERROR} == {
        k: v for k, v in before.errors.items() if k != FORM_ERROR
    }


@PROPERTY_SETTINGS
@given(forms.map(lambda form: {**form, "member": "no", "has_kids": "no"}))
def test_hidden_sections_and_repeats_are_never_required(form):
    result = validate(DEFINITION, form, today=TODAY)
    hidden = {"union_year", "union_recent", "dues", "meets", "ind", "ind.baseline", "kids"}
    assert not hidden & set(result.errors)
    assert not any(name.startswith("kids.") for name in [*result.errors, *result.values])
