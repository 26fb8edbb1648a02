"""The three main journeys, in a real browser, in order; each builds on the data of the one before
(kept in ``STATE``), so running one alone skips it with the reason.

1. A health fund's recruiter registers the organisation, an administrator verifies it, the
   recruiter adds a site in the Negev and a posting with a Negev grant, the administrator
   approves it, and the public page shows it.
2. A doctor signs up, finds the posting (with a typo and a region filter), completes the
   profile, uploads a CV and applies; the recruiter moves the application to interview,
   registers for the MedEx fair with a table and slots, and invites the doctor.
3. The doctor books a slot from the invitation, moves it, and downloads the calendar; the
   recruiter sees the booking on the printable day agenda.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from icalendar import Calendar
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer, check_accessibility, needs

# One worker runs every journey: they share the served app and build on one another.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

STATE: dict[str, Any] = {}

ORG_NAME = "Negev Community Health Fund"
RECRUITER = {
    "name": "Rivka Recruiter",
    "email": "rivka.recruiter@negev-fund.example",
    "password": "lantern-Orchard-mosaic-58",
}
DOCTOR = {"name": "Daniel Doctor", "email": "daniel.doctor@mail.example", "password": "violet-Canyon-pepper-93"}
SITE_NAME = "Beersheba Children's Clinic"
POSTING_TITLE = "Pediatrician, community clinic in Beersheba"
GRANT_NAME = "IMAP periphery grants (Ministry of the Negev, Galilee and National Resilience)"


# --- helpers: what a person does -----------------------------------------------------------------


def sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/account/login")
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: urlsplit(url).path != "/account/login")  # stays there when refused


def sign_in_admin(page: Page, server: LiveServer) -> None:
    sign_in(page, server.admin_email, server.admin_password)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code", exact=True).fill(server.admin_code())
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name="Moderation", exact=True)).to_be_visible()


def confirm_address(page: Page, server: LiveServer, address: str) -> None:
    message = server.mail.wait_for(address, "Confirm your e-mail address")
    page.goto(server.mail.url(message, "/account/confirm/"))
    page.get_by_role("button", name="Confirm my address").click()
    expect(page.get_by_text("Your e-mail address is confirmed.")).to_be_visible()


def flash(page: Page, text: str) -> None:
    expect(page.locator("#flash-area")).to_contain_text(text)


def open_org(page: Page, tab: str | None = None) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=ORG_NAME).click()
    expect(page.get_by_role("heading", name=ORG_NAME)).to_be_visible()
    if tab:
        page.locator(".nav-tabs").get_by_role("link", name=tab, exact=True).click()
        expect(page.locator(".nav-tabs .nav-link.active")).to_have_text(tab)


def one_page_pdf(path: Path) -> None:
    """A real, one-page PDF CV with some text, made with pikepdf."""
    import pikepdf

    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
    )
    lines = ["Daniel Doctor - Curriculum vitae", "Pediatrician, 8 years of experience", "Trained in France"]
    text = "BT /F1 14 Tf 72 770 Td 18 TL " + " ".join(f"({line}) '" for line in lines) + " ET"
    page = pikepdf.Page(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, 595, 842],
            Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
            Contents=pdf.make_stream(text.encode()),
        )
    )
    pdf.pages.append(page)
    pdf.save(path)


# --- journey 1 -----------------------------------------------------------------------------------


def test_journey_1_employer_signs_up_and_publishes(page: Page, open_page, live_server: LiveServer, shot) -> None:
    server = live_server
    recruiter = page

    # The recruiter registers the health fund and an account at once.
    recruiter.goto("/")
    recruiter.get_by_role("link", name="For employers").click()
    expect(recruiter.get_by_role("heading", name="Register an employer")).to_be_visible()
    recruiter.get_by_label("Organisation name", exact=True).fill(ORG_NAME)
    recruiter.get_by_label("Kind", exact=True).select_option(label="Health fund")
    recruiter.get_by_label("Website", exact=True).fill("https://negev-fund.example.org")
    recruiter.get_by_label("Short description", exact=True).fill("Community clinics across the Negev.")
    recruiter.get_by_label("Full name", exact=True).fill(RECRUITER["name"])
    recruiter.get_by_label("E-mail", exact=True).fill(RECRUITER["email"])
    recruiter.get_by_label("Password", exact=True).fill(RECRUITER["password"])
    shot(recruiter, "register-employer")
    recruiter.get_by_role("button", name="Register").click()
    expect(recruiter.get_by_role("heading", name="Check your e-mail")).to_be_visible()

    confirm_address(recruiter, server, RECRUITER["email"])
    sign_in(recruiter, RECRUITER["email"], RECRUITER["password"])
    open_org(recruiter)
    expect(recruiter.get_by_text("is waiting for an administrator to verify it")).to_be_visible()
    shot(recruiter, "org-pending")

    # The administrator follows the link in the notice and verifies the organisation.
    admin = open_page("admin")
    sign_in_admin(admin, server)
    notice = server.mail.wait_for(server.admin_email, "A new employer is waiting for verification")
    assert ORG_NAME in server.mail.text(notice)
    review_url = server.mail.url(notice, "/admin/orgs/")
    assert re.search(r"/admin/orgs/\d+$", review_url), review_url
    admin.goto(review_url)
    expect(admin.get_by_role("heading", name=ORG_NAME)).to_be_visible()
    expect(admin.get_by_text(f"{RECRUITER['name']} · {RECRUITER['email']} · owner")).to_be_visible()
    shot(admin, "admin-org-detail")
    admin.get_by_role("button", name=f"Verify {ORG_NAME}").click()
    flash(admin, f"{ORG_NAME} is verified.")

    # The recruiter adds a site in Beersheba (Negev).
    recruiter.reload()
    expect(recruiter.get_by_text("is waiting for an administrator")).to_have_count(0)
    open_org(recruiter, "Sites")
    recruiter.get_by_role("link", name="Add a site").click()
    recruiter.get_by_label("Site name", exact=True).fill(SITE_NAME)
    recruiter.get_by_label("City", exact=True).select_option(label="Beersheba (Negev)")
    recruiter.get_by_label("Street address", exact=True).fill("12 Rager Boulevard")
    recruiter.get_by_role("button", name="Save").click()
    flash(recruiter, "The site is added.")
    row = recruiter.get_by_role("row").filter(has_text=SITE_NAME)
    expect(row).to_contain_text("Beersheba")
    expect(row).to_contain_text("Negev")
    expect(row.get_by_text("periphery")).to_be_visible()

    # ... and a posting for a pediatrician, with a Negev grant, and submits it.
    open_org(recruiter, "Postings")
    recruiter.get_by_role("link", name="New posting").click()
    expect(recruiter.get_by_role("heading", name="New posting")).to_be_visible()
    recruiter.get_by_label("Title", exact=True).fill(POSTING_TITLE)
    recruiter.get_by_label("Profession", exact=True).select_option(label="Physician")
    recruiter.get_by_label("Specialty", exact=True).select_option(label="Pediatrics")
    recruiter.get_by_label("Seniority", exact=True).select_option(label="Specialist")
    expect(recruiter.get_by_label("Site", exact=True)).to_have_value(re.compile(r"\d+"))
    grants = recruiter.locator("#grant-choices")
    expect(grants).to_contain_text("Negev")
    grants.get_by_label(GRANT_NAME).check()
    recruiter.get_by_label("Monthly salary from (ILS)").fill("38000")
    recruiter.get_by_label("Monthly salary up to (ILS)").fill("48000")
    recruiter.get_by_label("Description", exact=True).fill(
        "Our community clinics in Beersheba look for a pediatrician.\n\n"
        "- Well-baby and acute care\n- A Hebrew course during working hours\n"
    )
    # The preview shows the Markdown as doctors will read it, as it is typed.
    preview = recruiter.locator("#description-preview")
    expect(preview.locator("li").filter(has_text="A Hebrew course during working hours")).to_be_visible()
    shot(recruiter, "posting-form")
    recruiter.get_by_role("button", name="Save the draft").click()
    flash(recruiter, "The draft is saved.")
    expect(recruiter.get_by_role("heading", name=POSTING_TITLE)).to_be_visible()
    recruiter.get_by_role("button", name="Submit for review").click()
    flash(recruiter, "Submitted for review.")
    posting_id = int(re.search(r"/postings/(\d+)$", recruiter.url).group(1))  # type: ignore[union-attr]

    # The administrator approves it from the moderation queue.
    admin.get_by_role("link", name="Moderation", exact=True).click()
    expect(admin.get_by_role("heading", name="Postings to review")).to_be_visible()
    admin.get_by_role("link", name=POSTING_TITLE).click()
    expect(admin.get_by_role("heading", name=POSTING_TITLE)).to_be_visible()
    expect(admin.get_by_text(GRANT_NAME)).to_be_visible()
    shot(admin, "moderation-review")
    admin.get_by_role("button", name="Approve and publish").click()
    flash(admin, "is published.")
    expect(admin.get_by_role("link", name=POSTING_TITLE)).to_have_count(0)

    # The public page shows the posting to anyone.
    recruiter.reload()
    recruiter.get_by_role("link", name="Public page").click()
    recruiter.wait_for_url(re.compile(rf"/jobs/{posting_id}-"))
    public_url = recruiter.url
    visitor = open_page("visitor")
    visitor.goto(public_url)
    expect(visitor.get_by_role("heading", name=POSTING_TITLE, level=1)).to_be_visible()
    expect(visitor.get_by_text(ORG_NAME).first).to_be_visible()
    expect(visitor.get_by_text("Beersheba").first).to_be_visible()
    expect(visitor.get_by_role("heading", name=GRANT_NAME)).to_be_visible()
    expect(visitor.get_by_role("link", name="Apply")).to_be_visible()
    shot(visitor, "public-posting")

    STATE.update(posting_id=posting_id, public_url=public_url)


# --- journey 2 -----------------------------------------------------------------------------------


def test_journey_2_doctor_applies_and_is_invited(page: Page, open_page, live_server: LiveServer, shot) -> None:
    needs(STATE, "posting_id")
    server = live_server
    doctor = page
    # The search's display names are kept a minute (the home page loaded them in journey 1):
    # dropped, so that the employer verified since is named at once.
    server.app.extensions.pop("search_catalogue", None)  # type: ignore[attr-defined]

    # The doctor signs up and confirms the address.
    doctor.goto("/")
    doctor.get_by_role("link", name="Sign up as a doctor").first.click()
    doctor.get_by_label("Full name", exact=True).fill(DOCTOR["name"])
    doctor.get_by_label("E-mail", exact=True).fill(DOCTOR["email"])
    doctor.get_by_label("Password", exact=True).fill(DOCTOR["password"])
    doctor.get_by_label("I have read the privacy notice").check()
    doctor.get_by_role("button", name="Sign up").click()
    expect(doctor.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    confirm_address(doctor, server, DOCTOR["email"])
    sign_in(doctor, DOCTOR["email"], DOCTOR["password"])
    expect(doctor.get_by_role("heading", name=f"Welcome, {DOCTOR['name']}")).to_be_visible()

    # Search with a typo, then narrow to the Negev with the region filter (htmx).
    doctor.get_by_role("navigation", name="Main").get_by_role("link", name="Jobs", exact=True).click()
    doctor.wait_for_url(re.compile(r"/jobs$"))  # loaded: htmx is listening
    expect(doctor.get_by_role("heading", name="Find a position")).to_be_visible()
    results = doctor.locator("#search-results")
    with doctor.expect_response(lambda r: "/jobs?" in r.url and "q=pediatrcs" in r.url):
        doctor.get_by_label("Specialty, title, employer or city").fill("pediatrcs")
    doctor.wait_for_url(re.compile(r"q=pediatrcs"))  # pushed once the results are swapped in
    expect(results.get_by_role("link", name=POSTING_TITLE)).to_be_visible()
    expect(results).to_contain_text("1 position")
    filters = doctor.locator("#search-filter-list")
    negev = filters.get_by_role("checkbox", name=re.compile(r"^Negev"))
    expect(negev).to_be_visible()
    with doctor.expect_response(lambda r: "/jobs?" in r.url and "region=negev" in r.url):
        negev.check()
    doctor.wait_for_url(re.compile(r"region=negev"))
    expect(filters.get_by_role("checkbox", name=re.compile(r"^Negev"))).to_be_checked()
    expect(results.get_by_role("link", name=POSTING_TITLE)).to_be_visible()
    query = parse_qs(urlsplit(doctor.url).query)
    assert query.get("q") == ["pediatrcs"] and query.get("region") == ["negev"], doctor.url
    # A group shown closed is counted once opened, and stays open as the search changes.
    with doctor.expect_response(lambda r: "/jobs?" in r.url and "open=employer" in r.url):
        filters.get_by_role("link", name="Employer: show the choices").click()
    employer = filters.get_by_role("checkbox", name=re.compile(rf"^{re.escape(ORG_NAME)} \(1\)"))
    expect(employer).to_be_visible()
    with doctor.expect_response(lambda r: "/jobs?" in r.url and re.search(r"q=pediatrcs(\+|%20)clinic", r.url)):
        doctor.get_by_label("Specialty, title, employer or city").fill("pediatrcs clinic")
    doctor.wait_for_url(re.compile(r"q=pediatrcs(\+|%20)clinic"))
    expect(filters.get_by_role("checkbox", name=re.compile(rf"^{re.escape(ORG_NAME)} \("))).to_be_visible()
    assert parse_qs(urlsplit(doctor.url).query).get("open") == ["employer"], doctor.url
    shot(doctor, "search-typo-and-region")
    check_accessibility(doctor, "the search page")

    # The job page.
    results.get_by_role("link", name=POSTING_TITLE).click()
    expect(doctor.get_by_role("heading", name=POSTING_TITLE, level=1)).to_be_visible()
    shot(doctor, "job")
    check_accessibility(doctor, "the job page")

    # Saving it while signed out: sign in, and the page comes back with the posting saved (htmx).
    job_url = doctor.url
    doctor.get_by_role("navigation", name="Main").get_by_role("button", name="Sign out").click()
    doctor.goto(job_url)
    doctor.locator("#how-to-apply").get_by_role("link", name="Save", exact=True).click()
    doctor.get_by_label("E-mail", exact=True).fill(DOCTOR["email"])
    doctor.get_by_label("Password", exact=True).fill(DOCTOR["password"])
    doctor.get_by_role("button", name="Sign in").click()
    expect(doctor.get_by_role("heading", name=POSTING_TITLE, level=1)).to_be_visible()
    expect(doctor.locator("#how-to-apply").get_by_role("button", name="Saved", exact=True)).to_be_visible()
    doctor.get_by_role("navigation", name="Main").get_by_role("link", name="My saved postings").click()
    expect(doctor.get_by_text("1 posting on your list.")).to_be_visible()
    expect(doctor.get_by_role("link", name=POSTING_TITLE)).to_be_visible()
    check_accessibility(doctor, "the saved postings")
    doctor.get_by_role("link", name=POSTING_TITLE).click()
    expect(doctor.get_by_role("heading", name=POSTING_TITLE, level=1)).to_be_visible()
    doctor.get_by_role("link", name="Apply").click()
    expect(doctor.get_by_role("heading", name=f"Apply for {POSTING_TITLE}")).to_be_visible()
    expect(doctor.get_by_text("Not ready to apply")).to_be_visible()
    apply_url = doctor.url

    # Complete the profile ...
    doctor.get_by_role("link", name="your profile").click()
    expect(doctor.get_by_role("heading", name="My profile")).to_be_visible()
    doctor.get_by_label("Profession", exact=True).select_option(label="Physician")
    doctor.get_by_label("Specialty", exact=True).select_option(label="Pediatrics")
    doctor.get_by_label("Seniority", exact=True).select_option(label="Specialist")
    doctor.get_by_label("Years of experience", exact=True).fill("8")
    doctor.get_by_label("Country of medical training").select_option(label="France")
    doctor.get_by_label("Country of residence").select_option(label="France")
    doctor.get_by_label("Planned move (month)").fill("2027-01")
    doctor.get_by_role("group", name="Other languages you work in").get_by_label("French").check()
    doctor.get_by_role("group", name="Regions you would like to work in").get_by_label("Negev").check()
    doctor.get_by_label("Short summary", exact=True).fill("Pediatrician from Lyon, moving with my family.")
    doctor.get_by_role("button", name="Save").click()
    flash(doctor, "Your profile is saved.")
    expect(doctor.get_by_text("Still missing: a CV.")).to_be_visible()

    # ... upload a CV (a real one-page PDF) ...
    doctor.locator(".nav-tabs").get_by_role("link", name="CVs", exact=True).click()
    with tempfile.TemporaryDirectory() as folder:
        cv = Path(folder) / "daniel-doctor-cv.pdf"
        one_page_pdf(cv)
        doctor.get_by_label("CV (PDF, at most 5 MB)").set_input_files(cv)
        doctor.get_by_role("button", name="Upload").click()
    flash(doctor, "The CV is uploaded.")
    expect(doctor.get_by_role("link", name="daniel-doctor-cv.pdf")).to_be_visible()
    expect(doctor.get_by_text("1 page ·")).to_be_visible()

    # ... and apply.
    doctor.goto(apply_url)
    expect(doctor.get_by_text("Ready to apply")).to_be_visible()
    expect(doctor.get_by_label("CV", exact=True)).to_have_value(re.compile(r"\d+"))
    doctor.get_by_label("Cover note", exact=True).fill("I can start in January 2027.")
    shot(doctor, "apply")
    check_accessibility(doctor, "the apply page")
    doctor.get_by_role("button", name="Send the application").click()
    flash(doctor, "Your application is sent.")
    expect(doctor.get_by_role("heading", name="My applications")).to_be_visible()
    expect(doctor.get_by_role("link", name=POSTING_TITLE)).to_be_visible()
    server.mail.wait_for(DOCTOR["email"], f"Your application to {POSTING_TITLE} at {ORG_NAME} was received")

    # The recruiter opens the pipeline and moves the application to interview (htmx).
    recruiter = open_page("recruiter")
    sign_in(recruiter, RECRUITER["email"], RECRUITER["password"])
    open_org(recruiter, "Postings")
    recruiter.get_by_role("link", name=POSTING_TITLE).click()
    recruiter.get_by_role("link", name="Applicants").click()
    recruiter.wait_for_url(re.compile(r"/pipeline$"))  # loaded: htmx is listening
    expect(recruiter.get_by_role("heading", name=f"Applicants for {POSTING_TITLE}")).to_be_visible()
    board = recruiter.locator("#pipeline-board")
    card = board.locator(".pipeline-card").filter(has_text=DOCTOR["name"])
    expect(card).to_have_count(1)
    card.get_by_label(f"Move {DOCTOR['name']} to").select_option(label="Interview")
    with recruiter.expect_response(lambda r: "/move" in r.url and r.request.method == "POST"):
        card.get_by_role("button", name="Move").click()
    interview = board.locator("section").filter(has=recruiter.get_by_role("heading", name=re.compile(r"^Interview")))
    expect(interview.locator(".pipeline-card").filter(has_text=DOCTOR["name"])).to_be_visible()
    shot(recruiter, "pipeline")

    # The recruiter registers for the fair with a table, and generates slots.
    open_org(recruiter, "Fairs")
    fair_row = recruiter.get_by_role("row").filter(has_text="MedEx London")
    fair_row.get_by_role("link", name="Take part").click()
    expect(recruiter.get_by_role("heading", name="Take part in MedEx London")).to_be_visible()
    recruiter.get_by_label("Interview tables", exact=True).fill("Table 1 | Dr. Levi, Ms. Cohen")
    recruiter.get_by_label("Who can book", exact=True).select_option(label="Invited applicants only")
    recruiter.get_by_role("button", name="Register").click()
    flash(recruiter, "You are registered for MedEx London.")
    recruiter.get_by_label("Table", exact=True).select_option(label="Table 1")
    recruiter.get_by_label("From", exact=True).fill("10:00")
    recruiter.get_by_label("Until", exact=True).fill("11:00")
    recruiter.get_by_label("Minutes per interview", exact=True).fill("20")
    recruiter.get_by_label("For the posting (optional)").select_option(label=POSTING_TITLE)
    recruiter.get_by_role("button", name="Add the slots").click()
    flash(recruiter, "3 slots added to Table 1.")
    slots = recruiter.get_by_role("row").filter(has_text="Table 1")
    expect(slots).to_have_count(3)
    expect(slots.first).to_contain_text("10:00–10:20")
    shot(recruiter, "fair-manage")
    STATE["fair_manage_url"] = recruiter.url

    # ... and invites the applicant from the application page.
    open_org(recruiter, "Applicants")
    recruiter.get_by_role("link", name=DOCTOR["name"]).first.click()
    expect(recruiter.get_by_role("heading", name=re.compile(DOCTOR["name"]))).to_contain_text("Interview")
    invite = recruiter.locator("section").filter(
        has=recruiter.get_by_role("heading", name="Invite to book an interview")
    )
    expect(invite.get_by_label("Fair")).to_have_value(str(server.fair_id))
    invite.get_by_role("button", name="Send the invitation").click()
    flash(recruiter, f"{DOCTOR['name']} is invited to book an interview at MedEx London.")
    shot(recruiter, "application-invited")
    invitation = server.mail.wait_for(DOCTOR["email"], "Book your interview with")
    STATE["invitation_url"] = server.mail.url(invitation, f"/fairs/{server.fair_slug}")


# --- journey 3 -----------------------------------------------------------------------------------


def test_journey_3_doctor_books_moves_and_recruiter_prints_agenda(
    page: Page, open_page, live_server: LiveServer, shot
) -> None:
    needs(STATE, "invitation_url", "fair_manage_url")
    server = live_server
    doctor = page

    sign_in(doctor, DOCTOR["email"], DOCTOR["password"])
    doctor.goto(STATE["invitation_url"])
    expect(doctor.get_by_role("heading", name="MedEx London", level=1)).to_be_visible()
    employer = doctor.locator("section").filter(has=doctor.get_by_role("heading", name=ORG_NAME))
    expect(employer).to_be_visible()
    book_buttons = employer.get_by_role("button", name=re.compile(r"^Book "))
    expect(book_buttons).to_have_count(3)
    shot(doctor, "fair-grid")
    check_accessibility(doctor, "the fair booking page")

    # Book the first slot (htmx swaps the grid).
    with doctor.expect_response(lambda r: "/book" in r.url and r.request.method == "POST"):
        employer.get_by_role("button", name=re.compile(r"^Book \w{3} 10:00 Table 1, ")).click()
    employer = doctor.locator("section").filter(has=doctor.get_by_role("heading", name=ORG_NAME))
    expect(employer.get_by_text(re.compile(r"Your interview: .* 10:00 at Table 1"))).to_be_visible()
    expect(employer.get_by_role("button", name=re.compile(r"^Move to "))).to_have_count(2)
    flash(doctor, "Booked:")
    server.mail.wait_for(DOCTOR["email"], "MedEx London is booked")
    shot(doctor, "booked")

    # Move it to 10:40.
    with doctor.expect_response(lambda r: "/move" in r.url and r.request.method == "POST"):
        employer.get_by_role("button", name=re.compile(r"^Move to \w{3} 10:40 Table 1, ")).click()
    expect(employer.get_by_text(re.compile(r"Your interview: .* 10:40 at Table 1"))).to_be_visible()
    flash(doctor, "Your interview is moved")
    server.mail.wait_for(DOCTOR["email"], "MedEx London has moved")
    shot(doctor, "moved")

    # My fair schedule, and the calendar file.
    doctor.get_by_role("link", name="My applications").first.click()
    doctor.locator(".nav-tabs").get_by_role("link", name="My fair schedule").click()
    expect(doctor.get_by_role("heading", name="My fair schedule")).to_be_visible()
    expect(doctor.get_by_text(f"{ORG_NAME}, Table 1")).to_be_visible()
    expect(doctor.locator("main .card strong")).to_have_text(re.compile(r"^\w+day \d{2} \w+, 10:40$"))
    shot(doctor, "my-schedule")
    with doctor.expect_download() as download_info:
        doctor.get_by_role("link", name="Download the calendar (.ics)").click()
    download = download_info.value
    assert download.suggested_filename == "medex-interviews.ics"
    calendar = Calendar.from_ical(Path(download.path()).read_bytes())
    events = [component for component in calendar.walk("VEVENT")]
    assert len(events) == 1, calendar.to_ical().decode()
    event = events[0]
    assert str(event["summary"]) == f"Interview with {ORG_NAME} – MedEx London"
    starts = event.decoded("dtstart")
    assert (starts.date().isoformat(), starts.strftime("%H:%M")) == (server.fair_day, "10:40"), starts
    assert str(starts.tzinfo) in ("Europe/London",) or getattr(starts.tzinfo, "key", "") == "Europe/London"
    assert str(event["status"]) == "CONFIRMED" and int(event["sequence"]) == 1
    assert DOCTOR["email"] in str(event["attendee"])

    # The recruiter sees the booking on the day agenda, and prints it.
    recruiter = open_page("recruiter")
    sign_in(recruiter, RECRUITER["email"], RECRUITER["password"])
    recruiter.goto(STATE["fair_manage_url"])
    booked_row = recruiter.get_by_role("row").filter(has_text=DOCTOR["name"])
    expect(booked_row).to_contain_text("10:40–11:00")
    recruiter.get_by_role("link", name="Day agenda (printable)").click()
    expect(recruiter.get_by_role("heading", name=f"{ORG_NAME} – Table 1")).to_be_visible()
    agenda_row = recruiter.get_by_role("row").filter(has_text=DOCTOR["name"])
    expect(agenda_row).to_contain_text("10:40–11:00")
    expect(agenda_row).to_contain_text(POSTING_TITLE)
    expect(recruiter.get_by_text("Interviewers: Dr. Levi, Ms. Cohen")).to_be_visible()
    shot(recruiter, "agenda")
    recruiter.emulate_media(media="print")
    expect(recruiter.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(recruiter.get_by_role("link", name="← MedEx London")).to_be_hidden()
    expect(agenda_row).to_be_visible()
    printed = shot(recruiter, "agenda-print")
    assert printed.stat().st_size > 0
    pdf_path = printed.with_name(printed.stem + ".pdf")
    recruiter.pdf(path=str(pdf_path), format="A4", print_background=True)
    import pikepdf

    with pikepdf.open(pdf_path) as printed_pdf:
        assert len(printed_pdf.pages) == 1, (
            f"the agenda of one table should print on one page, not {len(printed_pdf.pages)}"
        )
