"""An employer's applicant-tracking system ("ATS") and the board, end to end, with a real browser for
the people and a plain HTTP client for the system:

1. The hospital's owner, on a phone, makes the system's API key (shown once; revoking a key asks
   once) and registers the system's webhook receiver (its secret shown once).
2. The system creates a posting by its own reference twice (one posting) and submits it; an
   administrator approves it; a doctor applies in the browser; the system's receiver (a real HTTP
   server on loopback checking every signature with the ``standardwebhooks`` library) hears
   ``application.created`` with the system's reference, pulls the application through the API and
   moves it to interview; the doctor gets the mail; the owner reads the delivery log.
3. The API's reference page reads as a document: a heading per operation, its parameters, and
   the schemas.

The served app drains the outbox after each request (``OUTBOX_EAGER``), so mail and webhook
messages leave as the request that made them ends. The posting is dermatology in Jerusalem, which
none of the other modules' searches match.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, LiveServer, assert_fits, check_accessibility, needs
from tests.e2e.test_journeys import sign_in, sign_in_admin
from tests.factories import PASSWORD
from tests.webhooks.receiver import Receiver, ReceiverServer

# One worker runs every journey: they share the served app and build on one another.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

STATE: dict[str, Any] = {}

ORG_NAME = "Jerusalem Skin Institute"
OWNER_EMAIL = "owner@jerusalem-skin.example"
DOCTOR = {"name": "Noa Dermatologist", "email": "noa.derm@mail.example"}
REFERENCE = "REQ-2027-0415"
TITLE = "Dermatologist, Jerusalem skin institute"
KEY_NAME = "Applicant tracking (production)"


@pytest.fixture(scope="module")
def institute(live_server: LiveServer) -> Iterator[SimpleNamespace]:
    """A verified hospital with its owner and a site in Jerusalem, and a doctor ready to apply
    (a complete profile and a CV)."""
    from jobboard.extensions import db
    from jobboard.orgs.models import Role
    from tests.applications.conftest import complete_profile, stored_cv
    from tests.factories import DoctorFactory, MembershipFactory, OrganizationFactory, SiteFactory

    with live_server.app.app_context():  # type: ignore[attr-defined]
        org = OrganizationFactory(name=ORG_NAME, slug="jerusalem-skin-institute")
        MembershipFactory(org=org, role=Role.OWNER, user__email=OWNER_EMAIL, user__full_name="Ayelet Owner")
        site = SiteFactory(org=org, name="Mount Scopus building", city_slug="jerusalem", lat=31.79, lon=35.24)
        doctor = DoctorFactory(email=DOCTOR["email"], full_name=DOCTOR["name"])
        complete_profile(doctor, specialty_slug="dermatology-and-venereology")
        stored_cv(doctor, "noa-cv.pdf")
        db.session.commit()
        world = SimpleNamespace(org_slug=org.slug, site_id=site.id)
        db.session.remove()
    yield world
    live_server.app.extensions.pop("search_catalogue", None)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def receiver() -> Iterator[ReceiverServer]:
    """The system's webhook receiver, up for the whole module; it learns its secret from the page
    that shows it."""
    with ReceiverServer(Receiver()) as server:
        yield server


# --- the system: a plain HTTP client of the API --------------------------------------------------


class Ats:
    """What an applicant-tracking system does with the API: JSON over HTTP with its key."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url
        self.token = token
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, never a proxy

    def call(self, method: str, path: str, body: object = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers, method=method)  # noqa: S310 - http on loopback
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")


def wait_for_event(server: ReceiverServer, event: str, timeout: float = 15.0) -> dict[str, Any]:
    """The first message of that type the receiver accepted (verified, once per webhook-id)."""
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in list(server.receiver.events.values()) if m["type"] == event]
        if found:
            return found[0]
        if time.monotonic() > deadline:
            seen = [m["type"] for m in server.receiver.events.values()]
            raise AssertionError(f"no {event} message; received {seen}, refused {server.receiver.rejected}")
        time.sleep(0.1)


def posting_body(site_id: int, **overrides: object) -> dict[str, object]:
    return {
        "reference": REFERENCE,
        "title": TITLE,
        "profession": "physician",
        "specialty": "dermatology-and-venereology",
        "seniority": "specialist",
        "employment_type": "full_time",
        "site_id": site_id,
        "licence_requirement": "israeli_licence",
        "hebrew_level": 3,
        "description": "Our dermatology service in Jerusalem looks for a **dermatologist**.\n\n- mole mapping\n- teaching",
        "salary_min_ils": 36000,
        "salary_max_ils": 46000,
        "duration_days": 60,
    } | overrides


