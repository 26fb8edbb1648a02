"""The transactional outbox: side effects (mail, search index updates) are written as rows in the
caller's transaction and delivered afterwards by ``drain``, with retries, back-off and a dead state.

A feature registers a handler per kind (``register_handler(app, "mail.send", fn)``); the handler
gets the message and must be idempotent, because a crash between delivering and recording the
delivery replays it. The message id travels with the side effect (the mail's Message-ID, the
search document's version) so a replay is recognisable downstream.

Claiming uses ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers can drain at once; a
claim is a lease (``claimed_until``), so a worker killed mid-batch leaves rows that another picks
up once the lease runs out. On SQLite every transaction of a drain reads then writes, so each
takes the write lock as it begins (``core.db.write_lock``) and waits for it when a request or
another drain holds it; a delivery's handler runs under that lock.
"""

from __future__ import annotations

import enum
import logging
import traceback
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from flask_babel import pgettext
from sqlalchemy import JSON, Index, String, Text, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from jobboard.core import logs
from jobboard.core.db import enum_type, utcnow, write_lock
from jobboard.extensions import Model, db

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=1)


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    DEAD = "dead"

    @property
    def label(self) -> str:
        return {
            "pending": pgettext("outbox status", "pending"),
            "done": pgettext("outbox status", "done"),
            "dead": pgettext("outbox status", "dead"),
        }[self.value]


class OutboxMessage(Model):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[OutboxStatus] = mapped_column(enum_type(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None]
    processed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # The request that queued it (``core.logs``): its delivery is logged under the same id.
    request_id: Mapped[str | None] = mapped_column(String(64))

    @property
    def is_dead(self) -> bool:
        return self.status == OutboxStatus.DEAD


Handler = Callable[[OutboxMessage], None]


def register_handler(app: Flask, kind: str, handler: Handler) -> None:
    app.extensions.setdefault("outbox_handlers", {})[kind] = handler


def register_batch_context(app: Flask, kind: str, opener: Callable[[], AbstractContextManager[object]]) -> None:
    """``opener()`` is entered before the first message of ``kind`` in a batch and left after the
    batch: what the messages can share (one SMTP connection for a batch of mail)."""
    app.extensions.setdefault("outbox_batch_contexts", {})[kind] = opener


_TOGETHER: ContextVar[bool] = ContextVar("outbox_together", default=False)


def enqueue(kind: str, payload: dict[str, Any], *, not_before: datetime | None = None) -> OutboxMessage:
    """Add a side effect to the current transaction; it is delivered only if the transaction
    commits. The message is written at once (it has its id), unless queued ``together``."""
    message = OutboxMessage(
        kind=kind, payload=payload, next_attempt_at=not_before or utcnow(), request_id=logs.request_id()
    )
    db.session.add(message)
    if not _TOGETHER.get():
        db.session.flush()
    return message


@contextmanager
def together() -> Iterator[None]:
    """The messages enqueued inside are written in one statement as it ends (a booking's mail
    and reminders), not each in its own; their ids are known only then."""
    token = _TOGETHER.set(True)
    try:
        yield
    finally:
        _TOGETHER.reset(token)
    db.session.flush()


def backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=30 * 2 ** (attempts - 1)), MAX_BACKOFF)


@dataclass
class DrainStats:
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return self.delivered + self.failed


def family(kind: str) -> str:
    """The kind of work a message is ("mail" for "mail.send"): what a worker can be limited to."""
    return kind.partition(".")[0]


def _claim(batch_size: int, now: datetime, families: frozenset[str] | None) -> list[int]:
    due = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .order_by(OutboxMessage.id)
        .limit(batch_size)
        .with_for_update(skip_locked=True)
    )
    if families is not None:
        handlers: dict[str, Handler] = current_app.extensions.get("outbox_handlers", {})
        due = due.where(OutboxMessage.kind.in_([kind for kind in handlers if family(kind) in families]))
    ids = list(db.session.scalars(due))
    if ids:
        db.session.execute(db.update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(claimed_until=now + LEASE))
    db.session.commit()
    return ids


