"""The demo data reads like a real board: no title says a word twice, every grant on a posting
fits its profession and region, the professions come in a believable mix with fitting seniority,
descriptions ask for the right experience, and the demo doctor starts with a complete profile, a
CV, applications at different stages and an interview booked. Seeded once, with the usual
number of postings, inside the test's transaction."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, time, timedelta

import time_machine
from sqlalchemy import select

from jobboard.accounts.services import find_user_by_email
from jobboard.applications import cvs, profiles
from jobboard.applications.models import Stage
from jobboard.applications.queries import my_applications
from jobboard.core.audit import AuditEntry
from jobboard.demo.fairs import FAIRS
from jobboard.demo.postings import grant_professions
from jobboard.demo.seed import DEMO_DOMAIN
from jobboard.extensions import db
from jobboard.fairs.queries import doctor_bookings
from jobboard.jobs.models import Posting, PostingStatus, PostingTransition, Seniority
from jobboard.orgs.models import OrgKind

WORD = re.compile(r"[a-z]{4,}")


def titles_saying_a_word_twice(postings: list[Posting]) -> list[str]:
    return [p.title for p in postings if len(WORD.findall(p.title.lower())) != len(set(WORD.findall(p.title.lower())))]


def grants_that_do_not_fit(postings: list[Posting]) -> list[tuple[str, str]]:
    restricted = grant_professions()
    return [
        (posting.title, grant.name)
        for posting in postings
        for grant in posting.grants
        if not grant.covers(posting.site.city.region_slug)
        or posting.profession_slug not in restricted.get(grant.name, {posting.profession_slug})
    ]


def test_the_demo_data_reads_like_a_real_board(app, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_POSTINGS", 240)
    # A month before the first demo fair: its booking is open, so the doctor's interview can be booked.
    first_fair = min(day for *_fields, day in FAIRS)
    with time_machine.travel(datetime.combine(first_fair - timedelta(days=30), time(12), UTC)):
        assert app.test_cli_runner().invoke(args=["jobboard", "seed-demo"]).exit_code == 0
    db.session.expire_all()
    postings = list(db.session.scalars(select(Posting)))

    assert titles_saying_a_word_twice(postings) == []
    assert grants_that_do_not_fit(postings) == []
    assert any(posting.grants for posting in postings if posting.profession_slug != "physician")

    professions = Counter(posting.profession_slug for posting in postings)
    assert professions["nurse"] >= professions["physician"] / 4 and len(professions) >= 10
    for posting in postings:
        if posting.profession_slug != "physician":
            assert posting.seniority in (Seniority.SPECIALIST, Seniority.SENIOR_SPECIALIST), posting.title
            assert "Experience in" not in posting.description_md, posting.title  # "as a midwife", not "in midwife"
        elif posting.org.kind == OrgKind.HEALTH_FUND:
            assert posting.seniority not in (Seniority.INTERN, Seniority.RESIDENT), posting.title

    # A moderation history that tells a story: sent back and approved once resubmitted, rejected
    # with a reason and written again, some still waiting with changes asked for.
    steps: dict[int, list[str]] = {}
    for row in db.session.scalars(
        select(PostingTransition).order_by(PostingTransition.created_at, PostingTransition.id)
    ):
        steps.setdefault(row.posting_id, []).append(row.action)
    stories = Counter(" ".join(actions) for actions in steps.values())
    assert stories["submit approve"] > 100
    assert stories["submit request_changes submit approve"] >= 10
    assert stories["submit reject"] >= 3 and stories["submit request_changes"] >= 3
    for posting in postings:
        if posting.status in (PostingStatus.REJECTED, PostingStatus.CHANGES_REQUESTED):
            assert posting.moderator_comment, posting.title
    rejected = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "posting.rejected")))
    assert rejected and all(entry.reason and entry.actor_id for entry in rejected)
    for entry in rejected:  # written again, and published
        again = [
            p
            for p in postings
            if p.title == db.session.get(Posting, entry.subject_id).title and p.id != entry.subject_id
        ]
        assert any(p.first_published_at is not None for p in again), entry.subject_id
    submitters = {
        row.actor_id
        for row in db.session.scalars(select(PostingTransition).where(PostingTransition.action == "submit"))
    }
    assert find_user_by_email(f"recruiter.soroka@{DEMO_DOMAIN}").id in submitters

    doctor = find_user_by_email(f"doctor@{DEMO_DOMAIN}")
    assert profiles.completeness(profiles.profile_of(doctor), len(cvs.cvs_of(doctor))).percent == 100
    applications = {application.stage: application for application in my_applications(doctor)}
    assert set(applications) == {Stage.APPLIED, Stage.SCREENING, Stage.INTERVIEW}
    [interview] = doctor_bookings(doctor)
    assert interview.application_id == applications[Stage.INTERVIEW].id
