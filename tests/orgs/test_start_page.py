"""The organisation's start page, where its staff land after signing in: the applicants no one
has looked at yet, the fair interviews to come and the postings about to come off the board."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from jobboard.applications.models import Application, Stage
from jobboard.core.db import utcnow
from jobboard.extensions import db
from jobboard.fairs import interviews
from tests.applications.conftest import make_posting, text_of
from tests.factories import DoctorFactory
from tests.fairs.conftest import add_slots, give_profile, make_employer, paris_fair, register_employer
from tests.signing_in import sign_in_with_password


def _apply(doctor, posting, stage=Stage.APPLIED, *, days_ago: int = 0) -> Application:
    application = Application(
        posting_id=posting.id,
        org_id=posting.org_id,
        doctor_id=doctor.id,
        stage=stage,
        created_at=utcnow() - timedelta(days=days_ago),
    )
    db.session.add(application)
    db.session.flush()
    return application


def test_a_recruiter_lands_on_new_applicants_interviews_and_postings_about_to_expire(client, db_session):
    employer = make_employer("Soroka Test Center")
    other = make_employer("Other Test Hospital")
    ward = make_posting(employer.org, title="Pediatrician, children's ward", expires_at=utcnow() + timedelta(days=5))
    clinic = make_posting(employer.org, title="Family doctor, clinic", expires_at=utcnow() + timedelta(days=60))
    elsewhere = make_posting(other.org, title="Elsewhere's internist", expires_at=utcnow() + timedelta(days=3))
    anna, boris, clara = (DoctorFactory(full_name=name) for name in ("Anna Newest", "Boris Older", "Clara Screened"))
    _apply(anna, ward, days_ago=0)
    _apply(boris, clinic, days_ago=2)
    screened = _apply(clara, ward, Stage.SCREENING, days_ago=4)
    _apply(DoctorFactory(full_name="Dora Otherorg"), elsewhere)

    fair = paris_fair(in_days=20)
    slot, *_ = add_slots(register_employer(fair, SimpleNamespace(org=employer.org, recruiter=employer.recruiter)))
    give_profile(clara)
    interviews.book(clara, slot.id, employer.recruiter, application=screened)
    db.session.commit()

    landing = sign_in_with_password(client, employer.recruiter.email)
    while landing.status_code == 302:
        landing = client.get(landing.headers["Location"])
    text = text_of(landing)
    assert landing.request.path == f"/org/{employer.org.slug}/"
    assert "New applicants 2 applications wait for a first look." in text
    assert text.index("Anna Newest") < text.index("Boris Older")  # the newest first
    assert "Clara Screened" not in text.split("Upcoming interviews")[0]  # already looked at
    assert "Dora Otherorg" not in text and "Elsewhere's internist" not in text  # another tenant's
    local = slot.starts_at.astimezone(ZoneInfo("Europe/Paris"))
    assert f"Upcoming interviews {local:%a %d %b, %H:%M} (Paris) Clara Screened" in text
    assert "MedEx Paris, Table 1" in text
    expiring = text.split("About to expire")[1]
    assert "Pediatrician, children's ward comes off the board on" in expiring and "in 4 days" in expiring
    assert "Family doctor, clinic" not in expiring  # two months to go


def test_an_organisation_with_nothing_waiting_says_so(client, db_session, login):
    employer = make_employer("Quiet Test Hospital")
    db.session.commit()
    login(employer.viewer)
    text = text_of(client.get(f"/en/org/{employer.org.slug}/"))
    assert "No application waits for a first look." in text
    assert "No fair interview is booked yet." in text
    assert "No posting expires in the next 14 days." in text
