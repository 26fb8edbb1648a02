"""Field sorts: the field a search sorts by, and sorting a broad search within a window at the
sorting end of the field first."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import tantivy

from jobboard.search.embedded.distances import CityPoint, city_point
from jobboard.search.embedded.queries import all_of
from jobboard.search.embedded.schema import INT, step_field
from jobboard.search.port import InvalidQuery, SearchQuery, Sort

SORT_FIELDS = {  # the field and whether it sorts descending
    Sort.NEWEST: ("posted_at", True),
    Sort.SALARY: ("salary_top_ils", True),
    Sort.GRANT: ("grant_max_ils", True),
}
# Sorting a broad search looks first at a window of the index sized to hold this many times the
# documents a page needs (``SortWindows.window``), in steps of its sort field. Each sort field's
# steps are indexed once more (``schema.step_field``), not as a fast field: a range of them is
# read from the terms and knows how many documents it holds, so the window leads the search's
# intersection, where a range of the fast field is checked on every candidate of the other clauses.
WINDOW_SLACK = 4
WINDOW_STEPS = {"posted_at": 86_400, "salary_top_ils": 1_000, "grant_max_ils": 1_000}
DISTANCE_STEP_M = 2_000


def window_steps(cities: Iterable[CityPoint]) -> dict[str, int]:
    """The step of each sort field: the fields of WINDOW_STEPS and the distance to each city."""
    return {**WINDOW_STEPS, **{city.field: DISTANCE_STEP_M for city in cities}}


def sort_order(query: SearchQuery, cities: dict[str, CityPoint]) -> tuple[str | None, bool]:
    """The field the search sorts by (None: by relevance) and whether it sorts descending."""
    if query.sort == Sort.DISTANCE:
        if query.near is None:
            raise InvalidQuery("sorting by distance needs a city")
        return city_point(cities, query.near).field, False
    if query.sort in SORT_FIELDS:
        return SORT_FIELDS[query.sort]
    if query.sort == Sort.RELEVANCE and not query.text.strip():
        return SORT_FIELDS[Sort.NEWEST]
    return None, False


class SortWindows:
    """A field sort of a broad search (newest first over the whole index, say) first sorts only the
    documents in a window at the sorting end of the field, sized from the field's histogram and the
    search's total to hold its page several times over; when the window holds too few, the search
    sorts all its documents. Sorting costs in proportion to what it looks at, so a broad search at
    100,000 postings costs about what it does at 10,000. The histograms are worked out once per
    reader generation (``clear`` between generations)."""

    def __init__(self, schema: tantivy.Schema, steps: dict[str, int]):
        self._schema = schema
        self._steps = steps
        self._histograms: dict[str, tuple[int, list[tuple[int, int]]]] = {}

    def clear(self) -> None:
        self._histograms = {}

    def sorted(
        self,
        searcher: tantivy.Searcher,
        query: tantivy.Query,
        field: str,
        descending: bool,
        needed: int,
        matching: int | None,
    ) -> list[Any]:
        """The first ``needed`` documents of ``query`` by ``field``, looking at a window first when
        how many documents match is known. Documents without a value come after those with one:
        they hold MISSING_NUMBER, and the one field sorted ascending, a distance, is never missing."""
        order = tantivy.Order.Desc if descending else tantivy.Order.Asc
        window = self.window(searcher, field, descending, needed, matching) if matching else None
        if window is not None:
            found = searcher.search(
                all_of([query, window]), limit=needed, count=False, order_by_field=field, order=order
            ).hits
            if len(found) == needed:  # every candidate outside the window comes after these
                return [address for _value, address in found]
        return [
            address
            for _value, address in searcher.search(
                query, limit=needed, count=False, order_by_field=field, order=order
            ).hits
        ]

    def window(
        self, searcher: tantivy.Searcher, field: str, descending: bool, needed: int, matching: int
    ) -> tantivy.Query | None:
        """The steps of ``field`` at its sorting end that should hold ``needed`` of the ``matching``
        candidates WINDOW_SLACK times over, if they are spread over the index like all documents:
        sorting within them costs a fraction of sorting all the candidates of a broad search. None
        when the window would cover half the index."""
        wanted = needed * WINDOW_SLACK * searcher.num_docs / matching
        if wanted >= searcher.num_docs / 2:
            return None
        step, counts = self._histogram(searcher, field)
        seen = 0
        for key, count in reversed(counts) if descending else counts:
            seen += count
            if seen >= wanted:
                bound = key // step
                return tantivy.Query.range_query(
                    self._schema,
                    step_field(field),
                    INT,
                    lower_bound=bound if descending else None,
                    upper_bound=None if descending else bound,
                )
        return None

    def _histogram(self, searcher: tantivy.Searcher, field: str) -> tuple[int, list[tuple[int, int]]]:
        """How the index's values of a sort field are spread over its steps: (step, [(step start,
        count)]) in ascending order."""
        found = self._histograms.get(field)
        if found is None:
            step = self._steps[field]
            result = searcher.aggregate(
                tantivy.Query.all_query(), {field: {"histogram": {"field": field, "interval": step}}}
            )
            found = step, [(int(b["key"]), b["doc_count"]) for b in result[field]["buckets"]]
            self._histograms[field] = found
        return found
