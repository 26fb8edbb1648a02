"""Postings under review: the approved versions, the moderators' decisions, and reports from readers."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import LazyString
from flask_babel import gettext as _
from sqlalchemy import select

from jobboard.accounts.models import User
from jobboard.core import audit
from jobboard.core.db import utcnow
from jobboard.core.errors import Conflict
from jobboard.core.events import Event
from jobboard.extensions import db
from jobboard.i18n import LANGUAGES, in_language
from jobboard.i18n import lazy_gettext as _l
from jobboard.jobs.lifecycle import (
    Action,
    IllegalTransition,
    notify_staff,
    posting_event,
    require_verified_org,
    sync_search,
    transition,
)
from jobboard.jobs.models import (
    Posting,
    PostingReport,
    PostingVersion,
    ReportReason,
)
from jobboard.jobs.services import PostingContent, apply_content, discard_revisions


def snapshot(posting: Posting) -> dict[str, object]:
    """The posting's content in readable form, for versions and the moderators' diff: in English
    whoever approves, so that a version compares with the next one (``SNAPSHOT_FIELDS`` names the
    fields in the moderator's language)."""
    with in_language(None):
        return _snapshot(posting)


# The snapshot's fields, by the names versions store them under.
SNAPSHOT_FIELDS = {
    "Title": _l("Title"),
    "Profession": _l("Profession"),
    "Specialty": _l("Specialty"),
    "Seniority": _l("Seniority"),
    "Employment": _l("Employment"),
    "Site": _l("Site"),
    "Licence": _l("Licence"),
    "Hebrew": _l("Hebrew"),
    "Languages": _l("Languages"),
    "Salary": _l("Salary"),
    "Start date": _l("Start date"),
    "Listed for": _l("Listed for"),
    "Grants": _l("Grants"),
    "Description": _l("Description"),
    "Language of the text": _l("Language of the text"),
    # The versions in other languages, by language code.
    **{f"Title ({code})": _l("Title (%(language)s)", language=name) for code, name in LANGUAGES.items()},
    **{f"Description ({code})": _l("Description (%(language)s)", language=name) for code, name in LANGUAGES.items()},
}


def _snapshot(posting: Posting) -> dict[str, object]:
    return {
        "Title": posting.title,
        "Profession": posting.profession.name,
        "Specialty": posting.specialty.name if posting.specialty else "",
        "Seniority": posting.seniority.label,
        "Employment": posting.employment_type.label,
        "Site": f"{posting.site.name}, {posting.site.city.name}",
        "Licence": posting.licence_requirement.label,
        "Hebrew": posting.hebrew_level_label,
        "Languages": ", ".join(lang.name for lang in posting.languages),
        "Salary": posting.salary_text or "",
        "Start date": posting.start_date.isoformat() if posting.start_date else "",
        "Listed for": f"{posting.duration_days} days",
        "Grants": "\n".join(g.name for g in posting.grants),
        "Description": posting.description_md,
        "Language of the text": LANGUAGES[posting.text_language],
        **{
            key: value
            for t in posting.translations
            for key, value in ((f"Title ({t.language})", t.title), (f"Description ({t.language})", t.description_md))
        },
    }


def _record_version(posting: Posting, admin: User) -> None:
    db.session.add(PostingVersion(posting_id=posting.id, content=snapshot(posting), approved_by_id=admin.id))


def last_approved_version(posting: Posting) -> PostingVersion | None:
    """What a moderator compares a submission with: the live posting's latest approved content."""
    return db.session.scalar(
        select(PostingVersion)
        .where(PostingVersion.posting_id == posting.live_id)
        .order_by(PostingVersion.id.desc())
        .limit(1)
    )


def _merge_revision(revision: Posting, admin: User) -> Posting:
    live = revision.revision_of
    if live is None or not live.is_listed:
        raise Conflict(_("The published posting this edit belongs to is no longer listed."))
    content = PostingContent.of(revision)
    apply_content(live, content, list(revision.grants), list(revision.languages))
    transition(revision, Action.MERGE, admin)
    live.approved_at = utcnow()
    return live


def approve(posting: Posting, admin: User) -> Posting:
    """Publish the posting (or merge an edit into its live posting); returns the live posting."""
    require_verified_org(posting)
    if posting.is_revision and posting.is_pending_review:
        live = _merge_revision(posting, admin)
    else:
        transition(posting, Action.APPROVE, admin)
        now = utcnow()
        posting.approved_at = now
        posting.first_published_at = posting.first_published_at or now
        posting.expires_at = now + timedelta(days=posting.duration_days)
        live = posting
    posting.moderator_comment = None
    db.session.flush()
    _record_version(live, admin)
    audit.record(
        "posting.approved", actor_id=admin.id, subject_type="posting", subject_id=posting.id, org_id=posting.org_id
    )
    sync_search(live)
    notify_staff(
        live,
        _l("Your posting “%(title)s” is published", title=live.title),
        "jobs/approved",
        revision=posting is not live,
    )
    if posting is live:
        posting_event(Event.POSTING_PUBLISHED, live)
    return live


def _decide(posting: Posting, admin: User, action: Action, reason: str) -> None:
    """A moderator's decision that needs a reason; the employer reads the reason."""
    transition(posting, action, admin, reason=reason)
    posting.moderator_comment = reason.strip()


def _announce(posting: Posting, admin: User, event: str, subject: LazyString, template: str, **details: object) -> None:
    audit.record(
        event,
        actor_id=admin.id,
        subject_type="posting",
        subject_id=posting.id,
        org_id=posting.org_id,
        reason=posting.moderator_comment,
        **details,
    )
    notify_staff(posting, subject, template, reason=posting.moderator_comment)


def request_changes(posting: Posting, admin: User, comment: str) -> None:
    _decide(posting, admin, Action.REQUEST_CHANGES, comment)
    _announce(
        posting,
        admin,
        "posting.changes_requested",
        _l("The moderators ask for changes to your posting “%(title)s”", title=posting.title),
        "jobs/changes_requested",
    )
    posting_event(Event.POSTING_CHANGES_REQUESTED, posting)


def reject(posting: Posting, admin: User, reason: str) -> None:
    _decide(posting, admin, Action.REJECT, reason)
    _announce(
        posting,
        admin,
        "posting.rejected",
        _l("Your posting “%(title)s” was not published", title=posting.title),
        "jobs/rejected",
    )


def unpublish(posting: Posting, admin: User, reason: str) -> None:
    _decide(posting, admin, Action.UNPUBLISH, reason)
    discard_revisions(posting)
    resolved = _resolve_reports(posting, admin, "unpublished")
    sync_search(posting)
    _announce(
        posting,
        admin,
        "posting.unpublished",
        _l("Your posting “%(title)s” was taken off the board", title=posting.title),
        "jobs/unpublished",
        reports_resolved=resolved,
    )


def report_posting(posting: Posting, reporter: User | None, reason: ReportReason, note: str | None) -> PostingReport:
    if not posting.is_listed:
        raise IllegalTransition(_("Only a published posting can be reported."))
    report = PostingReport(
        posting_id=posting.id, reporter_id=reporter.id if reporter else None, reason=reason, note=note or None
    )
    db.session.add(report)
    return report


def _resolve_reports(posting: Posting, admin: User, resolution: str) -> int:
    reports = db.session.scalars(
        select(PostingReport).where(PostingReport.posting_id == posting.id, PostingReport.resolved_at.is_(None))
    )
    count = 0
    for report in reports:
        report.resolved_at, report.resolved_by_id, report.resolution = utcnow(), admin.id, resolution
        count += 1
    return count


def dismiss_reports(posting: Posting, admin: User) -> None:
    count = _resolve_reports(posting, admin, "dismissed")
    if not count:
        raise Conflict(_("There are no open reports about this posting."))
    audit.record(
        "posting.reports_dismissed",
        actor_id=admin.id,
        subject_type="posting",
        subject_id=posting.id,
        org_id=posting.org_id,
        count=count,
    )
