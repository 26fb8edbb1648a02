"""Postings through the API: the upsert by reference, the lifecycle through the same services as
the web form, and the same rules."""

from __future__ import annotations

from sqlalchemy import select

from jobboard.core.audit import AuditEntry
from jobboard.extensions import db
from jobboard.jobs import reviewing
from jobboard.jobs.models import Posting, PostingStatus
from tests.applications.conftest import count


def body(world, **overrides):
    data = {
        "reference": "ATS-1001",
        "title": "Senior pediatrician, children's ward",
        "profession": "physician",
        "specialty": "pediatrics",
        "seniority": "senior_specialist",
        "employment_type": "full_time",
        "site_id": world.site.id,
        "licence_requirement": "israeli_licence",
        "hebrew_level": 3,
        "description": "A **pediatrician** for a busy ward.\n\n- nights\n- teaching",
        "salary_min_ils": 30000,
        "salary_max_ils": 42000,
        "duration_days": 60,
    }
    data.update(overrides)
    return data


def test_a_reference_saved_twice_is_one_posting(api, world):
    first = api.post("/api/v1/postings", json=body(world))
    assert first.status_code == 201, first.get_json()
    assert first.headers["Location"].endswith(f"/api/v1/postings/{first.get_json()['id']}")
    assert first.get_json()["status"] == "draft" and first.get_json()["reference"] == "ATS-1001"

    second = api.post("/api/v1/postings", json=body(world, title="Senior pediatrician (nights)"))
    assert second.status_code == 200
    assert second.get_json()["id"] == first.get_json()["id"]
    assert second.get_json()["title"] == "Senior pediatrician (nights)"
    assert count(Posting, Posting.external_reference == "ATS-1001") == 1
    # The other tenant may use the same reference for its own posting.
    other = api.post("/api/v1/postings", token=world.other_token, json=body(world, site_id=world.other_site.id))
    assert other.status_code == 201 and other.get_json()["id"] != first.get_json()["id"]


def test_an_idempotency_key_replays_the_first_answer(api, world):
    headers = {"Idempotency-Key": "create-1001"}
    first = api.post("/api/v1/postings", json=body(world), headers=headers)
    again = api.post("/api/v1/postings", json=body(world), headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(Posting, Posting.external_reference == "ATS-1001") == 1
    changed = api.post("/api/v1/postings", json=body(world, title="Another"), headers=headers)
    assert changed.status_code == 422
    assert changed.mimetype == "application/problem+json"
    assert changed.get_json()["type"].endswith("idempotency-key-reused")


def test_the_web_forms_rules_apply(api, world):
    response = api.post("/api/v1/postings", json=body(world, salary_min_ils=50000, salary_max_ils=40000))
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["errors"] == {"salary_max_ils": ["The lowest salary cannot be above the highest."]}
    foreign_site = api.post("/api/v1/postings", json=body(world, site_id=world.other_site.id))
    assert foreign_site.status_code == 422 and "site_id" in foreign_site.get_json()["errors"]
    unknown = api.post("/api/v1/postings", json=body(world, status="published", org_id=world.other.id))
    assert unknown.status_code == 422
    assert set(unknown.get_json()["errors"]) == {"status", "org_id"}
    nul = api.post("/api/v1/postings", json=body(world, title="Pedia\x00trician"))
    assert nul.status_code == 422 and "title" in nul.get_json()["errors"]
    assert count(Posting, Posting.external_reference == "ATS-1001") == 0


def test_submit_approve_renew_close_through_the_services(api, world):
    created = api.post("/api/v1/postings", json=body(world)).get_json()
    submitted = api.post(f"/api/v1/postings/{created['id']}/submit")
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "pending_review"
    posting = db.session.get(Posting, created["id"])
    reviewing.approve(posting, world.admin)
    db.session.commit()
    read = api.get(f"/api/v1/postings/{created['id']}").get_json()
    assert (
        read["status"] == "published"
        and read["is_listed"]
        and read["url"].endswith(f"/jobs/{posting.id}-{posting.slug}")
    )

    # A change of the published posting goes to review; the published version stays up.
    edited = api.post("/api/v1/postings", json=body(world, title="Senior pediatrician (changed)"))
    assert edited.status_code == 200
    assert edited.get_json()["title"] == "Senior pediatrician, children's ward"
    assert edited.get_json()["pending_revision"]["status"] == "pending_review"

    renewed = api.post(f"/api/v1/postings/{created['id']}/renew")
    assert renewed.status_code == 200 and renewed.get_json()["expires_at"] >= read["expires_at"]
    closed = api.post(f"/api/v1/postings/{created['id']}/close", json={"reason": "filled"})
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    again = api.post(f"/api/v1/postings/{created['id']}/close", json={"reason": "filled"})
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    assert "cannot be closed" in again.get_json()["detail"]
    assert api.post(f"/api/v1/postings/{created['id']}/renew").status_code == 409


def test_every_write_is_audited_with_the_keys_name(api, world):
    created = api.post("/api/v1/postings", json=body(world)).get_json()
    api.post(f"/api/v1/postings/{created['id']}/submit")
    rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("api.%")).order_by(AuditEntry.id)).all()
    assert [(r.action, r.subject_id, r.actor_id, r.details["api_key_name"]) for r in rows] == [
        ("api.save_posting", created["id"], world.owner.id, "ATS"),
        ("api.submit_posting", created["id"], world.owner.id, "ATS"),
    ]


def test_another_tenants_posting_is_not_found(api, world):
    response = api.get(f"/api/v1/postings/{world.other_posting.id}")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert world.other_posting.title not in response.get_data(as_text=True)
    listed = api.get("/api/v1/postings").get_json()["items"]
    assert [p["id"] for p in listed] == [world.posting.id]
    assert api.post(f"/api/v1/postings/{world.other_posting.id}/close", json={"reason": "filled"}).status_code == 404
    assert db.session.get(Posting, world.other_posting.id).status == PostingStatus.PUBLISHED
