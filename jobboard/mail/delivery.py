"""Delivering a queued e-mail: over SMTP with Flask-Mail, or as an .eml file in development.

The outbox id becomes the Message-ID, so a message delivered twice after a crash is the same
message to the recipient's mail client.
"""

from __future__ import annotations

import base64
from email import policy
from email.mime.base import MIMEBase
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app
from flask_mail import Attachment, Message

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


def deliver(outbox_message: OutboxMessage) -> None:
    message = build_message(outbox_message)
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "smtp":
        mail.send(message)
    elif backend == "file":
        folder = Path(current_app.config["MAIL_FILE_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        # Named by outbox id: a replay overwrites the same file instead of adding a second one.
        (folder / f"{outbox_message.id:08d}.eml").write_bytes(message.as_bytes())
    else:
        raise RuntimeError(f"MAIL_BACKEND must be smtp or file, not {backend!r}")
    if outbox_message.payload.get("erase_after_delivery"):
        outbox_message.payload = {"erased": True}
