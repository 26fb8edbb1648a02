"""The search port's behaviour contract (research/search.md, C1–C16), one suite run against every
engine available: the embedded Tantivy engine always, Meilisearch when ``MEILI_URL`` names a
server (never a fake of it). Documents are hand-made in the shape ``posting_document`` gives, so
no database is needed. The last part tests the Meilisearch adapter's pure rendering functions,
which need no server.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import suppress
from typing import Any

import pytest
from markupsafe import Markup

from jobboard.search import meili
from jobboard.search.documents import LISTED_ATTRIBUTES
from jobboard.search.embedded import EmbeddedEngine
from jobboard.search.meili import (
    MeilisearchEngine,
    indexed_document,
    render_filter,
    render_sort,
    response_hits,
    search_params,
)
from jobboard.search.port import (
    KEYWORD_FACETS,
    MAX_TOTAL_HITS,
    AnyOf,
    InvalidQuery,
    IsTrue,
    Near,
    Range,
    SearchQuery,
    SearchResult,
    Sort,
)
from jobboard.search.text import CROP_MARKER
from tests.search.builders import CITIES, CITY_POINTS, DAY, NOW, document, offset_point

RUN_ID = uuid.uuid4().hex[:10]
BEERSHEBA = CITIES["beersheba"]


def _meili_engine() -> MeilisearchEngine:
    url = os.environ.get("MEILI_URL")
    if not url:
        pytest.skip("MEILI_URL is not set: no Meilisearch server to test against")
    connected = MeilisearchEngine.connect(url, os.environ.get("MEILI_MASTER_KEY"))
    return MeilisearchEngine(connected.client, f"contract_{RUN_ID}")


@pytest.fixture(scope="session")
def _meili_cleanup() -> Iterator[list[MeilisearchEngine]]:
    used: list[MeilisearchEngine] = []
    yield used
    for engine in used:
        for uid in (engine.index_uid, f"{engine.index_uid}_next"):
            with suppress(Exception):  # best effort: the server may be gone already
                engine.client.delete_index(uid)


@pytest.fixture(params=["embedded", "meilisearch"])
def engine(request: pytest.FixtureRequest, tmp_path, _meili_cleanup):
    if request.param == "embedded":
        chosen: Any = EmbeddedEngine(tmp_path / "index", CITY_POINTS)
    else:
        chosen = _meili_engine()
        _meili_cleanup.append(chosen)
    chosen.configure()
    chosen.clear()
    chosen.refresh()
    return chosen


def load(engine, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    engine.upsert(docs)
    engine.refresh()
    return docs


def search(engine, text: str = "", **fields: Any) -> SearchResult:
    fields.setdefault("now", NOW)
    return engine.search(SearchQuery(text=text, **fields))


def ids(result: SearchResult) -> list[int]:
    return [hit.id for hit in result.hits]


def found(engine, text: str, **fields: Any) -> set[int]:
    return set(ids(search(engine, text, **fields)))


# --- C1, C13: writes ---------------------------------------------------------------------------


def test_upsert_replaces_the_whole_document_and_deletes_are_visible_after_refresh(engine):
    load(
        engine,
        [
            document(1, "Pediatrician", specialty=None, description="Night shifts in the ward."),
            document(2, "Psychiatrist", specialty="psychiatry"),
        ],
    )
    assert found(engine, "pediatrician") == {1}
    assert found(engine, "night") == {1}

    engine.upsert([document(1, "Neonatologist", specialty=None, description="Day work only.")])
    engine.refresh()
    assert found(engine, "pediatrician") == set()
    assert found(engine, "night") == set()  # the old description went with the old document
    assert found(engine, "neonatologist") == {1}
    assert search(engine).total == 2  # one document per id

    engine.delete([2, 999])  # an unknown id is a no-op
    engine.refresh()
    assert found(engine, "psychiatrist") == set()
    assert engine.iter_ids() == {1}
    engine.delete([])
    engine.refresh()
    assert engine.iter_ids() == {1}


def test_iter_ids_and_clear(engine):
    assert engine.iter_ids() == set()
    load(engine, [document(i, f"Position {i}") for i in (3, 17, 42)])
    assert engine.iter_ids() == {3, 17, 42}

    engine.clear()
    engine.refresh()
    assert engine.iter_ids() == set()
    assert search(engine).total == 0
    assert found(engine, "position") == set()


def test_rebuild_replays_late_changes_and_swaps_atomically(engine):
    load(
        engine, [document(1, "Old cardiologist", specialty="cardiology"), document(2, "Old nurse", profession="nurse")]
    )
    seen_during_rebuild: list[set[int]] = []

    def before_swap(upsert: Callable, delete: Callable) -> None:
        # The live index keeps serving the old documents until the swap.
        seen_during_rebuild.append(found(engine, "old"))
        upsert([document(6, "Late pediatrician"), document(3, "Changed anesthesiologist", specialty="anesthesiology")])
        delete([4])

    count = engine.rebuild(
        iter(
            [[document(3, "Fresh anesthesiologist"), document(4, "Fresh psychiatrist")], [document(5, "Fresh nurse")]]
        ),
        before_swap,
    )
    engine.refresh()

    assert count == 3
    assert seen_during_rebuild == [{1, 2}]
    assert engine.iter_ids() == {3, 5, 6}
    assert found(engine, "old") == set()
    assert found(engine, "late") == {6}
    assert found(engine, "changed") == {3}
    assert found(engine, "fresh") == {5}

    # Writes after a rebuild go to the new live index.
    engine.upsert([document(7, "After rebuild")])
    engine.delete([5])
    engine.refresh()
    assert engine.iter_ids() == {3, 6, 7}


def test_rebuild_without_late_changes(engine):
    load(engine, [document(1, "Old")])
    assert engine.rebuild(iter([[document(2, "New")]])) == 1
    engine.refresh()
    assert engine.iter_ids() == {2}


# --- C2: normalisation -----------------------------------------------------------------------


def test_matching_ignores_case_accents_and_niqqud(engine):
    load(
        engine,
        [document(1, "Médecin Pédiatre"), document(2, "Nurse", profession="nurse", city="haifa", specialty=None)],
    )
    assert found(engine, "MEDECIN") == {1}
    assert found(engine, "pédiatre") == {1}
    assert found(engine, "pediatre") == {1}
    assert found(engine, "חֵיפָה") == {2}  # Haifa's Hebrew name, written with niqqud
    assert found(engine, "חיפה") == {2}


# Letters that decompose into no base letter and mark, so accent stripping alone leaves them: each
# in a word as written, and that word's ASCII spelling.
UNDECOMPOSED = [
    ("Łódź", "lodz"),  # ł
    ("Straße", "strasse"),  # ß, which folds to two letters
    ("Ørsted", "orsted"),  # ø
    ("Æsculap", "aesculap"),  # æ
    ("Œuvre", "oeuvre"),  # œ
    ("Đakovo", "dakovo"),  # đ
    ("Kırıkkale", "kirikkale"),  # ı
    ("Þingvellir", "thingvellir"),  # þ
    ("Garðabær", "gardabaer"),  # ð
    ("İzmir", "izmir"),  # İ, a capital that lower-cases to i and a dot above
]


@pytest.mark.parametrize(("word", "ascii"), UNDECOMPOSED, ids=[ascii for _word, ascii in UNDECOMPOSED])
def test_letters_without_a_decomposition_match_and_highlight_as_written_and_in_ascii(engine, word, ascii):
    others = [other for other, _ascii in UNDECOMPOSED if other != word]
    load(
        engine,
        [
            document(1, f"Consultant {word} clinic", specialty=None, description=f"Our team in {word} grows."),
            *(document(i, f"Consultant {other} clinic", specialty=None) for i, other in enumerate(others, 2)),
        ],
    )
    for query in dict.fromkeys((word, word.lower(), word.upper(), ascii)):
        result = search(engine, query)
        assert ids(result) == [1], query
        highlights = result.hits[0].highlights
        assert f"<mark>{word}</mark> clinic" in str(highlights["title"]), query
        assert f"<mark>{word}</mark> grows" in str(highlights["description_text"]), query


# --- C3: typo tolerance ------------------------------------------------------------------------


@pytest.fixture
def clinical(engine):
    """One document per specialty, each in its own city."""
    return load(
        engine,
        [
            document(1, "Doctor for the children's ward", specialty="pediatrics", city="beersheba"),
            document(2, "Doctor for the adult ward", specialty="psychiatry", city="dimona"),
            document(3, "Doctor for the theatres", specialty="anesthesiology", city="haifa"),
            document(4, "Doctor for the heart unit", specialty="cardiology", city="sderot"),
            document(5, "Doctor for the clinic", specialty="internal-medicine", city="tel-aviv"),
        ],
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("pediatrcs", {1}),  # 9 letters, one typo
        ("anesthesiolgy", {3}),  # 13 letters, one typo
        ("Beershba", {1}),  # 8 letters, one typo from the Beersheba name
        ("Sdrot", {4}),  # 5 letters, one typo: the shortest word with a typo budget
        ("Dimonq", {2}),  # 6 letters, one typo on the last letter
        ("cardeolgy", {4}),  # 9 letters, two typos
        ("anestesiolgy", {3}),  # 12 letters, two typos
        ("kardiology", {4}),  # 10 letters, first letter wrong (costs two) and the rest exact
        ("psychaitry", {2}),  # a transposition counts as one typo
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_typos_within_the_budget_match(engine, clinical, query, expected):
    assert found(engine, query) == expected


@pytest.mark.parametrize(
    "query",
    [
        "Hefo",  # 4 letters ("Hefa", an alias of Haifa): no typo allowed below 5
        "Sdrt",  # 4 letters, one typo from "Sdrot"… and two from Sderot
        "Timona",  # 6 letters, the first letter wrong: a first-letter typo costs two
        "Psychtry",  # 8 letters, two typos: only one allowed below 9
        "intarnel",  # 8 letters, two substitutions from "internal"
        "anstesiolgy",  # 11 letters, three typos
    ],
    ids=lambda value: value,
)
def test_typos_beyond_the_budget_do_not_match(engine, clinical, query):
    assert found(engine, query) == set()


def test_the_exact_word_of_a_typo_query_matches_control(engine, clinical):
    """Controls for the negative cases: the correct spellings do match."""
    assert found(engine, "Hefa") == {3}
    assert found(engine, "Dimona") == {2}
    assert found(engine, "internal") == {5}
    assert found(engine, "psychiatry") == {2}


# --- C4: prefix on the last word only --------------------------------------------------------


def test_the_last_word_matches_as_a_prefix(engine, clinical):
    assert found(engine, "psychi") == {2}
    assert found(engine, "adult psychi") == {2}
    assert found(engine, "anesth") == {3}
    assert found(engine, "p") >= {1, 2}  # a one-letter query is valid


def test_a_prefix_in_another_position_does_not_match(engine, clinical):
    # "psychi" is not a word of any document, and only the last word may be a prefix; under the
    # "last" matching strategy the first word must match, so nothing is found.
    assert found(engine, "psychi adult") == set()
    assert found(engine, "anesth theatres") == set()
    assert found(engine, "anesthesiology theatres") == {3}


def test_the_last_word_prefix_keeps_its_typo_budget(engine, clinical):
    assert found(engine, "psychia") == {2}
    assert found(engine, "psyhcia") == {2}  # 7 letters, one typo, as a prefix of psychiatry


# --- C5: matching strategy and relevance ------------------------------------------------------


def test_more_matched_words_rank_first_and_the_first_word_is_required(engine):
    load(
        engine,
        [
            document(1, "Pediatrics", specialty=None),
            document(2, "Ward", specialty=None),
            document(3, "Pediatrics ward", specialty=None),
            document(4, "Pediatrics night", specialty=None),
        ],
    )
    result = search(engine, "pediatrics ward")
    assert ids(result)[0] == 3
    assert set(ids(result)) == {1, 3, 4}  # "Ward" alone lacks the first word
    assert result.total == 3


def test_fewer_typos_rank_first_even_against_a_better_attribute(engine):
    load(
        engine,
        [
            document(1, "Cardiolagy department", specialty=None),  # typo, in the title
            document(2, "Staff physician", specialty=None, description="Cardiology service."),  # exact, description
        ],
    )
    assert ids(search(engine, "cardiology")) == [2, 1]


def test_fewer_typos_in_total_rank_first(engine):
    load(
        engine,
        [
            document(1, "Cardiolagy radiolagy oncolagy", specialty=None),  # 1 + 1 + 1 = 3 typos
            document(2, "Cardeolagy radiology oncology", specialty=None),  # 2 + 0 + 0 = 2 typos
        ],
    )
    assert ids(search(engine, "cardiology radiology oncology")) == [2, 1]


def test_an_exact_title_match_outranks_a_description_only_match(engine):
    for order in ([1, 2], [2, 1]):  # whatever the insertion order
        engine.clear()
        docs = {
            # A short description and a long title: BM25 alone would favour the description.
            1: document(1, "Staff physician", specialty=None, description="Anesthesiology."),
            2: document(
                2,
                "Anesthesiology consultant for the theatres, recovery rooms and the day surgery unit",
                specialty=None,
                description="Theatres and recovery.",
            ),
        }
        load(engine, [docs[i] for i in order])
        assert ids(search(engine, "anesthesiology")) == [2, 1]


def test_an_empty_query_returns_every_filtered_document_newest_first(engine):
    load(engine, [document(i, f"Position {i}", posted_at=NOW - i * DAY) for i in (3, 1, 2)])
    result = search(engine)
    assert ids(result) == [1, 2, 3]
    assert result.total == 3


def test_a_sort_holds_inside_each_words_tier(engine):
    load(
        engine,
        [
            document(1, "Pediatrics", specialty=None, salary=(None, 50_000)),
            document(2, "Pediatrics ward", specialty=None, salary=(None, 20_000)),
            document(3, "Pediatrics ward", specialty=None, salary=(None, 40_000)),
            document(4, "Pediatrics", specialty=None, salary=(None, 60_000)),
        ],
    )
    assert ids(search(engine, "pediatrics ward", sort=Sort.SALARY)) == [3, 2, 4, 1]


def test_a_negated_word_excludes_the_documents_holding_it(engine):
    load(
        engine,
        [
            document(1, "Pediatrician night shifts", specialty=None),
            document(2, "Pediatrician day work", specialty=None),
            document(3, "Night nurse", profession="nurse", specialty=None),
        ],
    )
    assert found(engine, "pediatrician -night") == {2}
    assert search(engine, "pediatrician -night").total == 1
    assert found(engine, "-night") == {2}
    assert found(engine, "pediatrician -nothing") == {1, 2}
    assert found(engine, "day-work") == {2}  # a hyphen inside a word negates nothing


def test_a_quoted_phrase_matches_the_exact_sequence(engine):
    load(
        engine,
        [
            document(1, "Pediatrician for night shifts", specialty=None),
            document(2, "Shifts at night", specialty=None),
            document(3, "Night work, weekend shifts", specialty=None),
            document(4, "Nigth shifts in the ward", specialty=None),
        ],
    )
    assert found(engine, '"night shifts"') == {1}
    assert found(engine, '"night shifts" pediatrician') == {1}
    assert found(engine, '"weekend" night') == {3}
    assert found(engine, '"night shift"') == set()  # no prefix and no typo inside a phrase
    result = search(engine, '"night shifts"')
    assert "<mark>night</mark> <mark>shifts</mark>" in str(result.hits[0].highlights["title"])


def test_with_a_quoted_phrase_every_other_word_may_drop_out(engine):
    # Meilisearch makes a phrase mandatory and lets the other words go, from the right, the first too.
    load(
        engine,
        [
            document(1, "Nurse for night shifts", profession="nurse", specialty=None),
            document(2, "Pediatrician for night shifts", specialty=None),
            document(3, "Pediatrician for day shifts", specialty=None),
        ],
    )
    assert ids(search(engine, 'pediatrician "night shifts"')) == [2, 1]
    assert search(engine, 'pediatrician "night shifts"').total == 2
    assert found(engine, 'cardiologist "night shifts"') == {1, 2}  # a word that matches nothing drops out too


@pytest.fixture
def beersheba_and_beer_yaakov(engine):
    """Three postings in Beersheba, and three in Be'er Ya'akov that are newer, better paid, with
    bigger grants and nearer Tel Aviv, and that hold the rest of Be'er Sheva's name elsewhere: a
    doctor named Sheva, and שבע ("seven")."""
    return load(
        engine,
        [
            *(
                document(
                    i,
                    "Pediatrician",
                    city="beersheba",
                    posted_at=NOW - (10 + i) * DAY,
                    salary=(None, 30_000 + i * 1_000),
                    grants=[("negev-grant", 50_000 + i)],
                )
                for i in (1, 2, 3)
            ),
            *(
                document(
                    i,
                    "Pediatrician",
                    city="beer-yaakov",
                    employer="shamir",
                    posted_at=NOW - (i - 10) * DAY,
                    salary=(None, 50_000 + i * 1_000),
                    grants=[("center-grant", 90_000 + i)],
                    description="Ask Dr. Sheva Levi, head of the department. שבע משמרות בחודש.",
                )
                for i in (11, 12, 13)
            ),
        ],
    )


@pytest.mark.parametrize(
    "text", ["Be'er Sheva", "be er sheva", "BEER-SHEVA", "Beer Sheba", "באר שבע", "pediatrician Be'er Sheva"]
)
def test_a_city_named_in_several_words_finds_its_postings_before_and_without_matches_of_some_words(
    engine, beersheba_and_beer_yaakov, text
):
    tel_aviv = CITIES["tel-aviv"]
    near = Near("tel-aviv", tel_aviv["lat"], tel_aviv["lon"])
    results = {sort: search(engine, text, sort=sort, near=near if sort == Sort.DISTANCE else None) for sort in Sort}
    cities = {sort: [hit.document["city"] for hit in result.hits] for sort, result in results.items()}
    # Whatever the order chosen, the city's postings come first...
    assert {sort: found[:3] for sort, found in cities.items()} == {sort: ["beersheba"] * 3 for sort in Sort}
    # ...and the Be'er Ya'akov postings, which hold only some of the name's words, are left out.
    assert cities == {sort: ["beersheba"] * 3 for sort in Sort}
    assert {result.total for result in results.values()} == {3}


def test_a_city_named_in_words_that_another_name_starts_with_finds_its_own_postings(engine, beersheba_and_beer_yaakov):
    for text in ("Be'er Ya'akov", "beer yaakov", "באר יעקב"):
        assert found(engine, text) == {11, 12, 13}, text
    assert found(engine, "Beersheba") == {1, 2, 3}  # one word: nothing to recognise, nothing partial to match


def test_adjacent_query_words_may_be_concatenated(engine):
    load(
        engine,
        [
            document(1, "Telemedicine physician", specialty=None),
            document(2, "Ward physician", specialty=None),
            document(3, "Tele health medicine nurse", specialty=None, profession="nurse"),
        ],
    )
    assert found(engine, "tele medicine") == {1, 3}
    assert ids(search(engine, "tele medicine physician"))[0] == 1
    assert found(engine, "tele med icine") == {1, 3}  # all three joined (1), or the last two (3)
    joined = next(hit for hit in search(engine, "tele medicine").hits if hit.id == 1)
    assert "<mark>Telemedicine</mark>" in str(joined.highlights["title"])


def test_a_concatenation_costs_one_typo_in_all(engine):
    load(
        engine,
        [
            document(1, "Tele medicene physicain", specialty=None),  # 0 + 1 + 1 typos
            document(2, "Telemedicine physician", specialty=None),  # one concatenation of two words: 1 typo
        ],
    )
    assert ids(search(engine, "tele medicine physician")) == [2, 1]


# --- vocabulary terms in every language -----------------------------------------------------------


@pytest.fixture
def in_three_cities(engine):
    return load(
        engine,
        [
            document(1, "Attending physician", specialty="pediatrics", city="beersheba"),
            document(2, "Attending physician", specialty="cardiology", city="haifa"),
            document(3, "Staff nurse", specialty=None, profession="nurse", city="tel-aviv"),
        ],
    )


@pytest.mark.parametrize(
    "text",
    ["pediatrics", "Pédiatrie", "pediatría", "Педиатрия", "педиатрии", "педиатрию", "רפואת ילדים", "ברפואת ילדים"],
)
def test_a_specialty_named_in_any_language_or_form_finds_its_postings(engine, in_three_cities, text):
    assert found(engine, text) == {1}


@pytest.mark.parametrize(
    "text", ["Беэр-Шева", "в Беэр-Шеве", "из Беэр-Шевы", "באר שבע", "בבאר שבע", "מבאר שבע", "Beerseba"]
)
def test_a_city_named_in_any_language_or_form_finds_its_postings(engine, in_three_cities, text):
    assert found(engine, text) == {1}


@pytest.mark.parametrize(
    ("text", "expected"), [("врачи", {1, 2}), ("médecin", {1, 2}), ("медсестра", {3}), ("אחות", {3})]
)
def test_a_profession_named_in_any_language_or_form_finds_its_postings(engine, in_three_cities, text, expected):
    assert found(engine, text) == expected


@pytest.mark.parametrize("text", ["Негев", "в Негеве", "הנגב", "בנגב"])
def test_a_region_named_in_any_language_or_form_finds_its_postings(engine, in_three_cities, text):
    assert found(engine, text) == {1}


# --- C7, C10: filters and facets ---------------------------------------------------------------


def varied_documents() -> list[dict[str, Any]]:
    """Twelve documents spread over every facet, with some list values."""
    specialties = ["pediatrics", "psychiatry", "anesthesiology", "cardiology", None]
    cities = ["beersheba", "dimona", "sderot", "haifa", "tel-aviv"]
    docs = []
    for i in range(1, 13):
        docs.append(
            document(
                i,
                f"Position {i}",
                specialty=specialties[i % 5],
                profession="nurse" if specialties[i % 5] is None else "physician",
                city=cities[i % 5],
                employer=["soroka", "barzilai", "rambam"][i % 3],
                employment_type=["full_time", "part_time", "shifts"][i % 3],
                seniority=["specialist", "resident"][i % 2],
                licence_requirements=[["israeli_licence"], ["conversion_in_progress"], ["exam_exemption"]][i % 3],
                grants=[[], [("negev-grant", 60_000)], [("negev-grant", 60_000), ("galilee-grant", 100_000)]][i % 3],
                languages_required=[["en"], ["en", "ru"], ["he"], []][i % 4],
                hebrew_level_min=i % 7,
                salary=[(None, None), (20_000, 30_000), (35_000, None), (None, 45_000)][i % 4],
                posted_at=NOW - i * DAY,
            )
        )
    return docs


def values_of(doc: dict[str, Any], attribute: str) -> list[str]:
    value = doc.get(attribute)
    return [str(v) for v in value] if isinstance(value, list) else ([] if value is None else [str(value)])


def expected_ids(docs: list[dict[str, Any]], *predicates: Callable[[dict[str, Any]], bool]) -> set[int]:
    return {d["id"] for d in docs if all(p(d) for p in predicates)}


def any_of(attribute: str, *values: str) -> Callable[[dict[str, Any]], bool]:
    return lambda doc: bool(set(values_of(doc, attribute)) & set(values))


def all_ids(engine, **fields: Any) -> set[int]:
    return set(ids(search(engine, per_page=100, **fields)))


@pytest.mark.parametrize("attribute", KEYWORD_FACETS)
def test_each_facet_filter_alone(engine, attribute):
    docs = load(engine, varied_documents())
    values = sorted({v for d in docs for v in values_of(d, attribute)})
    assert values, f"the fixture gives {attribute} no values"
    for value in values:
        expected = expected_ids(docs, any_of(attribute, value))
        result = search(engine, filters=(AnyOf(attribute, (value,)),), per_page=100)
        assert set(ids(result)) == expected, (attribute, value)
        assert result.total == len(expected)


def test_facet_filters_combined(engine):
    docs = load(engine, varied_documents())
    filters = (
        AnyOf("region", ("negev", "haifa")),  # values of one facet: OR
        AnyOf("employment_type", ("full_time", "shifts")),
        AnyOf("languages_required", ("en",)),  # facets: AND
    )
    expected = expected_ids(
        docs,
        any_of("region", "negev", "haifa"),
        any_of("employment_type", "full_time", "shifts"),
        any_of("languages_required", "en"),
    )
    assert expected and expected != {d["id"] for d in docs}
    assert all_ids(engine, filters=filters) == expected


def test_the_grant_fits_filter_finds_documents_holding_one_of_the_keys(engine):
    """The filter "grants I'm eligible for" (``grants.eligibility``): the doctor's keys against
    each document's, a filter that is never counted; combined with the others by AND."""
    docs = load(
        engine,
        [
            document(1, "Tkuma post", city="sderot", grant_fits=["tkuma@south-gaza-envelope"]),
            document(2, "Negev post", grant_fits=["periphery", "moh"]),
            document(3, "Haifa post", city="haifa", grant_fits=["moh"]),
            document(4, "Post without a grant that fits", grant_fits=[]),
        ],
    )
    assert all_ids(engine, filters=(AnyOf("grant_fits", ("tkuma@south-gaza-envelope",)),)) == {1}
    assert all_ids(engine, filters=(AnyOf("grant_fits", ("tkuma@negev", "moh")),)) == {2, 3}
    assert all_ids(engine, filters=(AnyOf("grant_fits", ("moh",)), AnyOf("region", ("haifa",)))) == {3}
    assert all_ids(engine, filters=(AnyOf("grant_fits", ("@",)),)) == set()
    assert len(docs) == 4


