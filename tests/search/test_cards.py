"""The search page's hit cards, written in Python: every document value escaped, highlights kept
as marked, and each optional part shown only when the document has it."""

from __future__ import annotations

import time_machine
from markupsafe import Markup

from jobboard.i18n import in_language
from jobboard.search.cards import hit_cards, posted_date
from jobboard.search.facets import build_catalogue
from jobboard.search.port import Hit

HOSTILE = '<script>x</script> & "q"'
ENGLISH = build_catalogue({}, [])  # names nothing: the documents' own (English) labels are shown


def document(**changes: object) -> dict[str, object]:
    doc: dict[str, object] = {
        "slug": "resident-pediatrics",
        "title": "Resident, Pediatrics",
        "employer_name": "Soroka",
        "city_name": "Beersheba",
        "region_label": "Negev",
        "is_periphery": False,
        "profession_label": "Physician",
        "specialty_label": "Pediatrics",
        "salary_top_ils": None,
        "grant_names": [],
        "description_text": "A friendly team.",
        "posted_at": 1_700_000_000,
    }
    doc.update(changes)
    return doc


def test_every_document_value_is_escaped():
    doc = document(
        **{
            name: HOSTILE
            for name in (
                "slug",
                "title",
                "employer_name",
                "city_name",
                "region_label",
                "profession_label",
                "specialty_label",
                "description_text",
            )
        },
        grant_names=[HOSTILE],
    )
    html = str(hit_cards([Hit(id=7, document=doc)], "/jobs/", ENGLISH))
    assert "<script>" not in html and '"q"' not in html
    assert html.count("&lt;script&gt;x&lt;/script&gt; &amp; &quot;q&quot;") == 9
    assert 'href="/jobs/7-&lt;script&gt;' in html


def test_highlights_are_shown_as_marked_and_missing_ones_fall_back_to_the_plain_text():
    marked = {"title": Markup("Resident, <mark>Pediatrics</mark>"), "description_text": Markup("A <mark>team</mark>…")}
    html = str(hit_cards([Hit(id=1, document=document(), highlights=marked)], "/jobs/", ENGLISH))
    assert '<a href="/jobs/1-resident-pediatrics"><bdi>Resident, <mark>Pediatrics</mark></bdi></a>' in html
    assert "A <mark>team</mark>…" in html and "&middot; Pediatrics" in html


def test_optional_parts_appear_only_when_the_document_has_them():
    bare = str(hit_cards([Hit(id=1, document=document(specialty_label=None))], "/jobs/", ENGLISH))
    assert "Periphery" not in bare and " km<" not in bare and "up to " not in bare and "badge text-bg-info" not in bare
    assert '<p class="mb-1 small">Physician</p>' in bare
    full = str(
        hit_cards(
            [
                Hit(
                    id=1,
                    document=document(is_periphery=True, salary_top_ils=42500, grant_names=["Negev grant", "Ulpan"]),
                    distance_km=29.6,
                )
            ],
            "/jobs/",
            ENGLISH,
        )
    )
    assert '<span class="badge text-bg-success">Periphery</span>' in full and "&middot; 30 km" in full
    assert "up to &#8362;42,500 a month" in full and full.count("badge text-bg-info") == 2
    assert str(hit_cards([], "/jobs/", ENGLISH)) == ""


def test_the_salary_is_shown_as_the_employer_gave_it():
    def salary(**fields: object) -> str:
        return str(hit_cards([Hit(id=1, document=document(**fields))], "/jobs/", ENGLISH))

    assert "&#8362;30,000 &#8211; &#8362;45,000 a month" in salary(salary_min_ils=30000, salary_max_ils=45000)
    assert "from &#8362;30,000 a month" in salary(salary_min_ils=30000, salary_max_ils=None)
    assert "up to &#8362;45,000 a month" in salary(salary_min_ils=None, salary_max_ils=45000)
    assert "a month" not in salary(salary_min_ils=None, salary_max_ils=None)


