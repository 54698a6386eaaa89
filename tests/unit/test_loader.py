"""The survey definition loader: what it builds, and every kind of problem it reports.

Each error test checks the four things a person fixing a file relies on: the file, the
line (found by searching the YAML for a marker, so the tests stay readable), the key of
the question, section or choice list, and a recognisable part of the message.
"""

from __future__ import annotations

import hashlib
import json
import re
import textwrap
from datetime import date
from pathlib import Path

import pytest
import yaml

from survey_app.surveys import loader
from survey_app.surveys.loader import (
    KEY_PATTERN,
    SCHEMA_PATH,
    SURVEY_KEY_PATTERN,
    VALUE_PATTERN,
    DefinitionError,
    Problem,
    check_paths,
    content_hash,
    load_definition,
    load_file,
)
from survey_app.surveys.model import Choice, Definition, Expr, MatrixRow, QType, Text

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "surveys"
README = ROOT / "surveys" / "README.md"

HEADER = """\
key: demo
title: {vi: Thử, en: Demo}
audience: inspection
"""


def with_questions(block: str, *, before: str = "", section: str = "") -> str:
    """A survey whose one section (key s1) holds the given questions."""
    questions = textwrap.indent(textwrap.dedent(block).strip("\n"), "      ")
    extra = textwrap.indent(textwrap.dedent(section).strip("\n"), "    ")
    return (
        HEADER
        + textwrap.dedent(before)
        + "sections:\n  - key: s1\n    title: Phần 1\n"
        + (extra + "\n" if extra else "")
        + "    questions:\n"
        + questions
        + "\n"
    )


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line holding the n-th occurrence of ``needle``."""
    lines = [number for number, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(lines) >= occurrence, f"{needle!r} is not in the text {occurrence} time(s)"
    return lines[occurrence - 1]


def problems_in(text: str, expected_key: str | None = None) -> list[Problem]:
    with pytest.raises(DefinitionError) as raised:
        load_definition(text, "demo.yaml", expected_key=expected_key)
    return raised.value.problems


def assert_problem(
    text: str,
    needle: str | None,
    key: str | None,
    fragment: str,
    *,
    occurrence: int = 1,
    expected_key: str | None = None,
) -> Problem:
    """Exactly one problem has ``fragment`` in its message, at the line of ``needle``."""
    problems = problems_in(text, expected_key)
    shown = "\n".join(map(str, problems))
    matching = [p for p in problems if fragment in p.message]
    assert len(matching) == 1, f"want one problem with {fragment!r}, got:\n{shown}"
    problem = matching[0]
    assert problem.file == "demo.yaml"
    want_line = None if needle is None else line_of(text, needle, occurrence)
    assert problem.line == want_line, shown
    assert problem.key == key, shown
    return problem


def load(text: str) -> Definition:
    return load_definition(text, "demo.yaml")


# --------------------------------------------------------------------------
# The happy path
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def all_types() -> Definition:
    return load_file(FIXTURES / "all_types.yaml")


def test_every_question_type_loads(all_types: Definition) -> None:
    assert {q.type for q in all_types.all_questions()} == set(QType)
    assert all_types.key == "all_types"
    assert all_types.title == Text(vi="Mọi loại câu hỏi")
    assert all_types.layout == "single"
    assert all_types.source == str(FIXTURES / "all_types.yaml")
    assert [s.key for s in all_types.sections] == ["s_plain", "s_choices", "s_data"]


def test_collections_are_tuples_and_lines_are_recorded(all_types: Definition) -> None:
    assert isinstance(all_types.sections, tuple)
    text = (FIXTURES / "all_types.yaml").read_text(encoding="utf-8")
    for section in all_types.sections:
        assert isinstance(section.questions, tuple)
        assert section.line == line_of(text, f"- key: {section.key}")
    for question in all_types.all_questions():
        assert isinstance(question.choices, tuple)
        assert isinstance(question.rows, tuple)
        assert isinstance(question.questions, tuple)
        written = re.compile(rf"key: {question.key}(,|$)")
        [line] = [n for n, line in enumerate(text.splitlines(), 1) if written.search(line)]
        assert question.line == line


def test_texts_are_plain_strings_or_vi_en_mappings(all_types: Definition) -> None:
    q_text = all_types.question("q_text")
    assert q_text is not None
    assert q_text.label == Text(vi="Văn bản")
    assert q_text.hint == Text(vi="Gợi ý", en="Hint")
    section = all_types.sections[0]
    assert section.title == Text(vi="Câu hỏi thường", en="Plain questions")
    assert section.description == Text(vi="Mô tả phần")


def test_section_area_may_be_written_as_a_number(all_types: Definition) -> None:
    assert [s.area for s in all_types.sections] == ["1.1", "1.4", None]


def test_yes_no_choices_are_generated(all_types: Definition) -> None:
    question = all_types.question("q_yes")
    assert question is not None
    assert question.choices == (
        Choice("yes", Text("Có", "Yes")),
        Choice("no", Text("Không", "No")),
    )
    assert question.default == "yes"  # `default: yes` is a YAML boolean; it still means yes


def test_rating_without_choices_gets_numbered_choices(all_types: Definition) -> None:
    plain = all_types.question("q_rating")
    assert plain is not None
    assert (plain.min, plain.max) == (1, 5)
    assert plain.choices == tuple(Choice(str(n), Text(vi=str(n))) for n in range(1, 6))
    wide = all_types.question("q_rating10")
    assert wide is not None
    assert [c.value for c in wide.choices] == [str(n) for n in range(11)]
    assert wide.min_label == Text(vi="Rất kém")
    assert wide.max_label == Text(vi="Rất tốt", en="Very good")


def test_rating_with_a_choice_list_uses_it(all_types: Definition) -> None:
    question = all_types.question("q_rating_list")
    assert question is not None
    assert question.choice_list == "levels"
    assert question.choices == all_types.choice_lists["levels"]
    assert (question.min, question.max) == (None, None)


def test_choice_values_are_text_as_written(all_types: Definition) -> None:
    """`value: 1.50` stays "1.50" (not 1.5): answers store exactly what the author wrote."""
    assert [c.value for c in all_types.choice_lists["levels"]] == ["1", "1.50", "high"]
    single = all_types.question("q_single")
    assert single is not None
    assert single.choice_list == "levels"
    assert single.default == "1.50"


def test_inline_choices_and_multiple_choice_default(all_types: Definition) -> None:
    question = all_types.question("q_multi")
    assert question is not None
    assert question.choice_list is None
    assert [c.value for c in question.choices] == ["a", "b", "c"]
    assert question.default == ("a", "c")  # in choice-list order


def test_matrix_rows(all_types: Definition) -> None:
    question = all_types.question("q_matrix")
    assert question is not None
    assert question.rows == (
        MatrixRow("q_matrix_a", Text(vi="Hàng A")),
        MatrixRow("q_matrix_b", Text(vi="Hàng B", en="Row B")),
    )
    assert question.required is True
    assert question.field_names() == ["q_matrix_a", "q_matrix_b"]


def test_indicator_labels_default_and_override(all_types: Definition) -> None:
    plain = all_types.question("q_ind")
    assert plain is not None
    assert plain.baseline_label == Text("Đầu kỳ", "Baseline")
    assert plain.current_label == Text("Hiện nay", "Current")
    assert plain.unit == Text("người", "people")
    assert plain.min == 0
    labelled = all_types.question("q_ind_labels")
    assert labelled is not None
    assert labelled.baseline_label == Text(vi="Năm 2008")
    assert labelled.current_label == Text(vi="Năm 2017", en="2017")


def test_defaults_are_filled_in(all_types: Definition) -> None:
    def get(key: str):
        question = all_types.question(key)
        assert question is not None
        return question

    assert get("q_text").max_length == 500
    assert get("q_long").max_length == 5000
    assert get("q_phone").max_length == 15
    assert get("r_name").max_length == 500
    assert (get("q_repeat").min_rows, get("q_repeat").max_rows) == (0, 20)
    assert (get("q_bounded_repeat").min_rows, get("q_bounded_repeat").max_rows) == (1, 5)
    assert get("q_long").required is False


def test_default_values_are_typed_answers(all_types: Definition) -> None:
    def default(key: str):
        question = all_types.question(key)
        assert question is not None
        return question.default

    assert default("q_text") == "Mặc định"
    assert default("q_int") == 7 and isinstance(default("q_int"), int)
    assert default("q_dec") == 2.0 and isinstance(default("q_dec"), float)
    assert default("q_date") == date(2017, 10, 5)
    assert default("q_long") is None


def test_an_indicator_says_whether_it_counts(all_types: Definition) -> None:
    counted, plain = all_types.question("q_ind_labels"), all_types.question("q_ind")
    assert counted is not None and plain is not None
    assert counted.number_type == "integer" and counted.is_integer
    assert plain.number_type == "decimal" and not plain.is_integer  # the default: compatible
    assert all_types.question("q_int").is_integer  # type: ignore[union-attr]
    assert not all_types.question("q_dec").is_integer  # type: ignore[union-attr]


def test_a_counted_indicator_takes_whole_bounds_and_a_known_number_type() -> None:
    assert_problem(
        with_questions("- {key: q1, type: indicator, label: A, number_type: integer, min: 0.5}"),
        "- {key: q1",
        "q1",
        "“min” must be a whole number for this type of question.",
    )
    problems = problems_in(
        with_questions("- {key: q1, type: indicator, label: A, number_type: whole}")
    )
    assert any("number_type" in p.message and "integer" in p.message for p in problems), problems


def test_integer_bounds_written_as_whole_floats_become_ints(all_types: Definition) -> None:
    question = all_types.question("q_int")
    assert question is not None
    assert question.max == 100 and isinstance(question.max, int)


def test_expressions_are_kept_as_text_and_tree(all_types: Definition) -> None:
    question = all_types.question("q_date")
    assert question is not None
    assert question.constraint == Expr(". <= today()", {"op": "<=", "args": [
        {"cur": True}, {"fn": "today", "args": []}]})  # fmt: skip
    assert question.constraint_message == Text(vi="Không được sau hôm nay")
    section = all_types.sections[1]
    assert section.relevant is not None
    assert section.relevant.text == "${q_int} = 1 or ${q_text} != ''"


def test_repeat_children(all_types: Definition) -> None:
    repeat = all_types.question("q_repeat")
    assert repeat is not None
    assert [q.key for q in repeat.questions] == ["r_name", "r_count", "r_ind"]
    assert repeat.field_names() == []


def test_minimal_survey_gets_the_defaults() -> None:
    definition = load(with_questions("- {key: q1, type: text, label: A}"))
    assert definition.layout == "pages"
    assert definition.description is None
    assert definition.choice_lists == {}
    question = definition.sections[0].questions[0]
    assert question.required is False
    assert question.relevant is None and question.constraint is None
    assert question.default is None


def test_load_file_expects_the_file_name_as_key(tmp_path: Path) -> None:
    path = tmp_path / "other_name.yaml"
    text = with_questions("- {key: q1, type: text, label: A}")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DefinitionError) as raised:
        load_file(path)
    [problem] = raised.value.problems
    assert problem.file == str(path)
    assert problem.line == 1
    assert "file name “other_name”" in problem.message


def test_load_file_accepts_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "demo.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + with_questions("- {key: q1, type: text, label: A}").encode())
    assert load_file(path).key == "demo"


# --------------------------------------------------------------------------
# References and cycles
# --------------------------------------------------------------------------


def test_references_may_point_forward_and_to_rows_and_baselines() -> None:
    text = with_questions(
        """
        - {key: q1, type: text, label: A, relevant: "${q3} = 'x' and ${m_a} = 'a'"}
        - {key: m, type: matrix, label: M, choices: [{value: a, label: A}], rows: [{key: m_a, label: R}]}
        - {key: q3, type: single_choice, label: C, choices: [{value: x, label: X}]}
        - {key: ind, type: indicator, label: I, constraint: ". >= ${ind.baseline}"}
        - {key: q5, type: integer, label: N, relevant: "${ind} > ${ind.baseline}"}
        """  # noqa: E501
    )
    assert load(text).question("q1") is not None


def test_repeat_children_see_siblings_and_outer_questions() -> None:
    text = with_questions(
        """
        - {key: outer, type: integer, label: O}
        - key: r
          type: repeat
          label: R
          questions:
            - {key: c1, type: text, label: C1}
            - {key: c2, type: integer, label: C2, relevant: "${c1} != '' and ${outer} > 1"}
            - {key: c3, type: integer, label: C3, constraint: ". < ${c2} + ${outer}"}
        """
    )
    repeat = load(text).question("r")
    assert repeat is not None
    assert [q.key for q in repeat.questions] == ["c1", "c2", "c3"]


def test_constraints_do_not_make_cycles() -> None:
    """A constraint hides nothing, so q1 checking q2 while q2 depends on q1 is fine."""
    text = with_questions(
        """
        - {key: q1, type: integer, label: A, constraint: ". < ${q2}"}
        - {key: q2, type: integer, label: B, relevant: "${q1} > 0"}
        - {key: q3, type: integer, label: C, constraint: ". > ${q3}"}
        """
    )
    assert load(text).question("q1") is not None


# --------------------------------------------------------------------------
# Content hash
# --------------------------------------------------------------------------

HASHED = with_questions(
    """
    - key: q1
      type: single_choice
      label: {vi: Câu một, en: One}
      choices: [{value: a, label: A}, {value: b, label: B}]
    - {key: q2, type: integer, label: Hai, min: 0, relevant: "${q1} = 'a'"}
    """
)


def test_content_hash_is_sha256_of_canonical_json() -> None:
    data = yaml.safe_load(HASHED)
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert load(HASHED).content_hash == hashlib.sha256(canonical.encode()).hexdigest()
    assert content_hash(data) == load(HASHED).content_hash


def test_content_hash_ignores_order_layout_and_comments() -> None:
    reordered = """\
