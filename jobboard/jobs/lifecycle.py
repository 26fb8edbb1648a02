"""The posting state machine: the only place a posting's status changes.

    draft ──submit──► pending_review ──approve──► published ──close──► closed
      ▲                 │     │                     │  │
      └─withdraw────────┘     ├─request_changes─► changes_requested ──submit──► pending_review
                              └─reject──► rejected (final)       │  └─expire──► expired
                                                 published ──unpublish──► unpublished ──submit──► …
                                                 published ──renew──► published (later expiry)

An edit of a published posting is a separate row (``Posting.is_revision``) that goes through the
same machine; approving it merges its content into the live posting (status ``merged``).

Each transition checks who may make it, writes a ``PostingTransition`` (who, when, from, to,
why), an audit row for moderators' decisions, an e-mail to the organisation's staff where
someone should hear of it, and a search-index update when what is public changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from flask_babel import LazyString
from flask_babel import gettext as _

from jobboard.accounts.models import User
from jobboard.core.db import utcnow
from jobboard.core.errors import Conflict, DomainError, NotPermitted
from jobboard.core.events import Event, emit
from jobboard.core.outbox import enqueue
from jobboard.core.urls import external_url
from jobboard.extensions import db
from jobboard.jobs.models import EXPIRY_REASON, RENEWAL_REASON, CloseReason, Posting, PostingStatus, PostingTransition
from jobboard.mail import queue_mail
from jobboard.orgs import queries as org_queries
from jobboard.orgs.models import OrgStatus

MAX_LISTING_DAYS = 180
SEARCH_SYNC = "search.sync"


class Actor(StrEnum):
    EMPLOYER = "employer"  # a recruiter or owner of the posting's organisation
    ADMIN = "admin"
    SYSTEM = "system"  # the worker


class Action(StrEnum):
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    APPROVE = "approve"
    MERGE = "merge"  # approve an edit of a published posting
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"
    CLOSE = "close"
    EXPIRE = "expire"
    UNPUBLISH = "unpublish"
    RENEW = "renew"


@dataclass(frozen=True)
class Rule:
    target: PostingStatus
    actor: Actor
    needs_reason: bool = False


S = PostingStatus
TRANSITIONS: dict[tuple[PostingStatus, Action], Rule] = {
    (S.DRAFT, Action.SUBMIT): Rule(S.PENDING_REVIEW, Actor.EMPLOYER),
    (S.CHANGES_REQUESTED, Action.SUBMIT): Rule(S.PENDING_REVIEW, Actor.EMPLOYER),
    (S.UNPUBLISHED, Action.SUBMIT): Rule(S.PENDING_REVIEW, Actor.EMPLOYER),
    (S.PENDING_REVIEW, Action.WITHDRAW): Rule(S.DRAFT, Actor.EMPLOYER),
    (S.PENDING_REVIEW, Action.APPROVE): Rule(S.PUBLISHED, Actor.ADMIN),
    (S.PENDING_REVIEW, Action.MERGE): Rule(S.MERGED, Actor.ADMIN),
    (S.PENDING_REVIEW, Action.REQUEST_CHANGES): Rule(S.CHANGES_REQUESTED, Actor.ADMIN, needs_reason=True),
    (S.PENDING_REVIEW, Action.REJECT): Rule(S.REJECTED, Actor.ADMIN, needs_reason=True),
    (S.PUBLISHED, Action.CLOSE): Rule(S.CLOSED, Actor.EMPLOYER),
    (S.PUBLISHED, Action.EXPIRE): Rule(S.EXPIRED, Actor.SYSTEM),
    (S.PUBLISHED, Action.UNPUBLISH): Rule(S.UNPUBLISHED, Actor.ADMIN, needs_reason=True),
    (S.PUBLISHED, Action.RENEW): Rule(S.PUBLISHED, Actor.EMPLOYER),
}


class IllegalTransition(Conflict):
    pass


def allowed_actions(posting: Posting, actor: Actor) -> set[Action]:
    return {
        action for (status, action), rule in TRANSITIONS.items() if status == posting.status and rule.actor == actor
    }


def _check_actor(posting: Posting, user: User | None, actor: Actor) -> None:
    if actor == Actor.SYSTEM:
        if user is not None:
            raise NotPermitted(_("Only the system makes this change."))
        return
    if user is None:
        raise NotPermitted(_("Sign in to do this."))
    if actor == Actor.ADMIN:
        if not user.can_administer:
            raise NotPermitted(_("Only administrators moderate postings."))
        return
    if not org_queries.acts_for(user, posting.org_id):
        raise NotPermitted(_("Only the organisation's recruiters and owners manage its postings."))


def transition(posting: Posting, action: Action, user: User | None, *, reason: str | None = None) -> Rule:
    """Apply ``action`` if the machine allows it from the posting's status for this user."""
    rule = TRANSITIONS.get((posting.status, action))
    if (action == Action.MERGE and not posting.is_revision) or (action == Action.APPROVE and posting.is_revision):
        rule = None
    if rule is None:
        raise IllegalTransition(_refusal(action, posting.status.label.lower()))
    _check_actor(posting, user, rule.actor)
    reason = (reason or "").strip() or None
    if rule.needs_reason and not reason:
        raise DomainError(_("Give a reason; the employer will read it."), field="reason")
    db.session.add(
        PostingTransition(
            posting_id=posting.id,
            actor_id=user.id if user else None,
            action=action.value,
            from_status=posting.status,
            to_status=rule.target,
            reason=reason,
        )
    )
    posting.status = rule.target
    return rule


