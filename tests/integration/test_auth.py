"""Signing in and out, throttling, disabled accounts, what ends a session."""

import pytest

from survey_app.extensions import db as _db
from survey_app.models import AuditEvent
from tests.conftest import PASSWORD, csrf_token


def post_login(client, username, password):
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(client)},
    )


def test_login_page_is_vietnamese(client):
    html = client.get("/login").get_data(as_text=True)
    assert "Đăng nhập" in html and "Tên đăng nhập" in html and "Mật khẩu" in html


def test_sign_in_and_out(client, make_user):
    user = make_user("inspector")
    assert client.get("/").status_code == 302
    response = post_login(client, user.username, PASSWORD)
    # an inspector starts on their own visits (issue 11): "Lịch kiểm tra của tôi"
    assert response.status_code == 302 and response.headers["Location"] == "/visits"
    assert "Xin chào" in client.get("/").get_data(as_text=True)
    token = csrf_token(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_login_follows_only_local_next(client, make_user):
    user = make_user("admin")
    token = csrf_token(client)
    response = client.post(
        "/login?next=https://evil.example/",
        data={"username": user.username, "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_wrong_password_is_refused_in_vietnamese(client, make_user):
    user = make_user("admin")
    response = post_login(client, user.username, "sai-mat-khau")
    assert response.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_session_is_renewed_at_login(client, make_user):
    user = make_user("admin")
    client.get("/login")
    before = client.get_cookie("session").value
    post_login(client, user.username, PASSWORD)
    after = client.get_cookie("session").value
    assert before != after
    # the pre-login CSRF token no longer belongs to the session
    assert client.post("/logout", data={"csrf_token": "stale"}).status_code == 400


def test_guessing_passwords_for_one_account_ends_in_429(client, make_user):
    user = make_user("admin")
    statuses = [post_login(client, user.username, f"wrong-{i}").status_code for i in range(7)]
    assert statuses[:5] == [401] * 5
    assert statuses[5:] == [429, 429]
    response = post_login(client, user.username, PASSWORD)  # even the right one waits
    assert response.status_code == 429
    assert "Thử quá nhiều lần" in response.get_data(as_text=True)


def test_guessing_across_accounts_from_one_address_ends_in_429(client, make_user):
    statuses = [post_login(client, f"nobody-{i}", "wrong").status_code for i in range(7)]
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429]


def test_successful_logins_are_not_throttled(app, make_user):
    user = make_user("admin")
    for _ in range(8):
        client = app.test_client()
        assert post_login(client, user.username, PASSWORD).status_code == 302


def test_disabled_account_cannot_sign_in_and_is_signed_out(app, client, make_user, db):
    from survey_app.accounts.services import update_user

    user = make_user("inspector")
    post_login(client, user.username, PASSWORD)
    assert client.get("/").status_code == 200
    update_user(
        db.session,
        user,
        role="inspector",
        unit_code=None,
        department_code=None,
        full_name="",
        is_active=False,
    )
    db.session.commit()
    assert client.get("/").status_code == 302
    assert post_login(client, user.username, PASSWORD).status_code == 401


def test_password_reset_signs_out_other_sessions(client, make_user, db):
    from survey_app.accounts.services import reset_password

    user = make_user("office")
    post_login(client, user.username, PASSWORD)
    reset_password(db.session, user, "mat-khau-moi-123")
    db.session.commit()
    assert client.get("/").status_code == 302
    assert post_login(client, user.username, "mat-khau-moi-123").status_code == 302


def test_account_changes_are_audited(make_user, db):
    user = make_user("admin")
    events = _db.session.scalars(
        _db.select(AuditEvent).where(AuditEvent.target == user.username)
    ).all()
    assert [e.action for e in events] == ["user.create"]


REDIS_DOWN_SCRIPT = """
import re, sys
from pathlib import Path
from flask_migrate import upgrade
from survey_app import create_app
from survey_app.config import Settings, sqlite_url

instance = Path(sys.argv[1])
app = create_app(Settings(instance_path=instance, secret_key="k" * 40, testing=True,
                          database_url=sqlite_url(instance / "db.sqlite3"),
                          redis_url="redis://127.0.0.1:1/0", login_limit="2 per minute"))
with app.app_context():
    upgrade()
client = app.test_client()
statuses = []
for _ in range(3):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    statuses.append(client.post("/login", data={"username": "nobody", "password": "x",
                                                "csrf_token": token}).status_code)
print(statuses)
"""


def test_with_redis_unreachable_limits_fall_back_to_memory(tmp_path):
    # Its own process: the limiter is one object per process, bound to the app's storage.
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", REDIS_DOWN_SCRIPT, str(tmp_path)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[401, 401, 429]"


def _copy_of(client, app):
    """Another browser holding a copy of ``client``'s session cookie."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def _logout(client, user, db):
    assert client.post("/logout", data={"csrf_token": csrf_token(client, "/")}).status_code == 302


def _reset_password(client, user, db):
    from survey_app.accounts.services import reset_password

    reset_password(db.session, user, "mat-khau-moi-123")


def _changed(**changes):
    def change(client, user, db):
        from survey_app.accounts.services import update_user

        fields = {"role": user.role, "unit_code": user.unit.code if user.unit else None,
                  "department_code": user.department.code if user.department else None,
                  "full_name": user.full_name, "is_active": user.is_active}
        update_user(db.session, user, **{**fields, **changes})

    return change


ENDINGS = {
    "logout": _logout,
    "password reset": _reset_password,
    "disabled": _changed(is_active=False),
    "role change": _changed(role="inspector", unit_code=None),
    "unit change": _changed(unit_code="KT-DAKTO"),
}


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_a_session_cookie_copied_before_is_refused_after(ending, app, client, make_user, db):
    user = make_user("reporter")
    post_login(client, user.username, PASSWORD)
    copied = _copy_of(client, app)
    assert copied.get("/").status_code == 200
    ENDINGS[ending](client, user, db)
    db.session.commit()
    refused = copied.get("/")
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/login")
    assert client.get("/").status_code == 302  # the browser that was signed in, too


def test_a_department_change_ends_a_reviewers_sessions(app, client, make_user, db):
    user = make_user("reviewer")
    post_login(client, user.username, PASSWORD)
    copied = _copy_of(client, app)
    _changed(department_code="TOCHUC")(client, user, db)
    db.session.commit()
    assert copied.get("/").status_code == 302


def test_a_new_name_keeps_the_session(app, client, make_user, db):
    user = make_user("inspector")
    post_login(client, user.username, PASSWORD)
    _changed(full_name="Nguyễn Văn A")(client, user, db)
    db.session.commit()
    assert client.get("/").status_code == 200


def test_an_admin_editing_their_own_unit_stays_signed_in(client, make_user, db):
    from survey_app.accounts.services import update_user

    admin = make_user("admin")
    post_login(client, admin.username, PASSWORD)
    update_user(db.session, admin, role="admin", unit_code="KT-DAKHA", department_code=None,
                full_name="", is_active=True, actor=admin)
    db.session.commit()
    assert client.get("/").status_code == 200


def _signed_in_hours_ago(client, hours: float) -> None:
    import time

    from survey_app.auth.sessions import SIGNED_IN_AT

    with client.session_transaction() as session:
        session[SIGNED_IN_AT] = int(time.time() - hours * 3600)


def test_a_session_older_than_its_lifetime_is_refused(app, client, make_user):
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() / 3600
    assert lifetime == 12
    user = make_user("office")
    post_login(client, user.username, PASSWORD)
    _signed_in_hours_ago(client, lifetime - 0.1)
    assert client.get("/").status_code == 200
    _signed_in_hours_ago(client, lifetime + 0.1)
    refused = client.get("/")
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/login")
    assert post_login(client, user.username, PASSWORD).status_code == 302  # signs in again
    assert client.get("/").status_code == 200


def test_a_session_without_a_sign_in_time_is_refused(app, client, make_user):
    from survey_app.auth.sessions import SIGNED_IN_AT

    user = make_user("office")
    post_login(client, user.username, PASSWORD)
    with client.session_transaction() as session:
        del session[SIGNED_IN_AT]
    assert client.get("/").status_code == 302


def test_a_remember_me_cookie_does_not_sign_in(app, client, make_user):
    """Flask-Login would sign in from a valid remember_token cookie; none is ever issued,
    and one made with the app's own key is refused (it carries no sign-in time)."""
    from flask_login.utils import encode_cookie

    user = make_user("admin")
    with app.test_request_context():
        forged = encode_cookie(user.login_id)
    client.set_cookie(app.config.get("REMEMBER_COOKIE_NAME", "remember_token"), forged)
    assert client.get("/").status_code == 302
    response = post_login(client, user.username, PASSWORD)
    assert "remember_token" not in response.headers.get("Set-Cookie", "")


def test_session_lifetime_is_read_from_the_environment(tmp_path):
    from datetime import timedelta

    from survey_app.config import ConfigError, Settings

    env = {"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k" * 40}
    settings = Settings.from_env({**env, "SESSION_LIFETIME_HOURS": "8"})
    assert settings.flask_config()["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=8)
    assert Settings.from_env(env).session_lifetime_hours == 12
    for wrong in ("0", "-3", "mười", "nan"):
        with pytest.raises(ConfigError, match="SESSION_LIFETIME_HOURS"):
            Settings.from_env({**env, "SESSION_LIFETIME_HOURS": wrong})
