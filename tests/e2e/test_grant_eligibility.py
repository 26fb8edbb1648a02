"""A doctor's grant eligibility in the browser: on a Negev posting, "Eligible" for a Negev grant
program and "Not eligible" with the reason for a program that needs a specialist licence; the
search filter "grants I'm eligible for" finds the posting. Checked with axe-core and saved as
screenshots under test-results/e2e/<journey>/."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer, check_accessibility
from tests.e2e.test_journeys import sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def grants_world(live_server: LiveServer) -> Iterator[SimpleNamespace]:
    from jobboard.applications.models import DoctorProfile, LicenceStatus
    from jobboard.core import outbox
    from jobboard.core.db import utcnow
    from jobboard.extensions import db
    from jobboard.jobs.grants import GrantFields, save_grant
    from jobboard.jobs.lifecycle import SEARCH_SYNC
    from jobboard.jobs.models import LicenceLevel, PostingStatus, Seniority
    from tests.factories import AdminFactory, DoctorFactory, PostingFactory, SiteFactory

    with live_server.app.app_context():  # type: ignore[attr-defined]
        admin = AdminFactory()
        negev = save_grant(
            admin,
            GrantFields(
                name="Negev relocation grant for olim",
                funder="Ministry of the Negev, Galilee and National Resilience",
                summary="For immigrant physicians who take a position in the Negev.",
                region_slugs=["negev"],
                profession_slugs=["physician"],
                aliyah_within_months=24,
                verified_criteria=["places", "professions", "aliyah"],
            ),
        )
        specialist = save_grant(
            admin,
            GrantFields(
                name="Negev specialist grant",
                funder="Ministry of Health",
                summary="For specialists who move to the Negev.",
                region_slugs=["negev"],
                licence_level=LicenceLevel.SPECIALIST,
            ),
        )
        doctor = DoctorFactory(email="grants.doctor@e2e.example")
        db.session.add(
            DoctorProfile(
                user_id=doctor.id,
                profession_slug="physician",
                specialty_slug="geriatrics",
                seniority=Seniority.RESIDENT,
                licence_status=LicenceStatus.FULL_LICENCE,
                arrived_on=date.today() - timedelta(days=90),
            )
        )
        now = utcnow()
        posting = PostingFactory(
            site=SiteFactory(name="Soroka Campus", city_slug="beersheba"),
            title="Geriatrics resident, Beersheba",  # no other journey's search finds it
            specialty_slug="geriatrics",
            status=PostingStatus.PUBLISHED,
            approved_at=now,
            first_published_at=now,
            expires_at=now + timedelta(days=30),
        )
        posting.grants = [negev, specialist]
        db.session.flush()
        outbox.enqueue(SEARCH_SYNC, {"posting_id": posting.id})
        db.session.commit()
        outbox.drain()
        world = SimpleNamespace(
            doctor_email=doctor.email,
            posting_path=f"/en/jobs/{posting.id}-{posting.slug}",
            posting_title=posting.title,
            negev_id=negev.id,
            specialist_id=specialist.id,
        )
        db.session.remove()
    yield world


def test_a_doctor_sees_which_grants_of_a_posting_they_can_get(page: Page, grants_world: SimpleNamespace, shot) -> None:
    sign_in(page, grants_world.doctor_email, PASSWORD)
    page.goto(grants_world.posting_path)
    expect(page.get_by_role("heading", name="Grant programs")).to_be_visible()

    negev = page.locator(f"#grant-{grants_world.negev_id}")
    expect(negev.locator(".grant-verdict")).to_contain_text("Eligible")
    expect(negev.locator(".grant-verdict")).not_to_contain_text("Not eligible")
    specialist = page.locator(f"#grant-{grants_world.specialist_id}")
    expect(specialist.locator(".grant-verdict")).to_contain_text("Not eligible")
    expect(specialist.locator(".grant-verdict")).to_contain_text("Needs a specialist licence; you have: residency.")

    specialist.locator("summary").click()  # the program's conditions, each marked if unverified
    expect(specialist.locator(".grant-criteria")).to_contain_text("A specialist licence")
    expect(specialist.locator(".grant-criteria")).to_contain_text("unverified")
    check_accessibility(page, "a posting's grant verdicts")
    shot(page, "posting-grant-verdicts")

    page.goto("/en/jobs")
    page.get_by_label("Grants I'm eligible for").check()
    page.wait_for_url(lambda url: "eligible=1" in url)
    expect(page.get_by_role("link", name=grants_world.posting_title)).to_be_visible()
    shot(page, "search-grants-eligible")
