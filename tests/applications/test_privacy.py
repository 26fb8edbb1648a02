"""The doctor's data: download everything (a zip with data.json and the CV files) and delete the
account (profile and CVs erased with their files, applications kept anonymous for the
employer's counts, bookings and job alerts deleted, the employer told of a cancelled interview,
a confirmation sent, and no trace of the address or the name left in any table)."""

from __future__ import annotations

import io
import json
import zipfile
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy import select

from jobboard.accounts.models import User
from jobboard.alerts import services as alerts
from jobboard.alerts.models import Alert, AlertSent, Frequency
from jobboard.applications import applying, personal_data, pipeline
from jobboard.applications.models import (
    Application,
    ApplicationEvent,
    ApplicationNote,
    CvDocument,
    DoctorProfile,
    Stage,
)
from jobboard.core.outbox import OutboxMessage
from jobboard.extensions import db
from jobboard.fairs import interviews, invitations, notices
from jobboard.fairs.models import Booking, BookingStatus
from tests import factories
from tests.applications.conftest import count, make_posting, stored_cv, stored_files, text_of
from tests.fairs.conftest import NOW, add_slots, make_fair, register_employer
from tests.signing_in import sign_in, sign_in_with_password


@pytest.fixture
def history(world):
    """The doctor applied twice (one application moved on with a note, one withdrawn), and
    keeps two CVs; the employer rated and annotated the first."""
    extra = stored_cv(world.doctor, "קורות חיים.pdf", default=False)
    first = applying.apply(world.doctor, world.posting, world.cv, "Cover note for the ward.")
    pipeline.move(first, world.recruiter, Stage.SCREENING, note="Call Miriam Zalcberg-Testperson on Monday")
    pipeline.add_note(first, world.recruiter, "Good CV")
    pipeline.rate(first, 4)
    second_posting = make_posting(world.org, world.site, title="Neonatologist")
    second = applying.apply(world.doctor, second_posting, extra, "Second cover note")
    applying.withdraw(world.doctor, second, "Found something closer to family")
    # Another doctor's application to the same posting must be left alone.
    kept = applying.apply(world.other_doctor, world.posting, world.other_cv, "Other doctor's note")
    db.session.commit()
    return type("History", (), {"first": first, "second": second, "kept": kept, "extra": extra})


def export(client):
    return client.post("/me/privacy/export")


def test_the_export_holds_profile_applications_and_every_cv_file(client, world, history, uploads):
    assert sign_in_with_password(client, world.doctor.email).status_code == 302

    response = export(client)

    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    data = json.loads(archive.read("data.json"))
    assert data["account"]["email"] == "doctor@example.org"
    assert data["account"]["full_name"] == "Miriam Zalcberg-Testperson"
    profile = data["profile"]
    assert profile["specialty"] == "pediatrics" and profile["licence_status"] == "not_started"
    assert profile["hebrew_level"] == "B1" and profile["move_month"] == "2027-03"
    assert profile["languages"] == ["en", "fr"] or sorted(profile["languages"]) == ["en", "fr"]
    assert profile["preferred_regions"] == ["negev"] and profile["phone"] == "+33 6 12 34 56 78"
    by_title = {a["posting"]["title"]: a for a in data["applications"]}
    assert set(by_title) == {world.posting.title, "Neonatologist"}
    first = by_title[world.posting.title]
    assert first["cover_note"] == "Cover note for the ward." and first["stage"] == "screening"
    assert [h["to"] for h in first["history"]] == ["applied", "screening"]
    assert first["posting"]["employer"] == world.org.name
    withdrawn = by_title["Neonatologist"]
    assert withdrawn["stage"] == "withdrawn" and withdrawn["withdrawal_reason"] == "Found something closer to family"
    # Private notes and ratings of the employer are not the doctor's data.
    assert "Good CV" not in json.dumps(data) and "rating" not in first
    # Every CV file: those kept and those sent, byte for byte.
    names = set(archive.namelist())
    for cv in (world.cv, history.extra):
        entry = f"cvs/{cv.id}-{cv.original_name}"
        assert entry in names
        assert archive.read(entry) == (uploads / cv.stored_name).read_bytes()
    for application in (history.first, history.second):
        entry = f"applications/{application.id}-{application.cv_original_name}"
        assert entry in names and first["cv_sent"] in names
        assert archive.read(entry) == (uploads / application.cv_stored_name).read_bytes()
    # Nothing of the other doctor.
    assert "Other doctor's note" not in json.dumps(data)
    assert not any(
        n.endswith(f"-{world.other_cv.original_name}") and str(world.other_cv.id) in n
        for n in names
        if n.startswith("cvs/")
    )


