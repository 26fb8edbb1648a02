"""The board's languages: which one each request and each mail speaks, and one address per
language for every page.

A page's address may start with a language (``/he/jobs``): ``LanguagePrefix`` moves that part
into the script name, so every route serves every language and ``url_for`` keeps the reader in
theirs. Without a prefix the language is the account's, then the visitor's saved choice, then
the browser's ``Accept-Language``, then English; ``/`` alone sends the visitor to their
language's home. Mail speaks its recipient's language (``in_language``), whoever caused it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, tzinfo
from functools import cache, lru_cache
from gettext import NullTranslations, translation
from importlib import resources
from typing import Any

import pycountry
from babel import Locale, dates, numbers, units
from flask import Flask, current_app, redirect, request
from flask_babel import Babel, LazyString, force_locale, get_locale, gettext, ngettext
from flask_login import current_user
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

# The board's languages, each named in itself (how the switcher offers them).
LANGUAGES = {"en": "English", "he": "עברית", "fr": "Français", "es": "Español", "ru": "Русский"}
DEFAULT = "en"
# The languages a vocabulary entry or a grant program may carry its own name in; English is the
# one every name is written in first.
OTHER_LANGUAGES = tuple(code for code in LANGUAGES if code != DEFAULT)
COOKIE = "lang"
_ENVIRON_KEY = "jobboard.language"


class LanguagePrefix:
    """WSGI middleware: ``/fr/jobs`` is served as ``/jobs`` under the script name ``/fr``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        parts = environ.get("PATH_INFO", "").split("/", 2)  # "/fr/jobs" -> ["", "fr", "jobs"]
        if len(parts) > 1 and parts[1] in LANGUAGES:
            # A copy: the server's (or a test client's) environ keeps the address as it came.
            environ = {
                **environ,
                _ENVIRON_KEY: parts[1],
                "SCRIPT_NAME": f"{environ.get('SCRIPT_NAME', '')}/{parts[1]}",
                "PATH_INFO": "/" + (parts[2] if len(parts) > 2 else ""),
            }
        return self.app(environ, start_response)


class LazyText(LazyString):
    """A translation made when it is shown, in the language of that moment. Flask-Babel's lazy
    strings tell Jinja they are safe markup, so a value formatted into one (an employer's name)
    would reach a page unescaped; this one is escaped like any other text."""

    def __html__(self) -> str:
        return str(escape(str(self)))


def lazy_gettext(string: str, **variables: Any) -> LazyText:
    """For text fixed at import time (form labels, choices) or shown later (mail subjects)."""
    return LazyText(gettext, string, **variables)


def lazy_ngettext(singular: str, plural: str, num: int, **variables: Any) -> LazyText:
    return LazyText(ngettext, singular, plural, num, **variables)


def known(code: object) -> str | None:
    return code if isinstance(code, str) and code in LANGUAGES else None


def address_language() -> str | None:
    """The language the page's address names, if it names one."""
    return request.environ.get(_ENVIRON_KEY)


def site_root() -> str:
    """Where the site starts (a deployment may serve it under a path), without the page's language."""
    language = address_language()
    return request.script_root.removesuffix(f"/{language}") if language else request.script_root


def without_language(url: str) -> str:
    """A static file's address without the page's language: one address, so one copy in every
    cache, whatever language the page is in."""
    language = address_language() if request else None
    if not language:
        return url
    return url.replace(request.script_root, site_root(), 1)


def preferred_language() -> str:
    """The reader's language when the address names none."""
    if current_user and current_user.is_authenticated and known(current_user.language):
        return current_user.language
    return known(request.cookies.get(COOKIE)) or request.accept_languages.best_match(LANGUAGES) or DEFAULT


def _select_locale() -> str:
    if not request:
        return DEFAULT
    return address_language() or preferred_language()


def current_language() -> str:
    return str(get_locale() or DEFAULT)


