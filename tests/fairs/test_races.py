"""Races (scheduling.md C1, C2, C4, C5, C7 and a race through HTTP). Real committed data in a
database of their own, and one thread per attempt with its own app context, session and
connection, all released together by a barrier. Afterwards a consistency query looks for a slot
with two confirmed bookings and for a doctor with overlapping confirmed bookings.

On PostgreSQL the row locks and constraints decide; on SQLite the write lock (BEGIN IMMEDIATE)
serialises the attempts, and an attempt that waits longer than the busy timeout may fail with
"database is locked", which is acceptable as long as nothing is double-booked. Through HTTP no
request waits that long: every POST takes the lock as its transaction begins, and each loser
gets its 409.
"""

from __future__ import annotations

import threading
import time as time_module
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from jobboard.accounts.models import User
from jobboard.core.db import write_lock
from jobboard.core.errors import Conflict, DomainError
from jobboard.core.outbox import OutboxMessage
from jobboard.extensions import db, limiter
from jobboard.fairs import interviews, notices, organising, registrations
from jobboard.fairs.models import Booking, BookingMode, BookingStatus, Fair, Slot, SlotStatus
from jobboard.mail.compose import MAIL_KIND
from tests.apps import app_on_own_database
from tests.factories import AdminFactory
from tests.fairs.conftest import consistency_problems, give_profile, make_employer, make_fair, register_employer
from tests.signing_in import sign_in
from tests.threads import run_together

DOCTORS = 50
EMPLOYERS = 20
PASSWORD_HASH = "not-a-real-hash"  # nobody signs in with a password here


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def race_app(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"race-{request.param}")
    with app_on_own_database(
        request.param,
        root,
        OUTBOX_EAGER=False,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, "pool_size": DOCTORS + 10, "max_overflow": 10},
    ) as app:
        yield app


@pytest.fixture
def race(race_app):
    """A published fair a month from now (real time: the threads share no frozen clock) with one
    open employer; its rows are committed. Cleaned up afterwards."""
    with race_app.app_context():
        limiter.reset()
        zone = ZoneInfo("Europe/London")
        day = (datetime.now(UTC) + timedelta(days=30)).date()
        fair = make_fair(
            AdminFactory(password_hash=PASSWORD_HASH),
            name=f"Race fair {time_module.time_ns()}",
            starts_on=day,
            ends_on=day,
            booking_opens_at=datetime.now(UTC) - timedelta(days=1),
            booking_closes_at=datetime.combine(day, time(9, 0), zone),
        )
        employer = make_employer()
        registration = register_employer(fair, employer, tables=("Table 1", "Table 2"), mode=BookingMode.OPEN)
        for table in registration.tables:
            registrations.generate_slots(
                table,
                employer.recruiter,
                day=day,
                start=time(10, 0),
                end=time(12, 0),
                minutes=20,
                breaks=[],
                posting=None,
                video_link=None,
            )
        db.session.commit()
        world = SimpleNamespace(
            fair_id=fair.id,
            day=day,
            org_id=employer.org.id,
            recruiter_id=employer.recruiter.id,
            slot_ids=[
                s.id
                for s in db.session.scalars(
                    select(Slot).where(Slot.fair_id == fair.id).order_by(Slot.starts_at, Slot.table_id)
                )
            ],
            dialect=db.engine.dialect.name,
        )
        db.session.remove()
    yield world
    with race_app.app_context():
        db.session.execute(text("DELETE FROM outbox"))
        db.session.execute(text("DELETE FROM bookings"))
        db.session.commit()
        db.session.remove()


def make_doctors(app, count: int) -> list[int]:
    from tests.factories import DoctorFactory

    with app.app_context():
        doctors = [DoctorFactory(password_hash=PASSWORD_HASH) for _ in range(count)]
        for doctor in doctors:
            give_profile(doctor)
        db.session.commit()
        ids = [d.id for d in doctors]
        db.session.remove()
    return ids


