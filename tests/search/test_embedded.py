"""What the embedded engine does beyond the shared contract: how it counts list-valued facets and
documents without a value, and that it never serves an index built with another schema."""

from __future__ import annotations

from collections import Counter

from jobboard.search import embedded
from jobboard.search.embedded import LIST_FACETS, EmbeddedEngine
from jobboard.search.port import SearchQuery
from tests.search.builders import CITY_POINTS, NOW, document


def _documents() -> list[dict]:
    languages = [["en"], ["en", "ru"], ["he"], [], ["ru", "fr"], ["en", "fr", "he"]]
    grants = [[], [("negev-grant", 60_000)], [("negev-grant", 60_000), ("galilee-grant", 100_000)]]
    licences = [["israeli_licence"], ["conversion_in_progress"], ["exam_exemption", "israeli_licence"]]
    return [document(i, f"Position {i}", languages_required=languages[i % 6], grants=grants[i % 3],
                     licence_requirements=licences[i % 4 % 3]) for i in range(1, 25)]


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


def test_list_facets_are_counted_value_by_value_when_their_sets_outnumber_the_buckets(tmp_path, monkeypatch):
    engine = _engine(tmp_path)
    monkeypatch.setattr(embedded, "MAX_SET_BUCKETS", 1)
    result = engine.search(SearchQuery(now=NOW))
    for name in LIST_FACETS:
        assert result.facets[name] == _expected_counts(name), name


def test_documents_without_a_value_are_left_out_of_its_counts(tmp_path):
    engine = EmbeddedEngine(tmp_path / "index", CITY_POINTS)
    engine.configure()
    engine.upsert([document(1, "Nurse", specialty=None), document(2, "Pediatrician", specialty="pediatrics",
                                                                  grants=[("negev-grant", 60_000)])])
    engine.refresh()
    result = engine.search(SearchQuery(now=NOW))
    assert result.total == 2
    assert result.facets["specialty"] == {"pediatrics": 1}
    assert result.facets["grant_programs"] == {"negev-grant": 1}
    assert engine.search(SearchQuery(text="nurse", now=NOW)).facets["grant_programs"] == {}


def test_a_query_with_too_many_typo_combinations_ranks_by_the_most_typos_of_any_word(tmp_path, monkeypatch):
    engine = EmbeddedEngine(tmp_path / "index", CITY_POINTS)
    engine.configure()
    engine.upsert([document(1, "Cardiolagy radiolagy oncolagy", specialty=None),  # 1 + 1 + 1: at most 1 per word
                   document(2, "Cardeolagy radiology oncology", specialty=None)])  # 2 + 0 + 0: 2 in one word
    engine.refresh()
    query = SearchQuery(text="cardiology radiology oncology", now=NOW)
    assert [hit.id for hit in engine.search(query).hits] == [2, 1]  # fewer typos in total first
    monkeypatch.setattr(embedded, "MAX_TYPO_COMBINATIONS", 4)  # 2 × 2 × 2 combinations here
    assert [hit.id for hit in engine.search(query).hits] == [1, 2]


def test_an_index_built_with_another_schema_is_not_served(tmp_path, monkeypatch):
    _engine(tmp_path)
    monkeypatch.setattr(embedded, "SCHEMA_VERSION", embedded.SCHEMA_VERSION + 1)
    newer = EmbeddedEngine(tmp_path / "index", CITY_POINTS)
    assert newer.iter_ids() == set()
    newer.upsert(_documents()[:2])
    newer.refresh()
    assert newer.iter_ids() == {1, 2}
