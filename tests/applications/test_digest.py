"""Recruiters' e-mail about new applications: immediate, a daily digest (the default), or none;
each member chooses. Time is moved with time_machine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from jobboard.applications import applying, notifications
from jobboard.applications.models import MailMode
from jobboard.core import outbox
from jobboard.extensions import db
from jobboard.orgs.models import Membership, OrgStatus
from tests.applications.conftest import ready_doctor

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def membership_of(user) -> Membership:
    return db.session.scalar(select(Membership).where(Membership.user_id == user.id))


def apply_new_doctor(world, posting=None):
    doctor, cv = ready_doctor()
    return applying.apply(doctor, posting or world.posting, cv, "")


def deliver() -> None:
    db.session.commit()
    outbox.drain()


def digests(mailbox, address):
    return [m for m in mailbox.to(address) if "new application" in m["Subject"]]


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def test_a_daily_digest_lists_the_day_s_applications_once(world, mailbox, clock):
    clock.move_to(START - timedelta(hours=5))
    first = apply_new_doctor(world)
    clock.move_to(START - timedelta(hours=1))
    second = apply_new_doctor(world)
    apply_new_doctor(world, world.other_posting)  # another organisation's
    deliver()
    mailbox.clear()

    clock.move_to(START)
    sent = notifications.send_daily_digests()
    deliver()

    assert sent >= 2  # this organisation's recruiter and owner (and the other's recruiter)
    for address in ("recruiter@negev.example.org", "owner@negev.example.org"):
        [digest] = digests(mailbox, address)
        assert digest["Subject"] == f"2 new applications at {world.org.name}"
        text = mailbox.text(digest)
        assert text.count(world.posting.title) == 2
        assert mailbox.link(digest, "/org/") == f"/org/{world.org.slug}/applicants"
    assert digests(mailbox, "viewer@negev.example.org") == []
    [other] = digests(mailbox, "recruiter@other.example.org")
    assert other["Subject"] == f"1 new application at {world.other.name}"
    assert first.created_at < second.created_at

    # Run again later the same day (the worker runs it every half hour): nothing new is sent.
    clock.move_to(START + timedelta(hours=6))
    apply_new_doctor(world)
    assert notifications.send_daily_digests() == 0
    deliver()
    assert len(digests(mailbox, "recruiter@negev.example.org")) == 1

    # The next day: only what came since the last digest.
    clock.move_to(START + timedelta(days=1))
    notifications.send_daily_digests()
    deliver()
    latest = digests(mailbox, "recruiter@negev.example.org")
    assert len(latest) == 2 and latest[-1]["Subject"] == f"1 new application at {world.org.name}"


def test_no_digest_when_nothing_is_new(world, mailbox, clock):
    assert notifications.send_daily_digests() == 0
    deliver()
    assert digests(mailbox, "recruiter@negev.example.org") == []


def test_a_suspended_employer_gets_no_digest(world, mailbox, clock):
    """Suspension stops every read of applicant data, mail included."""
    clock.move_to(START - timedelta(hours=2))
    apply_new_doctor(world)
    world.org.status = OrgStatus.SUSPENDED
    deliver()
    mailbox.clear()
    clock.move_to(START)
    notifications.send_daily_digests()
    deliver()
    assert digests(mailbox, "recruiter@negev.example.org") == []


def test_the_immediate_setting_mails_each_application_and_skips_the_digest(world, mailbox, clock):
    notifications.set_mail_mode(membership_of(world.recruiter), MailMode.IMMEDIATE)
    clock.move_to(START - timedelta(hours=2))
    apply_new_doctor(world)
    deliver()
    assert (
        len([m for m in mailbox.to("recruiter@negev.example.org") if m["Subject"].startswith("A doctor applied to")])
        == 1
    )

    clock.move_to(START)
    notifications.send_daily_digests()
    deliver()
    assert digests(mailbox, "recruiter@negev.example.org") == []
    assert len(digests(mailbox, "owner@negev.example.org")) == 1


def test_the_off_setting_sends_nothing(world, mailbox, clock):
    notifications.set_mail_mode(membership_of(world.recruiter), MailMode.OFF)
    clock.move_to(START - timedelta(hours=2))
    apply_new_doctor(world)
    deliver()
    clock.move_to(START)
    notifications.send_daily_digests()
    deliver()
    assert [m for m in mailbox.to("recruiter@negev.example.org") if "application" in m["Subject"].lower()] == []


def test_each_member_sets_their_own_mode_through_the_page(client, world, login):
    login(world.recruiter)
    page = client.get(f"/org/{world.org.slug}/notifications")
    assert 'value="daily" selected' in page.get_data(as_text=True) or 'selected value="daily"' in page.get_data(
        as_text=True
    )

    assert client.post(f"/org/{world.org.slug}/notifications", data={"mode": "immediate"}).status_code == 302
    assert client.post(f"/org/{world.org.slug}/notifications", data={"mode": "hourly"}).status_code == 422

    assert notifications.mail_mode(membership_of(world.recruiter)) == MailMode.IMMEDIATE
    assert notifications.mail_mode(membership_of(world.owner)) == MailMode.DAILY
    # Another tenant's member cannot reach this organisation's setting.
    login(world.other_recruiter)
    assert client.post(f"/org/{world.org.slug}/notifications", data={"mode": "off"}).status_code == 404
    assert notifications.mail_mode(membership_of(world.recruiter)) == MailMode.IMMEDIATE
