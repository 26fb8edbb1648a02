"""Fault injection (issue 7): the mail server stopped, the search engine failing, the database
refusing a write midway or losing the connection before COMMIT, a locked SQLite file, and the
outbox worker killed mid-batch.

Invariant everywhere: the visitor sees the action succeed or a clear 409/503 message; nothing is
half-written; every side effect stays in the outbox and is delivered once the part is back,
exactly once as the recipient can tell (the mail's Message-ID is the outbox id; the search index
holds one document per posting, rebuilt from the database on each sync).

Faults are injected at the boundary only: a real aiosmtpd server that is stopped (``tests.smtp``),
the engine object's methods replaced by ones that raise, a trigger in the database that refuses the
insert, ``pg_terminate_backend`` from a second connection, a second SQLite connection holding
``BEGIN IMMEDIATE``, and SIGKILL for the worker process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from jobboard import ROOT
from jobboard.applications.models import Application
from jobboard.core import db as core_db
from jobboard.core import outbox
from jobboard.core.db import utcnow
from jobboard.core.outbox import OutboxMessage, OutboxStatus
from jobboard.extensions import db
from jobboard.jobs.lifecycle import SEARCH_SYNC
from jobboard.jobs.models import Posting, PostingStatus
from jobboard.mail import queue_mail
from jobboard.mail.compose import MAIL_KIND
from jobboard.search.port import EngineUnavailable
from tests.applications.conftest import complete_profile
from tests.apps import app_on_own_database
from tests.factories import DoctorFactory
from tests.jobs.helpers import make_world, submitted
from tests.security import test_authorization as authz
from tests.signing_in import sign_in
from tests.smtp import SMTPServer

# No tripped search breaker or stale label cache at the start or end of any test here.
pytestmark = pytest.mark.usefixtures("fresh_search_state")


def pending_mail() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == MAIL_KIND, OutboxMessage.status == OutboxStatus.PENDING)
            .order_by(OutboxMessage.id)
        )
    )


def make_due(ids: list[int]) -> None:
    """The back-off elapsing, without moving the clock: the rows become due now."""
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(next_attempt_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()


def message_id(outbox_id: int) -> str:
    return f"<outbox-{outbox_id}@jobboard.test>"


# --- the mail server stopped ----------------------------------------------------------------


def _apply_setup(db_session):
    from jobboard.applications.cvs import upload_cv
    from tests.security.test_authorization import pdf_bytes

    w = make_world(db_session)
    posting = submitted(w)
    from jobboard.jobs import reviewing

    reviewing.approve(posting, w.admin)
    complete_profile(w.doctor)
    cv = upload_cv(w.doctor, "cv.pdf", pdf_bytes())
    db_session.commit()
    outbox.drain()  # what the set-up queued is not this test's concern
    return w, posting, cv


def test_smtp_down_while_applying_and_inviting(smtp_app, smtp_server, client, login, db_session):
    """Apply and invite succeed while the mail server is down; the mails wait in the outbox and
    each arrives exactly once, with the outbox id as Message-ID, once the server is back."""
    w, posting, cv = _apply_setup(db_session)
    smtp_server.stop()
    before = len(smtp_server.envelopes)

    login(w.doctor)
    response = client.post(f"/jobs/{posting.id}/apply", data={"cv_id": str(cv.id), "cover_note": "Hello"})
    assert response.status_code == 302, response.status_code
    login(w.owner)
    response = client.post(
        f"/org/{w.org.slug}/members/invite", data={"email": "colleague@example.org", "role": "recruiter"}
    )
    assert response.status_code == 302, response.status_code

    waiting = pending_mail()
    assert waiting, "no mail queued"
    assert {m.payload["to"] for m in waiting} >= {"colleague@example.org"}
    assert all(m.attempts == 1 and m.last_error for m in waiting), [(m.attempts, m.last_error) for m in waiting]
    assert (
        db.session.scalar(select(func.count()).select_from(Application).where(Application.posting_id == posting.id))
        == 1
    )  # the application itself is in

    smtp_server.start()
    assert outbox.drain().handled == 0  # back up, but the retries are not due yet
    make_due([m.id for m in waiting])
    stats = outbox.drain()
    assert (stats.delivered, stats.failed) == (len(waiting), 0)
    received = smtp_server.message_ids()[before:]
    assert sorted(received) == sorted(message_id(m.id) for m in waiting)
    make_due([m.id for m in waiting])
    assert outbox.drain().handled == 0
    assert len(smtp_server.envelopes) - before == len(waiting)


def test_a_replayed_delivery_is_the_same_message_to_the_recipient(smtp_app, smtp_server, db_session):
    """A worker that crashed between sending and recording sends again: same Message-ID."""
    queued = queue_mail("doctor@example.org", "Reminder", "accounts/email_taken", language=None)
    db.session.commit()
    outbox.drain()
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == queued.id)
        .values(status=OutboxStatus.PENDING, processed_at=None)
    )
    db.session.commit()
    outbox.drain()
    ids = [i for i in smtp_server.message_ids() if i == message_id(queued.id)]
    assert ids == [message_id(queued.id)] * 2  # a client that dedupes by Message-ID shows one


# --- the search engine failing --------------------------------------------------------------


def break_engine(monkeypatch, engine) -> None:
    def unavailable(*_args, **_kwargs):
        raise EngineUnavailable("injected: the engine is down")

    for name in ("upsert", "delete", "search"):
        monkeypatch.setattr(engine, name, unavailable)


def test_search_engine_down_while_publishing_and_searching(app, client, login, db_session, search_engine, monkeypatch):
    w = make_world(db_session)
    posting = submitted(w, title="Neonatologist in the Negev")
    db_session.commit()
    outbox.drain()
    break_engine(monkeypatch, search_engine)

    login(w.admin)
    response = client.post(f"/admin/postings/{posting.id}/approve")
    assert response.status_code == 302, response.status_code
    db.session.expire_all()
    assert db.session.get(Posting, posting.id).status == PostingStatus.PUBLISHED
    syncs = list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == SEARCH_SYNC, OutboxMessage.status == OutboxStatus.PENDING)
        )
    )
    assert [s.payload["posting_id"] for s in syncs] == [posting.id]
    assert syncs[0].attempts == 1 and "injected" in syncs[0].last_error

    # Searching meanwhile: a clear notice and the database fallback, not an error.
    response = client.get("/jobs?q=neonatologist")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "temporarily limited" in body
    assert "Neonatologist in the Negev" in body

    monkeypatch.undo()  # the engine is back
    make_due([s.id for s in syncs])
    stats = outbox.drain()
    assert (stats.delivered, stats.failed) >= (1, 0)
    search_engine.refresh()
    assert posting.id in search_engine.iter_ids()
    # A replay of the same sync (a crash before it was recorded) leaves one document.
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == syncs[0].id).values(status=OutboxStatus.PENDING))
    db.session.commit()
    outbox.drain()
    search_engine.refresh()
    assert sorted(search_engine.iter_ids()).count(posting.id) == 1
    app.extensions.pop("search_breaker", None)
    found = client.get("/jobs?q=neonatologist").get_data(as_text=True)
    assert "temporarily limited" not in found
    assert f'href="/jobs/{posting.id}-' in found  # the hit, from the engine (its title is highlighted)


# --- the database refusing a write midway ---------------------------------------------------

TRIGGER_SQLITE = """
CREATE TRIGGER refuse_outbox BEFORE INSERT ON outbox
BEGIN SELECT RAISE(ABORT, 'injected: UNIQUE constraint failed'); END
"""
TRIGGER_PG = [
    """CREATE FUNCTION refuse_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'injected unique clash' USING ERRCODE = 'unique_violation'; END $$""",
    "CREATE TRIGGER refuse_outbox BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION refuse_outbox()",
]


def install_refusal(session) -> None:
    """After the application row is inserted, the outbox row (the second insert of the request)
    clashes: a trigger stands in for a unique constraint another writer won."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(sa.text(TRIGGER_SQLITE))
    else:
        for statement in TRIGGER_PG:
            session.execute(sa.text(statement))


