"""Grant eligibility through the app, on both databases: the verdicts a doctor sees on a posting's
page, the administrators' criteria (validated, audited), the search filter "grants I'm eligible
for" on the app's own engine (the embedded one here; the Meilisearch adapter's filter is checked
in tests/search/test_contract.py), and saved alerts using it."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from sqlalchemy import select

from jobboard.alerts.services import InvalidSavedSearch
from jobboard.applications.models import DoctorProfile, LicenceStatus
from jobboard.core.audit import AuditEntry
from jobboard.core.db import utcnow
from jobboard.extensions import db
from jobboard.grants.queries import eligible_grant_keys, verdicts
from jobboard.jobs.models import GrantCriterion, GrantProgram, LicenceLevel, Seniority
from jobboard.search.documents import posting_document
from tests.alerts.helpers import digest_titles, digests, make_due, publish, run, save_alert, sync
from tests.factories import GrantProgramFactory
from tests.jobs.helpers import make_world

pytestmark = pytest.mark.usefixtures("fresh_search_state")


@pytest.fixture
def world(db_session, search_engine):
    w = make_world(db_session)
    w.open_grant = GrantProgramFactory(
        name="Negev relocation grant", regions=["negev"], verified_criteria=[c.value for c in GrantCriterion]
    )
    w.specialist_grant = GrantProgramFactory(
        name="Specialist periphery grant", regions=["negev"], licence_level=LicenceLevel.SPECIALIST
    )
    db_session.commit()
    return w


def give_profile(user, **fields) -> DoctorProfile:
    values = dict(
        profession_slug="physician",
        specialty_slug="pediatrics",
        seniority=Seniority.RESIDENT,
        licence_status=LicenceStatus.FULL_LICENCE,
        arrived_on=date(2025, 1, 1),
    )
    profile = DoctorProfile(user_id=user.id, **{**values, **fields})
    db.session.add(profile)
    db.session.commit()
    return profile


def page(response) -> str:
    return page_text(response.get_data(as_text=True))


def grant_card(response, grant) -> str:
    body = response.get_data(as_text=True)
    start = body.index(f'id="grant-{grant.id}"')
    ends = [body.find(marker, start + 1) for marker in ('id="grant-', "</section>")]
    return page_text(body[start : min(end for end in ends if end > 0)])


def page_text(markup: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup)))


# --- the posting's page ----------------------------------------------------------------------


def test_a_doctor_sees_for_each_grant_whether_they_are_eligible_and_why_not(world, client, login):
    posting = publish(world, "Pediatrician in Beersheba", grant_ids=[world.open_grant.id, world.specialist_grant.id])
    give_profile(world.doctor)
    login(world.doctor)

    response = client.get(f"/jobs/{posting.id}-{posting.slug}")

    assert response.status_code == 200
    open_card = grant_card(response, world.open_grant)
    assert "Eligible" in open_card and "Not eligible" not in open_card
    assert "Not yet verified" not in open_card  # every part of its record is verified
    specialist_card = grant_card(response, world.specialist_grant)
    assert "Not eligible" in specialist_card
    assert "Needs a specialist licence; you have: residency." in specialist_card
    assert "Not yet verified against the source: Regions and sites, Licence needed." in specialist_card
    assert "unverified" in specialist_card  # each criterion of its record is marked


def test_what_is_missing_from_the_profile_is_named_with_a_link_to_complete_it(world, client, login):
    posting = publish(world, "Pediatrician in Beersheba", grant_ids=[world.specialist_grant.id])
    give_profile(world.doctor, seniority=None)  # licensed: residency or specialist?
    login(world.doctor)

    response = client.get(f"/jobs/{posting.id}-{posting.slug}")

    card = grant_card(response, world.specialist_grant)
    assert "Can't tell yet" in card and "Your licence status and seniority" in card
    assert 'href="/me/profile"' in response.get_data(as_text=True)


def test_a_doctor_without_a_profile_is_told_what_to_fill_in(world, client, login):
    posting = publish(world, "Pediatrician in Beersheba", grant_ids=[world.specialist_grant.id])
    login(world.doctor)
    card = grant_card(client.get(f"/jobs/{posting.id}-{posting.slug}"), world.specialist_grant)
    assert "Can't tell yet" in card and "Your licence status and seniority" in card


def test_visitors_and_staff_see_the_criteria_but_no_verdict(world, client, login):
    posting = publish(world, "Pediatrician in Beersheba", grant_ids=[world.specialist_grant.id])
    response = client.get(f"/jobs/{posting.id}-{posting.slug}")
    text = page(response)
    assert "Sign in as a doctor to see which of these programs you are eligible for." in text
    assert "A specialist licence" in grant_card(response, world.specialist_grant)
    assert "Eligible" not in text and "Not eligible" not in text
    login(world.recruiter)
    text = page(client.get(f"/jobs/{posting.id}-{posting.slug}"))
    assert "Not eligible" not in text and "Sign in as a doctor" not in text


def test_the_verdicts_follow_the_profile(world):
    posting = publish(world, "Pediatrician in Beersheba", grant_ids=[world.open_grant.id, world.specialist_grant.id])
    profile = give_profile(world.doctor)
    today = utcnow().date()
    assert [v.eligibility.verdict.value for v in verdicts(world.doctor, posting, today)] == ["eligible", "not_eligible"]
    profile.seniority = Seniority.SPECIALIST
    db.session.commit()
    assert [v.eligibility.verdict.value for v in verdicts(world.doctor, posting, today)] == ["eligible", "eligible"]


# --- the administrators' criteria ----------------------------------------------------------


def grant_form(**overrides) -> dict:
    return {
        "name": "Negev specialist grant",
        "funder": "Ministry of the Negev and Galilee",
        "region_slugs": ["negev"],
        "summary": "For specialists moving to the Negev.",
        "profession_slugs": ["physician"],
        "specialty_slugs": ["pediatrics", "psychiatry"],
        "licence_level": "specialist",
        "aliyah_within_months": "72",
        "first_employment_in_area": "y",
        "verified_on": "2026-01-15",
        "verified_source": "https://www.gov.il/grant",
        "verified_criteria": ["places", "licence"],
        **overrides,
    }


def test_admins_set_a_grants_criteria_and_each_change_is_audited(world, client, login):
    login(world.admin)
    form = grant_form(site_ids=[str(world.site.id)])
    assert client.post("/admin/grants/new", data=form).status_code == 302
    grant = db.session.scalars(select(GrantProgram).where(GrantProgram.name == "Negev specialist grant")).one()
    assert [s.id for s in grant.sites] == [world.site.id]
    assert [p.slug for p in grant.professions] == ["physician"]
    assert {s.slug for s in grant.specialties} == {"pediatrics", "psychiatry"}
    assert (grant.licence_level, grant.aliyah_within_months, grant.first_employment_in_area) == (
        LicenceLevel.SPECIALIST,
        72,
        True,
    )
    assert (grant.verified_on, grant.verified_source) == (date(2026, 1, 15), "https://www.gov.il/grant")
    assert grant.verified_criteria == ["licence", "places"]

    edit = grant_form(site_ids=[str(world.site.id)], licence_level="", verified_criteria=["places"])
    assert client.post(f"/admin/grants/{grant.id}/edit", data=edit).status_code == 302
    db.session.expire_all()
    assert grant.licence_level is None and grant.verified_criteria == ["places"]
    [entry] = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "grant.updated", AuditEntry.subject_id == grant.id)
    )
    assert entry.actor_id == world.admin.id
    assert entry.details["changed"] == ["licence_level", "verified_criteria"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"site_ids": ["tlv"]}, None),  # not a number: the form refuses it
        ({"aliyah_within_months": "0"}, None),
        ({"licence_level": "surgeon"}, None),
        ({"verified_criteria": ["rumours"]}, None),
        ({"specialty_slugs": ["astrology"]}, None),
    ],
)
def test_bad_criteria_are_refused_with_a_message(world, client, login, overrides, message):
    login(world.admin)
    response = client.post("/admin/grants/new", data=grant_form(**overrides))
    assert response.status_code == 422
    assert db.session.scalar(select(GrantProgram).where(GrantProgram.name == "Negev specialist grant")) is None


def test_a_site_outside_the_programs_regions_is_refused(world, client, login):
    login(world.admin)
    response = client.post("/admin/grants/new", data=grant_form(site_ids=[str(world.tlv_site.id)]))
    assert response.status_code == 422
    assert "These sites are outside the program's regions: Tel Aviv Clinic." in page(response)


# --- the search filter -----------------------------------------------------------------------


def hits(response) -> list[str]:
    """The titles of the search hits shown, in order."""
    found = re.findall(
        r'<h2 class="h5 card-title mb-1"><a href="/jobs/\d+-[^"]*">(.*?)</a>', response.get_data(as_text=True), re.S
    )
    return [page_text(title).strip() for title in found]


def test_the_search_finds_the_postings_with_a_grant_the_doctor_is_eligible_for(world, client, login):
    publish(world, "Open grant post", grant_ids=[world.open_grant.id])
    publish(world, "Specialist grant post", grant_ids=[world.specialist_grant.id])
    publish(world, "Both grants post", grant_ids=[world.open_grant.id, world.specialist_grant.id])
    publish(world, "No grant post")
    profile = give_profile(world.doctor)
    login(world.doctor)

    response = client.get("/jobs?eligible=1&sort=newest")
    assert sorted(hits(response)) == ["Both grants post", "Open grant post"]
    assert 'id="f-eligible" aria-describedby="f-eligible-help" checked' in response.get_data(as_text=True)

    profile.seniority = Seniority.SPECIALIST
    db.session.commit()
    assert sorted(hits(client.get("/jobs?eligible=1"))) == [
        "Both grants post",
        "Open grant post",
        "Specialist grant post",
    ]

    # A program's conditions on doctors are read at each search: no reindex needed.
    profile.seniority = Seniority.RESIDENT
    world.specialist_grant.licence_level = None
    db.session.commit()
    assert sorted(hits(client.get("/jobs?eligible=1"))) == [
        "Both grants post",
        "Open grant post",
        "Specialist grant post",
    ]


def test_the_search_filter_is_combined_with_the_others(world, client, login):
    publish(world, "Beersheba open grant", grant_ids=[world.open_grant.id])
    tlv_grant = GrantProgramFactory(name="Center grant", regions=["center"], aliyah_within_months=12)
    publish(world, "Tel Aviv center grant", site=world.tlv_site, grant_ids=[tlv_grant.id])
    give_profile(world.doctor, arrived_on=date(2010, 1, 1))
    login(world.doctor)
    assert hits(client.get("/jobs?eligible=1")) == ["Beersheba open grant"]
    assert hits(client.get("/jobs?eligible=1&region=center")) == []
    assert sorted(hits(client.get("/jobs?region=center"))) == ["Tel Aviv center grant"]


def test_the_filter_is_only_for_signed_in_doctors(world, client, login):
    publish(world, "Open grant post", grant_ids=[world.open_grant.id])
    publish(world, "No grant post")
    response = client.get("/jobs?eligible=1")
    assert response.status_code == 200
    assert "Sign in with a doctor's account to find the grants you are eligible for." in page(response)
    assert sorted(hits(response)) == ["No grant post", "Open grant post"]
    assert 'name="eligible"' not in response.get_data(as_text=True)


def test_a_doctor_whose_profile_tells_nothing_finds_only_grants_without_conditions(world, client, login):
    publish(world, "Open grant post", grant_ids=[world.open_grant.id])  # a program with no condition on doctors
    publish(world, "Specialist grant post", grant_ids=[world.specialist_grant.id])
    login(world.doctor)  # no profile: whether they hold a specialist licence can't be told
    assert hits(client.get("/jobs?eligible=1")) == ["Open grant post"]
    assert eligible_grant_keys(world.doctor, utcnow().date()) == (world.open_grant.slug,)


# --- alerts ----------------------------------------------------------------------------------


def test_a_doctors_alert_sends_the_postings_with_a_grant_they_are_eligible_for(world, mailbox):
    give_profile(world.doctor)
    alert = save_alert(world.doctor, query="eligible=1")
    publish(world, "Open grant post", grant_ids=[world.open_grant.id])
    publish(world, "Specialist grant post", grant_ids=[world.specialist_grant.id])
    sync()
    make_due(alert, utcnow())
    run()
    [digest] = digests(mailbox, world.doctor.email)
    assert digest_titles(mailbox, digest) == ["Open grant post"]


def test_a_visitors_alert_cannot_use_the_filter(world):
    with pytest.raises(InvalidSavedSearch):
        save_alert(email="visitor@example.org", query="eligible=1")
    with pytest.raises(InvalidSavedSearch):
        save_alert(world.recruiter, query="eligible=1")


def test_a_postings_search_document_lists_the_grants_whose_place_it_fits(world):
    envelope = GrantProgramFactory(name="First post grant", regions=["negev"], first_employment_in_area=True)
    elsewhere = GrantProgramFactory(name="Other campus grant", regions=["negev"])
    elsewhere.sites = [world.other_site]
    posting = publish(world, "Pediatrician in Beersheba", grant_ids=[world.open_grant.id, envelope.id, elsewhere.id])
    assert posting_document(posting)["grant_fits"] == sorted([world.open_grant.slug, f"{envelope.slug}@negev"])