# A comment at the top.
audience: inspection    # and one at the end of a line
title:
  en: Demo
  vi: "Thử"
sections:
- questions:
  - label:
      en: One
      vi: Câu một
    choices:
    - label: A
      value: 'a'
    - {label: B, value: b}
    type: single_choice
    key: q1

  - {relevant: "${q1} = 'a'", min: 0, label: Hai, type: integer, key: q2}
  title: Phần 1
  key: s1
key: demo
"""
    assert load(reordered).content_hash == load(HASHED).content_hash


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("label: Hai", "label: Hai!"),
        ("min: 0", "min: 1"),
        ("type: integer", "type: decimal"),
        ("en: One", "en: Uno"),
        ("{value: b, label: B}", "{value: c, label: B}"),
        ("type: single_choice", "type: single_choice\n        required: true"),
        ("audience: inspection", "audience: unit_report"),
    ],
)
def test_content_hash_changes_with_any_content_change(old: str, new: str) -> None:
    changed = HASHED.replace(old, new, 1)
    assert changed != HASHED
    assert load(changed).content_hash != load(HASHED).content_hash


# --------------------------------------------------------------------------
# Problems: YAML
# --------------------------------------------------------------------------


def test_yaml_syntax_error() -> None:
    text = HEADER + "sections:\n  - key: s1\n    title: a: b\n"
    assert_problem(text, "title: a: b", None, "YAML syntax error")


def test_yaml_flow_punctuation_gets_a_hint() -> None:
    text = with_questions("- {key: q1, type: text, label: {vi: Có không?, en: Yes?}}")
    assert_problem(text, "Có không?", None, "put any text that contains , ? : # [ ] { } in")


def test_text_cut_at_a_comma_in_braces() -> None:
    text = with_questions(
        """
        - key: q1
          type: text
          label: {vi: An toàn, vệ sinh lao động}
        """
    )
    assert_problem(text, "An toàn", "q1", "“vệ sinh lao động” looks like the end of a text cut")


def test_aliases_are_refused() -> None:
    text = HEADER + "x: &shared [1, 2]\ny: *shared\n"
    assert_problem(text, "y: *shared", None, "Aliases (*name) are not allowed.")


def test_deep_nesting_is_refused() -> None:
    text = HEADER + "x: " + "[" * 60 + "]" * 60 + "\n"
    assert_problem(text, "x: [", None, "Nested too deeply")


def test_too_large_text_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "MAX_SIZE", 100)
    problem = assert_problem(HEADER + "#" * 200, None, None, "too large")
    assert "100" in problem.message


def test_too_large_file_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "MAX_SIZE", 100)
    path = tmp_path / "demo.yaml"
    path.write_text(HEADER + "#" * 200, encoding="utf-8")
    with pytest.raises(DefinitionError) as raised:
        load_file(path)
    assert [p.file for p in raised.value.problems] == [str(path)]
    assert "too large" in raised.value.problems[0].message


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n"])
def test_empty_file(text: str) -> None:
    [problem] = problems_in(text)
    assert (problem.file, problem.line, problem.key) == ("demo.yaml", 1, None)
    assert problem.message == "The file is empty."


@pytest.mark.parametrize("text", ["- a\n- b\n", "just words\n", "42\n"])
def test_file_must_be_a_mapping(text: str) -> None:
    assert_problem(text, text.splitlines()[0], None, "The file must describe one survey")


def test_property_written_twice() -> None:
    text = with_questions("- key: q1\n  type: text\n  label: A\n  label: B")
    problem = assert_problem(text, "label: B", "q1", "“label” is written twice")
    assert f"first on line {line_of(text, 'label: A')}" in problem.message


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("!!binary aGVsbG8=", "The YAML tag !!binary is not supported here."),
        ("!!python/object/apply:os.system [ls]", "!!python/object/apply:os.system"),
        ("!!set {a, b}", "The YAML tag !!set is not supported here."),
        ("!!int abc", "“abc” is not a valid !!int."),
        ("123456789012345678901234567890", "The number 123456789012345678901234567890 is too"),
        (".nan", "Numbers must be finite"),
        ('"A\\0B"', "not allowed (code U+0000)"),
        ('"A\\ud800"', "not allowed (code U+D800)"),
    ],
)
def test_values_yaml_can_write_but_definitions_cannot_use(value: str, fragment: str) -> None:
    text = with_questions(f"- key: q1\n  type: text\n  label: A\n  hint: {value}")
    assert_problem(text, "hint:", "q1", fragment)


def test_control_character_in_the_file() -> None:
    text = with_questions("- key: q1\n  type: text\n  label: A\x07B")
    assert_problem(text, "label: A", None, "not allowed (code U+0007)")


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "demo.yaml"
    path.write_bytes(HEADER.encode() + b"description: caf\xe9\n")
    with pytest.raises(DefinitionError) as raised:
        load_file(path)
    [problem] = raised.value.problems
    assert (problem.file, problem.line, problem.key) == (str(path), 4, None)
    assert "UTF-8" in problem.message


# --------------------------------------------------------------------------
# Problems: shape (the JSON Schema pass)
# --------------------------------------------------------------------------


def test_unknown_top_level_property() -> None:
    text = with_questions("- {key: q1, type: text, label: A}", before="colour: red\n")
    assert_problem(text, "colour", None, "Unknown property “colour”.")


def test_unknown_section_property() -> None:
    text = with_questions("- {key: q1, type: text, label: A}", section="colour: red")
    assert_problem(text, "colour", "s1", "Unknown property “colour”.")


def test_unknown_question_property_suggests_the_right_one() -> None:
    """(The missing label is reported too; this test looks at the misspelling.)"""
    text = with_questions("- key: q1\n  type: text\n  lable: A")
    assert_problem(text, "lable", "q1", "Unknown property “lable”. Did you mean “label”?")


def test_missing_required_top_level_property() -> None:
    text = with_questions("- {key: q1, type: text, label: A}").replace("audience: inspection\n", "")
    assert_problem(text, "key: demo", None, "Missing required property “audience”.")


def test_missing_required_question_property() -> None:
    text = with_questions("- key: q1\n  type: text")
    assert_problem(text, "- key: q1", "q1", "Missing required property “label”.")


def test_missing_required_choice_property() -> None:
    text = with_questions(
        "- {key: q1, type: single_choice, label: A, choices: agree}",
        before="choice_lists:\n  agree:\n    - {value: a}\n",
    )
    assert_problem(text, "{value: a}", "agree", "Missing required property “label”.")


def test_missing_vietnamese_text() -> None:
    text = with_questions("- key: q1\n  type: text\n  label: {en: Only English}")
    assert_problem(text, "label:", "q1", "Missing required property “vi”.")


def test_unknown_question_type() -> None:
    text = with_questions("- key: q1\n  type: txt\n  label: A")
    problem = assert_problem(text, "type: txt", "q1", "Unknown question type “txt”.")
    assert "single_choice" in problem.message


def test_misspelt_matrix_type_is_the_only_problem() -> None:
    """Its rows are still known, so references to them do not add confusing problems."""
    text = with_questions(
        """
        - {key: m, type: matrx, label: M, choices: [{value: a, label: A}], rows: [{key: m_a, label: R}]}
        - {key: q2, type: text, label: B, relevant: "${m_a} = 'a'"}
        """  # noqa: E501
    )
    [problem] = problems_in(text)
    assert "Unknown question type “matrx”" in problem.message


def test_unknown_audience() -> None:
    text = with_questions("- {key: q1, type: text, label: A}").replace(
        "audience: inspection", "audience: workers"
    )
    assert_problem(text, "audience", None, "“workers” is not allowed for “audience”")


def test_unknown_layout() -> None:
    text = with_questions("- {key: q1, type: text, label: A}", before="layout: grid\n")
    assert_problem(text, "layout", None, "“grid” is not allowed for “layout”")


@pytest.mark.parametrize("area", ['"2.1"', "2.1", "1.10"])
def test_unknown_content_area(area: str) -> None:
    text = with_questions("- {key: q1, type: text, label: A}", section=f"area: {area}")
    assert_problem(text, "area:", "s1", "is not allowed for “area”. Use one of: 1.1, 1.2")


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("required: 'yes'", "“required” must be true or false."),
        ("max_length: many", "“max_length” must be a whole number."),
        ("max_length: 2.5", "“max_length” must be a whole number."),
        ("hint: [a, b]", "“hint” must be text, or “vi:” and “en:” texts."),
        ("hint:", "“hint” has no value."),
        ("hint: '   '", "“hint” must not be empty."),
        ("hint: {vi: ''}", "“vi” must not be empty."),
        ("hint: {vi: A, en: 5}", "“en” must be text."),
        ("relevant: 5", "“relevant” must be text."),
        ("default: {a: 1}", "“default” must be one value or a list of values."),
        ("max_length: 0", "“max_length” must be at least 1."),
        ("max_length: 100001", "“max_length” must be at most 100000."),
    ],
)
def test_wrong_kind_of_value(line: str, fragment: str) -> None:
    text = with_questions(f"- key: q1\n  type: text\n  label: A\n  {line}")
    assert_problem(text, line.split(":")[0] + ":", "q1", fragment)


def test_wrong_kinds_elsewhere() -> None:
    text = with_questions(
        """
        - {key: q1, type: single_choice, label: A, choices: 5}
        - {key: q2, type: repeat, label: R, max_rows: 101, questions: [{key: c, type: text, label: C}]}
        - {key: q3, type: matrix, label: M, choices: [x], rows: [{key: r, label: R}]}
        """  # noqa: E501
    )
    problems = problems_in(text)
    by_message = {p.message: (p.line, p.key) for p in problems}
    assert by_message["“choices” must be the name of a choice list or a list of choices."] == (
        line_of(text, "key: q1"),
        "q1",
    )
    assert by_message["“max_rows” must be at most 100."] == (line_of(text, "key: q2"), "q2")
    assert by_message["“choices #1” must be a set of properties (name: value)."] == (
        line_of(text, "key: q3"),
        "q3",
    )


def test_sections_must_not_be_empty() -> None:
    assert_problem(HEADER + "sections: []\n", "sections", None, "“sections” must list at least")


def test_questions_must_not_be_empty() -> None:
    text = HEADER + "sections:\n  - key: s1\n    title: A\n    questions: []\n"
    assert_problem(text, "questions", "s1", "“questions” must list at least one item.")


@pytest.mark.parametrize(
    ("key", "shown"), [("Q1", "Q1"), ("1q", "1q"), ("q-1", "q-1"), ("'q 1'", "q 1")]
)
def test_bad_question_key(key: str, shown: str) -> None:
    text = with_questions(f"- key: {key}\n  type: text\n  label: A")
    assert_problem(text, f"- key: {key}", shown, f"“{shown}” is not a valid name")


def test_key_with_a_trailing_newline_is_refused() -> None:
    """JSON Schema patterns let `$` match before a final newline; the loader does not."""
    text = with_questions("- key: |\n    q1\n  type: text\n  label: A")
    assert_problem(text, "- key: |", "q1\n", "is not a valid name")


def test_bad_survey_key() -> None:
    text = with_questions("- {key: q1, type: text, label: A}").replace("key: demo", "key: Demo")
    assert_problem(text, "key: Demo", None, "“Demo” is not a valid survey key")


def test_bad_choice_list_name() -> None:
    text = with_questions(
        "- {key: q1, type: single_choice, label: A, choices: [{value: a, label: A}]}",
        before="choice_lists:\n  Agree:\n    - {value: a, label: A}\n",
    )
    assert_problem(text, "Agree:", "Agree", "“Agree” is not a valid name")


@pytest.mark.parametrize(("value", "shown"), [('"a b"', "a b"), ("+1", "+1"), ("ý", "ý")])
def test_bad_choice_value(value: str, shown: str) -> None:
    text = with_questions(
        f"- key: q1\n  type: single_choice\n  label: A\n  choices:\n"
        f"    - {{value: {value}, label: A}}"
    )
    assert_problem(text, "{value:", "q1", f"Choice value “{shown}” may contain only")


# --------------------------------------------------------------------------
# Problems: meaning (the semantic pass)
# --------------------------------------------------------------------------


def test_survey_key_must_match_the_file_name() -> None:
    text = with_questions("- {key: q1, type: text, label: A}")
    assert_problem(
        text, "key: demo", None, "must be the same as the file name “other”", expected_key="other"
    )


@pytest.mark.parametrize(
    "block",
    [
        "- {key: q1, type: text, label: A}\n- {key: q1, type: integer, label: B}",
        "- {key: s1, type: text, label: A}",
        "- {key: m, type: matrix, label: M, choices: [{value: a, label: A}], rows: [{key: q1, "
        "label: R}]}\n- {key: q1, type: text, label: B}",
        "- {key: q1, type: text, label: A}\n- {key: r, type: repeat, label: R, questions: "
        "[{key: q1, type: text, label: C}]}",
    ],
    ids=["question", "section", "matrix-row", "repeat-child"],
)
def test_duplicate_keys(block: str) -> None:
    text = with_questions(block)
    duplicate = re.findall(r"key: (\w+)", block)[-1]
    problems = [p for p in problems_in(text) if "is already used" in p.message]
    assert len(problems) == 1, problems
    [problem] = problems
    assert problem.key == duplicate
    assert problem.line == line_of(text, f"key: {duplicate}", text.count(f"key: {duplicate}"))
    assert f"The key “{duplicate}” is already used (line " in problem.message


@pytest.mark.parametrize(
    ("question", "needle", "fragment"),
    [
        ("{key: q1, type: text, label: A, rows: [{key: r, label: R}]}", "rows", "“rows” cannot be "
         "used on a question of type “text”."),
        ("{key: q1, type: matrix, label: A, choices: [{value: a, label: A}], rows: [{key: r, "
         "label: R}], questions: [{key: c, type: text, label: C}]}", "questions",
         "“questions” cannot be used on a question of type “matrix”."),
        ("{key: q1, type: text, label: A, min: 1}", "min", "“min” cannot be used"),
        ("{key: q1, type: integer, label: A, max_length: 5}", "max_length", "“max_length” cannot"),
        ("{key: q1, type: note, label: A, required: true}", "required", "“required” cannot be "
         "used on a question of type “note”."),
        ("{key: q1, type: date, label: A, min: 1}", "min", "“min” cannot be used on a question "
         "of type “date”."),
        ("{key: q1, type: matrix, label: A, choices: [{value: a, label: A}], rows: [{key: r, "
         "label: R}], default: a}", "default", "“default” cannot be used"),
        ("{key: q1, type: repeat, label: A, required: true, questions: [{key: c, type: text, "
         "label: C}]}", "required", "A repeat group cannot be required; use “min_rows” instead."),
        ("{key: q1, type: yes_no, label: A, choices: [{value: a, label: A}]}", "choices",
         "A yes_no question gets its choices (yes: Có, no: Không) automatically"),
        ("{key: q1, type: integer, label: A, number_type: integer}", "number_type",
         "“number_type” cannot be used on a question of type “integer”."),
        ("{key: q1, type: phone, label: A, default: '0905123456'}", "default",
         "“default” cannot be used on a question of type “phone”."),
    ],
)  # fmt: skip
def test_property_that_does_not_belong_to_the_type(
    question: str, needle: str, fragment: str
) -> None:
    assert_problem(with_questions("- " + question), "- {key: q1", "q1", fragment)


def test_property_that_does_not_belong_points_at_its_line() -> None:
    text = with_questions("- key: q1\n  type: text\n  label: A\n  choices: [{value: a, label: A}]")
    assert_problem(text, "choices:", "q1", "“choices” cannot be used")


@pytest.mark.parametrize(
    ("question", "fragment"),
    [
        ("{key: q1, type: single_choice, label: A}", "“single_choice” needs “choices”."),
        ("{key: q1, type: multiple_choice, label: A}", "“multiple_choice” needs “choices”."),
        ("{key: q1, type: matrix, label: A, choices: [{value: a, label: A}]}", "needs “rows”."),
        ("{key: q1, type: repeat, label: A}", "“repeat” needs “questions”."),
    ],
)
def test_property_the_type_needs(question: str, fragment: str) -> None:
    assert_problem(with_questions("- " + question), "- {key: q1", "q1", fragment)


def test_repeat_inside_repeat() -> None:
    text = with_questions(
        """
        - key: outer
          type: repeat
          label: O
          questions:
            - key: inner
              type: repeat
              label: I
              questions: [{key: c, type: text, label: C}]
        """
    )
    assert_problem(text, "type: repeat", "inner", "cannot contain another repeat", occurrence=2)


def test_unknown_choice_list_with_suggestion() -> None:
    text = with_questions(
        "- {key: q1, type: single_choice, label: A, choices: agre5}",
        before="choice_lists:\n  agree5:\n    - {value: a, label: A}\n",
    )
    assert_problem(
        text, "choices: agre5", "q1", "Unknown choice list “agre5”. Did you mean “agree5”?"
    )


def test_unknown_choice_list_without_suggestion() -> None:
    text = with_questions(
        "- {key: q1, type: matrix, label: A, choices: scale, rows: [{key: r, label: R}]}"
    )
    assert_problem(text, "choices: scale", "q1", "add it under “choice_lists”")


def test_empty_choice_list() -> None:
    text = with_questions(
        "- {key: q1, type: single_choice, label: A, choices: empty}",
        before="choice_lists:\n  empty: []\n",
    )
    assert_problem(text, "empty: []", "empty", "“empty” must list at least one item.")


def test_duplicate_choice_values() -> None:
    text = with_questions(
        "- {key: q1, type: single_choice, label: A, choices: agree}",
        before=(
            "choice_lists:\n  agree:\n    - {value: 1, label: A}\n    - {value: '1', label: B}\n"
        ),
    )
    problem = assert_problem(text, "label: B", "agree", "Choice value “1” appears twice")
    assert f"first on line {line_of(text, 'label: A}')}" in problem.message


@pytest.mark.parametrize(
    ("question", "needle", "fragment"),
    [
        ("type: integer\n  min: 10\n  max: 5", "max: 5", "“min” (10) is larger than “max” (5)."),
        ("type: decimal\n  min: 0.5\n  max: 0.25", "max:", "“min” (0.5) is larger than “max”"),
        ("type: indicator\n  min: 1\n  max: 0", "max:", "is larger than “max” (0)."),
        ("type: integer\n  min: 0.5", "min:", "“min” must be a whole number for this type"),
        ("type: rating\n  min: 1\n  max: 1.5", "max:", "“max” must be a whole number"),
        ("type: rating\n  choices: [{value: a, label: A}]\n  min: 1", "min:", "either “choices”"),
        ("type: rating\n  min: 0\n  max: 11", "max:", "2 to 11 points; here it is 0 to 11."),
        ("type: rating\n  min: 5", "min:", "here it is 5 to 5."),
        ("type: repeat\n  min_rows: 3\n  max_rows: 2\n  questions: [{key: c, type: text, label: "
         "C}]", "min_rows:", "“min_rows” (3) is larger than “max_rows” (2)."),
    ],
)  # fmt: skip
def test_bad_ranges(question: str, needle: str, fragment: str) -> None:
    text = with_questions(f"- key: q1\n  label: A\n  {question}")
    assert_problem(text, needle, "q1", fragment)


@pytest.mark.parametrize(
    ("question", "fragment"),
    [
        ("type: text\n  max_length: 3\n  default: abcd", "longer than “max_length” (3 char"),
        ("type: text\n  default: ' '", "The default must be a (non-empty) text."),
        ("type: integer\n  max: 10\n  default: 11", "The default 11 is greater than “max” (10)."),
        ("type: integer\n  min: 1\n  default: 0", "The default 0 is less than “min” (1)."),
        ("type: decimal\n  min: 1\n  default: 0.5", "The default 0.5 is less than “min” (1)."),
        ("type: integer\n  default: 1.5", "The default must be a whole number."),
        ("type: integer\n  default: '7'", "The default must be a number."),
        ("type: decimal\n  default: true", "The default must be a number."),
        ("type: date\n  default: 2017-13-01", "The default must be a date written YYYY-MM-DD"),
        ("type: date\n  default: 5", "The default must be a date written YYYY-MM-DD"),
        ("type: single_choice\n  choices: [{value: a, label: A}]\n  default: b",
         "The default “b” is not one of the choices (a)."),
        ("type: multiple_choice\n  choices: [{value: a, label: A}, {value: b, label: B}]\n  "
         "default: a c", "The default “c” is not one of the choices (a, b)."),
        ("type: multiple_choice\n  choices: [{value: a, label: A}]\n  default: []",
         "is not one of the choices (a)."),
        ("type: yes_no\n  default: maybe", "The default “maybe” is not one of the choices (yes, "
         "no)."),
        ("type: rating\n  default: 6", "The default “6” is not one of the choices (1, 2, 3, 4, 5)"),
    ],
)  # fmt: skip
def test_default_that_is_not_a_valid_answer(question: str, fragment: str) -> None:
    text = with_questions(f"- key: q1\n  label: A\n  {question}")
    assert_problem(text, "default:", "q1", fragment)


def test_constraint_message_needs_a_constraint() -> None:
    text = with_questions("- key: q1\n  type: integer\n  label: A\n  constraint_message: Sai")
    assert_problem(text, "constraint_message", "q1", "only used together with a “constraint”")


@pytest.mark.parametrize(
    ("expression", "column", "detail"),
    [
        ("${q2} = 1 and", 14, "unexpected end of expression"),
        ("${q2} == 1", 7, "use = to compare, not =="),
        ("count(${q2})", 1, "unknown function"),
        ("", 1, "empty expression"),
    ],
)
def test_expression_syntax_error_gives_the_column(
    expression: str, column: int, detail: str
) -> None:
    text = with_questions(
        f'- {{key: q1, type: integer, label: A, relevant: "{expression}"}}\n'
        "- {key: q2, type: integer, label: B}"
    )
    problem = assert_problem(text, "relevant", "q1", f"at column {column}")
    assert problem.message.startswith("Error in “relevant” at column")
    assert detail in problem.message


def test_expression_syntax_error_in_a_section() -> None:
    text = with_questions("- {key: q1, type: text, label: A}", section='relevant: "${q1} ="')
    assert_problem(text, "relevant", "s1", "Error in “relevant” at column 8")


def test_dot_is_only_for_constraints() -> None:
    text = with_questions('- {key: q1, type: integer, label: A, relevant: ". > 1"}')
    assert_problem(text, "relevant", "q1", "“.” (this question's answer) can only be used in")


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("${q2x} = 1", "Unknown question “q2x”. Did you mean “q2”?"),
        ("${zzz} = 1", "Unknown question “zzz”."),
        ("${n} = 1", "“n” is a note and has no answer."),
        ("${r} = 1", "“r” is a repeat group; refer to a question inside it instead."),
        ("${m} = 1", "“m” is a matrix; refer to one of its rows instead."),
        ("${s1} = 1", "“s1” is a section, not a question."),
        ("${c} = 1", "“c” is inside the repeat group “r”; only questions of that group"),
        ("${q2.baseline} = 1", "Unknown question “q2.baseline”."),
        ("${ind.current} = 1", "Unknown question “ind.current”."),
    ],
)
def test_bad_references(expression: str, fragment: str) -> None:
    text = with_questions(
        f"""
        - {{key: q1, type: integer, label: A, constraint: "{expression}"}}
        - {{key: q2, type: integer, label: B}}
        - {{key: n, type: note, label: N}}
        - {{key: ind, type: indicator, label: I}}
        - {{key: m, type: matrix, label: M, choices: [{{value: a, label: A}}], rows: [{{key: m_a, label: R}}]}}
        - {{key: r, type: repeat, label: R, questions: [{{key: c, type: text, label: C}}]}}
        """  # noqa: E501
    )
    assert_problem(text, "constraint", "q1", fragment)


def test_repeat_child_cannot_see_another_repeats_children() -> None:
    text = with_questions(
        """
        - {key: r1, type: repeat, label: A, questions: [{key: a, type: text, label: A}]}
        - key: r2
          type: repeat
          label: B
          questions:
            - {key: b, type: text, label: B, relevant: "${a} = 'x'"}
        """
    )
    assert_problem(text, "relevant", "b", "“a” is inside the repeat group “r1”")


def test_question_cannot_show_if_on_itself() -> None:
    text = with_questions('- {key: q1, type: integer, label: A, relevant: "${q1} > 1"}')
    assert_problem(text, "relevant", "q1", "“relevant” cannot depend on this question's own")


def test_matrix_cannot_show_if_on_its_own_row() -> None:
    text = with_questions(
        "- {key: m, type: matrix, label: M, choices: [{value: a, label: A}], "
        "rows: [{key: m_a, label: R}], relevant: \"${m_a} = 'a'\"}"
    )
    assert_problem(text, "relevant", "m", "cannot depend on this question's own answer (${m_a})")


def test_cycle_of_two() -> None:
    text = with_questions(
        """
        - {key: q1, type: integer, label: A, relevant: "${q2} > 1"}
        - {key: q2, type: integer, label: B, relevant: "${q1} > 1"}
        """
    )
    assert_problem(text, "key: q1", "q1", "go round in a circle: q1 → q2 → q1.")


def test_cycle_through_a_section() -> None:
    text = with_questions("- {key: q1, type: integer, label: A}", section='relevant: "${q1} > 1"')
    assert_problem(text, "relevant", "s1", "go round in a circle: s1 → q1 → s1.")


def test_cycle_through_a_repeat() -> None:
    text = with_questions(
        """
        - key: r
          type: repeat
          label: R
          relevant: "${q2} > 0"
          questions:
            - {key: c, type: integer, label: C}
        - {key: q2, type: integer, label: B, relevant: "${c} > 0"}
        """
    )
    problems = problems_in(text)
    # q2 may not read c from outside the group; and that is the only problem here.
    assert [p.key for p in problems] == ["q2"]
    assert "inside the repeat group “r”" in problems[0].message


def test_every_cycle_is_reported() -> None:
    text = with_questions(
        """
        - {key: a1, type: integer, label: A, relevant: "${a2} > 1"}
        - {key: a2, type: integer, label: B, relevant: "${a1} > 1"}
        - {key: b1, type: integer, label: C, relevant: "${b2} > 1"}
        - {key: b2, type: integer, label: D, relevant: "${b3} > 1"}
        - {key: b3, type: integer, label: E, relevant: "${b1} > 1"}
        """
    )
    cycles = [p.message for p in problems_in(text) if "circle" in p.message]
    assert len(cycles) == 2
    assert any("a1 → a2 → a1" in message for message in cycles)
    assert any("b1 → b2 → b3 → b1" in message for message in cycles)


# --------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------


def test_all_problems_come_at_once_sorted_by_line() -> None:
    text = with_questions(
        """
        - {key: q1, type: txt, label: A}
        - {key: q2, type: integer, label: B, min: 5, max: 1}
        - {key: q3, type: integer, label: C, relevant: "${nope} = 1"}
        - {key: q4, type: text}
        """,
        before="colour: red\n",
    )
    problems = problems_in(text)
    assert [p.key for p in problems] == [None, "q1", "q2", "q3", "q4"]
    assert [p.line for p in problems] == sorted(p.line or 0 for p in problems)


def test_problem_text() -> None:
    assert str(Problem("a.yaml", 3, "q1", "Sai.")) == "a.yaml:3: [q1] Sai."
    assert str(Problem("a.yaml", 3, None, "Sai.")) == "a.yaml:3: Sai."
    assert str(Problem("a.yaml", None, None, "Sai.")) == "a.yaml: Sai."


def test_definition_error_lists_its_problems() -> None:
    problems = problems_in(with_questions("- {key: q1, type: txt, label: A}"))
    text = str(DefinitionError(problems))
    assert text == "\n".join(str(p) for p in problems)
    assert text.startswith("demo.yaml:")


def test_default_source_name() -> None:
    with pytest.raises(DefinitionError) as raised:
        load_definition("")
    assert raised.value.problems[0].file == "<string>"


# --------------------------------------------------------------------------
# check_paths
# --------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def survey_file(directory: Path, key: str, suffix: str = ".yaml") -> Path:
    text = with_questions("- {key: q1, type: text, label: A}").replace("key: demo", f"key: {key}")
    return write(directory / f"{key}{suffix}", text)


def test_check_paths_reads_directories_and_files(tmp_path: Path) -> None:
    survey_file(tmp_path, "b_survey")
    survey_file(tmp_path, "a_survey", ".yml")
    write(tmp_path / "broken.yaml", "key: broken\n")
    write(tmp_path / "notes.txt", "not a survey")
    write(tmp_path / ".hidden.yaml", "junk: [")
    nested = tmp_path / "nested"
    nested.mkdir()
    survey_file(nested, "nested")
    single = survey_file(tmp_path / "nested", "single")

    definitions, problems = check_paths([tmp_path, single])

    assert [d.key for d in definitions] == ["a_survey", "b_survey", "single"]
    assert {p.file for p in problems} == {str(tmp_path / "broken.yaml")}
    assert {p.message for p in problems} >= {"Missing required property “sections”."}


def test_check_paths_reports_missing_paths_and_repeated_keys(tmp_path: Path) -> None:
    survey_file(tmp_path, "twice")
    survey_file(tmp_path, "twice", ".yml")
    definitions, problems = check_paths([tmp_path, tmp_path / "missing.yaml"])
    assert [d.key for d in definitions] == ["twice"]
    assert [(p.file, p.line) for p in problems] == [
        (str(tmp_path / "twice.yml"), None),
        (str(tmp_path / "missing.yaml"), None),
    ]
    assert "also defined in" in problems[0].message
    assert problems[1].message == "No such file or directory."


def test_check_paths_of_the_shipped_surveys() -> None:
    """Whatever is shipped in surveys/ loads cleanly."""
    definitions, problems = check_paths([ROOT / "surveys"])
    assert problems == [], "\n".join(map(str, problems))


# --------------------------------------------------------------------------
# The schema and the README
# --------------------------------------------------------------------------


def test_schema_is_valid_and_shares_the_loaders_patterns() -> None:
    from jsonschema import Draft202012Validator

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["properties"]["key"]["pattern"] == SURVEY_KEY_PATTERN
    assert schema["$defs"]["key"]["pattern"] == KEY_PATTERN
    assert schema["properties"]["choice_lists"]["propertyNames"]["pattern"] == KEY_PATTERN
    assert schema["$defs"]["choice"]["properties"]["value"]["pattern"] == VALUE_PATTERN
    assert schema["$defs"]["question"]["properties"]["type"]["enum"] == [t.value for t in QType]


def readme_example() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- worked-example -->\s*```yaml\n(.*?)```", text, re.DOTALL)
    assert match, "the README's worked example block is missing its marker"
    return match.group(1)


def test_readme_worked_example_is_the_fixture_file() -> None:
    fixture = (FIXTURES / "worked_example.yaml").read_text(encoding="utf-8")
    assert readme_example() == fixture


def test_worked_example_loads_without_problems() -> None:
    definition = load_file(FIXTURES / "worked_example.yaml")
    types = {q.type for q in definition.all_questions()}
    assert {QType.MATRIX, QType.INDICATOR, QType.REPEAT, QType.YES_NO} <= types
    assert definition.choice_lists.keys() == {"agree5"}
    assert any(s.relevant for s in definition.sections)
    assert any(q.constraint and q.constraint_message for q in definition.all_questions())


def readme_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


AGREE5 = """\
choice_lists:
  agree5:
    - {value: "1", label: A}
    - {value: "2", label: B}
"""


@pytest.mark.parametrize(
    "block",
    [block for block in readme_blocks() if block.startswith("- key:")],
    ids=lambda block: block.split("\n")[0].removeprefix("- key: "),
)
def test_readme_question_examples_load(block: str) -> None:
    load(with_questions(block, before=AGREE5))


def test_readme_choice_list_example_loads() -> None:
    [block] = [block for block in readme_blocks() if block.startswith("choice_lists:")]
    load(HEADER + block)


def readme_expressions() -> list[str]:
    """The expressions in the README's operator and function tables and its examples."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Operators") : text.index("### What the checker refuses")]
    found = re.findall(r"^\|[^|]*\|[^|]*\| `([^`]+)` \|$", section, re.MULTILINE)
    found += [
        yaml.safe_load(line.split("#")[0])[name]
        for line in section.splitlines()
        for name in ("relevant", "constraint")
        if line.startswith(f"{name}:")
    ]
    return found


def test_readme_has_expression_examples() -> None:
    assert len(readme_expressions()) > 20


@pytest.mark.parametrize("expression", readme_expressions())
def test_readme_expression_examples_parse(expression: str) -> None:
    from survey_app.surveys.expressions import parse

    parse(expression)
