"""Logging: readable lines in development, one JSON object a line in production (``LOG_FORMAT``),
each carrying the id of the request it belongs to.

A request's id is the one its proxy sent (``X-Request-ID``, when it looks like an id) or a new
one; the response names it. The outbox messages a request queues carry it (``OutboxMessage.
request_id``), and the worker delivering one logs under it, so a mail that failed can be traced
to the click that caused it. Each request is logged once as it ends, as the access log, in the
same form as every other line.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request
from flask.wrappers import Response

HEADER = "X-Request-ID"
_GIVEN_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
# The request id of work done outside a request on its behalf (the worker delivering its mail).
_job_request_id: ContextVar[str | None] = ContextVar("job_request_id", default=None)
access_log = logging.getLogger("jobboard.access")


def request_id() -> str | None:
    """The id of the request (or of the request whose outbox message is being delivered)."""
    if has_request_context() and "request_id" in g:
        return str(g.request_id)
    return _job_request_id.get()


@contextmanager
def on_behalf_of(given: str | None) -> Iterator[None]:
    """Log the lines of work done for a request (an outbox delivery) under its id."""
    token = _job_request_id.set(given)
    try:
        yield
    finally:
        _job_request_id.reset(token)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id, what an access line adds,
    and the traceback of an exception."""

    EXTRA = ("method", "path", "status", "duration_ms", "remote_addr")

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        entry.update({key: getattr(record, key) for key in self.EXTRA if hasattr(record, key)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def _handler(log_format: str) -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RequestIdFilter())
    handler.set_name("jobboard")
    return handler


def _begin_request() -> None:
    given = request.headers.get(HEADER, "")
    g.request_id = given if _GIVEN_ID.fullmatch(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _logged_path() -> str:
    """The path without its secrets: a signed link's token is left out, and so is the query string
    (it may hold what a visitor typed)."""
    path = request.path
    for name, value in (request.view_args or {}).items():
        if "token" in name:
            path = path.replace(str(value), "[token]")
    return path


def _end_request(response: Response) -> Response:
    if "request_id" not in g:  # refused before the request began (a before_request answered first)
        _begin_request()
    response.headers[HEADER] = g.request_id
    path = _logged_path()
    access_log.info(
        "%s %s %s",
        request.method,
        path,
        response.status_code,
        extra={
            "method": request.method,
            "path": path,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - g.request_started) * 1000, 1),
            "remote_addr": request.remote_addr,
        },
    )
    return response


def init_app(app: Flask) -> None:
    """The ``jobboard`` loggers write through one handler in the chosen form (replacing the one an
    earlier app of the same process set up), and every request gets its id."""
    logger = logging.getLogger("jobboard")
    for old in [handler for handler in logger.handlers if handler.get_name() == "jobboard"]:
        logger.removeHandler(old)
    logger.addHandler(_handler(app.config["LOG_FORMAT"]))
    logger.setLevel(app.config["LOG_LEVEL"])
    app.before_request(_begin_request)
    app.after_request(_end_request)