def test_the_export_holds_what_the_doctor_wrote_and_was_told_never_a_staff_note(client, world, history):
    """The note a recruiter writes with a stage change is internal (it is never mailed); the
    history says which stage the application reached and whether the doctor or the employer
    moved it, never who on the staff did."""
    assert sign_in_with_password(client, world.doctor.email).status_code == 302

    data = json.loads(zipfile.ZipFile(io.BytesIO(export(client).data)).read("data.json"))

    text = json.dumps(data, ensure_ascii=False)
    assert "Call Miriam Zalcberg-Testperson on Monday" not in text
    assert world.recruiter.email not in text and world.recruiter.full_name not in text
    by_title = {a["posting"]["title"]: a for a in data["applications"]}
    moved, withdrawn = by_title[world.posting.title], by_title["Neonatologist"]
    assert [(h["to"], h["by"], h["note"]) for h in moved["history"]] == [
        ("applied", "you", None),
        ("screening", "employer", None),
    ]
    assert [(h["to"], h["by"], h["note"]) for h in withdrawn["history"]] == [
        ("applied", "you", None),
        ("withdrawn", "you", "Found something closer to family"),
    ]


def test_the_export_needs_a_fresh_sign_in(client, world):
    sign_in(client, world.doctor, fresh=False)  # a remembered session, not a fresh sign-in
    stale = export(client)
    assert stale.status_code in (302, 401)
    assert stale.mimetype != "application/zip"


def test_deleting_the_account_needs_the_password_and_the_tick(client, world, history, uploads):
    assert sign_in_with_password(client, world.doctor.email).status_code == 302
    files = stored_files(uploads)

    wrong = client.post("/me/privacy/delete", data={"password": "not it", "confirm": "y"})
    unticked = client.post("/me/privacy/delete", data={"password": factories.PASSWORD})

    assert wrong.status_code == 422 and "Your password is not correct." in text_of(wrong)
    assert unticked.status_code == 422 and "Tick the box to confirm." in text_of(unticked)
    assert db.session.get(User, world.doctor.id) is not None
    assert count(CvDocument, CvDocument.owner_id == world.doctor.id) == 2
    assert stored_files(uploads) == files


def test_staff_accounts_cannot_use_the_doctors_deletion(client, world):
    assert sign_in_with_password(client, world.recruiter.email).status_code == 302
    response = client.post("/me/privacy/delete", data={"password": factories.PASSWORD, "confirm": "y"})
    assert response.status_code == 403
    assert db.session.get(User, world.recruiter.id) is not None


def _text_columns():
    for table in db.metadata.sorted_tables:
        columns = [
            c
            for c in table.columns
            if isinstance(c.type, (sa.String, sa.Text, sa.JSON)) or "JSON" in type(c.type).__name__.upper()
        ]
        if columns:
            yield table, columns


def _traces(*needles: str) -> list[str]:
    """Every (table, column) whose stored text contains one of the needles (JSON read as text)."""
    found = []
    for table, columns in _text_columns():
        for row in db.session.execute(select(*columns)).all():
            for column, value in zip(columns, row, strict=True):
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                for needle in needles:
                    if needle.lower() in (text or "").lower():
                        found.append(f"{table.name}.{column.name}: {needle}")
    return found


