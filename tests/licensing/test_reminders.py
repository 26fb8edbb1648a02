"""The licence file's reminders: each sent once, in the doctor's language, through the outbox and
the periodic job."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import force_locale, gettext

from jobboard.applications import profiles
from jobboard.core import outbox
from jobboard.core.schedule import run_due_jobs
from jobboard.extensions import db
from jobboard.licensing.milestones import MilestoneFields, save_milestones
from jobboard.licensing.reminders import send_licence_reminders
from tests.licensing.conftest import on_track, stored_document

TODAY = date(2026, 6, 1)


def subjects(mailbox, user) -> list[str]:
    return [str(m["Subject"]) for m in mailbox.to(user.email)]


def test_a_document_expiring_within_60_days_is_reminded_once(world, mailbox):
    stored_document(world.doctor, "passport", expires_on=TODAY + timedelta(days=61))
    db.session.commit()
    assert send_licence_reminders(TODAY) == 0  # not yet

    assert send_licence_reminders(TODAY + timedelta(days=1)) == 1
    assert send_licence_reminders(TODAY + timedelta(days=2)) == 0
    db.session.commit()
    outbox.drain()
    assert subjects(mailbox, world.doctor) == ["A document of your licence file expires soon"]


def test_a_replaced_document_with_a_new_expiry_is_reminded_again(world):
    document = stored_document(world.doctor, "passport", expires_on=TODAY + timedelta(days=10))
    assert send_licence_reminders(TODAY) == 1
    document.expires_on = TODAY + timedelta(days=20)
    assert send_licence_reminders(TODAY) == 1
    assert send_licence_reminders(TODAY) == 0


def test_the_exam_is_reminded_two_weeks_ahead_once_in_the_doctors_language(world, mailbox):
    world.doctor.language = "ru"
    save_milestones(world.doctor, MilestoneFields(exam_on=TODAY + timedelta(days=15)), TODAY)
    db.session.commit()
    assert send_licence_reminders(TODAY) == 0
    assert send_licence_reminders(TODAY + timedelta(days=1)) == 1
    assert send_licence_reminders(TODAY + timedelta(days=2)) == 0
    db.session.commit()
    outbox.drain()
    with force_locale("ru"):
        assert subjects(mailbox, world.doctor) == [gettext("Your licensing exam is in two weeks")]


def test_missing_items_are_reminded_90_days_before_the_move_once(world, mailbox):
    on_track(world.doctor)
    stored_document(world.doctor, "diploma")
    profiles.profile_of(world.doctor).move_month = date(2026, 9, 1)
    db.session.commit()
    assert send_licence_reminders(date(2026, 6, 2)) == 0  # 91 days ahead
    assert send_licence_reminders(date(2026, 6, 3)) == 1
    assert send_licence_reminders(date(2026, 6, 4)) == 0
    db.session.commit()
    outbox.drain()
    text = mailbox.text(mailbox.last_to(world.doctor.email))
    assert "Letter of good standing" in text and "Medical diploma with dates of study" not in text
    assert "September 2026" in text


def test_nothing_to_remind_without_a_track_or_a_move_date(world):
    profiles.profile_of(world.doctor).move_month = date(2026, 7, 1)
    assert send_licence_reminders(TODAY) == 0


def test_the_periodic_job_sends_them(world, mailbox):
    stored_document(world.doctor, "passport", expires_on=date.today() + timedelta(days=30))
    db.session.commit()
    done = run_due_jobs()
    assert done["licence-reminders"] == 1
    outbox.drain()
    assert subjects(mailbox, world.doctor) == ["A document of your licence file expires soon"]
