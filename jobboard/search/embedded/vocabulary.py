"""The index's vocabulary, and the terms of it that a query word may stand for: its typos, its
completions and words written together."""

from __future__ import annotations

from collections import defaultdict

import tantivy
from rapidfuzz import process
from rapidfuzz.distance import OSA

from jobboard.search.embedded.caches import kept
from jobboard.search.embedded.schema import MATCH_FIELD
from jobboard.search.text import typo_budget

MAX_EXPANDED_WORDS = 10_000  # query words whose expansions (and word queries) are kept
MAX_EXPANSION = {1: 150, 2: 50}  # Meilisearch's caps on terms per query word, by typo count


class Vocabulary:
    """The index's terms, bucketed for typo and prefix expansion; rebuilt per reader generation.

    Typos are not Tantivy's fuzzy queries (their scores are flat, they count a first-letter edit as
    one typo and they yield no highlights): each query word is expanded against the index's own
    vocabulary with rapidfuzz (OSA distance on the letters after the first; a different first
    letter is allowed only for words of 9+ letters with the rest equal, as it costs two), and the
    concrete terms are queried. The last word also matches as a prefix, and two or three adjacent
    words may match as one term (at one typo's cost)."""

    def __init__(self, terms: set[str]):
        self.terms = terms
        self.by_first: dict[str, list[str]] = defaultdict(list)
        self.by_tail: dict[str, list[str]] = defaultdict(list)
        for term in sorted(terms):
            self.by_first[term[0]].append(term)
            if len(term) >= 9:
                self.by_tail[term[1:]].append(term)
        self._expanded: dict[tuple[str, bool], dict[str, int]] = {}

    @classmethod
    def read(cls, searcher: tantivy.Searcher) -> Vocabulary:
        return cls({term for term, _count in searcher.terms_with_prefix(MATCH_FIELD, "")})

    def expand(self, word: str, *, prefix: bool) -> dict[str, int]:
        """Concrete terms the word may stand for, each with its typo count (a new dict: the caller
        may add to it). Kept per word, as searches repeat words while the vocabulary stays."""
        expanded: dict[str, int] = kept(self._expanded, (word, prefix), MAX_EXPANDED_WORDS, self._expand, word, prefix)
        return dict(expanded)

    def _expand(self, word: str, prefix: bool) -> dict[str, int]:
        budget = typo_budget(word)
        found: dict[str, int] = {}
        if word in self.terms:
            found[word] = 0
        bucket = self.by_first.get(word[0], [])
        if prefix:
            for term in bucket:
                if term.startswith(word):
                    found.setdefault(term, 0)
        if budget:
            tail = word[1:]
            comparisons = [[t for t in bucket if abs(len(t) - len(word)) <= budget]]
            if prefix:  # the last word may also be the start of a longer term
                comparisons.append([t for t in bucket if len(t) > len(word)])
            for kind, candidates in enumerate(comparisons):
                texts = [t[1 : len(word)] if kind else t[1:] for t in candidates]
                for _, distance, position in process.extract(
                    tail, texts, scorer=OSA.distance, score_cutoff=budget, limit=None
                ):
                    term = candidates[position]
                    found[term] = min(found.get(term, budget), int(distance))
            if budget >= 2:
                for term in self.by_tail.get(tail, []):
                    found.setdefault(term, 2)
        kept_terms: dict[str, int] = {t: d for t, d in found.items() if d == 0}
        for typos in (1, 2):
            extra = [t for t, d in found.items() if d == typos][: MAX_EXPANSION[typos]]
            kept_terms.update((t, typos) for t in extra)
        return kept_terms

    def add_concatenations(self, words: list[str], expansions: list[dict[str, int]]) -> None:
        """Two or three adjacent query words written as one ("tele medicine" for telemedicine)
        stand for each of those words, at the cost of one typo in all: the first word bears it."""
        for start in range(len(words)):
            for length in (2, 3):
                joined = "".join(words[start : start + length])
                if start + length <= len(words) and joined in self.terms:
                    for position, expansion in enumerate(expansions[start : start + length]):
                        expansion.setdefault(joined, 0 if position else 1)
