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
from functools import lru_cache
from itertools import islice
from typing import Callable

from markupsafe import Markup

from jobboard.search.port import MAX_QUERY_WORDS

# Letters and digits, with the combining marks that decorate them (accents written apart, Hebrew
# niqqud and cantillation), so a word keeps its marks and its highlight covers all of it.
_WORD = re.compile(r"(?:[^\W_]|[\u0300-\u036f\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7])+", re.UNICODE)
CROP_WORDS = 24  # words of description shown around the first match


@lru_cache(maxsize=100_000)
def normalise(text: str) -> str:
    """Lower case without accents or niqqud: what both the index and queries compare."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").lower()


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


def _window(text: str, is_match: Callable[[str], bool] | None) -> list[re.Match[str]]:
    """About CROP_WORDS words around the first match (or the first words), scanning no further
    than needed."""
    words_iter = _WORD.finditer(text)
    lead = CROP_WORDS // 3
    before: deque[re.Match[str]] = deque(maxlen=lead)
    head: list[re.Match[str]] = []
    for match in words_iter:
        if is_match is not None and is_match(normalise(match.group())):
            window = [*before, match]
            window.extend(islice(words_iter, CROP_WORDS - len(window)))
            return window
        before.append(match)
        if len(head) < CROP_WORDS:
            head.append(match)
        elif is_match is None:
            break
    return head


def highlight(text: str, is_match: Callable[[str], bool] | None, *, crop: bool = False) -> Markup:
    """Escape ``text`` and wrap each word whose normal form ``is_match`` in ``<mark>``; with
    ``crop``, keep a window of words around the first match, marking cuts with "…"."""
    spans = _window(text, is_match) if crop else list(_WORD.finditer(text))
    start = spans[0].start() if crop and spans and spans[0].start() > 0 and _WORD.search(text[:spans[0].start()]) else 0
    end = spans[-1].end() if crop and spans and _WORD.search(text[spans[-1].end():]) else len(text)
    parts: list[str] = ["…" if start > 0 else ""]
    cursor = start
    if is_match is not None:
        for match in spans:
            if is_match(normalise(match.group())):
                parts.append(html.escape(text[cursor:match.start()]))
                parts.append(f"<mark>{html.escape(match.group())}</mark>")
                cursor = match.end()
    parts.append(html.escape(text[cursor:end]))
    if end < len(text):
        parts.append("…")
    return Markup("".join(parts))  # noqa: S704 - every piece above was escaped
