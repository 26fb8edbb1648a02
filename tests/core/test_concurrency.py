"""Bursts of simultaneous requests against the app served on a real port (werkzeug's threaded
server, as ``flask run``), on a database of its own, once on SQLite and once on PostgreSQL.

Each burst starts its requests together (a barrier) from one thread per request. Every answer
must be proper: a success, or a 4xx that says what is wrong; never a 5xx (on SQLite, a writer
that could not get the write lock used to answer 503 at once). Afterwards the database must hold
what the successes claim. Rate limits are off: twenty sign-ins from one address would meet them.

Page views write nothing in the request: fifty simultaneous views of one posting all answer 200,
and the counts, written in a batch afterwards, add up. On SQLite, a page is served while another
process holds the write lock, and the worker's work (the outbox drain, periodic jobs) waits for
that process instead of failing.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import requests
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import func, select

from jobboard.accounts.models import User
from jobboard.applications.models import Application, DoctorProfile
from jobboard.core import outbox
from jobboard.core.db import utcnow
from jobboard.core.schedule import register_periodic, run_due_jobs
from jobboard.extensions import db
from jobboard.jobs import view_counts
from jobboard.jobs.models import PostingViewCount
from tests.applications.conftest import PROFILE_FORM, make_posting, ready_doctor
from tests.apps import migrated_app, own_database
from tests.factories import PASSWORD, DoctorFactory, OrganizationFactory, SiteFactory
from tests.serving import free_port, rate_limits_off, serve
from tests.threads import all_at_once, run_together

WRITERS = 20
READERS = 50
NEW_PASSWORD = "copper lantern meadow violin"
# What a 4xx page says: a field's error, the form's error, or the error page's message.
MESSAGE = re.compile(r'class="invalid-feedback"[^>]*>\s*\S|class="alert alert-danger"[^>]*>\s*\S|class="lead">\s*\S')


@dataclass
class Served:
    app: Flask
    url: str
    posting_id: int
    posting_path: str


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp(f"concurrency-{request.param}")
    with own_database(request.param, root) as url:
        app = migrated_app(url, root, RATELIMIT_ENABLED=False)
        with app.app_context():
            org = OrganizationFactory()
            posting = make_posting(org, SiteFactory(org=org), title="Emergency physician")
            db.session.commit()
            posting_id, posting_path = posting.id, f"/jobs/{posting.id}-{posting.slug}"
            db.session.remove()
        with rate_limits_off(), serve(app, free_port()) as base_url:
            yield Served(app, base_url, posting_id, posting_path)
        with app.app_context():
            db.engine.dispose()


def fire(sends: list[Callable[[], requests.Response]]) -> list[requests.Response]:
    """Run every request in a thread of its own, all released at once; a request that raises
    fails the test."""
    return all_at_once(sends, timeout=120)


def improper(answers: list[requests.Response]) -> list[str]:
    """Answers that are not proper: a 5xx, or a 4xx without a message."""
    return [
        f"{a.status_code} {a.request.method} {a.url}: {title(a)}"
        for a in answers
        if a.status_code >= 500 or (a.status_code >= 400 and not MESSAGE.search(a.text))
    ]


def title(answer: requests.Response) -> str:
    found = re.search(r"<title>(.*?)</title>", answer.text, re.S)
    return " ".join(found.group(1).split()) if found else answer.text[:200]


def check_burst(answers: list[requests.Response], location: str | re.Pattern[str]) -> None:
    """Every answer a redirect to ``location`` (or to an address the pattern matches)."""
    assert improper(answers) == []
    assert Counter(a.status_code for a in answers) == {302: len(answers)}, [title(a) for a in answers]
    if isinstance(location, str):
        assert {a.headers["Location"] for a in answers} == {location}
    else:
        assert all(location.fullmatch(a.headers["Location"]) for a in answers), [a.headers["Location"] for a in answers]


def signed_in(served: Served, email: str, password: str = PASSWORD) -> requests.Session:
    session = requests.Session()
    answer = session.post(
        f"{served.url}/account/login", data={"email": email, "password": password}, allow_redirects=False
    )
    assert answer.status_code == 302, answer.text[:300]
    return session


def make_doctors(served: Served, tag: str, *, ready: bool = False) -> list[tuple[str, int]]:
    """``WRITERS`` confirmed doctors (with a complete profile and a CV when ``ready``): (e-mail, CV id or 0)."""
    with served.app.app_context():
        made = []
        for n in range(WRITERS):
            email = f"{tag}{n}@example.org"
            if ready:
                _doctor, cv = ready_doctor(email=email)
                made.append((email, cv.id))
            else:
                DoctorFactory(email=email)
                made.append((email, 0))
        db.session.commit()
        db.session.remove()
    return made


def test_simultaneous_sign_ups_all_get_an_account(served):
    emails = [f"new{n}@example.org" for n in range(WRITERS)]

    def sign_up(email: str) -> Callable[[], requests.Response]:
        return lambda: requests.post(
            f"{served.url}/account/signup",
            allow_redirects=False,
            data={"full_name": "Noa Friedman", "email": email, "password": NEW_PASSWORD, "accept_privacy": "y"},
        )

    answers = fire([sign_up(email) for email in emails])

    check_burst(answers, "/account/check-email?reason=signup")
    with served.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.email.in_(emails))) == WRITERS
        db.session.remove()


def test_simultaneous_sign_ins_all_get_a_session(served):
    emails = [email for email, _ in make_doctors(served, "signin")]
    started = datetime.now(UTC)

    def sign_in(email: str) -> Callable[[], requests.Response]:
        return lambda: requests.post(
            f"{served.url}/account/login", allow_redirects=False, data={"email": email, "password": PASSWORD}
        )

    answers = fire([sign_in(email) for email in emails])

    check_burst(answers, "/dashboard")
    assert all("session=" in a.headers.get("Set-Cookie", "") for a in answers)
    with served.app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(User).where(User.email.in_(emails), User.last_login_at >= started)
            )
            == WRITERS
        )
        db.session.remove()


# The profile form of a complete profile, without its summary.
PROFILE = {name: value for name, value in PROFILE_FORM.items() if name != "summary"}


def test_simultaneous_profile_saves_are_all_saved(served):
    sessions = [(email, signed_in(served, email)) for email, _ in make_doctors(served, "profile")]

    def save(email: str, session: requests.Session) -> Callable[[], requests.Response]:
        return lambda: session.post(
            f"{served.url}/me/profile", allow_redirects=False, data={**PROFILE, "summary": f"The profile of {email}."}
        )

    answers = fire([save(email, session) for email, session in sessions])

    check_burst(answers, "/me/profile")
    with served.app.app_context():
        summaries = dict(
            db.session.execute(
                select(User.email, DoctorProfile.summary)
                .join(DoctorProfile, DoctorProfile.user_id == User.id)
                .where(User.email.in_([email for email, _ in sessions]))
            ).all()
        )
        assert summaries == {email: f"The profile of {email}." for email, _ in sessions}
        db.session.remove()


def test_simultaneous_applications_are_all_received(served):
    doctors = [(signed_in(served, email), cv_id) for email, cv_id in make_doctors(served, "applicant", ready=True)]

    def apply(session: requests.Session, cv_id: int) -> Callable[[], requests.Response]:
        return lambda: session.post(
            f"{served.url}/jobs/{served.posting_id}/apply",
            allow_redirects=False,
            data={"cv_id": str(cv_id), "cover_note": "I would like to join your team."},
        )

    answers = fire([apply(session, cv_id) for session, cv_id in doctors])

    check_burst(answers, re.compile(r"/me/applications\?applied=\d+"))
    with served.app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(Application).where(Application.posting_id == served.posting_id)
            )
            == WRITERS
        )
        db.session.remove()


# --- page views -----------------------------------------------------------------------------------


def stored_views(served: Served) -> int:
    with served.app.app_context():
        views = db.session.scalar(
            select(func.coalesce(func.sum(PostingViewCount.views), 0)).where(
                PostingViewCount.posting_id == served.posting_id
            )
        )
        db.session.remove()
    return views


def flushed(served: Served) -> int:
    with served.app.app_context():
        return view_counts.flush()


def test_simultaneous_views_of_one_posting_all_answer_and_are_all_counted(served):
    flushed(served)
    before = stored_views(served)

    answers = fire([lambda: requests.get(f"{served.url}{served.posting_path}", allow_redirects=False)] * READERS)

    assert Counter(a.status_code for a in answers) == {200: READERS}, [title(a) for a in answers]
    assert stored_views(served) == before  # nothing written while serving the pages
    assert flushed(served) == READERS
    assert stored_views(served) == before + READERS


def wait_for_views(served: Served, expected: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while stored_views(served) != expected:
        assert time.monotonic() < deadline, f"{stored_views(served)} views stored, not {expected}"
        time.sleep(0.05)


def new_counter(served: Served, *, every: float, batch: int) -> tuple[view_counts.ViewCounter, int]:
    """A view counter of its own, and the views stored before it counts any (what was counted
    earlier is written first)."""
    flushed(served)
    before = stored_views(served)
    return view_counts.ViewCounter(served.app, every=every, batch=batch), before


def test_counted_views_are_written_after_the_interval(served):
    counter, before = new_counter(served, every=0.2, batch=1000)

    for _ in range(3):
        counter.add(served.posting_id)

    wait_for_views(served, before + 3)


def test_counted_views_are_written_as_soon_as_enough_wait(served):
    counter, before = new_counter(served, every=3600, batch=10)

    for _ in range(9):
        counter.add(served.posting_id)
    time.sleep(0.3)
    assert stored_views(served) == before
    counter.add(served.posting_id)

    wait_for_views(served, before + 10)


# --- SQLite: reading and the worker's work while another process writes ------------------------------

KIND = "test.concurrency"


@contextmanager
def another_writer(served: Served, seconds: float) -> Iterator[None]:
    """Another process's transaction holds SQLite's write lock for ``seconds`` from the start of the block."""
    if served.app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("SQLite's write lock; PostgreSQL locks rows")
    holder = sqlite3.connect(
        sa.make_url(served.app.config["SQLALCHEMY_DATABASE_URI"]).database,
        isolation_level=None,
        check_same_thread=False,
    )
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(seconds, holder.execute, ("ROLLBACK",))
    release.start()
    try:
        yield
    finally:
        release.join()
        holder.close()


def test_a_posting_page_is_served_while_another_process_writes(served):
    with another_writer(served, 1.0):
        started = time.monotonic()
        answer = requests.get(f"{served.url}{served.posting_path}")
        waited = time.monotonic() - started

    assert answer.status_code == 200, title(answer)
    assert waited < 1.0  # served at once, not after the lock


def test_the_outbox_drain_waits_for_another_writer_instead_of_failing(served):
    delivered = []
    outbox.register_handler(served.app, KIND, lambda message: delivered.append(message.payload))
    try:
        with served.app.app_context():
            outbox.enqueue(KIND, {"n": 1})
            db.session.commit()
            with another_writer(served, 0.5):
                stats = outbox.drain()
            db.session.remove()
    finally:
        served.app.extensions["outbox_handlers"].pop(KIND)
    assert stats.failed == 0 and delivered == [{"n": 1}]


def test_a_periodic_job_waits_for_another_writer_instead_of_failing(served):
    def count_users() -> int:  # reads, then writes
        outbox.enqueue(KIND, {"users": db.session.scalar(select(func.count()).select_from(User))})
        return 1

    jobs = served.app.extensions["periodic_jobs"]
    registered = dict(jobs)
    jobs.clear()
    register_periodic(served.app, "count-users", count_users, timedelta(minutes=1))
    try:
        with served.app.app_context():
            with another_writer(served, 0.5):
                done = run_due_jobs()
            db.session.execute(sa.delete(outbox.OutboxMessage).where(outbox.OutboxMessage.kind == KIND))
            db.session.commit()
            db.session.remove()
    finally:
        jobs.clear()
        jobs.update(registered)
    assert done == {"count-users": 1}


def test_workers_running_at_once_run_a_periodic_job_once_a_period(served):
    """Claimed in the database, not remembered in a process: two workers whose turns meet run a
    due job once, and it is due again only a period later."""
    runs: list[datetime] = []

    def slow_job() -> int:
        runs.append(utcnow())
        time.sleep(0.2)  # still running when the other worker looks
        return 1

    jobs = served.app.extensions["periodic_jobs"]
    registered = dict(jobs)
    jobs.clear()
    register_periodic(served.app, "once-a-period", slow_job, timedelta(minutes=5))
    now = utcnow()

    def worker_at(moment: datetime) -> Callable[[Callable[[], None]], dict[str, int]]:
        def turn(start: Callable[[], None]) -> dict[str, int]:
            with served.app.app_context():
                start()
                try:
                    return run_due_jobs(moment)
                finally:
                    db.session.remove()

        return turn

    try:
        together = run_together([worker_at(now), worker_at(now), worker_at(now)])
        too_soon = run_together([worker_at(now + timedelta(minutes=4))])
        next_period = run_together([worker_at(now + timedelta(minutes=5)), worker_at(now + timedelta(minutes=5))])
    finally:
        jobs.clear()
        jobs.update(registered)
    assert sorted(done.get("once-a-period", 0) for done in together) == [0, 0, 1]
    assert too_soon == [{}]
    assert sorted(done.get("once-a-period", 0) for done in next_period) == [0, 1]
    assert len(runs) == 2
