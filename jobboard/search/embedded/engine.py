"""The embedded engine: the index directories, reloading the reader, searching and writing."""

from __future__ import annotations

import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import tantivy

from jobboard.search.embedded.distances import CityPoint, haversine_m
from jobboard.search.embedded.facet_columns import count_facets
from jobboard.search.embedded.queries import QueryBuilder, all_of, split_negated, split_phrases
from jobboard.search.embedded.ranking import Bucket, ranking_buckets
from jobboard.search.embedded.schema import LISTED, IndexSchema, stored_document
from jobboard.search.embedded.sorting import SortWindows, sort_order, window_steps
from jobboard.search.embedded.vocabulary import Vocabulary
from jobboard.search.places import prepared_query
from jobboard.search.port import MAX_TOTAL_HITS, EngineUnavailable, Hit, LateChanges, SearchQuery, SearchResult
from jobboard.search.text import Highlighter, query_words

WRITER_HEAP_BYTES = 15_000_000
# A rebuild writes the whole index in one go: a large heap leaves it in few segments, which
# every search then visits fewer times.
REBUILD_HEAP_BYTES = 256_000_000


class EmbeddedEngine:
    """The search port on Tantivy indexes under ``root``. One writer per index directory across
    processes (Tantivy's lock): the outbox worker, or the eager drain in development. Readers
    reload when the index's generation file changes."""

    name = "embedded"

    def __init__(self, root: Path | str, cities: Iterable[CityPoint]):
        self.root = Path(root)
        self.cities = {city.slug: city for city in cities}
        steps = window_steps(self.cities.values())
        self._schema = IndexSchema(self.cities.values(), steps)
        self._queries = QueryBuilder(self._schema.tantivy_schema, self.cities)
        self._windows = SortWindows(self._schema.tantivy_schema, steps)
        self._write_lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._index: tantivy.Index | None = None
        self._loaded: tuple[str, str] | None = None  # (directory, generation) the reader shows
        self._vocabulary: Vocabulary | None = None
        self._checked_at = 0.0

    # --- files ---------------------------------------------------------------------------

    def _current_directory(self) -> Path | None:
        pointer = self.root / "CURRENT"
        if not pointer.exists():
            return None
        directory = self.root / pointer.read_text().strip()
        if not self._schema.matches(directory):
            return None  # built for another schema or city vocabulary: a reindex replaces it
        return directory

    def _new_directory(self) -> Path:
        directory = self.root / f"index-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}"
        directory.mkdir(parents=True)
        self._schema.create(directory)
        (directory / "GENERATION").write_text("0")
        return directory

    def _make_current(self, directory: Path) -> None:
        temporary = self.root / f"CURRENT.{uuid.uuid4().hex}"
        temporary.write_text(directory.name)
        os.replace(temporary, self.root / "CURRENT")
        for old in self.root.glob("index-*"):
            if old != directory:
                shutil.rmtree(old, ignore_errors=True)

    def configure(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if self._current_directory() is None:
            self._make_current(self._new_directory())
        self._loaded = None

    # --- reading -------------------------------------------------------------------------

    def _reader(self) -> tuple[tantivy.Index, Vocabulary]:
        """The index as of its latest commit (checked at most every 50 ms) and its vocabulary."""
        with self._read_lock:
            now = time.monotonic()
            if self._loaded is None or now - self._checked_at > 0.05:
                self._checked_at = now
                directory = self._current_directory()
                if directory is None:
                    self.configure()
                    directory = self._current_directory()
                assert directory is not None  # noqa: S101 - an invariant of the code, not input
                generation = (directory / "GENERATION").read_text()
                if self._loaded != (str(directory), generation):
                    if self._index is None or self._loaded is None or self._loaded[0] != str(directory):
                        self._index = self._schema.open(directory)
                    self._index.reload()
                    self._vocabulary = Vocabulary.read(self._index.searcher())
                    self._windows.clear()
                    self._queries.clear()
                    self._loaded = (str(directory), generation)
            assert self._index is not None and self._vocabulary is not None  # noqa: S101 - an invariant of the code, not input
            return self._index, self._vocabulary

    def search(self, query: SearchQuery) -> SearchResult:
        index, vocabulary = self._reader()
        searcher = index.searcher()
        queries = self._queries
        # Vocabulary city names of several words are quoted first, and stop words dropped.
        text, phrases = split_phrases(prepared_query(query.text))
        text, negated = split_negated(text)
        # A quoted phrase is required as written; "-word" excludes the word exactly (contract C5).
        filters = [*queries.filter_queries(query), *(queries.phrase_query(phrase) for phrase in phrases)]
        words = query_words(text)
        excluded_words = [queries.word_match([w]) for w in negated]
        expansions = [vocabulary.expand(w, prefix=i == len(words) - 1) for i, w in enumerate(words)]
        vocabulary.add_concatenations(words, expansions)
        matched_terms = {t for terms in expansions for t in terms} | {w for phrase in phrases for w in phrase}

        buckets: Iterable[Bucket]
        if not words:
            candidates = (
                all_of([tantivy.Query.all_query(), *filters], excluded_words)
                if filters or excluded_words
                else tantivy.Query.all_query()
            )
            buckets = [lambda: candidates]
        elif not expansions[0] and not phrases:
            candidates = None
        else:
            word_queries = [{t: queries.word_query(terms, t) for t in (0, 1, 2)} for terms in expansions]
            buckets = ranking_buckets(word_queries, expansions, filters, excluded_words, bool(phrases))
            # With a phrase, the phrase alone is required and every other word may drop out, the
            # first too: Meilisearch makes a phrase mandatory and every other term optional (its
            # query graph's removal order for the "last" strategy).
            candidates = (
                all_of(filters, excluded_words)
                if phrases
                else all_of([queries.word_match(expansions[0]), *filters], excluded_words)
            )

        if candidates is None:
            return SearchResult(hits=[], total=0, total_capped=False, page=query.page, per_page=query.per_page)
        facets, total, periphery = count_facets(searcher, candidates, query.facets)
        hits = self._page(searcher, buckets, query, matched_terms, total) if total else []
        return SearchResult(
            hits=hits,
            total=min(total, MAX_TOTAL_HITS),
            total_capped=total > MAX_TOTAL_HITS,
            page=query.page,
            per_page=query.per_page,
            facets=facets,
            periphery_count=periphery,
        )

    def _page(
        self, searcher: tantivy.Searcher, buckets: Iterable[Bucket], query: SearchQuery, matched: set[str], total: int
    ) -> list[Hit]:
        start = (query.page - 1) * query.per_page
        stop = min(start + query.per_page, MAX_TOTAL_HITS)
        if start >= stop:
            return []
        field, descending = sort_order(query, self.cities)
        addresses: list[Any] = []
        pending = iter(buckets)
        build, following = next(pending, None), next(pending, None)
        matching = total if following is None else None  # a lone bucket holds all the candidates
        while build is not None:
            bucket, needed = build(), stop - len(addresses)
            if field is None:
                addresses.extend(address for _score, address in searcher.search(bucket, limit=needed, count=False).hits)
            else:
                addresses.extend(self._windows.sorted(searcher, bucket, field, descending, needed, matching))
            if len(addresses) >= stop:
                break
            build, following = following, next(pending, None)
        highlight = Highlighter(matched) if query.highlight else None
        listed_only = query.attributes is not None and LISTED.issuperset(query.attributes)
        return [self._hit(searcher.doc(address), listed_only, query, highlight) for address in addresses[start:stop]]

    @staticmethod
    def _hit(found: tantivy.Document, listed_only: bool, query: SearchQuery, highlight: Highlighter | None) -> Hit:
        document, lead_end_at = stored_document(found, listed_only)
        highlights = (
            {
                "title": highlight(document["title"]),
                "specialty_label": highlight(document.get("specialty_label") or ""),
                "description_text": highlight(document["description_text"], crop=True, lead_end_at=lead_end_at),
            }
            if highlight is not None
            else {}
        )
        distance = None
        if query.near is not None:
            geo = document["_geo"]
            distance = haversine_m(query.near.lat, query.near.lon, geo["lat"], geo["lng"]) / 1000
        return Hit(id=document["id"], document=document, highlights=highlights, distance_km=distance)

    # --- writing -------------------------------------------------------------------------

    @contextmanager
    def _writer(
        self, directory: Path | None = None, heap_size: int = WRITER_HEAP_BYTES
    ) -> Iterator[tantivy.IndexWriter]:
        with self._write_lock:
            target = directory or self._current_directory()
            if target is None:
                self.configure()
                target = self._current_directory()
            assert target is not None  # noqa: S101 - an invariant of the code, not input
            index = (
                self._schema.open(target)
                if directory is not None
                or self._index is None
                or self._loaded is None
                or self._loaded[0] != str(target)
                else self._index
            )
            try:
                writer = index.writer(heap_size=heap_size, num_threads=1)
            except ValueError as error:  # another process holds the index's write lock
                raise EngineUnavailable(f"the search index is being written by another process: {error}") from error
            yield writer
            writer.commit()
            writer.wait_merging_threads()
            generation_file = target / "GENERATION"
            generation_file.write_text(str(int(generation_file.read_text() or 0) + 1))

    def _write(self, writer: tantivy.IndexWriter, documents: list[dict[str, Any]]) -> None:
        for document in documents:
            writer.delete_documents_by_term("id", str(document["id"]))
            writer.add_document(self._schema.document(document))

    def upsert(self, documents: list[dict[str, Any]]) -> None:
        if documents:
            with self._writer() as writer:
                self._write(writer, documents)

    def delete(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        if ids:
            with self._writer() as writer:
                for posting_id in ids:
                    writer.delete_documents_by_term("id", str(posting_id))

    def refresh(self) -> None:
        self._checked_at = 0.0  # commits are synchronous; the next read reloads at once

    def clear(self) -> None:
        with self._writer() as writer:
            writer.delete_all_documents()

    def iter_ids(self) -> set[int]:
        index, _ = self._reader()
        searcher = index.searcher()
        if not searcher.num_docs:
            return set()
        found = searcher.search(tantivy.Query.all_query(), limit=searcher.num_docs, count=False)
        return {
            int(pk)
            for pk in searcher.fast_field_values("pk", [address for _score, address in found.hits])
            if pk is not None
        }

    def rebuild(self, batches: Iterable[list[dict[str, Any]]], before_swap: LateChanges | None = None) -> int:
        """Fills a new directory and switches the ``CURRENT`` pointer, so the site keeps serving
        from the old index meanwhile."""
        self.root.mkdir(parents=True, exist_ok=True)
        directory = self._new_directory()
        count = 0
        with self._writer(directory, REBUILD_HEAP_BYTES) as writer:
            for batch in batches:
                for document in batch:  # a new index: nothing to replace
                    writer.add_document(self._schema.document(document))
                count += len(batch)

        def upsert_late(documents: list[dict[str, Any]]) -> None:
            with self._writer(directory) as late_writer:
                self._write(late_writer, documents)

        def delete_late(ids: list[int]) -> None:
            with self._writer(directory) as late_writer:
                for posting_id in ids:
                    late_writer.delete_documents_by_term("id", str(posting_id))

        if before_swap is not None:
            before_swap(upsert_late, delete_late)
        with self._write_lock:
            self._make_current(directory)
            self._loaded = None
        return count
