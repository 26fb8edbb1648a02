"""The first screens: the home page (the search box, how many positions are open, the newest in the
periphery, the next fair; without the search engine, the page still stands) and a doctor's start
page (applications, interviews, positions for the profile)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from jobboard.applications import applying
from jobboard.core.db import utcnow
from jobboard.extensions import db
from jobboard.fairs import interviews
from jobboard.orgs.models import OrgStatus
from jobboard.search.port import EngineUnavailable
from tests.applications.conftest import complete_profile, stored_cv, text_of
from tests.factories import DoctorFactory
from tests.fairs.conftest import add_slots, make_fair, paris_fair, register_employer
from tests.search.test_views import listed, sync_all, world  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("fresh_search_state")


def test_the_home_page_shows_the_search_the_open_positions_the_periphery_and_the_next_fair(
    world,  # noqa: F811 - the fixture
    search_engine,
    client,
):
    listed(world, "Pediatrician in Beersheba", drain=False)  # the world's site is in the Negev: periphery
    listed(world, "Internist in Tel Aviv", site=world.tlv_site, drain=False)
    sync_all()
    day = (utcnow() + timedelta(days=40)).date()
    when = {"booking_opens_at": utcnow(), "booking_closes_at": utcnow() + timedelta(days=39)}
    make_fair(name="MedEx Draft", starts_on=day, ends_on=day, publish=False, **when)
    make_fair(name="MedEx Paris", city="Paris", starts_on=day, ends_on=day, **when)

    page = client.get("/en/")
    body, text = page.get_data(as_text=True), text_of(page)
    assert page.status_code == 200
    assert '<form method="get" action="/en/jobs" role="search"' in body and 'name="q"' in body
    assert "2 open positions" in text
    assert "New in the periphery" in text and "Pediatrician in Beersheba" in text and "Internist" not in text
    assert 'href="/en/jobs?periphery=1&amp;sort=newest"' in body
    assert f"Next MedEx fair MedEx Paris {day:%A %d %B %Y} · Paris" in text and "MedEx Draft" not in text


def test_without_the_search_engine_the_home_page_still_stands(world, search_engine, client, monkeypatch):  # noqa: F811
    def refuse(query):
        raise EngineUnavailable("down")

    monkeypatch.setattr(search_engine, "search", refuse)
    page = client.get("/en/")
    assert page.status_code == 200
    assert "open positions" not in text_of(page) and "Practise medicine in Israel" in text_of(page)


def test_a_doctors_start_page_shows_the_applications_the_interviews_and_positions_for_the_profile(
    world,  # noqa: F811 - the fixture
    search_engine,
    client,
    login,
):
    doctor = DoctorFactory(full_name="Dana Doctor")
    complete_profile(doctor)  # a physician in pediatrics
    cv = stored_cv(doctor)
    applied_to = listed(world, "Pediatrician, children's ward", specialty_slug="pediatrics", drain=False)
    also = listed(world, "Pediatrician, community clinic", specialty_slug="pediatrics", drain=False)
    listed(world, "Cardiologist", specialty_slug="cardiology", drain=False)
    sync_all()
    applying.apply(doctor, applied_to, cv, "")
    fair = paris_fair()
    [slot, *_] = add_slots(register_employer(fair, SimpleNamespace(org=world.org, recruiter=world.recruiter)))
    interviews.book(doctor, slot.id, doctor)
    db.session.commit()
    login(doctor)

    page = client.get("/en/dashboard")
    text, body = text_of(page), page.get_data(as_text=True)
    assert "My applications Pediatrician, children's ward" in text and "Applied" in text
    assert f"My interviews {slot.starts_at.astimezone(ZoneInfo('Europe/Paris')):%A %d %B, %H:%M} (Paris)" in text
    assert f"{world.org.name} · MedEx Paris, Table 1" in text
    assert "Positions for you" in text and also.title in text and "Cardiologist" not in text
    assert text.count(applied_to.title) == 1  # under My applications, not offered again
    assert 'href="/en/jobs?sort=newest&amp;profession=physician&amp;specialty=pediatrics"' in body
    assert 'href="/en/me/fairs">My fair schedule</a>' in body  # in the top navigation too


def test_a_doctor_without_a_profile_is_asked_for_one_on_the_start_page(world, search_engine, client, login):  # noqa: F811
    login(DoctorFactory())
    text = text_of(client.get("/en/dashboard"))
    assert "Still missing: your profession" in text and "Complete your profile to apply." in text
    assert "Give your profession in your profile to see the positions for you here." in text


def test_an_employer_page_shows_who_they_are_their_sites_positions_and_fairs(world, search_engine, client):  # noqa: F811
    world.org.description = "The Negev's university hospital."
    open_one = listed(world, "Neonatologist", drain=False)
    listed(world, "Internist", site=world.other_site, drain=False)  # another employer's
    sync_all()
    day = (utcnow() + timedelta(days=40)).date()
    fair = make_fair(
        name="MedEx Paris",
        city="Paris",
        starts_on=day,
        ends_on=day,
        booking_opens_at=utcnow(),
        booking_closes_at=utcnow() + timedelta(days=39),
    )
    register_employer(fair, SimpleNamespace(org=world.org, recruiter=world.recruiter))
    db.session.commit()

    page = client.get(f"/en/employers/{world.org.slug}")
    text = text_of(page)
    assert page.status_code == 200
    assert world.org.name in text and "The Negev's university hospital." in text
    assert "1 open position" in text and open_one.title in text and "Internist" not in text
    assert "Beersheba Campus · Beersheba, Negev" in text and "Tel Aviv Clinic · Tel Aviv" in text
    assert f"Meet {world.org.name} at MedEx MedEx Paris" in text
    # Cards and postings elsewhere lead here.
    link = f'href="/en/employers/{world.org.slug}"'
    assert link in client.get("/en/jobs?q=neonatologist").get_data(as_text=True)
    assert link in client.get(f"/en/jobs/{open_one.id}-{open_one.slug}").get_data(as_text=True)


def test_an_employer_not_verified_has_no_public_page(world, client):  # noqa: F811
    world.org.status = OrgStatus.PENDING
    db.session.commit()
    assert client.get(f"/en/employers/{world.org.slug}").status_code == 404
    assert client.get("/en/employers/no-such-employer").status_code == 404
