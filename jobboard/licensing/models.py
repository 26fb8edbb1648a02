"""The doctor's licence file: the tracks to an Israeli licence and what each asks for (data the
programme's staff edit), the doctor's chosen track and milestones, their documents, and which
documents each application shares with its employer."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobboard.core.db import TimestampMixin, enum_type, utcnow
from jobboard.extensions import Model
from jobboard.i18n import current_language

EXPIRING_WITHIN = timedelta(days=60)


class Translated:
    """Catalogue text in English (the columns) and in the board's other languages (``names``:
    language → {field: text}); an edit of the English clears that field's translations, so a
    reader never sees an outdated translation."""

    names: Mapped[dict[str, dict[str, str]]]

    def local(self, field: str) -> str:
        english: str = getattr(self, field)
        return self.names.get(current_language(), {}).get(field) or english

    def set_english(self, field: str, text: str) -> None:
        if getattr(self, field) == text:
            return
        setattr(self, field, text)
        self.names = {
            language: {k: v for k, v in texts.items() if k != field} for language, texts in self.names.items()
        }


class LicenceTrack(Translated, TimestampMixin, Model):
    """A route to the licence (the exam, an exemption, a specialist's recognition)."""

    __tablename__ = "licence_tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(Text, default="")
    source_url: Mapped[str] = mapped_column(String(500), default="")
    is_confirmed: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    names: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON, default=dict)

    requirements: Mapped[list[TrackRequirement]] = relationship(
        back_populates="track", order_by="TrackRequirement.position", cascade="all, delete-orphan"
    )

    @property
    def local_name(self) -> str:
        return self.local("name")


class DocumentKind(Translated, TimestampMixin, Model):
    """A document a track may ask for: what it is and who issues it."""

    __tablename__ = "licence_document_kinds"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    issuer: Mapped[str] = mapped_column(String(200), default="")
    has_expiry: Mapped[bool] = mapped_column(default=False)
    is_confirmed: Mapped[bool] = mapped_column(default=True)
    names: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON, default=dict)

    @property
    def local_name(self) -> str:
        return self.local("name")


class TrackRequirement(Model):
    """A track's checklist item: a kind of document, with where the requirement comes from."""

    __tablename__ = "licence_track_requirements"
    __table_args__ = (UniqueConstraint("track_id", "kind_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("licence_tracks.id", ondelete="CASCADE"), index=True)
    kind_id: Mapped[int] = mapped_column(ForeignKey("licence_document_kinds.id", ondelete="CASCADE"), index=True)
    source_url: Mapped[str] = mapped_column(String(500), default="")
    is_confirmed: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    track: Mapped[LicenceTrack] = relationship(back_populates="requirements")
    kind: Mapped[DocumentKind] = relationship(lazy="joined")


class ExamResult(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {"passed": _("Passed"), "failed": _("Not passed")}[self.value]


class LicenceFile(TimestampMixin, Model):
    """The doctor's track and milestones. A milestone's day is when it happened (never ahead),
    but for the exam, booked ahead, and the provisional licence's expected month."""

    __tablename__ = "licence_files"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    track_id: Mapped[int | None] = mapped_column(ForeignKey("licence_tracks.id", ondelete="SET NULL"))
    file_opened_on: Mapped[date | None]
    exam_on: Mapped[date | None]
    exam_result: Mapped[ExamResult | None] = mapped_column(enum_type(ExamResult, "exam_result"))
    exemption_granted_on: Mapped[date | None]
    provisional_expected: Mapped[date | None]  # the first day of the expected month
    provisional_licence_on: Mapped[date | None]
    full_licence_on: Mapped[date | None]
    specialty_recognised_on: Mapped[date | None]
    # What each reminder was last sent for, so each is sent once (and again for a new date).
    exam_reminded_for: Mapped[date | None]
    missing_reminded_for: Mapped[date | None]

    track: Mapped[LicenceTrack | None] = relationship()


class Review(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    NEW_COPY_REQUESTED = "new_copy_requested"


class DocumentState(enum.StrEnum):
    """A checklist item's state, as the doctor and the programme see it."""

    MISSING = "missing"
    UPLOADED = "uploaded"
    ACCEPTED = "accepted"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    NEW_COPY_REQUESTED = "new_copy_requested"

    @property
    def label(self) -> str:
        return {
            "missing": _("Missing"),
            "uploaded": _("Uploaded"),
            "accepted": _("Accepted by the programme"),
            "expiring": _("Expiring"),
            "expired": _("Expired"),
            "new_copy_requested": _("New copy requested"),
        }[self.value]

    @property
    def counts(self) -> bool:
        """A document in this state counts as present in the file."""
        return self in (DocumentState.UPLOADED, DocumentState.ACCEPTED, DocumentState.EXPIRING)


class LicenceDocument(Model):
    """One document of a kind per doctor, kept like a CV: cleaned, under a random name."""

    __tablename__ = "licence_documents"
    __table_args__ = (UniqueConstraint("owner_id", "kind_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind_id: Mapped[int] = mapped_column(ForeignKey("licence_document_kinds.id", ondelete="RESTRICT"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    issued_on: Mapped[date]
    expires_on: Mapped[date | None]
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    review: Mapped[Review] = mapped_column(enum_type(Review, "licence_document_review"), default=Review.PENDING)
    review_reason: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None]
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expiry_reminded_for: Mapped[date | None]

    kind: Mapped[DocumentKind] = relationship(lazy="joined")

    def state(self, today: date) -> DocumentState:
        if self.review == Review.NEW_COPY_REQUESTED:
            return DocumentState.NEW_COPY_REQUESTED
        if self.expires_on is not None and self.expires_on < today:
            return DocumentState.EXPIRED
        if self.expires_on is not None and self.expires_on <= today + EXPIRING_WITHIN:
            return DocumentState.EXPIRING
        return DocumentState.ACCEPTED if self.review == Review.ACCEPTED else DocumentState.UPLOADED


class DocumentShare(Model):
    """A document the doctor lets the employer of one application see; revoking deletes it."""

    __tablename__ = "licence_document_shares"

    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("licence_documents.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    shared_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped[LicenceDocument] = relationship()
