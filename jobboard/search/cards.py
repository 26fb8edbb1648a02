"""The search page's hit cards. Written in Python, not in a template: twenty of them render on
every keystroke, and a template expression per field cost as much as the search itself.

Every value from a document is escaped here; the highlights arrive escaped and marked already
(``text.Highlighter``).
"""

from __future__ import annotations

import functools
import re
import time
from datetime import date, timedelta
from html import escape
from typing import TYPE_CHECKING, Any

from babel import dates, numbers
from flask_babel import gettext as _
from markupsafe import Markup

from jobboard.i18n import current_language
from jobboard.jobs.models import salary_text
from jobboard.jobs.save_button import save_button
from jobboard.search.port import Hit
from jobboard.search.text import ascii_html

if TYPE_CHECKING:
    from jobboard.search.facets import Catalogue

EPOCH = date(1970, 1, 1).toordinal()


def posted_date(timestamp: int | None) -> str:
    """As "05 Mar 2026" (UTC), the month in the reader's language."""
    day = posted_day(timestamp)
    return "" if day is None else _day(current_language(), day)


def posted_day(timestamp: int | None) -> int | None:
    """The UTC day (days since the epoch), or None without a date."""
    return timestamp // 86_400 if timestamp else None


@functools.lru_cache(maxsize=1024)
def _day(language: str, day: int) -> str:
    """As "05 Mar 2026", the month in the reader's language."""
    return str(dates.format_date(date.fromordinal(EPOCH + day), "dd MMM yyyy", locale=language))


# Written as entities, like every character beyond ASCII in labels (see ``text.CROP_MARKER``).
DOT = "&middot;"
SHEQEL = "\u20aa"  # a character reference once the salary is written
# Labels (employers, places, professions, specialties, grants) come from small vocabularies and
# recur on every page, so their escaped forms are kept.
_label = functools.lru_cache(maxsize=4096)(ascii_html)


@functools.lru_cache(maxsize=1024)
def _grants_line(names: tuple[str, ...]) -> str:
    if not names:
        return ""
    badges = "".join([f'<span class="badge grant-badge text-bg-info me-1">{ascii_html(name)}</span>' for name in names])
    return f'    <p class="mb-1">{badges}</p>\n'


# The cards' own words, in the reader's language (the first argument), escaped and in ASCII;
# each is kept, like the labels, for the values that recur (days, distances, salaries).
@functools.lru_cache(maxsize=8)
def _periphery_badge(_language: str) -> str:
    return f' <span class="badge text-bg-success">{ascii_html(_("Periphery"))}</span>'


@functools.lru_cache(maxsize=2048)
def _distance(_language: str, km: str) -> str:
    return ascii_html(_("%(km)s km", km=km))


@functools.lru_cache(maxsize=4096)
def _salary(_language: str, low: int | None, high: int | None) -> str:
    return ascii_html(salary_text(low, high) or "")


@functools.lru_cache(maxsize=4096)
def _grant_amount(_language: str, amount: int) -> str:
    return ascii_html(_("Grant up to %(amount)s", amount=f"{SHEQEL}{numbers.format_decimal(amount, locale=_language)}"))


_UNNEEDED_NUMBER = re.compile(r" \(\d+\)")


def _ago(language: str, days: int) -> str:
    """As "2 days ago", "3 weeks ago" in the reader's language."""
    return str(dates.format_timedelta(timedelta(days=-days), granularity="day", add_direction=True, locale=language))


@functools.lru_cache(maxsize=4096)
def _posted(language: str, day: int | None, today: int) -> str:
    """How long ago, as "Posted 2 days ago", the date itself in the ``<time>`` element."""
    if day is None:
        return ""
    if day >= today:
        ago = _("Posted today")
    else:
        # CLDR's Hebrew adds the number to words that say it ("לפני יומיים (2)"): dropped.
        ago = _("Posted %(ago)s", ago=_UNNEEDED_NUMBER.sub("", _ago(language, today - day)))
    iso_date = date.fromordinal(EPOCH + day).isoformat()
    title = ascii_html(_("Posted %(date)s", date=_day(language, day)))
    return f'<time datetime="{iso_date}" title="{title}">{ascii_html(ago)}</time>'


