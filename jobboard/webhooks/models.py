"""Webhook endpoints an organisation registers, and the deliveries made to them.

An endpoint's signing secret is needed in clear to sign (HMAC), so it cannot be hashed like a
password: it is stored encrypted (``secrets.seal``) and shown to the owner once, when made.
During a rotation the previous secret keeps signing beside the new one until
``previous_secret_expires_at``.

A delivery is one event for one endpoint: its ``message_id`` (the ``webhook-id`` header, the
same on every attempt and on a replay, so receivers can de-duplicate) and the exact ``body``
that is signed. Its attempts and their last answer are the log the owner reads.
"""

from __future__ import annotations

import enum
import json
from datetime import datetime

from flask_babel import pgettext
from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobboard.core.db import TimestampMixin, enum_type, utcnow
from jobboard.extensions import Model


class WebhookEndpoint(TimestampMixin, Model):
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(String(200), default="")
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_active: Mapped[bool] = mapped_column(default=True)
    secret_sealed: Mapped[str] = mapped_column(Text)
    previous_secret_sealed: Mapped[str | None] = mapped_column(Text)
    previous_secret_expires_at: Mapped[datetime | None]
    secret_rotated_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def listens_to(self, event: str) -> bool:
        return self.is_active and event in self.events


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its first attempt or its next one
    DELIVERED = "delivered"
    DEAD = "dead"  # every attempt failed; the owner may replay it

    @property
    def label(self) -> str:
        return {
            "pending": pgettext("webhook delivery", "pending"),
            "delivered": pgettext("webhook delivery", "delivered"),
            "dead": pgettext("webhook delivery", "failed"),
        }[self.value]


class WebhookDelivery(Model):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(String(40), unique=True)
    event: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_type(DeliveryStatus, "webhook_delivery_status"), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    endpoint: Mapped[WebhookEndpoint] = relationship()

    @property
    def readable_body(self) -> str:
        """The body laid out for a person to read (it is sent as compact JSON)."""
        return json.dumps(json.loads(self.body), indent=2, sort_keys=True, ensure_ascii=False)
