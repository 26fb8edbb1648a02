"""Tenancy and ownership: an employer of another organisation gets 404 on every application, CV
and profile URL of this one (walked from the URL map, so a new endpoint is covered too); a
doctor gets 404 on another doctor's application and CV URLs; nothing changes."""

from __future__ import annotations

import pytest

from jobboard.applications import applying
from jobboard.applications.models import Application, ApplicationEvent, ApplicationNote, CvDocument, Stage
from jobboard.core.audit import AuditEntry
from jobboard.extensions import db
from tests.applications.conftest import count, stored_files


@pytest.fixture
def application(world):
    application = applying.apply(world.doctor, world.posting, world.cv, "Cover note")
    db.session.commit()
    return application


def rules(app, *, prefix="applications."):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith(prefix)]


def build(rule, **values) -> str:
    return rule.build({k: v for k, v in values.items() if k in rule.arguments})[1]


def requests_for(app, slug, application, posting):
    """(method, url) of every organisation endpoint of the blueprint, aimed at this application/posting."""
    found = []
    for rule in rules(app):
        if "org_slug" not in rule.arguments:
            continue
        url = build(rule, org_slug=slug, application_id=application.id, posting_id=posting.id)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, url))
    return found


FORM = {"stage": "hired", "note": "x", "body": "x", "rating": "5", "subject": "x", "mode": "off",
        "send_rejection": "y"}


def snapshot(application):
    db.session.expire_all()
    fresh = db.session.get(Application, application.id)
    return (fresh.stage, fresh.rating, count(ApplicationEvent), count(ApplicationNote),
            count(AuditEntry, AuditEntry.action == "cv.downloaded"))


def test_the_walk_covers_the_employer_urls(app, world, application):
    urls = {url for _, url in requests_for(app, world.org.slug, application, world.posting)}
    base = f"/org/{world.org.slug}"
    assert {f"{base}/applications/{application.id}", f"{base}/applications/{application.id}/cv",
            f"{base}/applications/{application.id}/move", f"{base}/applications/{application.id}/notes",
            f"{base}/applications/{application.id}/rating", f"{base}/postings/{world.posting.id}/pipeline",
            f"{base}/applicants"} <= urls


def test_an_employer_of_another_tenant_gets_404_everywhere(app, client, world, login, application, uploads):
    before = snapshot(application)
    files = stored_files(uploads)
    login(world.other_recruiter)

    # Through this organisation's URLs (not a member) ...
    for method, url in requests_for(app, world.org.slug, application, world.posting):
        response = client.open(url, method=method, data=FORM if method == "POST" else None)
        assert response.status_code == 404, (method, url, response.status_code)
        assert "Miriam" not in response.get_data(as_text=True)
    # ... and through their own, aimed at this organisation's application and posting.
    for method, url in requests_for(app, world.other.slug, application, world.posting):
        if url.endswith(("/applicants", "/rejection-template", "/notifications")):
            continue  # their own pages, about their own organisation
        response = client.open(url, method=method, data=FORM if method == "POST" else None)
        assert response.status_code == 404, (method, url, response.status_code)
        assert "Miriam" not in response.get_data(as_text=True)

    assert snapshot(application) == before
    assert stored_files(uploads) == files


def test_the_owner_of_another_tenant_with_the_same_role_is_no_exception(client, world, login, application):
    from jobboard.orgs.models import Role
    from tests.factories import MembershipFactory, StaffFactory

    other_owner = MembershipFactory(org=world.other, role=Role.OWNER, user=StaffFactory()).user
    db.session.commit()
    login(other_owner)
    assert client.get(f"/org/{world.org.slug}/applications/{application.id}").status_code == 404
    assert client.get(f"/org/{world.other.slug}/applications/{application.id}/cv").status_code == 404


def test_an_unknown_organisation_or_application_is_404(client, world, login, application):
    login(world.recruiter)
    assert client.get(f"/org/no-such-org/applications/{application.id}").status_code == 404
    assert client.get(f"/org/{world.org.slug}/applications/999999").status_code == 404
    assert client.get(f"/org/{world.org.slug}/applications/999999/cv").status_code == 404
    assert client.get(f"/org/{world.org.slug}/postings/999999/pipeline").status_code == 404


def test_a_doctor_gets_404_on_the_employer_urls(app, client, world, login, application):
    before = snapshot(application)
    login(world.doctor)
    for method, url in requests_for(app, world.org.slug, application, world.posting):
        response = client.open(url, method=method, data=FORM if method == "POST" else None)
        assert response.status_code == 404, (method, url)
    assert snapshot(application) == before


def test_a_doctor_gets_404_on_another_doctors_application_and_cv_urls(app, client, world, login, application,
                                                                      uploads):
    files = stored_files(uploads)
    login(world.other_doctor)
    checked = []
    for rule in rules(app):
        if "org_slug" in rule.arguments or not ({"cv_id", "application_id"} & rule.arguments):
            continue
        url = build(rule, cv_id=world.cv.id, application_id=application.id)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={"reason": "x"} if method == "POST" else None)
            assert response.status_code == 404, (method, url, response.status_code)
            checked.append(url)
    assert {f"/me/cvs/{world.cv.id}/download", f"/me/cvs/{world.cv.id}/default", f"/me/cvs/{world.cv.id}/delete",
            f"/me/applications/{application.id}/withdraw"} <= set(checked)

    db.session.expire_all()
    assert db.session.get(Application, application.id).stage == Stage.APPLIED
    assert db.session.get(CvDocument, world.cv.id) is not None
    assert stored_files(uploads) == files
    # Nor does another doctor's list show it.
    assert "Senior pediatrician" not in client.get("/me/applications").get_data(as_text=True)


def test_staff_get_no_doctor_pages(client, world, login, application):
    login(world.recruiter)
    for url in ("/me/profile", "/me/cvs", "/me/applications", "/me/privacy", f"/me/cvs/{world.cv.id}/download"):
        assert client.get(url).status_code == 403, url


def test_an_employer_sees_a_profile_only_through_an_application_to_it(client, world, login, application):
    """The other doctor applied to the other organisation only: this organisation never sees them."""
    elsewhere = applying.apply(world.other_doctor, world.other_posting, world.other_cv, "")
    db.session.commit()
    login(world.recruiter)
    assert client.get(f"/org/{world.org.slug}/applications/{elsewhere.id}").status_code == 404
    assert client.get(f"/org/{world.org.slug}/applications/{elsewhere.id}/cv").status_code == 404
    assert "Ilan Otherdoc" not in client.get(f"/org/{world.org.slug}/applicants").get_data(as_text=True)
    # While their own applicant is visible with the profile.
    assert "Miriam Zalcberg-Testperson" in client.get(
        f"/org/{world.org.slug}/applications/{application.id}").get_data(as_text=True)
