"""The server's final word on a submitted form: types, ranges, required, skip logic, repeats.

Definitions are built directly with the model dataclasses (not through the YAML loader), so
these tests pin the validator alone.  Outside a Flask app messages come back in English.
"""

from __future__ import annotations

import re
import runpy
from datetime import date
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import Babel
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
from survey_app.surveys.validation import (
    FORM_ERROR,
    MAX_FIELDS,
    AnswerValue,
    expression_answers,
    indicator_change,
    relevance,
    validate,
)

ROOT = Path(__file__).resolve().parents[2]
MODULE = ROOT / "survey_app" / "surveys" / "validation.py"
TODAY = date(2024, 5, 15)
REQUIRED = "This question is required."


# --------------------------------------------------------------------------
# Builders
# --------------------------------------------------------------------------


def expr(text: str) -> Expr:
    return Expr(text, parse(text))


def choices(*values: str) -> tuple[Choice, ...]:
    return tuple(Choice(value, Text(f"nhãn {value}", f"label {value}")) for value in values)


def q(key: str, qtype: QType | str, **kw) -> Question:
    """A question; relevant/constraint given as text; yes_no and rating get their choices."""
    qtype = QType(qtype)
    for name in ("relevant", "constraint"):
        if isinstance(kw.get(name), str):
            kw[name] = expr(kw[name])
    if qtype is QType.YES_NO:
        kw.setdefault("choices", choices("yes", "no"))
    if qtype is QType.RATING and "choices" not in kw:
        kw["choices"] = choices(*(str(n) for n in range(1, 6)))
        kw.setdefault("min", 1)
        kw.setdefault("max", 5)
    return Question(key=key, type=qtype, label=Text(key), **kw)


def section(key: str, *questions: Question, relevant: str | None = None) -> Section:
    return Section(
        key=key,
        title=Text(key),
        relevant=expr(relevant) if relevant else None,
        questions=questions,
    )


def survey(*sections: Section) -> Definition:
    return Definition(
        key="test_survey", title=Text("Thử"), audience=Audience.WORKER_POLL, sections=sections
    )


def one(question: Question) -> Definition:
    return survey(section("s", question))


DEFINITION = survey(
    section(
        "s_main",
        q("name", "text", required=True),
        q("age", "integer", required=True, min=15, max=80),
        q("hours", "decimal", min=0, max=24.5),
        q(
            "started",
            "date",
            constraint=". <= today()",
            constraint_message=Text("Ngày không được ở tương lai.", "Not in the future."),
        ),
        q("member", "yes_no", required=True),
        # Refers to a later question, which is itself hidden unless member = yes.
        q("union_recent", "yes_no", relevant="${union_year} >= 2000", required=True),
        q("union_year", "integer", relevant="${member} = 'yes'", required=True),
        q("roles", "multiple_choice", choices=choices("a", "b", "c"), required=True),
        q("why_c", "text", relevant="selected(${roles}, 'c')", required=True),
        q("sat", "rating"),
        q(
            "m",
            "matrix",
            choices=choices("1", "2", "3"),
            rows=(MatrixRow("m_pay", Text("lương")), MatrixRow("m_safety", Text("an toàn"))),
            required=True,
        ),
        q("note1", "note"),
        q("members", "indicator", min=0, required=True, constraint=". < 100000"),
        q("comment", "long_text", max_length=20),
    ),
    section(
        "s_union",
        q("dues", "integer", required=True),
        q("meets", "integer", relevant="${dues} > 0"),
        relevant="${member} = 'yes'",
    ),
    section(
        "s_kids",
        q(
            "kids",
            "repeat",
            relevant="${has_kids} = 'yes'",
            min_rows=1,
            max_rows=3,
            questions=(
                q("kname", "text", required=True),
                q("kage", "integer", required=True, min=0, constraint="${age} = '' or . < ${age}"),
                q("school", "yes_no", relevant="${kage} >= 6", required=True),
                q("kgrade", "integer", relevant="${school} = 'yes'"),
            ),
        ),
        q("has_kids", "yes_no"),
    ),
)