def attempt_in_app(app, attempt, *, dialect: str, prepare=None):
    """A racer for ``run_together``: in its own app context (and, on PostgreSQL, holding a
    connection, so that all start at once) it runs ``prepare()`` if given, waits at the start
    line, then runs ``attempt()`` under the write lock and commits; (outcome, message)."""

    def racer(start) -> tuple[str, object]:
        with app.app_context():
            try:
                if prepare is not None:
                    prepare()
                if dialect == "postgresql":
                    db.session.execute(text("SELECT 1"))
                start()
                with write_lock():
                    message = attempt()
                    db.session.commit()
                return ("ok", message or "")
            except Conflict as error:
                db.session.rollback()
                return ("conflict", error.message)
            except OperationalError as error:
                db.session.rollback()
                return ("locked" if "locked" in str(error.orig) else "operational", str(error.orig))
            except Exception as error:  # noqa: BLE001 - reported by the test
                db.session.rollback()
                return ("error", repr(error))
            finally:
                db.session.remove()

    return racer


def race_in_app(app, attempts, *, dialect: str) -> list[tuple[str, object]]:
    """Every attempt (a function of no arguments that works on ``db.session``) released at once;
    (outcome, message) per attempt."""
    return run_together([attempt_in_app(app, attempt, dialect=dialect) for attempt in attempts], timeout=240)


def while_held(app, hold, load, write) -> DomainError | None:
    """A deterministic interleaving on PostgreSQL. In one thread ``hold()`` writes (taking row
    locks) and flushes without committing. In another, ``load()`` then reads what the other
    request needs, and ``write(loaded)`` makes its change, which has to wait for those locks; half
    a second after it starts, the holder commits. Returns the error the waiting write was refused
    with, or None when it went through and committed."""
    held, started = threading.Event(), threading.Event()

    def holder(start) -> None:
        start()
        with app.app_context():
            try:
                hold()
                db.session.flush()
                held.set()
                started.wait(10)
                time_module.sleep(0.5)  # let the other reach the lock and wait on it
                db.session.commit()
            finally:
                db.session.remove()

    def waiter(start) -> DomainError | None:
        start()
        with app.app_context():
            try:
                held.wait(10)
                loaded = load()
                started.set()
                write(loaded)
                db.session.commit()
                return None
            except DomainError as error:
                return error
            finally:
                db.session.remove()

    return run_together([holder, waiter], timeout=30)[1]


def check_outcomes(results, *, dialect: str, loser_message: str) -> None:
    outcomes = Counter(outcome for outcome, _ in results)
    assert outcomes["ok"] == 1, results
    assert outcomes["error"] == outcomes["operational"] == 0, results
    if dialect == "postgresql":
        assert outcomes["conflict"] == len(results) - 1, results
    else:
        assert outcomes["conflict"] + outcomes["locked"] == len(results) - 1, results
    for outcome, message in results:
        if outcome == "conflict":
            assert loser_message in message, message


def assert_consistent(app) -> None:
    with app.app_context():
        assert consistency_problems(db.session) == {"double_slots": [], "overlaps": []}
        db.session.remove()


def book_attempt(doctor_id: int, slot_id: int):
    def attempt():
        doctor = db.session.get(User, doctor_id)
        return interviews.book(doctor, slot_id, doctor).uid

    return attempt


# --- C1: many doctors, one slot --------------------------------------------------------------------


def test_c1_fifty_doctors_race_for_one_slot_and_exactly_one_wins(race_app, race):
    doctors = make_doctors(race_app, DOCTORS)
    slot_id = race.slot_ids[0]

    results = race_in_app(race_app, [book_attempt(d, slot_id) for d in doctors], dialect=race.dialect)

    check_outcomes(results, dialect=race.dialect, loser_message="This slot was just taken. Choose another one.")
    assert_consistent(race_app)
    with race_app.app_context():
        bookings = list(db.session.scalars(select(Booking).where(Booking.slot_id == slot_id)))
        assert len(bookings) == 1 and bookings[0].status == BookingStatus.CONFIRMED
        # Only the winner's side effects were committed: one confirmation mail and its two reminders.
        mails = [
            m
            for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == MAIL_KIND))
            if m.payload["subject"].endswith(" is booked")
        ]
        assert len(mails) == 1
        assert mails[0].payload["to"] == db.session.get(User, bookings[0].doctor_id).email
        assert mails[0].payload["attachments"][0]["content_type"].startswith("text/calendar; method=REQUEST")
        assert (
            db.session.scalar(
                select(db.func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == notices.REMINDER)
            )
            == 2
        )
        db.session.remove()


