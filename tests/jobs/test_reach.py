"""The board seen from outside: the aggregators' feed (Indeed's XML and the same jobs as JSON),
the sitemap with its language alternates, robots.txt, and what a posting's, a fair's and an
employer's page tell search engines and link previews."""

from __future__ import annotations

import json
from datetime import timedelta

import html5lib
import pytest
import time_machine
from lxml import etree

from jobboard.core.db import utcnow
from jobboard.extensions import db
from jobboard.jobs import lifecycle
from jobboard.jobs import services as jobs
from jobboard.jobs.models import CloseReason
from jobboard.orgs import logos
from tests.fairs.conftest import make_fair
from tests.jobs.helpers import json_ld, published
from tests.orgs.test_logos import png_bytes

HTML_NS = "{http://www.w3.org/1999/xhtml}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
LANGUAGES = ["en", "he", "fr", "es", "ru"]


@pytest.fixture
def postings(world):
    first = published(world, title="Pediatrician <b>&</b> ]]> night shifts", salary_min_ils=30000, salary_max_ils=45000)
    second = published(
        world, title="Family physician in Tel Aviv", site=world.tlv_site, salary_min_ils=None, salary_max_ils=None
    )
    closed = published(world, title="Closed position", site=world.tlv_site, specialty_slug="cardiology")
    jobs.close_posting(closed, world.recruiter, CloseReason.FILLED)
    db.session.commit()
    return first, second