VALID = {
    "csrf_token": "abc",
    "_page": "2",
    "name": "  Nguyễn Văn A ",
    "age": "40",
    "hours": "7,5",
    "started": "2020-01-31",
    "member": "yes",
    "union_recent": "no",
    "union_year": "2010",
    "roles": ["c", "a"],
    "why_c": "vì",
    "sat": "4",
    "m_pay": "1",
    "m_safety": "3",
    "members.baseline": "120",
    "members": "150.5",
    "comment": "",
    "dues": "1",
    "meets": "",
    "has_kids": "yes",
    "kids.0.kname": "Bé",
    "kids.0.kage": "4",
    "kids.1.kname": "Anh",
    "kids.1.kage": "10",
    "kids.1.school": "yes",
    "kids.1.kgrade": "5",
}


def check(form: dict, definition: Definition = DEFINITION, **kw):
    return validate(definition, form, today=TODAY, **kw)


def with_(**changes) -> dict:
    """VALID with changed fields; a value of None removes the field."""
    form = {key.replace("__", "."): value for key, value in VALID.items()}
    for key, value in changes.items():
        name = key.replace("__", ".")
        if value is None:
            form.pop(name, None)
        else:
            form[name] = value
    return form


def only_error(result, name: str) -> str:
    assert set(result.errors) == {name}, result.errors
    return result.errors[name]


# --------------------------------------------------------------------------
# A good form
# --------------------------------------------------------------------------


def test_valid_form_gives_typed_values_and_answers():
    result = check(VALID)
    assert result.ok, result.errors
    assert result.values == {
        "name": "Nguyễn Văn A",
        "age": 40,
        "hours": 7.5,
        "started": date(2020, 1, 31),
        "member": "yes",
        "union_recent": "no",
        "union_year": 2010,
        "roles": ["a", "c"],
        "why_c": "vì",
        "sat": "4",
        "m_pay": "1",
        "m_safety": "3",
        "members.baseline": 120,
        "members": 150.5,
        "dues": 1,
        "has_kids": "yes",
        "kids.0.kname": "Bé",
        "kids.0.kage": 4,
        "kids.1.kname": "Anh",
        "kids.1.kage": 10,
        "kids.1.school": "yes",
        "kids.1.kgrade": 5,
    }
    assert type(result.values["age"]) is int
    assert type(result.values["hours"]) is float
    answers = set(result.answers)
    assert AnswerValue("roles", None, None, "choice", "a") in answers
    assert AnswerValue("roles", None, None, "choice", "c") in answers
    assert AnswerValue("members", None, "baseline", "number", 120) in answers
    assert AnswerValue("members", None, None, "number", 150.5) in answers
    assert AnswerValue("m_pay", None, None, "choice", "1") in answers
    assert AnswerValue("started", None, None, "date", date(2020, 1, 31)) in answers
    assert AnswerValue("name", None, None, "text", "Nguyễn Văn A") in answers
    assert AnswerValue("kgrade", 1, None, "number", 5) in answers
    assert AnswerValue("kname", 0, None, "text", "Bé") in answers
    # One answer per value, one more for the second choice of roles.
    assert len(result.answers) == len(result.values) + 1
    assert result.raw["name"] == ["  Nguyễn Văn A "]
    assert "csrf_token" not in result.raw and "_page" not in result.raw


def test_multidict_and_plain_dict_agree():
    multi = MultiDict()
    for key, value in VALID.items():
        for item in value if isinstance(value, list) else [value]:
            multi.add(key, item)
    assert check(multi).values == check(VALID).values


@pytest.mark.parametrize("form", [None, [], "age=5", ["age", "5"], 42])
def test_a_form_that_is_no_mapping_counts_as_empty(form):
    result = validate(DEFINITION, form, today=TODAY)
    assert result.errors["name"] == REQUIRED and not result.values


