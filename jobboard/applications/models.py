"""Doctors' profiles and CVs, applications to postings, and the employers' pipeline."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import pgettext
from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobboard.accounts.models import User
from jobboard.core.db import TimestampMixin, enum_type, utcnow
from jobboard.extensions import Model, db
from jobboard.jobs.models import Posting, Seniority
from jobboard.orgs.models import Membership
from jobboard.vocab.models import HebrewLevel, Language, Profession, Region, Specialty


class LicenceStatus(enum.StrEnum):
    """How far the doctor is on the way to an Israeli licence, in order. Derived from the
    milestones of their licence file (``licensing.milestones``), never entered directly."""

    NOT_STARTED = "not_started"
    FILE_SUBMITTED = "file_submitted"
    EXAM_SCHEDULED = "exam_scheduled"
    EXAM_EXEMPTION_GRANTED = "exam_exemption_granted"
    EXAM_PASSED = "exam_passed"
    PROVISIONAL_LICENCE = "provisional_licence"
    FULL_LICENCE = "full_licence"
    SPECIALIST_RECOGNISED = "specialist_recognised"

    @property
    def label(self) -> str:
        return {
            "not_started": _("Not started"),
            "file_submitted": _("File opened at the Ministry"),
            "exam_scheduled": _("Exam scheduled"),
            "exam_exemption_granted": _("Exam exemption granted"),
            "exam_passed": _("Exam passed"),
            "provisional_licence": _("Provisional licence"),
            "full_licence": _("Full licence"),
            "specialist_recognised": _("Specialist recognised"),
        }[self.value]

    @property
    def is_licensed(self) -> bool:
        """The doctor holds an Israeli licence (provisional or full)."""
        return self in LICENSED


LICENSED = frozenset(
    {LicenceStatus.PROVISIONAL_LICENCE, LicenceStatus.FULL_LICENCE, LicenceStatus.SPECIALIST_RECOGNISED}
)


class Stage(enum.StrEnum):
    APPLIED = "applied"
    SCREENING = "screening"
    INTERVIEW = "interview"
    OFFER = "offer"
    HIRED = "hired"  # the doctor accepted the offer
    STARTED = "started"  # the doctor started work
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {
            "applied": pgettext("application stage", "Applied"),
            "screening": pgettext("application stage", "Screening"),
            "interview": pgettext("application stage", "Interview"),
            "offer": pgettext("application stage", "Offer"),
            "hired": pgettext("application stage", "Hired"),
            "started": pgettext("application stage", "Started work"),
            "rejected": pgettext("application stage", "Rejected"),
            "withdrawn": pgettext("application stage", "Withdrawn"),
        }[self.value]

    @property
    def is_dated(self) -> bool:
        """The recruiter gives the day it happened (an offer made, accepted, work started), which
        may be before the day they record it."""
        return self in DATED_STAGES


# The board's columns, in order; withdrawn is the doctor's doing and sits apart.
PIPELINE = (Stage.APPLIED, Stage.SCREENING, Stage.INTERVIEW, Stage.OFFER, Stage.HIRED, Stage.STARTED, Stage.REJECTED)
CLOSED_STAGES = frozenset({Stage.HIRED, Stage.STARTED, Stage.REJECTED, Stage.WITHDRAWN})
DATED_STAGES = frozenset({Stage.OFFER, Stage.HIRED, Stage.STARTED})
# The way forward, in order: an application at one of them has passed every one before it.
PROGRESS = (Stage.APPLIED, Stage.SCREENING, Stage.INTERVIEW, Stage.OFFER, Stage.HIRED, Stage.STARTED)
# The steps past applying whose first day each application keeps (``Application.note_reached``).
REACHED_ON = {
    Stage.INTERVIEW: "interviewed_on",
    Stage.OFFER: "offered_on",
    Stage.HIRED: "hired_on",
    Stage.STARTED: "started_on",
}
# Applicants an employer may invite to a fair interview or book one for.
INTERVIEW_STAGES = (Stage.SCREENING, Stage.INTERVIEW, Stage.OFFER)

profile_languages = Table(
    "profile_languages",
    db.metadata,
    Column("profile_id", ForeignKey("doctor_profiles.id", ondelete="CASCADE"), primary_key=True),
    Column("language_code", ForeignKey("languages.code"), primary_key=True),
)

profile_regions = Table(
    "profile_regions",
    db.metadata,
    Column("profile_id", ForeignKey("doctor_profiles.id", ondelete="CASCADE"), primary_key=True),
    Column("region_slug", ForeignKey("regions.slug"), primary_key=True),
)


class DoctorProfile(TimestampMixin, Model):
    __tablename__ = "doctor_profiles"
    __table_args__ = (
        CheckConstraint("hebrew_level BETWEEN 0 AND 6", name="hebrew_level_range"),
        CheckConstraint("years_experience IS NULL OR years_experience BETWEEN 0 AND 70", name="years_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    profession_slug: Mapped[str | None] = mapped_column(ForeignKey("professions.slug"))
    specialty_slug: Mapped[str | None] = mapped_column(ForeignKey("specialties.slug"))
    seniority: Mapped[Seniority | None] = mapped_column(enum_type(Seniority, "profile_seniority"))
    years_experience: Mapped[int | None]
    training_country: Mapped[str | None] = mapped_column(String(2))
    residence_country: Mapped[str | None] = mapped_column(String(2))
    licence_status: Mapped[LicenceStatus] = mapped_column(
        enum_type(LicenceStatus, "licence_status"), default=LicenceStatus.NOT_STARTED
    )
    hebrew_level: Mapped[int] = mapped_column(default=HebrewLevel.NONE)
    move_month: Mapped[date | None]  # the first day of the planned month of the move
    arrived_on: Mapped[date | None]  # the day of the doctor's aliyah (arrival in Israel)
    # The first time the profile was complete enough to apply (``profiles.completeness``).
    completed_at: Mapped[datetime | None]
    open_to_periphery: Mapped[bool] = mapped_column(default=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str | None] = mapped_column(String(40))

    user: Mapped[User] = relationship()
    profession: Mapped[Profession | None] = relationship()
    specialty: Mapped[Specialty | None] = relationship()
    languages: Mapped[list[Language]] = relationship(secondary=profile_languages, order_by=Language.position)
    preferred_regions: Mapped[list[Region]] = relationship(secondary=profile_regions, order_by=Region.position)

    @property
    def hebrew_level_label(self) -> str:
        return HebrewLevel(self.hebrew_level).label


class CvDocument(Model):
    """An uploaded CV, kept under a random name outside the static folder."""

    __tablename__ = "cv_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(120))
    size_bytes: Mapped[int]
    page_count: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    is_default: Mapped[bool] = mapped_column(default=False)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Application(TimestampMixin, Model):
    __tablename__ = "applications"
    __table_args__ = (
        UniqueConstraint("posting_id", "doctor_id"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_range"),
        Index("ix_applications_org_stage", "org_id", "stage"),
        # The programme's figures read each doctor's applications and the days of their steps in
        # doctor order, from this index alone (``outcomes.paths``).
        Index(
            "ix_applications_doctor_steps",
            "doctor_id",
            "org_id",
            "posting_id",
            "created_at",
            "interviewed_on",
            "offered_on",
            "hired_on",
            "started_on",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id", ondelete="CASCADE"), index=True)
    # Kept on the row so every employer-side query filters by the tenant directly.
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    # Empty once the doctor deleted their account: the row stays, anonymous, for statistics.
    doctor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    stage: Mapped[Stage] = mapped_column(enum_type(Stage, "application_stage"), default=Stage.APPLIED)
    cover_note: Mapped[str] = mapped_column(Text, default="")
    # The CV as sent: a copy, so later changes to the doctor's CVs don't alter it.
    cv_stored_name: Mapped[str | None] = mapped_column(String(64))
    cv_original_name: Mapped[str | None] = mapped_column(String(120))
    cv_size_bytes: Mapped[int | None]
    rating: Mapped[int | None]
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    anonymised_at: Mapped[datetime | None]
    # The first day it reached each step past applying, from its history: a move to a stage
    # reaches that step and every one before it (``note_reached``). The history only grows, so
    # these are kept as it grows, and a move back or a rejection leaves them as they are.
    interviewed_on: Mapped[date | None]
    offered_on: Mapped[date | None]
    hired_on: Mapped[date | None] = mapped_column(index=True)
    started_on: Mapped[date | None]

    posting: Mapped[Posting] = relationship()
    doctor: Mapped[User | None] = relationship()

    def note_reached(self, stage: Stage, day: date) -> None:
        """A move to ``stage`` happened on ``day``."""
        if stage not in PROGRESS:
            return
        for step, column in REACHED_ON.items():
            reached = getattr(self, column)
            if PROGRESS.index(stage) >= PROGRESS.index(step) and (reached is None or day < reached):
                setattr(self, column, day)

    def reached_again(self, moves: Iterable[tuple[Stage, date]]) -> None:
        """The first day of each step from the history's moves, after one of them is taken back."""
        for column in REACHED_ON.values():
            setattr(self, column, None)
        for stage, day in moves:
            self.note_reached(stage, day)

    @property
    def is_open(self) -> bool:
        return self.stage not in CLOSED_STAGES

    @property
    def is_movable(self) -> bool:
        """The employer may move it along the board: the doctor has neither withdrawn nor deleted their account."""
        return self.stage != Stage.WITHDRAWN and self.doctor_id is not None

    @property
    def may_interview(self) -> bool:
        """The employer may invite the doctor to a fair interview or book one for them."""
        return self.doctor_id is not None and self.stage in INTERVIEW_STAGES