def test_the_largest_grant_is_shown_when_asked_for():
    doc = document(grant_names=["Negev grant"], grant_max_ils=120000)
    assert "Grant up to &#8362;120,000" in str(
        hit_cards([Hit(id=1, document=doc)], "/jobs/", ENGLISH, grant_amounts=True)
    )
    assert "Grant up to" not in str(hit_cards([Hit(id=1, document=doc)], "/jobs/", ENGLISH))
    no_amount = document(grant_names=["Ulpan"], grant_max_ils=None)
    assert "Grant up to" not in str(hit_cards([Hit(id=1, document=no_amount)], "/jobs/", ENGLISH, grant_amounts=True))


@time_machine.travel("2023-11-16 09:00:00Z", tick=False)
def test_a_card_says_how_long_ago_the_position_was_posted_with_the_date_beside():
    def posted(timestamp: int) -> str:
        return str(hit_cards([Hit(id=1, document=document(posted_at=timestamp))], "/jobs/", ENGLISH))

    two_days = posted(1_700_000_000)  # 14 Nov 2023, 22:13 UTC
    assert '<time datetime="2023-11-14" title="Posted 14 Nov 2023">Posted 2 days ago</time>' in two_days
    assert ">Posted today</time>" in posted(1_700_121_600)  # 16 Nov, 08:00 UTC
    assert ">Posted 1 month ago</time>" in posted(1_700_000_000 - 30 * 86_400)


def test_the_posted_date_is_the_utc_day():
    assert posted_date(1_700_000_000) == "14 Nov 2023"  # 22:13 UTC, already the 15th east of UTC
    assert posted_date(None) == ""


def test_cards_are_written_in_ascii_with_labels_beyond_it_as_references():
    html = str(
        hit_cards(
            [Hit(id=1, document=document(employer_name="Hôpital <Nord>", salary_top_ils=40000))], "/jobs/", ENGLISH
        )
    )
    assert html.isascii()
    assert "<bdi>H&#244;pital &lt;Nord&gt;</bdi> &middot; <bdi>Beersheba</bdi>" in html


def test_the_vocabularies_are_named_as_the_readers_catalogue_names_them_by_slug():
    french = build_catalogue(
        {
            "profession": {"physician": "Médecin"},
            "specialty": {"pediatrics": "Pédiatrie"},
            "region": {"negev": "Néguev"},
            "grant": {"negev-grant": "Prime du Néguev"},
        },
        [("beersheba", "Beer-Sheva", 31.25, 34.79)],
    )
    doc = document(
        profession="physician",
        specialty="pediatrics",
        region="negev",
        city="beersheba",
        grant_programs=["negev-grant", "created-a-second-ago"],
        grant_names=["Negev grant", "New grant"],
    )
    marked = {"specialty_label": Markup("<mark>Pediatrics</mark>")}
    html = str(hit_cards([Hit(id=1, document=doc, highlights=marked)], "/fr/jobs/", french))
    assert "<bdi>Beer-Sheva</bdi>, <bdi>N&#233;guev</bdi>" in html
    assert '<p class="mb-1 small">M&#233;decin &middot; P&#233;diatrie</p>' in html  # not the English highlight
    assert ">Prime du N&#233;guev</span>" in html and ">New grant</span>" in html  # one the catalogue lacks yet
    english = str(hit_cards([Hit(id=1, document=doc, highlights=marked)], "/jobs/", ENGLISH))
    assert "&middot; <mark>Pediatrics</mark>" in english


@time_machine.travel("2023-11-16 09:00:00Z", tick=False)
def test_how_long_ago_is_said_in_the_readers_language_without_the_numbers_hebrew_words_already_say(app):
    with app.test_request_context(), in_language("he"):
        two_days = str(hit_cards([Hit(id=1, document=document())], "/he/jobs/", ENGLISH))
    assert (
        "(2)" not in two_days and "&#1500;&#1508;&#1504;&#1497; &#1497;&#1493;&#1502;&#1497;&#1497;&#1501;" in two_days
    )
