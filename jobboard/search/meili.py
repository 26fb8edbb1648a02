"""The Meilisearch engine, through the official client, following Meilisearch's documented
behaviour (see ``research/search.md``, clauses C1–C16).

- Settings (searchable, filterable and sortable attributes, ranking rules) are applied by
  ``configure`` idempotently: compared with the server's, updated, and the task awaited and
  checked; a failed task raises ``SearchWriteFailed``.
- Writes wait for their task (the client's ``wait_for_task`` returns a failed task rather than
  raising, so its status is checked).
- Filters are rendered from the typed query with every value quoted and escaped; the public
  scope (``expires_at > now``) is its own top-level AND term, so no value can widen it.
- Folding is ours, as in the embedded engine (``text.normalise``, the one analyzer of both).
  Meilisearch's tokenizer, charabia, lower-cases, decomposes (NFKD) and drops non-spacing marks
  from Latin, Greek and Hebrew words (accents, niqqud), and spells out æ and œ (and, with its
  Vietnamese and Turkish features, đ, ð and ı); it has no rule for ł, ø, ß or þ (charabia 0.9.9,
  ``normalizer/``), so "lodz" would not find "Łódź" there, nor "strasse" "Straße". So each
  searchable attribute is also sent folded, as ``folded_<name>``
  (``indexed_document``); only these copies are searchable, in the same order, and the query is
  folded the same way. Charabia leaves such text as it is (a Cyrillic letter it decomposes, on
  both sides alike). The originals are displayed. An index filled before these copies existed
  finds nothing until ``flask jobboard reindex``.
- Highlights are the shared ``text.Highlighter``'s, as in the embedded engine: Meilisearch's own
  mark what charabia matches in the originals, which is not "Łódź" for "lodz". The search asks for
  ``showMatchesPosition`` (byte offsets of the matched terms, documented for custom highlighting)
  and retrieves the folded copies of the highlighted attributes; the words at those offsets, over
  all the page's hits, are what the highlighter marks (whole words: a prefix match covers only
  the start of one) and crops around.
- A vocabulary city name of several words in the query is quoted first (``places.py``). Meilisearch
  documents phrase search as the exact sequence of words, and its query graph makes a phrase
  mandatory while every other term may drop out under the "last" matching strategy (milli's
  removal order skips phrases); so the city's postings are all candidates, in any sort, and a
  posting holding only some of the name's words ("Be'er Ya'akov" for "Be'er Sheva") is none.
- The client waits 2 s at most (``SEARCH_TIMEOUT_SECONDS``); a timeout or transport error is
  ``EngineUnavailable`` and the page degrades.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

import requests
from meilisearch import Client
from meilisearch.errors import MeilisearchApiError, MeilisearchCommunicationError, MeilisearchTimeoutError

from jobboard.search.documents import FILTERABLE_ATTRIBUTES, RANKING_RULES, SEARCHABLE_ATTRIBUTES, SORTABLE_ATTRIBUTES
from jobboard.search.places import prepared_query
from jobboard.search.port import (
    KEYWORD_FILTERS,
    MAX_TOTAL_HITS,
    NUMERIC_FILTERS,
    AnyOf,
    EngineUnavailable,
    Hit,
    InvalidQuery,
    IsTrue,
    LateChanges,
    Range,
    SearchQuery,
    SearchResult,
    SearchWriteFailed,
    Sort,
)
from jobboard.search.text import Highlighter, normalise, words_at

INDEX_UID = "jobs"
NEXT_INDEX_UID = "jobs_next"
# Each searchable attribute's folded copy, the one searched (see the notes at the top).
FOLDED = {name: f"folded_{name}" for name in SEARCHABLE_ATTRIBUTES}
FOLDED_NAMES = frozenset(FOLDED.values())
SETTINGS = {
    "searchableAttributes": [FOLDED[name] for name in SEARCHABLE_ATTRIBUTES],
    "filterableAttributes": list(FILTERABLE_ATTRIBUTES),
    "sortableAttributes": list(SORTABLE_ATTRIBUTES),
    "rankingRules": list(RANKING_RULES),
    "typoTolerance": {"enabled": True, "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9}},
    "pagination": {"maxTotalHits": MAX_TOTAL_HITS},
    "faceting": {"maxValuesPerFacet": 100},
}
TASK_TIMEOUT_MS = 30_000
SORTS = {Sort.NEWEST: "posted_at:desc", Sort.SALARY: "salary_top_ils:desc", Sort.GRANT: "grant_max_ils:desc"}
UNAVAILABLE = (MeilisearchCommunicationError, MeilisearchTimeoutError, requests.exceptions.RequestException)


def quote(value: str) -> str:
    return json.dumps(str(value), ensure_ascii=False)


def _number(value: float) -> str:
    if not math.isfinite(value):
        raise InvalidQuery("numbers in filters must be finite")
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def render_filter(query: SearchQuery) -> list[str]:
    """The filter in Meilisearch's array form (every element ANDed), scope first."""
    clauses = [f"expires_at > {int(query.now)}"]
    for condition in query.filters:
        if isinstance(condition, AnyOf):
            if condition.attribute not in KEYWORD_FILTERS:
                raise InvalidQuery(f"cannot filter on {condition.attribute}")
            clauses.append(f"{condition.attribute} IN [{', '.join(quote(v) for v in condition.values)}]")
        elif isinstance(condition, Range):
            if condition.attribute not in NUMERIC_FILTERS:
                raise InvalidQuery(f"cannot filter on {condition.attribute}")
            if condition.minimum is not None:
                clauses.append(f"{condition.attribute} >= {_number(condition.minimum)}")
            if condition.maximum is not None:
                clauses.append(f"{condition.attribute} <= {_number(condition.maximum)}")
        elif isinstance(condition, IsTrue):
            if condition.attribute != "is_periphery":
                raise InvalidQuery(f"cannot filter on {condition.attribute}")
            clauses.append("is_periphery = true")
    near = query.near
    if near is not None and near.radius_km is not None:
        clauses.append(f"_geoRadius({_number(near.lat)}, {_number(near.lon)}, {_number(near.radius_km * 1000)})")
    return clauses


