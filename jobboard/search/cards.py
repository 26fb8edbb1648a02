"""The search page's hit cards. Written in Python, not in a template: twenty of them render on
every keystroke, and a template expression per field cost as much as the search itself.

Every value from a document is escaped here; the highlights arrive escaped and marked already
(``text.Highlighter``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from html import escape

from markupsafe import Markup

from jobboard.search.port import Hit


def posted_date(timestamp: int | None) -> str:
    """As "05 Mar 2026" (UTC)."""
    return time.strftime("%d %b %Y", time.gmtime(timestamp)) if timestamp else ""


def _card(hit: Hit, detail_prefix: str, esc: Callable[[str], str]) -> str:
    doc, marked = hit.document, hit.highlights
    title = marked.get("title") or escape(doc["title"])
    periphery = ' <span class="badge text-bg-success">Periphery</span>' if doc["is_periphery"] else ""
    distance = f' <span class="small text-body-secondary">· {hit.distance_km:.0f} km</span>' \
        if hit.distance_km is not None else ""
    specialty = ""
    if doc.get("specialty_label"):
        specialty = f" · {marked.get('specialty_label') or esc(doc['specialty_label'])}"
    salary = f" · up to ₪{doc['salary_top_ils']:,} a month" if doc.get("salary_top_ils") else ""
    grants = "".join(f'<span class="badge text-bg-info me-1">{esc(name)}</span>' for name in doc["grant_names"])
    description = marked.get("description_text") or escape(doc["description_text"])
    return (
        '<article class="card mb-3">\n  <div class="card-body">\n'
        f'    <h2 class="h5 card-title mb-1"><a href="{detail_prefix}{int(hit.id)}-{escape(doc["slug"])}">'
        f'{title}</a></h2>\n'
        f'    <p class="mb-1">{esc(doc["employer_name"])} · {esc(doc["city_name"])}, '
        f'{esc(doc["region_label"])}{periphery}{distance}</p>\n'
        f'    <p class="mb-1 small">{esc(doc["profession_label"])}{specialty}{salary}</p>\n'
        + (f'    <p class="mb-1">{grants}</p>\n' if grants else "")
        + f'    <p class="small mb-1">{description}</p>\n'
        f'    <p class="small text-body-secondary mb-0">Posted {posted_date(doc["posted_at"])}</p>\n'
        "  </div>\n</article>"
    )


def _remembering_escape() -> Callable[[str], str]:
    """``escape`` keeping its results: employers, places, labels and grants recur across a page's hits."""
    escaped: dict[str, str] = {}

    def esc(text: str) -> str:
        found = escaped.get(text)
        if found is None:
            found = escaped[text] = escape(text)
        return found

    return esc


def hit_cards(hits: list[Hit], detail_prefix: str) -> Markup:
    """One card per hit: title (linked as ``<detail_prefix><id>-<slug>``), employer, place,
    periphery badge, distance, profession and specialty, salary, grants, description, date."""
    esc, prefix = _remembering_escape(), escape(detail_prefix)
    return Markup("\n".join(_card(hit, prefix, esc) for hit in hits))  # noqa: S704 - every value was escaped