def test_json_like_values_do_not_raise():
    form = with_(age=40, hours=None, name={"a": 1}, roles=[1, None], sat=True)
    result = check(form)
    assert result.values["age"] == 40
    assert result.errors["roles"] == "Choose only from the listed answers."
    assert result.errors["sat"] == "Choose one of the listed answers."


def test_control_fields_are_ignored():
    result = check(with_(_response_id="7", _anything=["x", "y"], csrf_token="t"))
    assert result.ok


# --------------------------------------------------------------------------
# Unknown fields and size guards
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "nope",
        "note1",  # a note has no field
        "kids",  # a repeat has no field of its own
        "m",  # a matrix answers through its rows
        "s_main",
        "members.current",
        "kids.01.kname",
        "kids.-1.kname",
        "kids.0.nope",
        "kids.0",
        "kname",  # a repeat child only exists inside a row
        "<script>",
    ],
)
def test_unknown_field_is_a_form_error_naming_it(name):
    result = check(with_(**{name.replace(".", "__"): "1"}))
    message = only_error(result, FORM_ERROR)
    assert message == f"The form contains unknown fields: {name}."
    assert name not in result.values and name not in result.raw


def test_unknown_fields_do_not_stop_other_checks():
    result = check(with_(zzz="1", age="abc"))
    assert set(result.errors) == {FORM_ERROR, "age"}
    assert "zzz" in result.errors[FORM_ERROR]


def test_many_unknown_fields_are_listed_shortly():
    form = with_(**{f"x{i}": "1" for i in range(30)}, **{"y" * 500: "1"})
    message = check(form).errors[FORM_ERROR]
    assert message.count(",") == 10 and message.endswith("….")


def test_too_many_fields_is_a_form_error():
    form = {f"f{i}": "1" for i in range(MAX_FIELDS + 1)}
    result = check(form)
    assert result.errors == {FORM_ERROR: "The form has too many fields (more than 2.000)."}
    assert not result.values and not result.answers


def test_too_many_values_under_one_name_is_a_form_error():
    result = check(with_(roles=["a"] * (MAX_FIELDS + 1)))
    assert "too many fields" in result.errors[FORM_ERROR]


def test_huge_value_is_a_form_and_field_error():
    result = check(with_(name="x" * 10_001))
    assert result.errors[FORM_ERROR] == "An answer is too long (more than 10.000 characters)."
    assert result.errors["name"] == "Enter at most 10.000 characters (now 10.001)."
    assert len(result.raw["name"][0]) == 10_000
    assert "name" not in result.values


# --------------------------------------------------------------------------
# Types
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "value"),
    [("12", 12), ("+12", 12), ("-0", 0), (" 007 ", 7), ("80", 80), ("1.250", 1250)],
)
def test_integer_accepted(typed, value):
    result = check({"age": typed}, one(q("age", "integer")))
    assert result.values["age"] == value and type(result.values["age"]) is int


