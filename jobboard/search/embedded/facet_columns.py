"""The facet columns: each document's facet values as a few combination keys, and the facets'
per-value counts summed from the counts of those combinations."""

from __future__ import annotations

import functools
from typing import Any

import tantivy

from jobboard.search.embedded.caches import kept
from jobboard.search.port import KEYWORD_FACETS, InvalidQuery

# Facets are counted from a few single-valued columns, each holding one key per document made of
# its values of several facets (a list facet's whole set as one part): Tantivy's terms
# aggregation costs per column and matching document, a multi-valued column several times a
# single-valued one, and these combinations are few, so the per-value counts are summed from the
# combination counts. Every part holds a value for every document (NO_VALUE where it has none,
# left out of the counts): a column with gaps counts two to four times slower.

LIST_FACETS = ("licence_requirements", "grant_programs", "languages_required")
# Facets counted together, each tuple from one column. The first is counted on every search and
# also gives the total: it holds every document's region, and the Hebrew level, whose counts the
# search page always shows. Facets with few values share a column: a column costs per matching
# document and the result per combination, so facets whose combinations stay few (a specialty
# implies its profession, a region its periphery) are cheaper together.
FACET_COLUMNS: tuple[tuple[str, ...], ...] = (
    ("region", "is_periphery", "hebrew_level_min"),
    ("profession", "specialty"),
    ("employment_type", "seniority"),
    ("licence_requirements",),
    ("employer",),
    ("grant_programs",),
    ("languages_required",),
)
COUNTABLE = frozenset(part for column in FACET_COLUMNS for part in column) - {"is_periphery"}
PART_SEPARATOR = "\x1e"
SET_SEPARATOR = "\x1f"
NO_VALUE = ""
MAX_COMBINATION_BUCKETS = 10_000
MAX_FACET_VALUES = 100  # as Meilisearch's maxValuesPerFacet
assert {*KEYWORD_FACETS, "hebrew_level_min"} == COUNTABLE  # noqa: S101 - an invariant of the code, not input

# Each column's keys as parsed so far, looked up per bucket of every search.
_COMBINATIONS: dict[tuple[str, ...], dict[str, tuple[tuple[str, str], ...]]] = {c: {} for c in FACET_COLUMNS}
MAX_PARSED_KEYS = 4096  # per column


def column_field(column: tuple[str, ...]) -> str:
    return "facets__" + "__".join(column)


def column_key(document: dict[str, Any], column: tuple[str, ...]) -> str:
    """The document's key in a facet column: its value of each of the column's facets."""
    return PART_SEPARATOR.join(_facet_part(document, part) for part in column)


def _facet_part(document: dict[str, Any], name: str) -> str:
    value = document.get(name)
    if name in LIST_FACETS:
        return SET_SEPARATOR.join(sorted({str(item) for item in value or ()}))
    if isinstance(value, bool):
        return "true" if value else "false"
    return NO_VALUE if value is None else str(value)


def _combination(column: tuple[str, ...], key: str) -> tuple[tuple[str, str], ...]:
    """A facet column's key as (facet, value) pairs, one per value of a list facet, leaving out
    the facets without a value."""
    return tuple(
        (part, value)
        for part, values in zip(column, key.split(PART_SEPARATOR), strict=True)
        if values != NO_VALUE
        for value in (values.split(SET_SEPARATOR) if part in LIST_FACETS else (values,))
    )


@functools.lru_cache(maxsize=64)
def _facet_plan(names: tuple[str, ...]) -> tuple[tuple[tuple[str, ...], ...], dict[str, Any]]:
    """The columns that count ``names`` (the first always: it gives the total) and the
    aggregation request for them."""
    unknown = set(names) - COUNTABLE
    if unknown:
        raise InvalidQuery(f"cannot count on {', '.join(sorted(unknown))}")
    columns = (FACET_COLUMNS[0], *(c for c in FACET_COLUMNS[1:] if set(c) & set(names)))
    return columns, {
        column_field(column): {"terms": {"field": column_field(column), "size": MAX_COMBINATION_BUCKETS}}
        for column in columns
    }


def _facet_key(key: Any) -> str:
    # Numeric buckets come back as floats; Meilisearch names them "2", not "2.0".
    return str(int(key)) if isinstance(key, float) else str(key)


def count_facets(
    searcher: tantivy.Searcher, candidates: tantivy.Query, names: tuple[str, ...]
) -> tuple[dict[str, dict[str, int]], int, int]:
    """The counts of each value of the facets ``names`` among the candidates (the
    MAX_FACET_VALUES most frequent of a facet with more), how many candidates there are, and how
    many of them are in the periphery."""
    columns, request = _facet_plan(names)
    result = searcher.aggregate(candidates, request)
    tallies: dict[str, dict[str, int]] = {part: {} for column in columns for part in column}
    for column, field in zip(columns, request, strict=True):
        found = result[field]
        if found.get("sum_other_doc_count"):  # more combinations than buckets: count part by part
            _count_parts(searcher, candidates, list(column), tallies)
            continue
        parsed = _COMBINATIONS[column]
        for bucket in found["buckets"]:
            key = bucket["key"]
            pairs = parsed.get(key)  # looked up inline first: this loop runs per bucket
            if pairs is None:
                pairs = kept(parsed, key, MAX_PARSED_KEYS, _combination, column, key)
            count = bucket["doc_count"]
            for part, value in pairs:
                tally = tallies[part]
                tally[value] = tally.get(value, 0) + count
    periphery = tallies["is_periphery"]
    facets = {
        name: tallies[name]
        if len(tallies[name]) <= MAX_FACET_VALUES
        else dict(sorted(tallies[name].items(), key=lambda item: (-item[1], item[0]))[:MAX_FACET_VALUES])
        for name in names
    }
    return facets, sum(periphery.values()), periphery.get("true", 0)


def _count_parts(
    searcher: tantivy.Searcher, candidates: tantivy.Query, parts: list[str], tallies: dict[str, dict[str, int]]
) -> None:
    """Counts from each facet's own field (multi-valued for a list facet)."""
    result = searcher.aggregate(
        candidates, {part: {"terms": {"field": part, "size": MAX_FACET_VALUES}} for part in parts}
    )
    for part in parts:
        for bucket in result[part]["buckets"]:
            key = bucket.get("key_as_string") if part == "is_periphery" else _facet_key(bucket["key"])
            if key != NO_VALUE:
                tallies[part][key] = tallies[part].get(key, 0) + bucket["doc_count"]