def test_deleting_the_account_erases_the_doctor_and_anonymises_the_applications(
    client, world, history, uploads, mailbox
):
    doctor_id = world.doctor.id
    own_files = {
        world.cv.stored_name,
        history.extra.stored_name,
        history.first.cv_stored_name,
        history.second.cv_stored_name,
    }
    other_files = {world.other_cv.stored_name, history.kept.cv_stored_name}
    assert own_files | other_files <= stored_files(uploads)
    # The trace scan would find the name and address now.
    assert _traces("doctor@example.org") and _traces("Miriam Zalcberg-Testperson")
    assert sign_in_with_password(client, world.doctor.email).status_code == 302

    response = client.post("/me/privacy/delete", data={"password": factories.PASSWORD, "confirm": "y"})

    assert response.status_code == 302 and response.headers["Location"] == "/"
    db.session.expire_all()
    # The account, the profile and the CVs, files included, are gone.
    assert db.session.get(User, doctor_id) is None
    assert count(DoctorProfile, DoctorProfile.user_id == doctor_id) == 0
    assert count(CvDocument, CvDocument.owner_id == doctor_id) == 0
    assert stored_files(uploads) == other_files
    # The applications stay for the employer's counts, without doctor, cover note or CV.
    for application in (db.session.get(Application, history.first.id), db.session.get(Application, history.second.id)):
        assert application.doctor_id is None and application.anonymised_at is not None
        assert application.cover_note == "" and application.cv_stored_name is None
        assert application.cv_original_name is None and application.withdrawal_reason is None
    assert count(Application, Application.org_id == world.org.id) == 3
    assert count(ApplicationNote, ApplicationNote.application_id == history.first.id) == 0
    assert all(e.note is None or "Miriam" not in e.note for e in db.session.scalars(select(ApplicationEvent)))
    # The other doctor's application is untouched.
    kept = db.session.get(Application, history.kept.id)
    assert kept.doctor_id == world.other_doctor.id and kept.cover_note == "Other doctor's note"
    # A confirmation went out ...
    confirmation = mailbox.last_to("doctor@example.org")
    assert confirmation["Subject"] == "Your account is deleted"
    # ... and then no table holds the address or the full name, outbox payloads included.
    assert _traces("doctor@example.org", "Miriam Zalcberg-Testperson") == []
    assert count(OutboxMessage) > 0
    # The session is over.
    assert client.get("/me/applications").status_code == 302


def test_the_employer_sees_an_anonymous_application_afterwards(client, world, history, login):
    personal_data.delete_account(world.doctor, factories.PASSWORD)
    db.session.commit()
    login(world.recruiter)

    board = text_of(client.get(f"/org/{world.org.slug}/postings/{world.posting.id}/pipeline"))
    listing = client.get(f"/org/{world.org.slug}/applicants")
    detail = client.get(f"/org/{world.org.slug}/applications/{history.first.id}")

    assert "Deleted account" in board and "Miriam" not in board
    assert "3 applications" in text_of(listing) and "Deleted account" in text_of(listing)
    assert detail.status_code == 200 and "Deleted account" in text_of(detail)
    assert "Cover note for the ward." not in text_of(detail)
    assert client.get(f"/org/{world.org.slug}/applications/{history.first.id}/cv").status_code == 404
    # Nothing more can happen to it.
    moved = client.post(f"/org/{world.org.slug}/applications/{history.first.id}/move", data={"stage": "offer"})
    assert moved.status_code == 409


