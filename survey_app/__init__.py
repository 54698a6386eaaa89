"""The survey app: ``create_app`` is the only place that wires things together."""

from __future__ import annotations

import functools
import logging

from babel import Locale
from flask import Flask, g, has_request_context, request, session
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from itsdangerous import URLSafeTimedSerializer
from werkzeug.middleware.proxy_fix import ProxyFix

from survey_app.config import PROJECT_ROOT, Settings

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; manifest-src 'self'; worker-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

LOCALES = ("vi", "en")
LOCALE_COOKIE = "lang"


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, with a body nested too deep for Python's parser counted as bad JSON
    (a 400 from every ``get_json``) rather than a RecursionError (a 500)."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


class SessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over https.

    The signing serializer is built once per set of keys: Flask builds one per request,
    and building it serializes a test value (a tenth of an anonymous poll POST's work).
    """

    def get_signing_serializer(self, app: Flask):
        if not app.secret_key:
            return None
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        return self._serializer_for(keys)

    @functools.lru_cache(maxsize=4)  # noqa: B019 - one interface per app, a few key sets
    def _serializer_for(self, keys: tuple) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(
            list(keys),
            salt=self.salt,
            serializer=self.serializer,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
            },
        )

    def get_cookie_secure(self, app: Flask) -> bool:
        if app.config["SESSION_COOKIE_SECURE"]:
            return True
        return has_request_context() and request.is_secure


@functools.cache
def _babel_locale(code: str) -> Locale:
    return Locale.parse(code)


def select_locale() -> Locale:
    """Vietnamese unless the person chose English (remembered in a cookie).

    A parsed Locale, built once per language: Flask-Babel would parse the code per request.
    """
    chosen = request.cookies.get(LOCALE_COOKIE) if has_request_context() else None
    return _babel_locale(chosen if chosen in LOCALES else "vi")


def set_security_headers(response):
    response.headers["X-Content-Type-Options"] = "nosniff"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    if request.endpoint == "static":
        # A script, style sheet or icon is governed by the policy of the page that loads it;
        # the document headers would only add 0.4 KB to each file a worker's phone fetches.
        # Nor does a file need what send_file adds beside its ETag: Content-Disposition (it is
        # shown in place), Last-Modified (the ETag revalidates it) and Accept-Ranges (nothing
        # resumes a 10 KB script): some 90 bytes of each of the poll page's seven files.
        for name in ("Content-Disposition", "Last-Modified", "Accept-Ranges"):
            response.headers.pop(name, None)
        return response
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    # Only a signed-in page can show someone's data; reading the session key rather than
    # current_user spares anonymous requests (poll answers) a user lookup.
    if session.get("_user_id") is not None:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


class _DropPollRequests(logging.Filter):
    """Request log lines carry the client address and the time: none for poll pages."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return " /p/" not in message and '"/p/' not in message


def quiet_poll_logs() -> None:
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _DropPollRequests) for f in logger.filters):
            logger.addFilter(_DropPollRequests())


def create_app(config: Settings | None = None) -> Flask:
    """Build the application from ``config`` (a Settings), or from the environment."""
    settings = config or Settings.from_env()
    app = Flask(
        __name__,
        instance_path=str(settings.instance_path),
        static_folder=str(PROJECT_ROOT / "static"),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.json = JSONProvider(app)
    app.config.update(settings.flask_config())
    app.config["SETTINGS"] = settings
    app.session_interface = SessionInterface()
    if settings.trust_proxy:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    logging.basicConfig(level=logging.INFO)
    quiet_poll_logs()

    _init_extensions(app)
    _register_blueprints(app)

    from survey_app.formpages import register_template_helpers

    register_template_helpers(app)

    from survey_app.access import check_all_routes_declared, enforce_access
    from survey_app.errors import register_error_handlers

    app.before_request(enforce_access)
    app.after_request(set_security_headers)
    register_error_handlers(app)
    check_all_routes_declared(app)

    from survey_app.cli import register_commands

    register_commands(app)
    return app


def _init_extensions(app: Flask) -> None:
    from survey_app import database, models
    from survey_app.extensions import babel, compress, csrf, db, limiter, login_manager, migrate

    url, sqlite_file = database.prepare_url(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config["SETTINGS"].instance_path
    )
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.extensions["heartbeat"] = database.HeartbeatCheck()
    db.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from sqlalchemy import event

        with app.app_context():
            event.listen(db.engine, "connect", _sqlite_pragmas)
            if sqlite_file is not None:
                database.watch_sqlite_file(db.engine, sqlite_file)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    compress.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    _check_limits_in_views_only(app, limiter)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(login_id: str):
        from sqlalchemy import select

        from survey_app.auth import sessions

        if not sessions.is_current():
            return None  # too old, or not made by signing in (a remember-me cookie)
        user = db.session.scalars(
            select(models.User).where(models.User.login_id == login_id)
        ).first()
        return user if user is not None and user.is_active else None

    @app.context_processor
    def template_globals():
        from flask_babel import get_locale

        from survey_app.access import Perm, has_perm

        return {
            "locale": str(get_locale() or "vi"),
            "Perm": Perm,
            "can": lambda perm: has_perm(current_user, perm),
            "request_id": g.get("request_id"),
        }


def _check_limits_in_views_only(app: Flask, limiter) -> None:
    """Drop Flask-Limiter's check before every request when it can only find nothing.

    Flask-Limiter checks twice: before every request (application-wide and default limits)
    and in each view decorated with ``limiter.limit``. Every limit here is on its view (the
    login form, poll answers), so the first check resolves an empty set on every page:
    4 % of a poll submission, 10 % of a plain page. Kept when default or application limits
    are configured (RATELIMIT_DEFAULT, RATELIMIT_APPLICATION).
    """
    manager = limiter.limit_manager
    if manager.default_limits or manager.application_limits:
        return
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in hooks:
        hooks.remove(limiter._check_request_limit)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _register_blueprints(app: Flask) -> None:
    from survey_app.admin import bp as admin_bp
    from survey_app.api import bp as api_bp
    from survey_app.auth import bp as auth_bp
    from survey_app.campaigns import bp as campaigns_bp
    from survey_app.catalog import bp as catalog_bp
    from survey_app.fieldwork import bp as fieldwork_bp
    from survey_app.main import bp as main_bp
    from survey_app.offline import bp as offline_bp
    from survey_app.polls import bp as polls_bp
    from survey_app.reports import bp as reports_bp
    from survey_app.review import bp as review_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(catalog_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(polls_bp)
    app.register_blueprint(campaigns_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(offline_bp)
    app.register_blueprint(fieldwork_bp)
    app.register_blueprint(reports_bp)
