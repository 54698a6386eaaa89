"""Numbers as Vietnamese people write them, server side, and the page's agreement with it.

tests/vectors/numbers.json is shared with tests/js/numbers.test.mjs: the same texts must
give the same numbers or the same problems in both.  Beyond the table, random texts and
numbers go through both sides (static/js/numbers.js in one ``node`` process per batch,
tests/js/numbers_runner.mjs) and must come out alike.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey_app.surveys.numbers import (
    MAX_ABS_NUMBER,
    MAX_DECIMALS,
    NumberProblem,
    format_number,
    input_text,
    parse_number,
)

ROOT = Path(__file__).resolve().parents[2]
VECTORS = json.loads((ROOT / "tests" / "vectors" / "numbers.json").read_text(encoding="utf-8"))
RUNNER = ROOT / "tests" / "js" / "numbers_runner.mjs"
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")


def test_the_vector_file_has_enough_cases() -> None:
    parse = VECTORS["parse"]
    assert len(parse) >= 60
    assert sum(v.get("problem") == "ambiguous" for v in parse) >= 4
    codes = {v.get("problem") for v in parse}
    assert codes >= {"malformed", "spaces", "grouping", "ambiguous", "english", "large"}
    assert codes >= {"fraction", "decimals"}


@pytest.mark.parametrize(
    "vector", VECTORS["parse"], ids=[repr(v["text"])[:40] for v in VECTORS["parse"]]
)
def test_parse_vector(vector: dict[str, Any]) -> None:
    value, problem = parse_number(vector["text"], integer=vector.get("integer", False))
    if "problem" in vector:
        assert value is None
        assert problem == NumberProblem(vector["problem"], vector.get("params", {}))
    else:
        assert problem is None
        assert value == vector["value"]
        assert math.copysign(1, value) == 1 or value != 0  # never -0


def test_whole_numbers_come_out_as_int_and_decimals_as_float() -> None:
    assert parse_number("1.250") == (1250, None) and type(parse_number("1.250")[0]) is int
    assert type(parse_number("-0")[0]) is int
    assert type(parse_number("12,0")[0]) is float and type(parse_number("12.5")[0]) is float


@pytest.mark.parametrize(
    "vector", VECTORS["format"], ids=[str(v["value"]) for v in VECTORS["format"]]
)
def test_format_vector(vector: dict[str, Any]) -> None:
    assert format_number(vector["value"], vector.get("decimals", MAX_DECIMALS)) == vector["text"]


def test_nothing_but_a_finite_number_is_written() -> None:
    for value in (None, math.nan, math.inf, -math.inf, "12", True):
        assert format_number(value) == ""  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------

# Numbers a person can type: at most MAX_DECIMALS decimals and 15 significant digits.
typeable = st.builds(
    lambda whole, fraction, places, negative: (
        (-1 if negative else 1) * float(f"{whole}.{str(fraction).zfill(places)[:places] or 0}")
    ),
    st.integers(0, 10**9),
    st.integers(0, 10**6),
    st.integers(0, MAX_DECIMALS),
    st.booleans(),
)


@given(st.one_of(typeable, st.integers(-MAX_ABS_NUMBER, MAX_ABS_NUMBER)))
def test_what_is_written_for_typing_reads_back_the_same(number: float) -> None:
    value, problem = parse_number(input_text(number))
    assert problem is None and value == number


@given(st.integers(-MAX_ABS_NUMBER, MAX_ABS_NUMBER))
def test_whole_numbers_as_shown_are_read_back(number: int) -> None:
    assert parse_number(format_number(number), integer=True) == (number, None)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_input_text_never_reads_as_another_number(number: float) -> None:
    value, problem = parse_number(input_text(number))
    assert value == number or problem is not None  # refused (too large, too many decimals)


# --------------------------------------------------------------------------
# The page agrees on anything
# --------------------------------------------------------------------------

NUMBER_ALPHABET = "0123456789" * 3 + ".,.,+-\u2212 \u00a0aeE_"


def python_side(texts: list[str], numbers: list[float]) -> dict[str, Any]:
    def parsed(text: str, integer: bool) -> dict[str, Any]:
        value, problem = parse_number(text, integer=integer)
        if problem is None:
            return {"value": value, "problem": None}
        shown: dict[str, Any] = {"code": problem.code}
        if problem.params:
            shown["params"] = problem.params
        return {"value": None, "problem": shown}

    return {
        "parsed": [[parsed(text, False), parsed(text, True)] for text in texts],
        "formatted": [
            [format_number(n), format_number(n, 2), format_number(n, None)] for n in numbers
        ],
    }


def node_side(texts: list[str], numbers: list[float], tmp_dir: Path) -> dict[str, Any]:
    path = tmp_dir / "numbers.json"
    path.write_text(json.dumps({"texts": texts, "numbers": numbers}), encoding="utf-8")
    completed = subprocess.run(
        [str(NODE), str(RUNNER), str(path)], capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(completed.stdout)


texts = st.one_of(
    st.text(alphabet=NUMBER_ALPHABET, max_size=14),
    st.sampled_from([v["text"] for v in VECTORS["parse"]]),
    st.from_regex(r"[+-]?[0-9]{1,4}([.,][0-9]{1,4}){0,3}", fullmatch=True),
)
doubles = st.one_of(
    st.floats(min_value=-1e16, max_value=1e16, allow_nan=False),
    st.floats(min_value=-1, max_value=1, allow_nan=False),
    typeable,
)


@needs_node
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(texts, min_size=20, max_size=60), numbers=st.lists(doubles, max_size=40))
def test_page_and_server_read_and_write_numbers_alike(
    batch: list[str], numbers: list[float], tmp_path_factory: pytest.TempPathFactory
) -> None:
    tmp_dir = tmp_path_factory.mktemp("numbers")
    assert node_side(batch, numbers, tmp_dir) == python_side(batch, numbers)


# --------------------------------------------------------------------------
# The shipped surveys use the rule
# --------------------------------------------------------------------------


def test_shipped_surveys_count_people_unions_and_events_in_whole_numbers() -> None:
    import yaml

    from survey_app.surveys.loader import load_file

    decimals, phones = set(), set()
    for path in sorted((ROOT / "surveys").glob("*.yaml")):
        definition = load_file(path)
        written = yaml.safe_load(path.read_text(encoding="utf-8"))
        declared = {
            q["key"]: q.get("number_type")
            for s in written["sections"]
            for q in s["questions"]
            if q["type"] == "indicator"
        }
        for question in definition.all_questions():
            if question.type.value == "indicator":
                assert declared[question.key] in ("integer", "decimal"), question.key  # said
                if not question.is_integer:
                    decimals.add(question.key)
            if question.type.value == "decimal":
                decimals.add(question.key)
            if question.type.value == "phone":
                phones.add(question.key)
    # money (million VND) and a percentage are the only figures with decimals
    assert decimals == {"a14_ind_lam_loi", "a12_ty_le_vung_manh"}
    assert phones == {"dien_thoai"}


def test_number_defaults_are_put_in_the_form_as_they_read_back() -> None:
    from survey_app.surveys.loader import load_definition
    from survey_app.surveys.rendering import default_values

    definition = load_definition("""
key: defaults
title: Mặc định
audience: unit_report
sections:
  - key: s1
    title: Phần 1
    questions:
      - {key: a, type: decimal, label: A, default: 1.125}
      - {key: b, type: integer, label: B, default: 1250}
      - {key: c, type: decimal, label: C, default: 12.5}
""")
    values = default_values(definition)
    assert values == {"a": ["1,1250"], "b": ["1.250"], "c": ["12,5"]}
    assert [parse_number(values[k][0])[0] for k in "abc"] == [1.125, 1250, 12.5]


def test_a_year_is_an_integer_bounded_to_four_digits():
    from survey_app.surveys.loader import load_definition

    text = """
key: years
title: Năm
audience: inspection
sections:
  - key: s
    title: S
    questions:
      - {key: started, type: integer, label: Năm bắt đầu, min: 2008, max: 2017}
      - {key: members, type: integer, label: Số đoàn viên, min: 0, max: 5000}
      - {key: open, type: integer, label: Không giới hạn}
"""
    definition = load_definition(text)
    years = {q.key: q.is_year for q in definition.questions()}
    assert years == {"started": True, "members": False, "open": False}
