"""Text handling shared by both engines: normalisation (case, accents, Hebrew niqqud), words,
the typo budget, and highlighting with cropping.

Highlights are always built the same way: the text is HTML-escaped first and the ``<mark>``
tags are added afterwards, so nothing a posting contains can become markup.
"""

from __future__ import annotations

import re
import unicodedata
from collections import deque
from collections.abc import Set as AbstractSet
from functools import lru_cache
from itertools import islice

from markupsafe import Markup, escape

from jobboard.search.port import MAX_QUERY_WORDS

# Letters and digits, with the combining marks that decorate them (accents written apart, Hebrew
# niqqud and cantillation), so a word keeps its marks and its highlight covers all of it.
_WORD = re.compile(r"(?:[^\W_]|[\u0300-\u036f\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7])+", re.UNICODE)
CROP_WORDS = 24  # words of description shown around the first match


def _fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").lower()


@lru_cache(maxsize=100_000)
def normalise(text: str) -> str:
    """Lower case without accents or niqqud: what both the index and queries compare."""
    return _fold(text)


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def query_words(text: str) -> list[str]:
    """The words that count: Meilisearch reads only the first ten."""
    return words(text)[:MAX_QUERY_WORDS]


def typo_budget(word: str) -> int:
    """Meilisearch's defaults: no typo below 5 letters, one from 5, two from 9."""
    if len(word) >= 9:
        return 2
    if len(word) >= 5:
        return 1
    return 0


def _window(text: str, matched: AbstractSet[str]) -> list[re.Match[str]]:
    """About CROP_WORDS words around the first matched word (or the first words), scanning no
    further than needed."""
    words_iter = _WORD.finditer(text)
    lead = CROP_WORDS // 3
    before: deque[re.Match[str]] = deque(maxlen=lead)
    head: list[re.Match[str]] = []
    for match in words_iter:
        if normalise(match.group()) in matched:
            window = [*before, match]
            window.extend(islice(words_iter, CROP_WORDS - len(window)))
            return window
        before.append(match)
        if len(head) < CROP_WORDS:
            head.append(match)
    return head


def lead(text: str) -> str:
    """What a crop shows when no word matches: the first CROP_WORDS words, with "…" after a cut."""
    spans = list(islice(_WORD.finditer(text), CROP_WORDS))
    if not spans or not _WORD.search(text, spans[-1].end()):
        return text
    return text[:spans[-1].end()] + "…"


def highlight(text: str, matched: AbstractSet[str], *, crop: bool = False, lead_text: str | None = None) -> Markup:
    """Escape ``text`` and wrap each word whose normal form is in ``matched`` in ``<mark>``; with
    ``crop``, keep a window of words around the first match, marking cuts with "…".
    ``lead_text`` is ``lead(text)`` when the caller has it already."""
    if matched and not any(term in _fold(text) for term in matched):
        matched = frozenset()  # no word of the text can match: skip the word-by-word pass
    if not matched:
        if crop:
            return escape(lead(text) if lead_text is None else lead_text)
        return escape(text)
    spans = _window(text, matched) if crop else list(_WORD.finditer(text))
    start = spans[0].start() if crop and spans and _WORD.search(text, 0, spans[0].start()) else 0
    end = spans[-1].end() if crop and spans and _WORD.search(text, spans[-1].end()) else len(text)
    parts: list[str] = ["…" if start > 0 else ""]
    cursor = start
    for match in spans:
        if normalise(match.group()) in matched:
            parts.append(escape(text[cursor:match.start()]))
            parts.append(f"<mark>{escape(match.group())}</mark>")
            cursor = match.end()
    parts.append(escape(text[cursor:end]))
    if end < len(text):
        parts.append("…")
    return Markup("".join(parts))  # noqa: S704 - every piece above was escaped
