"""Database conventions shared by every feature: UTC datetimes, timestamps, constrained enums,
and the SQLite connection settings.

Datetime columns are declared as ``Mapped[datetime]``; the registry maps that annotation to
``UTCDateTime``, which stores UTC and always hands back timezone-aware values, on SQLite as on
PostgreSQL (SQLite would otherwise return naive datetimes).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Enum, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from jobboard.extensions import Model, db


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


Model.registry.update_type_annotation_map({datetime: UTCDateTime})


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def enum_type(enum_class: type[enum.Enum], name: str) -> Enum:
    """A string column limited to the enum's values by a CHECK constraint (on every database)."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_class),
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def configure_sqlite(engine: Engine) -> None:
    """Foreign keys on, WAL so readers don't block the writer, a busy timeout instead of an
    immediate 'database is locked', and transactions begun by SQLAlchemy rather than by the
    sqlite3 module, which otherwise breaks SAVEPOINT (SQLAlchemy's documented recipe).

    A transaction that writes must begin with the write lock (``WRITE_LOCK``): SQLite waits out
    the busy timeout only for a transaction that asks for the lock as it begins. One that began
    reading and then writes fails at once with 'database is locked' when another holds the lock,
    however long the timeout (waiting could deadlock two such readers).
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if WRITE_LOCK.get() else "BEGIN")


# How long a writer waits for the lock before 'database is locked' (answered 503 "try again").
# Each holds it briefly (no password is hashed under it), but SQLite's busy handler retries on a
# timer rather than in turn, and a burst of sign-ups saturates the CPU with their hashing, which
# slows whoever holds the lock: on two cores with development's Argon2 cost, 20 sign-ups at once
# waited up to 1.8 s for it, 40 up to 5.4 s. Well below the web server's request timeout.
BUSY_TIMEOUT_MS = 10_000

# Set for work that may write: on SQLite its transactions begin with BEGIN IMMEDIATE, taking the
# write lock before the first read, so writers run one after the other (each seeing what the one
# before committed) and wait for the lock instead of failing. Set for every request whose method
# is not GET, HEAD or OPTIONS (core.web), for the outbox drain and for periodic jobs. PostgreSQL
# ignores it: row locks and constraints do that work there.
WRITE_LOCK: ContextVar[bool] = ContextVar("sqlite_write_lock", default=False)


@contextmanager
def write_lock(taken: bool = True) -> Iterator[None]:
    token = WRITE_LOCK.set(taken)
    try:
        yield
    finally:
        WRITE_LOCK.reset(token)


@contextmanager
def read_before_writing() -> Iterator[None]:
    """Reads whose result takes long to use before the request writes (a password checked
    against its hash): they run in a transaction of their own, begun without the write lock and
    ended (rolled back) with the block, so the slow work after it does not hold up every other
    writer. What was loaded inside is expired at the end and read again, under the lock, when
    used. Inside a transaction already begun, the reads simply join it."""
    if db.session().in_transaction():
        yield
        return
    with write_lock(False):
        try:
            yield
        finally:
            db.session.rollback()