def test_an_unknown_facet_value_matches_nothing_and_a_hostile_value_cannot_widen_the_scope(engine):
    load(engine, varied_documents())
    assert all_ids(engine, filters=(AnyOf("employer", ("nowhere",)),)) == set()
    hostile = ('a" OR employer = "soroka', 'soroka" OR expires_at > 0 OR employer = "x')
    assert all_ids(engine, filters=(AnyOf("employer", hostile),)) == set()


def test_filtering_on_an_unlisted_attribute_is_refused(engine):
    load(engine, varied_documents())
    with pytest.raises(InvalidQuery):
        search(engine, filters=(AnyOf("title", ("Position 1",)),))
    with pytest.raises(InvalidQuery):
        search(engine, filters=(Range("id", minimum=1),))
    with pytest.raises(InvalidQuery):
        search(engine, sort=Sort.DISTANCE)  # a distance needs a city


def test_facet_counts_equal_the_filtered_totals(engine):
    docs = load(engine, varied_documents())
    base = (AnyOf("profession", ("physician",)),)
    result = search(engine, filters=base)
    base_docs = [d for d in docs if d["profession"] == "physician"]
    assert result.total == len(base_docs)
    for attribute in KEYWORD_FACETS:
        counts = result.facets[attribute]
        expected = Counter(v for d in base_docs for v in set(values_of(d, attribute)))
        assert counts == dict(expected), attribute
        for value, count in counts.items():
            narrowed = search(engine, filters=(*base, AnyOf(attribute, (value,))))
            assert narrowed.total == count, (attribute, value)
    for single_valued in ("region", "employer", "employment_type", "seniority", "specialty"):
        assert sum(result.facets[single_valued].values()) == result.total, single_valued