# --- C2: one doctor, twenty overlapping slots at twenty employers --------------------------------------


def test_c2_one_doctor_races_for_overlapping_slots_at_twenty_employers(race_app, race):
    [doctor_id] = make_doctors(race_app, 1)
    slot_ids = []
    with race_app.app_context():
        fair = db.session.get(Fair, race.fair_id)
        for i in range(EMPLOYERS):
            employer = make_employer()
            registration = register_employer(fair, employer, mode=BookingMode.OPEN)
            start = time(10, 5 * (i % 4))  # 10:00, 10:05, 10:10 or 10:15 …
            length = 20 + 5 * (i % 3)  # … for 20, 25 or 30 minutes: every pair overlaps
            end_minutes = 10 * 60 + 5 * (i % 4) + length
            registrations.generate_slots(
                registration.tables[0],
                employer.recruiter,
                day=race.day,
                start=start,
                end=time(end_minutes // 60, end_minutes % 60),
                minutes=length,
                breaks=[],
                posting=None,
                video_link=None,
            )
            db.session.flush()
            slot_ids.append(db.session.scalar(select(Slot.id).where(Slot.org_id == employer.org.id)))
        db.session.commit()
        db.session.remove()

    results = race_in_app(race_app, [book_attempt(doctor_id, s) for s in slot_ids], dialect=race.dialect)

    check_outcomes(results, dialect=race.dialect, loser_message="at that time")
    for outcome, message in results:
        if outcome == "conflict":
            assert message.startswith("You already have an interview with ")
    assert_consistent(race_app)
    with race_app.app_context():
        assert (
            db.session.scalar(
                select(db.func.count())
                .select_from(Booking)
                .where(Booking.doctor_id == doctor_id, Booking.status == BookingStatus.CONFIRMED)
            )
            == 1
        )
        db.session.remove()


# --- C4, C5: reschedule races -------------------------------------------------------------------------


def _book_now(app, doctor_id: int, slot_id: int) -> int:
    with app.app_context():
        with write_lock():
            doctor = db.session.get(User, doctor_id)
            booking = interviews.book(doctor, slot_id, doctor)
            db.session.commit()
            booking_id = booking.id
        db.session.remove()
    return booking_id


def _reschedule_with_stale_view(booking_id: int, slot_id: int, actor_id: int):
    """A reschedule by a request that loaded the booking before the other racer committed."""

    def attempt():
        booking = db.session.get(Booking, booking_id)
        actor = db.session.get(User, actor_id)
        interviews.reschedule(booking, slot_id, actor)
        return f"moved to {slot_id}"

    return attempt


@pytest.mark.parametrize("repeat", range(3))
def test_c4_a_reschedule_races_another_doctor_booking_the_target_slot(race_app, race, repeat):
    mover, rival = make_doctors(race_app, 2)
    slot_a, slot_b = race.slot_ids[0], race.slot_ids[4]
    booking_id = _book_now(race_app, mover, slot_a)

    results = race_in_app(
        race_app,
        [_reschedule_with_stale_view(booking_id, slot_b, mover), book_attempt(rival, slot_b)],
        dialect=race.dialect,
    )

    outcomes = [outcome for outcome, _ in results]
    assert sorted(outcomes) in (["conflict", "ok"], ["locked", "ok"]), results
    assert_consistent(race_app)
    with race_app.app_context():
        booking = db.session.get(Booking, booking_id)
        holder = db.session.scalar(
            select(Booking).where(Booking.slot_id == slot_b, Booking.status == BookingStatus.CONFIRMED)
        )
        if outcomes[0] == "ok":  # the mover got B
            assert (booking.slot_id, booking.sequence) == (slot_b, 1) and holder.id == booking_id
        else:  # the rival got B; the mover's booking is untouched at A and nothing was mailed about a move
            assert (booking.slot_id, booking.sequence, booking.status) == (slot_a, 0, BookingStatus.CONFIRMED)
            assert holder.doctor_id == rival
            assert not [
                m
                for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == MAIL_KIND))
                if m.payload["subject"].endswith(" has moved")
            ]
        db.session.remove()


