"""The transactional outbox: delivery once, transactions, retries with back-off, dead messages,
leases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from jobboard.core.outbox import (
    OutboxMessage,
    OutboxStatus,
    drain,
    enqueue,
    prune_delivered,
    register_handler,
    retry_dead,
)
from jobboard.extensions import db

KIND = "test.outbox"
START = datetime(2031, 3, 4, 12, 0, 0, tzinfo=UTC)


class Recorder:
    """A handler for the test kind that remembers what it was given and fails on demand."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, dict[str, Any]]] = []
        self.fail = False

    def __call__(self, message: OutboxMessage) -> None:
        self.calls.append((message.id, dict(message.payload)))
        if self.fail:
            raise RuntimeError("downstream unavailable")


@pytest.fixture
def recorder(app, db_session):
    handler = Recorder()
    register_handler(app, KIND, handler)
    yield handler
    app.extensions["outbox_handlers"].pop(KIND, None)


def _row(message_id: int) -> OutboxMessage:
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message_id)
    assert message is not None
    return message


def _queued(payload: dict[str, Any] | None = None) -> int:
    message = enqueue(KIND, payload or {"n": 1})
    db.session.commit()
    return message.id


def test_enqueued_message_is_delivered_once(recorder):
    message_id = _queued({"n": 1})
    assert recorder.calls == []  # nothing happens before the drain

    stats = drain()

    assert (stats.delivered, stats.failed, stats.dead) == (1, 0, 0)
    assert recorder.calls == [(message_id, {"n": 1})]
    row = _row(message_id)
    assert row.status == OutboxStatus.DONE
    assert row.processed_at is not None
    assert row.claimed_until is None
    assert row.attempts == 0

    again = drain()
    assert again.handled == 0
    assert recorder.calls == [(message_id, {"n": 1})]


def test_rolled_back_transaction_leaves_no_outbox_row(recorder):
    enqueue(KIND, {"n": 2})
    db.session.rollback()

    assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == KIND)) == 0
    assert drain().handled == 0
    assert recorder.calls == []


def test_failing_handler_is_retried_after_the_backoff(recorder, time_machine):
    time_machine.move_to(START, tick=False)
    recorder.fail = True
    message_id = _queued()

    stats = drain()

    assert (stats.delivered, stats.failed, stats.dead) == (0, 1, 0)
    assert stats.errors == ["RuntimeError: downstream unavailable"]
    row = _row(message_id)
    assert row.status == OutboxStatus.PENDING
    assert row.attempts == 1
    assert row.last_error == "RuntimeError: downstream unavailable"
    assert row.next_attempt_at == START + timedelta(seconds=30)
    assert row.claimed_until is None
    assert len(recorder.calls) == 1

    # Not before its time...
    time_machine.move_to(START + timedelta(seconds=29), tick=False)
    assert drain().handled == 0
    assert len(recorder.calls) == 1

    # ...and again once it is due; the back-off doubles.
    time_machine.move_to(START + timedelta(seconds=30), tick=False)
    assert drain().failed == 1
    assert len(recorder.calls) == 2
    row = _row(message_id)
    assert row.attempts == 2
    assert row.next_attempt_at == START + timedelta(seconds=30 + 60)

    recorder.fail = False
    time_machine.move_to(START + timedelta(seconds=90), tick=False)
    assert drain().delivered == 1
    row = _row(message_id)
    assert row.status == OutboxStatus.DONE
    assert len(recorder.calls) == 3


def test_message_is_dead_after_max_attempts_and_retry_dead_requeues_it(app, recorder, time_machine, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 3)
    time_machine.move_to(START, tick=False)
    recorder.fail = True
    message_id = _queued()

    for attempt in (1, 2):
        stats = drain()
        assert (stats.failed, stats.dead) == (1, 0)
        assert _row(message_id).status == OutboxStatus.PENDING
        assert _row(message_id).attempts == attempt
        time_machine.shift(timedelta(hours=2))  # beyond any back-off

    stats = drain()
    assert (stats.failed, stats.dead) == (1, 1)
    row = _row(message_id)
    assert row.status == OutboxStatus.DEAD
    assert row.attempts == 3
    assert row.last_error == "RuntimeError: downstream unavailable"

    # A dead message is never picked up again, however long one waits.
    time_machine.shift(timedelta(days=2))
    assert drain().handled == 0
    assert len(recorder.calls) == 3

    retry_dead(message_id)
    db.session.commit()
    row = _row(message_id)
    assert row.status == OutboxStatus.PENDING
    assert row.attempts == 0

    recorder.fail = False
    assert drain().delivered == 1
    assert _row(message_id).status == OutboxStatus.DONE
    assert len(recorder.calls) == 4


def test_retry_dead_leaves_other_messages_alone(recorder):
    message_id = _queued()
    drain()
    retry_dead(message_id)
    db.session.commit()
    assert _row(message_id).status == OutboxStatus.DONE
    assert drain().handled == 0


def test_message_claimed_by_another_worker_waits_for_the_lease(recorder, time_machine):
    time_machine.move_to(START, tick=False)
    message = enqueue(KIND, {"n": 3})
    message.claimed_until = START + timedelta(minutes=5)  # another worker holds it
    db.session.commit()
    message_id = message.id

    assert drain().handled == 0
    time_machine.move_to(START + timedelta(minutes=5), tick=False)
    assert drain().handled == 0
    assert recorder.calls == []

    time_machine.move_to(START + timedelta(minutes=5, seconds=1), tick=False)
    assert drain().delivered == 1
    assert recorder.calls == [(message_id, {"n": 3})]
    assert _row(message_id).status == OutboxStatus.DONE


def test_a_drain_limited_to_kinds_of_work_leaves_the_others_queued(app, recorder):
    other = Recorder()
    register_handler(app, "other.work", other)
    try:
        ours = _queued({"n": 1})
        theirs = enqueue("other.work", {"n": 2}).id
        db.session.commit()

        assert drain(families=frozenset({"test"})).delivered == 1
        assert [call[0] for call in recorder.calls] == [ours]
        assert other.calls == [] and _row(theirs).status == OutboxStatus.PENDING

        assert drain(families=frozenset({"other"})).delivered == 1
        assert [call[0] for call in other.calls] == [theirs]
    finally:
        app.extensions["outbox_handlers"].pop("other.work", None)


def test_delivered_messages_are_deleted_after_the_retention_period(app, recorder, time_machine):
    time_machine.move_to(START, tick=False)
    old = _queued({"n": 1})
    drain()
    time_machine.move_to(START + timedelta(days=10), tick=False)
    recent = _queued({"n": 2})
    drain()
    recorder.fail = True
    failing = _queued({"n": 3})
    drain()

    time_machine.move_to(START + timedelta(days=14, minutes=1), tick=False)
    assert prune_delivered() == 1
    db.session.commit()
    remaining = set(db.session.scalars(select(OutboxMessage.id)))
    assert old not in remaining
    assert {recent, failing} <= remaining  # delivered lately, or not delivered: kept
