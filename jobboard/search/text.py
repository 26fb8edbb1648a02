"""Text handling shared by both engines: normalisation (case, accents, Hebrew niqqud), words,
the typo budget, and highlighting with cropping.

Highlights are always built the same way: the text is HTML-escaped first and the ``<mark>``
tags are added afterwards, so nothing a posting contains can become markup.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import deque
from collections.abc import Set as AbstractSet
from functools import lru_cache
from itertools import islice

from markupsafe import Markup

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
    if not matched:
        return list(islice(words_iter, CROP_WORDS))
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


def highlight(text: str, matched: AbstractSet[str], *, crop: bool = False) -> Markup:
    """Escape ``text`` and wrap each word whose normal form is in ``matched`` in ``<mark>``; with
    ``crop``, keep a window of words around the first match, marking cuts with "…"."""
    folded = _fold(text) if matched else ""
    if matched and not any(term in folded for term in matched):
        matched = frozenset()  # no word of the text can match: skip the word-by-word pass
    if not matched and not crop:
        return Markup(html.escape(text))  # noqa: S704 - escaped
    spans = _window(text, matched) if crop else list(_WORD.finditer(text))
    start = spans[0].start() if crop and spans and _WORD.search(text, 0, spans[0].start()) else 0
    end = spans[-1].end() if crop and spans and _WORD.search(text, spans[-1].end()) else len(text)
    parts: list[str] = ["…" if start > 0 else ""]
    cursor = start
    if matched:
        for match in spans:
            if normalise(match.group()) in matched:
                parts.append(html.escape(text[cursor:match.start()]))
                parts.append(f"<mark>{html.escape(match.group())}</mark>")
                cursor = match.end()
    parts.append(html.escape(text[cursor:end]))
    if end < len(text):
        parts.append("…")
    return Markup("".join(parts))  # noqa: S704 - every piece above was escaped
