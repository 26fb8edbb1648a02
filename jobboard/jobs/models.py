"""Postings, the grant-program catalogue, the posting history, view counts and reports.

An edit of a published posting that needs review is a revision: a ``postings`` row of its own
that points at the live posting, goes through the same state machine and, once approved, is
merged into it. Revisions stay rows of ``Posting`` (a model of their own would need a data
migration and would repeat every column), and only this module knows how they are stored: code
elsewhere asks ``Posting.is_revision`` (on a row, or in a query: ``~Posting.is_revision`` is the
postings without their pending edits), ``Posting.live_id`` (the id a posting is managed under),
``Posting.revisions_of(posting)`` and a revision's ``revision_of`` (its live posting);
``jobs.queries.open_revision`` finds the edit under way.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import pgettext
from slugify import slugify
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ColumnElement,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    false,
    func,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobboard.core.db import TimestampMixin, enum_type, utcnow
from jobboard.extensions import Model, db
from jobboard.i18n import DEFAULT, LANGUAGES, current_language, number
from jobboard.i18n import direction as direction_of
from jobboard.orgs.models import Organization, OrgStatus, Site
from jobboard.vocab.models import HebrewLevel, Language, Named, Profession, Region, Specialty


class Seniority(enum.StrEnum):
    INTERN = "intern"
    RESIDENT = "resident"
    SPECIALIST = "specialist"
    SENIOR_SPECIALIST = "senior_specialist"
    HEAD_OF_DEPARTMENT = "head_of_department"

    @property
    def label(self) -> str:
        return {
            "intern": _("Intern"),
            "resident": _("Resident"),
            "specialist": _("Specialist"),
            "senior_specialist": _("Senior specialist"),
            "head_of_department": _("Head of department"),
        }[self.value]


class EmploymentType(enum.StrEnum):
    FULL_TIME = "full_time"
    PART_TIME = "part_time"
    SHIFTS = "shifts"

    @property
    def label(self) -> str:
        return {"full_time": _("Full-time"), "part_time": _("Part-time"), "shifts": _("Shifts / on-call")}[self.value]

    @property
    def schema_org(self) -> str:
        return {"full_time": "FULL_TIME", "part_time": "PART_TIME", "shifts": "PER_DIEM"}[self.value]


class LicenceRequirement(enum.StrEnum):
    ISRAELI_LICENCE = "israeli_licence"
    CONVERSION_IN_PROGRESS = "conversion_in_progress"
    EXAM_EXEMPTION = "exam_exemption"

    @property
    def label(self) -> str:
        return {
            "israeli_licence": _("Israeli licence required"),
            "conversion_in_progress": _("Licence conversion in progress accepted"),
            "exam_exemption": _("Eligible for exam exemption"),
        }[self.value]


class PostingStatus(enum.StrEnum):
    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    CHANGES_REQUESTED = "changes_requested"
    PUBLISHED = "published"
    REJECTED = "rejected"
    CLOSED = "closed"
    EXPIRED = "expired"
    UNPUBLISHED = "unpublished"
    # An edit of a published posting lives in its own row until approved; then it is merged.
    MERGED = "merged"

    @property
    def label(self) -> str:
        return {
            "draft": pgettext("posting status", "Draft"),
            "pending_review": pgettext("posting status", "Pending review"),
            "changes_requested": pgettext("posting status", "Changes requested"),
            "published": pgettext("posting status", "Published"),
            "rejected": pgettext("posting status", "Rejected"),
            "closed": pgettext("posting status", "Closed"),
            "expired": pgettext("posting status", "Expired"),
            "unpublished": pgettext("posting status", "Unpublished"),
            "merged": pgettext("posting status", "Merged"),
        }[self.value]


# Named groups, so queries say what they mean.
EDITABLE = frozenset({PostingStatus.DRAFT, PostingStatus.CHANGES_REQUESTED, PostingStatus.UNPUBLISHED})
GONE = frozenset({PostingStatus.CLOSED, PostingStatus.EXPIRED})
OPEN = frozenset({PostingStatus.PENDING_REVIEW, PostingStatus.PUBLISHED})


class CloseReason(enum.StrEnum):
    FILLED = "filled"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        """Why a closed posting is no longer open, as the page says it: "(filled)"."""
        return {
            "filled": pgettext("why a posting closed", "filled"),
            "withdrawn": pgettext("why a posting closed", "withdrawn"),
        }[self.value]


class LicenceLevel(enum.StrEnum):
    """How far a doctor's Israeli licence goes, in order: what a grant program may require
    (``GrantProgram.licence_level``) and what a doctor holds (``grants.eligibility.licence_level``)."""

    NONE = "none"
    PROVISIONAL = "provisional"
    FULL = "full"
    RESIDENCY = "residency"
    SPECIALIST = "specialist"

    @property
    def rank(self) -> int:
        return list(LicenceLevel).index(self)

    @property
    def label(self) -> str:
        """What a doctor holds, as "you have: …" names it."""
        return {
            "none": _("no Israeli licence yet"),
            "provisional": _("a provisional licence"),
            "full": _("a full licence"),
            "residency": _("residency"),
            "specialist": _("a specialist licence"),
        }[self.value]

    @property
    def requirement(self) -> str:
        """The level as a grant program's requirement."""
        return {
            "none": _("No licence needed"),
            "provisional": _("Any Israeli licence (provisional or full)"),
            "full": _("A full licence"),
            "residency": _("A full licence and a residency (or specialist title)"),
            "specialist": _("A specialist licence"),
        }[self.value]


