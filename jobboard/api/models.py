"""API keys of an organisation, and the answers kept for retried requests.

A key is shown once, when it is made: the database keeps its prefix (to find it) and the SHA-256
of the whole key (to check it). The secret part is 256 random bits, so a plain hash is enough:
there is nothing to guess that a slow hash would protect.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobboard.accounts.models import User
from jobboard.core.db import utcnow
from jobboard.extensions import Model
from jobboard.orgs.models import Organization


class Scope(enum.StrEnum):
    POSTINGS_READ = "postings:read"
    POSTINGS_WRITE = "postings:write"
    APPLICATIONS_READ = "applications:read"
    APPLICATIONS_WRITE = "applications:write"
    FAIRS_READ = "fairs:read"

    @property
    def label(self) -> str:
        return {
            "postings:read": _("Read postings and their status"),
            "postings:write": _("Create, change, submit, close and renew postings"),
            "applications:read": _("Read applications and download CVs"),
            "applications:write": _("Move applications along the pipeline"),
            "fairs:read": _("Read fair tables, slots and bookings"),
        }[self.value]


class ApiKey(Model):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    # The key acts for the owner who made it: its changes are theirs, made through the key.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    org: Mapped[Organization] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def allows(self, scope: Scope) -> bool:
        return scope.value in self.scopes

    @property
    def scope_labels(self) -> list[str]:
        return [Scope(value).label for value in self.scopes if value in Scope._value2member_map_]


class IdempotentRequest(Model):
    """A write sent with an ``Idempotency-Key`` header, and the answer it got: the same key with
    the same request gets that answer again without acting twice."""

    __tablename__ = "api_idempotent_requests"
    __table_args__ = (
        UniqueConstraint("api_key_id", "idempotency_key"),
        Index("ix_api_idempotent_requests_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    response_body: Mapped[dict[str, Any]] = mapped_column(JSON)
    location: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