def test_facet_counts_follow_the_text_query(engine):
    docs = load(engine, varied_documents())
    result = search(engine, "cardiology")
    expected = [d for d in docs if d["specialty"] == "cardiology"]
    assert result.total == len(expected) > 0
    assert result.facets["specialty"] == {"cardiology": len(expected)}
    assert sum(result.facets["region"].values()) == len(expected)


def test_a_word_in_any_searchable_attribute_counts_and_excludes_alike(engine):
    load(
        engine,
        [
            document(1, "Haifa ward doctor"),
            document(2, "Ward doctor", description="Close to Haifa bay."),
            document(3, "Ward doctor", employer_name="Haifa Medical Center"),
            document(4, "Ward doctor", city="haifa"),
            document(5, "Ward doctor"),
        ],
    )
    result = search(engine, "haifa", facets=("employer",))
    assert set(ids(result)) == {1, 2, 3, 4}
    assert result.total == 4
    assert sum(result.facets["employer"].values()) == 4
    assert found(engine, "ward -haifa") == {5}


def test_a_posting_is_found_by_the_words_of_its_versions_in_other_languages(engine):
    load(
        engine,
        [
            document(
                1,
                "Senior pediatrician",
                translations_text=["Pédiatre senior", "Nous cherchons un pédiatre pour le service de néonatologie."],
                titles={"fr": "Pédiatre senior"},
            ),
            document(2, "Senior cardiologist", specialty="cardiology", description="A ward in the Negev."),
        ],
    )
    assert found(engine, "néonatologie") == {1}
    assert found(engine, "neonatologie") == {1}  # folded like every searchable attribute
    assert found(engine, "pédiatre senior") == {1}
    assert found(engine, "senior") == {1, 2}