def remove_refusal(session) -> None:
    session.execute(
        sa.text(
            "DROP TRIGGER refuse_outbox"
            if session.get_bind().dialect.name == "sqlite"
            else "DROP TRIGGER refuse_outbox ON outbox"
        )
    )


def test_a_write_refused_midway_leaves_nothing_and_a_retry_succeeds(app, client, login, db_session, mailbox):
    w, posting, cv = _apply_setup(db_session)
    mailbox.clear()
    install_refusal(db_session)
    db_session.commit()
    outbox_before = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    uploads = Path(app.config["UPLOAD_DIR"])
    files_before = set(uploads.rglob("*"))
    login(w.doctor)
    response = client.post(f"/jobs/{posting.id}/apply", data={"cv_id": str(cv.id), "cover_note": "Hello"})
    assert response.status_code == 409, response.status_code
    assert "This clashes with another change" in response.get_data(as_text=True)
    db.session.expire_all()
    assert (
        db.session.scalar(select(func.count()).select_from(Application).where(Application.posting_id == posting.id))
        == 0
    )
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == outbox_before
    assert mailbox.messages() == []
    # The CV copy written for the application is either never left behind or swept up.
    from jobboard.applications.cvs import sweep_uploads

    sweep_uploads(older_than=timedelta(0))
    assert not set(uploads.rglob("*")) - files_before

    remove_refusal(db_session)
    db_session.commit()
    response = client.post(f"/jobs/{posting.id}/apply", data={"cv_id": str(cv.id), "cover_note": "Hello"})
    assert response.status_code == 302, response.status_code
    assert (
        db.session.scalar(select(func.count()).select_from(Application).where(Application.posting_id == posting.id))
        == 1
    )
    ids = [m["Message-ID"] for m in mailbox.messages()]
    assert ids and len(ids) == len(set(ids))


