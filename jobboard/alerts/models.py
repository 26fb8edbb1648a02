"""Saved searches that e-mail new postings, and the log of what each has sent."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobboard.accounts.models import User
from jobboard.core.db import TimestampMixin, enum_type, utcnow
from jobboard.extensions import Model


class Frequency(enum.StrEnum):
    INSTANT = "instant"  # within the hour
    DAILY = "daily"
    WEEKLY = "weekly"

    @property
    def label(self) -> str:
        return {
            "instant": _("As they come (within the hour)"),
            "daily": _("Daily digest"),
            "weekly": _("Weekly digest"),
        }[self.value]


class AlertStatus(enum.StrEnum):
    UNCONFIRMED = "unconfirmed"  # an address that has not yet followed its confirmation link
    ACTIVE = "active"
    PAUSED = "paused"
    UNSUBSCRIBED = "unsubscribed"


class Alert(TimestampMixin, Model):
    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_due", "status", "next_run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Set for a signed-in person's alert (mail goes to their current address); empty for a
    # visitor who subscribed with an address only.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120))
    query_string: Mapped[str] = mapped_column(Text)  # the search page's state, as in its URL
    frequency: Mapped[Frequency] = mapped_column(enum_type(Frequency, "alert_frequency"))
    status: Mapped[AlertStatus] = mapped_column(enum_type(AlertStatus, "alert_status"))
    time_zone: Mapped[str] = mapped_column(String(64), default="Asia/Jerusalem")
    # A visitor's alert mails in the language they subscribed in; a signed-in person's in theirs.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    confirmed_at: Mapped[datetime | None]
    # Postings first published after this instant are new to the alert.
    searched_until: Mapped[datetime] = mapped_column(default=utcnow)
    next_run_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sent_at: Mapped[datetime | None]
    last_found: Mapped[int] = mapped_column(default=0)
    total_sent: Mapped[int] = mapped_column(default=0)

    user: Mapped[User | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.status == AlertStatus.ACTIVE

    @property
    def is_paused(self) -> bool:
        return self.status == AlertStatus.PAUSED

    @property
    def is_unconfirmed(self) -> bool:
        return self.status == AlertStatus.UNCONFIRMED

    @property
    def is_unsubscribed(self) -> bool:
        return self.status == AlertStatus.UNSUBSCRIBED

    @property
    def recipient(self) -> str | None:
        return self.user.email if self.user is not None else self.email

    @property
    def recipient_language(self) -> str | None:
        return self.user.language if self.user is not None else self.language


class AlertSent(Model):
    """A posting an alert has sent: it is never sent by that alert again."""

    __tablename__ = "alert_sent"
    __table_args__ = (UniqueConstraint("alert_id", "posting_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id", ondelete="CASCADE"), index=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
