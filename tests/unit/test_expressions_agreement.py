"""The Python and JavaScript evaluators agree on random expressions.

Random trees are drawn from the grammar, printed as text and parsed back
(so the parser and its precedence rules are exercised too), then evaluated
over random answers by ``evaluate`` here and by ``static/js/expr.js`` in one
``node`` process per batch (tests/js/agree_runner.mjs).  Numbers are compared
by their shortest printed digits and the sign of zero, so agreement is exact.
"""

from __future__ import annotations

import json
import math
import random
import shutil
import struct
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey_app.surveys.expressions import (
    FUNCTIONS,
    evaluate,
    parse,
    to_bool,
    to_json_value,
    to_string,
)

ROOT = Path(__file__).resolve().parents[2]
RUNNER = ROOT / "tests" / "js" / "agree_runner.mjs"
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")

Tree = dict[str, Any]

# Precedence levels as in the parser, lowest first.
LEVEL = {"or": 0, "and": 1, "=": 2, "!=": 2, "<": 3, "<=": 3, ">": 3, ">=": 3}
LEVEL |= {"+": 4, "-": 4, "*": 5, "div": 5, "mod": 5}
OPERATORS = sorted(LEVEL)
NAMES = ["a", "b", "c", "d.e"]
TODAYS = ["2017-09-15", "2000-02-29", "1970-01-01", "1999-12-31"]
NUMBERS = [0, 1, 2, 3, 5, 7, 10, 0.5, 2.5, 0.1, 1.005, 2.675, 365.25, 17424, 1e21, 2**60 + 1]
STRINGS = [
    "", "a", "b", "a b", "b c a", " 3 ", "3", "-3.5", ".5", "5.", "abc", "1e3", "NaN",
    "Infinity", "true", "0", "-0", "2017-09-15", "2016-02-29", "2017-02-29", "1970-01-01",
    "Đắk Hà", "Nguyễn Văn A", "x\ty", "it's", '"q"', "😀",
]  # fmt: skip
ANSWERS: list[Any] = [
    None, "", 0, 1, -1, 2.5, -0.5, 41, 1e21, 0.1, -0.0, ["a", "b"], ["c"], [], *STRINGS,
]  # fmt: skip


# --------------------------------------------------------------------------
# Trees to text (the inverse of parse, up to flattening of chains)
# --------------------------------------------------------------------------


def _quote(text: str) -> str:
    return f'"{text}"' if "'" in text else f"'{text}'"


def unparse(tree: Tree) -> str:
    """Expression text that parses back to an equivalent tree."""
    if "num" in tree:
        return to_string(float(tree["num"]))
    if "lit" in tree:
        return _quote(tree["lit"])
    if "ref" in tree:
        return f"${{{tree['ref']}}}"
    if "cur" in tree:
        return "."
    args = tree["args"]
    if "fn" in tree:
        return f"{tree['fn']}({', '.join(unparse(arg) for arg in args)})"
    if tree["op"] == "neg":
        operand = args[0]
        text = unparse(operand)
        return f"-({text})" if "op" in operand and operand["op"] != "neg" else f"-{text}"
    level = LEVEL[tree["op"]]
    parts = []
    for index, arg in enumerate(args):
        text = unparse(arg)
        arg_level = LEVEL.get(arg.get("op", ""), 99)  # neg and atoms bind tightest
        if arg_level < level or (index > 0 and arg_level == level):
            text = f"({text})"
        parts.append(text)
    return f" {tree['op']} ".join(parts)


# --------------------------------------------------------------------------
# Random trees: a seeded generator and a hypothesis strategy
# --------------------------------------------------------------------------


def random_leaf(rng: random.Random) -> Tree:
    kind = rng.choice(["num", "num", "lit", "lit", "ref", "ref", "ref", "cur"])
    if kind == "num":
        return {"num": rng.choice(NUMBERS)}
    if kind == "lit":
        return {"lit": rng.choice(STRINGS)}
    if kind == "ref":
        return {"ref": rng.choice(NAMES)}
    return {"cur": True}


def random_tree(rng: random.Random, depth: int) -> Tree:
    if depth <= 0 or rng.random() < 0.25:
        return random_leaf(rng)
    roll = rng.random()
    if roll < 0.5:
        op = rng.choice(OPERATORS)
        count = rng.choice([2, 2, 2, 3])
        return {"op": op, "args": [random_tree(rng, depth - 1) for _ in range(count)]}
    if roll < 0.6:
        return {"op": "neg", "args": [random_tree(rng, depth - 1)]}
    name = rng.choice(sorted(FUNCTIONS))
    least, most = FUNCTIONS[name]
    count = rng.randint(least, most if most is not None else 3)
    return {"fn": name, "args": [random_tree(rng, depth - 1) for _ in range(count)]}


def random_case(rng: random.Random) -> dict[str, Any]:
    answers = {name: rng.choice(ANSWERS) for name in NAMES if rng.random() < 0.8}
    return {
        "tree": random_tree(rng, rng.randint(1, 5)),
        "answers": answers,
        "current": rng.choice(ANSWERS),
        "today": rng.choice(TODAYS),
    }


leaves = st.one_of(
    st.sampled_from(NUMBERS).map(lambda n: {"num": n}),
    st.sampled_from(STRINGS).map(lambda s: {"lit": s}),
    st.sampled_from(NAMES).map(lambda n: {"ref": n}),
    st.just({"cur": True}),
)