class ApplicationEvent(Model):
    """A stage change: who, when, from, to, and an optional note.

    The note is the doctor's own on an event the doctor made (a withdrawal's reason); on a
    recruiter's move it is internal to the employer (it is never mailed), so the doctor's pages
    and data export read it through ``note_for_doctor`` only.
    """

    __tablename__ = "application_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_stage: Mapped[Stage | None] = mapped_column(enum_type(Stage, "event_from_stage"))
    to_stage: Mapped[Stage] = mapped_column(enum_type(Stage, "event_to_stage"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The day it happened: the recruiter's for a dated stage (``Stage.is_dated``), else the day it
    # was recorded (UTC).
    occurred_on: Mapped[date] = mapped_column(default=lambda: utcnow().date())

    def is_by(self, user_id: int | None) -> bool:
        return user_id is not None and self.actor_id == user_id

    def note_for_doctor(self, doctor_id: int | None) -> str | None:
        return self.note if self.is_by(doctor_id) else None


class ApplicationNote(Model):
    """A private note of the organisation's staff; the doctor never sees it."""

    __tablename__ = "application_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship()


class RejectionTemplate(TimestampMixin, Model):
    """The organisation's text for the e-mail that may go with a rejection."""

    __tablename__ = "rejection_templates"

    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)


class MailMode(enum.StrEnum):
    IMMEDIATE = "immediate"
    DAILY = "daily"
    OFF = "off"


class NotificationPreference(Model):
    """How a member hears of new applications to the organisation."""

    __tablename__ = "notification_preferences"

    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id", ondelete="CASCADE"), primary_key=True)
    new_applications: Mapped[MailMode] = mapped_column(enum_type(MailMode, "mail_mode"), default=MailMode.DAILY)
    last_digest_at: Mapped[datetime | None]

    membership: Mapped[Membership] = relationship()
