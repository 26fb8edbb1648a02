"""Mail kept for the person's address. The outbox keeps each message as it was sent (subject and
text), so the export hands over what we told them, a rejection's text among it, and the erasure
drops every message to the address, sent or still waiting (it must not go out after the
deletion). A message wiped after delivery (the deletion's own confirmation) has no address left.

The export leaves the links out of the texts: many are signed one-time keys (a password reset,
an e-mail change), which a copy of the export must not carry.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from flask import Flask
from sqlalchemy import select

from jobboard.core.outbox import OutboxMessage
from jobboard.core.personal_data import Exported, iso, register_section
from jobboard.extensions import db
from jobboard.i18n import lazy_gettext as _l
from jobboard.mail.compose import MAIL_KIND

if TYPE_CHECKING:  # accounts sends mail: importing it here at run time would be circular
    from jobboard.accounts.models import User


def _messages_to(email: str) -> list[OutboxMessage]:
    messages = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == MAIL_KIND).order_by(OutboxMessage.id)
    )
    return [m for m in messages if str(m.payload.get("to", "")).lower() == email.lower()]


_LINK = re.compile(r"https?://\S+")
LINK_LEFT_OUT = "[link left out]"


def _export(user: User) -> Exported:
    return Exported(
        [
            {
                "subject": m.payload["subject"],
                "queued_at": iso(m.created_at),
                "sent_at": iso(m.processed_at),
                "text": _LINK.sub(LINK_LEFT_OUT, m.payload["text"]),
            }
            for m in _messages_to(user.email)
        ]
    )


def _erase(user: User) -> None:
    for message in _messages_to(user.email):
        db.session.delete(message)


def register(app: Flask) -> None:
    register_section(
        app,
        "mail",
        _l("The e-mails we sent you that we still keep: subject, date and text."),
        covers=(),
        export=_export,
        erase=_erase,
    )
