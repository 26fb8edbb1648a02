"""Test fixtures: the app on SQLite and on PostgreSQL (``tests.apps``), a rolled-back
transaction per test, the development mailbox (``tests.mailbox``), signing in
(``tests.signing_in``), a real SMTP server (``tests.smtp``) and the search engine.

Every test that uses the ``app`` fixture (directly or through ``client``/``db_session``) runs
once per database; a module that needs an app of its own makes it on ``database_kind`` with
``tests.apps.app_on_own_database``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import scoped_session, sessionmaker

from jobboard.extensions import db, limiter, mail
from jobboard.i18n.catalogues import compile_catalogues
from tests.apps import migrated_app, own_database
from tests.mailbox import Mailbox
from tests.signing_in import sign_in
from tests.smtp import SMTPServer


def pytest_configure(config: pytest.Config) -> None:
    """The translations compiled as ``make`` does, so a bare pytest run reads them too (once, in
    the process that starts the workers)."""
    if not hasattr(config, "workerinput"):
        compile_catalogues()


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


@pytest.fixture
def mailbox(app: Flask, db_session: scoped_session) -> Mailbox:
    box = Mailbox(Path(app.config["MAIL_FILE_DIR"]))
    box.clear()
    return box


@pytest.fixture
def login(client: FlaskClient) -> Callable[[object | None], None]:
    """``login(user)`` signs the test client in as ``user`` (``tests.signing_in.sign_in``: a fresh
    session, as after a real sign-in); ``login(None)`` signs it out."""
    return partial(sign_in, client)


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_app(app: Flask, db_session: scoped_session, monkeypatch: pytest.MonkeyPatch, smtp_server: SMTPServer) -> Flask:
    """The session's app sending over SMTP to ``smtp_server`` for this test. Flask-Mail reads its
    settings when it is initialised (``app.extensions["mail"]``) and suppresses sending when
    TESTING is on, so a fresh state is built from the patched config; monkeypatch puts the
    original config and state back."""
    for key, value in (
        ("MAIL_BACKEND", "smtp"),
        ("MAIL_SERVER", "127.0.0.1"),
        ("MAIL_PORT", smtp_server.port),
        ("MAIL_USE_TLS", False),
        ("MAIL_USE_SSL", False),
        ("MAIL_SUPPRESS_SEND", False),
    ):
        monkeypatch.setitem(app.config, key, value)
    monkeypatch.setitem(app.extensions, "mail", mail.init_mail(app.config, app.debug, app.testing))
    return app


@pytest.fixture
def fresh_search_state(app: Flask) -> Iterator[None]:
    """The search breaker and the employers' label cache live on the (session-wide) app: start
    and end the test with neither, so a tripped breaker or a stale list cannot leak between
    tests."""
    for key in ("search_breaker", "search_catalogue"):
        app.extensions.pop(key, None)
    yield
    for key in ("search_breaker", "search_catalogue"):
        app.extensions.pop(key, None)


@pytest.fixture
def search_engine(app: Flask, db_session: scoped_session, fresh_search_state: None):
    """The app's configured search engine, emptied for this test (the index outlives the
    rolled-back transaction, so each test starts from an empty one), with a fresh search state."""
    from jobboard.search.engine import get_engine

    engine = get_engine()
    engine.configure()
    engine.clear()
    engine.refresh()
    return engine