# The number rule itself is tests/vectors/numbers.json (test_numbers.py); here, what
# validation says about each kind of refusal.  Until issue 9, "1.0" and "1,0" were refused
# as "Enter a whole number." and "1.234,5" as not a number: now a decimal part is refused
# as such, and 1.234,5 is one thousand two hundred and thirty-four and a half.
@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1.0", "Enter a whole number, without decimals."),
        ("1,0", "Enter a whole number, without decimals."),
        ("12,5", "Enter a whole number, without decimals."),
        ("1 234", "Write the number without spaces, e.g. 1.250."),
        ("1,250", "Group thousands with a dot: 1.250."),
        ("1,250,000", "Write 1.250.000: a dot groups thousands and a comma marks the decimals."),
        ("abc", "Enter a whole number, e.g. 25 or 1.250."),
        ("1e3", "Enter a whole number, e.g. 25 or 1.250."),
        ("١٢", "Enter a whole number, e.g. 25 or 1.250."),
        ("0x10", "Enter a whole number, e.g. 25 or 1.250."),
        ("--1", "Enter a whole number, e.g. 25 or 1.250."),
        ("+", "Enter a whole number, e.g. 25 or 1.250."),
    ],
)
def test_integer_rejected(typed, message):
    result = check({"age": typed}, one(q("age", "integer")))
    assert only_error(result, "age") == message


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("1.5", 1.5),
        ("1,5", 1.5),
        (".5", 0.5),
        (",5", 0.5),
        ("-2", -2.0),
        ("1.250", 1250.0),
        ("1.234,5", 1234.5),
        ("1.250.000", 1250000.0),
    ],
)
def test_decimal_accepts_vietnamese_writing_and_a_plain_point(typed, value):
    result = check({"x": typed}, one(q("x", "decimal")))
    assert result.values == {"x": value} and type(result.values["x"]) is float


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1,250", "“1.250” or “1,25”? Write 1.250 for thousands, or 1,25 for a decimal."),
        ("1,234.5", "Write 1.234,5: a dot groups thousands and a comma marks the decimals."),
        ("1 000", "Write the number without spaces, e.g. 1.250."),
        (
            "1.25.000",
            "Put a dot between each group of three digits (1.250.000) "
            "and a comma before the decimals (12,5).",
        ),
        ("0,1234567", "Enter at most 6 digits after the decimal comma."),
        ("nan", "Enter a number, e.g. 1.250 or 12,5."),
        ("inf", "Enter a number, e.g. 1.250 or 12,5."),
        ("1e5", "Enter a number, e.g. 1.250 or 12,5."),
        ("3.", "Enter a number, e.g. 1.250 or 12,5."),
    ],
)
def test_decimal_refuses_what_it_would_have_to_guess(typed, message):
    result = check({"x": typed}, one(q("x", "decimal")))
    assert only_error(result, "x") == message


def test_an_integer_indicator_refuses_decimals_and_a_decimal_one_takes_them():
    counted = one(q("members", "indicator", number_type="integer"))
    result = check({"members.baseline": "1.250", "members": "12,5"}, counted)
    assert result.values == {"members.baseline": 1250}
    assert result.errors == {"members": "Enter a whole number, without decimals."}
    assert [a.value for a in result.answers] == [1250]
    plain = one(q("members", "indicator"))
    result = check({"members.baseline": "1.250", "members": "12,5"}, plain)
    assert result.ok and result.values == {"members.baseline": 1250, "members": 12.5}


def test_numbers_sent_as_numbers_are_taken_as_they_are():
    """A JSON answer holds numbers, not text: 1.125 stays 1.125 (never 1125)."""
    assert check({"x": 1.125}, one(q("x", "decimal"))).values == {"x": 1.125}
    assert check({"x": 1250}, one(q("x", "integer"))).values == {"x": 1250}
    assert check({"x": 12.5}, one(q("x", "integer"))).errors == {
        "x": "Enter a whole number, without decimals."
    }


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("0905123456", None),
        (" 0905123456 ", None),
        ("0905 123 456", "Enter the phone number in digits only, e.g. 0905123456."),
        ("+84905123456", "Enter the phone number in digits only, e.g. 0905123456."),
        ("0905.123.456", "Enter the phone number in digits only, e.g. 0905123456."),
        ("1234567890123456", "Enter at most 15 characters (now 16)."),
    ],
)
def test_phone_numbers_are_digits_kept_as_text(typed, error):
    result = check({"tel": typed}, one(q("tel", "phone")))
    if error is None:
        assert result.values == {"tel": "0905123456"}  # the leading 0 is kept
        assert result.answers[0].kind == "text"
    else:
        assert only_error(result, "tel") == error


@pytest.mark.parametrize(("qtype", "typed"), [("integer", "9" * 17), ("decimal", "1" * 400)])
def test_huge_numbers_are_refused_not_raised(qtype, typed):
    result = check({"x": typed}, one(q("x", qtype)))
    assert only_error(result, "x") == "This number is too large."


