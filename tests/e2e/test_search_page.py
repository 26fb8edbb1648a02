"""The search page's state lives in its URL, in a real browser: a search narrowed through htmx
survives a reload, the back and forward buttons step through it, a shared link shows the same
results, and without JavaScript the plain form gives the same page.

The postings are their own (cardiology, which the journeys' pediatrics never matches), so the
module runs alone, before the journeys or after them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer, check_accessibility

# One worker runs every journey: they share the served app and build on one another.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

GALILEE_TITLES = [
    "Cardiologist, heart institute in Nahariya",
    "Cardiologist, cardiac care unit",
    "Senior cardiologist, echocardiography",
]
CENTER_TITLES = ["Cardiologist, outpatient clinic in Tel Aviv", "Cardiologist, heart failure service"]
SEARCH_BOX = "Specialty, title, employer or city"
TYPO = "cardiolgy"  # cardiology, one letter missing


@pytest.fixture(scope="module")
def cardiology_postings(live_server: LiveServer) -> Iterator[None]:
    """Five published cardiology positions of one verified hospital, three in the Galilee and two
    in Tel Aviv, indexed through the outbox; the newest first in each list. Afterwards the search
    page's display names are dropped: kept for a minute, they would not yet name an employer that
    the journeys verify."""
    from jobboard.core import outbox
    from jobboard.core.db import utcnow
    from jobboard.extensions import db
    from jobboard.jobs.lifecycle import SEARCH_SYNC
    from jobboard.jobs.models import PostingStatus
    from tests.factories import OrganizationFactory, PostingFactory, SiteFactory

    with live_server.app.app_context():  # type: ignore[attr-defined]
        hospital = OrganizationFactory(name="Western Galilee Heart Hospital", slug="western-galilee-heart")
        sites = {
            "galilee": SiteFactory(org=hospital, name="Nahariya campus", city_slug="nahariya", lat=33.006, lon=35.098),
            "center": SiteFactory(org=hospital, name="Tel Aviv clinic", city_slug="tel-aviv", lat=32.085, lon=34.782),
        }
        now = utcnow()
        for where, titles in (("galilee", GALILEE_TITLES), ("center", CENTER_TITLES)):
            for days_ago, title in enumerate(titles, start=1):
                posting = PostingFactory(
                    org=hospital,
                    site=sites[where],
                    title=title,
                    specialty_slug="cardiology",
                    status=PostingStatus.PUBLISHED,
                    approved_at=now,
                    first_published_at=now - timedelta(days=days_ago),
                    expires_at=now + timedelta(days=30),
                )
                outbox.enqueue(SEARCH_SYNC, {"posting_id": posting.id})
        db.session.commit()
        outbox.drain()
        db.session.remove()
    yield
    live_server.app.extensions.pop("search_catalogue", None)  # type: ignore[attr-defined]


def shown_titles(page: Page) -> list[str]:
    return page.locator("#search-results article h2").all_inner_texts()


def expect_results(page: Page, titles: list[str]) -> None:
    results = page.locator("#search-results")
    expect(results.locator("article h2")).to_have_count(len(titles))
    expect(results).to_contain_text(f"{len(titles)} positions")
    assert sorted(shown_titles(page)) == sorted(titles), shown_titles(page)


def galilee_box(page: Page):
    return page.locator("#search-filter-list").get_by_role("checkbox", name=re.compile(r"^Galilee and the North"))


def test_a_search_narrowed_with_htmx_survives_reload_back_forward_and_sharing(
    page: Page, open_page, live_server: LiveServer, cardiology_postings: None, shot
) -> None:
    page.goto("/jobs")
    search_box = page.get_by_label(SEARCH_BOX)
    with page.expect_response(lambda r: "/jobs?" in r.url and f"q={TYPO}" in r.url):
        search_box.fill(TYPO)
    page.wait_for_url(re.compile(f"q={TYPO}"))
    expect_results(page, GALILEE_TITLES + CENTER_TITLES)
    expect(galilee_box(page)).to_have_accessible_name(re.compile(r"\(3\)$"))

    with page.expect_response(lambda r: "region=galilee-north" in r.url):
        galilee_box(page).check()
    page.wait_for_url(re.compile("region=galilee-north"))
    narrowed = page.url
    assert parse_qs(urlsplit(narrowed).query) == {"q": [TYPO], "region": ["galilee-north"]}, narrowed
    expect_results(page, GALILEE_TITLES)
    # The alert and the feed, outside the swapped results, follow the address.
    expect(page.locator("#alert-query")).to_have_value(urlsplit(narrowed).query)
    expect(page.locator("#search-feed-link")).to_have_attribute(
        "href", f"{live_server.url}/jobs/feed.atom?{urlsplit(narrowed).query}"
    )
    shot(page, "narrowed")

    page.reload()
    expect(page.get_by_label(SEARCH_BOX)).to_have_value(TYPO)
    expect(galilee_box(page)).to_be_checked()
    expect_results(page, GALILEE_TITLES)

    page.go_back()
    page.wait_for_url(lambda url: "region=" not in url and f"q={TYPO}" in url)
    expect(galilee_box(page)).not_to_be_checked()
    expect_results(page, GALILEE_TITLES + CENTER_TITLES)

    page.go_forward()
    page.wait_for_url(narrowed)
    expect(galilee_box(page)).to_be_checked()
    expect_results(page, GALILEE_TITLES)
    check_accessibility(page, "the narrowed search")

    # Someone else opens the shared link: the same page, whole.
    colleague = open_page("colleague")
    colleague.goto(narrowed)
    expect(colleague.get_by_label(SEARCH_BOX)).to_have_value(TYPO)
    expect(galilee_box(colleague)).to_be_checked()
    expect_results(colleague, GALILEE_TITLES)
    assert shown_titles(colleague) == shown_titles(page)


def test_without_javascript_the_form_searches_with_a_plain_get(
    browser, live_server: LiveServer, cardiology_postings: None
) -> None:
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/jobs")
        page.get_by_label(SEARCH_BOX).fill(TYPO)
        page.get_by_role("button", name="Search", exact=True).click()
        page.wait_for_url(re.compile(f"q={TYPO}"))
        expect_results(page, GALILEE_TITLES + CENTER_TITLES)

        galilee_box(page).check()  # no request without JavaScript, until the form is sent
        expect_results(page, GALILEE_TITLES + CENTER_TITLES)
        page.get_by_role("button", name="Search", exact=True).click()
        page.wait_for_url(re.compile("region=galilee-north"))
        query = parse_qs(urlsplit(page.url).query)
        assert query["q"] == [TYPO] and query["region"] == ["galilee-north"], page.url
        expect(galilee_box(page)).to_be_checked()
        expect_results(page, GALILEE_TITLES)
    finally:
        context.close()