def test_mail_queued_to_the_doctor_is_dropped(world, history):
    """An e-mail still waiting in the outbox (e.g. a stage change) is not sent after the deletion."""
    pipeline.move(history.first, world.recruiter, Stage.INTERVIEW)
    db.session.flush()
    assert any(m.payload.get("to") == "doctor@example.org" for m in db.session.scalars(select(OutboxMessage)))

    personal_data.delete_account(world.doctor, factories.PASSWORD)
    db.session.flush()

    pending = [m.payload for m in db.session.scalars(select(OutboxMessage))]
    to_doctor = [p for p in pending if p.get("to") == "doctor@example.org"]
    assert [p["subject"] for p in to_doctor] == ["Your account is deleted"]
    assert all(p.get("erase_after_delivery") for p in to_doctor)


# --- fairs and alerts: every feature's data ------------------------------------------------------


@pytest.fixture
def frozen():
    """The fairs tests' clock (a week before the fair); asked for first, so the world is built in it."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def more(world, history):
    """Besides the applications: the employer invited the doctor to a Paris fair, where the doctor
    booked, cancelled, and booked another slot; another doctor booked a third. The doctor keeps a
    job alert that has sent a posting, and one saved before signing up with the same address
    (written in capitals); a stranger's alert is left alone."""
    fair = make_fair(time_zone="Europe/Paris", name="MedEx Paris", city="Paris", country="FR")
    registration = register_employer(fair, SimpleNamespace(org=world.org, recruiter=world.recruiter))
    slots = add_slots(registration, actor=world.recruiter)
    invitations.invite(history.first, world.recruiter, fair)
    cancelled = interviews.book(world.doctor, slots[0].id, world.doctor)
    interviews.cancel(cancelled, world.doctor)
    booked = interviews.book(world.doctor, slots[1].id, world.doctor)
    kept = interviews.book(world.other_doctor, slots[2].id, world.other_doctor)
    alert = alerts.create_alert(
        user=world.doctor, email=None, name="Negev pediatrics", query_string="q=pediatrics", frequency=Frequency.DAILY
    )
    db.session.add(AlertSent(alert_id=alert.id, posting_id=world.posting.id))
    alert.total_sent = 1
    visitor = alerts.create_alert(
        user=None,
        email="Doctor@Example.org",
        name="Before signing up",
        query_string="q=neonatology",
        frequency=Frequency.WEEKLY,
    )
    stranger = alerts.create_alert(
        user=None,
        email="stranger@example.net",
        name="Someone else's",
        query_string="q=surgery",
        frequency=Frequency.WEEKLY,
    )
    db.session.commit()
    return SimpleNamespace(
        fair=fair,
        slots=slots,
        cancelled=cancelled,
        booked=booked,
        kept=kept,
        alert=alert,
        visitor=visitor,
        stranger=stranger,
    )


def test_the_export_holds_the_bookings_and_the_alerts(frozen, client, world, history, more):
    assert sign_in_with_password(client, world.doctor.email).status_code == 302

    data = json.loads(zipfile.ZipFile(io.BytesIO(export(client).data)).read("data.json"))

    assert {"account", "profile", "cvs", "applications", "fairs", "alerts", "mail"} <= set(data)
    bookings = data["fairs"]["bookings"]
    assert [(b["status"], b["booked_by"], b["cancelled_by"]) for b in bookings] == [
        ("cancelled", "you", "you"),
        ("confirmed", "you", None),
    ]
    booked = bookings[1]
    assert booked["fair"]["name"] == "MedEx Paris" and booked["employer"] == world.org.name
    assert booked["table"] == "Table 1" and booked["calendar_uid"] == more.booked.uid
    assert booked["starts_at_utc"] == "2027-03-20T09:20:00+00:00"
    assert booked["starts_at_local"] == "2027-03-20T10:20:00+01:00"
    [invitation] = data["fairs"]["invitations"]
    assert invitation["fair"] == "MedEx Paris" and invitation["posting"] == world.posting.title
    assert invitation["used_at"] is not None
    by_name = {a["name"]: a for a in data["alerts"]}
    assert set(by_name) == {"Negev pediatrics", "Before signing up"}
    own, visitor = by_name["Negev pediatrics"], by_name["Before signing up"]
    assert own["search"] == "q=pediatrics" and own["frequency"] == "daily" and own["status"] == "active"
    assert own["postings_sent"] == 1 and [s["posting"]["title"] for s in own["sent"]] == [world.posting.title]
    assert visitor["saved_with_address_only"] == "Doctor@Example.org" and visitor["status"] == "unconfirmed"
    assert any(m["subject"].endswith(" is booked") for m in data["mail"])
    # The mails' links are left out: a copy of the export must not carry one-time keys to the account.
    assert all("http" not in m["text"] for m in data["mail"])
    assert any("[link left out]" in m["text"] for m in data["mail"])
    text = json.dumps(data, ensure_ascii=False)
    for staff_only in (
        "Call Miriam Zalcberg-Testperson on Monday",
        "Good CV",
        world.recruiter.email,
        world.recruiter.full_name,
        "Someone else's",
        "Ilan Otherdoc",
        "ilan@elsewhere.example.net",
    ):
        assert staff_only not in text


