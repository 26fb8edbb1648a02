"""Posting rules: writing and editing postings, submitting them for review and closing them
(moderators' decisions are in ``review``, expiry and renewal in ``renewal``). Status changes go
through ``lifecycle.transition``."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date

from flask_babel import gettext as _
from rapidfuzz import fuzz
from sqlalchemy import delete, select

from jobboard.accounts.models import User
from jobboard.core import audit
from jobboard.core.db import utcnow
from jobboard.core.errors import Conflict, DomainError
from jobboard.core.outbox import enqueue
from jobboard.extensions import db
from jobboard.i18n import DEFAULT, LANGUAGES, number
from jobboard.jobs.lifecycle import (
    MAX_LISTING_DAYS,
    SEARCH_SYNC,
    Action,
    close,
    require_verified_org,
    sync_search,
    transition,
)
from jobboard.jobs.models import (
    EDITABLE,
    OPEN,
    CloseReason,
    EmploymentType,
    GrantProgram,
    LicenceRequirement,
    Posting,
    PostingStatus,
    PostingText,
    PostingTranslation,
    Seniority,
)
from jobboard.jobs.queries import open_revision, posting_by_reference
from jobboard.orgs.models import Organization, Site
from jobboard.vocab.models import HebrewLevel, Language
from jobboard.vocab.rules import check_profession_and_specialty

MAX_SALARY_ILS = 1_000_000
MAX_TITLE_CHARS = 160
MAX_DESCRIPTION_CHARS = 20_000
# Title and description of two postings at one site for one specialty this similar (0–100,
# rapidfuzz's token sort ratio) make the newer one a likely duplicate.
DUPLICATE_SIMILARITY = 80
PHYSICIAN = "physician"
# An edit of a published posting goes to review unless it changes only these: every other field
# is something a doctor filters on or decides by.
UNREVIEWED_FIELDS = frozenset({"duration_days"})


@dataclass
class PostingContent:
    title: str
    profession_slug: str
    specialty_slug: str | None
    seniority: Seniority
    employment_type: EmploymentType
    site_id: int
    licence_requirement: LicenceRequirement
    hebrew_level: HebrewLevel
    description_md: str
    salary_min_ils: int | None = None
    salary_max_ils: int | None = None
    start_date: date | None = None
    duration_days: int = 60
    grant_ids: list[int] = field(default_factory=list)
    language_codes: list[str] = field(default_factory=list)
    text_language: str = DEFAULT
    # The versions of the title and description in other languages, kept in language order.
    translations: list[PostingText] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.translations = sorted(self.translations, key=lambda text: text.language)

    @classmethod
    def of(cls, posting: Posting) -> PostingContent:
        return cls(
            title=posting.title,
            profession_slug=posting.profession_slug,
            specialty_slug=posting.specialty_slug,
            seniority=posting.seniority,
            employment_type=posting.employment_type,
            site_id=posting.site_id,
            licence_requirement=posting.licence_requirement,
            hebrew_level=HebrewLevel(posting.hebrew_level),
            description_md=posting.description_md,
            salary_min_ils=posting.salary_min_ils,
            salary_max_ils=posting.salary_max_ils,
            start_date=posting.start_date,
            duration_days=posting.duration_days,
            grant_ids=sorted(g.id for g in posting.grants),
            language_codes=sorted(lang.code for lang in posting.languages),
            text_language=posting.text_language,
            translations=[t.text for t in posting.translations],
        )

    def changed_fields(self, other: PostingContent) -> set[str]:
        return {f.name for f in fields(self) if getattr(self, f.name) != getattr(other, f.name)}


class LikelyDuplicate(Conflict):
    def __init__(self, duplicate: Posting):
        super().__init__(
            _(
                "This looks like your posting #%(id)s “%(title)s” at the same site. "
                "Confirm that it is a different position to submit it anyway.",
                id=duplicate.id,
                title=duplicate.title,
            )
        )
        self.duplicate = duplicate


# --- content -------------------------------------------------------------------------------


def _validate(
    org: Organization, content: PostingContent, kept_grant_ids: frozenset[int] = frozenset()
) -> tuple[Site, list[GrantProgram], list[Language]]:
    """``kept_grant_ids``: grants the posting already has, which stay allowed after they end."""
    site = db.session.get(Site, content.site_id)
    if site is None or site.org_id != org.id:
        raise DomainError(_("Choose one of your organisation's sites."), field="site_id")
    if not content.profession_slug:
        raise DomainError(_("Choose a profession from the list."), field="profession_slug")
    check_profession_and_specialty(content.profession_slug, content.specialty_slug)
    if content.profession_slug == PHYSICIAN and not content.specialty_slug:
        raise DomainError(_("A physician's position needs a specialty."), field="specialty_slug")
    for name in ("salary_min_ils", "salary_max_ils"):
        value = getattr(content, name)
        if value is not None and not 0 <= value <= MAX_SALARY_ILS:
            raise DomainError(
                _("A monthly salary is between 0 and %(max)s ILS.", max=number(MAX_SALARY_ILS)), field=name
            )
    if (
        content.salary_min_ils is not None
        and content.salary_max_ils is not None
        and content.salary_min_ils > content.salary_max_ils
    ):
        raise DomainError(_("The lowest salary cannot be above the highest."), field="salary_max_ils")
    if not 7 <= content.duration_days <= MAX_LISTING_DAYS:
        raise DomainError(
            _("A posting stays up between 7 and %(max)d days.", max=MAX_LISTING_DAYS), field="duration_days"
        )
    grants = list(db.session.scalars(select(GrantProgram).where(GrantProgram.id.in_(content.grant_ids))))
    if len(grants) != len(set(content.grant_ids)):
        raise DomainError(_("Choose grant programs from the list."), field="grant_ids")
    today = utcnow().date()
    for grant in grants:
        if grant.valid_to is not None and grant.valid_to < today and grant.id not in kept_grant_ids:
            raise DomainError(
                _("“%(grant)s” has ended and can no longer be offered.", grant=grant.local_name), field="grant_ids"
            )
        if not grant.covers(site.city.region_slug):
            raise DomainError(
                _(
                    "“%(grant)s” does not cover %(region)s, where %(site)s is.",
                    grant=grant.local_name,
                    region=site.city.region.local_name,
                    site=site.name,
                ),
                field="grant_ids",
            )
    languages = list(db.session.scalars(select(Language).where(Language.code.in_(content.language_codes))))
    if len(languages) != len(set(content.language_codes)):
        raise DomainError(_("Choose languages from the list."), field="language_codes")
    _validate_texts(content)
    return site, grants, languages


def _validate_texts(content: PostingContent) -> None:
    """The text's language is one the board speaks, and each version is in another of them, once.
    A version's errors name its fields as ``translations.<language>.<field>``."""
    if content.text_language not in LANGUAGES:
        raise DomainError(_("Choose the language of the text from the list."), field="text_language")
    seen: set[str] = set()
    for text in content.translations:
        prefix = f"translations.{text.language}"
        if text.language not in LANGUAGES:
            raise DomainError(
                _(
                    "Versions can be written in the board's languages only: %(languages)s.",
                    languages=", ".join(LANGUAGES.values()),
                ),
                field=f"{prefix}.title",
            )
        name = LANGUAGES[text.language]
        if text.language == content.text_language:
            raise DomainError(
                _(
                    "The text is written in %(language)s already. Leave this version empty, "
                    "or choose another language for the text.",
                    language=name,
                ),
                field=f"{prefix}.title",
            )
        if text.language in seen:
            raise DomainError(_("There is a version in %(language)s already.", language=name), field=f"{prefix}.title")
        seen.add(text.language)
        if not text.title.strip() or len(text.title) > MAX_TITLE_CHARS:
            raise DomainError(
                _("Give the version a title of at most %(max)s characters.", max=number(MAX_TITLE_CHARS)),
                field=f"{prefix}.title",
            )
        if not text.description_md.strip() or len(text.description_md) > MAX_DESCRIPTION_CHARS:
            raise DomainError(
                _("Give the version a description of at most %(max)s characters.", max=number(MAX_DESCRIPTION_CHARS)),
                field=f"{prefix}.description_md",
            )