def test_integer_with_thousands_of_digits_does_not_raise():
    result = check({"x": "9" * 5000}, one(q("x", "integer")))
    assert result.errors == {"x": "This number is too large."}


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2017-02-30", "This date does not exist."),
        ("0000-01-01", "This date does not exist."),
        ("30/06/2017", "Enter a date as YYYY-MM-DD, e.g. 2017-06-30."),
        ("2017-6-30", "Enter a date as YYYY-MM-DD, e.g. 2017-06-30."),
        ("20170630", "Enter a date as YYYY-MM-DD, e.g. 2017-06-30."),
    ],
)
def test_date_must_be_iso_and_real(typed, message):
    assert only_error(check({"d": typed}, one(q("d", "date"))), "d") == message


def test_date_accepted():
    assert check({"d": "2016-02-29"}, one(q("d", "date"))).values == {"d": date(2016, 2, 29)}


def test_single_choice_membership():
    assert only_error(check(with_(member="maybe")), "member") == "Choose one of the listed answers."
    assert only_error(check(with_(sat="6")), "sat") == "Choose one of the listed answers."
    assert only_error(check(with_(m_pay="9")), "m_pay") == "Choose one of the listed answers."
    assert check(with_(member=" yes ")).values["member"] == "yes"


def test_single_choice_takes_one_value():
    assert only_error(check(with_(sat=["1", "2"])), "sat") == "Choose only one answer."
    # The same value twice, or with an empty one, is still one answer.
    assert check(with_(sat=["2", "2", ""])).values["sat"] == "2"


@pytest.mark.parametrize("sent", [["b", "a", "a"], "b a", ["b a", "a"], "  a   b "])
def test_multiple_choice_in_list_order_without_duplicates(sent):
    assert check(with_(roles=sent)).values["roles"] == ["a", "b"]


def test_multiple_choice_rejects_unlisted_values():
    assert only_error(check(with_(roles=["a", "z"])), "roles") == (
        "Choose only from the listed answers."
    )


def test_text_is_stripped_and_limited_in_characters():
    definition = one(q("t", "text"))
    assert check({"t": "  ả  "}, definition).values == {"t": "ả"}
    assert check({"t": "ệ" * 500}, definition).ok  # characters, not bytes
    message = only_error(check({"t": "ệ" * 501}, definition), "t")
    assert message == "Enter at most 500 characters (now 501)."
    assert check({"t": "x" * 5000}, one(q("t", "long_text"))).ok
    assert not check({"t": "x" * 5001}, one(q("t", "long_text"))).ok
    assert check(with_(comment="x" * 21)).errors == {
        "comment": "Enter at most 20 characters (now 21)."
    }
    assert only_error(check({"t": "xy"}, one(q("t", "text", max_length=1))), "t") == (
        "Enter at most 1 character (now 2)."
    )


def test_new_lines_count_once():
    result = check(with_(comment="a\r\n" * 6 + "b"))
    assert result.ok and result.values["comment"] == "a\n" * 6 + "b"


def test_text_rejects_control_characters_and_second_values():
    assert only_error(check(with_(name="a\x00b")), "name") == (
        "This answer contains characters that are not allowed."
    )
    assert check(with_(name="a\tb\nc")).ok
    assert only_error(check(with_(name=["a", "b"])), "name") == "Enter only one answer."


# --------------------------------------------------------------------------
# Ranges
# --------------------------------------------------------------------------


def test_range_messages_name_the_bounds():
    assert only_error(check(with_(age="14")), "age") == "Enter a number between 15 and 80."
    assert only_error(check(with_(age="81")), "age") == "Enter a number between 15 and 80."
    assert check(with_(age="15")).ok and check(with_(age="80")).ok
    low = one(q("x", "decimal", min=2.5))
    assert only_error(check({"x": "2"}, low), "x") == "Enter a number of at least 2,5."
    high = one(q("x", "integer", max=10))
    assert only_error(check({"x": "11"}, high), "x") == "Enter a number of at most 10."


