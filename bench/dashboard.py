"""The review dashboard against hand-written SQL (issue 13, item 8).

Generates a campaign whose inspection survey has 50 questions, answered by 20,000 responses
(1,000,000 answers) over 200 units, plus units' reports for the data appendix; then times
the main pages end to end (Flask test client, signed in, templates rendered) and, in the same
run, hand-written SQL that computes the same numbers:

- ``overview``: the whole survey for the province, broken down by branch;
- ``district``: one district with everything under it (roll-up), broken down by unit;
- ``appendix``: the data appendix's totals for the province.

It measures at 100,000 answers, loads the rest, and measures at 1,000,000; it prints the
median of each, the ratio page / SQL, and how each grew from 100k to 1M (10x the rows).
SQLite always (a temporary file); PostgreSQL too when TEST_DATABASE_URL is set (a database
with a random name, dropped at the end).

    .venv/bin/python bench/dashboard.py                 # 100k and 1M answers
    .venv/bin/python bench/dashboard.py --smoke         # 10k and 50k answers, a few seconds
    TEST_DATABASE_URL=postgresql+psycopg://postgres:postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/dashboard.py
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from survey_app import create_app  # noqa: E402
from survey_app.config import PROJECT_ROOT, Settings, sqlite_url  # noqa: E402

QUESTIONS = 50
UNITS = 200
PASSWORD = "bench-password-123"
CHOICES = ("a", "b", "c", "d", "e")


# --------------------------------------------------------------------------
# The data
# --------------------------------------------------------------------------


def survey_yaml() -> str:
    """50 questions in four sections (areas 1.1-1.4): 30 single choice, 10 yes/no, 5 ratings
    and 5 whole numbers; each answered once per response, so 50 answer rows a response."""
    lines = [
        "key: bench_inspection",
        "title: {vi: Phiếu kiểm tra (thử tải), en: Bench checklist}",
        "audience: inspection",
        "choice_lists:",
        "  five:",
        *[f"    - {{value: {c}, label: {{vi: Mức {c}, en: Level {c}}}}}" for c in CHOICES],
        "sections:",
    ]
    kinds = (["single_choice"] * 30 + ["yes_no"] * 10 + ["rating"] * 5 + ["integer"] * 5)
    for section in range(4):
        lines += [f"  - key: s{section}", f"    area: \"1.{section + 1}\"",
                  f"    title: {{vi: Phần {section + 1}, en: Part {section + 1}}}",
                  "    questions:"]
        for number in range(section, QUESTIONS, 4):
            kind = kinds[number]
            lines += [f"      - key: q{number:02d}", f"        type: {kind}",
                      f"        label: {{vi: Câu hỏi {number}, en: Question {number}}}"]
            if kind == "single_choice":
                lines.append("        choices: five")
            if kind == "rating":
                lines += ["        min: 1", "        max: 5"]
            if kind == "integer":
                lines += ["        min: 0", "        max: 1000"]
    return "\n".join(lines) + "\n"


def answer_value(number: int, rng: random.Random) -> tuple[str, object]:
    if number < 30:
        return "value_choice", rng.choice(CHOICES)
    if number < 40:
        return "value_choice", rng.choice(("yes", "no"))
    if number < 45:
        return "value_choice", str(rng.randint(1, 5))
    return "value_number", float(rng.randint(0, 1000))


def set_up(app) -> dict:
    """Roster (200 units), the bench survey and campaign, 150 units' reports, a user."""
    from flask_migrate import upgrade

    from survey_app.accounts.services import bootstrap, create_user
    from survey_app.campaigns.services import create_from_text, sync_campaigns
    from survey_app.extensions import db
    from survey_app.models import Answer, Response, Unit, UnitReport
    from survey_app.registry.services import get_survey, sync_definition, sync_surveys
    from survey_app.surveys.loader import load_definition

    with app.app_context():
        upgrade()
        bootstrap(db.session)
        db.session.commit()
        sync_surveys(db.session, PROJECT_ROOT / "surveys")
        sync_campaigns(db.session, PROJECT_ROOT / "surveys" / "campaigns")
        text = survey_yaml()
        sync_definition(db.session, load_definition(text), text)
        db.session.commit()
        nq20 = (PROJECT_ROOT / "surveys" / "campaigns" / "nq20_2017.yaml").read_text("utf-8")
        campaign = create_from_text(db.session, nq20.replace("key: nq20_2017", "key: bench")
                                    .replace("inspection: inspection_2017",
                                             "inspection: bench_inspection"))
        districts = list(db.session.scalars(sa.select(Unit).where(Unit.kind == "district")
                                            .order_by(Unit.code)))
        existing = db.session.scalar(sa.select(sa.func.count()).select_from(Unit))
        for index in range(UNITS - existing):
            db.session.add(Unit(code=f"BENCH-{index:03d}", name=f"CĐCS thử tải {index:03d}",
                                kind="grassroots", parent_id=districts[index % 10].id))
        db.session.commit()
        create_user(db.session, "bench", PASSWORD, "office")
        db.session.commit()
        units = list(db.session.scalars(sa.select(Unit.id).where(Unit.kind != "national")))
        survey = get_survey(db.session, "bench_inspection")
        report_survey = get_survey(db.session, "unit_report_2017")
        rng = random.Random(13)
        grassroots = list(db.session.scalars(sa.select(Unit.id).where(
            Unit.kind == "grassroots").order_by(Unit.id)))[:150]
        indicators = ["a12_ind_doan_vien", "a12_ind_cdcs", "a13_ind_thoa_uoc",
                      "a13_ind_mai_am", "a11_ind_hoi_thi", "a14_ind_sang_kien"]
        responses, answers, reports = [], [], []
        for unit_id in grassroots:
            rid = uuid.uuid4()
            responses.append(_response(rid, report_survey.current_version_id, unit_id,
                                       campaign.id))
            for key in indicators:
                for part in ("baseline", None):
                    answers.append(_answer(rid, key, "value_number",
                                           float(rng.randint(0, 500)), part))
            reports.append(UnitReport(campaign_id=campaign.id, unit_id=unit_id,
                                      state="submitted", response_id=rid,
                                      first_submitted_on=date(2017, 10, 5)))
        db.session.execute(sa.insert(Response.__table__), responses)
        db.session.execute(sa.insert(Answer.__table__), answers)
        db.session.add_all(reports)
        db.session.commit()
        district = districts[1].code
        return {"campaign": campaign.key, "campaign_id": campaign.id, "units": units,
                "version": survey.current_version_id, "survey_id": survey.id,
                "district": district, "indicators": indicators}


