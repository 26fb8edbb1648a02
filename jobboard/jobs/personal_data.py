"""Saved postings: the doctor's list (which postings, since when), deleted with the account.
Reports of postings: the reporter's own data (which posting, why, their note). When the account
goes, the report stays for the moderators with its reason, without the reporter or the note,
which is in their words and may name them. The other user keys of postings record which staff
member or administrator acted: the organisation's record, emptied when that account goes."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload

from jobboard.accounts.models import User
from jobboard.core.personal_data import Exported, iso, register_attribution, register_section
from jobboard.extensions import db
from jobboard.i18n import lazy_gettext as _l
from jobboard.jobs.models import Posting, PostingReport, PostingTransition, PostingVersion, SavedPosting


def _export(user: User) -> Exported:
    reports = db.session.scalars(
        select(PostingReport)
        .options(joinedload(PostingReport.posting))
        .where(PostingReport.reporter_id == user.id)
        .order_by(PostingReport.id)
    )
    return Exported(
        [
            {
                "posting": {"id": r.posting_id, "title": r.posting.title},
                "reason": r.reason.value,
                "note": r.note,
                "reported_at": iso(r.created_at),
            }
            for r in reports
        ]
    )


def _erase(user: User) -> None:
    db.session.execute(
        update(PostingReport).where(PostingReport.reporter_id == user.id).values(reporter_id=None, note=None)
    )


def _export_saved(user: User) -> Exported:
    rows = db.session.execute(
        select(SavedPosting.posting_id, Posting.title, SavedPosting.saved_at)
        .join(Posting, Posting.id == SavedPosting.posting_id)
        .where(SavedPosting.user_id == user.id)
        .order_by(SavedPosting.saved_at, SavedPosting.posting_id)
    ).tuples()
    return Exported(
        [
            {"posting": {"id": posting_id, "title": title}, "saved_at": iso(saved_at)}
            for posting_id, title, saved_at in rows
        ]
    )


def _erase_saved(user: User) -> None:
    db.session.execute(delete(SavedPosting).where(SavedPosting.user_id == user.id))


def register(app: Flask) -> None:
    register_section(
        app,
        "reports",
        _l("The postings you reported, with your reason and note."),
        covers=(PostingReport.reporter_id,),
        export=_export,
        erase=_erase,
    )
    register_section(
        app,
        "saved_postings",
        _l("The postings you saved to your list, and when."),
        covers=(SavedPosting.user_id,),
        export=_export_saved,
        erase=_erase_saved,
    )
    register_attribution(app, "the staff member who wrote the posting", Posting.created_by_id)
    register_attribution(app, "who changed the posting's status", PostingTransition.actor_id)
    register_attribution(app, "the administrator who approved this version", PostingVersion.approved_by_id)
    register_attribution(app, "the administrator who resolved the report", PostingReport.resolved_by_id)
