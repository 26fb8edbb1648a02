"""Test fixtures: the app on SQLite and on PostgreSQL, a rolled-back transaction per test, the
development mailbox, and helpers to sign in.

Every test that uses the ``app`` fixture (directly or through ``client``/``db_session``) runs
once per database. PostgreSQL is the local server, or ``TEST_DATABASE_URL``; when it cannot be
reached those runs are skipped with the reason, except under ``CI=true`` where that is a failure.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy.orm import scoped_session, sessionmaker

from jobboard import create_app
from jobboard.extensions import db, limiter, login_manager
from jobboard.vocab.seed import load_vocabularies

POSTGRES_ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _unreachable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL is required in CI and is not reachable: {reason}")
    pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL} ({reason}); these tests run on SQLite only")


def create_postgres_database() -> str:
    """A fresh, empty database on the PostgreSQL server; returns its URL."""
    admin_url = sa.make_url(POSTGRES_ADMIN_URL)
    name = f"jobboard_test_{uuid.uuid4().hex[:12]}"
    try:
        engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        engine.dispose()
    except sa.exc.OperationalError as error:
        _unreachable(str(error.orig).strip().splitlines()[0])
    return admin_url.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    name = sa.make_url(url).database
    engine = sa.create_engine(sa.make_url(POSTGRES_ADMIN_URL), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'jobboard.db'}"
        return
    url = create_postgres_database()
    yield url
    drop_postgres_database(url)


def testing_config(database_url: str, root: Path) -> dict[str, object]:
    return {
        "JOBBOARD_ENV": "testing",
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": database_url,
        "BASE_URL": "http://jobboard.test",
        "MAIL_BACKEND": "file",
        "MAIL_FILE_DIR": str(root / "mail"),
        "OUTBOX_EAGER": True,
        "WTF_CSRF_ENABLED": False,
    }


class FreshUserClient(FlaskClient):
    """A test client whose every request loads the signed-in user from its own session cookie,
    as in production. The ``db_session`` fixture keeps one app context open for the whole test
    and Flask reuses it for each request, so Flask-Login's cached user (``g._login_user``) would
    otherwise carry over from one request to the next, across ``login(...)`` calls, sign-outs
    and between two clients."""

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if has_app_context():
            g.pop("_login_user", None)
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    root = tmp_path_factory.mktemp("instance")
    os.environ["JOBBOARD_INSTANCE_PATH"] = str(root)
    application = create_app(testing_config(database_url, root))
    application.test_client_class = FreshUserClient
    with application.app_context():
        flask_migrate.upgrade()
        load_vocabularies()
        db.session.commit()
        db.session.remove()
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def db_session(app: Flask) -> Iterator[scoped_session]:
    """Everything a test (and the requests it makes) writes happens inside one connection-level
    transaction that is rolled back at the end; code under test may commit freely."""
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        session = scoped_session(sessionmaker(bind=connection, join_transaction_mode="create_savepoint"))
        original, db.session = db.session, session
        limiter.reset()
        app.extensions["view_counter"].take()  # views counted by earlier tests, whose postings are rolled back
        try:
            yield session
        finally:
            session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture
def client(app: Flask, db_session: scoped_session) -> FlaskClient:
    return app.test_client()


class Mailbox:
    """The development mail backend's folder: each delivered message is one .eml file."""

    def __init__(self, folder: Path):
        self.folder = folder

    def clear(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for path in self.folder.glob("*.eml"):
            path.unlink()

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
            for path in sorted(self.folder.glob("*.eml"))
        ]

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages() if address in m["To"]]

    def last_to(self, address: str) -> EmailMessage:
        found = self.to(address)
        assert found, f"no mail to {address}; mailbox holds {[m['To'] for m in self.messages()]}"
        return found[-1]

    @staticmethod
    def text(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain",))
        assert part is not None
        return part.get_content()

    def link(self, message: EmailMessage, path_start: str) -> str:
        """The path (and query) of the first link in the message whose path starts with ``path_start``."""
        for url in re.findall(r"https?://\S+", self.text(message)):
            path = "/" + url.split("/", 3)[3] if url.count("/") >= 3 else "/"
            if path.startswith(path_start):
                return path
        raise AssertionError(f"no link starting with {path_start} in:\n{self.text(message)}")


@pytest.fixture
def mailbox(app: Flask, db_session: scoped_session) -> Mailbox:
    box = Mailbox(Path(app.config["MAIL_FILE_DIR"]))
    box.clear()
    return box


@pytest.fixture
def login(client: FlaskClient):  # noqa: ANN201 - returns the helper
    """``login(user)`` signs the test client in as ``user`` (a fresh session, as after a real sign-in)."""

    def sign_in(user: object) -> None:
        # The session identifier Flask-Login keeps after a real sign-in (without it, the
        # session counts as not fresh); it derives from this client's address and user agent.
        with client.application.test_request_context(environ_base=client.environ_base):
            identifier = login_manager._session_identifier_generator()
        with client.session_transaction() as session:
            session.clear()
            session["_user_id"] = user.get_id()  # type: ignore[attr-defined]
            session["_fresh"] = True
            session["_id"] = identifier

    return sign_in


@pytest.fixture
def search_engine(app: Flask, db_session: scoped_session):  # noqa: ANN201 - the app's SearchEngine
    """The app's configured search engine, emptied for this test (the index outlives the
    rolled-back transaction, so each test starts from an empty one)."""
    from jobboard.search.engine import get_engine

    engine = get_engine()
    engine.configure()
    engine.clear()
    engine.refresh()
    return engine