# --- the connection lost before COMMIT / SQLite locked: an app that really commits -----------


@pytest.fixture(scope="module")
def committing_app(database_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app on a database of its own whose requests really commit (no test transaction around
    them), so a connection can be killed or a file locked underneath them."""
    with app_on_own_database(database_kind, tmp_path_factory.mktemp("faults")) as application:
        with application.app_context():
            application.extensions["fault_world"] = authz.build_world()
            db.session.remove()
        yield application


@dataclass
class Applicant:
    """A new doctor with a complete profile and a CV, signed in on a test client of their own,
    about to apply to tenant A's posting."""

    app: Flask
    doctor_id: int
    cv_id: int
    posting_id: int
    client: FlaskClient

    @classmethod
    def new(cls, app: Flask) -> Applicant:
        from jobboard.applications.cvs import upload_cv

        with app.app_context():
            doctor = DoctorFactory()
            complete_profile(doctor)
            cv = upload_cv(doctor, "cv.pdf", authz.pdf_bytes())
            db.session.commit()
            persona = authz.Persona(doctor.id, doctor.get_id())
            cv_id = cv.id
            db.session.remove()
        client = app.test_client()
        sign_in(client, persona)
        return cls(app, persona.id, cv_id, app.extensions["fault_world"].values["posting_id"], client)

    def apply(self):
        return self.client.post(
            f"/jobs/{self.posting_id}/apply", data={"cv_id": str(self.cv_id), "cover_note": "Hello"}
        )

    def counts(self) -> tuple[int, int]:
        """This doctor's applications to the posting, and the outbox's messages."""
        with self.app.app_context():
            applications = db.session.scalar(
                select(func.count())
                .select_from(Application)
                .where(Application.posting_id == self.posting_id, Application.doctor_id == self.doctor_id)
            )
            messages = db.session.scalar(select(func.count()).select_from(OutboxMessage))
            db.session.remove()
            return applications, messages


def assert_unavailable(response) -> None:
    assert response.status_code == 503, response.status_code
    assert response.headers["Retry-After"]
    assert "Temporarily unavailable" in response.get_data(as_text=True)


def test_connection_lost_before_commit_on_postgresql(committing_app):
    app = committing_app
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("pg_terminate_backend is PostgreSQL's; SQLite's lock is the next test")
    applicant = Applicant.new(app)
    before = applicant.counts()

    with app.app_context():
        engine = db.engine
    killer = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=sa.pool.NullPool)
    killed = []

    def kill_before_commit(connection) -> None:
        if killed:
            return
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with killer.connect() as other:
            other.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
        killed.append(pid)

    sa.event.listen(engine, "commit", kill_before_commit)
    try:
        response = applicant.apply()
    finally:
        sa.event.remove(engine, "commit", kill_before_commit)
        killer.dispose()
    assert killed, "the commit hook never ran"
    assert_unavailable(response)
    assert applicant.counts() == before  # neither the application nor its mails

    retry = applicant.apply()
    assert retry.status_code == 302, retry.status_code  # pool_pre_ping replaced the dead connection
    applications, messages = applicant.counts()
    assert applications == before[0] + 1 and messages > before[1]