NOW = datetime(2017, 9, 20, 3, tzinfo=UTC)


def _response(rid, version, unit_id, campaign_id):
    return {"id": rid, "survey_version_id": version, "unit_id": unit_id,
            "campaign_id": campaign_id, "channel": "web", "submitted_on": date(2017, 9, 20),
            "submitted_at": NOW}


def _answer(rid, key, column, value, part=None):
    row = {"response_id": rid, "question_key": key, "repeat_index": None, "part": part,
           "value_text": None, "value_number": None, "value_date": None,
           "value_choice": None}
    row[column] = value
    return row


def load_responses(app, info: dict, count: int, seed: int) -> None:
    """``count`` checklists of 50 answers at random units, inserted in batches."""
    from survey_app.extensions import db
    from survey_app.models import Answer, Response

    rng = random.Random(seed)
    with app.app_context():
        responses_table, answers_table = Response.__table__, Answer.__table__
        for start in range(0, count, 1000):
            responses, answers = [], []
            for _ in range(min(1000, count - start)):
                rid = uuid.uuid4()
                responses.append(_response(rid, info["version"], rng.choice(info["units"]),
                                           info["campaign_id"]))
                for number in range(QUESTIONS):
                    column, value = answer_value(number, rng)
                    answers.append(_answer(rid, f"q{number:02d}", column, value))
            with db.engine.begin() as conn:
                conn.execute(sa.insert(responses_table), responses)
                conn.execute(sa.insert(answers_table), answers)
        with db.engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))


# --------------------------------------------------------------------------
# The hand-written SQL: the same numbers as the pages
# --------------------------------------------------------------------------

SCOPE = """
WITH RECURSIVE subtree(id) AS (
    SELECT CAST(:root AS INTEGER)
    UNION ALL SELECT u.id FROM units u JOIN subtree t ON u.parent_id = t.id
), branch(unit_id, grp) AS (
    SELECT id, id FROM units WHERE parent_id = :root
    UNION ALL SELECT u.id, b.grp FROM units u JOIN branch b ON u.parent_id = b.unit_id
), branches AS (SELECT unit_id, grp FROM branch UNION ALL SELECT :root, :root),
scope AS (
    SELECT r.id, r.unit_id FROM responses r
    WHERE r.campaign_id = :campaign AND r.unit_id IN (SELECT id FROM subtree)
      AND r.survey_version_id IN (SELECT id FROM survey_versions WHERE survey_id = :survey)
)
"""
NUMBER_KEYS = ", ".join(f"'q{n:02d}'" for n in range(45, QUESTIONS))
#: The figures of a results page in one statement, as one would write it by hand: per unit,
#: question and choice (and value, for the number questions) once, then per branch, the
#: units that answered each question, and the counts per value (median, distribution).
HAND_SQL = {
    "figures": SCOPE + f"""
, per_unit AS MATERIALIZED (
    SELECT s.unit_id, a.question_key AS key, a.value_choice AS choice,
           CASE WHEN a.question_key IN ({NUMBER_KEYS}) THEN a.value_number END AS value,
           count(*) AS n, sum(a.value_number) AS total, min(a.value_number) AS lo,
           max(a.value_number) AS hi
    FROM scope s JOIN answers a ON a.response_id = s.id
    GROUP BY s.unit_id, a.question_key, a.value_choice, 4
)
SELECT 'v', b.grp, p.key, p.choice, sum(p.n), sum(p.total), min(p.lo), max(p.hi)
FROM per_unit p JOIN branches b ON b.unit_id = p.unit_id GROUP BY b.grp, p.key, p.choice
UNION ALL
SELECT 'u', b.grp, p.key, NULL, count(DISTINCT p.unit_id), NULL, NULL, NULL
FROM per_unit p JOIN branches b ON b.unit_id = p.unit_id GROUP BY b.grp, p.key
UNION ALL
SELECT 'f', 0, p.key, NULL, sum(p.n), p.value, NULL, NULL
FROM per_unit p WHERE p.value IS NOT NULL GROUP BY p.key, p.value""",
    "responses": SCOPE + "SELECT unit_id, count(*) FROM scope GROUP BY unit_id",
}
APPENDIX_SQL = """
SELECT a.question_key, a.part, sum(a.value_number)
FROM unit_reports ur JOIN answers a ON a.response_id = ur.response_id
WHERE ur.campaign_id = :campaign AND ur.state = 'submitted'
  AND a.question_key IN :keys AND a.repeat_index IS NULL AND a.value_number IS NOT NULL
GROUP BY a.question_key, a.part"""


