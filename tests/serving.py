"""An app (``tests.apps``) served on a real port, for tests that need what the rolled-back
transaction per test cannot give: requests in parallel threads, each with its own session and
connection, on committed data (races, bursts of writers, browser journeys).

- ``serve(app, port)``: werkzeug's threaded server on loopback in a daemon thread, as ``flask run``.
- ``rate_limits_off()``: the Limiter is one object shared by every app in the process, so a test
  that needs the limits off says so for its own duration.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import make_server

from jobboard.extensions import limiter


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