def test_numeric_ranges_are_inclusive(engine):
    docs = load(engine, varied_documents())
    tops = sorted({d["salary_top_ils"] for d in docs if d["salary_top_ils"] is not None})
    for minimum in (0, 30_000, 35_000, 45_000, 45_001):
        expected = expected_ids(
            docs, lambda d, minimum=minimum: d["salary_top_ils"] is not None and d["salary_top_ils"] >= minimum
        )
        assert all_ids(engine, filters=(Range("salary_top_ils", minimum=minimum),)) == expected, minimum
    assert tops == [30_000, 35_000, 45_000]
    for maximum in (0, 30_000, 44_999):  # a posting without a salary is not "at most" anything
        expected = expected_ids(
            docs, lambda d, maximum=maximum: d["salary_top_ils"] is not None and d["salary_top_ils"] <= maximum
        )
        assert all_ids(engine, filters=(Range("salary_top_ils", maximum=maximum),)) == expected, maximum
    for maximum in (0, 2, 6):
        expected = expected_ids(docs, lambda d, maximum=maximum: d["hebrew_level_min"] <= maximum)
        assert all_ids(engine, filters=(Range("hebrew_level_min", maximum=maximum),)) == expected, maximum
    both = (Range("salary_top_ils", minimum=30_000, maximum=35_000), Range("hebrew_level_min", minimum=2, maximum=5))
    expected = expected_ids(
        docs, lambda d: d["salary_top_ils"] in (30_000, 35_000), lambda d: 2 <= d["hebrew_level_min"] <= 5
    )
    assert all_ids(engine, filters=both) == expected