def _refusal(action: Action, status: str) -> str:
    """Why the action cannot be done from ``status`` (the status's label, in lower case)."""
    return {
        Action.SUBMIT: _("A posting that is %(status)s cannot be submitted.", status=status),
        Action.WITHDRAW: _("A posting that is %(status)s cannot be withdrawn from review.", status=status),
        Action.APPROVE: _("A posting that is %(status)s cannot be approved.", status=status),
        Action.MERGE: _("A posting that is %(status)s cannot be merged into its published version.", status=status),
        Action.REQUEST_CHANGES: _("A posting that is %(status)s cannot be sent back for changes.", status=status),
        Action.REJECT: _("A posting that is %(status)s cannot be rejected.", status=status),
        Action.CLOSE: _("A posting that is %(status)s cannot be closed.", status=status),
        Action.EXPIRE: _("A posting that is %(status)s cannot be expired.", status=status),
        Action.UNPUBLISH: _("A posting that is %(status)s cannot be unpublished.", status=status),
        Action.RENEW: _("A posting that is %(status)s cannot be renewed.", status=status),
    }[action]


def sync_search(posting: Posting) -> None:
    """Queue an index update; the handler reads the row's current state when it runs."""
    enqueue(SEARCH_SYNC, {"posting_id": posting.id})


def notify_staff(posting: Posting, subject: LazyString, template: str, **context: Any) -> None:
    url = external_url("jobs.manage", org_slug=posting.org.slug, posting_id=posting.live_id)
    for user in org_queries.staff(posting.org_id):
        queue_mail(user.email, subject, template, language=user.language, posting=posting, posting_url=url, **context)


def require_verified_org(posting: Posting) -> None:
    if posting.org.status == OrgStatus.PENDING:
        raise NotPermitted(
            _(
                "%(employer)s is waiting for verification. "
                "Postings can be submitted once an administrator has verified it.",
                employer=posting.org.name,
            )
        )
    if posting.org.status == OrgStatus.SUSPENDED:
        raise NotPermitted(
            _("%(employer)s is suspended; its postings cannot be submitted or published.", employer=posting.org.name)
        )


def close(posting: Posting, user: User, reason: CloseReason) -> None:
    transition(posting, Action.CLOSE, user, reason=reason.value)
    posting.closed_reason = reason
    sync_search(posting)


def expire(posting: Posting) -> None:
    transition(posting, Action.EXPIRE, None, reason=EXPIRY_REASON)
    sync_search(posting)
    posting_event(Event.POSTING_EXPIRED, posting)


def posting_event(event: Event, posting: Posting) -> None:
    """The employer's systems hear of the posting's new status (``core.events``); an edit of a
    published posting is named by the live posting's id and the employer's own reference (null
    for a posting made on the web pages)."""
    emit(
        event,
        posting.org_id,
        {
            "posting_id": posting.live_id,
            "posting_reference": posting.reference,
            "is_edit": posting.is_revision,
            "status": posting.status.value,
            "expires_at": posting.expires_at.isoformat() if posting.expires_at else None,
        },
    )


def renew(posting: Posting, user: User) -> None:
    """Extend a published posting by its duration, never past 180 days after its last approval."""
    approved_at, expires_at = posting.approved_at, posting.expires_at
    if not posting.is_listed or approved_at is None or expires_at is None:
        raise IllegalTransition(_("Only a posting that is still listed can be renewed."))
    now = utcnow()
    limit = approved_at + timedelta(days=MAX_LISTING_DAYS)
    new_expiry = min(now + timedelta(days=posting.duration_days), limit)
    if new_expiry <= expires_at:
        raise Conflict(
            _(
                "This posting has reached the 180-day limit since it was approved. "
                "Edit it and submit it for review to keep it up."
            )
        )
    transition(posting, Action.RENEW, user, reason=RENEWAL_REASON.format(new_expiry))
    posting.expires_at = new_expiry
    sync_search(posting)
