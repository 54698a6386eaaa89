"""Campaign files: the shipped campaign loads with the seed's dates, and a broken file is
refused with its file, line and what is wrong."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from survey_app.campaigns.config import SCHEMA_PATH, from_data, load_campaign, load_campaign_file
from survey_app.surveys.loader import DefinitionError

SHIPPED = Path(__file__).resolve().parents[2] / "surveys" / "campaigns" / "nq20_2017.yaml"


def text_with(**changes) -> str:
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        node = data
        *parents, last = dotted.split("__")
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if value is None:
            del node[last]
        else:
            node[last] = value
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def problems_of(text: str, expected_key: str | None = None) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        load_campaign(text, "c.yaml", expected_key=expected_key)
    return [str(p) for p in caught.value.problems]


def test_schema_is_valid_json_schema():
    Draft202012Validator.check_schema(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def test_shipped_campaign_has_the_seeds_dates_and_quotas():
    config = load_campaign_file(SHIPPED)
    assert config.key == "nq20_2017"
    assert config.resolution == "20-NQ/TW"
    assert config.deadlines == {
        "grassroots": date(2017, 10, 5),
        "trade_association": date(2017, 10, 5),
        "district": date(2017, 10, 10),
        "sector": date(2017, 10, 10),
        "civil_servants": date(2017, 10, 10),
        "central_sector": date(2017, 10, 10),
        "province": date(2017, 11, 10),
    }
    assert config.report_to_national == date(2017, 11, 15)
    assert config.grace_days == 0
    assert dict(config.content_areas) == {
        "1.1": "TUYENGIAO", "1.2": "TOCHUC", "1.3": "CSPL", "1.4": "CSPL"}
    assert dict(config.surveys) == {"inspection": "inspection_2017",
                                    "unit_report": "unit_report_2017",
                                    "worker_poll": "worker_poll_2017"}
    assert (config.window_start, config.window_end) == (date(2017, 9, 1), date(2017, 9, 30))
    rules = {(q.kinds, q.parent_kind): q.min for q in config.quotas}
    assert rules == {
        (("district",), None): 3,
        (("sector",), None): 1,
        (("grassroots",), "province"): 1,
        (("central_sector",), None): 2,
    }
    assert config.deadline_for("national") is None  # VGCL owes no report


def test_stored_data_gives_back_the_same_config():
    config = load_campaign_file(SHIPPED)
    again = from_data(dict(config.data))
    assert again.content_hash == config.content_hash
    assert again.quotas == config.quotas


def test_layout_and_comments_do_not_change_the_hash():
    config = load_campaign_file(SHIPPED)
    other = load_campaign(text_with(), "other.yaml")
    assert other.content_hash == config.content_hash
    assert load_campaign(text_with(grace_days=3)).content_hash != config.content_hash


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"starts": "2017-02-30"}, "“starts” must be a real day"),
        ({"ends": "2017-07-01"}, "ends before it starts"),
        ({"deadlines__grassroots": "2017-07-01"}, "before the campaign starts"),
        ({"deadlines__factory": "2017-10-05"}, "factory"),
        ({"grace_days": -1}, "grace_days"),
        ({"inspection__window__end": "2017-08-31"}, "window ends before it starts"),
        ({"inspection__window__end": "2018-01-31"}, "inside the campaign"),
        ({"inspection__quotas__0__min": 0}, "min"),
        ({"inspection__quotas__0__kinds": ["district", "district"]}, "listed twice"),
        ({"inspection__quotas__1__label": "LĐLĐ huyện, thành phố"}, "called"),
        ({"content_areas__1.5x": "CSPL"}, "1.5x"),
        ({"content_areas__1.1": "tuyen giao"}, "department code"),
        ({"report_to_national": "2017-10-01"}, "before the last unit deadline"),
        ({"name": None}, "name"),
        ({"surveys__inspection": "Bad Key"}, "Bad Key"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_problems_name_the_line_and_what_is_wrong(changes, fragment):
    text = text_with(**changes)
    problems = problems_of(text)
    assert any(fragment in p for p in problems), problems
    assert all(p.startswith("c.yaml:") for p in problems if fragment in p), problems


def test_the_line_of_a_bad_date_is_its_own():
    text = SHIPPED.read_text(encoding="utf-8")
    text = text.replace("district: 2017-10-10", "district: 2017-10-32")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "2017-10-32" in row)
    assert problems_of(text) == [
        f"c.yaml:{line}: “district” must be a real day written YYYY-MM-DD, e.g. 2017-10-05 "
        "(it is “2017-10-32”)."
    ]


def test_key_must_match_the_file_name():
    problems = problems_of(SHIPPED.read_text(encoding="utf-8"), expected_key="nq20_2018")
    assert any("file name" in p for p in problems)


@pytest.mark.parametrize("text", ["", "- a\n- b\n", "key: [", "a: *x\n", "\x00"])
def test_garbage_is_refused_not_crashed(text):
    assert problems_of(text)


def test_the_readme_worked_example_is_the_shipped_campaign():
    readme = (SHIPPED.parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("# Review campaigns", 1)[1].split("## Worked example", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert load_campaign(example).content_hash == load_campaign_file(SHIPPED).content_hash
