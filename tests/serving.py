"""The app served on a real port from a database of its own, for tests that need what the
rolled-back transaction per test cannot give: requests in parallel threads, each with its own
session and connection, on committed data (races, bursts of writers, browser journeys).

- ``own_database(kind, folder)``: a fresh SQLite file or PostgreSQL database, dropped afterwards.
- ``migrated_app(url, root, **config)``: the app on it with the testing settings, its files under
  ``root``, migrated and with the vocabularies loaded.
- ``serve(app, port)``: werkzeug's threaded server on loopback in a daemon thread, as ``flask run``.
- ``rate_limits_off()``: the Limiter is one object shared by every app in the process, so an app
  created with ``RATELIMIT_ENABLED=False`` would switch it off for all of them; ``migrated_app``
  puts it back, and a test that needs the limits off says so for its own duration.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import flask_migrate
from flask import Flask
from werkzeug.serving import make_server

from jobboard import create_app
from jobboard.extensions import db, limiter
from jobboard.vocab.seed import load_vocabularies
from tests.conftest import create_postgres_database, drop_postgres_database, testing_config


@contextmanager
def own_database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'jobboard.db'}"
        return
    url = create_postgres_database()
    try:
        yield url
    finally:
        drop_postgres_database(url)


def migrated_app(database_url: str, root: Path, **config: object) -> Flask:
    previous_instance = os.environ.get("JOBBOARD_INSTANCE_PATH")
    previous_limits = limiter.enabled
    os.environ["JOBBOARD_INSTANCE_PATH"] = str(root / "instance")
    try:
        app = create_app({
            **testing_config(database_url, root),
            "UPLOAD_DIR": str(root / "uploads"),
            "SEARCH_INDEX_DIR": str(root / "search-index"),
            **config,
        })
    finally:
        if previous_instance is None:
            os.environ.pop("JOBBOARD_INSTANCE_PATH", None)
        else:
            os.environ["JOBBOARD_INSTANCE_PATH"] = previous_instance
        limiter.enabled = previous_limits
    with app.app_context():
        flask_migrate.upgrade()
        load_vocabularies()
        db.session.commit()
        db.session.remove()
    return app


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(app: Flask, port: int) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1:``port`` (one thread per request) until the block ends; yields
    the base URL."""
    werkzeug_log = logging.getLogger("werkzeug")
    werkzeug_level = werkzeug_log.level
    werkzeug_log.setLevel(logging.WARNING)  # not a line per request in the test report
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=f"served-app-{port}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        werkzeug_log.setLevel(werkzeug_level)


@contextmanager
def rate_limits_off() -> Iterator[None]:
    previous = limiter.enabled
    limiter.enabled = False
    try:
        yield
    finally:
        limiter.enabled = previous