def apply_content(
    posting: Posting, content: PostingContent, grants: list[GrantProgram], languages: list[Language]
) -> None:
    for name in (
        "title",
        "profession_slug",
        "specialty_slug",
        "seniority",
        "employment_type",
        "site_id",
        "licence_requirement",
        "description_md",
        "salary_min_ils",
        "salary_max_ils",
        "start_date",
        "duration_days",
    ):
        setattr(posting, name, getattr(content, name))
    posting.hebrew_level = int(content.hebrew_level)
    posting.grants = grants
    posting.languages = languages
    posting.text_language = content.text_language
    _apply_translations(posting, content.translations)


def _apply_translations(posting: Posting, texts: list[PostingText]) -> None:
    """The posting's versions become ``texts``: a version kept is changed in place (a language is a
    version's key, and a replacement row would be inserted before the old one is deleted)."""
    wanted = {text.language: text for text in texts}
    kept = []
    for translation in posting.translations:
        text = wanted.pop(translation.language, None)
        if text is not None:
            translation.title, translation.description_md = text.title, text.description_md
            kept.append(translation)
    added = [
        PostingTranslation(language=t.language, title=t.title, description_md=t.description_md) for t in wanted.values()
    ]
    posting.translations = sorted([*kept, *added], key=lambda translation: translation.language)


def create_posting(org: Organization, user: User, content: PostingContent) -> Posting:
    _site, grants, languages = _validate(org, content)
    posting = Posting(org_id=org.id, created_by_id=user.id, status=PostingStatus.DRAFT)
    apply_content(posting, content, grants, languages)
    db.session.add(posting)
    db.session.flush()
    return posting


