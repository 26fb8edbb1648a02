"""The administrators' posting pages through HTTP: the queue, the review page with the diff and
the duplicate warning, decisions (mail, audit, history), reports, and the grant catalogue."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from sqlalchemy import select

from jobboard.core.audit import AuditEntry
from jobboard.core.db import utcnow
from jobboard.jobs import reviewing, services
from jobboard.jobs.models import GrantProgram, Posting, PostingReport, PostingStatus, PostingTransition, ReportReason
from tests.factories import GrantProgramFactory
from tests.jobs.helpers import (
    HTML_NS,
    audit_rows,
    changed,
    content,
    count,
    create,
    page_text,
    parse,
    published,
    shown_text,
    submitted,
    text_of,
    transitions_of,
)
from tests.signing_in import sign_in

S = PostingStatus

STAFF = ("recruiter@negev.example.org", "owner@negev.example.org")
NOT_TOLD = ("viewer@negev.example.org", "recruiter@other.example.org", "owner@other.example.org", "doctor@example.org")


def state(db_session) -> list:
    db_session.expire_all()
    return [
        sorted((p.id, p.status.value, p.title, p.expires_at) for p in db_session.scalars(select(Posting))),
        sorted((r.id, r.resolution) for r in db_session.scalars(select(PostingReport))),
        sorted((g.id, g.name, g.valid_to) for g in db_session.scalars(select(GrantProgram))),
        count(PostingTransition),
        count(AuditEntry),
    ]


def grant_form(**overrides) -> dict:
    data = {
        "name": "Galilee relocation grant",
        "funder": "Ministry of the Negev and Galilee",
        "region_slugs": ["galilee-north"],
        "summary": "For immigrant physicians moving north.",
        "amount_note": "ILS 50,000",
        "amount_min_ils": "20000",
        "amount_max_ils": "50000",
        "commitment_years": "3",
        "url": "https://www.gov.il/grant",
        "valid_from": "2030-01-01",
        "valid_to": "2031-12-31",
    }
    return changed(data, overrides)


@pytest.fixture
def admin_world(world, db_session):
    pending = submitted(world)
    live = published(
        world,
        site=world.tlv_site,
        title="Nurse in Tel Aviv",
        profession_slug="nurse",
        specialty_slug=None,
        description_md="A nursing position in the center.",
    )
    grant = GrantProgramFactory(name="Existing grant")
    reviewing.report_posting(live, None, ReportReason.SCAM, "Asks for money")
    db_session.commit()
    return pending, live, grant


# (method, path, data that works for an admin)
ROUTES = [
    ("GET", "/admin/postings", None),
    ("GET", "/admin/postings/{pending}", None),
    ("POST", "/admin/postings/{pending}/approve", {}),
    ("POST", "/admin/postings/{pending}/request-changes", {"reason": "More detail."}),
    ("POST", "/admin/postings/{pending}/reject", {"reason": "No."}),
    ("POST", "/admin/postings/{live}/unpublish", {"reason": "Scam."}),
    ("POST", "/admin/postings/{live}/dismiss-reports", {}),
    ("GET", "/admin/grants", None),
    ("GET", "/admin/grants/new", None),
    ("POST", "/admin/grants/new", "grant"),
    ("GET", "/admin/grants/{grant}/edit", None),
    ("POST", "/admin/grants/{grant}/edit", "grant"),
]
ROUTE_IDS = [f"{m} {p}" for m, p, _d in ROUTES]


def _send(client, admin_world, method, path, data):
    pending, live, grant = admin_world
    url = path.format(pending=pending.id, live=live.id, grant=grant.id)
    if data == "grant":
        data = grant_form()
    return client.get(url) if method == "GET" else client.post(url, data=data or {})


def test_the_route_table_covers_every_posting_and_grant_admin_url(app):
    rules = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/admin/postings", "/admin/grants"))
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    covered = {
        (
            m,
            p.replace("{pending}", "<int:posting_id>")
            .replace("{live}", "<int:posting_id>")
            .replace("{grant}", "<int:grant_id>"),
        )
        for m, p, _d in ROUTES
    }
    assert rules == covered


@pytest.mark.parametrize(("method", "path", "data"), ROUTES, ids=ROUTE_IDS)
def test_admins_can_use_every_url(client, world, admin_world, db_session, method, path, data):
    sign_in(client, world.admin)
    before = state(db_session)
    response = _send(client, admin_world, method, path, data)
    assert response.status_code == (200 if method == "GET" else 302), page_text(response)[:2000]
    if method == "POST":
        assert state(db_session) != before


# --- the queue ---------------------------------------------------------------------------------------


def _queue_rows(response) -> list[list[str]]:
    [table] = parse(response).iter(f"{HTML_NS}table")
    return [
        [" ".join("".join(td.itertext()).split()) for td in tr.findall(f"{HTML_NS}td")]
        for tr in table.iter(f"{HTML_NS}tr")
        if tr.findall(f"{HTML_NS}td")
    ]


def test_the_queue_lists_pending_postings_oldest_first_with_waiting_time(client, world, db_session):
    now = utcnow()
    with time_machine.travel(now - timedelta(days=2, hours=3), tick=False):
        oldest = submitted(world, title="Oldest submission")
    with time_machine.travel(now - timedelta(hours=5), tick=False):
        newest = submitted(
            world,
            site=world.tlv_site,
            title="Newest submission",
            specialty_slug="cardiology",
            description_md="Cardiology in the center, something else.",
        )
    with time_machine.travel(now - timedelta(days=1), tick=False):
        live = published(world, title="Live one", specialty_slug="neurology", description_md="Neurology.")
        revision = services.update_posting(
            live,
            world.recruiter,
            content(world.site, title="Live one, edited", specialty_slug="neurology", description_md="Neurology."),
        )
    create(world, title="Just a draft", specialty_slug="urology", description_md="Urology.")
    db_session.commit()
    with time_machine.travel(now, tick=False):
        # Signed in at the same frozen instant: a session cookie stamped later than the clock
        # reads as not yet valid.
        sign_in(client, world.admin)
        rows = _queue_rows(client.get("/admin/postings"))
    titles = [row[0] for row in rows]
    assert titles[:3] == ["Oldest submission", "Live one, edited", "Newest submission"]
    assert "Just a draft" not in " ".join(titles) and "Live one" not in titles
    assert rows[0][2] == "2 d 3 h" and rows[2][2] == "5 h"
    assert "edit of a published posting" in rows[1][3] and "edit of" not in rows[0][3]
    assert all(row[1] == "Negev Test Medical Center" for row in rows[:3])
    assert (oldest.status, newest.status, revision.status) == (S.PENDING_REVIEW,) * 3


def test_the_queue_and_review_page_flag_a_likely_duplicate(client, world, db_session):
    original = published(world)
    copy = create(world, title=original.title, description_md=original.description_md + " Apply now.")
    services.submit(copy, world.recruiter, acknowledge_duplicate=True)
    db_session.commit()
    sign_in(client, world.admin)
    rows = _queue_rows(client.get("/admin/postings"))
    assert f"likely duplicate of #{original.id}" in rows[0][3]
    review = text_of(client.get(f"/admin/postings/{copy.id}"))
    assert f"Likely duplicate of #{original.id}" in review and "same site and specialty" in review


def test_the_review_page_shows_the_diff_of_an_edit(client, world, db_session):
    live = published(world, description_md="First line.\nSecond line.\nThird line.")
    revision = services.update_posting(
        live,
        world.recruiter,
        content(
            world.site,
            title="Head of pediatrics",
            description_md="First line.\nSecond line, changed.\nThird line.",
            salary_max_ils=50_000,
        ),
    )
    db_session.commit()
    sign_in(client, world.admin)
    response = client.get(f"/admin/postings/{revision.id}")
    assert response.status_code == 200
    text = text_of(response)
    assert f"edit of #{live.id}" in text and "stays published meanwhile" in text
    document = parse(response)
    deleted = ["".join(el.itertext()) for el in document.iter(f"{HTML_NS}del")]
    inserted = ["".join(el.itertext()) for el in document.iter(f"{HTML_NS}ins")]
    assert "Senior pediatrician, children's ward" in deleted and "Head of pediatrics" in inserted
    assert "₪30,000 – ₪45,000 a month" in deleted and "₪30,000 – ₪50,000 a month" in inserted
    [pre] = [el for el in document.iter(f"{HTML_NS}pre") if "diff" in el.get("class", "")]
    lines = "".join(pre.itertext()).splitlines()
    assert "- Second line." in lines and "+ Second line, changed." in lines and "  First line." in lines
    # Unchanged fields are not listed as changes.
    headings = [" ".join("".join(el.itertext()).split()) for el in document.iter(f"{HTML_NS}strong")]
    assert "Title" in headings and "Salary" in headings and "Description" in headings and "Seniority" not in headings
    # A first submission has nothing to compare with.
    fresh = submitted(world, site=world.tlv_site, title="Fresh", specialty_slug="urology", description_md="Urology.")
    db_session.commit()
    assert "Changes since the version approved" not in page_text(client.get(f"/admin/postings/{fresh.id}"))


def test_a_resubmission_after_unpublishing_is_compared_with_the_approved_version(client, world, db_session):
    live = published(world)
    reviewing.unpublish(live, world.admin, "Fix the salary.")
    services.update_posting(live, world.recruiter, content(world.site, salary_min_ils=28_000))
    services.submit(live, world.recruiter)
    db_session.commit()
    sign_in(client, world.admin)
    document = parse(client.get(f"/admin/postings/{live.id}"))
    inserted = ["".join(el.itertext()) for el in document.iter(f"{HTML_NS}ins")]
    assert inserted == ["₪28,000 – ₪45,000 a month"]


# --- decisions --------------------------------------------------------------------------------------


def test_approving_publishes_mails_the_staff_and_audits(client, world, db_session, mailbox):
    posting = submitted(world)
    db_session.commit()
    sign_in(client, world.admin)
    response = client.post(f"/admin/postings/{posting.id}/approve")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/postings"
    db_session.expire_all()
    assert posting.status == S.PUBLISHED and posting.is_listed
    assert [(t.action, t.actor_id) for t in transitions_of(posting)][-1] == ("approve", world.admin.id)
    [entry] = audit_rows("posting.approved")
    assert (entry.actor_id, entry.subject_id) == (world.admin.id, posting.id)
    for address in STAFF:
        message = mailbox.last_to(address)
        assert message["Subject"] == f"Your posting “{posting.title}” is published"
        assert mailbox.link(message, f"/org/{world.org.slug}/postings/{posting.id}")
    for address in NOT_TOLD:
        assert mailbox.to(address) == []
    assert client.get(f"/jobs/{posting.id}-{posting.slug}").status_code == 200


def test_approving_an_edit_merges_it_and_says_so(client, world, db_session, mailbox):
    live = published(world)
    revision = services.update_posting(live, world.recruiter, content(world.site, title="Head of pediatrics"))
    db_session.commit()
    mailbox.clear()
    sign_in(client, world.admin)
    assert client.post(f"/admin/postings/{revision.id}/approve").status_code == 302
    db_session.expire_all()
    assert revision.status == S.MERGED and live.title == "Head of pediatrics" and live.status == S.PUBLISHED
    assert "Your changes to “Head of pediatrics” are approved" in mailbox.text(mailbox.last_to(STAFF[0]))
    public = client.application.test_client().get(f"/jobs/{live.id}", follow_redirects=True)
    assert "Head of pediatrics" in page_text(public)


@pytest.mark.parametrize(
    ("path", "status", "subject", "template_text"),
    [
        (
            "request-changes",
            S.CHANGES_REQUESTED,
            "The moderators ask for changes to your posting “{}”",
            "asks for changes",
        ),
        ("reject", S.REJECTED, "Your posting “{}” was not published", "will not be published"),
    ],
)
def test_decisions_with_a_reason_mail_the_staff(
    client, world, db_session, mailbox, path, status, subject, template_text
):
    posting = submitted(world)
    db_session.commit()
    sign_in(client, world.admin)
    response = client.post(f"/admin/postings/{posting.id}/{path}", data={"reason": "Say which shifts."})
    assert response.status_code == 302
    db_session.expire_all()
    assert posting.status == status and posting.moderator_comment == "Say which shifts."
    row = transitions_of(posting)[-1]
    assert (row.actor_id, row.reason, row.to_status) == (world.admin.id, "Say which shifts.", status)
    [entry] = audit_rows(f"posting.{'changes_requested' if status == S.CHANGES_REQUESTED else 'rejected'}")
    assert entry.reason == "Say which shifts."
    for address in STAFF:
        message = mailbox.last_to(address)
        assert message["Subject"] == subject.format(posting.title)
        assert "Say which shifts." in mailbox.text(message) and template_text in mailbox.text(message)
    for address in NOT_TOLD:
        assert mailbox.to(address) == []
    # The employer sees the comment.
    sign_in(client, world.recruiter)
    assert "Say which shifts." in page_text(client.get(f"/org/{world.org.slug}/postings/{posting.id}"))


@pytest.mark.parametrize("path", ["request-changes", "reject"])
@pytest.mark.parametrize("reason", [None, "", "   ", "bad\x00reason", "x" * 4001])
def test_decisions_without_a_proper_reason_are_422_and_change_nothing(client, world, db_session, mailbox, path, reason):
    posting = submitted(world)
    db_session.commit()
    mailbox.clear()
    sign_in(client, world.admin)
    before = state(db_session)
    response = client.post(f"/admin/postings/{posting.id}/{path}", data={} if reason is None else {"reason": reason})
    assert response.status_code == 422
    assert state(db_session) == before and posting.status == S.PENDING_REVIEW
    assert mailbox.messages() == []


@pytest.mark.parametrize(
    ("stage", "path", "data", "expected"),
    [
        ("draft", "approve", {}, 409),
        ("published", "approve", {}, 409),
        ("rejected", "approve", {}, 409),
        ("draft", "reject", {"reason": "x"}, 409),
        ("published", "request-changes", {"reason": "x"}, 409),
        ("pending", "unpublish", {"reason": "x"}, 409),
        ("draft", "unpublish", {"reason": ""}, 409),
        ("pending", "dismiss-reports", {}, 409),
    ],
)
def test_illegal_decisions_are_clear_4xx(client, world, db_session, stage, path, data, expected):
    posting = {
        "draft": lambda: create(world),
        "published": lambda: published(world),
        "pending": lambda: submitted(world),
    }.get(stage, lambda: None)()
    if stage == "rejected":
        posting = submitted(world)
        reviewing.reject(posting, world.admin, "No.")
    db_session.commit()
    sign_in(client, world.admin)
    before = state(db_session)
    response = client.post(f"/admin/postings/{posting.id}/{path}", data=data)
    assert response.status_code == expected
    text = page_text(response)
    assert "An unexpected error" not in text and ("cannot be" in text or "no open reports" in text)
    assert state(db_session) == before


# --- reports ---------------------------------------------------------------------------------------


def test_reports_show_in_the_queue_and_unpublishing_resolves_them(client, world, db_session, mailbox):
    posting = published(world)
    db_session.commit()
    anonymous = client.application.test_client()
    for reason in ("scam", "inaccurate"):
        assert (
            anonymous.post(f"/jobs/{posting.id}/report", data={"reason": reason, "note": f"Note {reason}"}).status_code
            == 302
        )
    sign_in(client, world.admin)
    queue = text_of(client.get("/admin/postings"))
    assert f"{posting.title} – Negev Test Medical Center" in queue and "2 reports" in queue
    review = text_of(client.get(f"/admin/postings/{posting.id}"))
    assert "Looks like a scam or asks for money: Note scam" in review and "Note inaccurate" in review
    assert client.post(f"/admin/postings/{posting.id}/unpublish", data={"reason": ""}).status_code == 422
    mailbox.clear()
    response = client.post(f"/admin/postings/{posting.id}/unpublish", data={"reason": "Confirmed scam."})
    assert response.status_code == 302
    db_session.expire_all()
    assert posting.status == S.UNPUBLISHED and posting.moderator_comment == "Confirmed scam."
    reports = db_session.scalars(select(PostingReport)).all()
    assert {(r.resolution, r.resolved_by_id) for r in reports} == {("unpublished", world.admin.id)}
    assert "No open reports." in page_text(client.get("/admin/postings"))
    [entry] = audit_rows("posting.unpublished")
    assert entry.details["reports_resolved"] == 2 and entry.reason == "Confirmed scam."
    message = mailbox.last_to(STAFF[0])
    assert message[
        "Subject"
    ] == f"Your posting “{posting.title}” was taken off the board" and "Confirmed scam." in mailbox.text(message)
    assert anonymous.get(f"/jobs/{posting.id}-{posting.slug}").status_code == 404
    assert transitions_of(posting)[-1].reason == "Confirmed scam."


def test_dismissing_reports_keeps_the_posting_up(client, world, db_session):
    posting = published(world)
    reviewing.report_posting(posting, None, ReportReason.OTHER, None)
    db_session.commit()
    sign_in(client, world.admin)
    assert client.post(f"/admin/postings/{posting.id}/dismiss-reports").status_code == 302
    db_session.expire_all()
    assert posting.status == S.PUBLISHED
    assert [r.resolution for r in db_session.scalars(select(PostingReport))] == ["dismissed"]
    assert [e.details["count"] for e in audit_rows("posting.reports_dismissed")] == [1]
    assert "No open reports." in page_text(client.get("/admin/postings"))
    again = client.post(f"/admin/postings/{posting.id}/dismiss-reports")
    assert again.status_code == 409 and "no open reports" in page_text(again)


# --- the grant catalogue ----------------------------------------------------------------------------


def test_admins_create_and_edit_grants(client, world, db_session):
    sign_in(client, world.admin)
    assert client.post("/admin/grants/new", data=grant_form()).status_code == 302
    grant = db_session.scalars(select(GrantProgram)).one()
    assert (grant.name, grant.slug, [r.slug for r in grant.regions]) == (
        "Galilee relocation grant",
        "galilee-relocation-grant",
        ["galilee-north"],
    )
    assert (grant.amount_min_ils, grant.amount_max_ils, grant.commitment_years) == (20_000, 50_000, 3)
    assert (grant.valid_from, grant.valid_to, grant.url) == (
        date(2030, 1, 1),
        date(2031, 12, 31),
        "https://www.gov.il/grant",
    )
    form = page_text(client.get(f"/admin/grants/{grant.id}/edit"))
    assert "Galilee relocation grant" in form
    response = client.post(
        f"/admin/grants/{grant.id}/edit",
        data=grant_form(name="Galilee grant 2031", region_slugs=["galilee-north", "negev"], url="", valid_to=""),
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert grant.name == "Galilee grant 2031" and grant.url is None and grant.valid_to is None
    assert {r.slug for r in grant.regions} == {"galilee-north", "negev"}
    assert [e.subject_id for e in audit_rows("grant.created")] == [grant.id]
    assert [e.subject_id for e in audit_rows("grant.updated")] == [grant.id]


def test_admins_name_a_grant_in_each_language_and_readers_see_their_own(client, world, db_session):
    grant = GrantProgramFactory(name="Negev relocation grant", summary="For clinicians moving south.")
    posting = published(world, grant_ids=[grant.id])
    db_session.commit()
    sign_in(client, world.admin)
    form = parse(client.get(f"/admin/grants/{grant.id}/edit"))
    hebrew_name = next(el for el in form.iter(f"{HTML_NS}input") if el.get("name") == "he-name")
    assert (hebrew_name.get("lang"), hebrew_name.get("dir")) == ("he", "rtl")
    french_summary = next(el for el in form.iter(f"{HTML_NS}textarea") if el.get("name") == "fr-summary")
    assert (french_summary.get("lang"), french_summary.get("dir")) == ("fr", "ltr")

    edit = grant_form(
        name="Negev relocation grant",
        region_slugs=["negev"],
        summary="For clinicians moving south.",
        **{"he-name": "מענק מעבר לנגב", "he-summary": "לאנשי רפואה שעוברים דרומה.", "fr-name": "  ", "ru-summary": ""},
    )
    assert client.post(f"/admin/grants/{grant.id}/edit", data=edit).status_code == 302
    db_session.expire_all()
    assert (grant.names, grant.summaries) == ({"he": "מענק מעבר לנגב"}, {"he": "לאנשי רפואה שעוברים דרומה."})
    assert [e.subject_id for e in audit_rows("grant.updated")] == [grant.id]
    assert 'value="מענק מעבר לנגב"' in client.get(f"/admin/grants/{grant.id}/edit").get_data(as_text=True)

    sign_in(client, world.doctor)
    hebrew = shown_text(client.get(f"/he/jobs/{posting.id}-{posting.slug}"))
    assert "מענק מעבר לנגב" in hebrew and "לאנשי רפואה שעוברים דרומה." in hebrew and "Negev relocation" not in hebrew
    french = shown_text(client.get(f"/fr/jobs/{posting.id}-{posting.slug}"))
    assert "Negev relocation grant" in french and "For clinicians moving south." in french

    sign_in(client, world.admin)
    cleared = {**edit, "he-name": "", "he-summary": ""}
    assert client.post(f"/admin/grants/{grant.id}/edit", data=cleared).status_code == 302
    db_session.expire_all()
    assert (grant.names, grant.summaries) == ({}, {})


@pytest.mark.parametrize(
    "overrides",
    [
        {"region_slugs": None},
        {"region_slugs": ["atlantis"]},
        {"amount_min_ils": "60000", "amount_max_ils": "10000"},
        {"amount_min_ils": "-1"},
        {"amount_max_ils": "9" * 40},
        {"commitment_years": "9" * 40},
        {"valid_from": "2031-01-01", "valid_to": "2030-01-01"},
        {"name": ""},
        {"name": "Grant\x00name"},
        {"summary": "bad\x00summary"},
        {"url": "javascript:alert(1)"},
        {"valid_to": "2030-13-45"},
    ],
    ids=lambda value: repr(value)[:40],
)
def test_invalid_grants_are_422_and_not_stored(client, world, db_session, overrides):
    sign_in(client, world.admin)
    before = state(db_session)
    response = client.post("/admin/grants/new", data=grant_form(**overrides))
    assert response.status_code == 422
    assert state(db_session) == before


def test_an_ended_grant_is_marked_and_cannot_be_added_to_new_postings(client, world, db_session):
    GrantProgramFactory(name="Ended Negev grant", regions=["negev"], valid_to=utcnow().date() - timedelta(days=1))
    current = GrantProgramFactory(name="Current Negev grant", regions=["negev"])
    db_session.commit()
    sign_in(client, world.admin)
    rows = [
        [" ".join("".join(td.itertext()).split()) for td in tr.findall(f"{HTML_NS}td")]
        for tr in parse(client.get("/admin/grants")).iter(f"{HTML_NS}tr")
    ]
    ended_row = next(r for r in rows if r and r[0].startswith("Ended Negev grant"))
    current_row = next(r for r in rows if r and r[0].startswith("Current Negev grant"))
    assert ended_row[3].endswith("ended") and "ended" not in current_row[3]
    sign_in(client, world.recruiter)
    form = page_text(client.get(f"/org/{world.org.slug}/postings/new"))
    assert "Current Negev grant" in form and "Ended Negev grant" not in form
    assert current.id