def test_indicator_range_applies_to_both_parts():
    result = check(with_(members__baseline="-1", members="-2"))
    assert result.errors == {
        "members.baseline": "Enter a number of at least 0.",
        "members": "Enter a number of at least 0.",
    }


# --------------------------------------------------------------------------
# Required
# --------------------------------------------------------------------------


def test_required_fields():
    result = check(with_(name="  ", age=None, member=None, roles=[]))
    assert result.errors == {
        "name": REQUIRED,
        "age": REQUIRED,
        "member": REQUIRED,
        "roles": "Choose at least one answer.",
    }


def test_indicator_needs_both_parts():
    result = check(with_(members__baseline=""))
    assert only_error(result, "members.baseline") == REQUIRED
    assert result.values["members"] == 150.5


def test_matrix_needs_every_row():
    assert only_error(check(with_(m_safety=None)), "m_safety") == "Choose an answer for this row."


def test_optional_fields_may_be_empty():
    result = check(with_(hours="", started=None, sat=None, comment="   "))
    assert result.ok
    assert not {"hours", "started", "sat", "comment"} & set(result.values)


def test_invalid_value_gets_its_type_error_not_required():
    assert only_error(check(with_(age="x")), "age") == "Enter a whole number, e.g. 25 or 1.250."


# --------------------------------------------------------------------------
# Relevance (skip logic)
# --------------------------------------------------------------------------


def test_hidden_question_is_dropped_and_never_required():
    result = check(with_(member="no", union_year="1990x", union_recent=None, dues=None))
    assert result.ok, result.errors
    assert "union_year" not in result.values
    assert all(answer.question_key != "union_year" for answer in result.answers)
    assert result.raw["union_year"] == ["1990x"]  # still re-displayed


def test_hidden_section_drops_its_answers():
    result = check(with_(member="no", union_recent=None, union_year=None, dues="5", meets="2"))
    assert result.ok
    assert not {"dues", "meets"} & set(result.values)
    assert result.relevant["s_union"] is False and result.relevant["dues"] is False


def test_question_hidden_because_of_a_hidden_question_is_hidden_too():
    # union_recent reads union_year (a later question), hidden because member = no.
    form = with_(member="no", union_year="2010", union_recent=None, dues=None)
    result = check(form)
    assert result.ok, result.errors
    assert result.relevant["union_recent"] is False
    # With member = yes the same answers make union_recent relevant and required.
    assert only_error(check(with_(union_recent=None)), "union_recent") == REQUIRED


def test_reference_to_a_later_question():
    result = check(with_(has_kids="no"))
    assert result.ok
    assert not any(name.startswith("kids.") for name in result.values)


def test_invalid_value_counts_as_empty_for_others():
    result = check(with_(member="maybe", union_recent=None, union_year=None, dues=None))
    assert only_error(result, "member") == "Choose one of the listed answers."
    assert result.relevant["union_year"] is False
    assert result.relevant["s_union"] is False


def test_multiple_choice_reads_as_a_list_in_expressions():
    result = check(with_(roles=["a"], why_c="dropped"))
    assert result.ok and "why_c" not in result.values
    assert only_error(check(with_(why_c="")), "why_c") == REQUIRED


def test_errors_of_hidden_questions_are_not_reported():
    result = check(with_(has_kids="no", kids__0__kage="x", kids__2__kname="gap"))
    assert result.ok, result.errors


def test_relevance_function_covers_sections_questions_fields_and_rows():
    values = {"member": "yes", "roles": ["c"], "has_kids": "yes", "kids.0.kage": 7}
    rel = relevance(DEFINITION, values, today=TODAY)
    assert rel["s_main"] and rel["s_union"] and rel["union_year"] and rel["why_c"]
    assert rel["note1"] and rel["m"] and rel["m_pay"] and rel["members.baseline"]
    assert rel["kids"] and rel["kids.0.school"] and not rel["kids.0.kgrade"]
    assert rel["union_recent"] is False  # union_year unanswered
    hidden = relevance(DEFINITION, {"member": "no", "union_year": 2010}, rows={"kids": [0]})
    assert hidden["s_union"] is False and hidden["union_year"] is False
    assert hidden["union_recent"] is False
    assert hidden["kids"] is False and hidden["kids.0.kname"] is False