@pytest.mark.parametrize("repeat", range(3))
def test_c5_two_concurrent_reschedules_of_one_booking_apply_once(race_app, race, repeat):
    [doctor] = make_doctors(race_app, 1)
    slot_a, slot_b, slot_c = race.slot_ids[0], race.slot_ids[4], race.slot_ids[6]
    booking_id = _book_now(race_app, doctor, slot_a)

    def stale_reschedule(target: int):
        """Both requests read the booking (sequence 0) before either commits; then each tries to
        move it, under the write lock on SQLite."""
        read = {}

        def prepare() -> None:
            read["booking"], read["doctor"] = db.session.get(Booking, booking_id), db.session.get(User, doctor)
            assert read["booking"].sequence == 0
            db.session.expunge_all()
            db.session.rollback()

        def attempt() -> int:
            db.session.add(read["booking"])
            db.session.add(read["doctor"])
            interviews.reschedule(read["booking"], target, read["doctor"])
            return target

        return attempt_in_app(race_app, attempt, dialect=race.dialect, prepare=prepare)

    results = run_together([stale_reschedule(slot_b), stale_reschedule(slot_c)], timeout=60)

    outcomes = sorted(outcome for outcome, _ in results)
    assert outcomes in (["conflict", "ok"], ["locked", "ok"]), results
    for outcome, message in results:
        if outcome == "conflict":
            assert message == "This booking has just changed. Reload the page."
    [winner] = [target for outcome, target in results if outcome == "ok"]
    assert_consistent(race_app)
    with race_app.app_context():
        booking = db.session.get(Booking, booking_id)
        assert (booking.slot_id, booking.sequence, booking.status) == (winner, 1, BookingStatus.CONFIRMED)
        assert (
            db.session.scalar(
                select(db.func.count())
                .select_from(Booking)
                .where(Booking.doctor_id == doctor, Booking.status == BookingStatus.CONFIRMED)
            )
            == 1
        )
        db.session.remove()


# --- C7: blocking a slot while a doctor books it ------------------------------------------------------------


@pytest.mark.parametrize("repeat", range(3))
def test_c7_blocking_and_booking_one_slot_never_leaves_a_booking_on_a_blocked_slot(race_app, race, repeat):
    [doctor] = make_doctors(race_app, 1)
    slot_id = race.slot_ids[2]

    def block():
        slot = db.session.get(Slot, slot_id)
        registrations.set_slot_blocked(slot, db.session.get(User, race.recruiter_id), True)
        return "blocked"

    results = race_in_app(race_app, [block, book_attempt(doctor, slot_id)], dialect=race.dialect)

    with race_app.app_context():
        slot = db.session.get(Slot, slot_id)
        booked = db.session.scalar(
            select(Booking).where(Booking.slot_id == slot_id, Booking.status == BookingStatus.CONFIRMED)
        )
        assert not (slot.status == SlotStatus.BLOCKED and booked is not None), results
        assert [o for o, _ in results].count("ok") == 1, results
        db.session.remove()


def test_c7_a_booking_waiting_on_the_slot_lock_sees_the_block_committed_before_it(race_app, race):
    """Deterministic interleaving on PostgreSQL: the employer's transaction holds the slot row
    (FOR UPDATE) and blocks it; the doctor's booking, which has already read the slot, waits for
    the lock; once the block commits, the booking must see it and be refused."""
    if race.dialect != "postgresql":
        pytest.skip("row locks: PostgreSQL only (SQLite runs the whole transaction under the write lock)")
    [doctor] = make_doctors(race_app, 1)
    slot_id = race.slot_ids[3]

    def block() -> None:
        slot = db.session.scalar(select(Slot).where(Slot.id == slot_id).with_for_update())
        slot.status = SlotStatus.BLOCKED

    refused = while_held(
        race_app,
        block,
        load=lambda: db.session.get(User, doctor),
        write=lambda doctor_user: interviews.book(doctor_user, slot_id, doctor_user),
    )

    assert isinstance(refused, Conflict) and refused.message == "This slot is not available.", refused


