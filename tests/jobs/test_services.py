"""Posting rules at the service level: content validation, grants and regions, duplicates,
edits of published postings (revisions), expiry, reminders and renewal, reports, the grant
catalogue."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from jobboard.core import outbox
from jobboard.core.db import utcnow
from jobboard.core.errors import Conflict, DomainError, InvalidToken, NotPermitted
from jobboard.core.tokens import make_token
from jobboard.jobs import lifecycle, queries, renewal, reviewing, services
from jobboard.jobs.grants import GrantFields, save_grant
from jobboard.jobs.lifecycle import IllegalTransition
from jobboard.jobs.models import (
    CloseReason,
    EmploymentType,
    LicenceRequirement,
    Posting,
    PostingReport,
    PostingStatus,
    PostingVersion,
    ReportReason,
    Seniority,
)
from jobboard.jobs.renewal import RENEW_POSTING
from jobboard.jobs.services import LikelyDuplicate
from jobboard.orgs.models import OrgStatus
from jobboard.vocab.models import HebrewLevel
from tests.factories import GrantProgramFactory, SiteFactory
from tests.jobs.helpers import audit_rows, content, count, create, published, submitted, transitions_of

S = PostingStatus
T0 = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)


# --- content validation ----------------------------------------------------------------------


def test_a_valid_draft_is_stored_with_everything(world, db_session):
    grant = GrantProgramFactory(regions=["negev"])
    posting = create(world, grant_ids=[grant.id], start_date=date(2030, 9, 1), duration_days=90)
    db_session.expire_all()
    posting = db_session.get(Posting, posting.id)
    assert posting.status == S.DRAFT and posting.org_id == world.org.id and posting.created_by_id == world.recruiter.id
    assert (posting.profession_slug, posting.specialty_slug) == ("physician", "pediatrics")
    assert posting.seniority == Seniority.SENIOR_SPECIALIST and posting.employment_type == EmploymentType.FULL_TIME
    assert posting.licence_requirement == LicenceRequirement.ISRAELI_LICENCE
    assert posting.hebrew_level == HebrewLevel.B1
    assert [lang.code for lang in posting.languages] == ["en", "ru"]
    assert (posting.salary_min_ils, posting.salary_max_ils) == (30_000, 45_000)
    assert posting.start_date == date(2030, 9, 1) and posting.duration_days == 90
    assert [g.id for g in posting.grants] == [grant.id]
    assert posting.site.city.region_slug == "negev"
    assert transitions_of(posting) == []


def test_duration_defaults_to_sixty_days(world, db_session):
    fields = content(world.site).__dict__ | {}
    fields.pop("duration_days")
    posting = services.create_posting(world.org, world.recruiter, services.PostingContent(**fields))
    assert posting.duration_days == 60


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"specialty_slug": None}, "specialty_slug"),
        ({"specialty_slug": "astrology"}, "specialty_slug"),
        ({"profession_slug": "wizard"}, "profession_slug"),
        ({"salary_min_ils": 50_000, "salary_max_ils": 40_000}, "salary_max_ils"),
        ({"salary_min_ils": -1}, "salary_min_ils"),
        ({"salary_max_ils": 10**12}, "salary_max_ils"),
        ({"salary_min_ils": 10**30, "salary_max_ils": None}, "salary_min_ils"),
        ({"duration_days": 181}, "duration_days"),
        ({"duration_days": 6}, "duration_days"),
        ({"duration_days": 0}, "duration_days"),
        ({"language_codes": ["xx"]}, "language_codes"),
        ({"grant_ids": [987654]}, "grant_ids"),
    ],
    ids=lambda value: str(value)[:40],
)
def test_invalid_content_is_refused_with_the_field_named(world, db_session, overrides, field):
    with pytest.raises(DomainError) as caught:
        create(world, **overrides)
    assert caught.value.field == field and caught.value.status_code == 422 and caught.value.message
    assert count(Posting) == 0


def test_a_specialty_must_be_one_the_profession_practises_on_every_save(world, db_session):
    """A dentist's position with a pediatrics specialty once went live through an edit."""
    with pytest.raises(DomainError, match="Pediatrics is not a specialty of the profession Dentist.") as caught:
        create(world, profession_slug="dentist", specialty_slug="pediatrics")
    assert caught.value.field == "specialty_slug"
    live = published(world)
    with pytest.raises(DomainError, match="not a specialty of the profession Dentist"):
        services.update_posting(live, world.recruiter, content(world.site, profession_slug="dentist"))
    assert queries.open_revision(live) is None
    assert create(world, profession_slug="dentist", specialty_slug="oral-and-maxillofacial-surgery").id


