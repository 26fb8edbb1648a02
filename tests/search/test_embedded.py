"""What the embedded engine does beyond the shared contract: how it counts list-valued facets and
documents without a value, how it sorts a broad search within a window of the index, and that it
never serves an index built with another schema."""

from __future__ import annotations

from collections import Counter

from jobboard.search.embedded import EmbeddedEngine, facet_columns, ranking, schema
from jobboard.search.embedded.facet_columns import COUNTABLE, LIST_FACETS
from jobboard.search.embedded.sorting import SortWindows
from jobboard.search.embedded.vocabulary import Vocabulary
from jobboard.search.port import AnyOf, Near, SearchQuery, Sort
from tests.search.builders import CITIES, CITY_POINTS, NOW, document, offset_point


def _documents() -> list[dict]:
    languages = [["en"], ["en", "ru"], ["he"], [], ["ru", "fr"], ["en", "fr", "he"]]
    grants = [[], [("negev-grant", 60_000)], [("negev-grant", 60_000), ("galilee-grant", 100_000)]]
    licences = [["israeli_licence"], ["conversion_in_progress"], ["exam_exemption", "israeli_licence"]]
    return [
        document(
            i,
            f"Position {i}",
            languages_required=languages[i % 6],
            grants=grants[i % 3],
            licence_requirements=licences[i % 4 % 3],
        )
        for i in range(1, 25)
    ]


def _engine(tmp_path) -> EmbeddedEngine:
    engine = EmbeddedEngine(tmp_path / "index", CITY_POINTS)
    engine.configure()
    engine.upsert(_documents())
    engine.refresh()
    return engine


def _expected_counts(name: str) -> dict[str, int]:
    return dict(Counter(value for doc in _documents() for value in doc[name]))


def test_list_facets_count_every_value_of_each_document(tmp_path):
    result = _engine(tmp_path).search(SearchQuery(now=NOW))
    assert result.total == 24
    for name in LIST_FACETS:
        assert result.facets[name] == _expected_counts(name), name


def test_facets_are_counted_one_by_one_when_their_combinations_outnumber_the_buckets(tmp_path, monkeypatch):
    engine = _engine(tmp_path)
    query = SearchQuery(now=NOW, facets=tuple(sorted(COUNTABLE)))
    combined = engine.search(query)
    monkeypatch.setattr(facet_columns, "MAX_COMBINATION_BUCKETS", 1)
    facet_columns._facet_plan.cache_clear()  # a plan holds the bucket count it was made with
    try:
        separate = engine.search(query)
    finally:
        facet_columns._facet_plan.cache_clear()
    for name in LIST_FACETS:
        assert separate.facets[name] == _expected_counts(name), name
    assert separate.facets == combined.facets
    assert (separate.total, separate.periphery_count) == (combined.total, combined.periphery_count) == (24, 24)


def test_documents_without_a_value_are_left_out_of_its_counts(tmp_path):
    engine = EmbeddedEngine(tmp_path / "index", CITY_POINTS)
    engine.configure()
    engine.upsert(
        [
            document(1, "Nurse", specialty=None),
            document(2, "Pediatrician", specialty="pediatrics", grants=[("negev-grant", 60_000)]),
        ]
    )
    engine.refresh()
    result = engine.search(SearchQuery(now=NOW))
    assert result.total == 2
    assert result.facets["specialty"] == {"pediatrics": 1}
    assert result.facets["grant_programs"] == {"negev-grant": 1}
    assert engine.search(SearchQuery(text="nurse", now=NOW)).facets["grant_programs"] == {}


def test_a_query_with_too_many_typo_combinations_ranks_by_the_most_typos_of_any_word(tmp_path, monkeypatch):
    engine = EmbeddedEngine(tmp_path / "index", CITY_POINTS)
    engine.configure()
    engine.upsert(
        [
            document(1, "Cardiolagy radiolagy oncolagy", specialty=None),  # 1 + 1 + 1: at most 1 per word
            document(2, "Cardeolagy radiology oncology", specialty=None),
        ]
    )  # 2 + 0 + 0: 2 in one word
    engine.refresh()
    query = SearchQuery(text="cardiology radiology oncology", now=NOW)
    assert [hit.id for hit in engine.search(query).hits] == [2, 1]  # fewer typos in total first
    monkeypatch.setattr(ranking, "MAX_TYPO_COMBINATIONS", 4)  # 2 × 2 × 2 combinations here
    assert [hit.id for hit in engine.search(query).hits] == [1, 2]