def test_relevance_accepts_what_was_typed():
    form = MultiDict([("member", "yes"), ("roles", "a"), ("roles", "c"), ("hours", "1,5")])
    definition = survey(
        section("s", q("hours", "decimal"), q("more", "text", relevant="${hours} > 1.2"))
    )
    assert relevance(definition, {"hours": ["1,5"]})["more"] is True
    assert relevance(definition, {"hours": "1.1"})["more"] is False
    assert relevance(definition, {"hours": "x"})["more"] is False  # invalid counts as empty
    assert relevance(DEFINITION, form)["why_c"] is True
    assert relevance(DEFINITION, {"member": "maybe"})["union_year"] is False


def test_relevance_matches_what_validate_used():
    result = check(VALID)
    assert relevance(DEFINITION, result.values, today=TODAY) == result.relevant


def test_section_and_question_relevance_combine():
    definition = survey(
        section("a", q("x", "integer")),
        section("b", q("y", "text", relevant="${x} > 1", required=True), relevant="${x} < 10"),
    )
    assert check({"x": "5"}, definition).errors == {"y": REQUIRED}
    assert check({"x": "50"}, definition).ok
    assert check({"x": "0"}, definition).ok


# --------------------------------------------------------------------------
# Constraints
# --------------------------------------------------------------------------


def test_constraint_with_message_in_vietnamese_outside_an_app():
    result = check(with_(started="2024-05-16"))
    assert only_error(result, "started") == "Ngày không được ở tương lai."
    assert check(with_(started="2024-05-15")).ok


def test_constraint_default_message_and_indicator_parts():
    result = check(with_(members="100000"))
    assert only_error(result, "members") == "This answer is not valid."


def test_constraint_only_when_answered_and_relevant():
    definition = one(q("x", "integer", constraint=". > 5", relevant="${y} = 'on'"))
    definition = survey(section("s", *definition.sections[0].questions, q("y", "text")))
    assert check({"x": "1", "y": "off"}, definition).ok
    assert check({"x": "", "y": "on"}, definition).ok
    assert not check({"x": "1", "y": "on"}, definition).ok


def test_constraint_reads_other_answers_and_current_value():
    definition = one(
        q(
            "roles",
            "multiple_choice",
            choices=choices("a", "b", "c"),
            constraint="count-selected(.) <= 2",
        )
    )
    assert check({"roles": "a b"}, definition).ok
    assert not check({"roles": "a b c"}, definition).ok


def test_messages_in_english_inside_an_app():
    app = Flask(__name__)
    Babel(app, locale_selector=lambda: "en")
    with app.test_request_context():
        assert check(with_(started="2030-01-01")).errors == {"started": "Not in the future."}
        # Numbers are written the Vietnamese way in every language: the way they are typed.
        low = one(q("x", "decimal", min=2.5))
        assert check({"x": "1"}, low).errors == {"x": "Enter a number of at least 2,5."}
        high = one(q("x", "integer", max=1000))
        assert check({"x": "1.001"}, high).errors == {"x": "Enter a number of at most 1.000."}


# --------------------------------------------------------------------------
# Repeats
# --------------------------------------------------------------------------


def test_repeat_rows_are_validated_per_row():
    result = check(with_(kids__1__school=None, kids__0__kname="", kids__2__kage="3"))
    assert result.errors == {
        "kids.0.kname": REQUIRED,
        "kids.1.school": REQUIRED,
        "kids.2.kname": REQUIRED,  # the row exists: one of its fields was sent
    }


