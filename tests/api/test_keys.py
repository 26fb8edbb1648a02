"""API keys: owners make them (shown once, kept as a hash) and revoke them; a request without a
valid key, with a revoked one or one lacking the scope is refused; keys are rate limited."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from jobboard.api.models import ApiKey, Scope
from jobboard.core.audit import AuditEntry
from jobboard.extensions import db
from jobboard.orgs import services as orgs
from jobboard.orgs.models import Membership, OrgStatus, Role
from tests.api.conftest import bearer, make_key

KEY = re.compile(r'value="(jbk_[0-9a-f]{12}_[A-Za-z0-9_-]{43})"')


def test_an_owner_makes_a_key_that_is_shown_once_and_stored_hashed(client, login, world):
    login(world.owner)
    page = client.get(f"/org/{world.org.slug}/api-keys")
    assert page.status_code == 200 and "Make a key" in page.get_data(as_text=True)
    made = client.post(
        f"/org/{world.org.slug}/api-keys", data={"name": "Workday", "scopes": ["postings:read", "fairs:read"]}
    )
    assert made.status_code == 200
    token = KEY.search(made.get_data(as_text=True)).group(1)
    key = db.session.scalar(select(ApiKey).where(ApiKey.name == "Workday"))
    assert key.scopes == ["fairs:read", "postings:read"]
    assert key.secret_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str([key.prefix, key.secret_hash, key.name])
    assert "session" not in made.headers.get("Set-Cookie", "") or token not in made.headers["Set-Cookie"]
    again = client.get(f"/org/{world.org.slug}/api-keys").get_data(as_text=True)
    assert token not in again and f"jbk_{key.prefix}_" in again

    assert client.get("/api/v1/postings", headers=bearer(token)).status_code == 200
    assert db.session.get(ApiKey, key.id).last_used_at is not None

    revoked = client.post(f"/org/{world.org.slug}/api-keys/{key.id}/revoke")
    assert revoked.status_code == 302
    refused = client.get("/api/v1/postings", headers=bearer(token))
    assert refused.status_code == 401 and refused.get_json()["type"].endswith("invalid-key")
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.subject_type == "api_key")).all()
    assert actions.count("api_key.created") >= 1 and "api_key.revoked" in actions


def test_a_key_needs_a_name_and_a_permission(client, login, world):
    login(world.owner)
    response = client.post(f"/org/{world.org.slug}/api-keys", data={"name": "", "scopes": []})
    assert response.status_code == 422
    response = client.post(f"/org/{world.org.slug}/api-keys", data={"name": "No scopes"})
    assert response.status_code == 422 and "Choose at least one permission." in response.get_data(as_text=True)
    response = client.post(f"/org/{world.org.slug}/api-keys", data={"name": "Bad", "scopes": ["admin:all"]})
    assert response.status_code == 422
    assert db.session.scalar(select(ApiKey).where(ApiKey.name.in_(["No scopes", "Bad"]))) is None


def test_only_owners_manage_keys_and_only_their_organisations(client, login, world):
    login(world.recruiter)
    assert client.get(f"/org/{world.org.slug}/api-keys").status_code == 403
    login(world.other_owner)
    key = db.session.scalar(select(ApiKey).where(ApiKey.org_id == world.org.id))
    assert client.post(f"/org/{world.other.slug}/api-keys/{key.id}/revoke").status_code == 404
    assert db.session.get(ApiKey, key.id).revoked_at is None


def test_refusals_are_problem_documents(client, world):
    cases = [
        ({}, 401, "missing-key"),
        ({"Authorization": "Basic dXNlcjpwdw=="}, 401, "missing-key"),
        (bearer("jbk_000000000000_" + "x" * 43), 401, "invalid-key"),
        (bearer(world.token[:-1] + ("A" if world.token[-1] != "A" else "B")), 401, "invalid-key"),
        (bearer(make_key(world.org, world.owner, scopes=[Scope.POSTINGS_READ])), 403, "missing-scope"),
    ]
    db.session.commit()
    for headers, status, kind in cases:
        response = client.get("/api/v1/applications", headers=headers)
        assert response.status_code == status, headers
        assert response.mimetype == "application/problem+json"
        problem = response.get_json()
        assert problem["status"] == status and problem["type"].endswith(kind)
        assert "Miriam" not in response.get_data(as_text=True)
    assert client.get("/api/v1/applications").headers["WWW-Authenticate"].startswith("Bearer")
    # The key is the only credential: a signed-in owner's session cookie is not one.
    assert client.get("/api/v1/nothing-here").status_code == 404
    assert client.get("/api/v1/nothing-here").mimetype == "application/problem+json"
    assert client.delete("/api/v1/postings").status_code == 405


def test_a_session_is_no_credential(client, login, world):
    login(world.owner)
    response = client.get("/api/v1/postings")
    assert response.status_code == 401


def test_a_key_stops_with_its_makers_role_and_the_organisations_suspension(client, world):
    membership = db.session.scalar(select(Membership).where(Membership.user_id == world.owner.id))
    membership.role = Role.VIEWER
    db.session.commit()
    assert client.get("/api/v1/postings", headers=bearer(world.token)).status_code == 401
    membership.role = Role.OWNER
    world.org.status = OrgStatus.SUSPENDED
    db.session.commit()
    response = client.get("/api/v1/postings", headers=bearer(world.token))
    assert response.status_code == 403 and response.get_json()["type"].endswith("suspended")
    world.org.status = OrgStatus.VERIFIED
    db.session.commit()
    assert client.get("/api/v1/postings", headers=bearer(world.token)).status_code == 200
    other_owner = db.session.scalar(
        select(Membership).where(Membership.org_id == world.org.id, Membership.user_id == world.recruiter.id)
    )
    orgs.change_role(world.org, world.owner, other_owner, Role.OWNER)
    orgs.remove_member(world.org, world.recruiter, membership)
    db.session.commit()
    assert client.get("/api/v1/postings", headers=bearer(world.token)).status_code == 401


def test_keys_are_rate_limited_per_key(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3/minute")
    for _ in range(3):
        assert client.get("/api/v1/fairs", headers=bearer(world.token)).status_code == 200
    limited = client.get("/api/v1/fairs", headers=bearer(world.token))
    assert limited.status_code == 429 and limited.mimetype == "application/problem+json"
    assert int(limited.headers["Retry-After"]) > 0
    # Another key has its own budget.
    assert client.get("/api/v1/fairs", headers=bearer(world.other_token)).status_code == 200


def test_the_document_and_its_reference_page(client, world):
    document = client.get("/api/v1/openapi.json")
    assert document.status_code == 200
    spec = document.get_json()
    assert spec["openapi"] == "3.1.0"
    assert spec["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
    assert spec["paths"]["/api/v1/postings"]["post"]["security"] == [{"ApiKey": ["postings:write"]}]
    page = client.get("/api/v1/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "/api/v1/applications/{application_id}/stage" in html
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", html))  # no inline script
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]
    # Answers the document names by reference ($ref) are read through it; code spans are code;
    # defaults are written as JSON.
    assert "<strong>default</strong> An error, as a problem document." in html
    assert "Poll with <code>updated_since</code>" in html and "`updated_since`" not in html
    assert "default null" in html and "default None" not in html
