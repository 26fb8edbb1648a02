"""Delivering a queued e-mail: over SMTP with Flask-Mail, or as an .eml file in development.

The outbox id becomes the Message-ID, so a message delivered twice after a crash is the same
message to the recipient's mail client.
"""

from __future__ import annotations

import base64
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from email import policy
from email.mime.base import MIMEBase
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app
from flask_mail import Attachment, Connection, Message

from jobboard.core.outbox import OutboxMessage
from jobboard.core.text import strip_header_breaks
from jobboard.extensions import mail


class _Message(Message):
    """Folds headers at RFC 5322's 998 characters rather than 78: a long unbreakable value (the
    unsubscribe link in List-Unsubscribe) would otherwise be turned into an RFC 2047 encoded
    word, which mail clients do not read as a link."""

    def _message(self) -> MIMEBase:
        built = super()._message()
        built.policy = policy.SMTP.clone(max_line_length=998)
        return built


def build_message(outbox_message: OutboxMessage) -> Message:
    payload = outbox_message.payload
    message = _Message(
        subject=payload["subject"],
        recipients=[payload["to"]],
        body=payload["text"],
        html=payload.get("html"),
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        extra_headers={
            strip_header_breaks(k): strip_header_breaks(v) for k, v in (payload.get("headers") or {}).items()
        }
        or None,
        attachments=[
            Attachment(
                filename=item["filename"],
                content_type=item["content_type"],
                data=base64.b64decode(item["data"]),
            )
            for item in payload.get("attachments", [])
        ],
    )
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "jobboard"
    message.msgId = f"<outbox-{outbox_message.id}@{host}>"
    return message


# The SMTP connection a batch of the outbox shares, while one is open (``one_connection``).
_batch_connection: ContextVar[Connection | None] = ContextVar("batch_connection", default=None)


@contextmanager
def one_connection() -> Iterator[None]:
    """The mail of one outbox batch goes over one SMTP connection, not one connection a message."""
    if current_app.config["MAIL_BACKEND"] != "smtp":
        yield
        return
    connection = mail.connect()
    connection.__enter__()
    token = _batch_connection.set(connection)
    try:
        yield
    finally:
        _batch_connection.reset(token)
        if connection.host is not None:
            with suppress(smtplib.SMTPException, OSError):  # the server may have gone already
                connection.host.quit()


def _send(message: Message) -> None:
    connection = _batch_connection.get()
    if connection is None:
        mail.send(message)
        return
    try:
        connection.send(message)
    except (smtplib.SMTPServerDisconnected, OSError):
        # A broken connection: the batch's later messages connect on their own.
        _batch_connection.set(None)
        raise


def deliver(outbox_message: OutboxMessage) -> None:
    message = build_message(outbox_message)
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "smtp":
        _send(message)
    elif backend == "file":
        folder = Path(current_app.config["MAIL_FILE_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        # Named by outbox id: a replay overwrites the same file instead of adding a second one.
        (folder / f"{outbox_message.id:08d}.eml").write_bytes(message.as_bytes())
    else:
        raise RuntimeError(f"MAIL_BACKEND must be smtp or file, not {backend!r}")
    if outbox_message.payload.get("erase_after_delivery"):
        outbox_message.payload = {"erased": True}
