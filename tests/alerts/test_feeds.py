"""The Atom feeds: /jobs/feed.atom (the search page's filters) and /feed.atom (every new
posting). Parsed with feedparser: well-formed (bozo False) whatever the titles hold, entries
matching the search, only listed postings, each with its summary and link."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import feedparser
import html5lib
import pytest
import time_machine

from jobboard.core.db import utcnow
from jobboard.extensions import db
from jobboard.jobs import services as jobs
from jobboard.jobs.models import CloseReason
from jobboard.search.port import EngineUnavailable
from tests.alerts.helpers import publish, sync
from tests.factories import GrantProgramFactory, SiteFactory

HOSTILE = "<script>alert('x')</script> & \"quoted\" – Ärzt’in ]]> <![CDATA[ x"


def fetch(client, path: str, **kwargs):
    response = client.get(path, **kwargs)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/atom+xml"
    parsed = feedparser.parse(response.get_data())
    assert parsed.bozo is False, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def entry_paths(parsed) -> list[str]:
    return [urlsplit(entry.link).path for entry in parsed.entries]


@pytest.fixture
def postings(world):
    """Four postings published a minute apart (the oldest first); the last one closed since."""
    haifa_site = SiteFactory(org=world.org, name="Haifa Clinic", city_slug="haifa", lat=32.79, lon=34.99)
    grant = GrantProgramFactory(name="Negev relocation grant", regions=["negev"])
    db.session.commit()
    made = {}
    specs = [
        (
            "negev",
            "Pediatrician in Beersheba",
            {
                "grant_ids": [grant.id],
                "description_md": "Join our **children's ward** in the Negev. Night shifts and teaching.",
            },
        ),
        ("haifa", "Pediatrician in Haifa", {"site": haifa_site}),
        (
            "tlv_nurse",
            "Intensive care nurse",
            {"site": world.tlv_site, "profession_slug": "nurse", "specialty_slug": None},
        ),
        ("closed", "Pediatrician filled already", {}),
    ]
    start = utcnow() - timedelta(minutes=10)
    for n, (key, title, fields) in enumerate(specs):
        with time_machine.travel(start + timedelta(minutes=n), tick=False):
            made[key] = publish(world, title, **fields)
    jobs.close_posting(made["closed"], world.recruiter, CloseReason.FILLED)
    sync()
    return made


def test_the_search_feed_honours_the_search_page_filters(world, client, postings):

    everything = fetch(client, "/jobs/feed.atom")
    paths = entry_paths(everything)
    assert len(paths) == 3
    assert f"/jobs/{postings['closed'].id}-{postings['closed'].slug}" not in paths

    negev = fetch(client, "/jobs/feed.atom?region=negev")
    assert entry_paths(negev) == [f"/jobs/{postings['negev'].id}-{postings['negev'].slug}"]

    nurses = fetch(client, "/jobs/feed.atom?profession=nurse")
    assert [e.title.split(" – ")[0] for e in nurses.entries] == ["Intensive care nurse"]

    text = fetch(client, "/jobs/feed.atom?q=pediatrician&region=haifa")
    assert [e.title.split(" – ")[0] for e in text.entries] == ["Pediatrician in Haifa"]
    assert text.feed.title == "IMAP Job Board: pediatrician"

    nothing = fetch(client, "/jobs/feed.atom?region=jerusalem")
    assert nothing.entries == []

    # the feed and the page show the same postings for the same query string
    for query in ("region=negev", "profession=nurse", "q=pediatrician"):
        page = client.get(f"/jobs?{query}").get_data(as_text=True)
        for path in entry_paths(fetch(client, f"/jobs/feed.atom?{query}")):
            assert f'href="{path}"' in page


def test_the_site_feed_lists_every_listed_posting_newest_first(world, client, postings):
    parsed = fetch(client, "/feed.atom")
    assert parsed.feed.title == "IMAP Job Board: new positions"
    titles = [e.title.split(" – ")[0] for e in parsed.entries]
    assert titles == ["Intensive care nurse", "Pediatrician in Haifa", "Pediatrician in Beersheba"]
    # unknown parameters do not filter the site feed
    assert len(fetch(client, "/feed.atom?region=haifa").entries) == 3


def test_each_entry_has_the_postings_summary_link_and_dates(world, client, postings):
    parsed = fetch(client, "/jobs/feed.atom?region=negev", headers={"Host": "evil.example"})
    [entry] = parsed.entries
    posting = postings["negev"]
    # links from BASE_URL (the feed is cached publicly), whatever Host the request named
    assert entry.link == f"http://jobboard.test/jobs/{posting.id}-{posting.slug}"
    assert client.get(urlsplit(entry.link).path).status_code == 200
    assert entry.title == "Pediatrician in Beersheba – Negev Test Medical Center, Beersheba"
    assert entry.summary.startswith("Beersheba, Negev (periphery). Grants: Negev relocation grant.")
    assert "Join our children's ward in the Negev. Night shifts and teaching." in entry.summary
    assert entry.author == "Negev Test Medical Center"
    assert entry.published_parsed is not None and entry.id.endswith(f":posting-{posting.id}")
    assert (parsed.feed.links[0].rel, parsed.feed.links[0].href) == (
        "self",
        "http://jobboard.test/jobs/feed.atom?region=negev",
    )
    assert "evil.example" not in str(parsed)
    html = client.get("/jobs?region=negev").get_data(as_text=True)
    link = next(
        a for a in html5lib.parse(html, namespaceHTMLElements=False).iter("a") if a.get("id") == "search-feed-link"
    )
    assert link.get("href") == "/jobs/feed.atom?region=negev"


@pytest.mark.parametrize("path", ["/jobs/feed.atom", "/feed.atom", "/jobs/feed.atom?q=script"])
def test_hostile_titles_and_names_keep_the_feed_valid(world, client, path):
    world.org.name = 'O\'Brien & <Sons> "Hospital"'
    db.session.commit()
    posting = publish(world, HOSTILE, description_md="Text with <b>tags</b> & ampersands <script>x</script>.")
    parsed = fetch(client, path)
    [entry] = parsed.entries
    assert entry.title.startswith(HOSTILE)
    assert entry.author == 'O\'Brien & <Sons> "Hospital"'
    assert urlsplit(entry.link).path == f"/jobs/{posting.id}-{posting.slug}"
    raw = client.get(path).get_data(as_text=True)
    assert "<script>" not in raw


def test_the_feed_url_with_ampersands_is_escaped(world, client, postings):
    parsed = fetch(client, "/jobs/feed.atom?region=negev&region=haifa&q=pediatrician")
    assert len(parsed.entries) == 2
    assert parsed.feed.id == "http://jobboard.test/jobs/feed.atom?q=pediatrician&region=negev&region=haifa"  # canonical


def test_a_feed_with_an_unknown_filter_still_parses(world, client, postings):
    parsed = fetch(client, "/jobs/feed.atom?region=atlantis&colour=blue")
    assert len(parsed.entries) == 3


def test_with_the_engine_down_a_feed_never_lists_positions_outside_its_search(
    world, client, postings, search_engine, monkeypatch
):
    def down(query):
        raise EngineUnavailable("connection refused")

    monkeypatch.setattr(search_engine, "search", down)
    # the site feed falls back to the database: every listed posting, still a valid feed
    site = fetch(client, "/feed.atom")
    assert sorted(e.title.split(" – ")[0] for e in site.entries) == [
        "Intensive care nurse",
        "Pediatrician in Beersheba",
        "Pediatrician in Haifa",
    ]
    # a filtered feed cannot be answered from the title-only fallback: "try again later", not
    # positions outside the search that a feed reader would keep
    response = client.get("/jobs/feed.atom?region=haifa")
    if response.status_code == 200:
        parsed = feedparser.parse(response.get_data())
        assert [e.title.split(" – ")[0] for e in parsed.entries] == ["Pediatrician in Haifa"]
    else:
        assert response.status_code == 503