class GrantCriterion(enum.StrEnum):
    """The parts of a grant program's record that an administrator marks as verified against its
    source; a part not marked is shown to doctors as unverified."""

    PLACES = "places"
    PROFESSIONS = "professions"
    LICENCE = "licence"
    ALIYAH = "aliyah"
    FIRST_EMPLOYMENT = "first_employment"
    DATES = "dates"
    AMOUNT = "amount"
    COMMITMENT = "commitment"

    @property
    def label(self) -> str:
        return {
            "places": _("Regions and sites"),
            "professions": _("Professions and specialties"),
            "licence": _("Licence needed"),
            "aliyah": _("Time since aliyah"),
            "first_employment": _("First employment in the area"),
            "dates": _("Dates in force"),
            "amount": _("Amount"),
            "commitment": _("Years of commitment"),
        }[self.value]


def posting_slug(title: str, city_name: str) -> str:
    """A posting's readable part of its address: its title and city, as words."""
    return slugify(f"{title} {city_name}", max_length=80, word_boundary=True) or "job"


grant_program_regions = Table(
    "grant_program_regions",
    db.metadata,
    Column("grant_program_id", ForeignKey("grant_programs.id", ondelete="CASCADE"), primary_key=True),
    Column("region_slug", ForeignKey("regions.slug"), primary_key=True),
)

grant_program_sites = Table(
    "grant_program_sites",
    db.metadata,
    Column("grant_program_id", ForeignKey("grant_programs.id", ondelete="CASCADE"), primary_key=True),
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True),
)

grant_program_professions = Table(
    "grant_program_professions",
    db.metadata,
    Column("grant_program_id", ForeignKey("grant_programs.id", ondelete="CASCADE"), primary_key=True),
    Column("profession_slug", ForeignKey("professions.slug"), primary_key=True),
)

grant_program_specialties = Table(
    "grant_program_specialties",
    db.metadata,
    Column("grant_program_id", ForeignKey("grant_programs.id", ondelete="CASCADE"), primary_key=True),
    Column("specialty_slug", ForeignKey("specialties.slug"), primary_key=True),
)

posting_grants = Table(
    "posting_grants",
    db.metadata,
    Column("posting_id", ForeignKey("postings.id", ondelete="CASCADE"), primary_key=True),
    Column("grant_program_id", ForeignKey("grant_programs.id"), primary_key=True),
)

posting_languages = Table(
    "posting_languages",
    db.metadata,
    Column("posting_id", ForeignKey("postings.id", ondelete="CASCADE"), primary_key=True),
    Column("language_code", ForeignKey("languages.code"), primary_key=True),
)


