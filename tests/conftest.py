"""Test fixtures: the app on SQLite and on PostgreSQL (``tests.apps``), a rolled-back
transaction per test, the development mailbox, and helpers to sign in.

Every test that uses the ``app`` fixture (directly or through ``client``/``db_session``) runs
once per database; a module that needs an app of its own makes it on ``database_kind`` with
``tests.apps.app_on_own_database``.
"""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import scoped_session, sessionmaker

from jobboard.extensions import db, limiter, login_manager
from tests.apps import migrated_app, own_database


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def database_url(database_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with own_database(database_kind, tmp_path_factory.mktemp(database_kind)) as url:
        yield url


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    application = migrated_app(database_url, tmp_path_factory.mktemp("instance"))
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
def login(client: FlaskClient):
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
def search_engine(app: Flask, db_session: scoped_session):
    """The app's configured search engine, emptied for this test (the index outlives the
    rolled-back transaction, so each test starts from an empty one)."""
    from jobboard.search.engine import get_engine

    engine = get_engine()
    engine.configure()
    engine.clear()
    engine.refresh()
    return engine
