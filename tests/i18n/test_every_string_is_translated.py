"""Every visible string of every page goes through translation: each GET route of the
authorization matrix (``tests.security.test_authorization``) is rendered, as a visitor it answers,
with a translation function that marks what it translates (``⟦…⟧``), and what is left of the page's
visible text once the marked runs, the user data and the numbers are taken away must have no
letters.

The visible text is the text outside ``script`` and ``style`` and the attributes a reader sees
(``placeholder``, ``title``, ``aria-label``, ``alt``, a button's ``value``). User data is every
string the database holds (names, titles, descriptions, the vocabulary's names, e-mails, slugs),
addresses, and the language names of the switcher (each written in its own language). Dates,
times and numbers are the reader's through CLDR (``jobboard.i18n.when`` and ``number``): they
are marked like translations.

A pseudo-locale cannot be a catalogue (Babel rejects such codes), so the marking is done at run
time: Flask-Babel's translations object is replaced for the test. It runs on SQLite only:
PostgreSQL renders the same templates with the same data.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from types import SimpleNamespace
from typing import Any
from zoneinfo import available_timezones

import flask_babel
import pytest
from babel import dates, numbers
from babel.support import NullTranslations
from flask import Flask
from sqlalchemy import JSON, Enum, String, select

import jobboard.i18n
from jobboard.core.events import Event
from jobboard.core.personal_data import sections
from jobboard.extensions import db
from jobboard.i18n import LANGUAGES
from jobboard.search import cards, facets
from tests.apps import app_on_own_database
from tests.security.test_authorization import World, _url, build_world, expected, outcome, routes

OPEN, CLOSE = "\u27e6", "\u27e7"
# The visitor who is answered on a route of each access class.
VISITOR = {
    "public": "anonymous",
    "user": "applicant",
    "doctor": "applicant",
    "admin": "admin",
    "member:viewer": "owner_a",
    "member:recruiter": "owner_a",
    "member:owner": "owner_a",
}
# Words shown as they are in every language, with the reason.
NOT_TEXT = {
    "UTC": "the time standard's symbol, written so in every language the board speaks",
    **{event.value: "a webhook event's name, as the receiving systems match it" for event in Event},
    "webhook-id": "the Standard Webhooks header's name",
}
# The tz database's names of the zones (the account settings offer them as they are: "Asia/Jerusalem").
TIME_ZONES = {zone.replace("_", " ") for zone in available_timezones()}
SEPARATOR = "\x00"
SHOWN_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}
BUTTON_TYPES = {"submit", "button", "reset"}
URL = re.compile(r"\b(?:https?|webcal|mailto):\S+|\S+@\S+\.\w+|(?<!\w)/[\w./?=&%-]+")
NUMBER = re.compile(r"[+-]?\d[\d.,:/\u00a0\u202f ]*")
LETTER = re.compile(r"[^\W\d_]")


def marked(text: str) -> str:
    return f"{OPEN}{text}{CLOSE}"


class MarkingTranslations(NullTranslations):
    """English, every message wrapped in the markers (the placeholders are filled in later, so a
    value formatted into a message is inside them)."""

    def gettext(self, message: str) -> str:
        return marked(super().gettext(message))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return marked(super().ngettext(singular, plural, n))

    def pgettext(self, context: str, message: str) -> str:
        return marked(super().pgettext(context, message))

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return marked(super().npgettext(context, singular, plural, n))

    ugettext = gettext
    ungettext = ngettext
    upgettext = pgettext
    unpgettext = npgettext


@pytest.fixture(scope="module", params=["sqlite"])
def database_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def app(database_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with app_on_own_database(database_kind, tmp_path_factory.mktemp("pseudo")) as application:
        yield application


@pytest.fixture(scope="module")
def world(app: Flask) -> World:
    with app.app_context():
        built = build_world()
        db.session.remove()
        return built


def strings(value: Any) -> Iterator[str]:
    """The strings of a stored value (a JSON document's keys and values too)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def user_data() -> list[str]:
    """Every string the database holds now (a visit may have added some: the audit log records a
    download), each line of the longer ones without its Markdown too, the longest first; and
    what the page shows as it is for other reasons (the switcher's language names, the sections
    of the personal data export, named as in the file)."""
    found: set[str] = set(LANGUAGES.values()) | {section.name for section in sections()}
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, JSON)) and not isinstance(c.type, Enum)]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            for value in (text.strip() for text in strings(list(row))):
                found.add(" ".join(value.split()))
                found.update(line.strip(" *_#>-") for line in value.splitlines())
    return sorted((value for value in found if LETTER.search(value)), key=lambda v: (-len(v), v))


def forget_the_search_pages_words() -> None:
    """The search cards and facets, and the country lists, keep their words per language in caches of the process: words
    kept by an earlier test would escape the marking, and marked ones must not outlive this test."""
    jobboard.i18n._countries_in.cache_clear()
    jobboard.i18n._zone_suggestions.cache_clear()
    jobboard.i18n._formatted_datetime.cache_clear()  # dates and times as formatted before
    jobboard.i18n._formatted.cache_clear()
    for module in (cards, facets):
        for value in vars(module).values():
            if hasattr(value, "cache_clear"):
                value.cache_clear()