@pytest.mark.parametrize(
    "overrides",
    [
        {"profession_slug": "nurse", "specialty_slug": None},
        {"salary_min_ils": None, "salary_max_ils": None},
        {"salary_min_ils": 40_000, "salary_max_ils": 40_000},
        {"salary_min_ils": 25_000, "salary_max_ils": None},
        {"duration_days": 180},
        {"duration_days": 7},
    ],
)
def test_valid_edge_cases_are_accepted(world, db_session, overrides):
    assert create(world, **overrides).id


def test_a_site_of_another_org_cannot_be_used(world, db_session):
    with pytest.raises(DomainError) as caught:
        create(world, site=world.other_site)
    assert caught.value.field == "site_id"
    posting = create(world)
    with pytest.raises(DomainError):
        services.update_posting(posting, world.recruiter, content(world.other_site))
    assert posting.site_id == world.site.id


# --- grant programs: validity and regions ----------------------------------------------------


def test_only_grants_covering_the_sites_region_can_be_chosen(world, db_session):
    north = GrantProgramFactory(name="North only", regions=["galilee-north"])
    with pytest.raises(DomainError) as caught:
        create(world, grant_ids=[north.id])
    assert (
        caught.value.field == "grant_ids" and "Negev" in caught.value.message and "North only" in caught.value.message
    )
    south = GrantProgramFactory(regions=["negev", "south-gaza-envelope"])
    assert create(world, grant_ids=[south.id]).grants == [south]
    # Moving a posting to a site outside the grant's region is refused while the grant is chosen.
    posting = create(world, grant_ids=[south.id], title="Another title altogether")
    with pytest.raises(DomainError):
        services.update_posting(posting, world.recruiter, content(world.tlv_site, grant_ids=[south.id]))


@time_machine.travel(T0, tick=False)
def test_an_ended_grant_cannot_be_added(world, db_session):
    ended = GrantProgramFactory(name="Old program", valid_to=date(2030, 2, 28))
    last_day = GrantProgramFactory(valid_to=date(2030, 3, 1))
    future = GrantProgramFactory(valid_from=date(2030, 6, 1))
    with pytest.raises(DomainError) as caught:
        create(world, grant_ids=[ended.id])
    assert "Old program" in caught.value.message and "ended" in caught.value.message
    assert {g.id for g in create(world, grant_ids=[last_day.id, future.id]).grants} == {last_day.id, future.id}
    offerable = {g.id for g in queries.grants_offerable("negev", utcnow().date())}
    assert ended.id not in offerable and {last_day.id, future.id} <= offerable
    assert not queries.grants_offerable("center", utcnow().date())


def test_duplicating_a_posting_drops_ended_grants(world, db_session):
    with time_machine.travel(T0, tick=False):
        ending = GrantProgramFactory(valid_to=date(2030, 4, 1))
        lasting = GrantProgramFactory()
        original = published(world, grant_ids=sorted([ending.id, lasting.id]))
    with time_machine.travel(T0 + timedelta(days=45), tick=False):
        copy = services.duplicate_posting(original, world.owner)
    assert copy.id != original.id and copy.status == S.DRAFT and copy.revision_of_id is None
    assert copy.grants == [lasting]
    assert (copy.title, copy.description_md, copy.site_id, copy.salary_max_ils) == (
        original.title,
        original.description_md,
        original.site_id,
        original.salary_max_ils,
    )
    assert copy.expires_at is None and copy.approved_at is None
    assert original.status == S.PUBLISHED and len(original.grants) == 2


# --- drafts: edit and delete ------------------------------------------------------------------