@cache
def is_right_to_left(code: str) -> bool:
    return Locale.parse(code).character_order == "right-to-left"


def direction(code: str) -> str:
    """The ``dir`` of text in a language: "rtl" or "ltr"."""
    return "rtl" if is_right_to_left(code) else "ltr"


@contextmanager
def in_language(code: str | None) -> Iterator[None]:
    """Render (a mail, a calendar file) in ``code``, or in English when it is none of ours."""
    with force_locale(known(code) or DEFAULT):
        yield


def when(value: date | datetime | time, pattern: str) -> str:
    """A date or a time in the reader's language by a CLDR pattern (``"EEEE d MMMM, HH:mm"``: the
    day and month names are the language's), in the zone the value carries."""
    if isinstance(value, datetime):
        # Keyed by the wall time and its zone, not by the instant: one instant reads apart in two zones.
        return _formatted_datetime(value.replace(tzinfo=None), value.tzinfo, value.fold, pattern, current_language())
    return _formatted(value, getattr(value, "tzinfo", None), pattern, current_language())


# Babel's formatting is remembered: a page shows the same few times (a fair's slots) many times
# over, and formatting one costs more than the rest of rendering it.


@lru_cache(maxsize=4096)
def _formatted_datetime(wall: datetime, zone: tzinfo | None, fold: int, pattern: str, locale: str) -> str:
    return str(dates.format_datetime(wall.replace(tzinfo=zone, fold=fold), pattern, locale=locale))


@lru_cache(maxsize=1024)
def _formatted(value: date | time, _zone: tzinfo | None, pattern: str, locale: str) -> str:
    if isinstance(value, date):
        return str(dates.format_date(value, pattern, locale=locale))
    return str(dates.format_time(value, pattern, locale=locale))


def zone_city(zone: str) -> str:
    """A time zone as people name it, by its city in the reader's language ("Buenos Aires" for
    America/Argentina/Buenos_Aires); a zone without one (UTC) by its name."""
    return str(dates.get_timezone_location(zone, locale=current_language(), return_city=True))


