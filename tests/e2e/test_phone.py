"""The board on a 390 × 844 phone and a 1366 × 900 desktop: the search shows its results first with
the filters in a drawer, no page scrolls sideways, a posting keeps Apply at hand, and a visitor
who applies while signed out comes back to the posting through sign-up and confirmation.

The world is its own (ophthalmology at a Galilee eye centre, interviewing at MedEx Toronto):
nothing in it matches the other modules' searches, so the module runs before them or after them.
Screenshots go to test-results/e2e/<test>/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from datetime import time as clock
from types import SimpleNamespace
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DESKTOP, PHONE, BrowserProblems, LiveServer, assert_fits, check_accessibility
from tests.e2e.test_journeys import confirm_address, sign_in
from tests.factories import PASSWORD

# One worker runs every journey: they share the served app and build on one another.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

ORG_NAME = "Western Galilee Eye Centre"
TITLES = ["Ophthalmologist, retina service", "Ophthalmologist, paediatric eye clinic", "Senior ophthalmologist"]
HAIFA_TITLE = "Ophthalmologist, Haifa outpatient clinic"
FAIR_NAME = "MedEx Toronto"
RECRUITER_EMAIL = "recruiter@galilee-eye.example"
NEW_DOCTOR = {"name": "Tamar Eyal", "email": "tamar.eyal@mail.example", "password": "meadow-Lantern-copper-42"}
BOOKING_DOCTORS = ("eye.doctor.one@mail.example", "eye.doctor.two@mail.example")
APPLICANT = {"name": "Yonatan Applicant", "email": "yonatan.applicant@mail.example"}


@pytest.fixture(scope="module")
def eye_centre(live_server: LiveServer) -> Iterator[SimpleNamespace]:
    """A verified eye centre with three published ophthalmology postings in Nahariya (each tagged
    with every grant program the Galilee qualifies for: long names) and one in Haifa, a
    recruiter, an applicant, and two tables of free slots at a published fair in Toronto."""
    from jobboard.applications import applying
    from jobboard.core import outbox
    from jobboard.core.db import utcnow
    from jobboard.extensions import db
    from jobboard.fairs import organising
    from jobboard.jobs.lifecycle import SEARCH_SYNC
    from jobboard.jobs.queries import grants_offerable
    from jobboard.orgs.models import Role
    from tests.applications.conftest import complete_profile, make_posting, stored_cv
    from tests.factories import AdminFactory, DoctorFactory, MembershipFactory, OrganizationFactory, SiteFactory
    from tests.fairs.conftest import add_slots, fair_fields, register_employer

    toronto = ZoneInfo("America/Toronto")
    fair_day = (datetime.now(toronto) + timedelta(days=45)).date()
    with live_server.app.app_context():  # type: ignore[attr-defined]
        org = OrganizationFactory(name=ORG_NAME, slug="western-galilee-eye-centre")
        recruiter = MembershipFactory(
            org=org, role=Role.RECRUITER, user__email=RECRUITER_EMAIL, user__full_name="Orit Recruiter"
        ).user
        site = SiteFactory(org=org, name="Nahariya eye campus", city_slug="nahariya", lat=33.006, lon=35.098)
        grants = grants_offerable("galilee-north", utcnow().date())
        postings = []
        for days_ago, title in enumerate(TITLES, start=1):
            posting = make_posting(
                org,
                site,
                title=title,
                specialty_slug="ophthalmology",
                salary_min_ils=38_000,
                salary_max_ils=52_000,
                first_published_at=utcnow() - timedelta(days=days_ago),
                description_md="## The service\n\n" + "Retina and cataract surgery in a growing department. " * 40,
            )
            posting.grants = list(grants)
            outbox.enqueue(SEARCH_SYNC, {"posting_id": posting.id})
            postings.append(posting)
        admin = AdminFactory()
        fair = organising.save_fair(
            admin,
            fair_fields(
                name=FAIR_NAME,
                city="Toronto",
                country="CA",
                time_zone="America/Toronto",
                starts_on=fair_day,
                ends_on=fair_day,
                booking_opens_at=datetime.now(toronto) - timedelta(days=1),
                booking_closes_at=datetime.combine(fair_day - timedelta(days=1), clock(18, 0), toronto),
            ),
        )
        organising.publish_fair(admin, fair)
        registration = register_employer(
            fair, SimpleNamespace(org=org, recruiter=recruiter), tables=("Retina table", "Paediatric table")
        )
        for table in (0, 1):
            add_slots(registration, table, start=clock(9, 0), end=clock(12, 0), minutes=20, actor=recruiter)
        for email in BOOKING_DOCTORS:
            doctor = DoctorFactory(email=email)
            complete_profile(doctor, specialty_slug="ophthalmology")
            stored_cv(doctor)
        applicant = DoctorFactory(email=APPLICANT["email"], full_name=APPLICANT["name"])
        complete_profile(applicant, specialty_slug="ophthalmology")
        applying.apply(applicant, postings[0], stored_cv(applicant), "Retina fellowship in Lyon.")
        haifa = SiteFactory(org=org, name="Haifa eye clinic", city_slug="haifa", lat=32.79, lon=34.99)
        elsewhere = make_posting(org, haifa, title=HAIFA_TITLE, specialty_slug="ophthalmology")
        outbox.enqueue(SEARCH_SYNC, {"posting_id": elsewhere.id})
        db.session.commit()
        outbox.drain()
        world = SimpleNamespace(
            org_slug=org.slug,
            posting_id=postings[0].id,
            fair_id=fair.id,
            fair_slug=fair.slug,
            grant_count=len(grants),
        )
        db.session.remove()
    yield world
    live_server.app.extensions.pop("search_catalogue", None)  # type: ignore[attr-defined]


def top_of(page: Page, locator: str) -> float:
    box = page.locator(locator).first.bounding_box()
    assert box is not None, f"{locator} is not shown on {page.url}"
    return box["y"]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_search_shows_the_first_result_on_the_first_screen_with_the_filters_in_a_drawer_on_a_phone(
    open_sized, eye_centre: SimpleNamespace, viewport: dict[str, int], shot
) -> None:
    page = open_sized("doctor", viewport)
    page.goto("/jobs?q=ophthalmologist")
    expect(page.locator("#search-results article")).to_have_count(4)
    assert top_of(page, "#search-results article") < viewport["height"] / 2
    assert_fits(page, viewport)
    # The grant badges (every program the Galilee qualifies for) wrap inside the card.
    card = page.locator("#search-results article").filter(has=page.get_by_role("link", name=TITLES[0]))
    expect(card.locator(".grant-badge")).to_have_count(eye_centre.grant_count)
    expect(card).to_contain_text("₪38,000 – ₪52,000 a month")
    expect(card).to_contain_text("Posted 1 day ago")
    shot(page, "results")
    check_accessibility(page, "the search page")

    filters_button = page.get_by_role("button", name=re.compile(r"^Filters"))
    region = page.locator("#search-filter-list").get_by_role("checkbox", name=re.compile(r"^Galilee and the North"))
    if viewport == PHONE:
        expect(region).to_be_hidden()  # in the drawer, closed
        filters_button.click()
        expect(page.get_by_role("dialog", name="Filters")).to_be_visible()
    else:
        expect(filters_button).to_be_hidden()
    with page.expect_response(lambda r: "region=galilee-north" in r.url):
        region.check()
    page.wait_for_url(re.compile("region=galilee-north"))
    # The other regions stay on the list, as alternatives to add.
    expect(page.locator("#search-filter-list input[name=region]:not(:checked)")).not_to_have_count(0)
    expect(page.locator("#search-status")).to_have_text("3 positions")
    if viewport == PHONE:
        expect(page.get_by_role("dialog", name="Filters")).to_be_visible()  # the drawer stays open
        shot(page, "drawer")
        check_accessibility(page, "the filter drawer")
        page.get_by_role("button", name="Show 3 positions").click()
        expect(page.get_by_role("dialog", name="Filters")).to_be_hidden()
        expect(filters_button).to_contain_text("1")
    assert_fits(page, viewport)

    # A city sets the default distance, and "Nearest" is offered at once.
    if viewport == PHONE:
        filters_button.click()
    with page.expect_response(lambda r: "city=nahariya" in r.url):
        page.get_by_label("City", exact=True).select_option("nahariya")
    page.wait_for_url(re.compile("km=50"))
    expect(page.locator("#sort option[value=distance]")).to_have_text("Nearest")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_no_page_scrolls_sideways_and_a_posting_keeps_apply_at_hand(
    open_sized, live_server: LiveServer, eye_centre: SimpleNamespace, viewport: dict[str, int], shot
) -> None:
    visitor = open_sized("visitor", viewport)
    visitor.goto(f"/jobs/{eye_centre.posting_id}")
    expect(visitor.get_by_role("heading", name=TITLES[0], level=1)).to_be_visible()
    assert_fits(visitor, viewport)
    # Beside the description on a desktop; in a bar at the foot of the screen on a phone, which
    # stays there as the description is read.
    where = ".apply-bar" if viewport == PHONE else "#how-to-apply"
    apply = visitor.locator(where).get_by_role("link", name="Apply", exact=True)
    expect(apply).to_be_in_viewport()
    if viewport == PHONE:
        visitor.mouse.wheel(0, 1500)
        visitor.wait_for_function("window.scrollY > 1000")
        expect(apply).to_be_in_viewport()
    shot(visitor, "posting")
    check_accessibility(visitor, "the posting")
    for path in ("/fairs", f"/fairs/{eye_centre.fair_slug}", "/account/signup"):
        visitor.goto(path)
        assert_fits(visitor, viewport)

    recruiter = open_sized("recruiter", viewport)
    sign_in(recruiter, RECRUITER_EMAIL, PASSWORD)
    for path in (
        f"/org/{eye_centre.org_slug}/fairs",
        f"/org/{eye_centre.org_slug}/fairs/{eye_centre.fair_id}",
        f"/org/{eye_centre.org_slug}/fairs/{eye_centre.fair_id}/agenda",
        f"/org/{eye_centre.org_slug}/postings",
        f"/org/{eye_centre.org_slug}/postings/{eye_centre.posting_id}/pipeline",
    ):
        recruiter.goto(path)
        assert_fits(recruiter, viewport)
    recruiter.goto(f"/org/{eye_centre.org_slug}/fairs/{eye_centre.fair_id}")
    expect(recruiter.get_by_role("button", name="Block").first).to_be_visible()
    shot(recruiter, "fair-management")
    check_accessibility(recruiter, "the fair management page")


def test_applying_while_signed_out_leads_through_sign_up_and_confirmation_back_to_the_posting(
    open_sized, live_server: LiveServer, eye_centre: SimpleNamespace, shot
) -> None:
    doctor = open_sized("new doctor", PHONE)
    doctor.goto(f"/jobs/{eye_centre.posting_id}")
    doctor.get_by_role("link", name="Apply", exact=True).first.click()
    expect(doctor.get_by_role("heading", name="Sign in")).to_be_visible()
    doctor.get_by_role("link", name="Sign up as a doctor").last.click()  # the page's, not the menu's
    doctor.get_by_label("Full name", exact=True).fill(NEW_DOCTOR["name"])
    doctor.get_by_label("E-mail", exact=True).fill(NEW_DOCTOR["email"])
    doctor.get_by_label("Password", exact=True).fill(NEW_DOCTOR["password"])
    doctor.get_by_label("I have read the privacy notice").check()
    doctor.get_by_role("button", name="Sign up").click()
    expect(doctor.get_by_role("heading", name="Check your e-mail")).to_be_visible()

    confirm_address(doctor, live_server, NEW_DOCTOR["email"])
    expect(doctor.get_by_role("heading", name="Sign in")).to_be_visible()
    doctor.get_by_label("E-mail", exact=True).fill(NEW_DOCTOR["email"])
    doctor.get_by_label("Password", exact=True).fill(NEW_DOCTOR["password"])
    doctor.get_by_role("button", name="Sign in").click()
    doctor.wait_for_url(lambda url: urlsplit(url).path == f"/jobs/{eye_centre.posting_id}/apply")
    expect(doctor.get_by_role("heading", name=f"Apply for {TITLES[0]}")).to_be_visible()
    shot(doctor, "back-to-apply")


def test_a_booking_refused_on_a_phone_says_why_beside_the_slot_tapped(
    open_sized, browser_problems: BrowserProblems, live_server: LiveServer, eye_centre: SimpleNamespace, shot
) -> None:
    # The browser and htmx log the refusal (409) in the console: that is the point here.
    browser_problems.expect(r"409 \(CONFLICT\)|Response Status Error Code 409")
    doctor = open_sized("doctor", PHONE)
    sign_in(doctor, BOOKING_DOCTORS[0], PASSWORD)
    doctor.goto(f"/fairs/{eye_centre.fair_slug}")
    employer = doctor.locator("section").filter(has=doctor.get_by_role("heading", name=ORG_NAME))
    first_slot = employer.get_by_role("button", name=re.compile(r"^Book ")).first
    expect(first_slot).to_be_visible()
    slot_id = int(first_slot.locator("xpath=ancestor::form").get_attribute("action").split("/slots/")[1].split("/")[0])

    # Someone else takes that slot while the page is open.
    with live_server.app.app_context():  # type: ignore[attr-defined]
        from sqlalchemy import select

        from jobboard.accounts.models import User
        from jobboard.extensions import db
        from jobboard.fairs import interviews

        other = db.session.scalar(select(User).where(User.email == BOOKING_DOCTORS[1]))
        interviews.book(other, slot_id, other)
        db.session.commit()
        db.session.remove()

    first_slot.scroll_into_view_if_needed()
    with doctor.expect_response(lambda r: "/book" in r.url and r.request.method == "POST"):
        first_slot.click()
    refusal = employer.get_by_role("alert")
    expect(refusal).to_be_visible()
    expect(refusal).to_be_in_viewport()
    expect(doctor.locator("#flash-area .alert")).to_have_count(0)  # not only at the top, off-screen
    assert_fits(doctor, PHONE)
    shot(doctor, "refused")

    # Another time is booked; cancelling it asks once, and a "no" keeps it.
    with doctor.expect_response(lambda r: "/book" in r.url and r.request.method == "POST"):
        employer.get_by_role("button", name=re.compile(r"^Book ")).nth(1).click()
    expect(employer.locator(".alert-success")).to_contain_text("Your interview:")
    check_accessibility(doctor, "the fair page with a booked interview")
    questions: list[str] = []

    def answer(dialog, accept: bool) -> None:
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    doctor.once("dialog", lambda dialog: answer(dialog, accept=False))
    employer.get_by_role("button", name="Cancel", exact=True).click()
    expect(employer.locator(".alert-success")).to_contain_text("Your interview:")
    doctor.once("dialog", lambda dialog: answer(dialog, accept=True))
    with doctor.expect_response(lambda r: "/cancel" in r.url):
        employer.get_by_role("button", name="Cancel", exact=True).click()
    expect(employer.locator(".alert-success")).to_have_count(0)
    assert len(questions) == 2 and questions[0].startswith(f"Cancel your interview with {ORG_NAME} on "), questions


def test_a_pipeline_move_can_be_undone_before_the_doctor_hears_of_it(
    open_sized, live_server: LiveServer, eye_centre: SimpleNamespace, shot
) -> None:
    recruiter = open_sized("recruiter", DESKTOP)
    sign_in(recruiter, RECRUITER_EMAIL, PASSWORD)
    recruiter.goto(f"/org/{eye_centre.org_slug}/postings/{eye_centre.posting_id}/pipeline")
    board = recruiter.locator("#pipeline-board")
    card = board.locator(".pipeline-card").filter(has_text=APPLICANT["name"])
    stage = card.get_by_label(f"Move {APPLICANT['name']} to")
    # The stage list is wide enough for its longest stage name.
    assert stage.bounding_box()["width"] >= 120, stage.bounding_box()
    stage.select_option("interview")
    with recruiter.expect_response(lambda r: r.url.endswith("/move") and r.request.method == "POST"):
        card.get_by_role("button", name="Move").click()
    offer = board.get_by_role("status").filter(has_text="You can undo this")
    expect(offer).to_contain_text(f"{APPLICANT['name']} · Moved to interview.")
    expect(board.locator(".pipeline-column[data-stage=interview]")).to_contain_text(APPLICANT["name"])
    shot(recruiter, "moved")
    check_accessibility(recruiter, "the pipeline board with the offer to undo")

    with recruiter.expect_response(lambda r: r.url.endswith("/undo-move")):
        offer.get_by_role("button", name="Undo").click()
    expect(board.get_by_role("status")).to_have_text("The move is undone: back in applied, and no e-mail was sent.")
    expect(board.locator(".pipeline-column[data-stage=applied]")).to_contain_text(APPLICANT["name"])
    shot(recruiter, "undone")
    with live_server.app.app_context():  # type: ignore[attr-defined]
        from sqlalchemy import select

        from jobboard.core.outbox import OutboxMessage
        from jobboard.extensions import db

        to_applicant = [
            m.payload["subject"]
            for m in db.session.scalars(select(OutboxMessage))
            if m.payload.get("to") == APPLICANT["email"]
        ]
        db.session.remove()
    assert to_applicant == [f"Your application to {TITLES[0]} at {ORG_NAME} was received"]  # nothing of the move
