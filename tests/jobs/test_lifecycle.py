"""The posting state machine (jobboard.jobs.lifecycle) at the service level: every legal
transition, every illegal one, who may make each, reasons, and a property test over random
sequences of actions by random actors."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from jobboard.core.db import utcnow
from jobboard.core.errors import DomainError, NotPermitted
from jobboard.jobs import lifecycle, queries, renewal, reviewing, services
from jobboard.jobs.lifecycle import TRANSITIONS, Action, Actor, IllegalTransition
from jobboard.jobs.models import CloseReason, OrgStatus, Posting, PostingStatus, PostingTransition, PostingVersion
from tests.factories import PostingFactory, SiteFactory
from tests.jobs.helpers import audit_rows, content, create, published, submitted, transitions_of

S = PostingStatus

LEGAL = sorted(TRANSITIONS, key=lambda key: (key[0].value, key[1].value))
ILLEGAL = [
    (status, action)
    for status, action in itertools.product(PostingStatus, Action)
    if (status, action) not in TRANSITIONS
]


def posting_in(w, status: PostingStatus, *, revision: bool = False) -> Posting:
    """A posting put straight into ``status`` (the machine's input), listed when published."""
    now = utcnow()
    live = None
    if revision:
        live = PostingFactory(
            org=w.org,
            site=w.site,
            status=S.PUBLISHED,
            approved_at=now,
            first_published_at=now,
            expires_at=now + timedelta(days=60),
        )
    posting = PostingFactory(org=w.org, site=w.site, status=status, revision_of_id=live.id if live else None)
    if status == S.PUBLISHED:
        posting.approved_at = posting.first_published_at = now
        posting.expires_at = now + timedelta(days=60)
    return posting


def actor_for(w, rule_actor: Actor):
    return {Actor.EMPLOYER: w.recruiter, Actor.ADMIN: w.admin, Actor.SYSTEM: None}[rule_actor]


def test_the_machine_is_the_one_the_issue_describes():
    expected = {
        (S.DRAFT, Action.SUBMIT): S.PENDING_REVIEW,
        (S.CHANGES_REQUESTED, Action.SUBMIT): S.PENDING_REVIEW,
        (S.UNPUBLISHED, Action.SUBMIT): S.PENDING_REVIEW,
        (S.PENDING_REVIEW, Action.WITHDRAW): S.DRAFT,
        (S.PENDING_REVIEW, Action.APPROVE): S.PUBLISHED,
        (S.PENDING_REVIEW, Action.MERGE): S.MERGED,
        (S.PENDING_REVIEW, Action.REQUEST_CHANGES): S.CHANGES_REQUESTED,
        (S.PENDING_REVIEW, Action.REJECT): S.REJECTED,
        (S.PUBLISHED, Action.CLOSE): S.CLOSED,
        (S.PUBLISHED, Action.EXPIRE): S.EXPIRED,
        (S.PUBLISHED, Action.UNPUBLISH): S.UNPUBLISHED,
        (S.PUBLISHED, Action.RENEW): S.PUBLISHED,
    }
    assert {key: rule.target for key, rule in TRANSITIONS.items()} == expected
    # Rejected, closed, expired and merged are final.
    assert not any(status in (S.REJECTED, S.CLOSED, S.EXPIRED, S.MERGED) for status, _ in TRANSITIONS)
    assert {key for key, rule in TRANSITIONS.items() if rule.needs_reason} == {
        (S.PENDING_REVIEW, Action.REQUEST_CHANGES),
        (S.PENDING_REVIEW, Action.REJECT),
        (S.PUBLISHED, Action.UNPUBLISH),
    }


@pytest.mark.parametrize(("status", "action"), LEGAL, ids=[f"{s.value}-{a.value}" for s, a in LEGAL])
def test_every_legal_transition_changes_status_and_writes_one_history_row(world, db_session, status, action):
    posting = posting_in(world, status, revision=action == Action.MERGE)
    rule = TRANSITIONS[(status, action)]
    user = actor_for(world, rule.actor)

    lifecycle.transition(posting, action, user, reason="  the reason  ")
    db_session.flush()

    assert posting.status == rule.target
    [row] = transitions_of(posting)
    assert (row.action, row.from_status, row.to_status) == (action.value, status, rule.target)
    assert row.actor_id == (user.id if user else None)
    assert row.reason == "the reason"
    assert row.created_at is not None


@pytest.mark.parametrize(("status", "action"), ILLEGAL, ids=[f"{s.value}-{a.value}" for s, a in ILLEGAL])
def test_every_illegal_transition_is_refused_with_a_message(world, db_session, status, action):
    posting = posting_in(world, status)
    # Whoever asks: even the right kind of actor for the action gets the same refusal.
    users = {world.recruiter, world.admin, None}
    for user in users:
        with pytest.raises(IllegalTransition) as caught:
            lifecycle.transition(posting, action, user, reason="why")
        assert caught.value.status_code == 409
        assert status.label.lower() in caught.value.message
    db_session.flush()
    assert posting.status == status
    assert transitions_of(posting) == []


def test_approve_is_not_for_revisions_and_merge_only_for_revisions(world, db_session):
    revision = posting_in(world, S.PENDING_REVIEW, revision=True)
    fresh = posting_in(world, S.PENDING_REVIEW)
    with pytest.raises(IllegalTransition):
        lifecycle.transition(revision, Action.APPROVE, world.admin)
    with pytest.raises(IllegalTransition):
        lifecycle.transition(fresh, Action.MERGE, world.admin)
    assert (revision.status, fresh.status) == (S.PENDING_REVIEW, S.PENDING_REVIEW)
    assert transitions_of(revision) == transitions_of(fresh) == []


def _wrong_actors(w, rule_actor: Actor):
    if rule_actor == Actor.EMPLOYER:
        return {
            "viewer": w.viewer,
            "other-tenant recruiter": w.other_recruiter,
            "other-tenant owner": w.other_owner,
            "doctor": w.doctor,
            "admin": w.admin,
            "nobody": None,
        }
    if rule_actor == Actor.ADMIN:
        return {
            "recruiter": w.recruiter,
            "owner": w.owner,
            "viewer": w.viewer,
            "doctor": w.doctor,
            "other-tenant recruiter": w.other_recruiter,
            "nobody": None,
        }
    return {"recruiter": w.recruiter, "admin": w.admin, "doctor": w.doctor}


@pytest.mark.parametrize(("status", "action"), LEGAL, ids=[f"{s.value}-{a.value}" for s, a in LEGAL])
def test_only_the_rules_actor_may_make_a_transition(world, db_session, status, action):
    posting = posting_in(world, status, revision=action == Action.MERGE)
    rule = TRANSITIONS[(status, action)]
    for name, user in _wrong_actors(world, rule.actor).items():
        with pytest.raises(NotPermitted) as caught:
            lifecycle.transition(posting, action, user, reason="a reason")
        assert caught.value.status_code == 403, name
        assert caught.value.message
    db_session.flush()
    assert posting.status == status
    assert transitions_of(posting) == []


@pytest.mark.parametrize(
    ("status", "action"),
    [key for key in LEGAL if TRANSITIONS[key].actor == Actor.EMPLOYER],
    ids=lambda value: getattr(value, "value", str(value)),
)
def test_owners_act_like_recruiters(world, db_session, status, action):
    posting = posting_in(world, status)
    lifecycle.transition(posting, action, world.owner)
    assert posting.status == TRANSITIONS[(status, action)].target


def test_a_removed_recruiter_can_no_longer_act(world, db_session):
    from jobboard.orgs.models import Membership

    posting = posting_in(world, S.DRAFT)
    db_session.delete(db_session.scalar(select(Membership).where(Membership.user_id == world.recruiter.id)))
    db_session.flush()
    with pytest.raises(NotPermitted):
        lifecycle.transition(posting, Action.SUBMIT, world.recruiter)


@pytest.mark.parametrize("reason", [None, "", "   \n\t "])
@pytest.mark.parametrize(
    ("status", "action"),
    [key for key in LEGAL if TRANSITIONS[key].needs_reason],
    ids=lambda value: getattr(value, "value", str(value)),
)
def test_reasons_are_required_where_the_rule_says(world, db_session, status, action, reason):
    posting = posting_in(world, status)
    with pytest.raises(DomainError) as caught:
        lifecycle.transition(posting, action, world.admin, reason=reason)
    assert caught.value.field == "reason"
    assert caught.value.status_code == 422
    assert posting.status == status
    db_session.flush()
    assert transitions_of(posting) == []


@pytest.mark.parametrize(
    ("status", "action"),
    [key for key in LEGAL if not TRANSITIONS[key].needs_reason],
    ids=lambda value: getattr(value, "value", str(value)),
)
def test_other_transitions_need_no_reason(world, db_session, status, action):
    posting = posting_in(world, status, revision=action == Action.MERGE)
    lifecycle.transition(posting, action, actor_for(world, TRANSITIONS[(status, action)].actor))
    db_session.flush()
    assert transitions_of(posting)[0].reason is None


# --- the services around the machine ---------------------------------------------------------


def test_submit_and_approve_set_the_dates_and_record_the_version(world, db_session):
    posting = create(world, duration_days=30)
    services.submit(posting, world.recruiter)
    assert posting.status == S.PENDING_REVIEW and posting.submitted_at is not None
    before = utcnow()
    live = reviewing.approve(posting, world.admin)
    db_session.flush()
    assert live is posting and posting.status == S.PUBLISHED
    assert before <= posting.approved_at <= utcnow()
    assert posting.first_published_at == posting.approved_at
    assert posting.expires_at == posting.approved_at + timedelta(days=30)
    assert posting.is_listed
    [version] = db_session.scalars(select(PostingVersion).where(PostingVersion.posting_id == posting.id)).all()
    assert version.content["Title"] == posting.title and version.approved_by_id == world.admin.id
    [entry] = audit_rows("posting.approved")
    assert (entry.actor_id, entry.subject_id, entry.org_id) == (world.admin.id, posting.id, world.org.id)
    assert [(t.action, t.actor_id) for t in transitions_of(posting)] == [
        ("submit", world.recruiter.id),
        ("approve", world.admin.id),
    ]


def test_changes_requested_then_resubmitted(world, db_session):
    posting = submitted(world)
    reviewing.request_changes(posting, world.admin, "  Say which shifts are involved.  ")
    assert posting.status == S.CHANGES_REQUESTED
    assert posting.moderator_comment == "Say which shifts are involved."
    [entry] = audit_rows("posting.changes_requested")
    assert entry.reason == "Say which shifts are involved."
    services.update_posting(posting, world.recruiter, content(world.site, description_md="Night shifts twice a week."))
    services.submit(posting, world.recruiter)
    assert posting.status == S.PENDING_REVIEW and posting.moderator_comment is None
    assert posting.description_md == "Night shifts twice a week."
    assert [t.to_status for t in transitions_of(posting)] == [S.PENDING_REVIEW, S.CHANGES_REQUESTED, S.PENDING_REVIEW]


def test_rejection_is_final(world, db_session):
    posting = submitted(world)
    reviewing.reject(posting, world.admin, "Not a medical position.")
    assert posting.status == S.REJECTED and posting.moderator_comment == "Not a medical position."
    with pytest.raises(IllegalTransition):
        services.submit(posting, world.recruiter)
    with pytest.raises(DomainError):
        services.update_posting(posting, world.recruiter, content(world.site, title="Try again"))
    with pytest.raises(DomainError):
        services.delete_posting(posting, world.recruiter)
    assert posting.title != "Try again"
    [entry] = audit_rows("posting.rejected")
    assert entry.reason == "Not a medical position."


def test_withdraw_returns_a_submission_to_draft(world, db_session):
    posting = submitted(world)
    services.withdraw_submission(posting, world.recruiter)
    assert posting.status == S.DRAFT
    with pytest.raises(IllegalTransition):
        services.withdraw_submission(posting, world.recruiter)


def test_close_records_filled_or_withdrawn(world, db_session):
    posting = published(world)
    services.close_posting(posting, world.owner, CloseReason.FILLED)
    assert posting.status == S.CLOSED and posting.closed_reason == CloseReason.FILLED
    assert transitions_of(posting)[-1].reason == "filled"
    assert not posting.is_listed and posting.is_gone
    with pytest.raises(IllegalTransition):
        services.close_posting(posting, world.owner, CloseReason.WITHDRAWN)


def test_unpublished_posting_can_be_edited_and_resubmitted(world, db_session):
    posting = published(world)
    reviewing.unpublish(posting, world.admin, "Salary is misleading.")
    assert posting.status == S.UNPUBLISHED and not posting.is_listed and not posting.is_gone
    services.update_posting(posting, world.recruiter, content(world.site, salary_min_ils=20_000))
    services.submit(posting, world.recruiter)
    reviewing.approve(posting, world.admin)
    assert posting.status == S.PUBLISHED and posting.salary_min_ils == 20_000
    assert [t.action for t in transitions_of(posting)] == ["submit", "approve", "unpublish", "submit", "approve"]


@pytest.mark.parametrize("org_status", [OrgStatus.PENDING, OrgStatus.SUSPENDED])
def test_only_a_verified_org_can_submit(world, db_session, org_status):
    posting = create(world)
    world.org.status = org_status
    with pytest.raises(NotPermitted) as caught:
        services.submit(posting, world.recruiter)
    assert ("waiting for verification" if org_status == OrgStatus.PENDING else "suspended") in caught.value.message
    assert posting.status == S.DRAFT
    db_session.flush()
    assert transitions_of(posting) == []


def test_a_suspended_orgs_pending_posting_is_not_approved(world, db_session):
    posting = submitted(world)
    world.org.status = OrgStatus.SUSPENDED
    with pytest.raises(NotPermitted):
        reviewing.approve(posting, world.admin)
    assert posting.status == S.PENDING_REVIEW


def test_only_admins_moderate_through_the_services(world, db_session):
    posting = submitted(world)
    for user in (world.recruiter, world.owner, world.doctor, world.other_recruiter):
        with pytest.raises(NotPermitted):
            reviewing.approve(posting, user)
        with pytest.raises(NotPermitted):
            reviewing.request_changes(posting, user, "x")
        with pytest.raises(NotPermitted):
            reviewing.reject(posting, user, "x")
    live = published(world, site=world.tlv_site, title="Nurse", profession_slug="nurse", specialty_slug=None)
    for user in (world.recruiter, world.owner, world.doctor):
        with pytest.raises(NotPermitted):
            reviewing.unpublish(live, user, "x")
    assert (posting.status, live.status) == (S.PENDING_REVIEW, S.PUBLISHED)


def test_system_transitions_are_not_made_by_people(world, db_session):
    """Expiry belongs to the worker: nobody, not even an admin, expires a posting by hand."""
    posting = published(world)
    for user in (world.recruiter, world.admin, world.doctor):
        with pytest.raises(NotPermitted):
            lifecycle.transition(posting, Action.EXPIRE, user)
    assert posting.status == S.PUBLISHED
    lifecycle.expire(posting)
    assert posting.status == S.EXPIRED
    assert transitions_of(posting)[-1].actor_id is None


# --- property: random sequences of actions by random actors --------------------------------

ACTORS = ["owner", "recruiter", "viewer", "other", "doctor", "admin", "system"]
ACTIONS = [
    "submit",
    "withdraw",
    "approve",
    "request_changes",
    "reject",
    "close",
    "expire",
    "unpublish",
    "renew",
    "edit_title",
    "edit_minor",
]
REASONS = [None, "", "   ", "Please state the salary.", "Please state the salary.", "Wrong region."]
# Half the time the actor is the one the action calls for, so the sequences get somewhere.
ACTOR_CHOICES = ["right"] * len(ACTORS) + ACTORS
RIGHT_ACTOR = {
    "approve": "admin",
    "request_changes": "admin",
    "reject": "admin",
    "unpublish": "admin",
    "expire": "system",
}

# Actions that make sense from a status; drawn half the time so sequences get deep into the machine.
LIKELY = {
    S.DRAFT: ["submit", "edit_minor"],
    S.CHANGES_REQUESTED: ["submit", "edit_title"],
    S.UNPUBLISHED: ["submit"],
    S.PENDING_REVIEW: ["approve", "approve", "request_changes", "reject", "withdraw"],
    S.PUBLISHED: ["edit_title", "edit_title", "edit_minor", "close", "expire", "unpublish", "unpublish", "renew"],
}


def _user(w, name):
    return {
        "owner": w.owner,
        "recruiter": w.recruiter,
        "viewer": w.viewer,
        "other": w.other_recruiter,
        "doctor": w.doctor,
        "admin": w.admin,
        "system": None,
    }[name]


def _actor_matches(w, rule: lifecycle.Rule, actor_id: int | None) -> bool:
    if rule.actor == Actor.SYSTEM:
        return actor_id is None
    if rule.actor == Actor.ADMIN:
        return actor_id == w.admin.id
    return actor_id in (w.owner.id, w.recruiter.id)


def _run(action: str, target: Posting, live: Posting, user, reason: str | None, ack: bool, n: int) -> None:
    if action == "submit":
        services.submit(target, user, acknowledge_duplicate=ack)
    elif action == "withdraw":
        services.withdraw_submission(target, user)
    elif action == "approve":
        reviewing.approve(target, user)
    elif action == "request_changes":
        reviewing.request_changes(target, user, reason or "")
    elif action == "reject":
        reviewing.reject(target, user, reason or "")
    elif action == "close":
        services.close_posting(target, user, CloseReason.WITHDRAWN)
    elif action == "expire":
        if user is None:  # the worker: everything due by the target's expiry (earlier examples' too)
            if target.status != S.PUBLISHED or target.expires_at is None:
                lifecycle.expire(target)  # refused by the machine
            renewal.expire_due_postings(now=target.expires_at)
        else:
            lifecycle.transition(target, Action.EXPIRE, user)
    elif action == "unpublish":
        reviewing.unpublish(target, user, reason or "")
    elif action == "renew":
        lifecycle.renew(target, user)
    elif action == "edit_title":
        new = services.PostingContent.of(queries.open_revision(live) or live)
        new.title = f"{new.title.split(' #')[0]} #{n}"
        services.update_posting(live, user, new)
    elif action == "edit_minor":
        new = services.PostingContent.of(queries.open_revision(live) or live)
        new.seniority = (
            new.seniority.__class__.RESIDENT
            if new.seniority.value != "resident"
            else new.seniority.__class__.SPECIALIST
        )
        services.update_posting(live, user, new)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_sequences_never_leave_the_machine(world, db_session, data):
    # A fresh site per example, so postings of earlier examples are never likely duplicates.
    site = SiteFactory(org=world.org)
    live = services.create_posting(world.org, world.recruiter, content(site))
    db_session.flush()
    live_id = live.id

    for n in range(data.draw(st.integers(min_value=1, max_value=20), label="steps")):
        live = db_session.get(Posting, live_id)
        revision = queries.open_revision(live)
        which = data.draw(st.sampled_from(["live", "revision"] if revision else ["live"]), label="target")
        likely = LIKELY.get((revision if which == "revision" else live).status, [])
        action = data.draw(
            st.sampled_from(likely) | st.sampled_from(ACTIONS) if likely else st.sampled_from(ACTIONS), label="action"
        )
        actor = data.draw(st.sampled_from(ACTOR_CHOICES), label="actor")
        reason = data.draw(st.sampled_from(REASONS), label="reason")
        ack = data.draw(st.booleans(), label="acknowledge_duplicate")
        if which == "revision" and action not in ("edit_title", "edit_minor"):
            if revision is None:
                continue
            target = revision
        else:
            target = live
        if actor == "right":
            actor = RIGHT_ACTOR.get(action, "recruiter" if n % 2 else "owner")
        user = _user(world, actor)
        if user is None and action in ("edit_title", "edit_minor"):
            continue
        before = {
            row.id: row.status
            for row in db_session.scalars(
                select(Posting).where((Posting.id == live_id) | (Posting.revision_of_id == live_id))
            )
        }
        target_status = target.status
        last_id = db_session.scalar(select(PostingTransition.id).order_by(PostingTransition.id.desc()).limit(1)) or 0

        # What the machine says before we try, for the plain transitions.
        machine_action = {
            "submit": Action.SUBMIT,
            "withdraw": Action.WITHDRAW,
            "request_changes": Action.REQUEST_CHANGES,
            "reject": Action.REJECT,
            "close": Action.CLOSE,
            "expire": Action.EXPIRE,
            "unpublish": Action.UNPUBLISH,
            "renew": Action.RENEW,
            "approve": Action.MERGE if target.revision_of_id else Action.APPROVE,
        }.get(action)
        rule = TRANSITIONS.get((target_status, machine_action)) if machine_action else None
        actor_ok = rule is not None and (
            (rule.actor == Actor.SYSTEM and user is None)
            or (rule.actor == Actor.ADMIN and actor == "admin")
            or (rule.actor == Actor.EMPLOYER and actor in ("owner", "recruiter"))
        )
        reason_ok = rule is not None and (not rule.needs_reason or bool((reason or "").strip()))
        merge_blocked = machine_action == Action.MERGE and not live.is_listed

        savepoint = db_session.begin_nested()
        try:
            _run(action, target, live, user, reason, ack, n)
            db_session.flush()
        except DomainError:
            savepoint.rollback()
            succeeded = False
        else:
            savepoint.commit()
            succeeded = True

        new_rows = list(
            db_session.scalars(
                select(PostingTransition)
                .where(PostingTransition.id > last_id, PostingTransition.posting_id.in_(before))
                .order_by(PostingTransition.id)
            )
        )
        if not succeeded:
            assert new_rows == [], (action, actor)
            assert machine_action is None or action == "renew" or not (actor_ok and reason_ok and not merge_blocked), (
                f"{action} by {actor} from {target_status} should have worked"
            )
            after = {
                row.id: row.status
                for row in db_session.scalars(
                    select(Posting).where((Posting.id == live_id) | (Posting.revision_of_id == live_id))
                )
            }
            assert after == before
            continue

        for row in new_rows:
            event(f"{row.from_status.value} -{row.action}-> {row.to_status.value}")
        if machine_action is not None:
            assert rule is not None and actor_ok and reason_ok, f"{action} by {actor} from {target_status} was allowed"
        if action in ("edit_title", "edit_minor"):
            # An edit is either applied in place (no status change) or submitted as a revision.
            assert len(new_rows) <= 1
            if new_rows:
                assert new_rows[0].action == "submit"
        else:
            assert len(new_rows) == 1, (action, actor, [r.action for r in new_rows])
        for row in new_rows:
            key = (row.from_status, Action(row.action))
            assert key in TRANSITIONS, key
            assert TRANSITIONS[key].target == row.to_status
            assert _actor_matches(world, TRANSITIONS[key], row.actor_id)
            moved = db_session.get(Posting, row.posting_id)
            assert before.get(row.posting_id, S.DRAFT) == row.from_status
            assert moved.status == row.to_status
            # Approving a new posting publishes it; approving an edit merges it, never the other way.
            if moved.revision_of_id is None:
                assert row.action != "merge"
            else:
                assert row.action != "approve"

    # The whole history of the live posting is a chain through the machine ending at its status.
    live = db_session.get(Posting, live_id)
    assert live.status != S.MERGED
    status = S.DRAFT
    for row in transitions_of(live):
        assert row.from_status == status
        assert TRANSITIONS[(row.from_status, Action(row.action))].target == row.to_status
        status = row.to_status
    assert live.status == status
    for revision in db_session.scalars(select(Posting).where(Posting.revision_of_id == live_id)):
        assert revision.status in (S.DRAFT, S.PENDING_REVIEW, S.CHANGES_REQUESTED, S.REJECTED, S.MERGED)
        assert live.status == S.PUBLISHED or revision.status in (S.REJECTED, S.MERGED)
