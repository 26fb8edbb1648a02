"""Tenancy and ownership on the lists: an employer sees a doctor's profile only through an
application to it, and a doctor's list shows only their own applications. Who gets 404 on which
application, CV and profile URL, ``tests/security/test_authorization.py`` proves over every route."""

from __future__ import annotations

import pytest

from jobboard.applications import applying
from jobboard.extensions import db


@pytest.fixture
def application(world):
    application = applying.apply(world.doctor, world.posting, world.cv, "Cover note")
    db.session.commit()
    return application


def test_another_doctors_list_does_not_show_the_application(client, world, login, application):
    login(world.other_doctor)
    assert "Senior pediatrician" not in client.get("/me/applications").get_data(as_text=True)
    login(world.doctor)
    assert "Senior pediatrician" in client.get("/me/applications").get_data(as_text=True)


def test_an_employer_sees_a_profile_only_through_an_application_to_it(client, world, login, application):
    """The other doctor applied to the other organisation only: this organisation never sees them."""
    elsewhere = applying.apply(world.other_doctor, world.other_posting, world.other_cv, "")
    db.session.commit()
    login(world.recruiter)
    assert client.get(f"/org/{world.org.slug}/applications/{elsewhere.id}").status_code == 404
    assert client.get(f"/org/{world.org.slug}/applications/{elsewhere.id}/cv").status_code == 404
    assert "Ilan Otherdoc" not in client.get(f"/org/{world.org.slug}/applicants").get_data(as_text=True)
    # While their own applicant is visible with the profile.
    assert "Miriam Zalcberg-Testperson" in client.get(f"/org/{world.org.slug}/applications/{application.id}").get_data(
        as_text=True
    )