def test_drafts_are_edited_in_place_and_deleted(world, db_session):
    posting = create(world)
    saved = services.update_posting(posting, world.recruiter, content(world.site, title="Changed title"))
    assert saved is posting and posting.title == "Changed title" and posting.status == S.DRAFT
    posting_id = posting.id
    services.delete_posting(posting, world.recruiter)
    db_session.flush()
    assert db_session.get(Posting, posting_id) is None
    [entry] = audit_rows("posting.deleted")
    assert entry.subject_id == posting_id


@pytest.mark.parametrize("stage", ["submitted", "published"])
def test_only_drafts_can_be_deleted(world, db_session, stage):
    posting = submitted(world) if stage == "submitted" else published(world)
    with pytest.raises(Conflict):
        services.delete_posting(posting, world.recruiter)


def test_a_posting_waiting_for_review_cannot_be_edited(world, db_session):
    posting = submitted(world)
    with pytest.raises(Conflict) as caught:
        services.update_posting(posting, world.recruiter, content(world.site, title="Sneaky change"))
    assert "Withdraw" in caught.value.message
    assert posting.title != "Sneaky change"


# --- edits of a published posting --------------------------------------------------------------

# Everything a doctor filters on or decides by.
REVIEWED = [
    {"title": "Head of pediatrics"},
    {"description_md": "A completely rewritten description of the position."},
    {"profession_slug": "dentist", "specialty_slug": None},
    {"specialty_slug": "internal-medicine"},
    {"salary_min_ils": 31_000},
    {"salary_max_ils": 60_000},
    {"seniority": Seniority.HEAD_OF_DEPARTMENT},
    {"employment_type": EmploymentType.PART_TIME},
    {"licence_requirement": LicenceRequirement.EXAM_EXEMPTION},
    {"hebrew_level": HebrewLevel.C1},
    {"language_codes": ["en"]},
    {"start_date": date(2031, 1, 1)},
    {"site_id": "second-site"},
    {"grant_ids": "grant"},
]


@pytest.mark.parametrize("changes", REVIEWED, ids=lambda changes: next(iter(changes)))
def test_an_edit_of_a_reviewed_field_goes_to_review_and_the_live_version_stays(world, db_session, changes):
    grant = GrantProgramFactory()
    second = SiteFactory(org=world.org, name="Soroka North Wing", city_slug="beersheba")
    live = published(world)
    before = services.PostingContent.of(live)
    changes = {
        name: {"second-site": second.id, "grant": [grant.id]}.get(value, value) if isinstance(value, str) else value
        for name, value in changes.items()
    }
    revision = services.update_posting(live, world.recruiter, content(world.site, **changes))
    db_session.flush()

    assert revision is not live and revision.revision_of_id == live.id
    assert revision.status == S.PENDING_REVIEW and revision.submitted_at is not None
    assert {name: getattr(services.PostingContent.of(revision), name) for name in changes} == changes
    db_session.expire_all()
    live = db_session.get(Posting, live.id)
    assert services.PostingContent.of(live) == before and live.status == S.PUBLISHED and live.is_listed
    assert queries.open_revision(live).id == revision.id
    assert [t.action for t in transitions_of(revision)] == ["submit"]
    assert revision in queries.moderation_queue()


def test_only_the_listing_length_of_a_published_posting_changes_at_once(world, db_session):
    live = published(world)
    saved = services.update_posting(live, world.recruiter, content(world.site, duration_days=90))
    assert saved is live and live.status == S.PUBLISHED and live.duration_days == 90
    assert queries.open_revision(live) is None
    [entry] = audit_rows("posting.edited")
    assert entry.subject_id == live.id and entry.actor_id == world.recruiter.id


def test_approving_an_edit_merges_it_into_the_live_posting(world, db_session):
    grant = GrantProgramFactory()
    live = published(world)
    first_published, expires = live.first_published_at, live.expires_at
    with time_machine.travel(utcnow() + timedelta(days=3), tick=False):
        revision = services.update_posting(
            live,
            world.recruiter,
            content(
                world.site,
                title="Head of pediatrics",
                salary_max_ils=55_000,
                grant_ids=[grant.id],
                hebrew_level=HebrewLevel.C2,
            ),
        )
        result = reviewing.approve(revision, world.admin)
        merged_at = utcnow()
    db_session.flush()
    assert result is live
    assert revision.status == S.MERGED and live.status == S.PUBLISHED
    assert (live.title, live.salary_max_ils, live.grants, live.hebrew_level) == (
        "Head of pediatrics",
        55_000,
        [grant],
        HebrewLevel.C2,
    )
    assert live.first_published_at == first_published and live.expires_at == expires
    assert live.approved_at == merged_at
    assert queries.open_revision(live) is None
    versions = db_session.scalars(
        select(PostingVersion).where(PostingVersion.posting_id == live.id).order_by(PostingVersion.id)
    ).all()
    assert [v.content["Title"] for v in versions] == ["Senior pediatrician, children's ward", "Head of pediatrics"]
    assert transitions_of(revision)[-1].action == "merge"
    assert [t.action for t in transitions_of(live)] == ["submit", "approve"]


