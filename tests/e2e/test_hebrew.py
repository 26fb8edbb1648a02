"""The main pages once more in Hebrew, right to left: the search with a query, a posting, the
apply page, the fair page where a doctor books a slot, and the posting's pipeline board.

Each page must say ``<html lang="he" dir="rtl">``, load Bootstrap's right-to-left stylesheet,
have a Hebrew main heading and pass axe-core (no serious or critical violation); a full-page
screenshot of each is saved under test-results/hebrew/<name>.png.

The world is its own and small (built with the unit tests' builders): a verified hospital with a
recruiter, a published psychiatry posting and a table of free slots at a published fair, and a
doctor with a complete profile and a CV. Nothing in it matches the other journeys' searches, so
the module runs before them or after them.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ROOT, LiveServer, check_accessibility
from tests.e2e.test_journeys import sign_in
from tests.factories import PASSWORD

# One worker runs every journey: they share the served app and build on one another.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

SHOTS = ROOT / "test-results" / "hebrew"
HEBREW_LETTER = re.compile(r"[\u05d0-\u05ea]")

ORG_NAME = "המרכז הרפואי לבריאות הנפש באר יעקב"
POSTING_TITLE = "פסיכיאטר/ית מומחה/ית, מחלקה אשפוזית"
FAIR_NAME = "יריד הרופאים בלונדון"
QUERY = "פסיכיאטר"
DOCTOR = {"name": "נועה לוי", "email": "noa.levi.he@mail.example"}
RECRUITER = {"name": "יעל כהן", "email": "yael.cohen.he@beer-yaakov.example"}


@pytest.fixture(scope="module")
def hebrew_world(live_server: LiveServer) -> Iterator[SimpleNamespace]:
    from jobboard.core import outbox
    from jobboard.extensions import db
    from jobboard.jobs.lifecycle import SEARCH_SYNC
    from jobboard.orgs.models import Role
    from tests.applications.conftest import complete_profile, make_posting, stored_cv
    from tests.factories import AdminFactory, DoctorFactory, MembershipFactory, OrganizationFactory, SiteFactory
    from tests.fairs.conftest import add_slots, fair_fields, register_employer

    london = ZoneInfo("Europe/London")
    fair_day = (datetime.now(london) + timedelta(days=40)).date()
    with live_server.app.app_context():  # type: ignore[attr-defined]
        from jobboard.fairs import organising

        org = OrganizationFactory(name=ORG_NAME, slug="beer-yaakov-mental-health")
        recruiter = MembershipFactory(
            org=org, role=Role.RECRUITER, user__email=RECRUITER["email"], user__full_name=RECRUITER["name"]
        ).user
        site = SiteFactory(org=org, name="קמפוס באר יעקב", city_slug="tel-aviv", lat=31.94, lon=34.84)
        posting = make_posting(
            org,
            site,
            title=POSTING_TITLE,
            text_language="he",
            specialty_slug="psychiatry",
            description_md="מחלקה אשפוזית פתוחה מחפשת פסיכיאטר/ית מומחה/ית.\n\n- תורנויות בבית\n- קורס עברית",
        )
        outbox.enqueue(SEARCH_SYNC, {"posting_id": posting.id})

        doctor = DoctorFactory(email=DOCTOR["email"], full_name=DOCTOR["name"])
        complete_profile(doctor, specialty_slug="psychiatry")
        stored_cv(doctor, name="noa-levi-cv.pdf")

        admin = AdminFactory()
        fair = organising.save_fair(
            admin,
            fair_fields(
                name=FAIR_NAME,
                starts_on=fair_day,
                ends_on=fair_day,
                booking_opens_at=datetime.now(london) - timedelta(days=1),
                booking_closes_at=datetime.combine(fair_day - timedelta(days=1), clock(18, 0), london),
            ),
        )
        organising.publish_fair(admin, fair)
        registration = register_employer(fair, SimpleNamespace(org=org, recruiter=recruiter))
        add_slots(registration, start=clock(10, 0), end=clock(11, 0), minutes=30, actor=recruiter)
        db.session.commit()
        outbox.drain()
        world = SimpleNamespace(
            org_slug=org.slug, posting_id=posting.id, fair_slug=fair.slug, doctor_email=doctor.email
        )
        db.session.remove()
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield world
    # The search page's display names are kept for a minute: dropped, so that the other modules'
    # employers are named as soon as they are verified.
    live_server.app.extensions.pop("search_catalogue", None)  # type: ignore[attr-defined]


def right_to_left_in_hebrew(page: Page, name: str) -> Path:
    """The page's checks in Hebrew, then its full-page screenshot."""
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "he")
    expect(html).to_have_attribute("dir", "rtl")
    stylesheets = page.eval_on_selector_all(
        'link[rel="stylesheet"]', "links => links.map((link) => new URL(link.href).pathname)"
    )
    # Named with their content's fingerprint: "bootstrap.rtl.min.<hash>.css".
    bootstrap = [
        re.sub(r"\.[0-9a-f]{10}\.css$", ".css", path.rsplit("/", 1)[-1])
        for path in stylesheets
        if "/static/vendor/bootstrap/" in path
    ]
    assert bootstrap == ["bootstrap.rtl.min.css"], stylesheets
    applied = page.evaluate(
        r"""() => [...document.styleSheets].some(
             (sheet) => /\/bootstrap\.rtl\.min\.[0-9a-f]{10}\.css$/.test(sheet.href || "") && sheet.cssRules.length > 0)"""
    )
    assert applied, f"Bootstrap's right-to-left stylesheet is not applied on {page.url}"
    heading = page.locator("main h1")
    expect(heading).to_have_count(1)
    expect(heading).to_have_text(HEBREW_LETTER)
    check_accessibility(page, f"the Hebrew {name} page")
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 0
    return path