def render_sort(query: SearchQuery) -> list[str]:
    if query.sort == Sort.DISTANCE:
        if query.near is None:
            raise InvalidQuery("sorting by distance needs a city")
        return [f"_geoPoint({_number(query.near.lat)}, {_number(query.near.lon)}):asc"]
    if query.sort in SORTS:
        return [SORTS[query.sort]]
    return [] if query.text.strip() else [SORTS[Sort.NEWEST]]


HIGHLIGHTED = ("title", "specialty_label", "description_text")
CROPPED = "description_text"


def indexed_document(document: dict[str, Any]) -> dict[str, Any]:
    """The document as sent to Meilisearch: as given, with a folded copy of each searchable
    attribute that has a value."""
    indexed = dict(document)
    for name, folded_name in FOLDED.items():
        value = document.get(name)
        if value:
            indexed[folded_name] = [normalise(item) for item in value] if isinstance(value, list) else normalise(value)
    return indexed


def query_text(query: SearchQuery) -> str:
    """What Meilisearch is asked: the text with its city names quoted (``places.py``: a phrase is
    mandatory in Meilisearch, and every other word may drop out) and its stop words dropped, folded
    like the copies searched."""
    return normalise(prepared_query(query.text))


def search_params(query: SearchQuery) -> dict[str, Any]:
    params: dict[str, Any] = {
        "filter": render_filter(query),
        "sort": render_sort(query),
        "facets": [*query.facets, "is_periphery"],
        "page": query.page,
        "hitsPerPage": query.per_page,
        "matchingStrategy": "last",
    }
    if query.attributes is not None:
        params["attributesToRetrieve"] = [*query.attributes, *(FOLDED[name] for name in HIGHLIGHTED if query.highlight)]
    if query.highlight:
        params["showMatchesPosition"] = True
    return params


def matched_words(item: dict[str, Any]) -> set[str]:
    """The folded words a raw hit matched in the highlighted attributes' copies: the words at the
    byte offsets of its ``_matchesPosition``."""
    positions = item.get("_matchesPosition") or {}
    found: set[str] = set()
    for name in HIGHLIGHTED:
        folded, bounds = item.get(FOLDED[name]), positions.get(FOLDED[name])
        if folded and bounds:
            encoded = folded.encode()
            found |= words_at(folded, [len(encoded[: bound["start"]].decode(errors="ignore")) for bound in bounds])
    return found


def response_hits(raw: dict[str, Any], query: SearchQuery) -> list[Hit]:
    """A search response's hits, without the folded copies, highlighted if asked."""
    highlight = Highlighter(set().union(*map(matched_words, raw["hits"]))) if query.highlight else None
    found = []
    for item in raw["hits"]:
        document = {
            name: value
            for name, value in item.items()
            if name not in FOLDED_NAMES and (not name.startswith("_") or name == "_geo")
        }
        distance = item.get("_geoDistance")
        found.append(
            Hit(
                id=int(document["id"]),
                document=document,
                highlights={name: highlight(document.get(name) or "", crop=name == CROPPED) for name in HIGHLIGHTED}
                if highlight is not None
                else {},
                distance_km=distance / 1000 if distance is not None else None,
            )
        )
    return found


