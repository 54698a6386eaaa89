"""XLSForm import and export (survey_app/surveys/xlsform.py).

Workbooks are written here with openpyxl (no binaries in the repository); pyxform, the
reference XLSForm compiler, checks what export writes, and python-calamine reads it back
independently of openpyxl.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import Workbook
from python_calamine import CalamineWorkbook
from pyxform.question_type_dictionary import QUESTION_TYPE_DICT
from pyxform.xls2xform import convert

from survey_app.surveys.loader import load_definition, load_file
from survey_app.surveys.model import Definition, Question, Text
from survey_app.surveys.xlsform import (
    ImportResult,
    XLSFormError,
    XLSFormProblem,
    export_xlsform,
    import_xlsform,
    language_code,
    rewrite_references,
)

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "xlsform"
VI, EN = "label::Tiếng Việt (vi)", "label::English (en)"


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def workbook(**sheets: list[list[Any]]) -> bytes:
    """An .xlsx with the given sheets; each is a list of rows, the header row first."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def fixture_sheets(name: str) -> dict[str, list[list[Any]]]:
    """A fixture's sheets as rows (header first) from its YAML description."""
    data = yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))
    return {
        sheet: [spec["columns"], *([row.get(c) for c in spec["columns"]] for row in spec["rows"])]
        for sheet, spec in data.items()
    }


def worker_poll() -> bytes:
    return workbook(**fixture_sheets("worker_poll_2017.yaml"))


SURVEY_HEADER = ["type", "name", "label", "relevant", "constraint", "required", "default"]
CHOICES = [
    ["list_name", "name", "label"],
    ["yn", "yes", "Có"],
    ["yn", "no", "Không"],
]
SETTINGS = [["form_title", "form_id"], ["Phiếu thử", "thu"]]


def small_form(extra: list[list[Any]] = (), *, after: list[list[Any]] = (),
               choices: list[list[Any]] | None = None) -> bytes:
    """A valid two-question form; ``extra`` rows go in at row 5 (inside the group),
    ``after`` rows after its end_group (row 6 on, or later with extras)."""
    survey = [
        SURVEY_HEADER,
        ["begin_group", "s1", "Phần 1"],                     # row 2
        ["select_one yn", "q1", "Câu 1"],                    # row 3
        ["integer", "q2", "Câu 2", "${q1} = 'yes'"],         # row 4
        *extra,                                              # row 5...
        ["end_group"],
        *after,
    ]
    return workbook(survey=survey, choices=choices or CHOICES, settings=SETTINGS)


def problems_of(data: bytes, key: str = "thu") -> list[XLSFormProblem]:
    with pytest.raises(XLSFormError) as caught:
        import_xlsform(data, key)
    assert caught.value.problems, "an XLSFormError always lists its problems"
    return caught.value.problems


def where(problems: list[XLSFormProblem]) -> list[tuple[str, int | None]]:
    return [(p.sheet, p.row) for p in problems]


def load(result: ImportResult, key: str) -> Definition:
    return load_definition(result.yaml_text, f"{key}.yaml", expected_key=key)


def text(value: Text | None) -> tuple[str, str | None] | None:
    return None if value is None else (value.vi, value.en)


def question_summary(q: Question) -> dict[str, Any]:
    """What a round trip through XLSForm keeps of a question (the XLSForm subset)."""
    return {
        "key": q.key, "type": q.type.value, "label": text(q.label), "hint": text(q.hint),
        "required": q.required, "relevant": q.relevant and q.relevant.text,
        "constraint": q.constraint and q.constraint.text,
        "constraint_message": text(q.constraint_message), "default": q.default,
        "min": q.min, "max": q.max, "max_length": q.max_length,
        "choices": [(c.value, text(c.label)) for c in q.choices],
        "questions": [question_summary(child) for child in q.questions],
    }


def summary(definition: Definition) -> dict[str, Any]:
    return {
        "key": definition.key, "title": text(definition.title),
        "audience": definition.audience.value,
        "sections": [
            {"key": s.key, "title": text(s.title), "area": s.area,
             "description": text(s.description), "relevant": s.relevant and s.relevant.text,
             "questions": [question_summary(q) for q in s.questions]}
            for s in definition.sections
        ],
    }


def compile_with_pyxform(data: bytes) -> tuple[str, list[str]]:
    warnings: list[str] = []
    result = convert(xlsform=data, warnings=warnings, file_type=".xlsx")
    return result.xform, warnings


# --------------------------------------------------------------------------
# Import: a realistic form
# --------------------------------------------------------------------------


def test_import_realistic_vietnamese_form(tmp_path):
    source = tmp_path / "phieu.xlsx"
    source.write_bytes(worker_poll())
    before = sorted(tmp_path.iterdir())

    result = import_xlsform(source, "worker_poll_2017")

    assert sorted(tmp_path.iterdir()) == before, "import writes nothing"
    mapping = result.mapping
    assert list(mapping) == ["key", "title", "audience", "choice_lists", "sections"]
    assert mapping["key"] == "worker_poll_2017"
    assert mapping["title"] == "Phiếu lấy ý kiến đoàn viên, người lao động"
    assert mapping["audience"] == "worker_poll"
    assert [s["key"] for s in mapping["sections"]] == [
        "section_1", "s_ban_than", "s_y_kien", "section_2"]
    # Questions outside groups: automatic sections titled like the form.
    assert mapping["sections"][0]["title"] == mapping["title"]
    assert mapping["sections"][2]["relevant"] == "${la_doan_vien} = 'yes'"

    definition = load(result, "worker_poll_2017")
    assert yaml.safe_load(result.yaml_text) == mapping
    q = {question.key: question for question in definition.all_questions()}
    assert q["tuoi"].type.value == "integer" and q["tuoi"].required
    assert q["tuoi"].label == Text("Tuổi của anh/chị", "Your age")
    assert q["tuoi"].hint == Text("Tính theo năm dương lịch", "In full years")
    # A constraint with its own message stays whole; else bounds become min/max.
    assert q["tuoi"].constraint.text == ". >= 15 and . <= 80"
    assert (q["nam_vao_cd"].min, q["nam_vao_cd"].max) == (1950, 2017)
    assert q["nam_vao_cd"].constraint.text == ". != 2000"
    assert q["nam_vao_cd"].constraint_message == Text("Năm không hợp lệ.", "Not a valid year.")
    assert not q["nam_vao_cd"].required
    assert q["nam_vao_cd"].relevant.text == "${la_doan_vien} = 'yes'"
    assert q["thu_nhap"].min == 0 and q["thu_nhap"].default == 5.5
    assert q["gioi_tinh"].required and q["gioi_tinh"].choice_list == "gioi_tinh"
    assert q["hoat_dong"].type.value == "multiple_choice"
    assert [c.value for c in q["hoat_dong"].choices] == ["luong", "bhxh", "van_hoa", "khac"]
    assert q["hoat_dong"].choices[0].label == Text(
        "Thương lượng tiền lương, thưởng", "Bargaining on pay and bonuses")
    assert q["hai_long"].choice_values == {"1", "2", "3", "4", "5"}
    assert q["hai_long"].default == "3"
    assert q["gop_y"].type.value == "long_text" and q["gop_y"].max_length == 1000
    assert q["kien_nghi"].type.value == "repeat"
    assert [child.key for child in q["kien_nghi"].questions] == ["noi_dung", "linh_vuc"]
    assert q["ngay_tra_loi"].constraint.text == ". <= today()"
    assert q["gioi_thieu"].type.value == "note"

    assert [(w.sheet, w.row) for w in result.warnings] == [("survey", 5)]
    assert "minimal" in result.warnings[0].message


