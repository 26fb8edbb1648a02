"""The search page's hit cards. Written in Python, not in a template: twenty of them render on
every keystroke, and a template expression per field cost as much as the search itself.

Every value from a document is escaped here; the highlights arrive escaped and marked already
(``text.Highlighter``).
"""

from __future__ import annotations

import functools
import time
from html import escape

from markupsafe import Markup

from jobboard.search.port import Hit
from jobboard.search.text import ascii_html


def posted_date(timestamp: int | None) -> str:
    """As "05 Mar 2026" (UTC)."""
    return _day(timestamp // 86_400) if timestamp else ""


@functools.lru_cache(maxsize=1024)
def _day(day: int) -> str:
    return time.strftime("%d %b %Y", time.gmtime(day * 86_400))


# Written as entities, like every character beyond ASCII in labels (see ``text.CROP_MARKER``).
DOT, SHEQEL = "&middot;", "&#8362;"
# Labels (employers, places, professions, specialties, grants) come from small vocabularies and
# recur on every page, so their escaped forms are kept.
_label = functools.lru_cache(maxsize=4096)(ascii_html)


@functools.lru_cache(maxsize=1024)
def _grants_line(names: tuple[str, ...]) -> str:
    if not names:
        return ""
    badges = "".join([f'<span class="badge text-bg-info me-1">{ascii_html(name)}</span>' for name in names])
    return f'    <p class="mb-1">{badges}</p>\n'


def _card(hit: Hit, detail_prefix: str) -> str:
    doc, marked = hit.document, hit.highlights
    periphery = ' <span class="badge text-bg-success">Periphery</span>' if doc["is_periphery"] else ""
    distance = f' <span class="small text-body-secondary">{DOT} {hit.distance_km:.0f} km</span>' \
        if hit.distance_km is not None else ""
    specialty_label, salary_top = doc.get("specialty_label"), doc.get("salary_top_ils")
    specialty = f" {DOT} {marked.get('specialty_label') or _label(specialty_label)}" if specialty_label else ""
    salary = f" {DOT} up to {SHEQEL}{salary_top:,} a month" if salary_top else ""
    return (
        '<article class="card mb-3">\n  <div class="card-body">\n'
        f'    <h2 class="h5 card-title mb-1"><a href="{detail_prefix}{int(hit.id)}-{escape(doc["slug"])}">'
        f'{marked.get("title") or escape(doc["title"])}</a></h2>\n'
        f'    <p class="mb-1">{_label(doc["employer_name"])} {DOT} {_label(doc["city_name"])}, '
        f'{_label(doc["region_label"])}{periphery}{distance}</p>\n'
        f'    <p class="mb-1 small">{_label(doc["profession_label"])}{specialty}{salary}</p>\n'
        f'{_grants_line(tuple(doc["grant_names"]))}'
        f'    <p class="small mb-1">{marked.get("description_text") or escape(doc["description_text"])}</p>\n'
        f'    <p class="small text-body-secondary mb-0">Posted {posted_date(doc["posted_at"])}</p>\n'
        "  </div>\n</article>"
    )


def hit_cards(hits: list[Hit], detail_prefix: str) -> Markup:
    """One card per hit: title (linked as ``<detail_prefix><id>-<slug>``), employer, place,
    periphery badge, distance, profession and specialty, salary, grants, description, date."""
    prefix = escape(detail_prefix)
    return Markup("\n".join(_card(hit, prefix) for hit in hits))  # noqa: S704 - every value was escaped
