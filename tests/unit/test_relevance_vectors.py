"""Skip logic, server side: the shared relevance table.

tests/vectors/relevance.json is shared with tests/js/skip-logic.test.mjs.  Each case
holds a small survey ``definition`` (the YAML format of the spec, as JSON; key, title,
audience, section titles and labels may be left out: ``complete`` fills them in), the
``answers`` typed (field name -> text, or a list for multiple choice) and ``visible``:
the section keys and answer field names that are relevant, in form order.  The browser
cannot load YAML, so each case also stores the client ``schema`` that
``rendering.client_schema`` makes of it.  After changing the loader or the renderer, or
after adding cases, refresh the stored schemas with::

    python tests/unit/test_relevance_vectors.py --regen

and review the diff: a changed schema is a changed page.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

VECTORS_PATH = Path(__file__).resolve().parents[1] / "vectors" / "relevance.json"
DOCUMENT = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
CASES = DOCUMENT["cases"]
LOCALE = "vi"
TODAY = date(2017, 9, 15)  # the browser test uses the same day


def complete(definition: dict[str, Any]) -> dict[str, Any]:
    """A case's definition with the properties that don't matter here filled in."""

    def question(q: dict[str, Any]) -> dict[str, Any]:
        q = {"label": f"Câu {q['key']}", **q}
        if "rows" in q:
            q["rows"] = [{"label": f"Dòng {r['key']}", **r} for r in q["rows"]]
        if "questions" in q:
            q["questions"] = [question(child) for child in q["questions"]]
        return q

    return {
        "key": "relevance_case",
        "title": "Bảng thử điều kiện hiển thị",
        "audience": "inspection",
        **definition,
        "sections": [
            {"title": f"Phần {s['key']}", **s, "questions": [question(q) for q in s["questions"]]}
            for s in definition["sections"]
        ],
    }


def load(case: dict[str, Any]):
    from survey_app.surveys.loader import load_definition

    return load_definition(yaml.safe_dump(complete(case["definition"]), allow_unicode=True))


def schema_of(case: dict[str, Any]) -> dict[str, Any]:
    from survey_app.surveys.rendering import client_schema

    # through JSON, as the page gets it (tuples become lists)
    return json.loads(json.dumps(client_schema(load(case), LOCALE)))


def form_values(answers: dict[str, Any]) -> dict[str, list[str]]:
    """The answers as a submitted form: every field a list of strings."""
    return {k: (list(v) if isinstance(v, list) else [v]) for k, v in answers.items()}


def dump(document: dict[str, Any]) -> str:
    """The file's canonical text: each case spread over a few lines, for readable diffs."""
    head = [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}"
            for k, v in document.items() if k != "cases"]
    cases = []
    for case in document["cases"]:
        parts = [f"      {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}"
                 for k, v in case.items()]
        cases.append("    {\n" + ",\n".join(parts) + "\n    }")
    head.append('  "cases": [\n' + ",\n".join(cases) + "\n  ]")
    return "{\n" + ",\n".join(head) + "\n}\n"


def regenerate(path: Path = VECTORS_PATH) -> bool:
    """Refresh every case's stored ``schema``; True if the file changed."""
    original = path.read_text(encoding="utf-8")
    document = json.loads(original)
    document["cases"] = [
        {**{k: v for k, v in case.items() if k != "schema"}, "schema": schema_of(case)}
        for case in document["cases"]
    ]
    updated = dump(document)
    if updated != original:
        path.write_text(updated, encoding="utf-8")
    return updated != original


def _id(case: dict[str, Any]) -> str:
    return case["name"][:70]


def test_table_is_big_enough() -> None:
    assert len(CASES) >= 25
    assert len({c["name"] for c in CASES}) == len(CASES), "case names must be unique"


def test_table_is_canonical_and_schemas_are_fresh() -> None:
    """Fails when a stored schema is stale: run the --regen command in the docstring."""
    assert dump(DOCUMENT) == VECTORS_PATH.read_text(encoding="utf-8")
    stale = [c["name"] for c in CASES if c.get("schema") != schema_of(c)]
    assert not stale, f"stale schemas, regenerate them: {stale[:5]}"


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_server_relevance(case: dict[str, Any], app) -> None:
    """The submit path (``validate``) and ``relevance`` on its clean values agree with
    the table."""
    from survey_app.surveys.validation import relevance, validate

    definition = load(case)
    with app.test_request_context():
        result = validate(definition, form_values(case["answers"]), today=TODAY)
    assert visible_names(definition, result.relevant) == sorted(case["visible"])
    rows = {}
    for name in case["answers"]:
        repeat, _, rest = name.partition(".")
        if rest.count(".") == 1:  # rep.N.child
            rows.setdefault(repeat, set()).add(int(rest.split(".")[0]))
    again = relevance(definition, result.values, today=TODAY, rows=rows)
    assert visible_names(definition, again) == sorted(case["visible"])


def visible_names(definition, relevant: dict[str, bool]) -> list[str]:
    """The relevant section keys and answer field names (what the table lists), sorted.

    ``relevance`` also answers for question keys (notes, matrices, repeats); the table
    leaves those out, as the browser does.
    """
    sections = {s.key for s in definition.sections}
    fields = {name for q in definition.questions() for name in q.field_names()}
    children = {(q.key, name) for q in definition.questions() for child in q.questions
                for name in child.field_names()}

    def is_field(name: str) -> bool:
        repeat, _, rest = name.partition(".")
        row, _, child = rest.partition(".")
        return name in sections or name in fields or (row.isdigit() and (repeat, child) in children)

    return sorted(name for name, shown in relevant.items() if shown and is_field(name))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Refresh the schemas of the relevance table.")
    parser.add_argument("--regen", action="store_true", required=True)
    parser.parse_args(argv)
    changed = regenerate()
    print(f"{VECTORS_PATH}: {'updated' if changed else 'already up to date'}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    sys.exit(main())
