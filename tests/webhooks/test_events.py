"""Each change the services make becomes a message for the organisation's endpoints that listen
to it, in the same transaction (one outbox row per message), with ids and the few values a
receiving system acts on."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from jobboard.applications import applying, pipeline
from jobboard.applications.models import Stage
from jobboard.core.outbox import OutboxMessage
from jobboard.extensions import db
from jobboard.fairs import interviews
from jobboard.jobs import lifecycle, reviewing
from jobboard.jobs import services as postings
from jobboard.jobs.models import Posting
from jobboard.orgs.models import OrgStatus
from jobboard.webhooks import services
from jobboard.webhooks.models import WebhookDelivery
from tests.applications.conftest import complete_profile, stored_cv
from tests.fairs.conftest import add_slots, make_application, make_doctor, make_employer, make_fair, register_employer
from tests.fairs.conftest import clock as clock  # the fixture
from tests.jobs.helpers import content, published, submitted
from tests.jobs.helpers import make_world as postings_world
from tests.webhooks.conftest import ALL_EVENTS


def listen(org, owner, events=ALL_EVENTS):
    endpoint, _secret = services.create_endpoint(
        org, owner, services.EndpointFields("http://127.0.0.1:9/hook", "", list(events))
    )
    return endpoint


def messages() -> list[tuple[str, dict]]:
    rows = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))
    found = []
    for row in rows:
        body = json.loads(row.body)
        assert body["type"] == row.event
        found.append((row.event, body["data"]))
    return found


def test_postings_published_sent_back_and_expired(db_session):
    w = postings_world(db_session)
    listen(w.org, w.owner)
    posting = published(w)
    returned = submitted(w, title="Head of the children's emergency department", site=w.tlv_site)
    reviewing.request_changes(returned, w.admin, "Name the ward")
    lifecycle.expire(posting)
    db.session.flush()
    assert [(event, data["posting_id"], data["status"]) for event, data in messages()] == [
        ("posting.published", posting.id, "published"),
        ("posting.changes_requested", returned.id, "changes_requested"),
        ("posting.expired", posting.id, "expired"),
    ]
    queued = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == services.DELIVER)).all()
    assert len(queued) == 3


def test_the_employers_own_reference_names_the_posting_in_posting_and_application_events(db_session):
    """An applicant-tracking system matches a message to its own record by the reference it gave
    the posting through the API; a posting made on the web pages has none."""
    w = postings_world(db_session)
    listen(w.org, w.owner)
    posting, created = postings.save_by_reference(w.org, w.recruiter, "ATS-77", content(w.site))
    assert created
    postings.submit(posting, w.recruiter)
    reviewing.approve(posting, w.admin)
    # A change of the published posting goes to review as an edit; the edit is named by the
    # live posting's id and reference.
    postings.save_by_reference(w.org, w.recruiter, "ATS-77", content(w.site, title="Pediatrician, nights"))
    [edit] = db.session.scalars(select(Posting).where(Posting.revision_of_id == posting.id))
    assert edit.external_reference is None
    reviewing.request_changes(edit, w.admin, "Say how many nights")
    complete_profile(w.doctor)
    application = applying.apply(w.doctor, posting, stored_cv(w.doctor), "")
    pipeline.move(application, w.recruiter, Stage.INTERVIEW)
    web_posting = published(w, title="Head of the children's emergency department", site=w.tlv_site)
    db.session.flush()

    found = [(event, data["posting_id"], data["posting_reference"]) for event, data in messages()]
    assert found == [
        ("posting.published", posting.id, "ATS-77"),
        ("posting.changes_requested", posting.id, "ATS-77"),
        ("application.created", posting.id, "ATS-77"),
        ("application.stage_changed", posting.id, "ATS-77"),
        ("posting.published", web_posting.id, None),
    ]
    assert messages()[1][1]["is_edit"] is True


def test_a_suspended_organisation_and_a_switched_off_endpoint_get_nothing(db_session):
    w = postings_world(db_session)
    endpoint = listen(w.org, w.owner)
    endpoint.is_active = False
    published(w)
    assert messages() == []
    endpoint.is_active = True
    posting = published(w, title="Head of the children's emergency department", site=w.tlv_site)
    db.session.query(WebhookDelivery).delete()
    w.org.status = OrgStatus.SUSPENDED
    lifecycle.expire(posting)  # what the system still does to a suspended employer's posting
    assert messages() == []


@pytest.mark.usefixtures("clock")
def test_interviews_booked_moved_and_cancelled(db_session):
    employer = make_employer()
    listen(employer.org, employer.owner, ["booking.created", "booking.moved", "booking.cancelled"])
    fair = make_fair()
    slots = add_slots(register_employer(fair, employer))
    doctor = make_doctor()
    application = make_application(doctor, employer.org)
    booking = interviews.book(doctor, slots[0].id, employer.recruiter, application=application)
    interviews.reschedule(booking, slots[1].id, employer.recruiter)
    interviews.cancel(booking, employer.recruiter, "The ward is closed that day")
    db.session.flush()
    found = messages()
    assert [event for event, _data in found] == ["booking.created", "booking.moved", "booking.cancelled"]
    assert {data["booking_id"] for _event, data in found} == {booking.id}
    assert found[0][1]["slot_id"] == slots[0].id and found[1][1]["slot_id"] == slots[1].id
    assert found[0][1]["application_id"] == application.id
    assert found[1][1]["starts_at"] == slots[1].starts_at.isoformat()
    assert "The ward is closed" not in json.dumps(found)