def test_an_index_built_with_another_schema_is_not_served(tmp_path, monkeypatch):
    _engine(tmp_path)
    monkeypatch.setattr(schema, "SCHEMA_VERSION", schema.SCHEMA_VERSION + 1)
    newer = EmbeddedEngine(tmp_path / "index", CITY_POINTS)
    assert newer.iter_ids() == set()
    newer.upsert(_documents()[:2])
    newer.refresh()
    assert newer.iter_ids() == {1, 2}


def _spread_engine(tmp_path, count: int = 200) -> EmbeddedEngine:
    """Postings an hour apart (pk 1 newest), every other one with a salary rising with pk, each
    half a kilometre further north of Beersheba; pks 1-2 and 141-200 are at one employer."""
    engine = EmbeddedEngine(tmp_path / "index", CITY_POINTS)
    engine.configure()
    origin = CITIES["beersheba"]
    engine.upsert(
        [
            document(
                pk,
                f"Position {pk}",
                posted_at=NOW - pk * 3600,
                salary=(10_000 + pk * 100, None) if pk % 2 == 0 else (None, None),
                point=offset_point(origin["lat"], origin["lon"], north_km=pk * 0.5),
                employer="late" if pk <= 2 or pk > 140 else "soroka",
            )
            for pk in range(1, count + 1)
        ]
    )
    engine.refresh()
    return engine


def _windows(monkeypatch) -> list[bool]:
    """Whether each sorted search of the engine first looked at a window of the index."""
    used: list[bool] = []
    original = SortWindows.window

    def recording(self, *args, **kwargs):
        window = original(self, *args, **kwargs)
        used.append(window is not None)
        return window

    monkeypatch.setattr(SortWindows, "window", recording)
    return used


def test_a_broad_sorted_search_looks_at_a_window_of_the_index_and_pages_as_a_full_sort_would(tmp_path, monkeypatch):
    engine = _spread_engine(tmp_path)
    used = _windows(monkeypatch)
    origin = CITIES["beersheba"]
    near = Near("beersheba", origin["lat"], origin["lon"])
    for sort, expected in (
        (Sort.NEWEST, list(range(1, 201))),
        (Sort.DISTANCE, list(range(1, 201))),
        (Sort.SALARY, list(range(200, 0, -2))),
    ):
        for page in (1, 2, 3):
            query = SearchQuery(sort=sort, near=near if sort == Sort.DISTANCE else None, page=page, per_page=5, now=NOW)
            assert [hit.id for hit in engine.search(query).hits] == expected[(page - 1) * 5 : page * 5], (sort, page)
    assert used and all(used)


def test_a_window_that_holds_too_few_candidates_falls_back_to_sorting_them_all(tmp_path, monkeypatch):
    engine = _spread_engine(tmp_path)
    used = _windows(monkeypatch)
    query = SearchQuery(filters=(AnyOf("employer", ("late",)),), sort=Sort.NEWEST, per_page=5, now=NOW)
    # 62 candidates: a window sized for them holds the newest sixty-odd postings, two of them theirs.
    assert [hit.id for hit in engine.search(query).hits] == [1, 2, 141, 142, 143]
    assert used == [True]


def test_postings_without_the_sort_value_follow_those_with_it(tmp_path):
    engine = _spread_engine(tmp_path, count=40)
    hits = engine.search(SearchQuery(sort=Sort.SALARY, per_page=30, page=1, now=NOW)).hits
    assert [hit.id for hit in hits[:20]] == list(range(40, 0, -2))
    assert {hit.id for hit in hits[20:]} <= set(range(1, 40, 2)) and len(hits) == 30


def test_a_vocabulary_keeps_each_words_expansion_and_hands_out_copies(monkeypatch):
    vocabulary = Vocabulary({"pediatrics", "pediatric", "psychiatry"})
    first = vocabulary.expand("pediatrcs", prefix=False)
    assert first == {"pediatrics": 1, "pediatric": 2}
    first["pediatrcspsychiatry"] = 1  # a caller adds a concatenation to its copy
    assert vocabulary.expand("pediatrcs", prefix=False) == {"pediatrics": 1, "pediatric": 2}
    assert vocabulary.expand("psych", prefix=True) == {"psychiatry": 0}
    monkeypatch.setattr("jobboard.search.embedded.vocabulary.MAX_EXPANDED_WORDS", 2)
    assert vocabulary.expand("pediatric", prefix=False) == {"pediatric": 0, "pediatrics": 1}
    assert len(vocabulary._expanded) == 1  # full: emptied before keeping the new word