def hand_sql(app, info: dict, root_code: str) -> None:
    from survey_app.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        root = conn.execute(sa.text("SELECT id FROM units WHERE code = :c"),
                            {"c": root_code}).scalar_one()
        params = {"root": root, "survey": info["survey_id"], "campaign": info["campaign_id"]}
        if conn.dialect.name == "postgresql":  # as the page does (results.tune_for_reports)
            conn.execute(sa.text("SET LOCAL jit = off"))
            conn.execute(sa.text("SET LOCAL work_mem = '32MB'"))
        for statement in HAND_SQL.values():
            conn.execute(sa.text(statement), params).all()


def hand_appendix(app, info: dict) -> None:
    from survey_app.extensions import db

    statement = sa.text(APPENDIX_SQL).bindparams(sa.bindparam("keys", expanding=True))
    with app.app_context(), db.engine.connect() as conn:
        conn.execute(statement, {"campaign": info["campaign_id"],
                                 "keys": info["indicators"]}).all()


# --------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------


def median_ms(action, repeat: int) -> float:
    action()  # warm: caches, prepared plans
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure(app, client, info: dict, repeat: int) -> dict[str, tuple[float, float]]:
    base = f"/campaigns/{info['campaign']}/review"

    def page(url):
        def get():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        return get

    return {
        "overview": (median_ms(page(f"{base}?survey=inspection&area="), repeat),
                     median_ms(lambda: hand_sql(app, info, "KT"), repeat)),
        "district": (median_ms(page(f"{base}?survey=inspection&area=&unit={info['district']}"),
                               repeat),
                     median_ms(lambda: hand_sql(app, info, info["district"]), repeat)),
        "appendix": (median_ms(page(f"{base}?tab=appendix&area="), repeat),
                     median_ms(lambda: hand_appendix(app, info), repeat)),
    }


def run(database_url: str, label: str, sizes: list[int], repeat: int) -> list[tuple]:
    instance = Path(tempfile.mkdtemp(prefix="bench_dashboard_"))
    app = create_app(Settings(instance_path=instance, secret_key=secrets.token_hex(16),
                              database_url=database_url, testing=True))
    app.config["WTF_CSRF_ENABLED"] = False
    info = set_up(app)
    client = app.test_client()
    response = client.post("/login", data={"username": "bench", "password": PASSWORD})
    assert response.status_code == 302, "sign-in failed"
    rows, loaded = [], 0
    for size in sizes:
        print(f"[{label}] loading {size * QUESTIONS:,} answers…", file=sys.stderr, flush=True)
        load_responses(app, info, size - loaded, seed=size)
        loaded = size
        for name, (page, sql) in measure(app, client, info, repeat).items():
            rows.append((label, size * QUESTIONS, name, page, sql))
    from survey_app.extensions import db

    with app.app_context():
        db.engine.dispose()
    return rows


def report(rows: list[tuple]) -> None:
    print(f"{'db':<11}{'answers':>11}  {'page':<9}{'page ms':>10}{'SQL ms':>10}{'ratio':>8}"
          f"{'growth':>9}")
    first: dict[tuple, float] = {}
    for label, answers, name, page, sql in rows:
        growth = ""
        if (label, name) in first:
            growth = f"{page / first[(label, name)]:.1f}x"
        else:
            first[(label, name)] = page
        print(f"{label:<11}{answers:>11,}  {name:<9}{page:>10.0f}{sql:>10.0f}"
              f"{page / sql:>8.2f}{growth:>9}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="10k and 50k answers")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per figure")
    args = parser.parse_args()
    sizes = [200, 1000] if args.smoke else [2000, 20000]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_dashboard_db_") as folder:
        rows += run(sqlite_url(Path(folder) / "bench.sqlite3"), "sqlite", sizes, args.repeat)
    pg = os.environ.get("TEST_DATABASE_URL")
    if pg:
        from tests.conftest import _create_postgres_database

        url, drop = _create_postgres_database(pg)
        try:
            rows += run(url, "postgresql", sizes, args.repeat)
        finally:
            drop()
    report(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