def hours_in_words(hours: int) -> str:
    """A span given in hours as people say it, in the reader's language: "14 days", "1 day",
    "36 hours"."""
    if hours and hours % 24 == 0:
        return str(units.format_unit(hours // 24, "duration-day", length="long", locale=current_language()))
    return str(units.format_unit(hours, "duration-hour", length="long", locale=current_language()))


@cache
def _zones_by_country() -> tuple[tuple[str, str], ...]:
    """(country code, IANA zone) of the zones people live in, one per region of a country with
    its own clock (tzdata's zone.tab): no legacy aliases, no Etc/ offsets."""
    table = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    rows = (line.split("\t") for line in table.splitlines() if line and not line.startswith("#"))
    return tuple((row[0], row[2]) for row in rows)


@cache
def _zone_suggestions(language: str) -> tuple[tuple[str, str], ...]:
    """(zone, "City – Country") in the language's names and alphabetical order."""
    country_names = dict(_countries_in(language))

    def city(zone: str) -> str:
        return str(dates.get_timezone_location(zone, locale=language, return_city=True))

    named = [(zone, f"{city(zone)} – {country_names.get(code, code)}") for code, zone in _zones_by_country()]
    return tuple(sorted(named, key=lambda pair: alphabetical(pair[1])))


def time_zone_suggestions() -> tuple[tuple[str, str], ...]:
    """The zones people live in as (zone, "City – Country"), in the reader's language and order."""
    return _zone_suggestions(current_language())


def number(value: int | float) -> str:
    """A number as the reader writes it: "25,000" in English, "25 000" in French, "25.000" in Spanish."""
    return str(numbers.format_decimal(value, locale=current_language()))


def percent(value: float) -> str:
    """A share out of 100 as the reader writes it, to a whole number: "42%", "42 %" in French."""
    return str(numbers.format_percent(value / 100, locale=current_language()))


@cache
def _country_names(code: str) -> NullTranslations:
    """The ISO 3166 country names in a language (pycountry's translations; English: the names)."""
    return translation("iso3166-1", pycountry.LOCALES_DIR, languages=[code], fallback=True)


def countries() -> list[tuple[str, str]]:
    """(ISO code, name) of every country, named and ordered in the reader's language."""
    return list(_countries_in(current_language()))


@cache
def _countries_in(code: str) -> tuple[tuple[str, str], ...]:
    names = _country_names(code)
    named = ((c.alpha_2, names.gettext(c.name)) for c in pycountry.countries)
    return tuple(sorted(named, key=lambda pair: alphabetical(pair[1])))


# Letters with a mark that Russian and Spanish order as letters of their own: й after и (where
# its code point already is), ñ after every n ("~" comes after the Latin letters).
_OWN_LETTERS = {"й": "й", "ñ": "n~"}


def alphabetical(text: str) -> tuple[str, str]:
    """A sort key that puts names in the order a reader of any of the board's languages looks
    for them, near enough without a collation library: case and accents set aside ("Égypte"
    among the E, "ёж" among the е), then the text itself to break ties."""
    folded = "".join(_OWN_LETTERS.get(ch) or unicodedata.normalize("NFKD", ch) for ch in text.casefold())
    return "".join(ch for ch in folded if not unicodedata.combining(ch)), text


def bdi(value: object) -> Markup:
    """User-written text (a name, a title) isolated from the sentence around it, so a Latin name
    on a Hebrew page (or a Hebrew one on an English page) keeps its own direction and leaves the
    sentence's order alone. Escaped like any value; nothing for ``None``. The result is markup, so
    it can be passed into a translated sentence (``_("Hello %(name)s", name=user.name|bdi)``)."""
    if value is None:
        return Markup("")
    return Markup("<bdi>{}</bdi>").format(value)


def page_path() -> str:
    """This page's address without its language, with its query string."""
    query = request.query_string.decode("utf-8", "replace")
    return request.path + (f"?{query}" if query else "")


def page_in(code: str | None) -> str:
    """This page's absolute address in a language (``None``: the address that lets the reader's
    preferences choose), built from BASE_URL like every absolute link."""
    base = current_app.config["BASE_URL"].rstrip("/")
    return f"{base}/{code}{page_path()}" if code else f"{base}{page_path()}"


def _send_home_in_the_readers_language() -> Response | None:
    if request.method == "GET" and request.path == "/" and address_language() is None:
        return redirect(f"{site_root()}/{preferred_language()}/")
    return None


def _vary_by_the_readers_choice(response: Response) -> Response:
    """An address without a language is answered in the reader's: caches must keep one copy
    per choice (the account's is behind the session cookie)."""
    if address_language() is None:
        response.vary.update(("Accept-Language", "Cookie"))
    return response


def init_app(app: Flask) -> None:
    app.wsgi_app = LanguagePrefix(app.wsgi_app)  # type: ignore[method-assign]
    Babel(
        app,
        locale_selector=_select_locale,
        default_translation_directories="translations",
        default_domain="messages",
    )
    app.before_request(_send_home_in_the_readers_language)
    app.after_request(_vary_by_the_readers_choice)
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.filters["zone_city"] = zone_city
    app.jinja_env.filters["hours_in_words"] = hours_in_words
    app.jinja_env.globals["time_zone_suggestions"] = time_zone_suggestions
    app.jinja_env.filters["bdi"] = bdi

    @app.context_processor
    def _language_context() -> dict[str, object]:
        code = current_language()
        right_to_left = is_right_to_left(code)
        return {
            "html_lang": code,
            "html_dir": direction(code),
            # Arrows point the reading direction: back is towards where a line starts.
            "back": "→" if right_to_left else "←",
            "onward": "←" if right_to_left else "→",
            "languages": LANGUAGES,
            "direction": direction,
            "page_in": page_in,
            "page_path": page_path,
        }