def _card(
    hit: Hit,
    doc: dict[str, Any],
    prefixes: tuple[str, str | None],
    language: str,
    today: int,
    grant_amounts: bool,
    toggle: str,
) -> str:
    """``doc``: the hit's document with the reader's names (``Catalogue.localised``); ``prefixes``:
    of the posting's link and the employer's (None: the employer not linked); ``today``: the UTC
    day, as ``posted_day`` counts; ``grant_amounts``: with the largest grant's amount; ``toggle``:
    the Save control (``jobs.save_button``)."""
    detail_prefix, employer_prefix = prefixes
    marked = hit.highlights
    periphery = _periphery_badge(language) if doc["is_periphery"] else ""
    distance = (
        ""
        if hit.distance_km is None
        else f' <span class="small text-body-secondary">{DOT} {_distance(language, f"{hit.distance_km:.0f}")}</span>'
    )
    specialty_label = doc.get("specialty_label")
    # An index built before the range was listed has the top of it only.
    low, high = doc.get("salary_min_ils"), doc.get("salary_max_ils", doc.get("salary_top_ils"))
    # The highlight marks the English label: shown only where the reader's name is that label.
    highlighted = marked.get("specialty_label") if specialty_label == hit.document.get("specialty_label") else None
    specialty = f" {DOT} {highlighted or _label(specialty_label)}" if specialty_label else ""
    salary = f" {DOT} {_salary(language, low, high)}" if low or high else ""
    grant_amount = doc.get("grant_max_ils") if grant_amounts else None
    grant = f'    <p class="mb-1 fw-semibold">{_grant_amount(language, grant_amount)}</p>\n' if grant_amount else ""
    description = marked.get("description_text") or escape(doc["description_text"])
    # A version's title in the reader's language, where the posting has one (not highlighted:
    # highlights mark the title as written).
    translated_title = (doc.get("titles") or {}).get(language)
    title = escape(translated_title) if translated_title else marked.get("title") or escape(doc["title"])
    employer = f"<bdi>{_label(doc['employer_name'])}</bdi>"
    if employer_prefix and doc.get("employer"):
        employer = f'<a class="link-body-emphasis" href="{employer_prefix}{escape(doc["employer"])}">{employer}</a>'
    return (
        '<article class="card mb-3">\n  <div class="card-body">\n'
        '    <div class="d-flex justify-content-between align-items-start gap-2">\n'
        f'    <h2 class="h5 card-title mb-1"><a href="{detail_prefix}{int(hit.id)}-{escape(doc["slug"])}">'
        f"<bdi>{title}</bdi></a></h2>\n"
        f"    {toggle}</div>\n"
        f'    <p class="mb-1">{employer} {DOT} <bdi>{_label(doc["city_name"])}</bdi>, '
        f"<bdi>{_label(doc['region_label'])}</bdi>{periphery}{distance}</p>\n"
        f'    <p class="mb-1 small">{_label(doc["profession_label"])}{specialty}{salary}</p>\n'
        f"{grant}{_grants_line(tuple(doc['grant_names']))}"
        f'    <p class="small mb-1" dir="auto">{description}</p>\n'
        f'    <p class="small text-body-secondary mb-0">{_posted(language, posted_day(doc["posted_at"]), today)}</p>\n'
        "  </div>\n</article>"
    )


def hit_cards(
    hits: list[Hit],
    detail_prefix: str,
    names: Catalogue,
    *,
    employer_prefix: str | None = None,
    grant_amounts: bool = False,
) -> Markup:
    """One card per hit: title (in the reader's language when the posting has a version in it;
    linked as ``<detail_prefix><id>-<slug>``), employer (linked as ``<employer_prefix><slug>`` when
    given), place, periphery badge, distance,
    profession and specialty, salary, grants (with the largest one's amount if ``grant_amounts``),
    description, how long ago it was posted; the vocabularies' words as
    ``names`` (the reader's catalogue) has them. The employer's words keep their own direction on
    any page (``<bdi>``, ``dir="auto"``)."""
    prefixes = (escape(detail_prefix), escape(employer_prefix) if employer_prefix else None)
    language, today = current_language(), posted_day(int(time.time())) or 0
    return Markup(  # noqa: S704 - every value was escaped
        "\n".join(
            _card(
                hit,
                names.localised(hit.document),
                prefixes,
                language,
                today,
                grant_amounts,
                save_button(int(hit.id), f"{detail_prefix}{int(hit.id)}-{hit.document['slug']}"),
            )
            for hit in hits
        )
    )
