"""The licence file in the browser: a doctor picks a track, uploads two documents and applies
sharing one of them; the recruiter sees the licence readiness summary and can download only the
shared document."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer, check_accessibility
from tests.e2e.test_journeys import flash, one_page_pdf, sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

TRACK = "Exam exemption: graduates of listed countries"
DIPLOMA = "Medical diploma with dates of study"
PASSPORT = "Certified passport copy"


@pytest.fixture(scope="module")
def licence_world(live_server: LiveServer) -> Iterator[SimpleNamespace]:
    from jobboard.extensions import db
    from jobboard.orgs.models import Role
    from tests.applications.conftest import make_posting, ready_doctor
    from tests.factories import MembershipFactory, OrganizationFactory, SiteFactory, StaffFactory

    with live_server.app.app_context():  # type: ignore[attr-defined]
        org = OrganizationFactory(name="Galilee Licence Test Hospital", slug="galilee-licence-test")
        recruiter = MembershipFactory(
            org=org, role=Role.RECRUITER, user=StaffFactory(email="recruiter@galilee-licence.example")
        ).user
        posting = make_posting(org, SiteFactory(org=org), title="Internist, licence journey")
        doctor, _cv = ready_doctor(email="licence.doctor@mail.example", full_name="Lea Licence")
        db.session.commit()
        world = SimpleNamespace(
            org_slug=org.slug, recruiter=recruiter.email, doctor=doctor.email, posting_id=posting.id
        )
        db.session.remove()
    yield world


def upload(page: Page, document: str, path: Path, issued_on: str, expires_on: str | None = None) -> None:
    page.locator(".list-group-item", has_text=document).get_by_role("link", name="Upload").click()
    expect(page.get_by_role("heading", name=document)).to_be_visible()
    page.get_by_label("File (PDF, JPEG or PNG, at most 5 MB)").set_input_files(path)
    page.get_by_label("Issue date").fill(issued_on)
    if expires_on:
        page.get_by_label("Expiry date").fill(expires_on)
    page.get_by_role("button", name="Upload").click()
    flash(page, "The document is uploaded.")


def test_a_doctor_shares_one_document_and_the_recruiter_downloads_only_it(
    page: Page, open_page, licence_world: SimpleNamespace, shot
) -> None:
    doctor = page
    sign_in(doctor, licence_world.doctor, PASSWORD)
    doctor.goto("/en/me/licence")
    doctor.get_by_label("Your licence track").select_option(label=TRACK)
    doctor.get_by_role("button", name="Choose this track").click()
    flash(doctor, "Your track is saved.")
    expect(doctor.locator(".list-group-item", has_text=DIPLOMA)).to_contain_text("Missing")

    with tempfile.TemporaryDirectory() as folder:
        diploma, passport = Path(folder) / "diploma.pdf", Path(folder) / "passport.png"
        one_page_pdf(diploma)
        from PIL import Image

        Image.new("RGB", (60, 40), (10, 120, 200)).save(passport)
        upload(doctor, DIPLOMA, diploma, "2016-06-30")
        upload(doctor, PASSPORT, passport, "2022-01-10", "2032-01-09")

    expect(doctor.locator(".list-group-item", has_text=DIPLOMA)).to_contain_text("Uploaded")
    doctor.get_by_label("Provisional licence expected (month)").fill("2027-03")
    doctor.get_by_role("button", name="Save the milestones").click()
    flash(doctor, "Your milestones are saved.")
    check_accessibility(doctor, "the doctor's licence file")
    shot(doctor, "licence-file")

    doctor.goto(f"/en/jobs/{licence_world.posting_id}/apply")
    expect(doctor.get_by_label(DIPLOMA)).not_to_be_checked()  # nothing is shared unless ticked
    doctor.get_by_label(DIPLOMA).check()
    doctor.get_by_role("button", name="Send the application").click()
    flash(doctor, "Your application is sent.")
    expect(doctor.get_by_text("Licence documents the employer may see:")).to_be_visible()

    recruiter = open_page("recruiter")
    sign_in(recruiter, licence_world.recruiter, PASSWORD)
    recruiter.goto(f"/en/org/{licence_world.org_slug}/applicants")
    summary = f"{TRACK} · 2 of 10 documents · provisional licence expected March 2027"
    expect(recruiter.locator("#applicant-results")).to_contain_text(summary)
    recruiter.get_by_role("link", name="Lea Licence").click()
    expect(recruiter.locator("main")).to_contain_text(summary)
    expect(recruiter.get_by_role("link", name=PASSPORT)).to_have_count(0)
    check_accessibility(recruiter, "the application with its licence readiness")
    shot(recruiter, "application-licence")

    shared = recruiter.get_by_role("link", name=DIPLOMA)
    with recruiter.expect_download() as download_info:
        shared.click()
    download = download_info.value
    assert download.suggested_filename == "diploma.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF-")
    # The passport is not shared: its address, guessed from the diploma's, answers 404.
    href = shared.get_attribute("href") or ""
    base, diploma_id = href.rsplit("/", 1)
    others = [base + "/" + str(int(diploma_id) + step) for step in (1, -1)]
    assert all(recruiter.request.get(url).status == 404 for url in others)
