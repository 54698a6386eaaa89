"""Which questions the review's results list: every answered field, in form order."""

from survey_app.review.results import question_list
from survey_app.surveys.loader import load_definition
from tests.conftest import NESTED_SURVEY


def test_a_matrix_inside_a_repeat_is_counted_by_its_rows():
    """Its rows are answered by their own keys: figures keyed by the matrix would stay 0."""
    questions = question_list(load_definition(NESTED_SURVEY), None)
    assert [(q.key, q.type, q.parent_key) for q in questions] == [
        ("team_name", "text", "teams"),
        ("r_study", "matrix", "ratings"),
        ("r_act", "matrix", "ratings"),
        ("members", "indicator", "teams"),
    ]
    study = questions[1]
    assert study.label.get("vi") == "Học tập" and study.parent_label.get("vi") == "Đánh giá"
    assert [c.value for c in study.choices] == ["low", "high"]
