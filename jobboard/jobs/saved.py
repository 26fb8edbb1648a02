"""A doctor's saved postings: a list to come back to. Saving asks for a listed posting (one
taken down stays on the list, marked as no longer open, until the doctor removes it); saving
twice or removing what is not there changes nothing, so a double click or a form sent again
does no harm."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import delete, select

from jobboard.accounts.models import User
from jobboard.core.errors import NotFound, NotPermitted
from jobboard.extensions import db
from jobboard.jobs.models import Posting, SavedPosting
from jobboard.jobs.queries import postings_with_details


def save(doctor: User, posting: Posting) -> None:
    if not doctor.is_doctor:
        raise NotPermitted(_("Only doctors keep a list of saved postings."))
    if not posting.is_listed:
        raise NotFound(_("This posting is no longer open."))
    if db.session.get(SavedPosting, (doctor.id, posting.id)) is None:
        db.session.add(SavedPosting(user_id=doctor.id, posting_id=posting.id))
        db.session.flush()


def unsave(doctor: User, posting: Posting) -> None:
    db.session.execute(
        delete(SavedPosting).where(SavedPosting.user_id == doctor.id, SavedPosting.posting_id == posting.id)
    )


def saved_ids(doctor: User) -> frozenset[int]:
    return frozenset(db.session.scalars(select(SavedPosting.posting_id).where(SavedPosting.user_id == doctor.id)))


def saved_postings(doctor: User) -> list[Posting]:
    """The postings on the doctor's list, the latest saved first, with what a card shows."""
    ids = list(
        db.session.scalars(
            select(SavedPosting.posting_id)
            .where(SavedPosting.user_id == doctor.id)
            .order_by(SavedPosting.saved_at.desc(), SavedPosting.posting_id.desc())
        )
    )
    return postings_with_details(ids)