def test_periphery_filter_and_count(engine):
    docs = load(engine, varied_documents())
    expected = expected_ids(docs, lambda d: d["is_periphery"])
    assert 0 < len(expected) < len(docs)
    assert all_ids(engine, filters=(IsTrue("is_periphery"),)) == expected
    assert search(engine).periphery_count == len(expected)
    narrowed = search(engine, filters=(AnyOf("region", ("haifa",)),))
    assert narrowed.periphery_count == 0 and narrowed.total > 0


# --- C8: geo ------------------------------------------------------------------------------------


def near_beersheba(radius_km: float | None) -> Near:
    return Near("beersheba", BEERSHEBA["lat"], BEERSHEBA["lon"], radius_km)


@pytest.fixture
def around_beersheba(engine):
    return load(
        engine,
        [
            document(1, "In town", point=offset_point(BEERSHEBA["lat"], BEERSHEBA["lon"], north_km=2)),
            document(2, "Thirty km north", point=offset_point(BEERSHEBA["lat"], BEERSHEBA["lon"], north_km=30)),
            document(3, "Eighteen km east", point=offset_point(BEERSHEBA["lat"], BEERSHEBA["lon"], east_km=18)),
            document(4, "Tel Aviv", city="tel-aviv"),  # about 93 km
            document(5, "Haifa", city="haifa"),  # about 173 km
        ],
    )


def test_geo_radius(engine, around_beersheba):
    assert all_ids(engine, near=near_beersheba(50)) == {1, 2, 3}
    assert all_ids(engine, near=near_beersheba(20)) == {1, 3}
    assert all_ids(engine, near=near_beersheba(10)) == {1}
    assert all_ids(engine, near=near_beersheba(100)) == {1, 2, 3, 4}
    assert all_ids(engine, near=near_beersheba(None)) == {1, 2, 3, 4, 5}  # a city alone does not filter
    # Facet counts follow the radius too.
    assert search(engine, near=near_beersheba(20)).facets["region"] == {"negev": 2}