def test_an_edit_sent_back_for_changes_is_edited_and_resubmitted(world, db_session):
    live = published(world)
    revision = services.update_posting(live, world.recruiter, content(world.site, title="Head of pediatrics"))
    reviewing.request_changes(revision, world.admin, "Keep the old title.")
    assert revision.status == S.CHANGES_REQUESTED
    again = services.update_posting(live, world.recruiter, content(world.site, title="Senior pediatrician (night)"))
    assert again.id == revision.id and again.status == S.PENDING_REVIEW and again.title == "Senior pediatrician (night)"
    assert live.title == "Senior pediatrician, children's ward"


def test_a_second_edit_while_one_waits_for_review_is_refused(world, db_session):
    live = published(world)
    services.update_posting(live, world.recruiter, content(world.site, title="Head of pediatrics"))
    with pytest.raises(Conflict):
        services.update_posting(live, world.recruiter, content(world.site, title="Yet another title"))


def test_a_rejected_edit_leaves_the_live_posting_alone(world, db_session):
    live = published(world)
    revision = services.update_posting(live, world.recruiter, content(world.site, title="Free iPhones"))
    reviewing.reject(revision, world.admin, "Not a job title.")
    assert live.title == "Senior pediatrician, children's ward" and live.status == S.PUBLISHED
    assert queries.open_revision(live) is None
    # The employer can start a new edit.
    assert (
        services.update_posting(live, world.recruiter, content(world.site, title="Head nurse")).status
        == S.PENDING_REVIEW
    )


@pytest.mark.parametrize("end", ["close", "unpublish", "expire"])
def test_pending_edits_are_discarded_when_the_posting_leaves_the_board(world, db_session, end):
    live = published(world)
    revision = services.update_posting(live, world.recruiter, content(world.site, title="Head of pediatrics"))
    revision_id = revision.id
    if end == "close":
        services.close_posting(live, world.recruiter, CloseReason.WITHDRAWN)
    elif end == "unpublish":
        reviewing.unpublish(live, world.admin, "Misleading.")
    else:
        assert renewal.expire_due_postings(now=live.expires_at) >= 1
    db_session.flush()
    db_session.expire_all()
    assert db_session.get(Posting, revision_id) is None
    assert all(p.id != revision_id for p in queries.moderation_queue())


def test_merging_into_a_posting_no_longer_listed_is_refused(world, db_session):
    live = published(world)
    revision = services.update_posting(live, world.recruiter, content(world.site, title="Head of pediatrics"))
    with time_machine.travel(live.expires_at + timedelta(minutes=1), tick=False), pytest.raises(Conflict):
        reviewing.approve(revision, world.admin)
    assert revision.status == S.PENDING_REVIEW and live.title != "Head of pediatrics"


# --- likely duplicates --------------------------------------------------------------------------


def test_a_very_similar_posting_is_flagged_before_submission(world, db_session):
    original = published(world)
    copy = create(world, description_md=original.description_md + " Apply soon.")
    assert services.find_likely_duplicate(copy).id == original.id
    with pytest.raises(LikelyDuplicate) as caught:
        services.submit(copy, world.recruiter)
    assert caught.value.status_code == 409 and f"#{original.id}" in caught.value.message
    assert caught.value.duplicate.id == original.id
    assert copy.status == S.DRAFT and transitions_of(copy) == []
    services.submit(copy, world.recruiter, acknowledge_duplicate=True)
    assert copy.status == S.PENDING_REVIEW and copy.likely_duplicate_of_id == original.id