# --- 1. the owner's pages ------------------------------------------------------------------------


def test_ats_1_the_owner_makes_a_key_and_registers_the_receiver_on_a_phone(
    open_sized, live_server: LiveServer, institute: SimpleNamespace, receiver: ReceiverServer, shot
) -> None:
    owner = open_sized("owner", PHONE)
    sign_in(owner, OWNER_EMAIL, PASSWORD)
    owner.goto(f"/org/{institute.org_slug}/api-keys")
    expect(owner.get_by_role("heading", name=ORG_NAME)).to_be_visible()
    expect(owner.locator(".nav-tabs .nav-link[aria-current=page]")).to_have_text("API keys")
    expect(owner.get_by_text("No keys yet.")).to_be_visible()
    check_accessibility(owner, "the API keys page")
    assert_fits(owner, PHONE)

    # A first key, to read postings only: shown once, then only its prefix.
    owner.get_by_label("Name", exact=True).fill("Old careers page")
    owner.get_by_label("Read postings and their status").check()
    owner.get_by_role("button", name="Make the key").click()
    expect(owner.get_by_text("The key “Old careers page” is made.")).to_be_visible()
    shown = owner.get_by_label("The key", exact=True)
    old_token = shown.input_value()
    shown_prefix = re.match(r"jbk_[0-9a-f]+_", old_token)
    assert shown_prefix, old_token
    shot(owner, "key-shown-once")
    check_accessibility(owner, "the API keys page showing a new key")
    assert_fits(owner, PHONE)
    owner.goto(f"/org/{institute.org_slug}/api-keys")
    row = owner.get_by_role("row").filter(has_text="Old careers page")
    expect(row).to_contain_text(shown_prefix.group(0) + "…")
    expect(row).to_contain_text("Read postings and their status")
    expect(row).to_contain_text("Never")
    assert old_token not in owner.content()
    expect(owner.get_by_label("The key", exact=True)).to_have_count(0)

    # Revoking asks once: a refusal keeps the key, a yes revokes it.
    questions: list[str] = []

    def answer(dialog, accept: bool) -> None:  # type: ignore[no-untyped-def]
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    owner.once("dialog", lambda dialog: answer(dialog, accept=False))
    row.get_by_role("button", name="Revoke").click()
    expect(row.get_by_role("button", name="Revoke")).to_be_visible()
    assert questions == ["Revoke the key “Old careers page”? Systems using it stop working at once."], questions
    owner.once("dialog", lambda dialog: answer(dialog, accept=True))
    row.get_by_role("button", name="Revoke").click()
    expect(owner.locator("#flash-area")).to_contain_text("The key “Old careers page” is revoked: it no longer works.")
    expect(owner.get_by_role("row").filter(has_text="Old careers page")).to_contain_text("Revoked")
    assert len(questions) == 2, questions
    status, problem = Ats(live_server.url, old_token).call("GET", "/api/v1/postings")
    assert status == 401 and problem["status"] == 401, (status, problem)

    # The system's key, with every permission.
    owner.get_by_label("Name", exact=True).fill(KEY_NAME)
    for scope in owner.get_by_role("group", name="Permissions").get_by_role("checkbox").all():
        scope.check()
    owner.get_by_role("button", name="Make the key").click()
    token = owner.get_by_label("The key", exact=True).input_value()
    assert token.startswith("jbk_") and token != old_token

    # The webhooks page: the receiver's address and the events the system wants.
    owner.locator(".nav-tabs").get_by_role("link", name="Webhooks", exact=True).click()
    expect(owner.get_by_text("No endpoints yet.")).to_be_visible()
    check_accessibility(owner, "the webhooks page")
    assert_fits(owner, PHONE)
    owner.get_by_label("Address (URL)").fill(receiver.url)
    owner.get_by_label("Description", exact=True).fill("Applicant tracking")
    for event in ("application.created", "application.stage_changed", "posting.published"):
        owner.get_by_role("checkbox", name=re.compile(re.escape(event) + "$")).check()
    shot(owner, "webhook-form")
    owner.get_by_role("button", name="Add the endpoint").click()
    secret = owner.locator("#webhook-secret").inner_text().strip()
    assert secret.startswith("whsec_"), secret
    expect(owner.get_by_role("alert")).to_contain_text("it is shown only this once")
    shot(owner, "webhook-secret-shown-once")
    check_accessibility(owner, "the page showing the signing secret")
    assert_fits(owner, PHONE)
    receiver.receiver.secret = secret
    owner.get_by_role("link", name="I have copied it").click()
    expect(owner.get_by_role("heading", name="Delivery log")).to_be_visible()
    expect(owner.get_by_text("No messages yet.")).to_be_visible()
    assert secret not in owner.content()
    endpoint_url = owner.url
    check_accessibility(owner, "the endpoint page")
    assert_fits(owner, PHONE)

    STATE.update(token=token, endpoint_url=endpoint_url)