def test_import_from_bytes_equals_import_from_path(tmp_path):
    data = worker_poll()
    path = tmp_path / "form.xlsx"
    path.write_bytes(data)
    from_path = import_xlsform(path, "worker_poll_2017")
    from_bytes = import_xlsform(data, "worker_poll_2017")
    assert from_path.mapping == from_bytes.mapping


def test_yaml_text_is_readable():
    result = import_xlsform(worker_poll(), "worker_poll_2017")
    assert "Phiếu lấy ý kiến" in result.yaml_text, "unicode is written as is"
    assert result.yaml_text.startswith("# Imported from the XLSForm")
    assert "  - {value: nam, label: {vi: Nam, en: Male}}" in result.yaml_text


def test_mapping_is_plain_data_and_shared_texts_are_not_aliased():
    survey = [["type", "name", "label"],
              ["text", "q1", "Tên ${x}"],
              ["begin_group", "s", "Phần"], ["text", "q2", "Tuổi"], ["end_group"],
              ["text", "q3", "Ghi chú"]]
    settings = [["form_title", "form_title_en"], ["Phiếu", "Form"]]
    result = import_xlsform(workbook(survey=survey, settings=settings), "thu")
    assert yaml.safe_load(yaml.safe_dump(result.mapping, allow_unicode=True)) == result.mapping
    assert "&id" not in result.yaml_text and "*id" not in result.yaml_text
    definition = load(result, "thu")
    assert definition.title == Text("Phiếu", "Form")
    assert [s.title for s in definition.sections] == [
        Text("Phiếu", "Form"), Text("Phần"), Text("Phiếu", "Form")]
    # A ${name} in a label is not replaced here (as ODK would): warned.
    assert ("survey", 2) in where(result.warnings)


def test_problem_text_names_sheet_and_row():
    assert str(XLSFormProblem("survey", 7, "Sai.")) == "sheet survey, row 7: Sai."
    assert str(XLSFormProblem("choices", None, "Sai.")) == "sheet choices: Sai."
    assert str(XLSFormProblem("", None, "Sai.")) == "Sai."


# --------------------------------------------------------------------------
# Import: languages, structure, warnings
# --------------------------------------------------------------------------


def test_plain_label_is_the_default_language():
    survey = [["type", "name", "label", "label::vi"],
              ["text", "q1", "Name", "Tên"],
              ["text", "q2", "Age", None]]
    settings = [["form_title", "default_language"], ["Form", "English (en)"]]
    result = import_xlsform(workbook(survey=survey, settings=settings), "thu")
    questions = result.mapping["sections"][0]["questions"]
    assert questions[0]["label"] == {"vi": "Tên", "en": "Name"}
    # No Vietnamese text in this row: the English one is used, with a warning for the row.
    assert questions[1]["label"] == "Age"
    assert ("survey", 3) in where(result.warnings)
    assert result.mapping["title"] == "Form"


def test_english_only_form_uses_english_as_vietnamese_and_warns_once():
    survey = [["type", "name", "label::English (en)"],
              ["text", "q1", "Name"], ["text", "q2", "Age"]]
    settings = [["form_title", "audience"], ["Form", "inspection"]]
    result = import_xlsform(workbook(survey=survey, settings=settings), "thu")
    assert result.mapping["sections"][0]["questions"][0]["label"] == "Name"
    assert where(result.warnings) == [("survey", None)]
    assert "Vietnamese" in result.warnings[0].message


def test_short_language_codes_and_space_spelled_types():
    survey = [["type", "name", "label::vi", "label::en", "Relevance"],
              ["begin group", "s", "Phần", "Part", None],
              ["select one yn", "q1", "Câu 1", "Q 1", None],
              ["select all that apply yn", "q2", "Câu 2", "Q 2", "${q1} = 'yes'"],
              ["end group", None, None, None, None]]
    result = import_xlsform(workbook(survey=survey, choices=CHOICES, settings=SETTINGS), "thu")
    q1, q2 = result.mapping["sections"][0]["questions"]
    assert (q1["type"], q2["type"]) == ("single_choice", "multiple_choice")
    assert q1["label"] == {"vi": "Câu 1", "en": "Q 1"}
    assert q2["relevant"] == "${q1} = 'yes'"


def test_nested_group_is_flattened_with_its_relevance():
    data = small_form([
        ["begin_group", "g", "Nhóm", "${q2} > 1"],            # row 5
        ["text", "q3", "Câu 3", "${q1} = 'no'"],            # row 6
        ["end_group"],                                        # row 7
    ])
    result = import_xlsform(data, "thu")
    q3 = result.mapping["sections"][0]["questions"][2]
    assert q3["key"] == "q3"
    assert q3["relevant"] == "(${q2} > 1) and (${q1} = 'no')"
    assert ("survey", 5) in where(result.warnings)
    load(result, "thu")


def test_metadata_and_unknown_columns_are_skipped_with_warnings():
    # A column ODK tools ignore too (a note to the form's authors) is ignored with a warning;
    # an empty media column is nothing at all. (A media column with a file is refused: see
    # REFUSED below.)
    survey = [["type", "name", "label", "ghi_chu", "media::image"],
              ["start", "start", None, None, None],
              ["text", "q1", "Tên", "hỏi lại sau", None]]
    result = import_xlsform(workbook(survey=survey, settings=SETTINGS), "thu")
    assert where(result.warnings) == [("settings", None), ("survey", 2), ("survey", 3)]
    assert "ghi_chu" in result.warnings[2].message
    assert [q["key"] for q in result.mapping["sections"][0]["questions"]] == ["q1"]


