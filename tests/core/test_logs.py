"""Log lines: JSON in production, each with its request's id, carried into the outbox messages the
request queues and the worker's lines about them; one access line a request."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from jobboard.core import outbox
from jobboard.core.logs import JsonFormatter, RequestIdFilter
from jobboard.core.outbox import OutboxMessage
from jobboard.extensions import db


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What the ``jobboard`` loggers write, as production's handler formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("jobboard")
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_each_request_is_logged_once_as_json_under_its_id(client, db_session, json_lines):
    response = client.get("/en/account/login?next=%2Fjobs")
    given = client.get("/healthz", headers={"X-Request-ID": "proxy-7f3a9c21"})
    hostile = client.get("/healthz", headers={"X-Request-ID": "a b; forged=1"})
    client.get("/account/reset-password/secret-token-value")

    assert given.headers["X-Request-ID"] == "proxy-7f3a9c21"
    assert hostile.headers["X-Request-ID"] != "a b; forged=1" and len(hostile.headers["X-Request-ID"]) == 32
    access = [line for line in lines(json_lines) if line["logger"] == "jobboard.access"]
    assert [(line["method"], line["path"], line["status"]) for line in access] == [
        ("GET", "/account/login", 200),
        ("GET", "/healthz", 200),
        ("GET", "/healthz", 200),
        ("GET", "/account/reset-password/[token]", 400),  # a signed link's secret stays out of the log
    ]
    assert "secret-token-value" not in json_lines.getvalue()
    assert [line["request_id"] for line in access[:3]] == [
        response.headers["X-Request-ID"],
        "proxy-7f3a9c21",
        hostile.headers["X-Request-ID"],
    ]
    assert all(isinstance(line["duration_ms"], float) and line["level"] == "INFO" for line in access)


def test_an_outbox_message_carries_its_request_id_into_the_workers_lines(app, client, db_session, json_lines):
    def failing(_message: OutboxMessage) -> None:
        raise RuntimeError("downstream unavailable")

    outbox.register_handler(app, "test.logs", failing)
    try:
        with app.test_request_context("/", headers={"X-Request-ID": "click-0123456789"}):
            app.preprocess_request()
            message = outbox.enqueue("test.logs", {})
            db.session.commit()
        assert message.request_id == "click-0123456789"
        outbox.drain()
    finally:
        app.extensions["outbox_handlers"].pop("test.logs")

    failure = [line for line in lines(json_lines) if line["logger"] == "jobboard.core.outbox"]
    assert len(failure) == 1 and "downstream unavailable" in failure[0]["message"]
    assert failure[0]["request_id"] == "click-0123456789"
    assert failure[0]["level"] == "WARNING"
