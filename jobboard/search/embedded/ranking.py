"""The ranking buckets of a text search, as Meilisearch's: documents with more of the query words
first (dropping words from the right), then fewer typos in total."""

from __future__ import annotations

import functools
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterator

import tantivy

from jobboard.search.embedded.queries import all_of

MAX_TYPO_COMBINATIONS = 81  # per-word typo counts combined into total-typo tiers (four words of three counts)

Bucket = Callable[[], tantivy.Query]  # a ranking bucket's query, built when asked for


def ranking_buckets(
    word_queries: list[dict[int, tantivy.Query | None]],
    expansions: list[dict[str, int]],
    filters: list[tantivy.Query],
    excluded: list[tantivy.Query],
    phrased: bool,
) -> Iterator[Bucket]:
    """The ranking buckets in rank order: k words matched, then fewer typos in total, and when
    the query has a phrase (among the filters), the phrase without any of the words. Each comes
    as a function that builds it, called when the page reaches it: a bucket copies every word
    query it holds, and most pages are filled from the first. Within a bucket, documents follow
    the requested sort, or BM25 with field boosts spaced so the attribute order wins."""
    usable = len(word_queries)
    while usable and word_queries[usable - 1][2] is None:
        usable -= 1  # a word with no match at all only drops out, as in Meilisearch
    higher: list[tantivy.Query] = []
    for k in range(usable, 0, -1):
        if any(word_queries[i][2] is None for i in range(k)):
            continue
        earlier_tiers: list[tantivy.Query] = []
        for tier_query in _typo_tiers(word_queries[:k], expansions[:k]):
            yield functools.partial(all_of, [tier_query, *filters], higher + earlier_tiers + excluded)
            earlier_tiers.append(tier_query)
        higher = higher + [all_of([query for i in range(k) if (query := word_queries[i][2]) is not None])]
    if phrased:  # the last of ``higher`` holds every document with the first word
        yield functools.partial(all_of, filters, higher[-1:] + excluded)


def _typo_tiers(
    word_queries: list[dict[int, tantivy.Query | None]], expansions: list[dict[str, int]]
) -> Iterator[tantivy.Query]:
    """Queries matching all the words, one per total of typos, fewest first: a document's total
    is the sum over the words of the fewest typos at which it matches each. A tier is any
    combination of per-word typo counts with that sum; with more than MAX_TYPO_COMBINATIONS
    combinations (a long query whose words match at many typo counts), tiers count the most
    typos of any one word instead."""

    def every_word(parts: list[tantivy.Query | None]) -> tantivy.Query | None:
        present = [part for part in parts if part is not None]
        return all_of(present) if len(present) == len(parts) else None

    levels = [sorted(set(terms.values())) for terms in expansions]  # the typo counts each word has
    combinations = list(itertools.product(*levels))
    if len(combinations) > MAX_TYPO_COMBINATIONS:
        by_most = (every_word([word[t] for word in word_queries]) for t in (0, 1, 2))
        yield from (tier for tier in by_most if tier is not None)
        return
    by_total: dict[int, list[tuple[int, ...]]] = defaultdict(list)
    for combination in combinations:
        by_total[sum(combination)].append(combination)
    for _total, alike in sorted(by_total.items()):
        alternatives = [
            query
            for query in (
                every_word([word[t] for word, t in zip(word_queries, combination, strict=True)])
                for combination in alike
            )
            if query is not None
        ]
        if alternatives:
            yield (
                alternatives[0]
                if len(alternatives) == 1
                else tantivy.Query.boolean_query([(tantivy.Occur.Should, query) for query in alternatives])
            )