def test_settings_audience_argument_and_area():
    survey = [["type", "name", "label", "area"],
              ["begin_group", "s", "Phần", "1.2"],
              ["text", "q1", "Tên", None],
              ["end_group", None, None, None]]
    result = import_xlsform(workbook(survey=survey, settings=SETTINGS), "thu",
                            audience="inspection")
    assert result.mapping["audience"] == "inspection"
    assert result.mapping["sections"][0]["area"] == "1.2"
    assert result.warnings == []


# --------------------------------------------------------------------------
# Import: every kind of problem, with its sheet and row; nothing returned
# --------------------------------------------------------------------------

ERRORS = {
    "unknown type geopoint": (dict(extra=[["geopoint", "vi_tri", "Vị trí"]]),
                              ("survey", 5), "not supported"),
    "unknown type calculate": (dict(extra=[["calculate", "tong", "Tổng"]]),
                               ("survey", 5), "not supported"),
    "unknown type image": (dict(extra=[["image", "anh", "Ảnh"]]), ("survey", 5), "not supported"),
    "from file": (dict(extra=[["select_one_from_file xa.csv", "xa", "Xã"]]),
                  ("survey", 5), "not supported"),
    "or_other": (dict(extra=[["select_one yn or_other", "q3", "Câu 3"]]),
                 ("survey", 5), "not supported"),
    "duplicate name": (dict(extra=[["text", "q1", "Lặp"]]), ("survey", 5), "row 3"),
    "missing choice list": (dict(extra=[["select_one khong_co", "q3", "Câu 3"]]),
                            ("survey", 5), "khong_co"),
    "select without list": (dict(extra=[["select_multiple", "q3", "Câu 3"]]),
                            ("survey", 5), "choice list"),
    "unknown reference": (dict(extra=[["integer", "q3", "Câu 3", "${khong_co} > 1"]]),
                          ("survey", 5), "khong_co"),
    "reference to a group": (dict(extra=[["integer", "q3", "Câu 3", "${s1} > 1"]]),
                             ("survey", 5), "no answer"),
    "expression syntax": (dict(extra=[["integer", "q3", "Câu 3", None, ". >= "]]),
                          ("survey", 5), "constraint"),
    "unclosed group": (dict(extra=[["begin_group", "s2", "Phần 2"], ["text", "q3", "Câu 3"]]),
                       ("survey", 2), "end_group"),
    "end without begin": (dict(after=[["end_group"]]), ("survey", 6), "begin_group"),
    "end_repeat without begin": (dict(extra=[["end_repeat"]]), ("survey", 5), "begin_repeat"),
    "relevance cycle": (dict(extra=[["integer", "a", "A", "${b} > 1"],
                                    ["integer", "b", "B", "${a} > 1"]]), ("survey", 5), "a → b"),
    "section relevance cycle": (
        dict(after=[["begin_group", "s2", "Phần 2", "${q3} = 1"], ["integer", "q3", "Câu 3"],
                    ["end_group"]]), ("survey", 6), "s2"),
    "empty name": (dict(extra=[["text", None, "Không tên"]]), ("survey", 5), "no name"),
    "bad name": (dict(extra=[["text", "Ho-Ten", "Họ tên"]]), ("survey", 5), "ho_ten"),
    "no label": (dict(extra=[["text", "q3"]]), ("survey", 5), "label"),
    "conditional required": (dict(extra=[["text", "q3", "Câu 3", None, None, "${q2} > 1"]]),
                             ("survey", 5), "required"),
    "repeat in repeat": (dict(extra=[["begin_repeat", "r1", "Lặp 1"], ["begin_repeat", "r2", "L2"],
                                     ["text", "q3", "Câu 3"], ["end_repeat"], ["end_repeat"]]),
                         ("survey", 6), "repeat"),
    "empty group": (dict(after=[["begin_group", "s2", "Phần 2"], ["end_group"]]),
                    ("survey", 6), "no questions"),
    "duplicate choice": (dict(choices=[*CHOICES, ["yn", "yes", "Lặp"]]), ("choices", 4), "yes"),
    "choice value with a space": (dict(choices=[*CHOICES, ["yn", "co the", "Có thể"]]),
                                  ("choices", 4), "co the"),
    "choice without label": (dict(choices=[*CHOICES, ["yn", "maybe", None]]),
                             ("choices", 4), "label"),
    "bad list name": (dict(extra=[["select_one Yes-No", "q3", "Câu 3"]],
                           choices=[*CHOICES, ["Yes-No", "y", "Có"]]), ("choices", 4), "Yes-No"),
    # Found by the survey loader, mapped back to the row:
    "min above max (loader)": (dict(extra=[["integer", "q3", "Câu 3", None, ". >= 10 and . <= 1"]]),
                               ("survey", 5), "q3"),
    "default not a choice (loader)": (
        dict(extra=[["select_one yn", "q3", "Câu 3", None, None, None, "maybe"]]),
        ("survey", 5), "maybe"),
    "dot in relevant (loader)": (dict(extra=[["integer", "q3", "Câu 3", ". > 1"]]),
                                 ("survey", 5), "q3"),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_each_problem_is_reported_with_sheet_and_row(case):
    form, expected, fragment = ERRORS[case]
    problems = problems_of(small_form(**form))
    assert expected in where(problems), [str(p) for p in problems]
    problem = next(p for p in problems if (p.sheet, p.row) == expected)
    assert fragment in problem.message, str(problem)


def test_all_problems_are_collected():
    data = small_form([
        ["geopoint", "vi_tri", "Vị trí"],                     # row 5
        ["text", "q1", "Lặp"],                                # row 6
        ["integer", "q3", "Câu 3", "${khong_co} > 1"],        # row 7
        ["select_one khong_co", "q4", "Câu 4"],               # row 8
    ], choices=[*CHOICES, ["yn", "yes", "Lặp"]])              # choices row 4
    problems = problems_of(data)
    assert where(problems) == [("survey", 5), ("survey", 6), ("survey", 7), ("survey", 8),
                               ("choices", 4)]


def test_references_to_left_out_rows():
    problems = problems_of(small_form([
        ["calculate", "tong", "Tổng"],                        # row 5: refused
        ["integer", "q3", "Câu 3", "${tong} > 1"],            # row 6: no second problem
        ["today", "hom_nay"],                                 # row 7: skipped (warning)
        ["integer", "q4", "Câu 4", "${hom_nay} != ''"],       # row 8
    ]))
    assert where(problems) == [("survey", 5), ("survey", 8)]
    assert "ODK" in problems[1].message


def test_bad_survey_key_is_refused():
    problems = problems_of(small_form(), key="Bad-Key")
    assert where(problems) == [("settings", 2)]


def test_not_a_workbook_and_missing_sheet():
    problems = problems_of(b"this is not a spreadsheet")
    assert where(problems) == [("", None)]
    problems = problems_of(workbook(settings=SETTINGS))
    assert where(problems) == [("survey", None)]


def test_unknown_audience_is_refused():
    settings = [["form_title", "audience"], ["Phiếu", "everyone"]]
    data = workbook(survey=[["type", "name", "label"], ["text", "q", "Q"]], settings=settings)
    assert where(problems_of(data)) == [("settings", 2)]


# --------------------------------------------------------------------------
# Import: what the app cannot carry whole is refused, with its sheet and row
# --------------------------------------------------------------------------


def form_with_column(column: str, value: str, row_type: str = "integer") -> bytes:
    """The small form with one more column; ``value`` is in it on row 4 (question q2)."""
    survey = [["type", "name", "label", column],
              ["begin_group", "s1", "Phần 1", None],           # row 2
              ["select_one yn", "q1", "Câu 1", None],          # row 3
              [row_type, "q2", "Câu 2", value],                # row 4
              ["end_group", None, None, None]]
    return workbook(survey=survey, choices=CHOICES, settings=SETTINGS)


REFUSED_COLUMNS = {
    # column, value, type of the row -> fragment of the message
    "calculation": ("calculation", "${q1} * 2", "integer", "calculations"),
    "calculate (pyxform alias)": ("calculate", "1 + 1", "integer", "calculations"),
    "bind::calculate": ("bind::calculate", "1 + 1", "integer", "calculations"),
    "bind:calculate (single colon)": ("bind:calculate", "1 + 1", "integer", "calculations"),
    "choice_filter": ("choice_filter", "name = ${q1}", "select_one yn", "cascading"),
    "trigger": ("trigger", "${q1}", "integer", "recalculating"),
    "parameters": ("parameters", "randomize=true", "select_one yn", "randomize=true"),
    "image": ("image", "bien_bao.png", "integer", "bien_bao.png"),
    "media::image": ("media::image", "bien_bao.png", "integer", "bien_bao.png"),
    "image in a language": ("image::English (en)", "sign.png", "integer", "sign.png"),
    "big-image": ("big-image", "to.png", "integer", "to.png"),
    "audio": ("audio", "cau_hoi.mp3", "integer", "cau_hoi.mp3"),
    "video": ("video", "huong_dan.mp4", "integer", "huong_dan.mp4"),
    "read_only": ("read_only", "yes", "integer", "read-only"),
    "readonly as a formula": ("readonly", "${q1} = 'yes'", "integer", "read-only"),
    "save_to (entities)": ("save_to", "ten", "integer", "save_to"),
    "bind::jr:preload": ("bind::jr:preload", "uid", "text", "ODK"),
    "body::intent": ("body::intent", "org.example.app", "text", "ODK"),
    "relevant with a language": ("relevant::English (en)", "${q1} = 'yes'", "integer",
                                 "cannot have a language"),
    "default formula": ("default", "concat('a', ${q1})", "text", "formula"),
    "default today()": ("default", "today()", "date", "formula"),
    "default sum": ("default", "${q1} + 1", "integer", "formula"),
    "appearance search()": ("appearance", "search('xa')", "select_one yn", "file"),
}


@pytest.mark.parametrize("case", list(REFUSED_COLUMNS))
def test_a_column_the_app_would_drop_is_refused_with_sheet_and_row(case):
    column, value, row_type, fragment = REFUSED_COLUMNS[case]
    problems = problems_of(form_with_column(column, value, row_type))
    assert where(problems) == [("survey", 4)], [str(p) for p in problems]
    assert fragment in problems[0].message, str(problems[0])
    if column not in ("default", "appearance"):
        assert column in problems[0].message, "the message names the column as written"


@pytest.mark.parametrize("row_type", ["begin_group", "begin_repeat"])
def test_a_calculation_on_a_group_row_is_refused_too(row_type):
    survey = [["type", "name", "label", "calculation"],
              [row_type, "g", "Nhóm", "1"],               # row 2
              ["text", "q", "Câu", None],
              [row_type.replace("begin", "end"), None, None, None]]
    problems = problems_of(workbook(survey=survey, settings=SETTINGS))
    assert where(problems) == [("survey", 2)]


def test_cascading_selects_are_refused_on_the_filtered_row():
    """A real cascading select: the choices sheet's extra column is fine by itself, the
    choice_filter that uses it is refused."""
    survey = [["type", "name", "label", "choice_filter"],
              ["select_one tinh", "tinh", "Tỉnh", None],                 # row 2
              ["select_one huyen", "huyen", "Huyện", "tinh = ${tinh}"],  # row 3
              ["text", "ghi_chu", "Ghi chú", None]]
    choices = [["list_name", "name", "label", "tinh"],
               ["tinh", "kt", "Kon Tum", None],
               ["huyen", "dh", "Đắk Hà", "kt"],
               ["huyen", "sk", "Sa Thầy", "kt"]]
    problems = problems_of(workbook(survey=survey, choices=choices, settings=SETTINGS))
    assert where(problems) == [("survey", 3)]
    assert "choice_filter" in problems[0].message and "tinh = ${tinh}" in problems[0].message


def test_every_refusal_is_collected_and_nothing_is_returned():
    survey = [["type", "name", "label", "calculation", "choice_filter", "image"],
              ["integer", "a", "A", "2 * 3", None, None],             # row 2
              ["select_one yn", "b", "B", None, "name != ''", None],  # row 3
              ["note", "c", "C", None, None, "anh.jpg"],              # row 4
              ["text", "d", "D", None, None, None]]
    problems = problems_of(workbook(survey=survey, choices=CHOICES, settings=SETTINGS))
    assert where(problems) == [("survey", 2), ("survey", 3), ("survey", 4)]


def test_media_in_the_choices_sheet_is_refused_with_its_row():
    choices = [["list_name", "name", "label", "image"],
               ["yn", "yes", "Có", None],
               ["yn", "no", "Không", "khong.png"]]             # row 3
    problems = problems_of(small_form(choices=choices))
    assert where(problems) == [("choices", 3)]
    assert "khong.png" in problems[0].message


def test_encrypted_form_and_entities_are_refused():
    settings = [["form_title", "public_key"], ["Phiếu", "MIIBIjANBgkqh"]]
    data = workbook(survey=[["type", "name", "label"], ["text", "q", "Q"]], settings=settings)
    problems = problems_of(data)
    assert where(problems) == [("settings", 2)] and "public_key" in problems[0].message
    data = workbook(survey=[["type", "name", "label"], ["text", "q", "Q"]], settings=SETTINGS,
                    entities=[["list_name", "label"], ["nguoi", "${q}"]])
    problems = problems_of(data)
    assert where(problems) == [("entities", 2)]


@pytest.mark.parametrize("row_type", [
    "calculate", "select_one_from_file xa.csv", "select one from file xa.csv",
    "select_one_external xa", "select one external xa", "rank yn", "range",
    "phone number", "begin loop over yn", "hidden", "acknowledge", "background-audio",
])
def test_types_the_app_cannot_carry_are_refused(row_type):
    problems = problems_of(small_form([[row_type, "q3", "Câu 3"]]))
    assert ("survey", 5) in where(problems), [str(p) for p in problems]


def test_repeat_count_a_number_fixes_the_rows_a_formula_is_refused():
    def repeat(count: Any) -> bytes:
        survey = [["type", "name", "label", "repeat_count"],
                  ["integer", "n", "Số người", None],
                  ["begin_repeat", "nguoi", "Người", count],    # row 3
                  ["text", "ten", "Tên", None],
                  ["end_repeat", None, None, None]]
        return workbook(survey=survey, settings=SETTINGS)

    result = import_xlsform(repeat(3), "thu")
    definition = load(result, "thu")
    rows = definition.question("nguoi")
    assert (rows.min_rows, rows.max_rows) == (3, 3)
    assert load(import_xlsform(repeat(100), "thu"), "thu").question("nguoi").max_rows == 100
    for count in ("${n}", 0, 101, "2.5"):
        problems = problems_of(repeat(count))
        assert where(problems) == [("survey", 3)], count
        assert "repeat_count" in problems[0].message


def test_cosmetic_and_foreign_columns_are_ignored_with_a_warning():
    """Columns that change only how ODK shows a form, or that ODK itself ignores, do not
    refuse the import; each is named once, at its first row."""
    columns = ["guidance_hint", "required_message", "body::esri:style", "bind::esri:fieldType",
               "instance::hxl", "autoplay", "control::rows", "sms_field", "$kuid"]
    survey = [["type", "name", "label", "read_only", *columns],
              ["text", "q1", "Tên", "no", *(f"x{i}" for i in range(len(columns)))],  # row 2
              ["text", "q2", "Tuổi", None, *([None] * len(columns))]]
    result = import_xlsform(workbook(survey=survey, settings=SETTINGS), "thu")
    warned = [w for w in result.warnings if w.sheet == "survey"]
    assert [w.row for w in warned] == [2] * len(columns)
    assert sorted(column for column in columns if any(column in w.message for w in warned)) \
        == sorted(columns)
    assert [q["key"] for q in result.mapping["sections"][0]["questions"]] == ["q1", "q2"]


def test_settings_the_app_does_not_use_are_warned_about():
    settings = [["form_title", "version", "instance_name", "style", "submission_url"],
                ["Phiếu", "2017091501", "concat(${q}, '')", "pages", "https://example.org/x"]]
    data = workbook(survey=[["type", "name", "label"], ["text", "q", "Q"]], settings=settings)
    result = import_xlsform(data, "thu")
    messages = " ".join(w.message for w in result.warnings if w.sheet == "settings")
    for setting in ("instance_name", "style", "submission_url"):
        assert setting in messages
    assert "version" not in messages, "the version is the app's own business"


def test_a_disabled_row_is_left_out_as_pyxform_leaves_it_out():
    survey = [["type", "name", "label", "disabled"],
              ["text", "q1", "Tên", None],
              ["text", "q2", "Tuổi", "yes"],      # row 3
              ["text", "q3", "Nghề", "no"]]
    data = workbook(survey=survey, settings=SETTINGS)
    result = import_xlsform(data, "thu")
    assert [q["key"] for q in result.mapping["sections"][0]["questions"]] == ["q1", "q3"]
    assert ("survey", 3) in where(result.warnings)
    assert [q["name"] for q in pyxform_questions(data)] == ["q1", "q3"]


@pytest.mark.parametrize("text, qtype", [
    ("today()", "date"), ("2017-09-15", "date"), ("${a}", "text"), ("concat('a', 'b')", "text"),
    ("N/A - không có", "text"), ("a-b", "text"), ("-5", "integer"), ("5-3", "text"),
    ("1 + 1", "integer"), ("2 * 3", "integer"), ("10 div 2", "integer"), ("7 mod 2", "integer"),
    ("Nguyễn Văn A (chủ tịch)", "text"), ("+84", "text"), ("x[1]", "text"), ("a | b", "text"),
    ("Hà Nội", "text"), ("12.5", "decimal"), ("yes", "text"), ("today() - 1", "date"),
    ("${a b}", "text"), ("abc(", "text"), ("(1)", "integer"), ("ngày 2/9", "text"),
])
def test_a_default_is_a_formula_exactly_when_pyxform_says_so(text, qtype):
    from pyxform.utils import default_is_dynamic

    from survey_app.surveys.model import QType
    from survey_app.surveys.xlsform import _is_formula

    assert _is_formula(text, QType(qtype)) == default_is_dynamic(text, qtype)


# --------------------------------------------------------------------------
# Import: headers and types read as pyxform reads them
# --------------------------------------------------------------------------

PYXFORM_TYPES = {"select one": "single_choice", "select all that apply": "multiple_choice",
                 "repeat": "repeat"}
PYXFORM_BIND_TYPES = {"int": "integer", "decimal": "decimal", "date": "date", "string": "text"}


def pyxform_type(name: str) -> str:
    """Our type for a pyxform question type, from pyxform's own table of types."""
    if name in PYXFORM_TYPES:
        return PYXFORM_TYPES[name]
    spec = QUESTION_TYPE_DICT[name]
    if spec["bind"].get("readonly") == "true()":
        return "note"
    return PYXFORM_BIND_TYPES[spec["bind"]["type"]]


def pyxform_questions(data: bytes) -> list[dict[str, Any]]:
    """pyxform's own reading of a workbook: its questions in order, groups flattened."""
    result = convert(xlsform=data, warnings=[], file_type=".xlsx")
    found: list[dict[str, Any]] = []

    def walk(children: list[dict[str, Any]]) -> None:
        for child in children:
            if child["type"] == "group":
                if child["name"] != "meta":
                    walk(child["children"])
            else:
                found.append(child)

    walk(result._pyxform["children"])
    return found


def pyxform_text(value: Any) -> dict[str, str]:
    """pyxform's {"English": "..."} or plain text as {"en": "..."} / {"vi": "..."}."""
    if value is None:
        return {}
    if isinstance(value, str):
        return {"vi": value}
    return {("vi" if language == "default" else language_code(language)): text
            for language, text in value.items()}


def our_text(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    return {"vi": value} if isinstance(value, str) else dict(value)


def our_questions(result: ImportResult) -> list[dict[str, Any]]:
    return [q for section in result.mapping["sections"] for q in section["questions"]]


def assert_read_like_pyxform(data: bytes, result: ImportResult) -> None:
    theirs, ours = pyxform_questions(data), our_questions(result)
    assert [q["name"] for q in theirs] == [q["key"] for q in ours]
    for their, our in zip(theirs, ours, strict=True):
        bind = their.get("bind", {})
        assert pyxform_type(their["type"]) == our["type"], our["key"]
        assert their.get("list_name") == (our.get("choices") if their.get("list_name")
                                           else None)
        assert pyxform_text(their.get("label")) == our_text(our.get("label")), our["key"]
        assert pyxform_text(their.get("hint")) == our_text(our.get("hint")), our["key"]
        assert bind.get("relevant") == our.get("relevant")
        assert bind.get("constraint") == our.get("constraint")
        assert pyxform_text(bind.get("jr:constraintMsg")) == our_text(
            our.get("constraint_message"))
        assert (bind.get("required") == "yes") == our.get("required", False)
        if their["type"] == "repeat":
            assert [c["name"] for c in their["children"]] == [
                c["key"] for c in our["questions"]]


def test_single_colon_headers_and_legacy_select_spellings_read_as_pyxform_reads_them():
    survey = [["type", "name", "label:English", "label:Vietnamese", "hint:English",
               "Hint:Vietnamese", "Relevance", "constraint", "Constraint Message:Vietnamese",
               "required"],
              ["select one from yn", "q1", "Q1", "Câu 1", "H1", "Gợi ý 1", None, None, None,
               "yes"],
              ["select all that apply from nhom", "q2", "Q2", "Câu 2", None, None,
               "${q1} = 'yes'", "count-selected(.) < 3", "Chọn ít hơn 3.", None],
              ["select1 yn", "q3", "Q3", "Câu 3", None, None, None, None, None, None],
              ["add select one prompt using yn", "q4", "Q4", "Câu 4", None, None, None, None,
               None, None],
              ["add select multiple prompt using nhom", "q5", "Q5", "Câu 5", None, None, None,
               None, None, None],
              ["begin looped group", "r", "Rows", "Các dòng", None, None, None, None, None,
               None],
              ["q string", "ten", "Name", "Tên", None, None, None, None, None, None],
              ["end looped group", None, None, None, None, None, None, None, None, None],
              ["add integer prompt", "so", "Number", "Số", None, None, None, None, None, None],
              ["q note", "ghi", "Note", "Ghi chú", None, None, None, None, None, None]]
    choices = [["List Name", "name", "label:English", "label:Vietnamese"],
               ["yn", "yes", "Yes", "Có"], ["yn", "no", "No", "Không"],
               ["nhom", "a", "A", "Nhóm A"], ["nhom", "b", "B", "Nhóm B"],
               ["nhom", "c", "C", "Nhóm C"], ["nhom", "d", "D", "Nhóm D"]]
    settings = [["title", "form_id"], ["Phiếu một dấu hai chấm", "thu"]]
    data = workbook(survey=survey, choices=choices, settings=settings)
    result = import_xlsform(data, "thu")

    assert_read_like_pyxform(data, result)
    q = {question["key"]: question for question in our_questions(result)}
    assert q["q1"]["label"] == {"vi": "Câu 1", "en": "Q1"}
    assert q["q1"]["hint"] == {"vi": "Gợi ý 1", "en": "H1"}
    assert [q[key]["type"] for key in ("q1", "q2", "q3", "q4", "q5")] == [
        "single_choice", "multiple_choice", "single_choice", "single_choice",
        "multiple_choice"]
    assert q["q2"]["constraint_message"] == "Chọn ít hơn 3."
    assert result.mapping["choice_lists"]["yn"][0] == {
        "value": "yes", "label": {"vi": "Có", "en": "Yes"}}
    assert result.mapping["title"] == "Phiếu một dấu hai chấm"
    assert not [w for w in result.warnings if w.sheet != "settings"], result.warnings
    load(result, "thu")


def test_a_single_colon_is_not_a_language_once_the_sheet_uses_double_colons():
    """pyxform splits on ":" only when no header of the sheet has "::"; otherwise
    "hint:English" is a column of its own that it does not read, and neither does this."""
    survey = [["type", "name", "label::English (en)", "label::Tiếng Việt (vi)", "hint:English"],
              ["text", "q1", "Name", "Tên", "In full"]]
    data = workbook(survey=survey, settings=SETTINGS)
    result = import_xlsform(data, "thu")
    assert "hint" not in our_questions(result)[0]
    assert ("survey", 2) in where(result.warnings)
    assert_read_like_pyxform(data, result)


def test_the_existing_double_colon_fixture_reads_as_pyxform_reads_it():
    data = worker_poll()
    result = import_xlsform(data, "worker_poll_2017")
    theirs = {q["name"]: q for q in pyxform_questions(data)}
    for our in our_questions(result):
        their = theirs[our["key"]]
        assert pyxform_text(their.get("label")) == our_text(our.get("label")), our["key"]
        assert pyxform_text(their.get("hint")) == our_text(our.get("hint")), our["key"]


@pytest.mark.parametrize("header", ["form_title", "title", "Form Title", "set_form_title"])
def test_settings_title_becomes_the_survey_title(header):
    settings = [[header, "form_id"], ["Phiếu khảo sát công đoàn", "thu"]]
    data = workbook(survey=[["type", "name", "label"], ["text", "q", "Câu"]], settings=settings)
    result = import_xlsform(data, "thu")
    assert result.mapping["title"] == "Phiếu khảo sát công đoàn"
    assert load(result, "thu").title == Text("Phiếu khảo sát công đoàn")
    assert convert(xlsform=data, warnings=[], file_type=".xlsx")._pyxform["title"] == \
        "Phiếu khảo sát công đoàn", "pyxform reads the same title"
    assert not any("form_title" in w.message for w in result.warnings)


def test_settings_title_in_two_languages_and_the_form_id_fallback():
    settings = [["title::Tiếng Việt (vi)", "title::English (en)"], ["Phiếu", "Form"]]
    data = workbook(survey=[["type", "name", "label"], ["text", "q", "Câu"]], settings=settings)
    assert import_xlsform(data, "thu").mapping["title"] == {"vi": "Phiếu", "en": "Form"}
    # Without a title, XLSForm takes the form_id (pyxform too); with a warning here.
    settings = [["form_id"], ["phieu_cu"]]
    data = workbook(survey=[["type", "name", "label"], ["text", "q", "Câu"]], settings=settings)
    result = import_xlsform(data, "thu")
    assert result.mapping["title"] == "phieu_cu"
    assert convert(xlsform=data, warnings=[], file_type=".xlsx")._pyxform["title"] == "phieu_cu"
    assert any("phieu_cu" in w.message and w.sheet == "settings" for w in result.warnings)


# --------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------

SUBSET_YAML = """
key: thu_nghiem
title: {vi: Phiếu thử nghiệm, en: Test form}
audience: unit_report
choice_lists:
  muc_do:
    - {value: "1", label: {vi: Thấp, en: Low}}
    - {value: "2", label: {vi: Cao, en: High}}
sections:
  - key: s_chung
    title: {vi: Thông tin chung, en: General}
    area: "1.1"
    description: {vi: Điền trước khi làm việc., en: Fill in before the visit.}
    questions:
      - key: don_vi
        type: text
        label: {vi: Tên đơn vị, en: Unit name}
        hint: {vi: Ghi đầy đủ., en: In full.}
        required: true
        max_length: 200
      - key: loai
        type: single_choice
        label: {vi: Loại đơn vị, en: Kind of unit}
        choices:
          - {value: cs, label: {vi: Cơ sở, en: Grassroots}}
          - {value: huyen, label: {vi: Cấp huyện, en: District}}
      - key: so_dv
        type: integer
        label: Số đoàn viên
        required: true
        min: 0
        max: 100000
        constraint: ". != 13"
        constraint_message: {vi: Không nhận số 13., en: Not 13.}
        default: 10
      - key: ty_le
        type: decimal
        label: {vi: Tỷ lệ (%), en: Share (%)}
        relevant: "${so_dv} > 0"
        constraint: ". <= 100 or ${loai} = 'huyen'"
      - key: ngay
        type: date
        label: Ngày
        constraint: ". <= today()"
  - key: s_chi_tiet
    title: Chi tiết
    relevant: "${loai} = 'cs'"
    questions:
      - key: ghi_chu
        type: note
        label: {vi: Phần dành cho cơ sở., en: For grassroots units.}
      - key: muc
        type: multiple_choice
        label: Mức độ
        choices: muc_do
        default: ["1", "2"]
      - key: thanh_vien
        type: repeat
        label: {vi: Thành viên, en: Members}
        questions:
          - key: ho_ten
            type: text
            label: Họ tên
            required: true
          - key: tuoi
            type: integer
            label: Tuổi
            relevant: "${ho_ten} != ''"
            min: 15
"""

FULL_YAML = """
key: day_du
title: Phiếu đủ loại câu hỏi
audience: inspection
choice_lists:
  agree5:
    - {value: "1", label: Rất kém}
    - {value: "2", label: Kém}
    - {value: "3", label: Được}
sections:
  - key: s1
    title: Phần 1
    area: "1.3"
    questions:
      - key: co_kh
        type: yes_no
        label: Có kế hoạch không?
        required: true
      - key: nhan_xet
        type: long_text
        label: Nhận xét
        max_length: 2000
        relevant: "${co_kh} = 'yes'"
      - key: diem
        type: rating
        label: Chấm điểm
      - key: danh_gia
        type: rating
        label: Đánh giá
        choices: agree5
      - key: bang
        type: matrix
        label: Mức độ hài lòng
        choices: agree5
        required: true
        rows:
          - {key: bang_luong, label: Tiền lương}
          - {key: bang_bhxh, label: Bảo hiểm xã hội}
      - key: dv
        type: indicator
        label: {vi: Số đoàn viên, en: Members}
        unit: {vi: người, en: people}
        min: 0
        required: true
      - key: tang
        type: note
        label: Số đoàn viên đã tăng.
        relevant: "${dv} > ${dv.baseline} and ${bang_luong} = '3'"
      - key: ly_do
        type: text
        label: Lý do giảm
        relevant: "${dv} < ${dv.baseline}"
        constraint: "string-length(.) > 3 and '${dv}' != ."
"""


def definitions() -> dict[str, Definition]:
    return {
        "subset": load_definition(SUBSET_YAML, "thu_nghiem.yaml", expected_key="thu_nghiem"),
        "full": load_definition(FULL_YAML, "day_du.yaml", expected_key="day_du"),
        "inspection_2017": load_file(ROOT / "surveys" / "inspection_2017.yaml"),
    }


@pytest.mark.parametrize("name", ["subset", "full", "inspection_2017"])
def test_export_compiles_with_pyxform(name):
    definition = definitions()[name]
    xform, warnings = compile_with_pyxform(export_xlsform(definition))
    assert warnings == []
    assert f'id="{definition.key}"' in xform


@pytest.mark.parametrize("name", ["subset", "full", "inspection_2017"])
def test_exported_workbook_reads_back_with_calamine(name, tmp_path):
    definition = definitions()[name]
    path = tmp_path / f"{name}.xlsx"
    path.write_bytes(export_xlsform(definition))
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == ["survey", "choices", "settings"]
    survey = book.get_sheet_by_name("survey").to_python()
    assert survey[0][:4] == ["type", "name", VI, EN]
    assert "hint::Tiếng Việt (vi)" in survey[0] and "constraint_message::English (en)" in survey[0]
    choices = book.get_sheet_by_name("choices").to_python()
    assert choices[0] == ["list_name", "name", VI, EN]
    header, values = book.get_sheet_by_name("settings").to_python()
    settings = dict(zip(header, values, strict=True))
    assert settings["form_title"] == definition.title.vi
    assert settings["form_id"] == definition.key
    assert settings["default_language"] == "Tiếng Việt (vi)"
    assert settings["version"] == definition.content_hash[:10]
    names = [row[1] for row in survey[1:] if row[1]]
    assert len(names) == len(set(names)), "names are unique"
    section_keys = [s.key for s in definition.sections]
    assert [n for n in names if n in section_keys] == section_keys


def survey_rows(data: bytes) -> dict[str, dict[str, Any]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    header, *rows = book.get_sheet_by_name("survey").to_python()
    return {row[1]: dict(zip(header, row, strict=True)) for row in rows if row[1]}


def test_export_mapping_of_our_types():
    data = export_xlsform(definitions()["full"])
    rows = survey_rows(data)
    assert rows["s1"]["type"] == "begin_group" and rows["s1"]["area"] == "1.3"
    assert rows["co_kh"]["type"] == "select_one yes_no" and rows["co_kh"]["required"] == "yes"
    assert (rows["nhan_xet"]["type"], rows["nhan_xet"]["appearance"]) == ("text", "multiline")
    assert rows["nhan_xet"]["constraint"] == "string-length(.) <= 2000"
    assert rows["diem"]["type"] == "select_one diem_scale"
    assert rows["danh_gia"]["type"] == "select_one agree5"
    assert (rows["bang"]["type"], rows["bang"]["appearance"]) == ("begin_group", "table-list")
    assert rows["bang_luong"]["type"] == "select_one agree5"
    assert rows["bang_luong"]["required"] == "yes"
    assert (rows["dv"]["type"], rows["dv"]["appearance"]) == ("begin_group", "field-list")
    assert rows["dv_baseline"]["type"] == rows["dv_current"]["type"] == "decimal"
    assert rows["dv_baseline"][VI] == "Đầu kỳ (người)"
    assert rows["dv_current"][EN] == "Current (people)"
    assert rows["dv_current"]["constraint"] == ". >= 0"
    # Indicator references: ${dv} is the current value, ${dv.baseline} the baseline.
    assert rows["tang"]["relevant"] == (
        "${dv_current} > ${dv_baseline} and ${bang_luong} = '3'")
    # Inside a string the text is not a reference and is left alone.
    assert rows["ly_do"]["constraint"] == "string-length(.) > 3 and '${dv}' != ."
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    choices = book.get_sheet_by_name("choices").to_python()[1:]
    lists = {}
    for list_name, value, *_labels in choices:
        lists.setdefault(list_name, []).append(value)
    assert lists == {"agree5": ["1", "2", "3"], "yes_no": ["yes", "no"],
                     "diem_scale": ["1", "2", "3", "4", "5"]}


def test_export_of_min_max_and_constraint():
    rows = survey_rows(export_xlsform(definitions()["subset"]))
    assert rows["so_dv"]["constraint"] == "(. != 13) and . >= 0 and . <= 100000"
    assert rows["so_dv"]["default"] == "10"
    assert rows["don_vi"]["constraint"] == "string-length(.) <= 200"
    assert rows["loai"]["type"] == "select_one loai_choices"
    assert rows["muc"]["default"] == "1 2"
    assert rows["thanh_vien"]["type"] == "begin_repeat"
    assert rows["s_chung"]["hint::Tiếng Việt (vi)"] == "Điền trước khi làm việc."


def test_rewrite_references_leaves_strings_alone():
    renames = {"a": "a_current", "a.baseline": "a_baseline"}
    assert rewrite_references("${a} > ${ a.baseline } and \"${a}\" = '${a}'", renames) == (
        "${a_current} > ${a_baseline} and \"${a}\" = '${a}'")
    assert rewrite_references("${ab} + ${a}", renames) == "${ab} + ${a_current}"


# --------------------------------------------------------------------------
# Round trip
# --------------------------------------------------------------------------


def test_round_trip_keeps_the_xlsform_subset():
    original = definitions()["subset"]
    result = import_xlsform(export_xlsform(original), original.key)
    back = load(result, original.key)
    assert summary(back) == summary(original)
    assert back.choice_lists["muc_do"] == original.choice_lists["muc_do"]
    assert back.question("loai").choice_list == "loai_choices"


def test_round_trip_of_the_worker_poll_is_stable():
    first = import_xlsform(worker_poll(), "worker_poll_2017")
    definition = load(first, "worker_poll_2017")
    second = import_xlsform(export_xlsform(definition), "worker_poll_2017")
    assert summary(load(second, "worker_poll_2017")) == summary(definition)


@pytest.mark.parametrize("name", ["full", "inspection_2017"])
def test_round_trip_of_every_type_loads_and_keeps_every_field(name):
    original = definitions()[name]
    result = import_xlsform(export_xlsform(original), original.key)
    back = load(result, original.key)
    assert back.title == original.title and back.audience == original.audience
    assert [s.key for s in back.sections] == [s.key for s in original.sections]
    assert [s.area for s in back.sections] == [s.area for s in original.sections]
    renamed = {f"{q.key}.baseline": f"{q.key}_baseline" for q in original.all_questions()
               if q.type.value == "indicator"}
    renamed |= {q.key: f"{q.key}_current" for q in original.all_questions()
                if q.type.value == "indicator"}
    fields = [renamed.get(name, name) for q in original.questions() for name in q.field_names()]
    assert [name for q in back.questions() for name in q.field_names()] == fields
    # What cannot come back as such is reported: matrices and indicators are flattened groups.
    flattened = [q.key for q in original.questions() if q.type.value in ("matrix", "indicator")]
    warned = " ".join(w.message for w in result.warnings)
    assert all(f"“{key}”" in warned for key in flattened)


def test_indicator_part_names_never_clash():
    definition = load_definition("""
key: chi_so
title: Chỉ số
audience: unit_report
sections:
  - key: s1
    title: Phần 1
    questions:
      - {key: dv, type: indicator, label: Đoàn viên}
      - {key: dv_current, type: integer, label: Đã có tên này}
      - {key: ghi_chu, type: note, label: Tăng, relevant: "${dv} > ${dv_current}"}
""", "chi_so.yaml", expected_key="chi_so")
    data = export_xlsform(definition)
    rows = survey_rows(data)
    assert rows["dv_current_2"]["type"] == "decimal"
    assert rows["ghi_chu"]["relevant"] == "${dv_current_2} > ${dv_current}"
    compile_with_pyxform(data)


def test_counted_indicators_export_as_integers_and_phones_as_text():
    definition = load_definition("""
key: dem
title: Đếm
audience: unit_report
sections:
  - key: s1
    title: Phần 1
    questions:
      - {key: dv, type: indicator, number_type: integer, label: Đoàn viên, min: 0}
      - {key: thu_nhap, type: indicator, label: Thu nhập}
      - {key: dt, type: phone, label: Số điện thoại}
""", "dem.yaml", expected_key="dem")
    data = export_xlsform(definition)
    rows = survey_rows(data)
    assert rows["dv_baseline"]["type"] == rows["dv_current"]["type"] == "integer"
    assert rows["thu_nhap_baseline"]["type"] == rows["thu_nhap_current"]["type"] == "decimal"
    assert rows["dt"]["type"] == "text"
    compile_with_pyxform(data)
    back = load(import_xlsform(data, "dem"), "dem")
    assert back.question("dv_current").type.value == "integer"  # type: ignore[union-attr]
