"""The loader is total: whatever text it gets, it returns a definition or raises
DefinitionError with at least one located problem, and never anything else.

Three sources of input: random YAML-shaped data, random YAML-ish text, and random
mutations of the worked example (dropped properties, wrong types, random expressions,
other question types), which reach far deeper into the semantic checks than random
data can.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey_app.surveys.loader import DefinitionError, Problem, load_definition
from survey_app.surveys.model import Definition, QType

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "surveys" / "worked_example.yaml"
VALID = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))

# Property names of the format, so that random mappings often look like the real thing.
NAMES = [
    "key", "title", "description", "audience", "layout", "choice_lists", "sections",
    "area", "relevant", "questions", "type", "label", "hint", "required", "constraint",
    "constraint_message", "default", "min", "max", "max_length", "choices", "rows", "unit",
    "baseline_label", "current_label", "min_rows", "max_rows", "min_label", "max_label",
    "value", "vi", "en",
]  # fmt: skip
TYPES = [t.value for t in QType]
EXPRESSION_BITS = [
    "${unit_name}", "${members}", "${members.baseline}", "${channels}", "${cba_workers}",
    "${agreements}", "${thanks}", "${s_unit}", "${mv_useful}", "${movements}", "${nope}",
    ".", "'yes'", "1", "2.5", "=", "!=", "<", ">=", "+", "-", "div", "mod", "and", "or",
    "(", ")", ",", "selected(", "count-selected(", "today()", "string-length(", "if(",
    "coalesce(", "not(", "$", "{", "}", '"', "'",
]  # fmt: skip

# Surrogates cannot be written by the YAML dumper; everything else may appear.
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | text
    | st.sampled_from(NAMES + TYPES + ["1.1", "2017-10-05", "yes", "no", "agree5"])
)
keys = st.sampled_from(NAMES) | text | st.integers(-3, 3) | st.booleans()
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=25,
)
expressions = st.lists(st.sampled_from(EXPRESSION_BITS) | text, max_size=8).map(" ".join)
yaml_tokens = st.sampled_from(
    [
        ":", ": ", "- ", "{", "}", "[", "]", ", ", "\n", "\n  ", "  ", "&a ", "*a", "!!str ",
        "!!binary ", "!!python/object ", "? ", "'", '"', "# ", "|\n", ">\n", "---\n", "...",
        "%YAML 1.1\n", "\t", "\\u0000", "key: ", "type: ", "sections:\n", "- key: q\n",
        "<<: ", "\ufeff", "\x85", "\x00", "\ud800",
    ]
)  # fmt: skip


def assert_total(source: str) -> None:
    """load_definition returns a Definition or raises a DefinitionError with problems."""
    try:
        result = load_definition(source, "random.yaml", expected_key="worked_example")
    except DefinitionError as error:
        assert error.problems, "a DefinitionError must say what is wrong"
        for problem in error.problems:
            assert isinstance(problem, Problem)
            assert isinstance(problem.message, str) and problem.message
            assert problem.line is None or problem.line >= 1
            assert problem.message != "The definition could not be loaded.", (
                "a check returned nothing without a problem: " + str(error)
            )
        return
    assert isinstance(result, Definition)


# The C dumper when there is one: the loader itself is the slow part worth the time.
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=DUMPER, allow_unicode=True, sort_keys=False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values)
def test_random_data_gives_definition_or_definition_error(data: Any) -> None:
    assert_total(dump(data))


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(NAMES), values, max_size=8))
def test_random_top_level_mappings(data: dict[str, Any]) -> None:
    assert_total(dump(data))


@settings(max_examples=300, deadline=None)
@given(st.lists(yaml_tokens | text, max_size=30).map("".join))
def test_random_yaml_text(source: str) -> None:
    assert_total(source)


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path into the data, parents before children."""
    found = [prefix]
    if isinstance(node, dict):
        for name, child in node.items():
            found.extend(paths(child, (*prefix, name)))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found.extend(paths(child, (*prefix, index)))
    return found


def parent_of(data: Any, path: tuple) -> Any:
    node = data
    for part in path[:-1]:
        node = node[part]
    return node


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    """The worked example with one to four random changes."""
    data = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(1, 4))):
        candidates = [p for p in paths(data) if p]
        if not candidates:
            break
        path = draw(st.sampled_from(candidates))
        parent, last = parent_of(data, path), path[-1]
        action = draw(
            st.sampled_from(["drop", "replace", "expression", "type", "duplicate", "add"])
        )
        if action == "drop":
            del parent[last]
        elif action == "replace":
            parent[last] = draw(values)
        elif action == "expression":
            parent[last] = draw(expressions)
        elif action == "type":
            target = parent if isinstance(parent, dict) else parent[last]
            if isinstance(target, dict):
                target["type"] = draw(st.sampled_from(TYPES))
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(NAMES))] = draw(values | expressions)
    return data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_worked_example_gives_definition_or_definition_error(data: Any) -> None:
    assert_total(dump(data))


def test_the_unmutated_worked_example_loads() -> None:
    """The mutation test is only meaningful if its starting point is valid."""
    assert isinstance(load_definition(dump(VALID), expected_key="worked_example"), Definition)