def test_deleting_the_account_leaves_no_trace_in_any_table(frozen, client, world, history, more, mailbox, login):
    doctor_id, booking_ids = world.doctor.id, {more.cancelled.id, more.booked.id}
    alert_ids = [more.alert.id, more.visitor.id]
    assert {m.payload["booking_id"] for m in _reminders()} == booking_ids | {more.kept.id}
    assert sign_in_with_password(client, world.doctor.email).status_code == 302
    mailbox.clear()

    response = client.post("/me/privacy/delete", data={"password": factories.PASSWORD, "confirm": "y"})

    assert response.status_code == 302
    db.session.expire_all()
    # No user key of any table names the doctor, and no text or JSON holds the address or name.
    for column in _user_keys():
        assert db.session.scalar(select(sa.func.count()).where(column == doctor_id)) == 0, column
    assert _traces("doctor@example.org", "Miriam Zalcberg-Testperson") == []
    # The booked slot is free again, the reminders are gone, the other doctor's booking stays.
    assert count(Booking, Booking.id.in_(booking_ids)) == 0
    assert count(Booking, Booking.slot_id == more.slots[1].id, Booking.status == BookingStatus.CONFIRMED) == 0
    assert {m.payload["booking_id"] for m in _reminders()} == {more.kept.id}
    assert db.session.get(Booking, more.kept.id).status == BookingStatus.CONFIRMED
    login(world.recruiter)
    agenda = text_of(client.get(f"/org/{world.org.slug}/fairs/{more.fair.id}/agenda"))
    assert "Ilan Otherdoc" in agenda and "Miriam" not in agenda
    # The employer hears of it, without the doctor's name; the doctor only gets the confirmation.
    for staff in (world.recruiter, world.owner):
        notice = mailbox.last_to(staff.email)
        assert notice["Subject"] == "The interview at MedEx Paris on 20 March 10:20 is cancelled"
        assert "the candidate deleted their account" in mailbox.text(notice)
        assert "Miriam" not in mailbox.text(notice) and "doctor@example.org" not in mailbox.text(notice)
    assert mailbox.to(world.viewer.email) == []
    assert [m["Subject"] for m in mailbox.to("doctor@example.org")] == ["Your account is deleted"]
    # Both alerts of the address go with their sent-log; a stranger's stays.
    assert count(Alert, Alert.id.in_(alert_ids)) == 0
    assert count(AlertSent, AlertSent.alert_id.in_(alert_ids)) == 0
    assert db.session.get(Alert, more.stranger.id) is not None


def _user_keys() -> list[sa.Column]:
    return [
        key.parent
        for table in db.metadata.sorted_tables
        for key in table.foreign_keys
        if key.target_fullname == "users.id"
    ]


def _reminders() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == notices.REMINDER)))