def test_a_fair_cancelled_while_a_booking_waits_refuses_the_booking(race_app, race):
    """C6 on PostgreSQL: the admin's cancel holds the fair row (FOR UPDATE); a booking request
    that has already loaded the fair waits on FOR SHARE, then must see the cancellation."""
    if race.dialect != "postgresql":
        pytest.skip("row locks: PostgreSQL only")
    [doctor] = make_doctors(race_app, 1)
    slot_id = race.slot_ids[5]

    def cancel() -> None:
        fair = db.session.get(Fair, race.fair_id)
        organising.cancel_fair(AdminFactory(password_hash=PASSWORD_HASH), fair, "The venue flooded.")

    def load() -> tuple[User, Fair]:
        # As the booking view does (public_fair), and keeps it: the session holds it weakly.
        fair_seen = db.session.get(Fair, race.fair_id)
        assert fair_seen.status.value == "published"
        return db.session.get(User, doctor), fair_seen

    def book(loaded: tuple[User, Fair]) -> None:
        doctor_user, _fair_seen = loaded
        interviews.book(doctor_user, slot_id, doctor_user)

    refused = while_held(race_app, cancel, load, book)

    assert refused is not None and (refused.status_code, refused.message) == (410, "This fair is cancelled.")
    with race_app.app_context():
        assert (
            db.session.scalar(
                select(db.func.count())
                .select_from(Booking)
                .where(Booking.fair_id == race.fair_id, Booking.status == BookingStatus.CONFIRMED)
            )
            == 0
        )
        db.session.remove()


# --- through HTTP: every POST takes the write lock, the losers get 409 -------------------------------------


def test_http_race_many_doctors_one_slot(race_app, race):
    doctors = make_doctors(race_app, 30)
    slot_id = race.slot_ids[1]
    with race_app.app_context():
        slug = db.session.get(Fair, race.fair_id).slug
        users = [db.session.get(User, d) for d in doctors]
        db.session.remove()  # loaded: enough for their session ids

    def doctor_books(user: User):
        def racer(start) -> tuple[int, str]:
            client = race_app.test_client()
            sign_in(client, user)
            start()
            response = client.post(f"/fairs/{slug}/slots/{slot_id}/book", headers={"HX-Request": "true"})
            return (response.status_code, response.get_data(as_text=True))

        return racer

    responses = run_together([doctor_books(user) for user in users], timeout=240)

    statuses = Counter(status for status, _ in responses)
    assert statuses == {200: 1, 409: len(doctors) - 1}, statuses
    for status, body in responses:
        if status == 409:
            assert "This slot was just taken. Choose another one." in body
    assert_consistent(race_app)
    with race_app.app_context():
        assert (
            db.session.scalar(
                select(db.func.count())
                .select_from(Booking)
                .where(Booking.slot_id == slot_id, Booking.status == BookingStatus.CONFIRMED)
            )
            == 1
        )
        db.session.remove()


def test_two_concurrent_cancellations_of_one_booking_cancel_and_mail_once(race_app, race):
    """The employer cancels while the doctor does: the second must see the first (one CANCEL
    mail, SEQUENCE raised once), not overwrite it. Deterministic interleaving on PostgreSQL:
    the employer's cancel has written but not committed when the doctor's starts."""
    if race.dialect != "postgresql":
        pytest.skip("row locks: PostgreSQL only")
    [doctor] = make_doctors(race_app, 1)
    booking_id = _book_now(race_app, doctor, race.slot_ids[7])

    def employer_cancels() -> None:
        booking = db.session.get(Booking, booking_id)
        interviews.cancel(booking, db.session.get(User, race.recruiter_id), "Our interviewer is ill.")

    def load() -> tuple[Booking, User]:
        return db.session.get(Booking, booking_id), db.session.get(User, doctor)

    def doctor_cancels(loaded: tuple[Booking, User]) -> None:
        booking, doctor_user = loaded
        interviews.cancel(booking, doctor_user)

    refused = while_held(race_app, employer_cancels, load, doctor_cancels)

    assert isinstance(refused, Conflict) and refused.message == "This booking is already cancelled.", refused
    with race_app.app_context():
        booking = db.session.get(Booking, booking_id)
        assert (booking.status, booking.sequence, booking.cancel_message) == (
            BookingStatus.CANCELLED,
            1,
            "Our interviewer is ill.",
        )
        cancellations = [
            m
            for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == MAIL_KIND))
            if m.payload["subject"].endswith(" is cancelled")
        ]
        assert len(cancellations) == 1
        db.session.remove()
