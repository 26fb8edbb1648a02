"""The one place that makes an app for tests: a database of its own (a fresh SQLite file, or a
fresh database on the PostgreSQL server), the testing settings, the migrations and the
vocabularies.

PostgreSQL is the local server, or ``TEST_DATABASE_URL``; when it cannot be reached the test is
skipped with the reason, except under ``CI=true`` where that is a failure.

- ``own_database(kind, folder)``: a database, dropped afterwards.
- ``migrated_app(url, root, **config)``: the app on it, its files under ``root``, migrated.
- ``app_on_own_database(kind, root, **config)``: both, disposed of afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient

from jobboard import create_app
from jobboard.extensions import db, limiter
from jobboard.licensing.catalogue import load_catalogue
from jobboard.vocab.seed import load_vocabularies

POSTGRES_ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _unreachable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL is required in CI and is not reachable: {reason}")
    pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL} ({reason}); these tests run on SQLite only")


def create_postgres_database() -> str:
    """A fresh, empty database on the PostgreSQL server; returns its URL. Its connections do not
    wait for each commit to reach the disk (``synchronous_commit=off``, a setting of the
    connection only): a test's data need not survive a power cut, and the suite commits often."""
    admin_url = sa.make_url(POSTGRES_ADMIN_URL)
    name = f"jobboard_test_{uuid.uuid4().hex[:12]}"
    try:
        engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        engine.dispose()
    except sa.exc.OperationalError as error:
        _unreachable(str(error.orig).strip().splitlines()[0])
    return admin_url.set(database=name, query={"options": "-c synchronous_commit=off"}).render_as_string(
        hide_password=False
    )


def drop_postgres_database(url: str) -> None:
    name = sa.make_url(url).database
    engine = sa.create_engine(sa.make_url(POSTGRES_ADMIN_URL), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    engine.dispose()


@contextmanager
def own_database(kind: str, folder: Path) -> Iterator[str]:
    """``kind`` is "sqlite" or "postgresql"; yields the database's URL."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'jobboard.db'}"
        return
    url = create_postgres_database()
    try:
        yield url
    finally:
        drop_postgres_database(url)


def config_for_testing(database_url: str, root: Path) -> dict[str, object]:
    return {
        "JOBBOARD_ENV": "testing",
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": database_url,
        "BASE_URL": "http://jobboard.test",
        "MAIL_BACKEND": "file",
        "MAIL_FILE_DIR": str(root / "mail"),
        "UPLOAD_DIR": str(root / "uploads"),
        "SEARCH_INDEX_DIR": str(root / "search-index"),
        "OUTBOX_EAGER": True,
        "WTF_CSRF_ENABLED": False,
    }


class FreshUserClient(FlaskClient):
    """A test client whose every request loads the signed-in user from its own session cookie
    and chooses its own language, as in production. The ``db_session`` fixture keeps one app
    context open for the whole test and Flask reuses it for each request, so Flask-Login's cached
    user (``g._login_user``) and Flask-Babel's locale (``g._flask_babel``) would otherwise carry
    over from one request to the next, across ``login(...)`` calls, sign-outs and between two
    clients."""

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if has_app_context():
            g.pop("_login_user", None)
            g.pop("_flask_babel", None)
        return super().open(*args, **kwargs)


def migrated_app(database_url: str, root: Path, **config: object) -> Flask:
    """The Limiter is one object shared by every app in the process: an app created with
    ``RATELIMIT_ENABLED=False`` would switch it off for all of them, so its state is put back."""
    previous_instance = os.environ.get("JOBBOARD_INSTANCE_PATH")
    previous_limits = limiter.enabled
    os.environ["JOBBOARD_INSTANCE_PATH"] = str(root / "instance")
    try:
        app = create_app({**config_for_testing(database_url, root), **config})
    finally:
        if previous_instance is None:
            os.environ.pop("JOBBOARD_INSTANCE_PATH", None)
        else:
            os.environ["JOBBOARD_INSTANCE_PATH"] = previous_instance
        limiter.enabled = previous_limits
    app.test_client_class = FreshUserClient
    with app.app_context():
        flask_migrate.upgrade()
        load_vocabularies()
        load_catalogue()
        db.session.commit()
        db.session.remove()
    return app


@contextmanager
def app_on_own_database(kind: str, root: Path, **config: object) -> Iterator[Flask]:
    with own_database(kind, root) as url:
        app = migrated_app(url, root, **config)
        try:
            yield app
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
