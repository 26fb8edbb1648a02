"""Settings, read from environment variables with embedded defaults.

Every setting the app reads is declared once in ``SETTINGS``; README.md lists the same names
(a test keeps the two in step). Nothing here touches the disk or the network at import time:
``load_config`` runs inside ``create_app``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not a boolean: {raw!r}")


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    parse: Callable[[str], Any]
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "JOBBOARD_ENV",
        "development",
        str,
        "development, production or testing; production demands SECRET_KEY and secure cookies",
    ),
    Setting(
        "SECRET_KEY",
        None,
        str,
        "signs sessions and links; required in production (development keeps one in instance/secret_key)",
    ),
    Setting(
        "DATABASE_URL",
        None,
        str,
        "SQLAlchemy URL, e.g. postgresql://user:pass@host/db; default: SQLite file instance/jobboard.db",
    ),
    Setting(
        "BASE_URL",
        "http://127.0.0.1:5000",
        str,
        "public address of the site, used for links in e-mails (never the request's Host header)",
    ),
    Setting(
        "MEILI_URL",
        None,
        str,
        "Meilisearch address, e.g. http://127.0.0.1:7700; when unset the embedded engine is used",
    ),
    Setting("MEILI_MASTER_KEY", None, str, "Meilisearch API key"),
    Setting(
        "SEARCH_TIMEOUT_SECONDS", 2.0, float, "how long the site waits for Meilisearch before showing a limited search"
    ),
    Setting("SEARCH_INDEX_DIR", None, str, "the embedded engine's index folder; default instance/search-index"),
    Setting(
        "SEARCH_SINGLE_HOST",
        False,
        _bool,
        "true lets production use the embedded engine: the site and its one worker run on one machine",
    ),
    Setting("UPLOAD_DIR", None, str, "where CVs are kept, outside static/; default instance/uploads"),
    Setting("STORAGE_BACKEND", "local", str, "local (UPLOAD_DIR) or s3: where uploaded files are kept"),
    Setting("S3_BUCKET", None, str, "the bucket of uploaded files, with STORAGE_BACKEND=s3"),
    Setting("S3_ENDPOINT_URL", None, str, "an S3-compatible server's address; default Amazon S3"),
    Setting("S3_REGION", "us-east-1", str, "the bucket's region"),
    Setting("MAIL_BACKEND", "file", str, "smtp in production; file writes .eml files under MAIL_FILE_DIR"),
    Setting("MAIL_FILE_DIR", None, str, "where the file backend writes mail; default instance/mail"),
    Setting("MAIL_SERVER", "localhost", str, "SMTP host"),
    Setting("MAIL_PORT", 25, int, "SMTP port"),
    Setting("MAIL_USERNAME", None, str, "SMTP user"),
    Setting("MAIL_PASSWORD", None, str, "SMTP password"),
    Setting("MAIL_USE_TLS", False, _bool, "STARTTLS on the SMTP connection"),
    Setting("MAIL_USE_SSL", False, _bool, "SMTP over TLS from the start"),
    Setting("MAIL_DEFAULT_SENDER", "IMAP Job Board <jobs@imap.example.org>", str, "From address of every e-mail"),
    Setting(
        "PROGRAMME_START_DATE",
        date(2026, 1, 1),
        date.fromisoformat,
        "the day the programme began: its goal of 400 doctors a year (2,000 in five years) counts from here",
    ),
    Setting("DEMO_POSTINGS", 240, int, "how many postings `flask jobboard seed-demo` creates"),
    Setting(
        "CONTACT_EMAIL",
        "jobs@imap.example.org",
        str,
        "the program administrators' address, shown where people are told to contact them",
    ),
    Setting(
        "OUTBOX_EAGER",
        None,
        _bool,
        "drain the outbox right after each request; default on in development and testing, off in production",
    ),
    Setting("OUTBOX_MAX_ATTEMPTS", 10, int, "delivery attempts before an outbox message is marked dead"),
    Setting(
        "WEBHOOK_MAX_ATTEMPTS",
        12,
        int,
        "attempts to deliver a webhook message (about 5 hours of back-off) before it fails",
    ),
    Setting("OUTBOX_RETENTION_DAYS", 14, int, "days a delivered outbox message is kept before it is deleted"),
    Setting(
        "VIEW_COUNT_FLUSH_SECONDS",
        None,
        float,
        "how often a web process writes the posting views it counted; default 30, in testing 0 (only when asked)",
    ),
    Setting("VIEW_COUNT_FLUSH_VIEWS", 500, int, "views counted that make a web process write them at once"),
    Setting("LOG_FORMAT", None, str, "text or json (one object a line); default json in production, text otherwise"),
    Setting("LOG_LEVEL", "INFO", str, "the lowest level logged: DEBUG, INFO, WARNING or ERROR"),
    Setting("RATELIMIT_STORAGE_URI", "memory://", str, "Flask-Limiter storage, e.g. redis://127.0.0.1:6379/0"),
    Setting("RATELIMIT_ENABLED", True, _bool, "turn rate limits off (never in production)"),
    Setting("API_RATE_LIMIT", "600/minute", str, "requests one API key may make, in Flask-Limiter's notation"),
    Setting("PREFERRED_URL_SCHEME", "http", str, "https behind a TLS proxy"),
    Setting("PROXY_FIX_HOPS", 0, int, "number of trusted reverse proxies setting X-Forwarded-*"),
)

SETTING_NAMES = frozenset(s.name for s in SETTINGS)


def _normalise_database_url(url: str) -> str:
    # SQLAlchemy maps a bare postgresql:// to psycopg2; we ship psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _dev_secret_key(instance: Path) -> str:
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def production_problems(values: dict[str, Any], given: set[str], database_url: str) -> list[str]:
    """The development defaults that would lose or leak data in production, each naming its setting."""
    problems = []
    if database_url.startswith("sqlite"):
        problems.append("DATABASE_URL must name a PostgreSQL database (SQLite is for development)")
    if values["MAIL_BACKEND"] != "smtp":
        problems.append("MAIL_BACKEND must be smtp (the file mailbox sends nothing)")
    if not values["RATELIMIT_ENABLED"]:
        problems.append("RATELIMIT_ENABLED must stay on")
    if values["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        problems.append(
            "RATELIMIT_STORAGE_URI must name a shared store such as redis:// (memory:// counts per process)"
        )
    if "BASE_URL" not in given:
        problems.append("BASE_URL must be set to the site's public address (links in mail use it)")
    if not values["MEILI_URL"] and not values["SEARCH_SINGLE_HOST"]:
        problems.append(
            "MEILI_URL must name the Meilisearch server, or SEARCH_SINGLE_HOST=true say that the site and its "
            "worker run on one machine (the embedded engine's index is a local folder)"
        )
    return problems


def load_config(app: Flask, overrides: dict[str, Any] | None = None) -> None:
    """Fill ``app.config`` from the defaults, then the environment, then ``overrides``."""
    overrides = dict(overrides or {})
    values: dict[str, Any] = {}
    given = {name for name in overrides if name in SETTING_NAMES}
    for setting in SETTINGS:
        raw = os.environ.get(setting.name)
        if raw in (None, ""):
            values[setting.name] = setting.default
            continue
        given.add(setting.name)
        try:
            values[setting.name] = setting.parse(raw)
        except ValueError as error:
            # Name the variable: "not a boolean: 'maybe'" alone does not say which one to fix.
            raise RuntimeError(f"{setting.name} has an invalid value {raw!r}: {error}") from None
    values.update({k: v for k, v in overrides.items() if k in SETTING_NAMES})

    env = values["JOBBOARD_ENV"]
    if env not in {"development", "production", "testing"}:
        raise RuntimeError(f"JOBBOARD_ENV must be development, production or testing, not {env!r}")
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)

    if not values["SECRET_KEY"]:
        if env == "production":
            raise RuntimeError("SECRET_KEY must be set in production")
        values["SECRET_KEY"] = _dev_secret_key(instance)
    if values["OUTBOX_EAGER"] is None:
        values["OUTBOX_EAGER"] = env != "production"
    if values["STORAGE_BACKEND"] not in {"local", "s3"}:
        raise RuntimeError(f"STORAGE_BACKEND must be local or s3, not {values['STORAGE_BACKEND']!r}")
    if values["STORAGE_BACKEND"] == "s3" and not values["S3_BUCKET"]:
        raise RuntimeError("S3_BUCKET must name the bucket when STORAGE_BACKEND is s3")
    if values["LOG_FORMAT"] is None:
        values["LOG_FORMAT"] = "json" if env == "production" else "text"
    if values["LOG_FORMAT"] not in {"text", "json"}:
        raise RuntimeError(f"LOG_FORMAT must be text or json, not {values['LOG_FORMAT']!r}")
    if values["LOG_LEVEL"] not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise RuntimeError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {values['LOG_LEVEL']!r}")
    if values["VIEW_COUNT_FLUSH_SECONDS"] is None:
        values["VIEW_COUNT_FLUSH_SECONDS"] = 0.0 if env == "testing" else 30.0

    database_url = values["DATABASE_URL"] or f"sqlite:///{instance / 'jobboard.db'}"
    production = env == "production"
    problems = production_problems(values, given, database_url) if production else []
    if problems:
        raise RuntimeError("Refusing to start in production:\n- " + "\n- ".join(problems))
    app.config.update(
        values,
        TESTING=env == "testing",
        SQLALCHEMY_DATABASE_URI=_normalise_database_url(database_url),
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        MAIL_FILE_DIR=values["MAIL_FILE_DIR"] or str(instance / "mail"),
        SEARCH_INDEX_DIR=values["SEARCH_INDEX_DIR"] or str(instance / "search-index"),
        UPLOAD_DIR=values["UPLOAD_DIR"] or str(instance / "uploads"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=production,
        SESSION_COOKIE_NAME="__Host-session" if production else "session",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=production,
        REMEMBER_COOKIE_DURATION=60 * 60 * 24 * 30,
        WTF_CSRF_TIME_LIMIT=60 * 60 * 8,
        MAX_CONTENT_LENGTH=6 * 1024 * 1024,
        MAX_FORM_PARTS=200,
        RATELIMIT_HEADERS_ENABLED=True,
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
    )
    # Keys that are not settings (e.g. WTF_CSRF_ENABLED in a test) pass straight through.
    app.config.update({k: v for k, v in overrides.items() if k not in SETTING_NAMES})