def update_posting(posting: Posting, user: User, content: PostingContent) -> Posting:
    """Save an edit. Returns the row that holds it: the posting itself, or, for a change of a
    published posting's reviewed fields, the revision submitted for review (the published
    version stays visible until the revision is approved)."""
    _site, grants, languages = _validate(posting.org, content, frozenset(g.id for g in posting.grants))
    if posting.status in EDITABLE:
        apply_content(posting, content, grants, languages)
        return posting
    if posting.is_pending_review:
        raise Conflict(_("This posting is waiting for review. Withdraw it from review to edit it."))
    if not posting.is_editable:
        raise Conflict(
            _(
                "A posting that is %(status)s cannot be edited. Duplicate it instead.",
                status=posting.status.label.lower(),
            )
        )
    if PostingContent.of(posting).changed_fields(content) <= UNREVIEWED_FIELDS:
        apply_content(posting, content, grants, languages)
        audit.record(
            "posting.edited", actor_id=user.id, subject_type="posting", subject_id=posting.id, org_id=posting.org_id
        )
        sync_search(posting)
        return posting
    revision = open_revision(posting)
    if revision is not None and revision.is_pending_review:
        raise Conflict(
            _("An edit of this posting is already waiting for review. Withdraw it from review to change it.")
        )
    if revision is None:
        revision = Posting(
            org_id=posting.org_id, created_by_id=user.id, revision_of=posting, status=PostingStatus.DRAFT
        )
        db.session.add(revision)
    apply_content(revision, content, grants, languages)
    db.session.flush()
    submit(revision, user, acknowledge_duplicate=True)
    return revision


def save_by_reference(org: Organization, user: User, reference: str, content: PostingContent) -> tuple[Posting, bool]:
    """The employer's own reference (their applicant-tracking system's) names the posting: the
    first save creates the draft, a later one edits it as the edit form does (a published
    posting's change goes to review). Returns the posting and whether it was created."""
    posting = posting_by_reference(org, reference)
    if posting is None:
        posting = create_posting(org, user, content)
        posting.external_reference = reference
        return posting, True
    update_posting(posting, user, content)
    return posting, False


def duplicate_posting(posting: Posting, user: User) -> Posting:
    content = PostingContent.of(posting)
    today = utcnow().date()
    content.grant_ids = [g.id for g in posting.grants if g.valid_to is None or g.valid_to >= today]
    return create_posting(posting.org, user, content)


def delete_posting(posting: Posting, user: User) -> None:
    if not posting.is_deletable:
        raise Conflict(_("Only drafts can be deleted. Close a published posting instead."))
    audit.record(
        "posting.deleted", actor_id=user.id, subject_type="posting", subject_id=posting.id, org_id=posting.org_id
    )
    db.session.delete(posting)


# --- submission, closing, the search index -------------------------------------------------


def _comparable_text(posting: Posting) -> str:
    return f"{posting.title}\n{posting.description_md}".casefold()


def find_likely_duplicate(posting: Posting) -> Posting | None:
    """An open posting of the same organisation, site and specialty with mostly the same text
    (another posting: not this one's live version or its edits)."""
    candidates = db.session.scalars(
        select(Posting).where(
            Posting.org_id == posting.org_id,
            Posting.site_id == posting.site_id,
            Posting.specialty_slug.is_(None)
            if posting.specialty_slug is None
            else Posting.specialty_slug == posting.specialty_slug,
            Posting.status.in_(OPEN),
            Posting.live_id != posting.live_id,
        )
    )
    text = _comparable_text(posting)
    best = max(candidates, key=lambda other: fuzz.token_sort_ratio(text, _comparable_text(other)), default=None)
    if best is not None and fuzz.token_sort_ratio(text, _comparable_text(best)) >= DUPLICATE_SIMILARITY:
        return best
    return None


def submit(posting: Posting, user: User, *, acknowledge_duplicate: bool = False) -> None:
    require_verified_org(posting)
    duplicate = find_likely_duplicate(posting)
    if duplicate is not None and not acknowledge_duplicate:
        raise LikelyDuplicate(duplicate)
    transition(posting, Action.SUBMIT, user)
    posting.likely_duplicate_of_id = duplicate.id if duplicate else None
    posting.submitted_at = utcnow()
    posting.moderator_comment = None


def withdraw_submission(posting: Posting, user: User) -> None:
    transition(posting, Action.WITHDRAW, user)


def discard_revisions(posting: Posting) -> None:
    """Pending edits of a posting that is no longer listed have nothing left to change."""
    db.session.execute(delete(Posting).where(Posting.revisions_of(posting), Posting.status != PostingStatus.MERGED))


def close_posting(posting: Posting, user: User, reason: CloseReason) -> None:
    close(posting, user, reason)
    discard_revisions(posting)


def sync_org_postings(org: Organization) -> int:
    """Queue index updates for the organisation's published postings (its standing decides
    whether they are listed)."""
    ids = list(
        db.session.scalars(
            select(Posting.id).where(Posting.org_id == org.id, Posting.status == PostingStatus.PUBLISHED)
        )
    )
    for posting_id in ids:
        enqueue(SEARCH_SYNC, {"posting_id": posting_id})
    return len(ids)
