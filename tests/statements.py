"""The SQL statements the app sends while a block runs: to count what a page costs, and to know
whether a request wrote anything at all (a refused request that sent no INSERT, UPDATE or DELETE
left every row as it was, with no need to read them all again)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from jobboard.extensions import db

_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


class Statements(list[str]):
    @property
    def wrote(self) -> bool:
        return any(_WRITE.match(statement) for statement in self)


@contextmanager
def recorded_statements() -> Iterator[Statements]:
    seen = Statements()

    def record(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
