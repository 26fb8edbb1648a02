"""The employer's posting pages and the public posting page through HTTP: every URL for recruiters
and owners and what a viewer is offered (who is refused where, ``tests/security/test_authorization.py``
proves), form validation, lifecycle buttons, the public page (canonical address, 410, previews,
JSON-LD, sanitised Markdown), the renewal link and reports."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import html5lib
import pytest
import time_machine
from sqlalchemy import select

from jobboard.core.db import utcnow
from jobboard.jobs import queries, renewal, reviewing, services, view_counts
from jobboard.jobs.models import CloseReason, Posting, PostingReport, PostingStatus, PostingTransition, PostingViewCount
from jobboard.orgs.models import OrgStatus
from tests.factories import GrantProgramFactory
from tests.jobs.helpers import (
    HTML_NS,
    count,
    create,
    form_data,
    json_ld,
    page_text,
    parse,
    published,
    shown_text,
    submitted,
    transitions_of,
)
from tests.signing_in import sign_in

S = PostingStatus
T0 = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)


def state(db_session) -> list[tuple]:
    """Everything a posting URL could change, read fresh."""
    db_session.expire_all()
    return [
        sorted(
            (p.id, p.org_id, p.status.value, p.title, p.expires_at, p.revision_of_id, p.closed_reason)
            for p in db_session.scalars(select(Posting))
        ),
        count(PostingTransition),
    ]


# --- every /org/<slug>/postings URL, by role ------------------------------------------------------

# (method, path under /org/<slug>/postings, the posting it needs, form data that works for a recruiter)
ROUTES = [
    ("GET", "", None, None),
    ("GET", "/new", None, None),
    ("POST", "/new", None, "form"),
    ("GET", "/grant-choices?site_id={site}", None, None),
    ("GET", "/{id}", "draft", None),
    ("GET", "/{id}/edit", "draft", None),
    ("POST", "/{id}/edit", "draft", "form"),
    ("POST", "/{id}/submit", "draft", {}),
    ("POST", "/{id}/withdraw", "pending", {}),
    ("POST", "/{id}/close", "published", {"reason": "filled"}),
    ("POST", "/{id}/renew", "published", {}),
    ("POST", "/{id}/duplicate", "published", {}),
    ("POST", "/{id}/delete", "draft", {}),
]
ROUTE_IDS = [f"{method} {path.split('?')[0] or '/'}" for method, path, _p, _d in ROUTES]


@pytest.fixture
def postings(world, db_session):
    with time_machine.travel(utcnow() - timedelta(days=1)):
        # Renewing needs some time since the approval; made a day ago.
        p = {"published": published(world, title="Published pediatrician")}
    p["draft"] = create(
        world,
        title="Draft internist",
        specialty_slug="internal-medicine",
        description_md="Internal medicine ward, long description of duties and benefits.",
    )
    p["pending"] = submitted(
        world,
        site=world.tlv_site,
        title="Pending nurse",
        profession_slug="nurse",
        specialty_slug=None,
        description_md="Nursing position in Tel Aviv.",
    )
    db_session.commit()
    return p


def _url(world, postings, path: str, org_slug: str | None = None, posting_key: str | None = None) -> str:
    filled = path.format(id=postings[posting_key].id if posting_key else "", site=world.site.id)
    return f"/org/{org_slug or world.org.slug}/postings{filled}"


def _send(client, world, method, url, data):
    if data == "form":
        data = form_data(
            world.site,
            title="Brand new anesthesiologist",
            specialty_slug="anesthesiology",
            description_md="Operating theatres and ICU; an entirely different text.",
        )
    return client.get(url) if method == "GET" else client.post(url, data=data or {})


def test_the_route_table_covers_every_org_posting_url(app):
    rules = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("jobs.") and rule.rule.startswith("/org/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    covered = {
        (method, "/org/<org_slug>/postings" + path.split("?")[0].replace("{id}", "<int:posting_id>"))
        for method, path, _p, _d in ROUTES
    }
    # The description's preview changes nothing: tests/jobs/test_preview.py.
    assert rules == covered | {("POST", "/org/<org_slug>/postings/preview")}


@pytest.mark.parametrize(("path", "key"), [("", None), ("/{id}", "draft")], ids=["list", "posting"])
def test_viewers_are_offered_nothing_that_changes_a_posting(client, world, postings, path, key):
    """What a viewer may not do, the route matrix proves refused; the pages do not offer it either."""
    sign_in(client, world.viewer)
    response = client.get(_url(world, postings, path, posting_key=key))
    assert response.status_code == 200
    actions = [f.get("action", "") for f in parse(response).iter(f"{HTML_NS}form")]
    assert not [a for a in actions if "/postings" in a], actions
    links = [a.get("href", "") for a in parse(response).iter(f"{HTML_NS}a")]
    assert not [h for h in links if h.endswith(("/edit", "/postings/new"))], links


@pytest.mark.parametrize("who", ["recruiter", "owner"])
@pytest.mark.parametrize(("method", "path", "key", "data"), ROUTES, ids=ROUTE_IDS)
def test_recruiters_and_owners_can_use_every_url(client, world, postings, db_session, who, method, path, key, data):
    sign_in(client, getattr(world, who))
    before = state(db_session)
    response = _send(client, world, method, _url(world, postings, path, posting_key=key), data)
    if method == "GET":
        assert response.status_code == 200
    else:
        assert response.status_code == 302, page_text(response)
        assert state(db_session) != before


# --- creating and editing through the form ----------------------------------------------------------


def test_a_recruiter_creates_a_draft(client, world, db_session):
    grant = GrantProgramFactory(name="Negev grant")
    db_session.commit()
    sign_in(client, world.recruiter)
    form = client.get(f"/org/{world.org.slug}/postings/new")
    assert form.status_code == 200 and "Negev grant" in page_text(form)
    response = client.post(
        f"/org/{world.org.slug}/postings/new",
        data=form_data(world.site, grant_ids=[str(grant.id)], start_date="2030-09-01", duration_days="45"),
    )
    assert response.status_code == 302
    posting = db_session.scalars(select(Posting)).one()
    assert response.headers["Location"] == f"/org/{world.org.slug}/postings/{posting.id}"
    assert (posting.status, posting.title, posting.site_id, posting.duration_days) == (
        S.DRAFT,
        "Senior pediatrician, children's ward",
        world.site.id,
        45,
    )
    assert posting.grants == [grant] and posting.start_date == date(2030, 9, 1)
    assert [lang.code for lang in posting.languages] == ["en", "ru"]


def test_the_grant_choices_follow_the_site(client, world, db_session):
    GrantProgramFactory(name="Negev grant", regions=["negev"])
    GrantProgramFactory(name="Center grant", regions=["center"])
    GrantProgramFactory(name="Ended Negev grant", regions=["negev"], valid_to=date(2020, 1, 1))
    db_session.commit()
    sign_in(client, world.recruiter)
    negev = page_text(client.get(f"/org/{world.org.slug}/postings/grant-choices?site_id={world.site.id}"))
    center = page_text(client.get(f"/org/{world.org.slug}/postings/grant-choices?site_id={world.tlv_site.id}"))
    assert "Negev grant" in negev and "Center grant" not in negev and "Ended Negev grant" not in negev
    assert "Center grant" in center and "Negev grant" not in center


def test_every_field_error_is_listed_above_the_form_with_a_link_to_its_field(client, world, db_session):
    sign_in(client, world.recruiter)
    response = client.post(
        f"/org/{world.org.slug}/postings/new", data=form_data(world.site, title="", seniority="", duration_days="0")
    )
    assert response.status_code == 422
    summary = re.search(
        r'<div class="alert alert-danger" role="alert">\s*<p class="mb-1">(.*?)</div>',
        response.get_data(as_text=True),
        re.S,
    ).group(1)
    assert "Correct 3 fields:" in summary
    assert [link for link in re.findall(r'href="#([\w-]+)"', summary)] == ["title", "seniority", "duration_days"]


def test_a_new_posting_ticks_the_regions_grants_and_leaves_the_seniority_to_choose(client, world, db_session):
    negev = GrantProgramFactory(name="Negev grant", regions=["negev"])
    center = GrantProgramFactory(name="Center grant", regions=["center"])
    db_session.commit()
    sign_in(client, world.recruiter)
    form = client.get(f"/org/{world.org.slug}/postings/new").get_data(as_text=True)
    # The first site (Beersheba Campus, in the Negev) is chosen: its region's grants are ticked.
    assert re.search(rf'<input[^>]*checked[^>]*value="{negev.id}"|<input[^>]*value="{negev.id}"[^>]*checked', form)
    swapped = client.get(f"/org/{world.org.slug}/postings/grant-choices?site_id={world.tlv_site.id}")
    assert re.search(
        rf'value="{center.id}"[^>]*checked|checked[^>]*value="{center.id}"', swapped.get_data(as_text=True)
    )
    seniority = re.search(r'<select[^>]*id="seniority"[^>]*>(.*?)</select>', form, re.S).group(1)
    assert seniority.startswith('<option value="">Choose…</option>') and "selected" not in seniority
    refused = client.post(f"/org/{world.org.slug}/postings/new", data=form_data(world.site, seniority=""))
    assert refused.status_code == 422


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"salary_min_ils": "50000", "salary_max_ils": "40000"}, "The lowest salary cannot be above the highest."),
        ({"specialty_slug": ""}, "A physician's position needs a specialty."),
        ({"duration_days": "200"}, None),
        ({"duration_days": "0"}, None),
        ({"duration_days": "abc"}, None),
        ({"duration_days": None}, None),
        ({"salary_min_ils": "-10"}, None),
        ({"salary_max_ils": "9" * 40}, None),
        ({"duration_days": "9" * 40}, None),
        ({"hebrew_level": "9" * 40}, None),
        ({"site_id": "9" * 40}, None),
        ({"site_id": "abc"}, None),
        ({"grant_ids": ["9" * 40]}, None),
        ({"salary_min_ils": "1e5"}, None),
        ({"title": "Senior\x00pediatrician"}, "Remove the control characters"),
        ({"description_md": "Line one\x00line two"}, "Remove the control characters"),
        ({"title": ""}, None),
        ({"title": "x" * 161}, None),
        ({"description_md": ""}, None),
        ({"profession_slug": "physician\x00"}, None),
        ({"language_codes": ["he"]}, None),
        ({"seniority": "emperor"}, None),
        ({"start_date": "2030-02-30"}, None),
    ],
    ids=lambda value: repr(value)[:50],
)
def test_invalid_forms_answer_422_and_store_nothing(client, world, db_session, overrides, message):
    sign_in(client, world.recruiter)
    response = client.post(f"/org/{world.org.slug}/postings/new", data=form_data(world.site, **overrides))
    assert response.status_code == 422
    if message:
        assert message in page_text(response)
    assert count(Posting) == 0


def test_sites_and_grants_the_org_may_not_use_are_refused(client, world, db_session):
    north = GrantProgramFactory(name="North grant", regions=["galilee-north"])
    ended = GrantProgramFactory(name="Ended grant", valid_to=date(2020, 1, 1))
    db_session.commit()
    sign_in(client, world.recruiter)
    for overrides in (
        {"site_id": str(world.other_site.id)},
        {"grant_ids": [str(north.id)]},
        {"grant_ids": [str(ended.id)]},
    ):
        response = client.post(f"/org/{world.org.slug}/postings/new", data=form_data(world.site, **overrides))
        assert response.status_code == 422, overrides
    assert count(Posting) == 0


def test_an_edit_form_with_bad_values_changes_nothing(client, world, postings, db_session):
    sign_in(client, world.recruiter)
    draft = postings["draft"]
    before = state(db_session)
    response = client.post(
        f"/org/{world.org.slug}/postings/{draft.id}/edit",
        data=form_data(world.site, title="New title", salary_min_ils="9", salary_max_ils="1"),
    )
    assert response.status_code == 422 and "The lowest salary cannot be above the highest." in page_text(response)
    assert state(db_session) == before


def test_editing_a_published_posting_keeps_the_live_version_public_until_approved(client, world, postings, db_session):
    live = postings["published"]
    sign_in(client, world.recruiter)
    edit = client.get(f"/org/{world.org.slug}/postings/{live.id}/edit")
    assert "go to review" in page_text(edit)
    response = client.post(
        f"/org/{world.org.slug}/postings/{live.id}/edit",
        data=form_data(world.site, title="Head of pediatrics"),
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "submitted for review" in page_text(response) and "An edit of this posting is pending review" in page_text(
        response
    )
    revision = queries.open_revision(live)
    assert revision.status == S.PENDING_REVIEW and revision.title == "Head of pediatrics"

    anonymous = client.application.test_client()
    public = anonymous.get(f"/jobs/{live.id}-{live.slug}")
    assert public.status_code == 200
    assert "Published pediatrician" in page_text(public) and "Head of pediatrics" not in page_text(public)
    assert anonymous.get(f"/jobs/{revision.id}").status_code == 404

    # A change of the Hebrew needed goes to review too: doctors filter on it.
    services.withdraw_submission(revision, world.recruiter)
    services.delete_posting(revision, world.recruiter)
    db_session.commit()
    response = client.post(
        f"/org/{world.org.slug}/postings/{live.id}/edit",
        data=form_data(
            world.site,
            title=live.title,
            description_md=live.description_md,
            salary_min_ils="30000",
            salary_max_ils="45000",
            hebrew_level="5",
        ),
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert live.hebrew_level != 5 and queries.open_revision(live).hebrew_level == 5
    assert "C1" not in page_text(anonymous.get(f"/jobs/{live.id}-{live.slug}"))


def test_duplicate_and_delete_through_the_pages(client, world, postings, db_session):
    sign_in(client, world.owner)
    source = postings["published"]
    response = client.post(f"/org/{world.org.slug}/postings/{source.id}/duplicate")
    copy = db_session.scalars(select(Posting).order_by(Posting.id.desc())).first()
    assert response.headers["Location"] == f"/org/{world.org.slug}/postings/{copy.id}/edit"
    assert (copy.status, copy.title, copy.org_id) == (S.DRAFT, source.title, world.org.id)
    assert client.post(f"/org/{world.org.slug}/postings/{copy.id}/delete").status_code == 302
    assert db_session.get(Posting, copy.id) is None
    response = client.post(f"/org/{world.org.slug}/postings/{source.id}/delete")
    assert response.status_code == 409 and "Only drafts can be deleted" in page_text(response)


# --- lifecycle buttons ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "path", "data", "status"),
    [
        ("draft", "withdraw", {}, 409),
        ("draft", "close", {"reason": "filled"}, 409),
        ("draft", "renew", {}, 409),
        ("pending", "submit", {}, 409),
        ("pending", "close", {"reason": "filled"}, 409),
        ("pending", "delete", {}, 409),
        ("published", "submit", {}, 409),
        ("published", "withdraw", {}, 409),
        ("published", "delete", {}, 409),
        ("published", "close", {"reason": "sold"}, 422),
        ("published", "close", {}, 422),
        ("pending", "edit", "form", 422),
    ],
)
def test_illegal_actions_answer_with_a_clear_4xx(client, world, postings, db_session, key, path, data, status):
    sign_in(client, world.recruiter)
    before = state(db_session)
    response = _send(client, world, "POST", f"/org/{world.org.slug}/postings/{postings[key].id}/{path}", data)
    assert response.status_code == status
    text = page_text(response)
    assert "An unexpected error" not in text and (
        "cannot" in text or "Only" in text or "nothing" in text or "Say whether" in text or "Withdraw" in text
    )
    assert state(db_session) == before


def test_the_whole_employer_flow(client, world, postings, db_session):
    sign_in(client, world.recruiter)
    draft = postings["draft"]
    base = f"/org/{world.org.slug}/postings/{draft.id}"
    assert "Submit for review" in page_text(client.get(base))
    assert client.post(f"{base}/submit").status_code == 302
    assert draft.status == S.PENDING_REVIEW
    assert "Withdraw from review" in page_text(client.get(base))
    assert client.post(f"{base}/withdraw").status_code == 302
    assert draft.status == S.DRAFT
    client.post(f"{base}/submit")
    reviewing.approve(draft, world.admin)
    db_session.commit()
    manage = page_text(client.get(base))
    assert "Close the posting" in manage and "Renew" in manage and "Public page" in manage
    assert client.post(f"{base}/close", data={"reason": "withdrawn"}).status_code == 302
    assert draft.status == S.CLOSED and draft.closed_reason == CloseReason.WITHDRAWN
    assert [(t.action, t.actor_id) for t in transitions_of(draft)] == [
        ("submit", world.recruiter.id),
        ("withdraw", world.recruiter.id),
        ("submit", world.recruiter.id),
        ("approve", world.admin.id),
        ("close", world.recruiter.id),
    ]
    history = page_text(client.get(base))
    assert "Published → Closed" in history and "Pending review → Draft" in history


def test_a_pending_org_cannot_submit(client, world, postings, db_session):
    world.org.status = OrgStatus.PENDING
    db_session.commit()
    sign_in(client, world.recruiter)
    draft = postings["draft"]
    assert "Submitting opens once your organisation is verified" in page_text(
        client.get(f"/org/{world.org.slug}/postings/{draft.id}")
    )
    response = client.post(f"/org/{world.org.slug}/postings/{draft.id}/submit")
    assert response.status_code == 403 and "waiting for verification" in page_text(response)
    assert draft.status == S.DRAFT and transitions_of(draft) == []


def test_a_likely_duplicate_is_warned_about_and_must_be_acknowledged(client, world, postings, db_session):
    original = postings["published"]
    copy = create(world, title=original.title, description_md=original.description_md)
    db_session.commit()
    sign_in(client, world.recruiter)
    manage = page_text(client.get(f"/org/{world.org.slug}/postings/{copy.id}"))
    assert f"#{original.id}" in manage and "looks very much like your posting" in manage
    response = client.post(f"/org/{world.org.slug}/postings/{copy.id}/submit")
    assert response.status_code == 409 and f"#{original.id}" in page_text(response)
    assert copy.status == S.DRAFT
    response = client.post(f"/org/{world.org.slug}/postings/{copy.id}/submit", data={"acknowledge_duplicate": "y"})
    assert response.status_code == 302
    assert copy.status == S.PENDING_REVIEW and copy.likely_duplicate_of_id == original.id


def test_the_org_list_shows_status_days_to_expiry_and_views(client, world, db_session):
    with time_machine.travel(T0, tick=False):
        live = published(world, title="Listed cardiologist", specialty_slug="cardiology", duration_days=30)
        create(world, title="Unsubmitted draft", site=world.tlv_site)
        db_session.add_all(
            [
                PostingViewCount(posting_id=live.id, day=date(2030, 3, 1), views=12),
                PostingViewCount(posting_id=live.id, day=date(2030, 3, 2), views=5),
            ]
        )
        db_session.commit()
    with time_machine.travel(T0 + timedelta(days=10, hours=1), tick=False):
        sign_in(client, world.viewer)
        response = client.get(f"/org/{world.org.slug}/postings")
    assert response.status_code == 200
    rows = {}
    for tr in parse(response).iter(f"{HTML_NS}tr"):
        cells = ["".join(td.itertext()).split() for td in tr.findall(f"{HTML_NS}td")]
        if cells:
            rows[" ".join(cells[0][:2])] = [" ".join(c) for c in cells]
    listed, draft = rows["Listed cardiologist"], rows["Unsubmitted draft"]
    assert listed[1] == "Published" and "in 19 days" in listed[2] and listed[3] == "17"
    assert draft[1] == "Draft" and draft[2] == "–" and draft[3] == "0"


# --- the public page ------------------------------------------------------------------------------


def test_the_public_page_redirects_to_its_canonical_address(client, world, db_session):
    posting = published(world, title="Senior Pediatrician / Night Shifts")
    db_session.commit()
    canonical = f"/jobs/{posting.id}-senior-pediatrician-night-shifts-beersheba"
    assert posting.slug == "senior-pediatrician-night-shifts-beersheba"
    for url in (f"/jobs/{posting.id}", f"/jobs/{posting.id}-old-title", f"/jobs/{posting.id}-SENIOR"):
        response = client.get(url)
        assert response.status_code == 301 and response.headers["Location"] == canonical
    assert client.get(canonical).status_code == 200
    client.get(canonical)
    assert view_counts.flush() == 2
    assert queries.view_totals(world.org) == {posting.id: 2}


def test_the_public_page_shows_everything(client, world, db_session):
    grant = GrantProgramFactory(
        name="Negev periphery grant", amount_note="ILS 60,000 over three years", funder="Negev Authority"
    )
    posting = published(world, grant_ids=[grant.id], start_date=date(2031, 1, 15))
    db_session.commit()
    text = page_text(client.get(f"/jobs/{posting.id}-{posting.slug}"))
    for expected in (
        "Senior pediatrician, children's ward",
        "Negev Test Medical Center",
        "Beersheba Campus",
        "Negev",
        "Periphery",
        "Pediatrics",
        "Senior specialist",
        "Full-time",
        "Israeli licence required",
        "English, Russian",
        "₪30,000 – ₪45,000 a month",
        "15 January 2031",
        "Negev periphery grant",
        "ILS 60,000 over three years",
        "Negev Authority",
        "Report this posting",
    ):
        assert expected in text, expected
    tlv = published(
        world,
        site=world.tlv_site,
        title="Nurse in Tel Aviv",
        profession_slug="nurse",
        specialty_slug=None,
        salary_min_ils=None,
        salary_max_ils=None,
        description_md="Tel Aviv ward.",
    )
    db_session.commit()
    tlv_text = page_text(client.get(f"/jobs/{tlv.id}-{tlv.slug}"))
    assert "Periphery" not in tlv_text and "Not stated" in tlv_text


def test_the_public_page_names_the_vocabularies_and_grants_in_the_readers_language(client, world, db_session):
    grant = GrantProgramFactory(
        name="Negev periphery grant",
        summary="For immigrant clinicians in the Negev.",
        names={"ru": "Грант для Негева"},
        summaries={"ru": "Для медиков-репатриантов в Негеве."},
    )
    untranslated = GrantProgramFactory(name="Housing grant", summary="Rent support.")
    posting = published(world, grant_ids=[grant.id, untranslated.id])
    db_session.commit()
    response = client.get(f"/ru/jobs/{posting.id}-{posting.slug}")
    text = shown_text(response)
    for expected in (
        "Беэр-Шева · Негев",
        "Врач · Педиатрия",
        "Английский, Русский",
        "Грант для Негева",
        "Для медиков-репатриантов в Негеве.",
        "Housing grant",  # no Russian name: the English one
        "Rent support.",
    ):
        assert expected in text, expected
    assert "Pediatrics" not in text and "For immigrant clinicians" not in text
    # The structured data is for search engines' job listings, which place English names.
    location = json_ld(response)["jobLocation"]["address"]
    assert (location["addressLocality"], location["addressRegion"]) == ("Beersheba", "Negev")


def test_json_ld_has_the_job_posting_fields(client, world, db_session):
    with time_machine.travel(T0, tick=False):
        posting = published(world, employment_type=services.EmploymentType.SHIFTS, start_date=date(2030, 6, 1))
        db_session.commit()
        data = json_ld(client.get(f"/jobs/{posting.id}-{posting.slug}"))
    assert data["@context"] == "https://schema.org/" and data["@type"] == "JobPosting"
    assert data["title"] == posting.title
    assert "<strong>pediatrician</strong>" in data["description"]
    assert data["datePosted"] == "2030-03-01"
    assert datetime.fromisoformat(data["validThrough"]) == T0 + timedelta(days=60)
    assert data["employmentType"] == "PER_DIEM"
    assert data["hiringOrganization"] == {
        "@type": "Organization",
        "name": "Negev Test Medical Center",
        "sameAs": "https://negev.example.org",
    }
    location = data["jobLocation"]
    assert location["@type"] == "Place"
    assert location["address"] == {
        "@type": "PostalAddress",
        "streetAddress": "Rager Blvd 151",
        "addressLocality": "Beersheba",
        "addressRegion": "Negev",
        "addressCountry": "IL",
    }
    assert data["baseSalary"] == {
        "@type": "MonetaryAmount",
        "currency": "ILS",
        "value": {"@type": "QuantitativeValue", "unitText": "MONTH", "minValue": 30_000, "maxValue": 45_000},
    }
    assert data["directApply"] is True
    assert data["url"] == f"http://jobboard.test/jobs/{posting.id}-{posting.slug}"
    assert data["jobStartDate"] == "2030-06-01"


def test_json_ld_leaves_out_what_is_not_given(client, world, db_session):
    posting = published(world, salary_min_ils=None, salary_max_ils=None)
    low_only = published(
        world,
        site=world.tlv_site,
        salary_min_ils=20_000,
        salary_max_ils=None,
        title="Nurse",
        profession_slug="nurse",
        specialty_slug=None,
        description_md="Tel Aviv nursing.",
    )
    db_session.commit()
    data = json_ld(client.get(f"/jobs/{posting.id}-{posting.slug}"))
    assert "baseSalary" not in data and "jobStartDate" not in data
    assert {
        "title",
        "description",
        "datePosted",
        "validThrough",
        "employmentType",
        "hiringOrganization",
        "jobLocation",
        "directApply",
    } <= set(data)
    low = json_ld(client.get(f"/jobs/{low_only.id}-{low_only.slug}"))
    assert low["baseSalary"]["value"] == {"@type": "QuantitativeValue", "unitText": "MONTH", "minValue": 20_000}


HOSTILE = """Hello <script>alert('md')</script>