def test_distance_sort_and_distances(engine, around_beersheba):
    result = search(engine, near=near_beersheba(None), sort=Sort.DISTANCE)
    assert ids(result) == [1, 3, 2, 4, 5]
    distances = [hit.distance_km for hit in result.hits]
    assert distances[0] == pytest.approx(2, abs=0.2)
    assert distances[1] == pytest.approx(18, abs=0.3)
    assert distances[2] == pytest.approx(30, abs=0.3)
    assert distances[3] == pytest.approx(92.7, abs=1)


# --- C9: sort ----------------------------------------------------------------------------------


def test_newest_sort(engine):
    load(
        engine,
        [
            document(i, "Nurse", profession="nurse", specialty=None, posted_at=NOW - days * DAY)
            for i, days in ((1, 5), (2, 1), (3, 9), (4, 3))
        ],
    )
    assert ids(search(engine, sort=Sort.NEWEST)) == [2, 4, 1, 3]
    assert ids(search(engine, "nurse", sort=Sort.NEWEST)) == [2, 4, 1, 3]


def test_salary_sort_puts_missing_salaries_last(engine):
    load(
        engine,
        [
            document(1, "Nurse", salary=(None, None)),
            document(2, "Nurse", salary=(20_000, 25_000)),
            document(3, "Nurse", salary=(30_000, None)),  # no maximum: the minimum is the top
            document(4, "Nurse", salary=(None, None)),
            document(5, "Nurse", salary=(10_000, 40_000)),
        ],
    )
    order = ids(search(engine, sort=Sort.SALARY))
    assert order[:3] == [5, 3, 2]
    assert set(order[3:]) == {1, 4}
    order = ids(search(engine, "nurse", sort=Sort.SALARY))
    assert order[:3] == [5, 3, 2]
    assert set(order[3:]) == {1, 4}


def test_grant_sort_puts_postings_without_grants_last(engine):
    load(
        engine,
        [
            document(1, "Nurse"),
            document(2, "Nurse", grants=[("negev-grant", 60_000)]),
            document(3, "Nurse", grants=[("negev-grant", 60_000), ("big-grant", 120_000)]),
            document(4, "Nurse", grants=[("small-grant", 10_000)]),
        ],
    )
    assert ids(search(engine, sort=Sort.GRANT)) == [3, 2, 4, 1]


# --- C11: pagination ------------------------------------------------------------------------------


def test_pages_totals_and_contents(engine):
    load(engine, [document(i, f"Nurse {i}", posted_at=NOW - i * 60) for i in range(1, 46)])
    first = search(engine, sort=Sort.NEWEST, per_page=20)
    second = search(engine, sort=Sort.NEWEST, per_page=20, page=2)
    third = search(engine, sort=Sort.NEWEST, per_page=20, page=3)
    fourth = search(engine, sort=Sort.NEWEST, per_page=20, page=4)

    assert (first.total, first.pages, first.total_capped) == (45, 3, False)
    assert ids(first) == list(range(1, 21))
    assert ids(second) == list(range(21, 41))
    assert ids(third) == list(range(41, 46))
    assert ids(fourth) == []
    assert second.total == third.total == fourth.total == 45
    # With text: the same pages, no hit twice.
    pages = [ids(search(engine, "nurse", per_page=20, page=p)) for p in (1, 2, 3)]
    flat = [i for page in pages for i in page]
    assert sorted(flat) == list(range(1, 46))


def test_nothing_past_the_thousandth_hit(engine):
    count = MAX_TOTAL_HITS + 10
    load(
        engine,
        [document(i, "Nurse", city=["beersheba", "haifa"][i % 2], posted_at=NOW - i) for i in range(1, count + 1)],
    )
    result = search(engine, sort=Sort.NEWEST)
    assert result.total == MAX_TOTAL_HITS
    assert result.total_capped is True
    assert result.pages == MAX_TOTAL_HITS // 20
    # Facet counts are over the whole candidate set, not capped (C10).
    assert sum(result.facets["region"].values()) == count

    last = search(engine, sort=Sort.NEWEST, page=50)
    assert ids(last) == list(range(981, 1001))
    beyond = search(engine, sort=Sort.NEWEST, page=51)
    assert ids(beyond) == []
    assert beyond.total == MAX_TOTAL_HITS and beyond.total_capped
    assert ids(search(engine, "nurse", page=51)) == []
    assert search(engine, "nurse").total == MAX_TOTAL_HITS


# --- the scope ---------------------------------------------------------------------------------


def test_expired_documents_are_never_returned(engine):
    load(
        engine,
        [
            document(1, "Cardiologist expired yesterday", specialty="cardiology", expires_at=NOW - DAY),
            document(2, "Cardiologist expiring now", specialty="cardiology", expires_at=NOW),
            document(3, "Cardiologist expiring in a second", specialty="cardiology", expires_at=NOW + 1),
        ],
    )
    for query in (
        SearchQuery(now=NOW),
        SearchQuery(text="cardiologist", now=NOW),
        SearchQuery(text="expired", now=NOW),
        SearchQuery(now=NOW, sort=Sort.SALARY),
        SearchQuery(now=NOW, filters=(AnyOf("specialty", ("cardiology",)),)),
    ):
        result = engine.search(query)
        assert set(ids(result)) <= {3}, query
        assert sum(result.facets["specialty"].values()) == result.total
    result = search(engine, "cardiologist")
    assert ids(result) == [3]
    assert result.total == 1
    assert result.facets["specialty"] == {"cardiology": 1}
    # A second later, the last one is gone too.
    assert search(engine, "cardiologist", now=NOW + 1).total == 0


# --- C12: highlights ----------------------------------------------------------------------------


def unmarked(markup: Markup) -> str:
    return str(markup).replace("<mark>", "").replace("</mark>", "")


def test_highlights_mark_exact_typo_and_prefix_matches(engine):
    load(
        engine,
        [
            document(
                1,
                "Pediatrics and psychiatry consultant",
                specialty="pediatrics",
                description="Join our pediatrics team in the Negev.",
            )
        ],
    )
    exact = search(engine, "pediatrics").hits[0].highlights
    assert "<mark>Pediatrics</mark> and" in exact["title"]
    assert "<mark>pediatrics</mark> team" in exact["description_text"]
    assert "<mark>Pediatrics</mark>" in exact["specialty_label"]

    typo = search(engine, "pediatrcs").hits[0].highlights
    assert re.search(r"<mark>Pediatri\w*(</mark>)?\w* and", str(typo["title"]))
    assert str(typo["title"]).startswith("<mark>")

    prefix = search(engine, "psychi").hits[0].highlights
    assert "<mark>psychi" in str(prefix["title"])
    assert unmarked(prefix["title"]) == "Pediatrics and psychiatry consultant"
    assert "<mark>" not in str(search(engine, "consultant").hits[0].highlights["description_text"])


