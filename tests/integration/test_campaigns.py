"""Campaign files loaded into the database: sync, list, broken files, copies."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

import survey_app.campaigns.views
from survey_app.campaigns import services
from survey_app.models import AuditEvent, Campaign
from tests.conftest import PROJECT_SURVEYS

SHIPPED = PROJECT_SURVEYS / "campaigns" / "nq20_2017.yaml"


def campaigns_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "campaigns"
    folder.mkdir()
    shutil.copy(SHIPPED, folder / SHIPPED.name)
    return folder


def test_sync_loads_the_shipped_campaign_and_an_unchanged_file_changes_nothing(nq20, db):
    assert nq20.name == "Tổng kết 10 năm thực hiện Nghị quyết 20-NQ/TW"
    assert (nq20.starts.isoformat(), nq20.ends.isoformat()) == ("2017-08-01", "2017-11-15")
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    updated_at = nq20.updated_at
    report = services.sync_campaigns(db.session, PROJECT_SURVEYS / "campaigns")
    db.session.commit()
    assert report.unchanged == ["nq20_2017"] and not report.created and not report.updated
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events
    assert services.get_campaign(db.session, "nq20_2017").updated_at == updated_at


def test_a_broken_file_is_named_and_the_others_still_load(nq20, db, tmp_path):
    folder = campaigns_dir(tmp_path)
    other = SHIPPED.read_text(encoding="utf-8").replace("nq20_2017", "nq20_2018")
    (folder / "nq20_2018.yaml").write_text(other.replace("2017-", "2018-"), encoding="utf-8")
    (folder / "broken.yaml").write_text("key: broken\nname: [\n", encoding="utf-8")
    report = services.sync_campaigns(db.session, folder)
    db.session.commit()
    assert report.created == ["nq20_2018"]
    assert report.unchanged == ["nq20_2017"]
    assert [p.file for p in report.problems] == [str(folder / "broken.yaml")]
    assert report.problems[0].line is not None
    assert services.get_campaign(db.session, "nq20_2018").starts.year == 2018


def test_unknown_survey_or_department_is_a_problem_of_that_file(nq20, db, tmp_path):
    folder = campaigns_dir(tmp_path)
    text = SHIPPED.read_text(encoding="utf-8").replace("nq20_2017", "bad_refs")
    text = text.replace("inspection: inspection_2017", "inspection: unit_report_2017")
    text = text.replace('"1.1": TUYENGIAO', '"1.1": NOSUCH')
    (folder / "bad_refs.yaml").write_text(text, encoding="utf-8")
    report = services.sync_campaigns(db.session, folder)
    messages = [p.message for p in report.problems]
    assert len(messages) == 2, messages
    assert any("unit_report_2017" in m for m in messages)
    assert any("NOSUCH" in m for m in messages)
    assert db.session.scalar(select(Campaign).where(Campaign.key == "bad_refs")) is None


def test_a_removed_file_deactivates_its_campaign_and_a_broken_one_keeps_it(nq20, db, tmp_path):
    empty = tmp_path / "none"
    empty.mkdir()
    (empty / "nq20_2017.yaml").write_text("key: nq20_2017\nname: [\n", encoding="utf-8")
    report = services.sync_campaigns(db.session, empty)
    assert report.deactivated == [] and report.problems
    (empty / "nq20_2017.yaml").unlink()
    report = services.sync_campaigns(db.session, empty)
    db.session.commit()
    assert report.deactivated == ["nq20_2017"]
    assert services.list_campaigns(db.session) == []
    report = services.sync_campaigns(db.session, PROJECT_SURVEYS / "campaigns")
    assert report.updated == ["nq20_2017"]


def test_a_copy_made_in_the_admin_pages_is_checked_and_kept_by_sync(nq20, db):
    text = services.copy_text(nq20, "nq20_2027")
    copy = services.create_from_text(db.session, text.replace("2017-", "2027-"))
    db.session.commit()
    assert copy.source == "admin" and copy.starts.year == 2027
    report = services.sync_campaigns(db.session, PROJECT_SURVEYS / "campaigns")
    db.session.commit()
    assert "nq20_2027" not in report.deactivated
    assert services.get_campaign(db.session, "nq20_2027").is_active


def test_cli_sync_and_list(app, nq20, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["campaigns", "list"])
    assert result.exit_code == 0
    assert "nq20_2017\tTổng kết 10 năm thực hiện Nghị quyết 20-NQ/TW\t2017-08-01" in result.output
    result = runner.invoke(args=["campaigns", "sync"])
    assert result.exit_code == 0, result.output
    assert "1 unchanged" in result.output or "1 không đổi" in result.output


def test_poll_links_can_belong_to_a_campaign(app, db, nq20):
    from survey_app.models import PollLink

    runner = app.test_cli_runner()
    result = runner.invoke(args=["polls", "create", "worker_poll_2017", "MAU-CDCS-TT01",
                                 "--campaign", "nq20_2017"])
    assert result.exit_code == 0, result.output
    link = db.session.scalars(select(PollLink)).one()
    assert link.campaign_id == nq20.id
    bad = runner.invoke(args=["polls", "create", "worker_poll_2017", "MAU-CDCS-TT01",
                              "--campaign", "nq99"])
    assert bad.exit_code != 0 and "nq99" in bad.output
    assert db.session.scalar(select(func.count(PollLink.id))) == 1


def test_overview_shows_deadlines_window_and_quotas(client, nq20, login_as, monkeypatch):
    login_as("reporter")
    html = client.get("/campaigns/nq20_2017").get_data(as_text=True)
    assert "05/10/2017" in html and "10/11/2017" in html and "15/11/2017" in html
    # each level's deadline reads on a phone: the level, then "Hạn 05/10/2017 · còn 4 ngày"
    monkeypatch.setattr(survey_app.campaigns.views, "local_today", lambda: date(2017, 10, 1))
    page = client.get("/campaigns/nq20_2017").get_data(as_text=True)
    assert "Hạn 05/10/2017 · còn 4 ngày" in page and "Hạn 15/11/2017<" in page
    assert "Hạn 05/10/2017 · đã qua" in html  # seen today, years later
    assert "01/09/2017" in html and "30/09/2017" in html
    assert "LĐLĐ huyện, thành phố: 3" in html
    assert "Ban Chính sách pháp luật" in html
    assert client.get("/campaigns").status_code == 200
    assert client.get("/campaigns/nope").status_code == 404


def test_admin_copies_a_campaign_with_checks_and_nothing_saved_on_error(client, nq20, db,
                                                                       login_as):
    from tests.conftest import csrf_token

    login_as("admin")
    form = client.get("/admin/campaigns/new?from=nq20_2017").get_data(as_text=True)
    assert "key: nq20_2017_copy" in form
    text = services.copy_text(nq20, "nq20_2027").replace("2017-10-05", "2027-02-30")
    token = csrf_token(client, "/admin/campaigns")
    refused = client.post("/admin/campaigns/new", data={"text": text, "csrf_token": token})
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "2027-02-30" in page and "Dòng" in page  # the text is kept, the line named
    assert db.session.scalar(select(func.count(Campaign.id))) == 1
    good = services.copy_text(nq20, "nq20_2027").replace("2017-", "2027-")
    done = client.post("/admin/campaigns/new", data={"text": good, "csrf_token": token})
    assert done.status_code == 302 and done.headers["Location"].endswith("/campaigns/nq20_2027")
    assert services.get_campaign(db.session, "nq20_2027").source == "admin"
