"""The demo postings' moderation history, so the admin's audit log and a posting's history tell a
believable story: each posting submitted by the employer's recruiter, most approved at once,
some sent back with a request for changes and approved once resubmitted, a few rejected with a
reason and written again as a new posting; some still wait with changes requested, and a few
stay rejected. Times run backwards from the day the posting went up."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from jobboard.accounts.models import User
from jobboard.core import audit
from jobboard.extensions import db
from jobboard.jobs.models import Posting, PostingStatus, PostingTransition
from jobboard.jobs.services import duplicate_posting
from jobboard.orgs.models import Membership, Role

S = PostingStatus

CHANGES_ASKED = (
    "Please give the monthly salary range: doctors look for it first.",
    "The description asks for fluent Hebrew but the Hebrew level says B1; say which one holds.",
    "Say how many on-call nights a month the position has.",
    "Name the department the position is in; the description speaks of two.",
)
REJECTED_BECAUSE = (
    "The description is copied from another employer's posting; write it for your own department.",
    "The posting asks candidates to pay a registration fee, which the board does not allow.",
)


def author_of(posting: Posting) -> User | None:
    """Who submits the organisation's postings in the story: a recruiter, else an owner."""
    return db.session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.org_id == posting.org_id, Membership.role.in_([Role.RECRUITER, Role.OWNER]))
        .order_by(Membership.role.desc(), Membership.id)
        .limit(1)
    )


def _step(
    posting: Posting,
    actor: User | None,
    action: str,
    move: tuple[PostingStatus, PostingStatus],
    at: datetime,
    reason: str | None = None,
) -> None:
    db.session.add(
        PostingTransition(
            posting_id=posting.id,
            actor_id=actor.id if actor else None,
            action=action,
            from_status=move[0],
            to_status=move[1],
            reason=reason,
            created_at=at,
        )
    )
    event = {
        "approve": "posting.approved",
        "request_changes": "posting.changes_requested",
        "reject": "posting.rejected",
    }
    if action in event:
        entry = audit.record(
            event[action],
            actor_id=actor.id if actor else None,
            subject_type="posting",
            subject_id=posting.id,
            org_id=posting.org_id,
            reason=reason,
        )
        entry.created_at = at


def _submit(posting: Posting, author: User | None, at: datetime, *, again: bool = False) -> None:
    _step(posting, author, "submit", (S.CHANGES_REQUESTED if again else S.DRAFT, S.PENDING_REVIEW), at)


def _sent_back(posting: Posting, admin: User, author: User | None, at: datetime, rng: random.Random) -> datetime:
    """Submitted, changes asked for the next day, submitted again: the moment it was."""
    _submit(posting, author, at - timedelta(days=4))
    asked = rng.choice(CHANGES_ASKED)
    _step(posting, admin, "request_changes", (S.PENDING_REVIEW, S.CHANGES_REQUESTED), at - timedelta(days=3), asked)
    return at - timedelta(days=1)


def _rejected(posting: Posting, admin: User, author: User | None, at: datetime, rng: random.Random) -> None:
    reason = rng.choice(REJECTED_BECAUSE)
    _submit(posting, author, at - timedelta(days=1))
    _step(posting, admin, "reject", (S.PENDING_REVIEW, S.REJECTED), at, reason)
    posting.status, posting.submitted_at, posting.moderator_comment = S.REJECTED, at - timedelta(days=1), reason
    posting.created_at = at - timedelta(days=2)


def tell(posting: Posting, state: PostingStatus, at: datetime, admin: User, rng: random.Random) -> PostingStatus:
    """Write the posting's way to ``state`` (reached at ``at``) up to its approval, which the
    caller records; returns the state it ends in (some pending ones end with changes asked)."""
    author = author_of(posting)
    roll = rng.random()
    if state == S.PENDING_REVIEW:
        if roll < 0.25:  # sent back, and not resubmitted yet
            _submit(posting, author, at - timedelta(days=2))
            reason = rng.choice(CHANGES_ASKED)
            _step(posting, admin, "request_changes", (S.PENDING_REVIEW, S.CHANGES_REQUESTED), at, reason)
            posting.moderator_comment = reason
            return S.CHANGES_REQUESTED
        if roll < 0.45:
            at = _sent_back(posting, admin, author, at, rng)
            _submit(posting, author, at, again=True)
            return state
        _submit(posting, author, at)
        return state
    if roll < 0.06:  # rejected first, then written again as this posting
        earlier = duplicate_posting(posting, author or admin)
        _rejected(earlier, admin, author, at - timedelta(days=6), rng)
    if 0.06 <= roll < 0.22:
        resubmitted = _sent_back(posting, admin, author, at, rng)
        _submit(posting, author, resubmitted, again=True)
    else:
        _submit(posting, author, at - timedelta(days=1))
    return state