class _BatchContexts:
    """The batch contexts entered so far in one batch, each once; a failed entry is tried again
    by the next message of its kind."""

    def __init__(self, stack: ExitStack) -> None:
        self.stack = stack
        self.openers: dict[str, Callable[[], AbstractContextManager[object]]] = current_app.extensions.get(
            "outbox_batch_contexts", {}
        )
        self.entered: set[str] = set()

    def enter(self, kind: str) -> None:
        opener = self.openers.get(kind)
        if opener is not None and kind not in self.entered:
            self.stack.enter_context(opener())
            self.entered.add(kind)


def _deliver(message_id: int, handlers: dict[str, Handler], stats: DrainStats, contexts: _BatchContexts) -> None:
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.status != OutboxStatus.PENDING:
        db.session.rollback()
        return
    try:
        contexts.enter(message.kind)
        handler = handlers[message.kind]
        with logs.on_behalf_of(message.request_id):
            handler(message)
        message.status = OutboxStatus.DONE
        message.processed_at = utcnow()
        message.claimed_until = None
        db.session.commit()
        stats.delivered += 1
    except Exception as exc:  # noqa: BLE001 - any failure of a side effect is recorded and retried, never raised
        db.session.rollback()
        error = f"{type(exc).__name__}: {exc}"
        with logs.on_behalf_of(message.request_id):
            log.warning("outbox message %s (%s) failed: %s", message_id, message.kind, error)
            log.debug("%s", traceback.format_exc())
        _record_failure(message_id, error, stats)


def _record_failure(message_id: int, error: str, stats: DrainStats) -> None:
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        return
    message.attempts += 1
    message.last_error = error[:2000]
    message.claimed_until = None
    if message.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        message.status = OutboxStatus.DEAD
        stats.dead += 1
    else:
        message.next_attempt_at = utcnow() + backoff(message.attempts)
    stats.failed += 1
    stats.errors.append(error)
    db.session.commit()


def drain(
    *, batch_size: int = 100, max_batches: int | None = None, families: frozenset[str] | None = None
) -> DrainStats:
    """Deliver every due message, batch by batch, until none is left (or ``max_batches``); with
    ``families``, only messages of those kinds of work (``family``)."""
    handlers: dict[str, Handler] = current_app.extensions.get("outbox_handlers", {})
    stats = DrainStats()
    batches = 0
    with write_lock():
        while max_batches is None or batches < max_batches:
            ids = _claim(batch_size, utcnow(), families)
            if not ids:
                break
            batches += 1
            with ExitStack() as stack:
                contexts = _BatchContexts(stack)
                for message_id in ids:
                    _deliver(message_id, handlers, stats, contexts)
    return stats


def prune_delivered() -> int:
    """Delete the messages delivered longer ago than ``OUTBOX_RETENTION_DAYS`` (a mail's payload
    holds its text: it is kept no longer than it helps to trace a delivery)."""
    cutoff = utcnow() - timedelta(days=current_app.config["OUTBOX_RETENTION_DAYS"])
    deleted = db.session.execute(
        db.delete(OutboxMessage).where(OutboxMessage.status == OutboxStatus.DONE, OutboxMessage.processed_at < cutoff)
    )
    return int(deleted.rowcount or 0)  # type: ignore[attr-defined]


def init_app(app: Flask) -> None:
    from jobboard.core.schedule import register_periodic

    register_periodic(app, "prune-outbox", prune_delivered, timedelta(hours=1))


def retry_dead(message_id: int) -> None:
    """Put a dead message back in the queue (an admin decided the cause is fixed)."""
    message = db.session.get(OutboxMessage, message_id)
    if message is not None and message.status == OutboxStatus.DEAD:
        message.status = OutboxStatus.PENDING
        message.attempts = 0
        message.next_attempt_at = utcnow()
