"""The survey-app command line: bootstrap and user accounts."""

import subprocess
import sys

from sqlalchemy import func, select

from survey_app.models import Department, Unit, User
from tests.conftest import csrf_token


def test_users_create_reads_password_from_stdin_and_user_can_sign_in(app, kontum, client):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "thanh", "--role", "reporter", "--unit", "KT-DAKHA"],
        input="mat-khau-123\nmat-khau-123\n",
    )
    assert result.exit_code == 0, result.output
    assert "Đã tạo tài khoản thanh" in result.output
    response = client.post(
        "/login",
        data={"username": "thanh", "password": "mat-khau-123", "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert "Người báo cáo của đơn vị" in html and "LĐLĐ huyện Đắk Hà" in html


def test_users_create_refuses_mismatched_passwords(app, kontum, db):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "x", "--role", "inspector"], input="mat-khau-123\nkhac-123\n"
    )
    assert result.exit_code != 0 and "không khớp" in result.output
    assert (
        db.session.scalar(select(func.count()).select_from(User).where(User.username == "x")) == 0
    )


def test_users_create_clear_errors(app, kontum):
    runner = app.test_cli_runner()
    cases = [
        (["--role", "boss"], "Vai trò “boss” không hợp lệ"),
        (["--role", "reporter", "--unit", "NOPE"], "Không có đơn vị mang mã: NOPE"),
        (["--role", "reviewer", "--department", "NOPE"], "Không có ban mang mã: NOPE"),
        (["--role", "reporter"], "phải thuộc một đơn vị"),
    ]
    for options, message in cases:
        result = runner.invoke(
            args=["users", "create", "someone", *options], input="mat-khau-123\n"
        )
        assert result.exit_code != 0
        assert message in result.output, result.output


def test_users_create_refuses_short_password_and_taken_name(app, kontum):
    runner = app.test_cli_runner()
    short = runner.invoke(args=["users", "create", "a1", "--role", "office"], input="123\n")
    assert short.exit_code != 0 and "ít nhất 8 ký tự" in short.output
    taken = runner.invoke(
        args=["users", "create", "ADMIN", "--role", "office"], input="mat-khau-123\n"
    )
    assert taken.exit_code != 0 and "đã có người dùng" in taken.output


def test_bootstrap_is_safe_to_rerun(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["bootstrap"])
    assert first.exit_code == 0, first.output
    assert "tên đăng nhập: admin" in first.output
    counts = (
        db.session.scalar(select(func.count()).select_from(Unit)),
        db.session.scalar(select(func.count()).select_from(Department)),
    )
    second = runner.invoke(args=["bootstrap"])
    assert second.exit_code == 0 and "mật khẩu" not in second.output
    assert counts == (
        db.session.scalar(select(func.count()).select_from(Unit)),
        db.session.scalar(select(func.count()).select_from(Department)),
    )


def test_console_script_runs_from_project_root(tmp_path):
    env = {"INSTANCE_PATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "survey_app.cli", "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    for command in ("bootstrap", "units", "users", "db", "run"):
        assert command in result.stdout


def _bootstrap_with(env: dict[str, str]):
    from click.testing import CliRunner

    from survey_app.cli import main

    return CliRunner().invoke(main, ["bootstrap"], env=env)


def _refused(result, *named: str) -> str:
    output = result.output
    assert result.exit_code == 1, output
    assert "Traceback" not in output and result.exception is None or isinstance(
        result.exception, SystemExit)
    assert output.startswith("Lỗi: "), output
    for text in named:
        assert text in output, output
    return output


def test_bootstrap_names_an_instance_folder_that_cannot_be_made(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = _bootstrap_with({"INSTANCE_PATH": str(blocker / "instance"), "DATABASE_URL": ""})
    _refused(result, str(blocker / "instance"), "INSTANCE_PATH")


def test_bootstrap_names_a_secret_key_file_that_cannot_be_read(tmp_path):
    (tmp_path / "secret_key").mkdir()
    result = _bootstrap_with({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": ""})
    _refused(result, str(tmp_path / "secret_key"))


def test_bootstrap_names_a_database_url_that_is_not_one(tmp_path):
    result = _bootstrap_with({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "khong-phai-url"})
    _refused(result, "DATABASE_URL", "khong-phai-url")


def test_bootstrap_names_a_sqlite_folder_that_does_not_exist(tmp_path):
    missing = tmp_path / "khong-co" / "db.sqlite3"
    result = _bootstrap_with({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{missing}"})
    _refused(result, str(missing.parent))


def test_bootstrap_names_a_database_it_cannot_reach_without_its_password(tmp_path):
    url = "postgresql+psycopg://nobody:mat-khau-bi-mat@127.0.0.1:9/none?connect_timeout=2"
    result = _bootstrap_with({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": url})
    output = _refused(result, "postgresql+psycopg://nobody:***@127.0.0.1:9/none")
    assert "mat-khau-bi-mat" not in output
