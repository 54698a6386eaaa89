"""The expression language, Python side: shared vectors plus parser unit tests.

tests/vectors/expressions.json is shared with tests/js/expr.test.mjs.  Each
valid vector stores the tree that ``parse`` gives, because the browser
evaluator cannot parse.  After changing the parser or adding vectors (write
``expr``, ``answers``, ``current``, ``expect``; or ``expr``, ``error``,
``column``), refresh the stored trees with::

    python -m survey_app.surveys.expressions --regen tests/vectors/expressions.json

and review the diff: a changed tree is a changed meaning.
"""

from __future__ import annotations

import decimal
import json
import math
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_app.surveys.expressions import (
    MAX_DEPTH,
    MAX_LENGTH,
    ExpressionError,
    dump_vectors,
    evaluate,
    find_cycle,
    parse,
    references,
    regenerate_vector_trees,
    to_bool,
    to_json_value,
    to_number,
    to_string,
)

VECTORS_PATH = Path(__file__).resolve().parents[1] / "vectors" / "expressions.json"
DOCUMENT = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
TODAY = date.fromisoformat(DOCUMENT["today"])
VALID = [v for v in DOCUMENT["vectors"] if not v.get("error")]
ERRORS = [v for v in DOCUMENT["vectors"] if v.get("error")]


def _id(vector: dict[str, Any]) -> str:
    return vector["expr"][:60]


def same_json(got: Any, want: Any) -> bool:
    """Equality that does not let True pass for 1 (Python's bool is an int)."""
    if isinstance(got, bool) or isinstance(want, bool):
        return type(got) is type(want) and got == want
    if isinstance(got, int | float) and isinstance(want, int | float):
        return got == want
    return type(got) is type(want) and got == want


# --------------------------------------------------------------------------
# Shared vectors
# --------------------------------------------------------------------------


def test_vector_file_is_big_enough() -> None:
    assert len(DOCUMENT["vectors"]) >= 170
    assert len(ERRORS) >= 25


def test_vector_file_is_up_to_date_and_canonical() -> None:
    """Fails when a stored tree is stale: run the --regen command in the module docstring."""
    assert dump_vectors(DOCUMENT) == VECTORS_PATH.read_text(encoding="utf-8")
    stale = [v["expr"] for v in VALID if v.get("tree") != parse(v["expr"])]
    assert not stale, f"stale trees, regenerate them: {stale[:5]}"
    assert all("tree" not in v for v in ERRORS)


@pytest.mark.parametrize("vector", VALID, ids=_id)
def test_vector(vector: dict[str, Any]) -> None:
    result = evaluate(vector["tree"], vector.get("answers", {}), vector.get("current"), TODAY)
    assert isinstance(result, bool | float | str)
    got = to_json_value(result)
    assert same_json(got, vector["expect"]), f"{vector['expr']!r}: got {got!r}"


@pytest.mark.parametrize("vector", ERRORS, ids=_id)
def test_error_vector(vector: dict[str, Any]) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(vector["expr"])
    assert caught.value.column == vector["column"], caught.value.message


def test_regenerate_fixes_stale_trees(tmp_path: Path) -> None:
    copy = tmp_path / "vectors.json"
    shutil.copy(VECTORS_PATH, copy)
    assert regenerate_vector_trees(copy) is False

    document = json.loads(copy.read_text(encoding="utf-8"))
    document["vectors"][0]["tree"] = {"lit": "stale"}
    copy.write_text(dump_vectors(document), encoding="utf-8")
    assert regenerate_vector_trees(copy) is True
    assert copy.read_text(encoding="utf-8") == VECTORS_PATH.read_text(encoding="utf-8")


# --------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------


def test_tree_format() -> None:
    assert parse("${a} + 1 + . - 2") == {
        "op": "-",
        "args": [
            {"op": "+", "args": [{"ref": "a"}, {"num": 1}, {"cur": True}]},
            {"num": 2},
        ],
    }
    assert parse("-'x'") == {"op": "neg", "args": [{"lit": "x"}]}
    assert parse("selected(${q}, 'a')") == {
        "fn": "selected",
        "args": [{"ref": "q"}, {"lit": "a"}],
    }
    assert parse("1.25") == {"num": 1.25}
    assert json.loads(json.dumps(parse("if(., 1, 'b')"))) == parse("if(., 1, 'b')")