def _extend(children: st.SearchStrategy[Tree]) -> st.SearchStrategy[Tree]:
    def call(name: str) -> st.SearchStrategy[Tree]:
        least, most = FUNCTIONS[name]
        sizes = st.integers(least, most if most is not None else 3)
        return sizes.flatmap(
            lambda n: st.lists(children, min_size=n, max_size=n).map(
                lambda args: {"fn": name, "args": args}
            )
        )

    return st.one_of(
        st.tuples(st.sampled_from(OPERATORS), st.lists(children, min_size=2, max_size=3)).map(
            lambda pair: {"op": pair[0], "args": pair[1]}
        ),
        children.map(lambda child: {"op": "neg", "args": [child]}),
        st.sampled_from(sorted(FUNCTIONS)).flatmap(call),
    )


trees = st.recursive(leaves, _extend, max_leaves=12)
cases = st.fixed_dictionaries(
    {
        "tree": trees,
        "answers": st.dictionaries(st.sampled_from(NAMES), st.sampled_from(ANSWERS)),
        "current": st.sampled_from(ANSWERS),
        "today": st.sampled_from(TODAYS),
    }
)


# --------------------------------------------------------------------------
# Evaluating both sides
# --------------------------------------------------------------------------


def typed(result: bool | float | str) -> list[Any]:
    """Result with its type; numbers by exact printed digits and sign of zero."""
    if isinstance(result, bool):
        return ["bool", result]
    if isinstance(result, float):
        negative_zero = result == 0 and math.copysign(1.0, result) < 0
        return ["num", "-0" if negative_zero else to_string(result)]
    return ["str", result]


def python_side(case: dict[str, Any]) -> list[Any]:
    result = evaluate(
        case["tree"], case["answers"], case["current"], date.fromisoformat(case["today"])
    )
    return [typed(result), to_string(result), to_bool(result), _as_float(to_json_value(result))]


def _as_float(value: Any) -> Any:
    """JSON ints and floats compared as doubles (a JSON int may exceed 2**53)."""
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if is_number else value


def node_side(batch: list[dict[str, Any]], tmp_dir: Path) -> list[Any]:
    path = tmp_dir / "cases.json"
    path.write_text(json.dumps({"cases": batch}), encoding="utf-8")
    completed = subprocess.run(
        [str(NODE), str(RUNNER), str(path)],
        capture_output=True,
        check=True,
        timeout=120,
        cwd=ROOT,
    )
    results = json.loads(completed.stdout.decode("utf-8"))
    return [r if isinstance(r, dict) else [*r[:3], _as_float(r[3])] for r in results]


def canonical(case: dict[str, Any]) -> dict[str, Any]:
    """The case with its tree as the parser would produce it from text."""
    text = unparse(case["tree"])
    tree = parse(text)
    assert parse(unparse(tree)) == tree, text
    return {**case, "tree": tree, "text": text}


def assert_agree(batch: list[dict[str, Any]], tmp_dir: Path) -> None:
    prepared = [canonical(case) for case in batch]
    expected = [python_side(case) for case in prepared]
    got = node_side(prepared, tmp_dir)
    assert len(got) == len(expected)
    for case, want, have in zip(prepared, expected, got, strict=True):
        assert have == want, (
            f"{case['text']!r} answers={case['answers']!r} current={case['current']!r} "
            f"today={case['today']}: python {want!r}, js {have!r}"
        )


# --------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------


def test_printing_and_parsing_keep_the_meaning() -> None:
    """Python alone: a tree and its reparsed text evaluate identically."""
    rng = random.Random(20170915)
    for _ in range(1500):
        case = random_case(rng)
        assert python_side(case) == python_side(canonical(case)), unparse(case["tree"])


@needs_node
def test_seeded_random_expressions_agree(tmp_path: Path) -> None:
    rng = random.Random(4242)
    assert_agree([random_case(rng) for _ in range(3000)], tmp_path)


@needs_node
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(cases, min_size=1, max_size=60))
def test_hypothesis_expressions_agree(batch: list[dict[str, Any]], tmp_path: Path) -> None:
    assert_agree(batch, tmp_path)


def random_double(rng: random.Random) -> float:
    """Any finite double: random bits, or a short decimal, or a power of ten."""
    roll = rng.random()
    if roll < 0.4:
        while True:
            value = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
            if math.isfinite(value):
                return value
    if roll < 0.8:
        return round(rng.uniform(-1000, 1000), rng.randint(0, 6))
    return rng.choice([1.0, -1.0]) * 10.0 ** rng.randint(-30, 30) * rng.choice([1, 1.5, 2.5])


@needs_node
def test_number_printing_and_rounding_agree_on_any_double(tmp_path: Path) -> None:
    rng = random.Random(7)
    texts = [
        "string(${a})",
        "round(${a}, ${b})",
        "round(${a})",
        "int(${a})",
        "${a} mod ${b}",
        "${a} div ${b}",
        "${a} * ${b} + ${a}",
    ]
    batch = [
        {
            "tree": parse(rng.choice(texts)),
            "answers": {
                "a": random_double(rng),
                "b": rng.choice([random_double(rng), rng.randint(-20, 20), 0, -0.0]),
            },
            "current": None,
            "today": TODAYS[0],
        }
        for _ in range(3000)
    ]
    assert_agree(batch, tmp_path)


@needs_node
def test_vectors_agree_with_python_through_the_runner(tmp_path: Path) -> None:
    """The runner itself is sound: it reproduces the shared vectors."""
    document = json.loads((ROOT / "tests/vectors/expressions.json").read_text(encoding="utf-8"))
    batch = [
        {
            "tree": v["tree"],
            "answers": v.get("answers", {}),
            "current": v.get("current"),
            "today": document["today"],
        }
        for v in document["vectors"]
        if not v.get("error")
    ]
    got = node_side(batch, tmp_path)
    assert got == [python_side(case) for case in batch]