# --- 2. the system, the administrator and the doctor ---------------------------------------------


def test_ats_2_the_system_posts_hears_of_the_applicant_and_moves_them_to_interview(
    open_sized, live_server: LiveServer, institute: SimpleNamespace, receiver: ReceiverServer, shot
) -> None:
    needs(STATE, "token", "endpoint_url")
    server = live_server
    ats = Ats(server.url, STATE["token"])

    # The same reference twice: one posting, changed by the second request.
    status, first = ats.call("POST", "/api/v1/postings", posting_body(institute.site_id))
    assert status == 201 and first["status"] == "draft", (status, first)
    status, second = ats.call("POST", "/api/v1/postings", posting_body(institute.site_id, salary_max_ils=48000))
    assert status == 200 and second["id"] == first["id"] and second["salary_max_ils"] == 48000, (status, second)
    status, listed = ats.call("GET", f"/api/v1/postings?reference={REFERENCE}")
    assert status == 200 and [p["id"] for p in listed["items"]] == [first["id"]], listed
    posting_id = first["id"]
    status, submitted = ats.call("POST", f"/api/v1/postings/{posting_id}/submit", {})
    assert status == 200 and submitted["status"] == "pending_review", (status, submitted)

    # An administrator approves it from the moderation queue.
    admin = open_sized("admin", DESKTOP)
    sign_in_admin(admin, server)
    admin.get_by_role("link", name="Moderation", exact=True).click()
    admin.get_by_role("link", name=TITLE).click()
    expect(admin.get_by_role("heading", name=TITLE)).to_be_visible()
    admin.get_by_role("button", name="Approve and publish").click()
    expect(admin.locator("#flash-area")).to_contain_text("is published.")

    published = wait_for_event(receiver, "posting.published")
    assert published["data"]["posting_id"] == posting_id
    assert published["data"]["posting_reference"] == REFERENCE
    status, posting = ats.call("GET", f"/api/v1/postings/{posting_id}")
    assert status == 200 and posting["status"] == "published" and posting["url"], posting

    # The doctor applies in the browser.
    applied_after = (datetime.now(UTC) - timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
    doctor = open_sized("doctor", DESKTOP)
    sign_in(doctor, DOCTOR["email"], PASSWORD)
    doctor.goto(posting["url"])
    expect(doctor.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    doctor.get_by_role("link", name="Apply").first.click()
    expect(doctor.get_by_role("heading", name=f"Apply for {TITLE}")).to_be_visible()
    expect(doctor.get_by_text("Ready to apply")).to_be_visible()
    doctor.get_by_label("Cover note", exact=True).fill("I could start in the spring.")
    doctor.get_by_role("button", name="Send the application").click()
    expect(doctor.locator("#flash-area")).to_contain_text("Your application is sent.")
    server.mail.wait_for(DOCTOR["email"], f"Your application to {TITLE} at {ORG_NAME} was received")

    # The system hears of it, matches it to its own record and pulls it.
    created = wait_for_event(receiver, "application.created")
    assert created["data"]["posting_reference"] == REFERENCE and created["data"]["stage"] == "applied", created
    application_id = created["data"]["application_id"]
    assert "I could start" not in json.dumps(created) and DOCTOR["email"] not in json.dumps(created)
    status, page = ats.call("GET", f"/api/v1/applications?updated_since={applied_after}")
    assert status == 200 and [a["id"] for a in page["items"]] == [application_id], page
    status, application = ats.call("GET", f"/api/v1/applications/{application_id}")
    assert status == 200, application
    assert application["posting_reference"] == REFERENCE and application["stage"] == "applied"
    assert application["doctor"]["email"] == DOCTOR["email"] and application["doctor"]["name"] == DOCTOR["name"]
    assert application["cover_note"] == "I could start in the spring."

    # ... and moves it to interview: the doctor hears of it as from the pipeline board.
    status, moved = ats.call("POST", f"/api/v1/applications/{application_id}/stage", {"stage": "interview"})
    assert status == 200 and moved["stage"] == "interview", (status, moved)
    assert [step["to_stage"] for step in moved["history"]] == ["applied", "interview"]
    mail = server.mail.wait_for(DOCTOR["email"], "is now at the “Interview” step")
    assert str(mail["Subject"]) == f"Your application to {TITLE} at {ORG_NAME} is now at the “Interview” step"
    changed = wait_for_event(receiver, "application.stage_changed")
    assert changed["data"] | {"application_id": 0} == {
        "application_id": 0,
        "posting_id": posting_id,
        "posting_reference": REFERENCE,
        "from_stage": "applied",
        "to_stage": "interview",
    }
    assert receiver.receiver.rejected == [] and receiver.receiver.duplicates == 0
    doctor.reload()  # My applications
    expect(doctor.get_by_role("heading", name="My applications")).to_be_visible()
    expect(doctor.locator("main")).to_contain_text("Interview")

    # The owner reads the delivery log: each message delivered at the first attempt.
    owner = open_sized("owner", PHONE)
    sign_in(owner, OWNER_EMAIL, PASSWORD)
    owner.goto(STATE["endpoint_url"])
    log = owner.get_by_role("table")
    for event in ("posting.published", "application.created", "application.stage_changed"):
        row = log.get_by_role("row").filter(has=owner.get_by_text(event, exact=True))
        expect(row).to_have_count(1)
        expect(row).to_contain_text("delivered")
        expect(row.get_by_role("cell").nth(3)).to_have_text("1")
        expect(row.get_by_role("cell").nth(4)).to_have_text("204")
    shot(owner, "delivery-log")
    check_accessibility(owner, "the delivery log")
    assert_fits(owner, PHONE)
    log.get_by_role("link", name="application.created").click()
    expect(owner.get_by_text(REFERENCE).first).to_be_visible()
    check_accessibility(owner, "a delivered message")
    assert_fits(owner, PHONE)


# --- 3. the reference page -----------------------------------------------------------------------


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_api_reference_page_reads_as_a_document(
    open_sized, live_server: LiveServer, viewport: dict[str, int], shot
) -> None:
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
        live_server.url + "/api/v1/openapi.json", timeout=20
    ) as response:
        document = json.loads(response.read())
    operations = [
        (method.upper(), path, spec, [*item.get("parameters", []), *spec.get("parameters", [])])
        for path, item in document["paths"].items()
        for method, spec in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert len(operations) >= 11, operations
    reader = open_sized("developer", viewport)
    reader.goto("/api/v1/docs")
    expect(reader.get_by_role("heading", name="API reference", level=1)).to_be_visible()
    for method, path, spec, parameters in operations:
        heading = reader.get_by_role("heading", level=3, name=f"{method} {path}", exact=True)
        expect(heading).to_have_count(1)
        card = reader.locator("article").filter(has=heading)
        expect(card).to_contain_text(spec["summary"])
        for parameter in parameters:
            expect(card.get_by_role("row").filter(has_text=parameter["name"]).first).to_be_visible()
    listing = reader.locator("article").filter(
        has=reader.get_by_role("heading", level=3, name="GET /api/v1/applications", exact=True)
    )
    for name in ("updated_since", "cursor", "limit"):
        expect(listing.get_by_role("row").filter(has_text=name).first).to_contain_text("query")
    expect(reader.get_by_role("heading", name="Schemas", level=2)).to_be_visible()
    for name in document["components"]["schemas"]:
        expect(reader.get_by_role("heading", name=name, level=3, exact=True)).to_have_count(1)
    posting_input = reader.locator("#schema-PostingInput ~ table").first
    reference_row = posting_input.get_by_role("row").filter(has_text="reference").first
    expect(reference_row.get_by_role("cell").first).to_have_text(re.compile(r"^reference\s*string · required$"))
    expect(reference_row.get_by_role("cell").nth(1)).to_contain_text("Your own reference for the position")
    shot(reader, "reference")
    check_accessibility(reader, "the API reference")
    assert_fits(reader, viewport)