def test_error_carries_message_and_column() -> None:
    with pytest.raises(ExpressionError) as caught:
        parse("${a} = = 1")
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.message == "unexpected '='"
    assert error.column == 8
    assert str(error) == "unexpected '=' (column 8)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty expression"),
        ("foo()", "unknown function 'foo'"),
        ("name", "unknown name 'name'; write ${name} for an answer"),
        ("selected(.)", "selected() takes 2 arguments, got 1"),
        ("'open", "unterminated string"),
        ("${ x }", "bad reference: write ${name}"),
        ("1 +", "unexpected end of expression"),
        ("(1", "missing ')'"),
        ("(1 2", "expected ')' but found '2'"),
        ("1 'a long string that goes on and on'", "unexpected 'a long string th..."),
    ],
)
def test_error_messages(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert caught.value.message == message


def test_parse_returns_independent_copies() -> None:
    first = parse("${a} = 1")
    first["args"].append({"num": 99})
    assert parse("${a} = 1") == {"op": "=", "args": [{"ref": "a"}, {"num": 1}]}


def test_parse_rejects_non_text() -> None:
    with pytest.raises(TypeError):
        parse(None)  # type: ignore[arg-type]


def test_long_flat_chains_are_not_deep() -> None:
    text = " or ".join(f"${{a}} = {n}" for n in range(150))
    assert len(text) <= MAX_LENGTH
    tree = parse(text)
    assert tree["op"] == "or" and len(tree["args"]) == 150
    assert evaluate(tree, {"a": "149"}, today=TODAY) is True


def test_depth_limits() -> None:
    assert parse("(" * MAX_DEPTH + "1" + ")" * MAX_DEPTH) == {"num": 1}
    with pytest.raises(ExpressionError):
        parse("(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1))
    with pytest.raises(ExpressionError):
        parse("not(" * 60 + "1" + ")" * 60)
    with pytest.raises(ExpressionError):
        parse("-" * 1999 + "1")


def _depth(tree: dict[str, Any]) -> int:
    return 1 + max((_depth(arg) for arg in tree.get("args", ())), default=0)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="()$.{}'\"-+*=!<>, \tabdimnorv019_", max_size=120))
def test_hostile_text_only_raises_expression_error(text: str) -> None:
    try:
        tree = parse(text)
    except ExpressionError as error:
        assert 1 <= error.column <= len(text) + 1
    else:
        assert _depth(tree) <= MAX_DEPTH
        evaluate(tree, {"a": "1"}, today=TODAY)


def test_references() -> None:
    tree = parse("selected(${roles}, 'x') and ${age} > . or if(${a.b}, ${age}, 0)")
    assert references(tree) == {"roles", "age", "a.b"}
    assert references(parse(". > 1")) == set()


# --------------------------------------------------------------------------
# Cycles
# --------------------------------------------------------------------------


def test_find_cycle_none_when_acyclic() -> None:
    assert find_cycle({}) is None
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set(), "d": {"zzz"}}) is None


def test_find_cycle_self_reference() -> None:
    assert find_cycle({"a": {"a"}}) == ["a", "a"]


def test_find_cycle_returns_only_the_cycle() -> None:
    deps = {"start": {"x"}, "x": {"y"}, "y": {"z"}, "z": {"x"}}
    assert find_cycle(deps) == ["x", "y", "z", "x"]


def test_find_cycle_is_stable_and_iterative() -> None:
    assert find_cycle({"b": {"a"}, "a": {"b"}}) == ["a", "b", "a"]
    chain = {f"q{n}": {f"q{n + 1}"} for n in range(20_000)}
    assert find_cycle(chain) is None
    chain["q20000"] = {"q0"}
    cycle = find_cycle(chain)
    assert cycle is not None and len(cycle) == 20_002 and cycle[0] == cycle[-1]


# --------------------------------------------------------------------------
# Conversions and evaluation details
# --------------------------------------------------------------------------


def test_conversions() -> None:
    assert to_string(5.0) == "5"
    assert to_string(5) == "5"
    assert to_string(-0.0) == "0"
    assert to_string(1e21) == "1000000000000000000000"
    assert to_string(1.5e-7) == "0.00000015"
    assert to_string(math.nan) == "NaN"
    assert to_string(["a", "b"]) == "a b"
    assert to_string(None) == ""
    assert to_number(" 12 ") == 12.0
    assert math.isnan(to_number("1e3"))
    assert math.isnan(to_number("Infinity"))
    assert math.isnan(to_number("12\n3"))
    assert to_number(True) == 1.0
    assert to_bool("0") is True
    assert to_bool(math.nan) is False
    assert to_bool([]) is False