[click me](javascript:alert('link')) and [ok](https://example.org)

<img src=x onerror="alert('img')">

<div hx-get="/admin/postings" hx-trigger="load">htmx</div>

<a href="/x" onclick="alert('a')" hx-post="/org">raw link</a>

[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)
"""


def assert_inert(root) -> None:
    for element in root.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        assert tag.replace(HTML_NS, "") not in ("script", "img", "iframe", "object", "div", "style"), tag
        for name, value in element.attrib.items():
            assert not name.startswith(("on", "hx-", "data-", "style")), (tag, name)
            if name in ("href", "src"):
                assert value.strip().lower().startswith(("https:", "http:", "mailto:")), value


def test_markdown_is_rendered_inert(client, world, db_session):
    posting = published(world, title="Doctor <script>alert('title')</script>", description_md=HOSTILE)
    db_session.commit()
    for who in (None, world.recruiter, world.admin):
        if who:
            sign_in(client, who)
        response = client.get(f"/jobs/{posting.id}-{posting.slug}")
        assert response.status_code == 200
        document = parse(response)
        for script in document.iter(f"{HTML_NS}script"):
            assert script.get("src", "").startswith("/static/") or script.get("type") == "application/ld+json"
            assert "alert" not in (script.text or "") or script.get("type") == "application/ld+json"
        [section] = [el for el in document.iter(f"{HTML_NS}section") if "posting-description" in el.get("class", "")]
        assert_inert(section)
        assert "https://example.org" in [a.get("href") for a in section.iter(f"{HTML_NS}a")]
        assert "Hello" in "".join(section.itertext())
        # The JSON-LD carries the same sanitised description and cannot close its script element.
        data = json_ld(response)
        assert_inert(html5lib.parseFragment(data["description"]))
        raw = response.get_data(as_text=True).split('type="application/ld+json">')[1].split("</script>")[0]
        assert "<" not in raw
    # The title is text, in the page and in the JSON-LD.
    assert "Doctor <script>alert('title')</script>" in "".join(
        next(el for el in document.iter(f"{HTML_NS}h1")).itertext()
    )


@pytest.mark.parametrize("reason", ["filled", "withdrawn"])
def test_a_closed_posting_answers_410_with_a_summary(client, world, db_session, reason):
    posting = published(world)
    services.close_posting(posting, world.recruiter, CloseReason(reason))
    db_session.commit()
    response = client.get(f"/jobs/{posting.id}-{posting.slug}")
    assert response.status_code == 410
    text = page_text(response)
    assert f"no longer open ({reason})" in text
    assert (
        posting.title in text and "Negev Test Medical Center" in text and "Beersheba" in text and "Pediatrics" in text
    )
    links = [a.get("href") for a in parse(response).iter(f"{HTML_NS}a") if "similar" in "".join(a.itertext())]
    assert len(links) == 1 and links[0].startswith("/jobs?")
    assert "specialty=pediatrics" in links[0] and "region=negev" in links[0]
    assert "application/ld+json" not in response.get_data(as_text=True)
    assert client.get(f"/jobs/{posting.id}").status_code == 410


def test_an_expired_posting_answers_410_before_and_after_the_worker(client, world, db_session):
    with time_machine.travel(T0, tick=False):
        posting = published(world)
        db_session.commit()
    with time_machine.travel(T0 + timedelta(days=60, seconds=1), tick=False):
        assert client.get(f"/jobs/{posting.id}-{posting.slug}").status_code == 410
        renewal.expire_due_postings()
        db_session.commit()
        response = client.get(f"/jobs/{posting.id}-{posting.slug}")
        assert response.status_code == 410 and "no longer open" in page_text(response)
        assert client.post(f"/jobs/{posting.id}/report", data={"reason": "scam"}).status_code == 404


@pytest.mark.parametrize("stage", ["draft", "pending", "changes_requested", "rejected", "unpublished"])
def test_unpublished_postings_are_previews_for_members_and_admins_only(client, world, db_session, stage):
    if stage in ("draft",):
        posting = create(world)
    elif stage == "unpublished":
        posting = published(world)
        reviewing.unpublish(posting, world.admin, "Check the salary.")
    else:
        posting = submitted(world)
        if stage == "changes_requested":
            reviewing.request_changes(posting, world.admin, "More detail.")
        elif stage == "rejected":
            reviewing.reject(posting, world.admin, "No.")
    db_session.commit()
    url = f"/jobs/{posting.id}-{posting.slug}"
    assert client.get(url).status_code == 404
    for outsider in (world.doctor, world.other_recruiter):
        sign_in(client, outsider)
        assert client.get(url).status_code == 404
    for insider in (world.viewer, world.recruiter, world.owner, world.admin):
        sign_in(client, insider)
        response = client.get(url)
        assert response.status_code == 200, insider.email
        assert "Preview: this posting is" in page_text(response) and posting.title in page_text(response)
        assert "application/ld+json" not in response.get_data(as_text=True)
        assert "Report this posting" not in page_text(response)
    assert view_counts.flush() == 0


@pytest.mark.parametrize(
    "path", ["/jobs/99999999999999999999999", "/jobs/9223372036854775808-x", "/jobs/99999999999999999999999/report"]
)
def test_huge_ids_are_404_not_500(client, world, path):
    response = client.post(path, data={"reason": "scam"}) if path.endswith("report") else client.get(path)
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["recruiter", "admin"])
def test_huge_ids_in_org_and_admin_urls_are_404(client, world, who):
    sign_in(client, getattr(world, who))
    huge = "9" * 30
    paths = (
        [f"/org/{world.org.slug}/postings/{huge}", f"/org/{world.org.slug}/postings/{huge}/edit"]
        if who == "recruiter"
        else [f"/admin/postings/{huge}", f"/admin/grants/{huge}/edit"]
    )
    for path in paths:
        assert client.get(path).status_code == 404, path


# --- the one-click renewal ------------------------------------------------------------------------


def test_the_renew_link_shows_a_button_renews_once(client, world, db_session, mailbox):
    from jobboard.core import outbox

    with time_machine.travel(T0, tick=False):
        posting = published(world)
        db_session.commit()
    with time_machine.travel(T0 + timedelta(days=54), tick=False):
        renewal.send_expiry_reminders()
        db_session.commit()
        outbox.drain()
        [reminder] = [
            m for m in mailbox.to("recruiter@negev.example.org") if m["Subject"].endswith("expires in a week")
        ]
        link = mailbox.link(reminder, "/postings/renew/")
        page = client.get(link)
        assert page.status_code == 200
        [form] = [
            f
            for f in parse(page).iter(f"{HTML_NS}form")
            if f.get("method") == "post" and "Renew" in "".join(f.itertext())
        ]
        db_session.expire_all()
        assert posting.expires_at == T0 + timedelta(days=60)  # a GET changes nothing
        response = client.post(link)
        assert response.status_code == 302
        assert response.headers["Location"] == f"/jobs/{posting.id}"
        db_session.expire_all()
        assert posting.expires_at == T0 + timedelta(days=114)
        again = client.post(link)
        assert again.status_code == 400 and "used or is out of date" in page_text(again)
        assert client.get(link).status_code == 400
        db_session.expire_all()
        assert posting.expires_at == T0 + timedelta(days=114)
        assert client.get("/postings/renew/garbage").status_code == 400


# --- reports ------------------------------------------------------------------------------------------


def test_anyone_can_report_a_published_posting(client, world, db_session):
    posting = published(world)
    db_session.commit()
    response = client.post(f"/jobs/{posting.id}/report", data={"reason": "scam", "note": "Asks for a deposit"})
    assert response.status_code == 302 and response.headers["Location"] == f"/jobs/{posting.id}-{posting.slug}"
    sign_in(client, world.doctor)
    assert client.post(f"/jobs/{posting.id}/report", data={"reason": "filled"}).status_code == 302
    reports = db_session.scalars(select(PostingReport).order_by(PostingReport.id)).all()
    assert [(r.reason.value, r.note, r.reporter_id) for r in reports] == [
        ("scam", "Asks for a deposit", None),
        ("filled", None, world.doctor.id),
    ]


@pytest.mark.parametrize(
    "data",
    [{}, {"reason": "boring"}, {"reason": "scam", "note": "bad\x00note"}, {"reason": "other", "note": "x" * 2001}],
)
def test_invalid_reports_are_422(client, world, db_session, data):
    posting = published(world)
    db_session.commit()
    assert client.post(f"/jobs/{posting.id}/report", data=data).status_code == 422
    assert count(PostingReport) == 0


def test_reports_are_limited_to_ten_an_hour(client, world, db_session):
    posting = published(world)
    db_session.commit()
    url = f"/jobs/{posting.id}/report"
    assert [client.post(url, data={"reason": "scam"}).status_code for _ in range(10)] == [302] * 10
    limited = client.post(url, data={"reason": "scam"})
    assert limited.status_code == 429 and limited.headers.get("Retry-After")
    assert count(PostingReport) == 10
    with time_machine.travel(utcnow() + timedelta(hours=1, minutes=1)):
        assert client.post(url, data={"reason": "other"}).status_code == 302


def test_only_listed_postings_can_be_reported(client, world, db_session):
    draft = create(world)
    db_session.commit()
    assert client.post(f"/jobs/{draft.id}/report", data={"reason": "scam"}).status_code == 404
    assert count(PostingReport) == 0