class GrantProgram(Named, TimestampMixin, Model):
    __tablename__ = "grant_programs"
    __table_args__ = (
        CheckConstraint(
            "amount_min_ils IS NULL OR amount_max_ils IS NULL OR amount_min_ils <= amount_max_ils", name="amount_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    funder: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    summaries: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # language code → summary
    amount_note: Mapped[str] = mapped_column(Text, default="")
    amount_min_ils: Mapped[int | None]
    amount_max_ils: Mapped[int | None]
    commitment_years: Mapped[int | None]
    url: Mapped[str | None] = mapped_column(String(500))
    valid_from: Mapped[date | None]
    valid_to: Mapped[date | None]
    # Who may get it, in structured form beside the summary (``grants.eligibility`` reads them).
    # Empty lists and None put no condition. Sites narrow the regions to named workplaces.
    licence_level: Mapped[LicenceLevel | None] = mapped_column(enum_type(LicenceLevel, "grant_licence_level"))
    aliyah_within_months: Mapped[int | None]
    first_employment_in_area: Mapped[bool] = mapped_column(default=False, server_default=false())
    # When the record was last checked against its source, and that source (a link or a note).
    verified_on: Mapped[date | None]
    verified_source: Mapped[str | None] = mapped_column(String(500))
    # The ``GrantCriterion`` values checked against the source; the others are shown as unverified.
    verified_criteria: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")

    regions: Mapped[list[Region]] = relationship(secondary=grant_program_regions, order_by=Region.position)
    sites: Mapped[list[Site]] = relationship(secondary=grant_program_sites, order_by=Site.name)
    professions: Mapped[list[Profession]] = relationship(
        secondary=grant_program_professions, order_by=Profession.position
    )
    specialties: Mapped[list[Specialty]] = relationship(secondary=grant_program_specialties, order_by=Specialty.name)

    @property
    def local_summary(self) -> str:
        return self.summaries.get(current_language()) or self.summary

    def is_valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)

    def covers(self, region_slug: str) -> bool:
        return any(region.slug == region_slug for region in self.regions)

    def is_verified(self, criterion: str) -> bool:
        return criterion in self.verified_criteria


@dataclass(frozen=True)
class PostingText:
    """A posting's title and description in one language: its own text or a version of it."""

    language: str
    title: str
    description_md: str

    @property
    def direction(self) -> str:
        return direction_of(self.language)


class PostingTranslation(Model):
    """A version of a posting's text in another of the board's languages, written by the employer
    and reviewed with the posting (not to be confused with ``PostingVersion``, an approved snapshot)."""

    __tablename__ = "posting_translations"

    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    title: Mapped[str] = mapped_column(String(160))
    description_md: Mapped[str] = mapped_column(Text)

    @property
    def text(self) -> PostingText:
        return PostingText(self.language, self.title, self.description_md)


class Posting(TimestampMixin, Model):
    __tablename__ = "postings"
    __table_args__ = (
        CheckConstraint(
            "salary_min_ils IS NULL OR salary_max_ils IS NULL OR salary_min_ils <= salary_max_ils", name="salary_range"
        ),
        CheckConstraint("salary_min_ils IS NULL OR salary_min_ils >= 0", name="salary_not_negative"),
        CheckConstraint("hebrew_level BETWEEN 0 AND 6", name="hebrew_level_range"),
        Index("ix_postings_org_status", "org_id", "status"),
        Index("ix_postings_status_expires", "status", "expires_at"),
        # The programme's figures follow each application to its job's site from this narrow
        # index, not from the wide rows of the postings (``outcomes.paths``).
        Index("ix_postings_site", "id", "site_id"),
        # The employer's own reference for the position (its applicant-tracking system's), set
        # through the API: one posting per reference within the organisation.
        Index("uq_postings_org_id_external_reference", "org_id", "external_reference", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    # Set on a pending edit of a published posting: the row that is live while this one is reviewed.
    revision_of_id: Mapped[int | None] = mapped_column(ForeignKey("postings.id", ondelete="CASCADE"), index=True)
    status: Mapped[PostingStatus] = mapped_column(
        enum_type(PostingStatus, "posting_status"), default=PostingStatus.DRAFT
    )

    title: Mapped[str] = mapped_column(String(160))
    profession_slug: Mapped[str] = mapped_column(ForeignKey("professions.slug"))
    specialty_slug: Mapped[str | None] = mapped_column(ForeignKey("specialties.slug"))
    seniority: Mapped[Seniority] = mapped_column(enum_type(Seniority, "seniority"))
    employment_type: Mapped[EmploymentType] = mapped_column(enum_type(EmploymentType, "employment_type"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="RESTRICT"), index=True)
    licence_requirement: Mapped[LicenceRequirement] = mapped_column(
        enum_type(LicenceRequirement, "licence_requirement")
    )
    hebrew_level: Mapped[int] = mapped_column(default=HebrewLevel.NONE)
    salary_min_ils: Mapped[int | None]
    salary_max_ils: Mapped[int | None]
    start_date: Mapped[date | None]
    # How long the posting stays up once approved; expires_at is fixed from it at approval.
    duration_days: Mapped[int] = mapped_column(default=60)
    description_md: Mapped[str] = mapped_column(Text)
    # The language the title and description are written in (one of the board's).
    text_language: Mapped[str] = mapped_column(String(8), default=DEFAULT, server_default=DEFAULT)

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    first_published_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    expiry_reminder_sent_for: Mapped[datetime | None]
    closed_reason: Mapped[CloseReason | None] = mapped_column(enum_type(CloseReason, "close_reason"))
    moderator_comment: Mapped[str | None] = mapped_column(Text)
    likely_duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("postings.id", ondelete="SET NULL"))
    external_reference: Mapped[str | None] = mapped_column(String(100))

    org: Mapped[Organization] = relationship()
    site: Mapped[Site] = relationship()
    profession: Mapped[Profession] = relationship()
    specialty: Mapped[Specialty | None] = relationship()
    grants: Mapped[list[GrantProgram]] = relationship(secondary=posting_grants, order_by=GrantProgram.name)
    languages: Mapped[list[Language]] = relationship(secondary=posting_languages, order_by=Language.position)
    revision_of: Mapped[Posting | None] = relationship(remote_side=[id], foreign_keys=[revision_of_id])
    translations: Mapped[list[PostingTranslation]] = relationship(
        cascade="all, delete-orphan", order_by=PostingTranslation.language
    )

    @hybrid_property
    def is_revision(self) -> bool:
        """An edit of a published posting (pending, merged or rejected): never public, and lists
        of postings show it with the posting it edits, not on its own."""
        return self.revision_of_id is not None

    @is_revision.inplace.expression
    @classmethod
    def _is_revision_expression(cls) -> ColumnElement[bool]:
        return cls.revision_of_id.is_not(None)

    @hybrid_property
    def live_id(self) -> int:
        """The id the posting is managed and compared under: its own, or a revision's live posting's."""
        return self.revision_of_id or self.id

    @live_id.inplace.expression
    @classmethod
    def _live_id_expression(cls) -> ColumnElement[int]:
        return func.coalesce(cls.revision_of_id, cls.id)

    @property
    def reference(self) -> str | None:
        """The employer's own reference for the posting (set through the API): an edit under
        review carries its live posting's."""
        live = self.revision_of if self.revision_of is not None else self
        return live.external_reference

    @classmethod
    def revisions_of(cls, posting: Posting) -> ColumnElement[bool]:
        """In a query: the edits of ``posting``, whatever their status."""
        return cls.revision_of_id == posting.id

    @property
    def original_text(self) -> PostingText:
        return PostingText(self.text_language, self.title, self.description_md)

    @property
    def texts(self) -> list[PostingText]:
        """The text and its versions, in the order the board lists its languages."""
        by_language = {t.language: t.text for t in self.translations} | {self.text_language: self.original_text}
        return [by_language[code] for code in LANGUAGES if code in by_language]

    def text_in(self, language: str) -> PostingText:
        """The version in ``language`` if there is one, otherwise the text as written."""
        return next((t.text for t in self.translations if t.language == language), self.original_text)

    @property
    def is_listed(self) -> bool:
        """Public and open to applications: published, not past its expiry (the one clock for
        expiry; the worker's status change follows it), and the employer in good standing."""
        return (
            self.status == PostingStatus.PUBLISHED
            and self.expires_at is not None
            and self.expires_at > utcnow()
            and self.org.status == OrgStatus.VERIFIED
        )

    @property
    def is_published(self) -> bool:
        return self.status == PostingStatus.PUBLISHED

    @property
    def is_pending_review(self) -> bool:
        return self.status == PostingStatus.PENDING_REVIEW

    @property
    def is_editable(self) -> bool:
        """Its text may change: in place while it is not public, through a reviewed edit once published."""
        return self.status in EDITABLE or self.status == PostingStatus.PUBLISHED

    @property
    def is_deletable(self) -> bool:
        """A draft, or an edit of a published posting that is not waiting for review (it is discarded)."""
        return self.status == PostingStatus.DRAFT or (
            self.is_revision and self.status == PostingStatus.CHANGES_REQUESTED
        )

    @property
    def is_gone(self) -> bool:
        return self.status in GONE or (self.status == PostingStatus.PUBLISHED and not self.is_listed)

    @property
    def slug(self) -> str:
        """The readable part of the public address, after the id."""
        return posting_slug(self.title, self.site.city.name)

    @property
    def salary_text(self) -> str | None:
        return salary_text(self.salary_min_ils, self.salary_max_ils)

    @property
    def hebrew_level_label(self) -> str:
        return HebrewLevel(self.hebrew_level).label


def salary_text(low: int | None, high: int | None) -> str | None:
    """A monthly salary as the employer gave it: a range, a floor or a ceiling; None without one."""
    if high is None:
        return None if low is None else _("from ₪%(low)s a month", low=number(low))
    if low is None:
        return _("up to ₪%(high)s a month", high=number(high))
    return _("₪%(low)s – ₪%(high)s a month", low=number(low), high=number(high))


# The reasons the board itself gives a transition (people's reasons are kept as they wrote them).
EXPIRY_REASON = "expiry date reached"
RENEWAL_PREFIX = "until "
RENEWAL_REASON = RENEWAL_PREFIX + "{:%Y-%m-%d}"


class PostingTransition(Model):
    """Every change of a posting's status: who, when, from, to and why."""

    __tablename__ = "posting_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[PostingStatus] = mapped_column(enum_type(PostingStatus, "transition_from_status"))
    to_status: Mapped[PostingStatus] = mapped_column(enum_type(PostingStatus, "transition_to_status"))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def action_label(self) -> str:
        """What was done, as the posting's history names it."""
        return {
            "submit": pgettext("posting history", "submit"),
            "withdraw": pgettext("posting history", "withdraw"),
            "approve": pgettext("posting history", "approve"),
            "merge": pgettext("posting history", "merge"),
            "request_changes": pgettext("posting history", "request changes"),
            "reject": pgettext("posting history", "reject"),
            "close": pgettext("posting history", "close"),
            "expire": pgettext("posting history", "expire"),
            "unpublish": pgettext("posting history", "unpublish"),
            "renew": pgettext("posting history", "renew"),
        }.get(self.action, self.action.replace("_", " "))

    @property
    def reason_text(self) -> str | None:
        """The reason as the history shows it: the board's own in the reader's language, a person's as written."""
        reason = self.reason
        if reason is None:
            return None
        if self.action == "expire" and reason == EXPIRY_REASON:
            return _("expiry date reached")
        if self.action == "renew" and reason.startswith(RENEWAL_PREFIX):
            return _("until %(date)s", date=reason.removeprefix(RENEWAL_PREFIX))
        if self.action == "close" and reason in {r.value for r in CloseReason}:
            return CloseReason(reason).label
        return reason


class PostingVersion(Model):
    """The content of a posting as approved, kept so a moderator sees what an edit changes."""

    __tablename__ = "posting_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id", ondelete="CASCADE"), index=True)
    content: Mapped[dict[str, object]] = mapped_column(JSON)
    approved_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class PostingViewCount(Model):
    """Views of a posting's public page on one day (UTC), added to in batches (``jobs.view_counts``),
    so that a page view never writes the posting's row."""

    __tablename__ = "posting_view_counts"

    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    views: Mapped[int]


class ReportReason(enum.StrEnum):
    SCAM = "scam"
    INACCURATE = "inaccurate"
    DISCRIMINATORY = "discriminatory"
    FILLED = "filled"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "scam": _("Looks like a scam or asks for money"),
            "inaccurate": _("Wrong or misleading information"),
            "discriminatory": _("Discriminatory or offensive"),
            "filled": _("The position is already filled"),
            "other": _("Something else"),
        }[self.value]


class PostingReport(Model):
    __tablename__ = "posting_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[ReportReason] = mapped_column(enum_type(ReportReason, "report_reason"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution: Mapped[str | None] = mapped_column(String(32))

    posting: Mapped[Posting] = relationship()


class SavedPosting(Model):
    """A posting a doctor keeps on their list, to come back to."""

    __tablename__ = "saved_postings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id", ondelete="CASCADE"), primary_key=True, index=True)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)

    posting: Mapped[Posting] = relationship()