def test_highlights_cover_words_written_with_niqqud_or_combining_accents(engine):
    title = "רוֹפֵא יְלָדִים, Me\u0301decin"  # niqqud, and an accent written as a combining mark
    load(engine, [document(1, title, specialty=None)])
    for query, word in (("ילדים", "יְלָדִים"), ("medecin", "Me\u0301decin")):
        marked_title = search(engine, query).hits[0].highlights["title"]
        assert f"<mark>{word}</mark>" in str(marked_title), query
        assert unmarked(marked_title) == title


def test_highlights_are_escaped_html(engine):
    load(
        engine,
        [
            document(
                1,
                "<script>alert(1)</script> Pediatrics & <b>more</b>",
                description="<img src=x onerror=alert(1)> pediatrics",
            )
        ],
    )
    for result in (search(engine, "pediatrics"), search(engine)):
        highlights = result.hits[0].highlights
        for name, markup in highlights.items():
            assert isinstance(markup, Markup), name
            text = str(markup)
            assert "<script" not in text and "<img" not in text and "<b>" not in text, name
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in str(highlights["title"])
        assert "&amp;" in str(highlights["title"])
        assert "&lt;img" in str(highlights["description_text"])
    assert "<mark>Pediatrics</mark>" in str(search(engine, "pediatrics").hits[0].highlights["title"])
    # The document itself is returned as stored (escaping is the page's job for raw fields).
    assert search(engine).hits[0].document["title"].startswith("<script>")


def test_a_search_without_highlights_returns_the_same_hits_without_them(engine):
    load(engine, [document(1, "Pediatrics resident"), document(2, "Pediatric nurse", specialty=None)])
    highlighted = search(engine, "pediatric")
    plain = search(engine, "pediatric", highlight=False)
    assert ids(plain) == ids(highlighted) and plain.total == highlighted.total == 2
    assert all(hit.highlights == {} for hit in plain.hits)
    assert [hit.document for hit in plain.hits] == [hit.document for hit in highlighted.hits]


def test_hits_carry_the_attributes_asked_for_as_stored_and_the_whole_document_by_default(engine):
    docs = load(
        engine, [document(1, "Pediatrics resident", grants=[("negev-grant", 60_000)]), document(2, "Pediatric nurse")]
    )
    whole = {hit.id: hit.document for hit in search(engine, "pediatric").hits}
    assert whole == {doc["id"]: doc for doc in docs}
    listed = search(engine, "pediatric", attributes=LISTED_ATTRIBUTES)
    assert [hit.id for hit in listed.hits] == list(whole)
    for hit in listed.hits:
        assert {name: hit.document[name] for name in LISTED_ATTRIBUTES} == {
            name: whole[hit.id][name] for name in LISTED_ATTRIBUTES
        }
    assert set(search(engine, attributes=("id", "employer")).hits[0].document) >= {"id", "employer"}


def test_long_descriptions_are_cropped_around_the_match(engine):
    words = [f"filler{i}" for i in range(200)]
    words[150] = "nephrology"
    load(engine, [document(1, "Physician", specialty=None, description=" ".join(words))])
    text = str(search(engine, "nephrology").hits[0].highlights["description_text"])
    assert "<mark>nephrology</mark>" in text
    assert "filler0 " not in text and "filler199" not in text
    assert text.startswith(CROP_MARKER) and text.endswith(CROP_MARKER)


# --- the Meilisearch adapter's rendering (no server) ---------------------------------------------


def test_render_filter_puts_the_scope_first_and_quotes_every_value():
    query = SearchQuery(
        now=1_700_000_000,
        filters=(
            AnyOf("region", ("negev", "galilee-north")),
            Range("salary_top_ils", minimum=30_000),
            Range("hebrew_level_min", maximum=3),
            Range("grant_max_ils", minimum=1.5, maximum=10_000),
            IsTrue("is_periphery"),
        ),
        near=Near("beersheba", 31.2518, 34.7913, 50),
    )
    assert render_filter(query) == [
        "expires_at > 1700000000",
        'region IN ["negev", "galilee-north"]',
        "salary_top_ils >= 30000",
        "hebrew_level_min <= 3",
        "grant_max_ils >= 1.5",
        "grant_max_ils <= 10000",
        "is_periphery = true",
        "_geoRadius(31.2518, 34.7913, 50000)",
    ]
    assert render_filter(SearchQuery(now=5)) == ["expires_at > 5"]


@pytest.mark.parametrize(
    "hostile",
    [
        'a" OR org_id = 5',
        'a\\" OR expires_at > 0 OR "',
        "x] OR employer = y",
        "עברית \u202e",
    ],
)
def test_a_hostile_value_stays_one_quoted_literal(hostile):
    rendered = render_filter(SearchQuery(now=1, filters=(AnyOf("employer", (hostile, "soroka")),)))
    assert rendered[0] == "expires_at > 1"  # the scope is its own AND term, never joined by text
    assert len(rendered) == 2
    clause = rendered[1]
    assert clause.startswith("employer IN [") and clause.endswith("]")
    # The list reads back as exactly the values given: each is one string literal.
    assert json.loads(clause[len("employer IN ") :]) == [hostile, "soroka"]
    # Outside string literals, only the list syntax remains.
    outside = re.sub(r'"(?:[^"\\]|\\.)*"', '""', clause)
    assert outside == 'employer IN ["", ""]'


def test_render_filter_renders_the_grant_fits_filter():
    query = SearchQuery(now=1, filters=(AnyOf("grant_fits", ("tkuma@south-gaza-envelope", "moh")),))
    assert render_filter(query) == ["expires_at > 1", 'grant_fits IN ["tkuma@south-gaza-envelope", "moh"]']


def test_render_filter_refuses_unlisted_attributes_and_non_finite_numbers():
    for condition in (AnyOf("title", ("x",)), Range("id", minimum=1), IsTrue("is_open")):
        with pytest.raises(InvalidQuery):
            render_filter(SearchQuery(filters=(condition,)))
    for bad in (float("inf"), float("-inf"), float("nan")):
        with pytest.raises(InvalidQuery):
            render_filter(SearchQuery(filters=(Range("salary_top_ils", minimum=bad),)))
    with pytest.raises(InvalidQuery):
        render_filter(SearchQuery(near=Near("x", float("nan"), 34.0, 10)))


