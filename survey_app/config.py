"""Settings from the environment: the only module that reads ``os.environ``."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask_babel import lazy_gettext as _l

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(Exception):
    """A setting that cannot work (a folder that cannot be made, a bad DATABASE_URL).

    The message, lazily translated, names the setting's value so the operator can fix it.
    """

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _read_or_create_secret(path: Path) -> str:
    """Return the secret stored in ``path``, generating it on first run (mode 0600).

    Raises ConfigError naming the file when it can be neither read nor made.
    """
    try:
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(value)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            _l("The secret key file %(path)s cannot be read or created: %(reason)s",
               path=path, reason=_reason(exc))
        ) from None
    return value


def _reason(exc: Exception) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _lifetime_hours(value: str | None, default: float) -> float:
    """SESSION_LIFETIME_HOURS: a positive number of hours. Raises ConfigError naming it."""
    if value is None or value.strip() == "":
        return default
    try:
        hours = float(value.replace(",", "."))
    except ValueError:
        hours = 0.0
    if not 0 < hours < 24 * 366:
        raise ConfigError(
            _l("SESSION_LIFETIME_HOURS must be a number of hours above 0, not “%(value)s”.",
               value=value)
        )
    return hours


def _instance_folder(value: str | None) -> Path:
    """The instance folder, made if missing. Raises ConfigError naming it."""
    instance = Path(value or PROJECT_ROOT / "instance").resolve()
    try:
        instance.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            _l("The instance folder %(path)s (INSTANCE_PATH) cannot be created: %(reason)s",
               path=instance, reason=_reason(exc))
        ) from None
    return instance


@dataclass(frozen=True)
class Settings:
    """Everything the app needs to know about where it runs.

    Tests build one directly; ``from_env`` builds it for ``make run`` and ``survey-app``.
    """

    instance_path: Path
    secret_key: str
    database_url: str
    base_url: str = "http://127.0.0.1:5000"
    redis_url: str | None = None
    trust_proxy: bool = False
    session_cookie_secure: bool = False
    max_upload_mb: int = 10
    login_limit: str = "5 per minute;20 per hour"
    testing: bool = False
    surveys_path: Path = PROJECT_ROOT / "surveys"
    #: Breakdowns of anonymous answers with fewer respondents than this are hidden.
    min_group_size: int = 5
    #: Poll submissions per link from one address (Flask-Limiter syntax). Generous: a whole
    #: shift behind one factory Wi-Fi may answer in the minutes after the bell.
    poll_post_limit: str = "600 per 10 minutes"
    #: How long a process reuses what it read of a poll link (closing a link, or a new
    #: survey version, reaches the other processes within this time). 0: read every time.
    poll_link_cache_seconds: float = 2.0
    #: A good health check is reused this long (per process) before writing again.
    healthz_reuse_seconds: float = 1.0
    #: A sign-in ends this long after it was made, however much it is used (auth/sessions.py).
    session_lifetime_hours: float = 12.0

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        instance = _instance_folder(env.get("INSTANCE_PATH"))
        secret = env.get("SECRET_KEY") or _read_or_create_secret(instance / "secret_key")
        database_url = env.get("DATABASE_URL") or sqlite_url(instance / "survey_app.sqlite3")
        return cls(
            instance_path=instance,
            secret_key=secret,
            database_url=database_url,
            base_url=(env.get("BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
            redis_url=env.get("REDIS_URL") or None,
            trust_proxy=_flag(env.get("TRUST_PROXY")),
            session_cookie_secure=_flag(env.get("SESSION_COOKIE_SECURE")),
            max_upload_mb=int(env.get("MAX_UPLOAD_MB") or 10),
            login_limit=env.get("LOGIN_LIMIT") or "5 per minute;20 per hour",
            min_group_size=int(env.get("MIN_GROUP_SIZE") or 5),
            poll_post_limit=env.get("POLL_POST_LIMIT") or cls.poll_post_limit,
            poll_link_cache_seconds=float(env.get("POLL_LINK_CACHE_SECONDS") or 2.0),
            session_lifetime_hours=_lifetime_hours(env.get("SESSION_LIFETIME_HOURS"), 12.0),
            surveys_path=Path(env.get("SURVEYS_PATH") or PROJECT_ROOT / "surveys").resolve(),
        )

    def flask_config(self) -> dict:
        """The Flask/extension configuration keys derived from these settings."""
        return {
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
            "BASE_URL": self.base_url,
            "TESTING": self.testing,
            "MAX_CONTENT_LENGTH": self.max_upload_mb * 1024 * 1024,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.session_cookie_secure,
            # Flask refuses a session cookie signed longer ago than this; auth/sessions.py
            # also ends a sign-in this old, however recently its cookie was signed again.
            "PERMANENT_SESSION_LIFETIME": timedelta(hours=self.session_lifetime_hours),
            "REMEMBER_COOKIE_DURATION": timedelta(hours=self.session_lifetime_hours),
            "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SAMESITE": "Lax",
            "BABEL_DEFAULT_LOCALE": "vi",
            "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
            "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "survey_app" / "translations"),
            # sweptmemory: limits' memory storage without its timer threads (ratelimit.py).
            "RATELIMIT_STORAGE_URI": self.redis_url or "sweptmemory://",
            # Redis down: keep counting in each process rather than answer every POST with 500.
            "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": bool(self.redis_url),
            "RATELIMIT_HEADERS_ENABLED": False,
            "LOGIN_LIMIT": self.login_limit,
            "WTF_CSRF_TIME_LIMIT": 8 * 3600,
            "TRUST_PROXY": self.trust_proxy,
            "SURVEYS_PATH": self.surveys_path,
            "CAMPAIGNS_PATH": self.surveys_path / "campaigns",
            "MIN_GROUP_SIZE": self.min_group_size,
            "POLL_POST_LIMIT": self.poll_post_limit,
            "POLL_LINK_CACHE_SECONDS": self.poll_link_cache_seconds,
            "COMPRESS_ALGORITHM": ["br", "gzip"],
            # /healthz writes at most this often per process; in between it reuses the answer.
            "HEALTHZ_REUSE_SECONDS": self.healthz_reuse_seconds,
        }


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"