@pytest.mark.parametrize("difference", ["site", "specialty", "text", "other-org", "closed"])
def test_postings_that_differ_are_not_duplicates(world, db_session, difference):
    original = published(world)
    if difference == "closed":
        services.close_posting(original, world.recruiter, CloseReason.FILLED)
    if difference == "other-org":
        copy = services.create_posting(world.other, world.other_recruiter, content(world.other_site))
    else:
        copy = create(
            world,
            **{
                "site": {"site": SiteFactory(org=world.org, name="Second Campus")}.get(difference, world.site),
                "specialty_slug": "internal-medicine" if difference == "specialty" else "pediatrics",
                "title": "Dentist for the outpatient clinic" if difference == "text" else original.title,
                "description_md": "Root canals, crowns and a friendly team in Eilat."
                if difference == "text"
                else original.description_md,
            },
        )
    assert services.find_likely_duplicate(copy) is None
    services.submit(copy, world.other_recruiter if difference == "other-org" else world.recruiter)
    assert copy.likely_duplicate_of_id is None


def test_an_edit_is_not_a_duplicate_of_its_own_posting(world, db_session):
    live = published(world)
    revision = services.update_posting(live, world.recruiter, content(world.site, title=live.title + " (updated)"))
    assert revision.likely_duplicate_of_id is None


# --- expiry, reminders and renewal ------------------------------------------------------------


def _published_at_t0(world, **overrides) -> Posting:
    with time_machine.travel(T0, tick=False):
        return published(world, **overrides)


def test_expiry_moves_due_postings_and_only_those(world, db_session):
    due = _published_at_t0(world)
    later = _published_at_t0(
        world, site=world.tlv_site, duration_days=90, title="Nurse", profession_slug="nurse", specialty_slug=None
    )
    assert due.expires_at == T0 + timedelta(days=60)
    with time_machine.travel(T0 + timedelta(days=60) - timedelta(seconds=1), tick=False):
        assert renewal.expire_due_postings() == 0
        assert due.is_listed
    with time_machine.travel(T0 + timedelta(days=60), tick=False):
        assert not due.is_listed and due.is_gone  # the clock, before the worker runs
        assert renewal.expire_due_postings() == 1
    assert (due.status, later.status) == (S.EXPIRED, S.PUBLISHED)
    [row] = [t for t in transitions_of(due) if t.action == "expire"]
    assert row.actor_id is None and row.from_status == S.PUBLISHED and row.reason
    with time_machine.travel(T0 + timedelta(days=61), tick=False):
        assert renewal.expire_due_postings() == 0
        listed_ids = [p.id for p in queries.fallback_search("", 1).items]
    assert due.id not in listed_ids and later.id in listed_ids


def _drain_mail(mailbox, address):
    outbox.drain()
    return mailbox.to(address)


def test_reminders_go_to_recruiters_and_owners_once_per_expiry_date(world, db_session, mailbox):
    posting = _published_at_t0(world)
    with time_machine.travel(T0 + timedelta(days=52), tick=False):  # 8 days before
        assert renewal.send_expiry_reminders() == 0
    with time_machine.travel(T0 + timedelta(days=53, minutes=1), tick=False):
        assert renewal.send_expiry_reminders() == 1
        assert renewal.send_expiry_reminders() == 0
        outbox.drain()
    for address in ("recruiter@negev.example.org", "owner@negev.example.org"):
        [message] = [m for m in mailbox.to(address) if m["Subject"].endswith("expires in a week")]
        assert message["Subject"] == f"Your posting “{posting.title}” expires in a week"
        assert mailbox.link(message, "/postings/renew/")
    assert mailbox.to("viewer@negev.example.org") == []
    assert mailbox.to("recruiter@other.example.org") == []
    assert {m["Subject"] for m in mailbox.messages()} <= {
        f"Your posting “{posting.title}” expires in a week",
        f"Your posting “{posting.title}” is published",
    }
    with time_machine.travel(T0 + timedelta(days=55), tick=False):
        assert renewal.send_expiry_reminders() == 0
        lifecycle.renew(posting, world.recruiter)
    # A new expiry date gets its own reminder.
    with time_machine.travel(posting.expires_at - timedelta(days=6), tick=False):
        assert renewal.send_expiry_reminders() == 1


