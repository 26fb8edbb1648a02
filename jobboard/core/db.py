"""Database conventions shared by every feature: UTC datetimes, timestamps, constrained enums,
and the SQLite connection settings.

Datetime columns are declared as ``Mapped[datetime]``; the registry maps that annotation to
``UTCDateTime``, which stores UTC and always hands back timezone-aware values, on SQLite as on
PostgreSQL (SQLite would otherwise return naive datetimes).
"""

from __future__ import annotations

import enum
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any, Iterator

from sqlalchemy import DateTime, Enum, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from jobboard.extensions import db


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


db.Model.registry.update_type_annotation_map({datetime: UTCDateTime})


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
    sqlite3 module, which otherwise breaks SAVEPOINT (SQLAlchemy's documented recipe)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if WRITE_LOCK.get() else "BEGIN")


# Set for work that checks then writes (booking a slot): on SQLite its transaction starts with
# BEGIN IMMEDIATE, taking the write lock before the first read, so two such transactions run
# one after the other instead of both reading the same state. PostgreSQL uses row locks instead.
WRITE_LOCK: ContextVar[bool] = ContextVar("sqlite_write_lock", default=False)


@contextmanager
def write_lock() -> Iterator[None]:
    token = WRITE_LOCK.set(True)
    try:
        yield
    finally:
        WRITE_LOCK.reset(token)