def test_the_query_text_has_its_city_names_quoted_and_is_folded():
    assert (
        meili.query_text(SearchQuery(text='Pédiatre BE\'ER SHEVA -Łódź "Tel Aviv"'))
        == 'pediatre "be er sheva" -lodz "tel aviv"'
    )
    assert meili.query_text(SearchQuery(text="Beersheba")) == "beersheba"


def test_render_sort():
    near = Near("beersheba", 31.2518, 34.7913)
    assert render_sort(SearchQuery(sort=Sort.NEWEST, text="x")) == ["posted_at:desc"]
    assert render_sort(SearchQuery(sort=Sort.SALARY)) == ["salary_top_ils:desc"]
    assert render_sort(SearchQuery(sort=Sort.GRANT)) == ["grant_max_ils:desc"]
    assert render_sort(SearchQuery(sort=Sort.DISTANCE, near=near)) == ["_geoPoint(31.2518, 34.7913):asc"]
    assert render_sort(SearchQuery(sort=Sort.RELEVANCE, text="pediatrics")) == []
    assert render_sort(SearchQuery(sort=Sort.RELEVANCE, text="   ")) == ["posted_at:desc"]
    with pytest.raises(InvalidQuery):
        render_sort(SearchQuery(sort=Sort.DISTANCE))


def test_search_params():
    query = SearchQuery(
        text="pediatrics",
        filters=(AnyOf("region", ("negev",)),),
        facets=("region", "specialty"),
        page=3,
        per_page=20,
        now=42,
    )
    params = search_params(query)
    assert params["filter"] == ["expires_at > 42", 'region IN ["negev"]']
    assert params["sort"] == []
    assert params["facets"] == ["region", "specialty", "is_periphery"]
    assert (params["page"], params["hitsPerPage"]) == (3, 20)
    assert "offset" not in params and "limit" not in params
    assert params["matchingStrategy"] == "last"
    assert params["showMatchesPosition"] is True  # highlights are marked here, from the matched offsets
    assert "attributesToRetrieve" not in params  # all of them, the folded copies too
    plain = search_params(SearchQuery(text="pediatrics", highlight=False))
    assert "showMatchesPosition" not in plain
    highlighted = search_params(SearchQuery(attributes=("id", "title")))
    assert highlighted["attributesToRetrieve"] == [
        "id",
        "title",
        "folded_title",
        "folded_specialty_label",
        "folded_description_text",
    ]
    plain = search_params(SearchQuery(attributes=("id", "title"), highlight=False))
    assert plain["attributesToRetrieve"] == ["id", "title"]


def test_meilisearch_is_sent_a_folded_copy_of_each_searchable_attribute():
    doc = document(
        1, "Pédiatre à Łódź", description="Straße", city="beersheba", specialty=None, translations_text=["Médecin"]
    )
    indexed = indexed_document(doc)
    assert {name: value for name, value in indexed.items() if not name.startswith("folded_")} == doc
    assert indexed["folded_title"] == "pediatre a lodz"
    assert indexed["folded_description_text"] == "strasse"
    assert indexed["folded_translations_text"] == ["medecin"]
    assert indexed["folded_city_aliases"][:2] == ["באר שבע", "בבאר שבע"]
    assert "be'er sheva" in indexed["folded_city_aliases"]
    assert "folded_specialty_label" not in indexed  # no value, nothing to search
    assert set(meili.SETTINGS["searchableAttributes"]) == {name for name in indexed if name.startswith("folded_")} | {
        "folded_specialty_label",
        "folded_specialty_aliases",
    }


def test_hits_are_marked_at_the_words_meilisearch_matched_in_the_folded_copies():
    title, folded_title = "רוֹפֵא <b>Straße</b> & psychiatry", "רופא <b>strasse</b> & psychiatry"
    raw = {
        "hits": [
            {
                "id": 1,
                "title": title,
                "folded_title": folded_title,
                "specialty_label": None,
                "description_text": "Straße",
                "folded_description_text": "strasse",
                "_geo": {"lat": 1, "lng": 2},
                "_matchesPosition": {
                    # Byte offsets: "strasse" after the Hebrew word and "<b>", and "psych", a prefix.
                    "folded_title": [
                        {"start": len("רופא <b>".encode()), "length": 7},
                        {"start": len("רופא <b>strasse</b> & ".encode()), "length": 5},
                    ],
                    "title": [{"start": 0, "length": 1}],  # the originals' matches are not the fold's: unused
                },
            },
            {"id": 2, "title": "Strasse", "folded_title": "strasse", "description_text": "x", "_matchesPosition": {}},
        ]
    }
    first, second = response_hits(raw, SearchQuery(text="strasse psych"))
    assert first.document == {
        "id": 1,
        "title": title,
        "specialty_label": None,
        "description_text": "Straße",
        "_geo": {"lat": 1, "lng": 2},
    }
    assert str(first.highlights["title"]) == "רוֹפֵא &lt;b&gt;<mark>Straße</mark>&lt;/b&gt; &amp; <mark>psychiatry</mark>"
    assert str(first.highlights["description_text"]) == "<mark>Straße</mark>"
    assert str(first.highlights["specialty_label"]) == ""
    assert str(second.highlights["title"]) == "<mark>Strasse</mark>"  # a word matched in any hit of the page
    plain = response_hits(raw, SearchQuery(text="strasse", highlight=False))
    assert [hit.highlights for hit in plain] == [{}, {}] and plain[0].document == first.document


def test_meilisearch_settings_follow_the_index_design():
    settings = meili.SETTINGS
    assert settings["rankingRules"] == ["words", "typo", "sort", "proximity", "attribute", "exactness"]
    assert settings["typoTolerance"]["minWordSizeForTypos"] == {"oneTypo": 5, "twoTypos": 9}
    assert settings["pagination"] == {"maxTotalHits": MAX_TOTAL_HITS}
    assert {"_geo", "expires_at", "salary_top_ils", "grant_fits", *KEYWORD_FACETS} <= set(
        settings["filterableAttributes"]
    )
    assert {"_geo", "posted_at", "salary_top_ils", "grant_max_ils"} <= set(settings["sortableAttributes"])
    assert settings["searchableAttributes"][0] == "folded_title"
    assert settings["searchableAttributes"][-2:] == ["folded_description_text", "folded_translations_text"]