def test_the_main_pages_right_to_left_in_hebrew(
    page: Page, open_page, live_server: LiveServer, hebrew_world: SimpleNamespace
) -> None:
    world = hebrew_world
    doctor = page
    sign_in(doctor, DOCTOR["email"], PASSWORD)

    # The search page with a query, in Hebrew.
    doctor.goto(f"/he/jobs?q={quote(QUERY)}")
    results = doctor.locator("#search-results")
    expect(results.get_by_role("link", name=POSTING_TITLE)).to_be_visible()
    right_to_left_in_hebrew(doctor, "search")

    # The posting's page.
    results.get_by_role("link", name=POSTING_TITLE).click()
    doctor.wait_for_url(re.compile(rf"/he/jobs/{world.posting_id}\b"))
    expect(doctor.get_by_role("heading", name=POSTING_TITLE, level=1)).to_be_visible()
    right_to_left_in_hebrew(doctor, "posting")

    # The apply page, ready to send.
    doctor.goto(f"/he/jobs/{world.posting_id}/apply")
    expect(doctor.get_by_role("heading", level=1)).to_contain_text(POSTING_TITLE)
    form = doctor.locator("main form[method=post]")
    expect(form.locator("select[name=cv_id]")).to_have_value(re.compile(r"\d+"))
    form.locator("textarea[name=cover_note]").fill("אוכל להתחיל בינואר 2027.")
    right_to_left_in_hebrew(doctor, "apply")
    form.get_by_role("button", name="שליחת המועמדות").click()
    doctor.wait_for_url(lambda url: urlsplit(url).path == "/he/me/applications")
    expect(doctor.locator("main").get_by_role("link", name=POSTING_TITLE)).to_be_visible()

    # The fair page: the employer's free times, and a slot booked (htmx swaps the section).
    doctor.goto(f"/he/fairs/{world.fair_slug}")
    expect(doctor.get_by_role("heading", name=FAIR_NAME, level=1)).to_be_visible()
    employer = doctor.locator("section").filter(has=doctor.get_by_role("heading", name=ORG_NAME))
    book_buttons = employer.get_by_role("button", name=re.compile(r"^קביעת ראיון"))
    expect(book_buttons).to_have_count(2)
    right_to_left_in_hebrew(doctor, "fair")
    with doctor.expect_response(lambda r: "/book" in r.url and r.request.method == "POST"):
        book_buttons.first.click()
    expect(employer.locator(".alert-success")).to_contain_text("10:00")
    expect(employer.get_by_role("button", name=re.compile(r"^קביעת ראיון"))).to_have_count(0)
    right_to_left_in_hebrew(doctor, "fair-booked")

    # The recruiter's pipeline board shows the new application.
    recruiter = open_page("recruiter")
    sign_in(recruiter, RECRUITER["email"], PASSWORD)
    recruiter.goto(f"/he/org/{world.org_slug}/postings/{world.posting_id}/pipeline")
    expect(recruiter.get_by_role("heading", level=1)).to_contain_text(POSTING_TITLE)
    card = recruiter.locator("#pipeline-board .pipeline-card").filter(has_text=DOCTOR["name"])
    expect(card).to_have_count(1)
    right_to_left_in_hebrew(recruiter, "pipeline")