def feed_jobs(client) -> list[etree._Element]:
    response = client.get("/jobs/feed.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = etree.fromstring(response.data)
    assert root.tag == "source" and root.findtext("publisher") == "IMAP Job Board"
    return root.findall("job")


def test_the_xml_feed_lists_the_open_positions_in_indeeds_fields(world, client, postings):
    first, second = postings
    found = {job.findtext("referencenumber"): job for job in feed_jobs(client)}
    assert set(found) == {str(first.id), str(second.id)}
    job = found[str(first.id)]
    assert job.findtext("title") == "Pediatrician <b>&</b> ]]> night shifts"
    assert job.findtext("url") == f"http://jobboard.test/jobs/{first.id}-{first.slug}"
    assert job.findtext("company") == "Negev Test Medical Center"
    assert (job.findtext("city"), job.findtext("country")) == ("Beersheba", "IL")
    assert job.findtext("salary") == "ILS 30,000-45,000 per month"
    assert job.findtext("jobtype") == "fulltime"
    assert job.findtext("date").endswith(" GMT")
    assert "<p>" in job.findtext("description")
    assert found[str(second.id)].findtext("salary") in ("", None)


def test_the_json_feed_has_the_same_jobs(world, client, postings):
    xml_jobs = {job.findtext("referencenumber"): job.findtext("title") for job in feed_jobs(client)}
    response = client.get("/jobs/feed.json")
    assert response.mimetype == "application/json"
    body = json.loads(response.data)
    assert {job["referencenumber"]: job["title"] for job in body["jobs"]} == xml_jobs
    assert {
        "title",
        "date",
        "referencenumber",
        "url",
        "company",
        "city",
        "country",
        "description",
        "salary",
        "jobtype",
    } <= set(body["jobs"][0])


def test_a_posting_leaves_both_feeds_when_it_expires_and_caches_end_by_then(world, client, postings):
    first, second = postings
    second.expires_at = utcnow() + timedelta(seconds=90)
    db.session.commit()
    response = client.get("/jobs/feed.xml")
    assert (
        response.headers["Cache-Control"] == "public, max-age=89"
        or response.headers["Cache-Control"] == "public, max-age=90"
    )
    with time_machine.travel(utcnow() + timedelta(seconds=91)):
        assert [job.findtext("referencenumber") for job in feed_jobs(client)] == [str(first.id)]
        assert [job["referencenumber"] for job in json.loads(client.get("/jobs/feed.json").data)["jobs"]] == [
            str(first.id)
        ]
        assert client.get("/jobs/feed.xml").headers["Cache-Control"] == "public, max-age=300"


def test_the_sitemap_lists_public_pages_in_every_language(world, client, postings, app):
    first, _second = postings
    fair = make_fair()
    draft = make_fair(publish=False, name="Draft fair")
    db.session.commit()
    response = client.get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    root = etree.fromstring(response.data)
    entries = {url.findtext(f"{SITEMAP}loc"): url for url in root.findall(f"{SITEMAP}url")}
    posting_path = f"/jobs/{first.id}-{first.slug}"
    for code in LANGUAGES:
        assert f"http://jobboard.test/{code}{posting_path}" in entries
        assert f"http://jobboard.test/{code}/fairs/{fair.slug}" in entries
        assert f"http://jobboard.test/{code}/employers/negev-test-mc" in entries
    assert not [loc for loc in entries if draft.slug in loc or "closed-position" in loc or "/org/" in loc]
    links = entries[f"http://jobboard.test/he{posting_path}"].findall("{http://www.w3.org/1999/xhtml}link")
    assert {link.get("hreflang"): link.get("href") for link in links} == {
        **{code: f"http://jobboard.test/{code}{posting_path}" for code in LANGUAGES},
        "x-default": f"http://jobboard.test{posting_path}",
    }


def test_robots_keeps_crawlers_out_of_private_pages_and_names_the_sitemap(client, db_session):
    text = client.get("/robots.txt").get_data(as_text=True)
    assert "Disallow: /org/" in text and "Disallow: /he/me/" in text and "Disallow: /admin/" in text
    assert "Disallow: /jobs" not in text
    assert "Sitemap: http://jobboard.test/sitemap.xml" in text


def meta(response) -> dict[str, str]:
    document = html5lib.parse(response.get_data(as_text=True))
    found = {}
    for element in document.iter(f"{HTML_NS}meta"):
        key = element.get("property") or element.get("name")
        if key:
            found[key] = element.get("content")
    found["canonical"] = next(
        link.get("href") for link in document.iter(f"{HTML_NS}link") if link.get("rel") == "canonical"
    )
    return found


def test_a_posting_page_has_a_description_open_graph_and_the_logo_in_its_json_ld(
    world, client, postings, tmp_path, app, monkeypatch
):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    first, _second = postings
    response = client.get(f"/fr/jobs/{first.id}-{first.slug}")
    tags = meta(response)
    assert tags["og:title"] == "Pediatrician <b>&</b> ]]> night shifts – Negev Test Medical Center"
    assert tags["description"] == tags["og:description"] and 0 < len(tags["description"]) <= 160
    assert tags["og:url"] == tags["canonical"] == f"http://jobboard.test/fr/jobs/{first.id}-{first.slug}"
    assert "og:image" not in tags
    assert "logo" not in json_ld(response)["hiringOrganization"]

    logos.set_logo(world.org, world.owner, "logo.png", png_bytes())
    db.session.commit()
    response = client.get(f"/jobs/{first.id}-{first.slug}")
    logo = f"http://jobboard.test/employers/negev-test-mc/logo/{world.org.logo_name}"
    assert json_ld(response)["hiringOrganization"]["logo"] == logo
    assert meta(response)["og:image"] == logo
    assert client.get(logo.removeprefix("http://jobboard.test")).status_code == 200


def test_a_fair_and_an_employer_page_have_a_description_and_open_graph(world, client, db_session):
    fair = make_fair()
    db.session.commit()
    tags = meta(client.get(f"/en/fairs/{fair.slug}"))
    assert tags["og:title"] == fair.name and fair.name in tags["description"]
    tags = meta(client.get("/en/employers/negev-test-mc"))
    assert tags["og:title"] == "Negev Test Medical Center" and tags["description"]


def test_expiry_by_the_worker_changes_nothing_the_feed_showed(world, client, postings):
    first, second = postings
    lifecycle.expire(second)
    db.session.commit()
    assert [job.findtext("referencenumber") for job in feed_jobs(client)] == [str(first.id)]