def test_a_suspended_employer_gets_no_renewal_reminders(world, db_session, mailbox):
    _published_at_t0(world)
    world.org.status = OrgStatus.SUSPENDED
    with time_machine.travel(T0 + timedelta(days=53, minutes=1), tick=False):
        assert renewal.send_expiry_reminders() == 0


def test_the_renew_link_works_once(world, db_session, mailbox):
    posting = _published_at_t0(world)
    with time_machine.travel(T0 + timedelta(days=54), tick=False):
        renewal.send_expiry_reminders()
        outbox.drain()
        [reminder] = [
            m for m in mailbox.to("recruiter@negev.example.org") if m["Subject"].endswith("expires in a week")
        ]
        token = mailbox.link(reminder, "/postings/renew/").rsplit("/", 1)[1]
        assert renewal.renewal_for_token(token).id == posting.id
        renewed = renewal.renew_with_token(token)
        assert renewed.id == posting.id
        assert posting.expires_at == T0 + timedelta(days=54 + 60)
        assert [t.actor_id for t in transitions_of(posting) if t.action == "renew"] == [world.recruiter.id]
        with pytest.raises(InvalidToken):
            renewal.renew_with_token(token)
        with pytest.raises(InvalidToken):
            renewal.renewal_for_token(token)
    assert posting.expires_at == T0 + timedelta(days=114)


def test_a_renew_link_of_a_removed_recruiter_does_not_renew(world, db_session):
    from jobboard.orgs.models import Membership

    posting = _published_at_t0(world)
    with time_machine.travel(T0 + timedelta(days=54), tick=False):
        expiry = posting.expires_at.isoformat()
        with pytest.raises(NotPermitted):
            renewal.renew_with_token(make_token(RENEW_POSTING, {"p": posting.id, "u": world.viewer.id, "e": expiry}))
        token = make_token(RENEW_POSTING, {"p": posting.id, "u": world.recruiter.id, "e": expiry})
        db_session.delete(db_session.scalar(select(Membership).where(Membership.user_id == world.recruiter.id)))
        with pytest.raises(NotPermitted):
            renewal.renew_with_token(token)
    assert posting.expires_at == T0 + timedelta(days=60)


def test_a_forged_or_foreign_token_is_refused(world, db_session):
    posting = _published_at_t0(world)
    with time_machine.travel(T0 + timedelta(days=54), tick=False):
        good = make_token(
            RENEW_POSTING, {"p": posting.id, "u": world.recruiter.id, "e": posting.expires_at.isoformat()}
        )
        for token in (good[:-2] + "xx", "not-a-token", good.replace(".", "", 1)):
            with pytest.raises(InvalidToken):
                renewal.renew_with_token(token)
    with time_machine.travel(T0 + timedelta(days=54 + 15), tick=False), pytest.raises(InvalidToken):
        renewal.renewal_for_token(good)  # older than two weeks
    assert posting.expires_at == T0 + timedelta(days=60)


def test_renewal_never_goes_past_180_days_after_the_last_approval(world, db_session):
    posting = _published_at_t0(world, duration_days=90)
    with time_machine.travel(T0 + timedelta(days=85), tick=False):
        lifecycle.renew(posting, world.recruiter)
    assert posting.expires_at == T0 + timedelta(days=175)
    with time_machine.travel(T0 + timedelta(days=170), tick=False):  # 170 + 90 > 180: capped
        lifecycle.renew(posting, world.owner)
    assert posting.expires_at == T0 + timedelta(days=180)
    with time_machine.travel(T0 + timedelta(days=175), tick=False):
        with pytest.raises(Conflict) as caught:
            lifecycle.renew(posting, world.recruiter)
        assert "180" in caught.value.message
    assert posting.expires_at == T0 + timedelta(days=180)
    assert [t.action for t in transitions_of(posting)].count("renew") == 2
    # A merged edit is a new approval: the cap moves.
    with time_machine.travel(T0 + timedelta(days=176), tick=False):
        revision = services.update_posting(
            posting, world.recruiter, content(world.site, title="Renewed and edited", duration_days=90)
        )
        reviewing.approve(revision, world.admin)
        lifecycle.renew(posting, world.recruiter)
    assert posting.expires_at == T0 + timedelta(days=176 + 90)