def test_sibling_names_resolve_to_the_same_row():
    result = check(with_(kids__0__school="yes", kids__0__kgrade="1"))
    # Row 0 is 4 years old: school is hidden there, and kgrade with it.
    assert result.ok
    assert "kids.0.school" not in result.values and "kids.0.kgrade" not in result.values
    assert result.values["kids.1.kgrade"] == 5


def test_repeat_constraint_reads_outer_answers():
    result = check(with_(kids__1__kage="40"))
    assert only_error(result, "kids.1.kage") == "This answer is not valid."


def test_repeat_min_rows():
    form = {k: v for k, v in with_().items() if not k.startswith("kids.")}
    assert only_error(check(form), "kids") == "Add at least 1 row."
    assert check(with_(has_kids="no")).ok


def test_repeat_max_rows_and_out_of_range_index():
    result = check(with_(kids__2__kname="C", kids__2__kage="1", kids__3__kname="D"))
    assert only_error(result, "kids") == "Add at most 3 rows."
    assert "kids.3.kname" not in result.values
    assert result.values["kids.2.kname"] == "C"
    huge = check(with_(**{"kids__99999999999999999999__kname": "x"}))
    assert only_error(huge, "kids") == "Add at most 3 rows."


def test_repeat_rows_must_be_numbered_without_gaps():
    form = {k: v for k, v in with_().items() if not k.startswith("kids.1.")}
    form.update({"kids.2.kname": "C", "kids.2.kage": "1"})
    message = only_error(check(form), "kids")
    assert message.startswith("Some rows of this group are missing")


def test_empty_row_exists_when_sent():
    result = check(with_(kids__2__kname=""))
    assert result.errors == {"kids.2.kname": REQUIRED, "kids.2.kage": REQUIRED}


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def test_expression_answers():
    values = {"age": 40, "started": date(2020, 1, 2), "roles": ["a"], "kids.1.kage": 10}
    answers = expression_answers(values, None, DEFINITION)
    assert answers == {"age": 40.0, "started": "2020-01-02", "roles": ["a"]}
    row = expression_answers(values, ("kids", 1), DEFINITION)
    assert row["kage"] == 10.0 and row["kname"] is None and row["age"] == 40.0


@pytest.mark.parametrize(
    ("baseline", "current", "expected"),
    [
        (100, 150, (50.0, 50.0)),
        (200, 150.0, (-50.0, -25.0)),
        (0, 5, (5.0, None)),
        (None, 5, (None, None)),
        (5, None, (None, None)),
        ("5", 6, (None, None)),
        (float("nan"), 1, (None, None)),
    ],
)
def test_indicator_change(baseline, current, expected):
    assert indicator_change(baseline, current) == expected


# --------------------------------------------------------------------------
# Translations
# --------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def used_msgids() -> set[str]:
    """Every msgid in the module (singular id for ngettext), as Babel extracts them."""
    found = set()
    for _line, message, _comments, _context in extract_from_file("python", str(MODULE)):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def vietnamese() -> dict[str, str]:
    """The translations: the engineer's dictionary while it exists, else the merged vi.po."""
    dictionary = Path("/tmp/i18n/validation.py")
    if dictionary.exists():
        module = runpy.run_path(str(dictionary))
        return {**module["T"], **{k: v[0] for k, v in module.get("P", {}).items()}}
    po = ROOT / "survey_app" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as fh:
        catalog = read_po(fh)
    return {
        (m.id[0] if isinstance(m.id, tuple) else m.id): (
            m.string[0] if isinstance(m.string, tuple) else m.string
        )
        for m in catalog
        if m.id
    }


def test_every_message_has_a_vietnamese_translation_with_its_placeholders():
    used = used_msgids()
    assert len(used) >= 20
    translations = vietnamese()
    for msgid in used:
        assert translations.get(msgid), f"no Vietnamese for {msgid!r}"
        assert set(PLACEHOLDER.findall(msgid)) <= set(PLACEHOLDER.findall(translations[msgid]))