@pytest.fixture
def marking(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Translations, country names, dates, times, time zones' cities and numbers marked for this test only: the patched functions
    are put back and no translations object enters Flask-Babel's cache."""
    forget_the_search_pages_words()
    translations = MarkingTranslations()
    monkeypatch.setattr(flask_babel, "get_translations", lambda: translations)
    monkeypatch.setattr(flask_babel.Domain, "get_translations", lambda self: translations)
    monkeypatch.setattr(
        jobboard.i18n,
        "dates",
        SimpleNamespace(
            format_datetime=lambda *a, **k: marked(dates.format_datetime(*a, **k)),
            format_date=lambda *a, **k: marked(dates.format_date(*a, **k)),
            format_time=lambda *a, **k: marked(dates.format_time(*a, **k)),
            get_timezone_location=lambda *a, **k: marked(dates.get_timezone_location(*a, **k)),
        ),
    )
    monkeypatch.setattr(jobboard.i18n, "_country_names", lambda code: translations)
    monkeypatch.setattr(
        jobboard.i18n,
        "numbers",
        SimpleNamespace(
            format_decimal=lambda *a, **k: marked(numbers.format_decimal(*a, **k)),
            format_percent=lambda *a, **k: marked(numbers.format_percent(*a, **k)),
        ),
    )
    yield
    forget_the_search_pages_words()


class VisibleText(HTMLParser):
    """The text a reader sees, piece by piece in the order of the page."""

    HIDDEN = {"script", "style", "template"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.hidden = 0
        # Inside an element marked translate="no" (HTML's own mark for text kept as it is: the
        # API reference, read from the OpenAPI document): its tag and how deeply it nests.
        self.kept: tuple[str, int] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if self.kept is not None:
            if tag == self.kept[0]:
                self.kept = (tag, self.kept[1] + 1)
            return
        if attributes.get("translate") == "no":
            self.kept = (tag, 1)
            return
        if tag in self.HIDDEN:
            self.hidden += 1
        for name in sorted(SHOWN_ATTRIBUTES & attributes.keys()):
            self.pieces.append(attributes[name] or "")
        if attributes.get("value") and (
            (tag == "input" and attributes.get("type") in BUTTON_TYPES) or (tag == "button" and "value" in attributes)
        ):
            self.pieces.append(attributes["value"] or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.HIDDEN:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self.kept is not None:
            if tag == self.kept[0]:
                self.kept = (tag, self.kept[1] - 1) if self.kept[1] > 1 else None
            return
        if tag in self.HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden and self.kept is None:
            self.pieces.append(data)


def unmarked(text: str) -> str:
    """The text outside the marked runs (markers may nest)."""
    kept, depth = [], 0
    for char in text:
        if char == OPEN:
            depth += 1
        elif char == CLOSE:
            depth = max(depth - 1, 0)
        elif depth == 0:
            kept.append(char)
    return "".join(kept)


def untranslated(html: str, user_data: list[str]) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    left = []
    for fragment in unmarked(SEPARATOR.join(parser.pieces)).split(SEPARATOR):
        fragment = " ".join(fragment.split())
        if not LETTER.search(fragment):
            continue
        if fragment in TIME_ZONES:
            continue
        if fragment.strip("…") != fragment and any(fragment.strip("…") in value for value in user_data):
            continue  # a crop of a stored text (a description around the words searched for)
        for value in (*NOT_TEXT, *user_data):
            if value in fragment:
                fragment = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", " ", fragment)
        fragment = " ".join(NUMBER.sub(" ", URL.sub(" ", fragment)).split())
        if LETTER.search(fragment):
            left.append(fragment)
    return left


def get_routes(app: Flask) -> list[tuple[str, str, str]]:
    return [route for route in routes(app) if route[2] == "GET"]


def test_every_visible_string_of_every_page_is_translated(app, client, login, db_session, world, marking):
    found: dict[str, list[str]] = {}
    checked = 0
    for endpoint, rule, method in get_routes(app):
        access = app.view_functions[endpoint].access_class
        if access.startswith("api:"):
            continue  # JSON for other programs, in English (the API reference page is public)
        persona = VISITOR[access]
        want = expected(access, persona, endpoint, rule, method)
        if want not in ("answered", "bad_token"):
            continue
        url = _url(app, endpoint, rule, world.values)
        login(world.users[persona])
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            assert outcome(response, access) == want, f"GET {url} as {persona}: {response.status_code}"
            if response.mimetype != "text/html" or response.status_code >= 300:
                continue
            checked += 1
            left = untranslated(response.get_data(as_text=True), user_data())
            if left:
                found.setdefault(f"GET {url} ({endpoint}{', htmx' if headers else ''})", []).extend(left)
    assert checked > 50
    report = "\n".join(
        f"{where}:\n" + "\n".join(f"    {text!r}" for text in dict.fromkeys(texts)) for where, texts in found.items()
    )
    assert not found, f"visible text that escaped translation:\n{report}"