def test_an_expired_posting_cannot_be_renewed(world, db_session):
    posting = _published_at_t0(world)
    with time_machine.travel(T0 + timedelta(days=53), tick=False):
        token = make_token(
            RENEW_POSTING, {"p": posting.id, "u": world.recruiter.id, "e": posting.expires_at.isoformat()}
        )
    with time_machine.travel(T0 + timedelta(days=61), tick=False):
        assert renewal.renewal_for_token(token).id == posting.id
        with pytest.raises(IllegalTransition):
            renewal.renew_with_token(token)
        renewal.expire_due_postings()
        with pytest.raises(IllegalTransition):
            lifecycle.renew(posting, world.recruiter)
    assert posting.status == S.EXPIRED


# --- reports ----------------------------------------------------------------------------------


def test_reports_are_for_listed_postings_and_are_resolved_by_decisions(world, db_session):
    draft = create(world, title="Something else entirely", site=world.tlv_site)
    with pytest.raises(DomainError):
        reviewing.report_posting(draft, None, ReportReason.SCAM, None)
    live = published(world)
    reviewing.report_posting(live, None, ReportReason.SCAM, "Asks for a fee")
    reviewing.report_posting(live, world.doctor, ReportReason.FILLED, "")
    db_session.flush()
    assert [(p.id, n) for p, n in queries.open_report_counts()] == [(live.id, 2)]
    assert [r.note for r in queries.open_reports(live)] == ["Asks for a fee", None]
    reviewing.dismiss_reports(live, world.admin)
    assert queries.open_report_counts() == []
    with pytest.raises(Conflict):
        reviewing.dismiss_reports(live, world.admin)
    reviewing.report_posting(live, None, ReportReason.INACCURATE, None)
    reviewing.unpublish(live, world.admin, "Confirmed inaccurate.")
    db_session.flush()
    reports = db_session.scalars(select(PostingReport).order_by(PostingReport.id)).all()
    assert [r.resolution for r in reports] == ["dismissed", "dismissed", "unpublished"]
    assert all(r.resolved_by_id == world.admin.id and r.resolved_at for r in reports)
    [entry] = audit_rows("posting.unpublished")
    assert entry.details["reports_resolved"] == 1 and entry.reason == "Confirmed inaccurate."


# --- the grant catalogue ----------------------------------------------------------------------


def _grant_fields(**overrides) -> GrantFields:
    fields = GrantFields(
        name="Negev relocation grant",
        funder="Negev Authority",
        summary="For doctors moving south.",
        region_slugs=["negev"],
        amount_min_ils=10_000,
        amount_max_ils=40_000,
    )
    for key, value in overrides.items():
        setattr(fields, key, value)
    return fields


def test_admins_create_and_edit_grant_programs(world, db_session):
    grant = save_grant(world.admin, _grant_fields())
    assert grant.slug == "negev-relocation-grant" and [r.slug for r in grant.regions] == ["negev"]
    same_name = save_grant(world.admin, _grant_fields())
    assert same_name.slug != grant.slug
    save_grant(world.admin, _grant_fields(region_slugs=["negev", "galilee-north"], valid_to=date(2031, 1, 1)), grant)
    assert {r.slug for r in grant.regions} == {"negev", "galilee-north"} and grant.valid_to == date(2031, 1, 1)
    assert [e.subject_id for e in audit_rows("grant.created")] == [grant.id, same_name.id]
    assert [e.subject_id for e in audit_rows("grant.updated")] == [grant.id]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"region_slugs": []}, "region_slugs"),
        ({"region_slugs": ["atlantis"]}, "region_slugs"),
        ({"amount_min_ils": 50_000, "amount_max_ils": 10_000}, "amount_max_ils"),
        ({"amount_min_ils": -5}, "amount_min_ils"),
        ({"valid_from": date(2031, 1, 1), "valid_to": date(2030, 1, 1)}, "valid_to"),
    ],
)
def test_invalid_grant_programs_are_refused(world, db_session, overrides, field):
    with pytest.raises(DomainError) as caught:
        save_grant(world.admin, _grant_fields(**overrides))
    assert caught.value.field == field
