"""Composing e-mails from templates under ``templates/mail/`` and queueing them in the outbox."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import LazyString
from markupsafe import Markup, escape

from jobboard.core.outbox import OutboxMessage, enqueue
from jobboard.core.text import strip_header_breaks
from jobboard.i18n import current_language, direction, in_language

MAIL_KIND = "mail.send"
_LINK = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)]")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


def html_paragraphs(text: str) -> list[Markup]:
    """The plain text's paragraphs as HTML: escaped, lines kept, addresses made links."""

    def paragraph(block: str) -> Markup:
        escaped = str(escape(block.strip()))
        linked = _LINK.sub(lambda match: f'<a href="{match.group()}">{match.group()}</a>', escaped)
        return Markup(linked.replace("\n", "<br>\n"))  # noqa: S704 - escaped above

    return [paragraph(block) for block in re.split(r"\n\s*\n", text) if block.strip()]


def queue_mail(
    to: str,
    subject: str | LazyString,
    template: str,
    *,
    language: str | None,
    attachments: tuple[Attachment, ...] = (),
    headers: dict[str, str] | None = None,
    erase_after_delivery: bool = False,
    not_before: datetime | None = None,
    **context: Any,
) -> OutboxMessage:
    """Render ``mail/<template>.txt`` and queue the message with it as its plain-text part and, as
    its HTML part, the same text in the mail layout (one template per mail), in
    ``language``: the recipient's, whoever caused the mail (``None`` for an address the board
    knows nothing of: the language of the page that sends it). ``subject`` is best a lazy string
    (``lazy_gettext``), so it too is in that language. With ``erase_after_delivery`` the stored
    copy is wiped once sent (the confirmation of an account's deletion must not keep the address
    it went to). With ``not_before`` it waits in the outbox until then (to be taken back meanwhile)."""
    env = current_app.jinja_env
    with in_language(language or current_language()):
        subject = str(subject)
        context = {"subject": subject, **context}
        text = env.get_template(f"mail/{template}.txt").render(**context)
        code = current_language()
        html = env.get_template("mail/_layout.html").render(
            subject=subject, paragraphs=html_paragraphs(text), lang=code, dir=direction(code)
        )
    payload = {
        "to": strip_header_breaks(to),
        "subject": strip_header_breaks(subject),
        "text": text,
        "html": html,
        "headers": {k: strip_header_breaks(v) for k, v in (headers or {}).items()},
        "attachments": [
            {"filename": a.filename, "content_type": a.content_type, "data": base64.b64encode(a.data).decode()}
            for a in attachments
        ],
        "erase_after_delivery": erase_after_delivery,
    }
    return enqueue(MAIL_KIND, payload, not_before=not_before)
