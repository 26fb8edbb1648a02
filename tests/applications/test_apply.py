"""Applying: a published posting, a cover note and a chosen CV; once per doctor and posting;
refused for closed, expired and unpublished postings and for employer accounts; the CV is
copied, so later changes to the doctor's CVs don't change what the employer downloads."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
import time_machine
from sqlalchemy import select

from jobboard.applications import applying, cvs, notifications
from jobboard.applications.models import Application, ApplicationEvent, CvDocument, MailMode, Stage
from jobboard.core.db import utcnow
from jobboard.core.errors import NotPermitted
from jobboard.extensions import db
from jobboard.jobs import renewal, reviewing
from jobboard.jobs import services as job_services
from jobboard.jobs.models import CloseReason, PostingStatus
from jobboard.orgs.models import Membership, OrgStatus
from tests.applications.conftest import count, make_posting, pdf_bytes, stored_cv, stored_files, text_of
from tests.factories import DoctorFactory


def apply_via_form(client, posting, cv, note="I would love to join your ward."):
    return client.post(f"/jobs/{posting.id}/apply", data={"cv_id": str(cv.id), "cover_note": note})


def applications_of(doctor) -> list[Application]:
    return list(db.session.scalars(select(Application).where(Application.doctor_id == doctor.id)))


def test_a_posting_applied_to_says_when_and_leads_to_the_application_instead_of_offering_apply(
    client, world, login, uploads
):
    login(world.doctor)
    posting_page = f"/jobs/{world.posting.id}-{world.posting.slug}"
    before = client.get(posting_page).get_data(as_text=True)
    assert f'href="/jobs/{world.posting.id}/apply"' in before and "You applied" not in before

    apply_via_form(client, world.posting, world.cv)
    [application] = applications_of(world.doctor)
    after = client.get(posting_page)
    assert f"You applied on {application.created_at:%d %B %Y}." in text_of(after)
    assert f'href="/me/applications#application-{application.id}"' in after.get_data(as_text=True)
    assert f'href="/jobs/{world.posting.id}/apply"' not in after.get_data(as_text=True)


def test_after_applying_the_doctor_is_offered_the_fairs_where_the_employer_interviews(client, world, login, uploads):
    from tests.fairs.conftest import make_fair, register_employer

    day = (utcnow() + timedelta(days=60)).date()
    when = dict(
        starts_on=day,
        ends_on=day,
        booking_opens_at=utcnow() - timedelta(days=1),
        booking_closes_at=utcnow() + timedelta(days=59),
    )
    fair = make_fair(name="MedEx Paris", city="Paris", country="FR", time_zone="Europe/Paris", **when)
    register_employer(fair, SimpleNamespace(org=world.org, recruiter=world.recruiter))
    make_fair(name="MedEx Elsewhere", **when)  # the employer is not there
    db.session.commit()
    login(world.doctor)
    sent = apply_via_form(client, world.posting, world.cv)
    mine = client.get(sent.headers["Location"])
    plain = client.get("/me/applications")
    posting_page = client.get(f"/jobs/{world.posting.id}-{world.posting.slug}")
    text = text_of(mine)
    assert f"Meet {world.org.name} at MedEx" in text and f"MedEx Paris · {day:%d %b %Y} · Paris" in text
    assert "MedEx Elsewhere" not in text
    assert "Meet " not in text_of(plain)  # offered once, just after applying
    assert f'href="/fairs/{fair.slug}"' in posting_page.get_data(as_text=True)


def test_a_doctor_applies_with_a_cover_note_and_a_chosen_cv(client, world, login, mailbox, uploads):
    second = stored_cv(world.doctor, "cv-hebrew-version.pdf", pdf_bytes(marker="second"), default=False)
    db.session.commit()
    login(world.doctor)

    form = client.get(f"/jobs/{world.posting.id}/apply")
    assert form.status_code == 200
    assert "Ready to apply" in text_of(form)

    response = apply_via_form(client, world.posting, second, "  Available from March.  ")

    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/me/applications?applied={applications_of(world.doctor)[0].id}"
    )
    [application] = applications_of(world.doctor)
    assert application.posting_id == world.posting.id and application.org_id == world.org.id
    assert application.stage == Stage.APPLIED
    assert application.cover_note == "Available from March."
    assert application.cv_original_name == "cv-hebrew-version.pdf"
    assert application.cv_stored_name not in (second.stored_name, world.cv.stored_name)
    assert (uploads / application.cv_stored_name).read_bytes() == (uploads / second.stored_name).read_bytes()
    [event] = db.session.scalars(select(ApplicationEvent).where(ApplicationEvent.application_id == application.id))
    assert (event.from_stage, event.to_stage, event.actor_id) == (None, Stage.APPLIED, world.doctor.id)
    # The doctor hears that it arrived.
    received = mailbox.last_to("doctor@example.org")
    assert received["Subject"] == f"Your application to {world.posting.title} at {world.org.name} was received"
    assert world.posting.title in mailbox.text(received) and world.org.name in mailbox.text(received)
    assert mailbox.link(received, "/me/applications") == "/me/applications"


def test_the_default_cv_is_preselected(client, world, login):
    stored_cv(world.doctor, "newer.pdf", pdf_bytes(marker="newer"), default=False)
    db.session.commit()
    login(world.doctor)

    page = client.get(f"/jobs/{world.posting.id}/apply").get_data(as_text=True)

    assert f'<option selected value="{world.cv.id}">' in page or f'value="{world.cv.id}" selected' in page


def test_a_second_application_says_so_and_links_to_the_first(client, world, login, uploads):
    login(world.doctor)
    apply_via_form(client, world.posting, world.cv)
    [first] = applications_of(world.doctor)
    files = stored_files(uploads)

    again = apply_via_form(client, world.posting, world.cv, "Once more")

    assert again.status_code == 302
    assert again.headers["Location"].endswith(f"/me/applications#application-{first.id}")
    page = client.get(again.headers["Location"])
    assert "You have already applied for this position." in text_of(page)
    assert f'id="application-{first.id}"' in page.get_data(as_text=True)
    assert applications_of(world.doctor) == [first]
    assert first.cover_note == "I would love to join your ward."
    assert stored_files(uploads) == files
    # The apply page itself says so too.
    assert client.get(f"/jobs/{world.posting.id}/apply").headers["Location"].endswith(f"#application-{first.id}")


def test_the_service_refuses_a_duplicate_and_names_the_first(world):
    first = applying.apply(world.doctor, world.posting, world.cv, "")
    with pytest.raises(applying.AlreadyApplied) as refused:
        applying.apply(world.doctor, world.posting, world.cv, "")
    assert refused.value.application is first
    assert refused.value.status_code == 409


def _close(w, posting):
    job_services.close_posting(posting, w.recruiter, CloseReason.FILLED)


def _unpublish(w, posting):
    reviewing.unpublish(posting, w.admin, "Misleading salary")


def _expire_by_clock(w, posting):
    posting.expires_at = utcnow() - timedelta(minutes=1)  # past its expiry, the worker not run yet


def _expire_by_worker(w, posting):
    posting.expires_at = utcnow() - timedelta(minutes=1)
    renewal.expire_due_postings()


def _suspend_employer(w, posting):
    w.org.status = OrgStatus.SUSPENDED


@pytest.mark.parametrize(
    "make_unavailable", [_close, _unpublish, _expire_by_clock, _expire_by_worker, _suspend_employer]
)
def test_applying_to_a_posting_no_longer_open_is_refused_with_a_message(
    client, world, login, uploads, make_unavailable
):
    make_unavailable(world, world.posting)
    db.session.commit()
    assert not world.posting.is_listed
    login(world.doctor)
    files = stored_files(uploads)

    for response in (client.get(f"/jobs/{world.posting.id}/apply"), apply_via_form(client, world.posting, world.cv)):
        assert response.status_code == 410
        assert "This position is no longer open for applications." in text_of(response)
    assert applications_of(world.doctor) == []
    assert stored_files(uploads) == files


@pytest.mark.parametrize("status", [PostingStatus.DRAFT, PostingStatus.PENDING_REVIEW, PostingStatus.REJECTED])
def test_a_posting_never_published_cannot_be_applied_to(client, world, login, status):
    posting = make_posting(world.org, world.site, status=status)
    db.session.commit()
    login(world.doctor)

    response = apply_via_form(client, posting, world.cv)

    assert 400 <= response.status_code < 500
    assert applications_of(world.doctor) == []


def test_the_service_refuses_staff_too(world):
    with pytest.raises(NotPermitted):
        applying.apply(world.recruiter, world.posting, world.cv, "")


def test_applying_with_another_doctors_cv_is_refused(client, world, login, uploads):
    login(world.doctor)
    files = stored_files(uploads)

    response = apply_via_form(client, world.posting, world.other_cv)

    assert response.status_code == 422
    assert count(Application) == 0
    assert stored_files(uploads) == files


def test_an_incomplete_profile_cannot_apply(client, world, login, uploads):
    newcomer = DoctorFactory()
    cv = stored_cv(newcomer)
    db.session.commit()
    login(newcomer)

    page = client.get(f"/jobs/{world.posting.id}/apply")
    assert "Not ready to apply" in text_of(page) and "your profession" in text_of(page)
    response = apply_via_form(client, world.posting, cv)

    assert response.status_code == 422
    assert "Complete your profile" in text_of(response)
    assert count(Application) == 0


def test_a_doctor_without_a_cv_cannot_apply(client, world, login):
    cvs.delete_cv(world.doctor, world.cv)
    db.session.commit()
    login(world.doctor)

    page = client.get(f"/jobs/{world.posting.id}/apply")
    assert "a CV" in text_of(page) and "upload a CV" in text_of(page)
    response = client.post(f"/jobs/{world.posting.id}/apply", data={"cover_note": "hi"})
    assert response.status_code == 422
    assert count(Application) == 0


def test_an_unconfirmed_doctor_cannot_apply(client, world, login):
    world.doctor.email_confirmed_at = None
    db.session.commit()
    login(world.doctor)

    response = apply_via_form(client, world.posting, world.cv)

    assert response.status_code in (403, 422)
    assert "Confirm your e-mail address" in text_of(response)
    assert count(Application) == 0


def test_a_cover_note_over_5000_characters_is_refused(client, world, login):
    login(world.doctor)
    response = apply_via_form(client, world.posting, world.cv, "x" * 5001)
    assert response.status_code == 422
    assert count(Application) == 0


def test_the_cv_sent_is_a_snapshot(client, world, login, uploads):
    original = (uploads / world.cv.stored_name).read_bytes()
    login(world.doctor)
    apply_via_form(client, world.posting, world.cv)
    [application] = applications_of(world.doctor)

    # The doctor replaces the CV (a new default) and deletes the one sent.
    client.post(
        "/me/cvs",
        data={"file": (__import__("io").BytesIO(pdf_bytes(marker="v2")), "cv.pdf")},
        content_type="multipart/form-data",
    )
    newer = db.session.scalar(
        select(CvDocument).where(CvDocument.owner_id == world.doctor.id, CvDocument.id != world.cv.id)
    )
    client.post(f"/me/cvs/{newer.id}/default")
    assert client.post(f"/me/cvs/{world.cv.id}/delete").status_code == 302
    assert not (uploads / world.cv.stored_name).exists()

    login(world.recruiter)
    response = client.get(f"/org/{world.org.slug}/applications/{application.id}/cv")

    assert response.status_code == 200
    assert response.data == original
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")


def test_staff_on_the_immediate_setting_hear_of_each_application(client, world, login, mailbox):
    recruiter_membership = db.session.scalar(select(Membership).where(Membership.user_id == world.recruiter.id))
    notifications.set_mail_mode(recruiter_membership, MailMode.IMMEDIATE)
    db.session.commit()
    login(world.doctor)

    apply_via_form(client, world.posting, world.cv)

    [application] = applications_of(world.doctor)
    message = mailbox.last_to("recruiter@negev.example.org")
    assert world.posting.title in message["Subject"]
    assert mailbox.link(message, "/org/") == f"/org/{world.org.slug}/applications/{application.id}"
    # The others are on the daily summary (the default) or are viewers: nothing now.
    assert mailbox.to("owner@negev.example.org") == []
    assert mailbox.to("viewer@negev.example.org") == []
    assert mailbox.to("recruiter@other.example.org") == []


def test_the_apply_form_is_rate_limited(client, world, login):
    login(world.doctor)
    statuses = [client.post(f"/jobs/{world.posting.id}/apply", data={"cv_id": "abc"}).status_code for _ in range(21)]
    assert set(statuses[:20]) == {422}
    assert statuses[20] == 429


def test_time_passing_closes_a_posting_to_applications(client, world, login):
    login(world.doctor)
    with time_machine.travel(world.posting.expires_at + timedelta(minutes=1)):
        response = apply_via_form(client, world.posting, world.cv)
    assert response.status_code == 410
    assert count(Application) == 0
