"""A webhook receiver as an employer's system would run one: a real HTTP server on loopback (a
thread with ``http.server``) that checks each message with the ``standardwebhooks`` library
(the signature, and a timestamp within five minutes, so a replayed capture is refused) and
handles each ``webhook-id`` once.

``fail_first`` answers the first attempts of each message 500 (the system is down); every
request is kept in ``requests`` as it came, to replay one later.
"""

from __future__ import annotations

import http.client
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    secret: str = ""
    fail_first: int = 0
    always_fail: bool = False
    requests: list[Received] = field(default_factory=list)
    events: dict[str, dict] = field(default_factory=dict)  # webhook-id → the message, handled once
    duplicates: int = 0
    rejected: list[str] = field(default_factory=list)
    _attempts: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, headers: dict[str, str], body: bytes) -> tuple[int, str]:
        with self._lock:
            self.requests.append(Received(headers, body))
            try:
                message = Webhook(self.secret).verify(body, headers)
            except WebhookVerificationError as error:
                self.rejected.append(str(error))
                return 400, str(error)
            message_id = headers["webhook-id"]
            self._attempts[message_id] = self._attempts.get(message_id, 0) + 1
            if self.always_fail or self._attempts[message_id] <= self.fail_first:
                return 500, "down for maintenance"
            if message_id in self.events:
                self.duplicates += 1
                return 200, "already handled"
            self.events[message_id] = message
            return 204, ""


def _handler_for(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status, text = receiver.handle({k.lower(): v for k, v in self.headers.items()}, body)
            payload = text.encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_args: object) -> None:
            pass

    return Handler


class ReceiverServer:
    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(receiver))
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/jobboard"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ReceiverServer:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def post(self, received: Received) -> int:
        """Send a captured request again, as an attacker replaying it would."""
        connection = http.client.HTTPConnection("127.0.0.1", self.server.server_port, timeout=5)
        try:
            connection.request("POST", "/hooks/jobboard", body=received.body, headers=received.headers)
            return connection.getresponse().status
        finally:
            connection.close()