def test_to_json_value() -> None:
    assert to_json_value(3.0) == 3 and type(to_json_value(3.0)) is int
    assert to_json_value(-0.0) == 0 and type(to_json_value(-0.0)) is int
    assert to_json_value(2.5) == 2.5
    assert type(to_json_value(1e300)) is float
    assert to_json_value("") is None
    assert to_json_value(math.nan) is None
    assert to_json_value(math.inf) == "Infinity"
    assert to_json_value(False) is False


def test_evaluate_returns_xpath_types() -> None:
    assert evaluate(parse("1 + 1"), {}, today=TODAY) == 2.0
    assert type(evaluate(parse("1 + 1"), {}, today=TODAY)) is float
    assert type(evaluate(parse("${n}"), {"n": 7}, today=TODAY)) is float
    assert evaluate(parse("1 < 2"), {}, today=TODAY) is True


def test_today_defaults_to_the_real_date() -> None:
    assert evaluate(parse("today()"), {}) == date.today().isoformat()


def test_huge_integer_answers_do_not_crash() -> None:
    assert evaluate(parse("${n} > 0"), {"n": 10**400}, today=TODAY) is True


def test_malformed_trees_raise() -> None:
    for tree in ({"fn": "eval", "args": []}, {"op": "**", "args": [{"num": 1}] * 2}, {}):
        with pytest.raises(ValueError, match="malformed"):
            evaluate(tree, {}, today=TODAY)


def javarosa_round(x: float, places: int) -> float:
    """ODK Collect's round() for places >= 0 (JavaRosa XPathFuncExpr.round), in Python:
    ``new BigDecimal(Double.toString(x)).setScale(places, x < 0 ? HALF_DOWN : HALF_UP)``.
    Python's repr gives the same shortest digits as Double.toString."""
    mode = decimal.ROUND_HALF_DOWN if x < 0 else decimal.ROUND_HALF_UP
    with decimal.localcontext() as context:
        context.prec = 1000
        return float(decimal.Decimal(repr(x)).quantize(decimal.Decimal(1).scaleb(-places),
                                                       rounding=mode))


@settings(max_examples=2000, deadline=None)
@given(
    x=st.one_of(
        st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15),
        # Halves and near-halves at a few decimals: where the rounding rule shows.
        st.builds(lambda n, d: n / 10**d + 5 / 10 ** (d + 1),
                  st.integers(-10**9, 10**9), st.integers(0, 6)),
    ),
    places=st.integers(0, 12),
)
def test_round_agrees_with_javarosa(x: float, places: int) -> None:
    got = evaluate(parse(f"round(${{x}}, {places})"), {"x": x}, today=TODAY)
    want = javarosa_round(x, places)
    assert got == want, (x, places, got, want)
    assert math.copysign(1.0, got) == 1.0 or got != 0, "a zero result is +0, as in JavaRosa"


def test_round_of_negative_halves_goes_up() -> None:
    """round(-0.5) is 0 and round(-12345.15, 1) is -12345.1 in ODK Collect (a half goes
    toward +infinity); the shared vectors pin the same in the browser evaluator."""
    assert evaluate(parse("round(-0.5)"), {}, today=TODAY) == 0.0
    assert evaluate(parse("round(-12345.15, 1)"), {}, today=TODAY) == -12345.1
    assert evaluate(parse("round(-2.5)"), {}, today=TODAY) == -2.0
    assert evaluate(parse("round(2.5)"), {}, today=TODAY) == 3.0
    assert evaluate(parse("1 div round(-0.4)"), {}, today=TODAY) == math.inf


def test_selected_empty_value_in_an_empty_answer() -> None:
    """selected(., '') is true on an empty answer, as in JavaRosa (" " + a + " " contains
    "  ") and Enketo ('' in a.split(' ')); false once something is chosen."""
    for empty in (None, "", []):
        assert evaluate(parse("selected(., '')"), {}, current=empty, today=TODAY) is True
    assert evaluate(parse("selected(., '')"), {}, current=["a"], today=TODAY) is False
    assert evaluate(parse("selected(., 'a')"), {}, current=None, today=TODAY) is False
