"""A real SMTP server on the loopback interface (aiosmtpd) that records what it accepts, for tests
that send mail over an SMTP connection: it can be stopped and started again on the same port (a
mail server going down and coming back), and can take a moment over each message.

- ``SMTPServer(delay=0.0)``: ``start()``, ``stop()``, ``port``; what it accepted as ``envelopes``
  (aiosmtpd's, in order), ``messages()`` (parsed), ``message_ids()`` and ``connections()``.

The ``smtp_server`` and ``smtp_app`` fixtures (tests/conftest.py) start one for a test and point
the session's app at it.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


class RecordingHandler:
    """aiosmtpd's handler: accepts every message (after ``delay`` seconds) and keeps its envelope."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.lock = threading.Lock()
        self.envelopes: list[Any] = []
        self.peers: list[Any] = []  # the client's address and port of each message's connection

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.envelopes.append(envelope)
            self.peers.append(session.peer)
        return "250 Message accepted for delivery"


class SMTPServer:
    """On 127.0.0.1, on a free port it keeps across ``stop()`` and ``start()``."""

    def __init__(self, delay: float = 0.0) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.handler = RecordingHandler(delay)
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def envelopes(self) -> list[Any]:
        """What was accepted so far, in order: each has ``mail_from``, ``rcpt_tos`` and the raw
        ``original_content``."""
        with self.handler.lock:
            return list(self.handler.envelopes)

    def connections(self) -> int:
        """How many connections the accepted messages came over."""
        with self.handler.lock:
            return len(set(self.handler.peers))

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(envelope.original_content, policy=email.policy.default)  # type: ignore[misc]
            for envelope in self.envelopes
        ]

    def message_ids(self) -> list[str]:
        return [message["Message-ID"] for message in self.messages()]
