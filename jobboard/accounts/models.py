from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from jobboard.core.db import TimestampMixin, enum_type
from jobboard.extensions import Model


class AccountKind(enum.StrEnum):
    DOCTOR = "doctor"  # also nurses, dentists and the other clinicians looking for work
    STAFF = "staff"  # works for an employer (membership decides where) or runs the site


class User(UserMixin, TimestampMixin, Model):
    """An account. E-mail addresses are stored in lower case (a CHECK keeps it so), which makes
    the unique constraint case-insensitive on every database."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lower_case"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    kind: Mapped[AccountKind] = mapped_column(enum_type(AccountKind, "account_kind"))
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_deactivated: Mapped[bool] = mapped_column(default=False)
    email_confirmed_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # IANA name; fair times are shown in it beside the fair's own when it differs.
    time_zone: Mapped[str | None] = mapped_column(String(64))
    # The board's language code the person reads, and receives mail, in (None: not chosen yet).
    language: Mapped[str | None] = mapped_column(String(8))
    # Part of the session cookie's user id: bumping it signs out every existing session.
    session_version: Mapped[int] = mapped_column(default=1)
    # Two-factor sign-in (TOTP). The last accepted time step stops a code being used twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None]

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return not self.is_deactivated

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def is_doctor(self) -> bool:
        return self.kind == AccountKind.DOCTOR

    @property
    def has_two_factor(self) -> bool:
        """Every live session of such an account passed the second factor: sign-in asks for it,
        and turning it on ends the sessions begun without it."""
        return self.totp_secret is not None

    @property
    def can_administer(self) -> bool:
        """Admin powers: an administrator's password alone grants none of them."""
        return self.is_admin and self.has_two_factor

    def end_sessions(self) -> None:
        self.session_version += 1


class RecoveryCode(Model):
    """A one-time code that stands in for the authenticator app; only its hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]