@pytest.fixture
def short_busy_timeout(committing_app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Connections that give up on the lock after half a second instead of ten."""
    monkeypatch.setattr(core_db, "BUSY_TIMEOUT_MS", 500)
    with committing_app.app_context():
        db.engine.dispose()
    yield
    with committing_app.app_context():
        db.engine.dispose()  # the next test's connections wait the usual time again


def test_sqlite_locked_by_another_writer(committing_app, short_busy_timeout):
    app = committing_app
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("the file lock is SQLite's; PostgreSQL's lost connection is the test above")
    applicant = Applicant.new(app)
    before = applicant.counts()

    import sqlite3

    path = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        response = applicant.apply()
        waited = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert_unavailable(response)
    assert waited < 30
    assert applicant.counts() == before

    retry = applicant.apply()
    assert retry.status_code == 302, retry.status_code
    assert applicant.counts()[0] == before[0] + 1


# --- the worker killed mid-batch ------------------------------------------------------------

MESSAGES = 120


def _worker(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "jobboard", "worker", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_worker_killed_mid_batch_resumes_without_losses_or_visible_duplicates(database_kind, tmp_path):
    """The worker runs as its own process against a database of its own (it cannot see a test's
    rolled-back transaction), sending to a real SMTP server that takes a moment per message.
    SIGKILL lands while it is delivering. Its claims are 5-minute leases: a restarted worker
    leaves the leased rows alone (checked), so the test then makes the leases run out by setting
    ``claimed_until`` in the past, as five minutes of waiting would, and a worker delivers the
    rest. Every message arrives; only the one in flight at the kill may arrive twice, with the
    same Message-ID."""
    server = SMTPServer(delay=0.03)
    server.start()
    with app_on_own_database(database_kind, tmp_path, SECRET_KEY="worker-test", OUTBOX_EAGER=False) as app:
        env = {
            **os.environ,
            "JOBBOARD_ENV": "development",
            "JOBBOARD_INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "worker-test",
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "BASE_URL": "http://jobboard.test",
            "MAIL_BACKEND": "smtp",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(server.port),
            "MAIL_USE_TLS": "false",
            "MAIL_USE_SSL": "false",
            "OUTBOX_EAGER": "false",
            "FLASK_DEBUG": "0",
        }
        try:
            with app.app_context():
                ids = [
                    queue_mail(f"doctor{n}@example.org", f"Message {n}", "accounts/email_taken", language=None).id
                    for n in range(MESSAGES)
                ]
                db.session.commit()

            first = _worker(env, "--batch-size", "50", "--interval", "0.2")
            deadline = time.monotonic() + 60
            while len(server.envelopes) < 15 and time.monotonic() < deadline and first.poll() is None:
                time.sleep(0.01)
            assert first.poll() is None, f"the worker stopped early: {first.stdout.read()}"
            os.kill(first.pid, signal.SIGKILL)
            first.wait(10)
            time.sleep(0.3)  # a message whose DATA was complete is still being accepted
            at_kill = len(server.envelopes)
            assert 0 < at_kill < MESSAGES, at_kill

            with app.app_context():
                leased = db.session.scalars(
                    select(OutboxMessage.id).where(
                        OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.claimed_until > utcnow()
                    )
                ).all()
                db.session.remove()
            assert leased, "the killed worker held no leases"

            second = _worker(env, "--once", "--batch-size", "50")
            output, _ = second.communicate(timeout=120)
            assert second.returncode == 0, output
            after_restart = server.message_ids()[at_kill:]
            assert after_restart, "the restarted worker delivered nothing"
            assert not {message_id(i) for i in leased} & set(after_restart), (
                "a restarted worker took rows still leased to the killed one"
            )

            with app.app_context():
                db.session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_(leased))
                    .values(claimed_until=utcnow() - timedelta(seconds=1))
                )
                db.session.commit()
                db.session.remove()
            third = _worker(env, "--once", "--batch-size", "50")
            output, _ = third.communicate(timeout=120)
            assert third.returncode == 0, output

            got = server.message_ids()
            expected = {message_id(i) for i in ids}
            assert set(got) == expected, f"lost: {sorted(expected - set(got))[:5]}"
            duplicates = {m for m in got if got.count(m) > 1}
            assert len(got) - len(set(got)) <= 1, f"delivered twice: {sorted(duplicates)}"
            with app.app_context():
                statuses = db.session.execute(
                    select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
                ).all()
                db.session.remove()
            assert dict(statuses) == {OutboxStatus.DONE: MESSAGES}
        finally:
            server.stop()
