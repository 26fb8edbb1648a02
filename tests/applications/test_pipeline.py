"""The employer's pipeline: a board per posting, moves by plain forms and by htmx (which gets the
updated board back), each move recorded with who, when and a note; the doctor hears of each
stage change and, when the recruiter chooses, gets the rejection e-mail. That viewers only read,
and that other tenants find nothing, ``tests/security/test_authorization.py`` proves."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from jobboard.applications import applying, pipeline
from jobboard.applications.models import ApplicationEvent, ApplicationNote, Stage
from jobboard.core import personal_data
from jobboard.core.db import utcnow
from jobboard.core.errors import DomainError
from jobboard.extensions import db
from tests.applications.conftest import count, deliver_held_mail, text_of


@pytest.fixture
def application(world):
    application = applying.apply(world.doctor, world.posting, world.cv, "Please consider me.")
    db.session.commit()
    return application


def later_mail(mailbox, address="doctor@example.org"):
    """Mail to the doctor other than the receipt of the application (sent when the fixture applied)."""
    return [m for m in mailbox.to(address) if not m["Subject"].endswith(" was received")]


def board_url(w, posting=None) -> str:
    return f"/org/{w.org.slug}/postings/{(posting or w.posting).id}/pipeline"


def move_url(w, application, slug=None) -> str:
    return f"/org/{slug or w.org.slug}/applications/{application.id}/move"


def events(application) -> list[ApplicationEvent]:
    return list(
        db.session.scalars(
            select(ApplicationEvent)
            .where(ApplicationEvent.application_id == application.id)
            .order_by(ApplicationEvent.id)
        )
    )


def column(page_html: str, stage: str) -> str:
    """The HTML of one board column."""
    match = re.search(rf'data-stage="{stage}".*?(?=data-stage="|$)', page_html, re.S)
    assert match, f"no column {stage}"
    return match.group(0)


def test_the_board_shows_each_stage_and_the_applicant_in_its_column(client, world, login, application):
    login(world.viewer)

    response = client.get(board_url(world))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for stage in ("applied", "screening", "interview", "offer", "hired", "started", "rejected"):
        assert f'id="stage-{stage}"' in page
    assert "Miriam Zalcberg-Testperson" in column(page, "applied")
    assert "Miriam Zalcberg-Testperson" not in column(page, "screening")
    # A viewer gets no move form and cannot drag.
    assert f'action="{move_url(world, application)}"' not in page
    assert 'draggable="true"' not in page


def test_a_recruiter_moves_an_application_with_the_plain_form(client, world, login, mailbox, application):
    login(world.recruiter)
    assert f'action="{move_url(world, application)}"' in client.get(board_url(world)).get_data(as_text=True)

    response = client.post(
        move_url(world, application), data={"stage": "screening", "note": "Strong CV", "from": "board"}
    )

    assert response.status_code == 302 and response.headers["Location"].startswith(f"{board_url(world)}?undo=")
    db.session.refresh(application)
    assert application.stage == Stage.SCREENING
    last = events(application)[-1]
    assert (last.from_stage, last.to_stage, last.actor_id, last.note) == (
        Stage.APPLIED,
        Stage.SCREENING,
        world.recruiter.id,
        "Strong CV",
    )
    assert last.created_at is not None
    assert "Miriam Zalcberg-Testperson" in column(client.get(board_url(world)).get_data(as_text=True), "screening")
    # The doctor hears of it, once the move can no longer be undone.
    assert later_mail(mailbox) == []
    deliver_held_mail()
    message = mailbox.last_to("doctor@example.org")
    assert (
        message["Subject"]
        == f"Your application to {world.posting.title} at {world.org.name} is now at the “Screening” step"
    )
    assert "has moved on: screening" in mailbox.text(message)


def test_an_htmx_move_returns_the_updated_board_fragment(client, world, login, application):
    login(world.recruiter)

    response = client.post(
        move_url(world, application), data={"stage": "interview", "from": "board"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment.lower() and "<nav" not in fragment
    assert 'id="pipeline-columns"' in fragment
    assert "Miriam Zalcberg-Testperson" in column(fragment, "interview")
    assert "Miriam Zalcberg-Testperson" not in column(fragment, "applied")
    assert "HX-Request" in response.headers.get("Vary", "")
    # The fragment keeps the recruiter's controls: a move form (plain and htmx) and drag and drop.
    assert f'hx-post="{move_url(world, application)}"' in fragment
    assert 'draggable="true"' in fragment and "data-drop-url=" in fragment
    db.session.refresh(application)
    assert application.stage == Stage.INTERVIEW


def test_a_move_from_the_detail_page_goes_back_there(client, world, login, application):
    login(world.owner)
    response = client.post(move_url(world, application), data={"stage": "offer", "note": ""})
    assert response.headers["Location"].startswith(f"/org/{world.org.slug}/applications/{application.id}?undo=")
    db.session.refresh(application)
    assert application.stage == Stage.OFFER
    assert events(application)[-1].note is None


def test_the_history_lists_every_move(client, world, login, application):
    login(world.recruiter)
    for stage, note in (("screening", "phone call booked"), ("interview", ""), ("offer", "salary agreed")):
        client.post(move_url(world, application), data={"stage": stage, "note": note})

    history = [(e.from_stage, e.to_stage, e.note, e.actor_id) for e in events(application)]
    assert history == [
        (None, Stage.APPLIED, None, world.doctor.id),
        (Stage.APPLIED, Stage.SCREENING, "phone call booked", world.recruiter.id),
        (Stage.SCREENING, Stage.INTERVIEW, None, world.recruiter.id),
        (Stage.INTERVIEW, Stage.OFFER, "salary agreed", world.recruiter.id),
    ]
    page = text_of(client.get(f"/org/{world.org.slug}/applications/{application.id}"))
    assert "Applied → Screening · phone call booked" in page
    assert f"Interview → Offer (on {utcnow():%d %b %Y}) · salary agreed" in page


def test_the_last_steps_carry_the_day_they_happened(client, world, login, mailbox, application):
    """An offer made, accepted (hired) and work started: each on the day the recruiter gives,
    earlier than the day they record it, told to the doctor in their mail and their list."""
    login(world.recruiter)
    today = utcnow().date()
    application.created_at -= timedelta(days=30)
    db.session.commit()
    for stage, day in (("offer", today - timedelta(days=20)), ("hired", today - timedelta(days=12)), ("started", None)):
        response = client.post(move_url(world, application), data={"stage": stage, "occurred_on": day or ""})
        assert response.status_code == 302

    history = [(e.to_stage, e.occurred_on) for e in events(application)]
    assert history[1:] == [
        (Stage.OFFER, today - timedelta(days=20)),
        (Stage.HIRED, today - timedelta(days=12)),
        (Stage.STARTED, today),  # no day given: today
    ]
    db.session.refresh(application)
    assert application.stage == Stage.STARTED and not application.is_open
    # The first day of each step, kept for the programme's figures: the offer passed the interview.
    assert (application.interviewed_on, application.offered_on, application.hired_on, application.started_on) == (
        today - timedelta(days=20),
        today - timedelta(days=20),
        today - timedelta(days=12),
        today,
    )
    deliver_held_mail()  # held while each move could be undone
    hired_mail = [m for m in later_mail(mailbox) if m["Subject"].endswith("“Hired” step")]
    assert f"The employer records the day as {today - timedelta(days=12):%-d %B %Y}." in mailbox.text(hired_mail[0])
    assert "Miriam Zalcberg-Testperson" in column(client.get(board_url(world)).get_data(as_text=True), "started")
    login(world.doctor)
    assert f"Hired (on {today - timedelta(days=12):%d %b %Y})" in text_of(client.get("/me/applications"))


def test_a_day_is_kept_only_for_the_last_steps(client, world, login, application):
    login(world.recruiter)
    client.post(move_url(world, application), data={"stage": "interview", "occurred_on": "2020-01-01"})
    assert events(application)[-1].occurred_on == utcnow().date()


@pytest.mark.parametrize(
    ("days", "message"),
    [(3, "The day cannot be in the future."), (-1, "The day cannot be before the doctor applied.")],
)
def test_a_day_in_the_future_or_before_the_application_is_refused(client, world, login, application, days, message):
    login(world.recruiter)
    day = (utcnow() + timedelta(days=days)).date() if days > 0 else application.created_at.date() - timedelta(days=1)

    response = client.post(move_url(world, application), data={"stage": "offer", "occurred_on": day.isoformat()})

    assert response.status_code == 422 and message in text_of(response)
    db.session.refresh(application)
    assert application.stage == Stage.APPLIED and len(events(application)) == 1


def test_a_day_that_is_not_a_date_is_refused(client, world, login, application):
    login(world.recruiter)
    response = client.post(move_url(world, application), data={"stage": "offer", "occurred_on": "soon"})
    assert response.status_code == 422 and "Give the day as a date." in text_of(response)


def test_moving_to_the_same_stage_records_nothing(client, world, login, mailbox, application):
    login(world.recruiter)
    client.post(move_url(world, application), data={"stage": "applied"})
    assert len(events(application)) == 1
    assert later_mail(mailbox) == []


def test_a_rejection_without_the_e_mail_sends_nothing(client, world, login, mailbox, application):
    login(world.recruiter)
    client.post(move_url(world, application), data={"stage": "rejected"})
    db.session.refresh(application)
    assert application.stage == Stage.REJECTED
    assert later_mail(mailbox) == []


def test_a_rejection_can_send_the_edited_rejection_e_mail(client, world, login, mailbox, application):
    login(world.recruiter)
    saved = client.post(
        f"/org/{world.org.slug}/rejection-template",
        data={
            "subject": "About {title}",
            "body": "Dear {name},\nthank you for applying for {title}. {employer} has chosen another candidate.",
        },
    )
    assert saved.status_code == 302

    client.post(move_url(world, application), data={"stage": "rejected", "send_rejection": "y"})
    deliver_held_mail()

    message = mailbox.last_to("doctor@example.org")
    assert message["Subject"] == f"About {world.posting.title}"
    body = mailbox.text(message).replace("\r\n", "\n")
    assert (
        f"Dear Miriam Zalcberg-Testperson,\nthank you for applying for {world.posting.title}. "
        f"Negev Test Medical Center has chosen another candidate."
    ) in body
    assert "{" not in body


def test_the_default_rejection_e_mail_fills_every_placeholder(client, world, login, mailbox, application):
    login(world.recruiter)
    page = client.get(f"/org/{world.org.slug}/rejection-template")
    assert "{name}" in text_of(page)

    client.post(move_url(world, application), data={"stage": "rejected", "send_rejection": "y"})
    deliver_held_mail()

    message = mailbox.last_to("doctor@example.org")
    body = mailbox.text(message)
    assert "Dear Miriam Zalcberg-Testperson" in body and world.posting.title in body
    assert "Negev Test Medical Center" in body
    assert not re.search(r"\{(name|title|employer)\}", body + message["Subject"])


@pytest.mark.parametrize("stage", ["withdrawn", "nonsense", ""])
def test_a_move_to_a_stage_off_the_board_is_refused(client, world, login, application, stage):
    login(world.recruiter)
    response = client.post(move_url(world, application), data={"stage": stage})
    assert response.status_code == 422
    db.session.refresh(application)
    assert application.stage == Stage.APPLIED
    assert len(events(application)) == 1


def test_a_withdrawn_application_cannot_be_moved(client, world, login, application):
    applying.withdraw(world.doctor, application, "Took another job")
    db.session.commit()
    login(world.recruiter)

    response = client.post(move_url(world, application), data={"stage": "interview"})

    assert response.status_code == 409
    assert "withdrawn" in text_of(response)
    db.session.refresh(application)
    assert application.stage == Stage.WITHDRAWN
    page = text_of(client.get(board_url(world)))
    assert "Withdrawn by the doctor" in page
    detail = text_of(client.get(f"/org/{world.org.slug}/applications/{application.id}"))
    assert "Took another job" in detail


def test_notes_and_ratings_are_private_to_the_organisation(client, world, login, application):
    login(world.recruiter)
    assert (
        client.post(
            f"/org/{world.org.slug}/applications/{application.id}/notes",
            data={"body": "Spoke Hebrew well on the phone."},
        ).status_code
        == 302
    )
    assert (
        client.post(f"/org/{world.org.slug}/applications/{application.id}/rating", data={"rating": "4"}).status_code
        == 302
    )

    db.session.refresh(application)
    assert application.rating == 4
    [note] = db.session.scalars(select(ApplicationNote).where(ApplicationNote.application_id == application.id))
    assert (note.body, note.author_id) == ("Spoke Hebrew well on the phone.", world.recruiter.id)

    # The organisation's viewer sees them ...
    login(world.viewer)
    detail = text_of(client.get(f"/org/{world.org.slug}/applications/{application.id}"))
    assert "Spoke Hebrew well on the phone." in detail
    assert "★★★★" in text_of(client.get(f"/org/{world.org.slug}/applicants"))
    # ... the doctor does not, nor does the other tenant, nor are they in the doctor's export.
    login(world.doctor)
    mine = client.get("/me/applications").get_data(as_text=True)
    assert "Spoke Hebrew well" not in mine and "★" not in mine
    with zipfile.ZipFile(io.BytesIO(personal_data.export_archive(world.doctor))) as archive:
        assert "Spoke Hebrew well" not in archive.read("data.json").decode()
    login(world.other_recruiter)
    assert client.get(f"/org/{world.org.slug}/applications/{application.id}").status_code == 404
    assert client.get(f"/org/{world.other.slug}/applications/{application.id}").status_code == 404


@pytest.mark.parametrize("rating", ["0", "6", "abc", "-1"])
def test_a_rating_outside_1_to_5_is_refused(client, world, login, application, rating):
    login(world.recruiter)
    response = client.post(f"/org/{world.org.slug}/applications/{application.id}/rating", data={"rating": rating})
    assert response.status_code == 422
    db.session.refresh(application)
    assert application.rating is None


def test_a_rating_can_be_cleared(client, world, login, application):
    login(world.recruiter)
    client.post(f"/org/{world.org.slug}/applications/{application.id}/rating", data={"rating": "2"})
    client.post(f"/org/{world.org.slug}/applications/{application.id}/rating", data={"rating": ""})
    db.session.refresh(application)
    assert application.rating is None


def test_the_service_refuses_a_rating_out_of_range(world, application):
    with pytest.raises(DomainError):
        pipeline.rate(application, 6)


def test_an_empty_note_is_refused(client, world, login, application):
    login(world.recruiter)
    response = client.post(f"/org/{world.org.slug}/applications/{application.id}/notes", data={"body": "   "})
    assert response.status_code == 422
    assert count(ApplicationNote) == 0


def test_the_detail_page_shows_the_profile_and_the_cover_note(client, world, login, application):
    login(world.viewer)
    page = text_of(client.get(f"/org/{world.org.slug}/applications/{application.id}"))
    assert "Miriam Zalcberg-Testperson" in page
    assert "Please consider me." in page
    assert (
        "No licence track chosen · Not started" in page and "+33 6 12 34 56 78" in page and "doctor@example.org" in page
    )
    assert "Paediatrician from Lyon." in page


def test_the_cv_download_is_audited(client, world, login, application):
    from jobboard.core.audit import AuditEntry

    login(world.viewer)
    response = client.get(f"/org/{world.org.slug}/applications/{application.id}/cv")
    assert response.status_code == 200
    entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "cv.downloaded")))
    assert [(e.actor_id, e.subject_id, e.org_id) for e in entries] == [(world.viewer.id, application.id, world.org.id)]


# --- undoing a move -----------------------------------------------------------------------------


def undo_token(fragment: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', fragment).group(1)


def test_a_move_on_the_board_can_be_undone_for_a_few_seconds_and_no_mail_leaves(
    client, world, login, mailbox, application
):
    login(world.recruiter)
    moved = client.post(
        move_url(world, application), data={"stage": "interview", "from": "board"}, headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "Moved to interview. You can undo this for 10 seconds" in " ".join(re.sub(r"<[^>]+>", " ", moved).split())
    assert 'data-expires-in="10"' in moved
    assert later_mail(mailbox) == []  # held back while the move can be undone

    undone = client.post(
        f"/org/{world.org.slug}/applications/{application.id}/undo-move",
        data={"token": undo_token(moved), "from": "board"},
        headers={"HX-Request": "true"},
    )
    assert undone.status_code == 200
    assert "The move is undone: back in applied, and no e-mail was sent." in undone.get_data(as_text=True)
    assert "Miriam Zalcberg-Testperson" in column(undone.get_data(as_text=True), "applied")
    db.session.refresh(application)
    assert application.stage == Stage.APPLIED
    assert [e.to_stage for e in events(application)] == [Stage.APPLIED]  # the move left no trace
    assert application.interviewed_on is None  # nor in the figures of the steps reached
    deliver_held_mail()
    assert later_mail(mailbox) == []


def test_undoing_a_move_keeps_the_first_day_of_each_step_the_history_still_holds(client, world, login, application):
    login(world.recruiter)
    assert client.post(move_url(world, application), data={"stage": "interview"}).status_code == 302
    interviewed_on = db.session.get(type(application), application.id).interviewed_on
    moved = client.post(move_url(world, application), data={"stage": "offer"})
    token = moved.headers["Location"].split("undo=")[1]
    assert db.session.get(type(application), application.id).offered_on is not None

    assert client.post(
        f"/org/{world.org.slug}/applications/{application.id}/undo-move", data={"token": token}
    ).status_code in (302, 303)
    db.session.expire_all()
    undone = db.session.get(type(application), application.id)
    assert (undone.stage, undone.offered_on, undone.interviewed_on) == (Stage.INTERVIEW, None, interviewed_on)


def test_a_move_cannot_be_undone_once_its_time_is_up_and_its_mail_then_leaves(
    client, world, login, mailbox, application
):
    login(world.recruiter)
    moved = client.post(move_url(world, application), data={"stage": "screening"})
    token = moved.headers["Location"].split("undo=")[1]
    assert "You can undo this" in text_of(client.get(moved.headers["Location"]))  # the plain page offers it too

    with time_machine.travel(utcnow() + timedelta(seconds=12)):
        late = client.post(f"/org/{world.org.slug}/applications/{application.id}/undo-move", data={"token": token})
        expired_offer = client.get(moved.headers["Location"])
    assert late.status_code == 409 and "too late to undo" in late.get_data(as_text=True)
    assert "You can undo this" not in text_of(expired_offer)
    db.session.refresh(application)
    assert application.stage == Stage.SCREENING
    deliver_held_mail()
    assert [m["Subject"] for m in later_mail(mailbox)] == [
        f"Your application to {world.posting.title} at {world.org.name} is now at the “Screening” step"
    ]


def test_only_the_recruiter_who_moved_can_undo_and_only_the_last_move(client, world, login, application):
    login(world.recruiter)
    first = client.post(move_url(world, application), data={"stage": "screening"}).headers["Location"]
    token = first.split("undo=")[1]
    undo_url = f"/org/{world.org.slug}/applications/{application.id}/undo-move"

    login(world.owner)
    assert "You can undo this" not in text_of(client.get(first))
    assert client.post(undo_url, data={"token": token}).status_code == 409

    login(world.recruiter)
    client.post(move_url(world, application), data={"stage": "interview"})
    refused = client.post(undo_url, data={"token": token})
    assert refused.status_code == 409 and "has moved since" in refused.get_data(as_text=True)
    db.session.refresh(application)
    assert application.stage == Stage.INTERVIEW
