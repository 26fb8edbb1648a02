"""Applications through the API: changes since a time with a cursor, one application, a stage
move through the pipeline's service (the same mail to the doctor), and the CV download, audited."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from jobboard.applications import applying
from jobboard.applications.models import Application, ApplicationEvent, Stage
from jobboard.core import outbox
from jobboard.core.audit import AuditEntry
from jobboard.core.db import utcnow
from jobboard.extensions import db
from tests.applications.conftest import count, make_posting


def apply_three(world):
    """Three applications of tenant A, a minute apart, and one to tenant B."""
    start = utcnow() - timedelta(hours=1)
    made = []
    for minute, posting in enumerate(
        [world.posting, make_posting(world.org, world.site), make_posting(world.org, world.site)]
    ):
        with time_machine.travel(start + timedelta(minutes=minute), tick=False):
            made.append(applying.apply(world.doctor, posting, world.cv, f"Note {minute}"))
            db.session.flush()
    applying.apply(world.other_doctor, world.other_posting, world.other_cv, "Elsewhere")
    db.session.commit()
    return made


def test_pages_follow_the_cursor_and_updated_since(api, world):
    made = apply_three(world)
    first = api.get("/api/v1/applications?limit=2").get_json()
    assert [a["id"] for a in first["items"]] == [made[0].id, made[1].id]
    second = api.get(f"/api/v1/applications?limit=2&cursor={first['next_cursor']}").get_json()
    assert [a["id"] for a in second["items"]] == [made[2].id] and second["next_cursor"] is None
    assert second["items"][0]["doctor"]["email"] == "doctor@example.org"

    since = made[1].updated_at.isoformat()
    recent = api.get("/api/v1/applications", query_string={"updated_since": since}).get_json()
    assert [a["id"] for a in recent["items"]] == [made[1].id, made[2].id]

    # A move makes the first application the latest change.
    assert api.post(f"/api/v1/applications/{made[0].id}/stage", json={"stage": "screening"}).status_code == 200
    latest = api.get("/api/v1/applications", query_string={"updated_since": since}).get_json()
    assert [a["id"] for a in latest["items"]] == [made[1].id, made[2].id, made[0].id]

    bad = api.get("/api/v1/applications?cursor=not-a-cursor")
    assert bad.status_code == 422 and bad.get_json()["errors"] == {"cursor": ["Not a valid cursor."]}
    assert api.get("/api/v1/applications?updated_since=yesterday").status_code == 422


def test_a_move_goes_through_the_pipeline_and_mails_the_doctor(api, world, mailbox):
    application = applying.apply(world.doctor, world.posting, world.cv, "Hello")
    db.session.commit()
    outbox.drain()
    mailbox.clear()
    response = api.post(f"/api/v1/applications/{application.id}/stage", json={"stage": "interview", "note": "Call"})
    assert response.status_code == 200
    assert response.get_json()["stage"] == "interview"
    assert [h["to_stage"] for h in response.get_json()["history"]][-1] == "interview"
    event = db.session.scalar(
        select(ApplicationEvent).where(
            ApplicationEvent.application_id == application.id, ApplicationEvent.to_stage == Stage.INTERVIEW
        )
    )
    assert event.actor_id == world.owner.id
    mails = mailbox.messages()
    assert [m["To"] for m in mails] == ["doctor@example.org"]
    assert "Interview" in mails[0]["Subject"]

    withdrawn = api.post(f"/api/v1/applications/{application.id}/stage", json={"stage": "withdrawn"})
    assert withdrawn.status_code == 422 and withdrawn.get_json()["errors"]["stage"]
    future = api.post(
        f"/api/v1/applications/{application.id}/stage",
        json={"stage": "offer", "occurred_on": (utcnow() + timedelta(days=5)).date().isoformat()},
    )
    assert future.status_code == 422 and "occurred_on" in future.get_json()["errors"]


def test_the_cv_download_is_audited_with_the_key(api, world):
    application = applying.apply(world.doctor, world.posting, world.cv, "Hello")
    db.session.commit()
    response = api.get(f"/api/v1/applications/{application.id}/cv")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.get_data().startswith(b"%PDF-")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Cache-Control"] == "no-store"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "cv.downloaded"))
    assert (entry.subject_id, entry.actor_id, entry.details["api_key_name"]) == (application.id, world.owner.id, "ATS")


def test_another_tenants_application_is_not_found(api, world):
    theirs = applying.apply(world.other_doctor, world.other_posting, world.other_cv, "Elsewhere")
    db.session.commit()
    for method, path, payload in [
        ("get", f"/api/v1/applications/{theirs.id}", None),
        ("get", f"/api/v1/applications/{theirs.id}/cv", None),
        ("post", f"/api/v1/applications/{theirs.id}/stage", {"stage": "rejected"}),
    ]:
        response = getattr(api, method)(path, json=payload)
        assert response.status_code == 404, path
        assert "Ilan" not in response.get_data(as_text=True)
    assert api.get("/api/v1/applications").get_json()["items"] == []
    assert db.session.get(Application, theirs.id).stage == Stage.APPLIED
    assert count(AuditEntry, AuditEntry.action == "cv.downloaded") == 0
