"""The doctors' search page, /jobs: the query string as the page's state, facets, htmx fragments,
hostile parameters, what the public may see, the empty state, escaping, the engine failing, and
a constant number of SQL statements per page. Through the real app on both databases, with the
app's own engine (emptied per test) fed through the outbox."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlencode

import html5lib
import pytest
import time_machine
from jinja2 import meta, nodes

from jobboard.core import outbox
from jobboard.core.db import utcnow
from jobboard.extensions import db
from jobboard.i18n import alphabetical
from jobboard.jobs import reviewing, services
from jobboard.jobs.lifecycle import SEARCH_SYNC
from jobboard.jobs.models import CloseReason, PostingStatus, PostingText
from jobboard.moderation.services import suspend_org
from jobboard.search.port import EngineUnavailable
from jobboard.vocab.models import City
from tests.factories import GrantProgramFactory, PostingFactory, SiteFactory
from tests.jobs.helpers import create, make_world, published, submitted
from tests.statements import recorded_statements

LIMITED = "Search is temporarily limited"
# No tripped search breaker or stale employer list at the start or end of any test here.
pytestmark = pytest.mark.usefixtures("fresh_search_state")


@pytest.fixture
def world(db_session):
    return make_world(db_session)


def listed(w, title: str, *, site=None, days_ago: int = 1, drain: bool = True, **fields):
    """A published posting put in place directly (status and dates set), synced through the outbox."""
    now = utcnow()
    posting = PostingFactory(
        org=(site or w.site).org,
        site=site or w.site,
        title=title,
        status=PostingStatus.PUBLISHED,
        approved_at=now,
        first_published_at=now - timedelta(days=days_ago),
        expires_at=now + timedelta(days=30),
        description_md=fields.pop("description_md", "A position in a friendly team."),
        **fields,
    )
    outbox.enqueue(SEARCH_SYNC, {"posting_id": posting.id})
    if drain:
        db.session.commit()
        outbox.drain()
    return posting


def sync_all() -> None:
    db.session.commit()
    outbox.drain()


# --- reading the page ---------------------------------------------------------------------------


def tree(response):
    return html5lib.parse(response.get_data(as_text=True), namespaceHTMLElements=False)


def hit_ids(response) -> list[int]:
    """The postings shown as search hits, in order."""
    return [
        int(m)
        for m in re.findall(r'<h2 class="h5 card-title mb-1"><a href="/jobs/(\d+)-', response.get_data(as_text=True))
    ]


def notices(response) -> list[str]:
    return [
        "".join(el.itertext()).strip()
        for el in tree(response).iter("div")
        if "alert-secondary" in (el.get("class") or "")
    ]


def facet_counts(response, param: str) -> dict[str, int]:
    """value → count shown next to each checkbox of a facet group."""
    page = tree(response)
    counts = {}
    for label in page.iter("label"):
        for box in label.iter("input"):
            if box.get("name") == param and box.get("type") == "checkbox":
                counts[box.get("value")] = int(re.search(r"\((\d+)\)\s*$", "".join(label.itertext())).group(1))
    return counts


def form_query(response) -> list[tuple[str, str]]:
    """What a browser would send on submitting the search form as the page shows it."""
    form = next(el for el in tree(response).iter("form") if el.get("id") == "search-form")
    pairs = []
    for el in form.iter():
        name = el.get("name")
        if not name:
            continue
        if el.tag == "input":
            kind = el.get("type", "text")
            if kind == "checkbox":
                if el.get("checked") is not None:
                    pairs.append((name, el.get("value", "on")))
            elif el.get("value"):
                pairs.append((name, el.get("value")))
        elif el.tag == "select":
            chosen = [o for o in el.iter("option") if o.get("selected") is not None]
            value = chosen[0].get("value") if chosen else next(el.iter("option")).get("value")
            if value:
                pairs.append((name, value))
    return pairs


def total_shown(response) -> str:
    return re.search(r'<p id="search-total"[^>]*>\s*([^<]+?)\s*</p>', response.get_data(as_text=True)).group(1)


# --- state in the URL ------------------------------------------------------------------------------


def test_the_query_string_round_trips_through_the_page(world, search_engine, client):
    ward = [
        listed(world, f"Pediatrician ward {n}", days_ago=n + 1, salary_min_ils=30_000 + n, drain=False)
        for n in range(25)
    ]
    listed(world, "Pediatrician in Tel Aviv", site=world.tlv_site, drain=False)
    listed(world, "Psychiatrist", specialty_slug="psychiatry", drain=False)
    sync_all()

    state = [
        ("q", "pediatrician"),
        ("region", "negev"),
        ("specialty", "pediatrics"),
        ("periphery", "1"),
        ("min_salary", "30005"),
        ("hebrew", "4"),
        ("city", "beersheba"),
        ("km", "50"),
        ("sort", "newest"),
    ]
    url = "/jobs?" + urlencode(state)
    first = client.get(url)
    assert first.status_code == 200
    assert notices(first) == []
    shown = hit_ids(first)
    assert len(shown) == 20
    assert total_shown(first) == "20 positions"  # 25 at Beersheba, minus the five below 30,005 ILS

    # The form shows the state back; submitting it reproduces the page.
    sent = form_query(first)
    assert sorted(sent) == sorted(state)
    again = client.get("/jobs?" + urlencode(sent))
    assert hit_ids(again) == shown
    assert form_query(again) == sent

    # Newest first, and only salaries from 30,005 ILS.
    assert shown == [p.id for p in ward[5:]]


def test_pagination_links_keep_the_state(world, search_engine, client):
    for n in range(25):
        listed(world, f"Nephrologist {n}", specialty_slug="nephrology", days_ago=n + 1, drain=False)
    sync_all()

    first = client.get("/jobs?q=nephrologist&sort=newest")
    assert "Page 1 of 2" in first.get_data(as_text=True)
    next_link = re.search(r'href="([^"]+)">Next<', first.get_data(as_text=True)).group(1).replace("&amp;", "&")
    second = client.get(next_link)
    assert "page=2" in next_link and "q=nephrologist" in next_link and "sort=newest" in next_link
    assert len(hit_ids(first)) == 20 and len(hit_ids(second)) == 5
    assert not set(hit_ids(first)) & set(hit_ids(second))
    # A hit links to the posting's public page.
    link = re.search(r'<h2 class="h5 card-title mb-1"><a href="([^"]+)"', second.get_data(as_text=True)).group(1)
    assert client.get(link).status_code == 200
    previous = re.search(r'href="([^"]+)">Previous<', second.get_data(as_text=True)).group(1).replace("&amp;", "&")
    assert hit_ids(client.get(previous)) == hit_ids(first)


def test_clearing_the_filters_keeps_only_the_text(world, search_engine, client):
    listed(world, "Nephrologist", specialty_slug="nephrology")
    body = client.get("/jobs?q=kidney+care&region=negev&periphery=1&sort=newest&page=2").get_data(as_text=True)
    assert '<a href="/jobs?q=kidney+care">Clear all filters</a>' in body
    assert "Clear all filters" not in client.get("/jobs?q=kidney+care&sort=newest").get_data(as_text=True)


def test_facets_narrow_the_results_and_show_counts(world, search_engine, client):
    negev = [listed(world, f"Anesthesiologist {n}", specialty_slug="anesthesiology", drain=False) for n in range(3)]
    center = [
        listed(world, f"Anesthesiologist TA {n}", site=world.tlv_site, specialty_slug="anesthesiology", drain=False)
        for n in range(2)
    ]
    cardio = listed(world, "Cardiologist", site=world.tlv_site, specialty_slug="cardiology", drain=False)
    sync_all()

    first_visit = client.get("/jobs")
    assert facet_counts(first_visit, "region") == {"negev": 3, "center": 3}
    assert facet_counts(first_visit, "specialty") == {}  # shown closed: counted once opened
    assert 'href="/jobs?open=specialty"' in first_visit.get_data(as_text=True)

    everything = client.get("/jobs?open=specialty")
    assert facet_counts(everything, "region") == {"negev": 3, "center": 3}
    assert facet_counts(everything, "specialty") == {"anesthesiology": 5, "cardiology": 1}
    assert '<input type="hidden" name="open" value="specialty">' in everything.get_data(as_text=True)
    assert set(hit_ids(everything)) == {p.id for p in [*negev, *center, cardio]}

    narrowed = client.get("/jobs?region=center&open=specialty")
    assert set(hit_ids(narrowed)) == {p.id for p in [*center, cardio]}
    # The other regions stay, counted as if none were chosen: ticking one more widens the search.
    assert facet_counts(narrowed, "region") == {"negev": 3, "center": 3}
    assert facet_counts(narrowed, "specialty") == {"anesthesiology": 2, "cardiology": 1}
    assert 'value="center" checked' in narrowed.get_data(as_text=True)
    assert facet_counts(client.get("/jobs?region=center&specialty=cardiology"), "region") == {"center": 1}

    both = client.get("/jobs?region=center&specialty=cardiology")
    assert hit_ids(both) == [cardio.id]
    two_regions = client.get("/jobs?region=center&region=negev&specialty=anesthesiology")
    assert set(hit_ids(two_regions)) == {p.id for p in [*negev, *center]}


# --- htmx ---------------------------------------------------------------------------------------


def test_an_htmx_request_gets_only_the_results_fragment(world, search_engine, client):
    posting = listed(world, "Urologist", specialty_slug="urology")

    fragment = client.get("/jobs?q=urologist", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200
    # The results and the filter list (htmx takes both: hx-select and hx-select-oob), not the form.
    assert 'id="search-results"' in body and 'id="search-filter-list"' in body
    assert "<html" not in body and "<form" not in body and 'id="q"' not in body
    assert hit_ids(fragment) == [posting.id]
    assert "HX-Request" in fragment.headers.get("Vary", "")

    page = client.get("/jobs?q=urologist")
    assert "<html" in page.get_data(as_text=True) and 'id="search-form"' in page.get_data(as_text=True)
    # Keyboard users skip the filters to the results; the count alone is announced (a status
    # region outside what is swapped), not the whole list on every keystroke.
    whole = page.get_data(as_text=True)
    assert 'href="#search-results">Skip the filters to the results</a>' in whole
    assert '<section id="search-results" class="col-lg-9" tabindex="-1" aria-labelledby="search-total">' in whole
    assert '<p id="search-status" class="visually-hidden" role="status"></p>' in whole
    assert 'id="search-status"' not in body
    assert "HX-Request" in page.headers.get("Vary", "")
    assert hit_ids(page) == [posting.id]


def test_the_fragment_counts_the_filters_chosen_and_offers_nearest_once_a_city_is_chosen(world, search_engine, client):
    listed(world, "Urologist", specialty_slug="urology")
    htmx = {"HX-Request": "true"}

    with_city = client.get("/jobs?region=negev&region=center&periphery=1&city=tel-aviv&km=25", headers=htmx)
    body = with_city.get_data(as_text=True)
    # Two regions, the periphery and the city with its distance: the drawer's button says 4.
    assert re.search(r'text-bg-primary" aria-hidden="true">4</span>\s*<span class="visually-hidden">\(4 chosen\)', body)
    assert '<option value="distance"' in body  # the order list is in the fragment, so it follows at once
    without = client.get("/jobs?region=negev", headers=htmx).get_data(as_text=True)
    assert '<option value="distance"' not in without and 'aria-hidden="true">1</span>' in without
    assert "text-bg-primary" not in client.get("/jobs", headers=htmx).get_data(as_text=True)
    assert 'data-default-km="50"' in body


def test_the_address_pushed_after_an_htmx_search_is_the_search_without_empty_fields(world, search_engine, client):
    listed(world, "Urologist", specialty_slug="urology")
    sent = "q=urologist&sort=relevance&region=negev&hebrew=&min_salary=&km=&city=&colour=blue"

    fragment = client.get(f"/jobs?{sent}", headers={"HX-Request": "true"})
    assert fragment.headers["HX-Push-Url"] == "/jobs?q=urologist&region=negev"
    page = client.get(f"/jobs?{sent}")
    assert "HX-Push-Url" not in page.headers  # a whole page is at the address it was asked for
    assert (
        client.get("/jobs?region=negev&page=2&sort=salary", headers={"HX-Request": "true"}).headers["HX-Push-Url"]
        == "/jobs?region=negev&sort=salary&page=2"
    )


def test_the_results_fragment_needs_nothing_from_the_context_processors(app):
    """The fragment is rendered without them (``render_page(plain_block=True)``): a name only they
    provide would render as nothing there."""
    source, _name, _uptodate = app.jinja_env.loader.get_source(app.jinja_env, "search/index.html")
    block = next(b for b in app.jinja_env.parse(source).find_all(nodes.Block) if b.name == "results")
    body = nodes.Template(block.body)
    body.set_environment(app.jinja_env)
    used = meta.find_undeclared_variables(body)
    with app.test_request_context("/jobs"):
        provided: dict[str, object] = {}
        app.update_template_context(provided)
    assert {"current_user", "request", "nav_memberships"} <= provided.keys()
    assert used, "the block uses the view's context"
    assert not used & provided.keys()


def test_a_history_restore_request_gets_the_whole_page(world, search_engine, client):
    listed(world, "Urologist", specialty_slug="urology")
    restored = client.get("/jobs?q=urologist", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    body = restored.get_data(as_text=True)
    assert restored.status_code == 200
    assert "<html" in body and 'id="search-form"' in body and 'value="urologist"' in body
    assert "HX-Request" in restored.headers.get("Vary", "")


# --- hostile and malformed parameters ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected_notice"),
    [
        ("colour=blue", "Ignored an unknown filter “colour”."),
        ("region=atlantis", "Ignored an unknown region “atlantis”."),
        ("page=abc", "Ignored the page number: “abc” is not a whole number."),
        ("page=-5", "Ignored the page number: it must be between 1 and 50."),
        ("page=99999999999999999999999999", "Ignored the page number: it must be between 1 and 50."),
        ("min_salary=1e309", "Ignored the minimum salary: “1e309” is not a whole number."),
        ("min_salary=NaN", "Ignored the minimum salary: “NaN” is not a whole number."),
        ("min_salary=-inf", "Ignored the minimum salary: “-inf” is not a whole number."),
        ("min_salary=99999999999999999999999999999", "Ignored the minimum salary: it must be between 0 and 1,000,000."),
        ("hebrew=7", "Ignored the Hebrew level: it must be between 0 and 6."),
        ("km=0&city=beersheba", "Ignored the distance: it must be between 1 and 500."),
        ("city=gotham", "Ignored an unknown city “gotham”."),
        ("sort=price", "Ignored an unknown order “price”."),
        ("sort=distance", "Choose a city to sort by distance."),
        ("q=geriatrician+" + "x" * 10_000, "The search text was cut to 200 characters."),
        ("region=neg%00ev", "Ignored an unknown region “neg\x00ev”."),
        ("employer=%00", "Ignored an unknown employer “\x00”."),
        ("%3Cscript%3E=1", "Ignored an unknown filter “<script>”."),
    ],
    ids=lambda value: value[:40] if isinstance(value, str) else None,
)
def test_malformed_parameters_give_the_page_with_a_notice(world, search_engine, client, query, expected_notice):
    posting = listed(world, "Geriatrician", specialty_slug="geriatrics")
    response = client.get("/jobs?" + query)
    assert response.status_code == 200
    # (An HTML parser drops the NUL characters the page echoes back.)
    assert expected_notice.replace("\x00", "") in [n.replace("\ufffd", "") for n in notices(response)]
    assert hit_ids(response) == [posting.id]  # the rest of the query still works (none of these filters apply)


def test_parameters_never_cause_a_server_error(world, search_engine, client):
    listed(world, "Geriatrician", specialty_slug="geriatrics")
    queries = [
        "q=%00%00geri%00atrician",
        "q=geriatrician&q=cardiology",
        "page=1&page=2&page=abc",
        "min_salary=&hebrew=",
        "city=beersheba&city=haifa&km=10&km=abc",
        "sort=newest&sort=bogus",
        "q=" + "%E2%80%AE" * 300,
        "q=%22%5C%27%3B--",
        "q=a%22+OR+employer+%3D+5",
        "region=" + "x" * 5000,
        "periphery=yes",
        "q=" + "+".join(["word"] * 500),
        "min_salary=%00",
        "page=%00",
        "city=%00",
        "km=1e3&city=beersheba",
        "specialty=pediatrics&specialty=pediatrics&specialty=pediatrics",
        "hebrew=%EF%BC%93",
    ]
    for query in queries:
        response = client.get("/jobs?" + query)
        assert response.status_code == 200, query
        htmx = client.get("/jobs?" + query, headers={"HX-Request": "true"})
        assert htmx.status_code == 200, query


def test_nul_bytes_are_dropped_from_the_text_and_the_first_single_value_wins(world, search_engine, client):
    posting = listed(world, "Geriatrician", specialty_slug="geriatrics")
    assert hit_ids(client.get("/jobs?q=geria%00trician")) == [posting.id]
    page = client.get("/jobs?q=geriatrician&q=cardiology")
    assert hit_ids(page) == [posting.id]
    assert 'value="geriatrician"' in page.get_data(as_text=True)


def test_notices_and_the_search_text_are_escaped(world, search_engine, client):
    response = client.get(
        "/jobs?"
        + urlencode(
            {
                "<img src=x onerror=alert(1)>": "1",
                "q": "<script>alert(1)</script>",
                "region": '"><script>alert(2)</script>',
            }
        )
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


# --- only what the public may see -------------------------------------------------------------


def test_only_published_unexpired_postings_of_verified_employers_are_ever_found(world, search_engine, client):
    visible = published(
        world, title="Marmoset visible", specialty_slug="cardiology", description_md="Visible marmoset text."
    )
    draft = create(world, title="Marmoset draft", specialty_slug="neurology")
    pending = submitted(world, title="Marmoset pending", specialty_slug="urology")
    rejected = submitted(world, title="Marmoset rejected", specialty_slug="psychiatry")
    reviewing.reject(rejected, world.admin, "Not a real position.")
    closed = published(world, title="Marmoset closed", specialty_slug="geriatrics")
    services.close_posting(closed, world.recruiter, CloseReason.FILLED)
    unpublished = published(world, title="Marmoset unpublished", specialty_slug="dermatology-and-venereology")
    reviewing.unpublish(unpublished, world.admin, "Misleading.")
    # Listed when indexed; its expiry date passes before the worker has expired it.
    expiring = published(world, title="Marmoset expiring", specialty_slug="hematology", duration_days=7)
    suspended_site = SiteFactory(org=world.other, city_slug="haifa", lat=32.79, lon=34.99)
    of_suspended = services.create_posting(
        world.other, world.other_recruiter, _content(suspended_site, "Marmoset suspended", "oncology")
    )
    services.submit(of_suspended, world.other_recruiter)
    reviewing.approve(of_suspended, world.admin)
    sync_all()
    suspend_org(world.admin, world.other, "Fraud.")
    sync_all()
    hidden = [draft, pending, rejected, closed, unpublished, expiring, of_suspended]
    hidden_specialties = [
        "neurology",
        "urology",
        "psychiatry",
        "geriatrics",
        "dermatology-and-venereology",
        "hematology",
        "oncology",
    ]

    with time_machine.travel(utcnow() + timedelta(days=8), tick=False):
        for query in (
            "/jobs",
            "/jobs?q=marmoset",
            "/jobs?q=marmoset&sort=newest",
            "/jobs?sort=salary",
            "/jobs?q=marmoset+expiring",
            "/jobs?q=marmoset+suspended",
            "/jobs?specialty=hematology",
            "/jobs?region=haifa",
            "/jobs?q=marmoset",
            "/jobs?q=marmoset&page=1",
        ):
            opened = "open=specialty&open=employer"  # every group whose counts are checked below
            response = client.get(f"{query}&{opened}" if "?" in query else f"{query}?{opened}")
            body = response.get_data(as_text=True)
            assert response.status_code == 200
            assert set(hit_ids(response)) <= {visible.id}, query
            for posting in hidden:
                assert posting.title not in body, (query, posting.title)
            specialty_counts = facet_counts(response, "specialty")
            assert all(specialty_counts.get(s, 0) == 0 for s in hidden_specialties), (query, specialty_counts)
            assert facet_counts(response, "region").get("haifa", 0) == 0, query
            assert set(facet_counts(response, "employer")) <= {world.org.slug}, query
        everything = client.get("/jobs?q=marmoset&open=specialty")
        assert hit_ids(everything) == [visible.id]
        assert total_shown(everything) == "1 position"
        assert facet_counts(everything, "specialty") == {"cardiology": 1}


def _content(site, title: str, specialty: str):
    from tests.jobs.helpers import content

    return content(site, title=title, specialty_slug=specialty, description_md=f"{title}: a position.")


# --- versions in other languages -------------------------------------------------------------------


def test_a_version_in_french_is_found_by_its_words_and_titles_the_card_for_french_readers(world, search_engine, client):
    french = PostingText("fr", "Néonatologiste senior", "Nous cherchons un néonatologiste pour la maternité.")
    posting = published(world, title="Senior neonatologist", translations=[french])
    published(world, title="Senior pediatrician", site=world.tlv_site, description_md="A children's ward.")
    sync_all()

    for query in ("maternité", "maternite", "néonatologiste"):
        response = client.get(f"/fr/jobs?{urlencode({'q': query})}")
        titles = {int(i): t for i, t in re.findall(r'<a href="/fr/jobs/(\d+)-[^"]*"><bdi>([^<]*)', response.text)}
        assert titles == {posting.id: "Néonatologiste senior"}, query
    english = client.get("/en/jobs?q=maternite")
    assert re.findall(r'<a href="/en/jobs/\d+-[^"]*"><bdi>([^<]*)', english.text) == ["Senior neonatologist"]


# --- the empty state ------------------------------------------------------------------------------


def test_an_empty_result_suggests_removing_a_filter_with_its_count(world, search_engine, client):
    listed(world, "Pediatrician one", drain=False)
    listed(world, "Pediatrician two", drain=False)
    listed(world, "Psychiatrist TA", site=world.tlv_site, specialty_slug="psychiatry", drain=False)
    sync_all()

    response = client.get("/jobs?region=center&specialty=pediatrics")
    body = response.get_data(as_text=True)
    assert hit_ids(response) == []
    assert "No positions match." in body
    suggestions = re.findall(r'<li><a href="([^"]+)">([^<]+)</a> \((\d+) positions?\)</li>', body)
    assert [(label, int(count)) for _href, label, count in suggestions] == [
        ("Region: Center", 2),
        ("Specialty: Pediatrics", 1),
    ]
    follow = client.get(suggestions[0][0].replace("&amp;", "&"))
    assert len(hit_ids(follow)) == 2
    assert "specialty=pediatrics" in suggestions[0][0] and "region" not in suggestions[0][0]

    salary = client.get("/jobs?specialty=psychiatry&min_salary=900000")
    assert re.search(r">Minimum salary: 900000</a> \(1 position\)", salary.get_data(as_text=True))


def test_a_query_naming_a_vocabulary_term_in_any_language_finds_it_and_offers_its_filter(world, search_engine, client):
    pediatrics = listed(world, "Attending", specialty_slug="pediatrics", drain=False)
    listed(world, "Attending", specialty_slug="cardiology", drain=False)
    sync_all()

    for text in ("педиатрии", "ברפואת ילדים", "Pédiatrie"):
        page = client.get("/ru/jobs?" + urlencode({"q": text}))
        body = page.get_data(as_text=True)
        assert re.findall(r'<a href="/ru/jobs/(\d+)-', body) == [str(pediatrics.id)], text
        offered = re.findall(
            r'<a class="btn btn-sm btn-outline-primary offered-filter" href="([^"]+)">([^<]+)</a>', body
        )
        assert [href for href, _label in offered] == ["/ru/jobs?specialty=pediatrics"], text

    followed = client.get("/jobs?specialty=pediatrics")
    assert hit_ids(followed) == [pediatrics.id]
    # Already filtered by it: nothing more to offer. A city is offered as a distance.
    assert "offered-filter" not in client.get("/jobs?q=pediatrics&specialty=pediatrics").get_data(as_text=True)
    city = client.get("/jobs?" + urlencode({"q": "בבאר שבע"})).get_data(as_text=True)
    assert 'href="/jobs?city=beersheba&amp;km=25"' in city


def test_an_empty_text_search_without_filters_says_so(world, search_engine, client):
    listed(world, "Pediatrician one")
    body = client.get("/jobs?q=xylophone").get_data(as_text=True)
    assert "No positions match." in body and "Check the spelling" in body
    assert "Try removing a filter" not in body


# --- escaping ---------------------------------------------------------------------------------------


def test_highlights_are_escaped_before_marking(world, search_engine, client):
    posting = listed(world, "<b>x</b> pediatrics", description_md="<script>alert(1)</script> pediatrics ward")
    body = client.get("/jobs?q=pediatrics").get_data(as_text=True)
    assert hit_ids(client.get("/jobs?q=pediatrics")) == [posting.id]
    assert "&lt;b&gt;x&lt;/b&gt; <mark>pediatrics</mark>" in body
    assert "<b>x</b>" not in body and "<script>alert" not in body
    plain = client.get("/jobs").get_data(as_text=True)
    assert "&lt;b&gt;x&lt;/b&gt; pediatrics" in plain and "<b>x</b>" not in plain


def test_facet_labels_are_escaped(world, search_engine, client):
    world.site.org.name = '<i>Soroka</i> & "Partners"'
    posting = listed(world, "Pediatrician")
    body = client.get("/jobs?open=employer", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<i>" not in body
    assert "&lt;i&gt;Soroka&lt;/i&gt; &amp; &quot;Partners&quot; <span" in body  # the employer checkbox's label
    assert facet_counts(client.get("/jobs?open=employer"), "employer") == {world.site.org.slug: 1}
    assert hit_ids(client.get("/jobs")) == [posting.id]


def facet_labels(response, param: str) -> dict[str, str]:
    """value → label of each checkbox of a facet group (its count left out)."""
    labels = {}
    for label in tree(response).iter("label"):
        for box in label.iter("input"):
            if box.get("name") == param and box.get("type") == "checkbox":
                labels[box.get("value")] = re.sub(r"\s*\(\d+\)\s*$", "", "".join(label.itertext())).strip()
    return labels


def test_facets_cards_cities_and_feed_name_the_vocabularies_in_the_readers_language(world, search_engine, client):
    grant = GrantProgramFactory(name="Negev grant", names={"fr": "Prime du Néguev"}, regions=["negev"])
    listed(world, "Pédiatre", grants=[grant])
    french = client.get("/fr/jobs?open=specialty&open=grant")
    assert facet_labels(french, "region") == {"negev": "Néguev"}
    assert facet_labels(french, "profession") == {"physician": "Médecin"}
    assert facet_labels(french, "specialty") == {"pediatrics": "Pédiatrie"}
    assert facet_labels(french, "grant") == {grant.slug: "Prime du Néguev"}
    [card] = [" ".join("".join(article.itertext()).split()) for article in tree(french).iter("article")]
    assert "Beer-Sheva, Néguev" in card and "Médecin · Pédiatrie" in card and "Prime du Néguev" in card
    assert "Beersheba" not in card and "Pediatrics" not in card and "Negev grant" not in card

    cities = [option.text for option in tree(client.get("/ru/jobs")).find(".//select[@id='f-city']").iter("option")]
    assert cities[1:] == sorted(cities[1:], key=alphabetical) and "Беэр-Шева" in cities
    assert cities.index("Иерусалим") < cities.index("Эйлат")  # in English, Eilat comes first

    feed = client.get("/fr/jobs/feed.atom").get_data(as_text=True)
    assert '<category term="negev" label="Néguev"/>' in feed
    assert "Beer-Sheva, Néguev (périphérie)." in feed and "Prime du Néguev" in feed
    english = client.get("/en/jobs?open=grant")
    assert facet_labels(english, "grant") == {grant.slug: "Negev grant"}  # no English name but its own


# --- the engine failing ----------------------------------------------------------------------------


def test_the_engine_failing_gives_a_limited_database_search_and_trips_the_breaker(
    world, search_engine, client, monkeypatch
):
    matching = listed(world, "Pulmonologist day unit", specialty_slug="pulmonology", drain=False)
    other = listed(world, "Rheumatologist", specialty_slug="rheumatology", drain=False)
    sync_all()
    calls = []

    def down(query):
        calls.append(query)
        raise EngineUnavailable("connection refused")

    monkeypatch.setattr(search_engine, "search", down)

    first = client.get("/jobs?q=pulmonologist")
    body = first.get_data(as_text=True)
    assert first.status_code == 200
    assert LIMITED in body
    assert matching.title in body and other.title not in body
    assert f'href="/jobs/{matching.id}-' in body
    assert len(calls) == 1

    second = client.get("/jobs?q=rheumatologist", headers={"HX-Request": "true"})
    assert second.status_code == 200
    assert LIMITED in second.get_data(as_text=True)
    assert other.title in second.get_data(as_text=True)
    assert len(calls) == 1  # the breaker is open: the engine is not asked again

    monkeypatch.undo()
    client.application.extensions.pop("search_breaker", None)  # the breaker's time is up
    recovered = client.get("/jobs?q=pulmonologist")
    assert LIMITED not in recovered.get_data(as_text=True)
    assert hit_ids(recovered) == [matching.id]


def test_the_fallback_shows_only_listed_postings(world, search_engine, client, monkeypatch):
    visible = listed(world, "Endocrinologist visible", specialty_slug="endocrinology")
    closed = published(world, title="Endocrinologist closed", specialty_slug="endocrinology")
    services.close_posting(closed, world.recruiter, CloseReason.FILLED)
    create(world, title="Endocrinologist draft")
    sync_all()
    monkeypatch.setattr(search_engine, "search", lambda query: (_ for _ in ()).throw(EngineUnavailable("down")))

    body = client.get("/jobs?q=endocrinologist%25_").get_data(as_text=True)
    assert LIMITED in body and "0 positions" in body  # % and _ are matched literally
    body = client.get("/jobs?q=endocrinologist").get_data(as_text=True)
    assert visible.title in body
    assert "Endocrinologist closed" not in body and "Endocrinologist draft" not in body


# --- cost -------------------------------------------------------------------------------------------


def test_the_page_costs_a_constant_number_of_sql_statements(world, search_engine, client, app):
    def statements_for(url: str) -> tuple[int, int]:
        client.get(url)  # warm the per-process caches, as on a live server
        with recorded_statements() as seen:
            response = client.get(url)
        assert response.status_code == 200
        return len(seen), len(hit_ids(response))

    for n in range(5):
        listed(world, f"Ophthalmologist {n}", specialty_slug="ophthalmology", drain=False, grants=[], languages=[])
    sync_all()
    few, few_hits = statements_for("/jobs?q=ophthalmologist")
    few_page, _ = statements_for("/jobs")

    for n in range(5, 40):
        listed(
            world,
            f"Ophthalmologist {n}",
            specialty_slug="ophthalmology",
            drain=False,
            site=world.tlv_site if n % 2 else world.site,
        )
    sync_all()
    many, many_hits = statements_for("/jobs?q=ophthalmologist")
    many_page, _ = statements_for("/jobs")

    assert (few_hits, many_hits) == (5, 20)
    assert many == few
    assert many_page == few_page


def test_the_database_fallback_also_costs_a_constant_number_of_sql_statements(
    world, search_engine, client, monkeypatch
):
    monkeypatch.setattr(search_engine, "search", lambda query: (_ for _ in ()).throw(EngineUnavailable("down")))

    def statements_for(url: str) -> tuple[int, str]:
        client.get(url)
        with recorded_statements() as seen:
            response = client.get(url)
        body = response.get_data(as_text=True)
        assert LIMITED in body
        return len(seen), body

    grant = GrantProgramFactory()
    for n in range(3):
        listed(world, f"Hepatologist {n}", specialty_slug="gastroenterology", grants=[grant], drain=False)
    sync_all()
    few, body = statements_for("/jobs?q=hepatologist")
    assert body.count("Hepatologist ") == 3
    for n in range(3, 25):
        listed(
            world,
            f"Hepatologist {n}",
            specialty_slug="gastroenterology",
            grants=[grant],
            drain=False,
            site=world.tlv_site if n % 2 else world.site,
        )
    sync_all()
    many, body = statements_for("/jobs?q=hepatologist")
    assert body.count("Hepatologist ") == 20
    assert many == few


def test_a_city_orders_by_distance_and_shows_it(world, search_engine, client):
    near = listed(world, "Dermatologist near", specialty_slug="dermatology-and-venereology", drain=False)
    far = listed(
        world, "Dermatologist far", site=world.tlv_site, specialty_slug="dermatology-and-venereology", drain=False
    )
    sync_all()
    body = client.get("/jobs?q=dermatologist&city=tel-aviv&sort=distance").get_data(as_text=True)
    assert hit_ids(client.get("/jobs?q=dermatologist&city=tel-aviv&sort=distance")) == [far.id, near.id]
    assert re.search(r"&middot; [01] km</span>", body) and re.search(
        r"&middot; 9\d km</span>", body
    )  # the site is 0.6 km out
    assert hit_ids(client.get("/jobs?q=dermatologist&city=tel-aviv&km=25")) == [far.id]


def test_a_page_past_the_last_one_links_back_to_the_first(world, search_engine, client):
    listed(world, "Neurologist", specialty_slug="neurology")
    response = client.get("/jobs?q=neurologist&specialty=neurology&page=3")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert total_shown(response) == "1 position"
    assert hit_ids(response) == []
    assert "No positions match." not in body and "Check the spelling" not in body
    back = re.search(r'<a href="([^"]+)">Back to the first page</a>', body).group(1).replace("&amp;", "&")
    assert "page=" not in back and "q=neurologist" in back and "specialty=neurology" in back
    assert len(hit_ids(client.get(back))) == 1


def test_a_city_the_engine_cannot_measure_from_is_a_bad_request_not_a_server_error(world, search_engine, client):
    # A city added to the vocabulary after the engine was built has no distance fields in it
    # (the embedded engine needs a restart and a reindex); the engine refuses the query.
    listed(world, "Neurologist", specialty_slug="neurology")
    db.session.add(
        City(
            slug="new-town",
            name="New Town",
            names={"he": "עיר חדשה"},
            region_slug="negev",
            lat=31.1,
            lon=34.9,
            is_periphery=True,
            aliases=[],
        )
    )
    db.session.commit()
    response = client.get("/jobs?q=neurologist&city=new-town&km=25")
    if search_engine.name == "embedded":
        assert response.status_code == 400
        assert "new-town" in response.get_data(as_text=True)
    else:
        assert response.status_code == 200
