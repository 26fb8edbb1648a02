"""'My applications': posting, employer, stage and history; withdrawing with an optional reason."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from jobboard.applications import applying, pipeline
from jobboard.applications.models import ApplicationEvent, Stage
from jobboard.extensions import db
from tests.applications.conftest import make_posting, text_of


@pytest.fixture
def application(world):
    application = applying.apply(world.doctor, world.posting, world.cv, "Note")
    pipeline.move(application, world.recruiter, Stage.SCREENING, note="internal remark")
    db.session.commit()
    return application


def test_my_applications_shows_posting_employer_stage_and_history(client, world, login, application):
    login(world.doctor)
    response = client.get("/me/applications")
    page = text_of(response)
    assert world.posting.title in page and world.org.name in page
    assert "Screening" in page
    assert "UTC: Applied" in page and "UTC: Screening" in page
    assert f'id="application-{application.id}"' in response.get_data(as_text=True)
    assert f'href="/jobs/{world.posting.id}' in response.get_data(as_text=True)
    # The employer's remark on the move is theirs, not shown to the doctor.
    assert "internal remark" not in page


def test_nothing_yet(client, world, login):
    login(world.other_doctor)
    assert "You have not applied yet." in text_of(client.get("/me/applications"))


def test_withdraw_with_a_reason(client, world, login, mailbox, application):
    login(world.doctor)

    response = client.post(f"/me/applications/{application.id}/withdraw", data={"reason": "  Moving to Haifa instead "})

    assert response.status_code == 302
    db.session.refresh(application)
    assert application.stage == Stage.WITHDRAWN
    assert application.withdrawal_reason == "Moving to Haifa instead"
    last = db.session.scalars(
        select(ApplicationEvent)
        .where(ApplicationEvent.application_id == application.id)
        .order_by(ApplicationEvent.id.desc())
    ).first()
    assert (last.from_stage, last.to_stage, last.actor_id, last.note) == (
        Stage.SCREENING,
        Stage.WITHDRAWN,
        world.doctor.id,
        "Moving to Haifa instead",
    )
    page = text_of(client.get("/me/applications"))
    assert "Withdrawn" in page and "(Moving to Haifa instead)" in page
    assert "Withdraw this application" not in page
    # The employer sees the reason.
    login(world.recruiter)
    assert "Moving to Haifa instead" in text_of(client.get(f"/org/{world.org.slug}/applications/{application.id}"))


def test_withdraw_without_a_reason(client, world, login, application):
    login(world.doctor)
    client.post(f"/me/applications/{application.id}/withdraw", data={"reason": ""})
    db.session.refresh(application)
    assert application.stage == Stage.WITHDRAWN and application.withdrawal_reason is None


def test_withdrawing_twice_or_after_a_decision_is_refused(client, world, login, application):
    login(world.doctor)
    client.post(f"/me/applications/{application.id}/withdraw", data={"reason": "first"})
    again = client.post(f"/me/applications/{application.id}/withdraw", data={"reason": "second"})
    assert again.status_code == 409
    db.session.refresh(application)
    assert application.withdrawal_reason == "first"

    hired = applying.apply(world.doctor, make_posting(world.org, world.site), world.cv, "")
    pipeline.move(hired, world.recruiter, Stage.HIRED)
    db.session.commit()
    response = client.post(f"/me/applications/{hired.id}/withdraw", data={})
    assert response.status_code == 409 and "already hired" in text_of(response)
    db.session.refresh(hired)
    assert hired.stage == Stage.HIRED


def test_an_overlong_reason_is_refused(client, world, login, application):
    login(world.doctor)
    response = client.post(f"/me/applications/{application.id}/withdraw", data={"reason": "x" * 1001})
    assert response.status_code == 422
    db.session.refresh(application)
    assert application.stage == Stage.SCREENING