class MeilisearchEngine:
    name = "meilisearch"

    def __init__(self, client: Client, index_uid: str = INDEX_UID):
        self.client = client
        self.index_uid = index_uid

    @classmethod
    def connect(cls, url: str, api_key: str | None, timeout_seconds: float = 2.0) -> MeilisearchEngine:
        return cls(Client(url, api_key, timeout=max(1, math.ceil(timeout_seconds))))

    def _wait(self, task_info: Any) -> None:
        try:
            task = self.client.wait_for_task(task_info.task_uid, timeout_in_ms=TASK_TIMEOUT_MS)
        except UNAVAILABLE as error:
            raise EngineUnavailable(str(error)) from error
        if task.status != "succeeded":
            failure = task.error or {}
            raise SearchWriteFailed(failure.get("code", task.status), failure.get("message", "task did not succeed"))

    def _call(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except UNAVAILABLE as error:
            raise EngineUnavailable(str(error)) from error
        except MeilisearchApiError as error:
            if error.code and error.code.startswith(("invalid_search", "invalid_document_filter")):
                raise InvalidQuery(error.message) from error
            raise EngineUnavailable(f"{error.code}: {error.message}") from error

    def _ensure_index(self, uid: str) -> None:
        try:
            self.client.get_index(uid)
        except MeilisearchApiError as error:
            if error.code != "index_not_found":
                raise EngineUnavailable(f"{error.code}: {error.message}") from error
            self._wait(self._call(self.client.create_index, uid, {"primaryKey": "id"}))
        except UNAVAILABLE as error:
            raise EngineUnavailable(str(error)) from error

    def _apply_settings(self, uid: str) -> None:
        index = self.client.index(uid)
        current = self._call(index.get_settings)
        wanted = {
            key: value
            for key, value in SETTINGS.items()
            if _differs(current.get(key), value, unordered=key in ("filterableAttributes", "sortableAttributes"))
        }
        if wanted:
            self._wait(self._call(index.update_settings, wanted))

    def configure(self) -> None:
        self._ensure_index(self.index_uid)
        self._apply_settings(self.index_uid)

    def upsert(self, documents: list[dict[str, Any]]) -> None:
        if documents:
            index = self.client.index(self.index_uid)
            self._wait(self._call(index.add_documents, [indexed_document(d) for d in documents], primary_key="id"))

    def delete(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        if ids:
            index = self.client.index(self.index_uid)
            # By id (POST /documents/delete-batch): a filter on `id` would need `id` to be filterable.
            self._wait(self._call(index.delete_documents, [int(i) for i in ids]))

    def refresh(self) -> None:
        """Writes are awaited as they are made, so there is nothing left to wait for."""

    def clear(self) -> None:
        self._wait(self._call(self.client.index(self.index_uid).delete_all_documents))

    def search(self, query: SearchQuery) -> SearchResult:
        raw = self._call(self.client.index(self.index_uid).search, query_text(query), search_params(query))
        distribution = raw.get("facetDistribution") or {}
        total = int(raw.get("totalHits", 0))
        return SearchResult(
            hits=response_hits(raw, query),
            total=total,
            total_capped=total >= MAX_TOTAL_HITS,
            page=query.page,
            per_page=query.per_page,
            facets={name: dict(distribution.get(name, {})) for name in query.facets},
            periphery_count=int(distribution.get("is_periphery", {}).get("true", 0)),
        )

    def iter_ids(self) -> set[int]:
        index = self.client.index(self.index_uid)
        found: set[int] = set()
        offset = 0
        while True:
            page = self._call(index.get_documents, {"fields": ["id"], "offset": offset, "limit": 1000})
            found.update(int(document.id) for document in page.results)
            offset += len(page.results)
            if not page.results or offset >= page.total:
                return found

    def rebuild(self, batches: Iterable[list[dict[str, Any]]], before_swap: LateChanges | None = None) -> int:
        """Fill ``jobs_next`` (settings first, as a settings change re-indexes everything), replay
        late changes into it, swap it with the live index, then drop the old data."""
        next_uid = NEXT_INDEX_UID if self.index_uid == INDEX_UID else f"{self.index_uid}_next"
        self._drop(next_uid)
        self._ensure_index(next_uid)
        self._apply_settings(next_uid)
        following = MeilisearchEngine(self.client, next_uid)
        count = 0
        for batch in batches:
            following.upsert(batch)
            count += len(batch)
        if before_swap is not None:
            before_swap(following.upsert, following.delete)
        self._ensure_index(self.index_uid)
        self._wait(self._call(self.client.swap_indexes, [{"indexes": [self.index_uid, next_uid]}]))
        self._drop(next_uid)
        return count

    def _drop(self, uid: str) -> None:
        try:
            self._wait(self._call(self.client.delete_index, uid))
        except SearchWriteFailed as error:
            if error.code != "index_not_found":
                raise


def _differs(current: Any, wanted: Any, *, unordered: bool = False) -> bool:
    if isinstance(wanted, dict):
        return not isinstance(current, dict) or any(_differs(current.get(k), v) for k, v in wanted.items())
    if unordered and isinstance(current, list):
        return sorted(current) != sorted(wanted)
    return current != wanted
