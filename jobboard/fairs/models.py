"""MedEx fairs, employers' interview tables and slots, and doctors' bookings.

Times are stored in UTC; each fair names its IANA time zone, in which its slots are shown.
The booking rules that must hold whatever the timing are constraints of the database:

- a slot holds at most one confirmed booking (a partial unique index);
- a doctor holds at most one confirmed booking per employer and fair (a partial unique index);
- a doctor's confirmed bookings never overlap, counting the fair's walking gap after each
  interview (``busy_until``): an exclusion constraint on PostgreSQL, created by the migration;
  on SQLite the booking transaction holds the write lock (``core.db.WRITE_LOCK``) while it checks.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobboard.accounts.models import User
from jobboard.core.db import TimestampMixin, enum_type, utcnow
from jobboard.extensions import Model
from jobboard.jobs.models import Posting
from jobboard.orgs.models import Organization
from jobboard.vocab.models import Profession


class FairStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {"draft": _("draft"), "published": _("published"), "cancelled": _("cancelled")}[self.value]


class BookingMode(enum.StrEnum):
    INVITED = "invited"  # only applicants the employer invited
    OPEN = "open"  # any doctor with a complete profile of the right profession

    @property
    def label(self) -> str:
        return {
            "invited": _("Invited applicants only"),
            "open": _("Any doctor with a complete profile"),
        }[self.value]


class SlotStatus(enum.StrEnum):
    OPEN = "open"
    BLOCKED = "blocked"


class BookingStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class Attendance(enum.StrEnum):
    ATTENDED = "attended"
    NO_SHOW = "no_show"

    @property
    def label(self) -> str:
        return {"attended": _("Attended"), "no_show": _("No-show")}[self.value]


class Fair(TimestampMixin, Model):
    __tablename__ = "fairs"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    city: Mapped[str] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(2))
    venue: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    time_zone: Mapped[str] = mapped_column(String(64))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    opens_at: Mapped[time]  # local opening hours, each day
    closes_at: Mapped[time]
    booking_opens_at: Mapped[datetime]
    booking_closes_at: Mapped[datetime]
    remote_option: Mapped[bool] = mapped_column(default=False)
    min_gap_minutes: Mapped[int] = mapped_column(default=5)
    cancel_cutoff_hours: Mapped[int] = mapped_column(default=24)
    status: Mapped[FairStatus] = mapped_column(enum_type(FairStatus, "fair_status"), default=FairStatus.DRAFT)
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    @property
    def is_draft(self) -> bool:
        return self.status == FairStatus.DRAFT

    @property
    def is_published(self) -> bool:
        return self.status == FairStatus.PUBLISHED

    @property
    def is_cancelled(self) -> bool:
        return self.status == FairStatus.CANCELLED

    @property
    def days(self) -> list[date]:
        return [self.starts_on + timedelta(days=n) for n in range((self.ends_on - self.starts_on).days + 1)]

    @property
    def is_open_for_booking(self) -> bool:
        now = utcnow()
        return self.status == FairStatus.PUBLISHED and self.booking_opens_at <= now < self.booking_closes_at


class FairRegistration(TimestampMixin, Model):
    """An employer taking part in a fair."""

    __tablename__ = "fair_registrations"
    __table_args__ = (UniqueConstraint("fair_id", "org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fair_id: Mapped[int] = mapped_column(ForeignKey("fairs.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    booking_mode: Mapped[BookingMode] = mapped_column(
        enum_type(BookingMode, "booking_mode"), default=BookingMode.INVITED
    )
    # In open mode, only doctors of this profession may book (any when empty).
    profession_slug: Mapped[str | None] = mapped_column(ForeignKey("professions.slug"))

    fair: Mapped[Fair] = relationship()
    org: Mapped[Organization] = relationship()
    profession: Mapped[Profession | None] = relationship()
    tables: Mapped[list[InterviewTable]] = relationship(back_populates="registration", order_by="InterviewTable.label")


class InterviewTable(Model):
    __tablename__ = "interview_tables"
    __table_args__ = (UniqueConstraint("registration_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("fair_registrations.id", ondelete="CASCADE"))
    fair_id: Mapped[int] = mapped_column(ForeignKey("fairs.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(60))
    interviewers: Mapped[str] = mapped_column(String(300), default="")

    registration: Mapped[FairRegistration] = relationship(back_populates="tables")


class Slot(Model):
    """A time at a table. Slots exist before anyone books, so a booking locks a row that is
    already there."""

    __tablename__ = "slots"
    __table_args__ = (
        UniqueConstraint("table_id", "starts_at"),
        Index("ix_slots_fair_starts", "fair_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    table_id: Mapped[int] = mapped_column(ForeignKey("interview_tables.id", ondelete="CASCADE"), index=True)
    fair_id: Mapped[int] = mapped_column(ForeignKey("fairs.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[SlotStatus] = mapped_column(enum_type(SlotStatus, "slot_status"), default=SlotStatus.OPEN)
    posting_id: Mapped[int | None] = mapped_column(ForeignKey("postings.id", ondelete="SET NULL"))
    video_link: Mapped[str | None] = mapped_column(String(500))

    table: Mapped[InterviewTable] = relationship()
    posting: Mapped[Posting | None] = relationship()

    @property
    def is_blocked(self) -> bool:
        return self.status == SlotStatus.BLOCKED


CONFIRMED = text("status = 'confirmed'")


class Booking(TimestampMixin, Model):
    __tablename__ = "bookings"
    __table_args__ = (
        Index("uq_bookings_confirmed_slot", "slot_id", unique=True, sqlite_where=CONFIRMED, postgresql_where=CONFIRMED),
        Index(
            "uq_bookings_confirmed_doctor_employer",
            "doctor_id",
            "fair_id",
            "org_id",
            unique=True,
            sqlite_where=CONFIRMED,
            postgresql_where=CONFIRMED,
        ),
        Index("ix_bookings_doctor_time", "doctor_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The calendar UID: made once, kept through reschedules and the cancellation.
    uid: Mapped[str] = mapped_column(String(64), unique=True, default=lambda: uuid.uuid4().hex)
    sequence: Mapped[int] = mapped_column(default=0)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id", ondelete="CASCADE"), index=True)
    fair_id: Mapped[int] = mapped_column(ForeignKey("fairs.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    doctor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id", ondelete="SET NULL"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    busy_until: Mapped[datetime]  # ends_at plus the fair's walking gap
    status: Mapped[BookingStatus] = mapped_column(
        enum_type(BookingStatus, "booking_status"), default=BookingStatus.CONFIRMED
    )
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancel_message: Mapped[str | None] = mapped_column(Text)
    attendance: Mapped[Attendance | None] = mapped_column(enum_type(Attendance, "attendance"))

    slot: Mapped[Slot] = relationship()
    fair: Mapped[Fair] = relationship()
    org: Mapped[Organization] = relationship()
    doctor: Mapped[User] = relationship(foreign_keys=[doctor_id])


class BookingInvitation(Model):
    """An invitation from the pipeline to book an interview at a fair; its link books once."""

    __tablename__ = "booking_invitations"
    __table_args__ = (UniqueConstraint("application_id", "fair_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    fair_id: Mapped[int] = mapped_column(ForeignKey("fairs.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    doctor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
