"""Which language a page speaks, its address in each language, and the switcher."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from flask import render_template_string

from jobboard.accounts.services import find_user_by_email
from jobboard.core.urls import external_url
from jobboard.extensions import db
from jobboard.i18n import in_language, lazy_gettext, number, when
from tests.factories import DoctorFactory


def html_lang(response) -> tuple[str, str]:
    match = re.search(r'<html lang="([^"]+)" dir="([^"]+)">', response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:300]
    return match.group(1), match.group(2)


@pytest.mark.parametrize(
    ("code", "direction"), [("en", "ltr"), ("he", "rtl"), ("fr", "ltr"), ("es", "ltr"), ("ru", "ltr")]
)
def test_a_language_prefix_serves_the_page_in_that_language(client, db_session, code, direction):
    response = client.get(f"/{code}/account/login")
    assert response.status_code == 200
    assert html_lang(response) == (code, direction)
    # Links on the page keep the reader in the language.
    assert f'href="/{code}/privacy"' in response.get_data(as_text=True)


def test_an_unknown_language_prefix_is_a_404_page(client, db_session):
    response = client.get("/de/account/login", headers={"Accept-Language": "fr"})
    assert response.status_code == 404
    assert html_lang(response) == ("fr", "ltr")


@pytest.mark.parametrize(
    ("header", "home"),
    [
        ("he-IL,he;q=0.9,en;q=0.8", "/he/"),
        ("ru-RU,ru;q=0.9", "/ru/"),
        ("es-AR,es;q=0.9,en;q=0.5", "/es/"),
        ("de-DE,de;q=0.9", "/en/"),  # a language the board doesn't speak
        ("", "/en/"),
        ("x" * 300, "/en/"),
    ],
)
def test_the_bare_address_sends_a_visitor_home_in_their_browsers_language(client, db_session, header, home):
    response = client.get("/", headers={"Accept-Language": header})
    assert response.status_code == 302
    assert response.headers["Location"] == home


def test_a_saved_choice_wins_over_the_browser_and_a_forged_one_is_ignored(client, db_session):
    client.set_cookie("lang", "fr")
    assert client.get("/", headers={"Accept-Language": "he"}).headers["Location"] == "/fr/"
    client.set_cookie("lang", "../../etc/passwd")
    assert client.get("/", headers={"Accept-Language": "he"}).headers["Location"] == "/he/"
    client.set_cookie("lang", "de")
    assert client.get("/").headers["Location"] == "/en/"
    assert html_lang(client.get("/account/login")) == ("en", "ltr")


def test_an_address_without_a_language_speaks_the_readers_and_caches_keep_one_copy_per_choice(client, db_session):
    response = client.get("/account/login", headers={"Accept-Language": "he"})
    assert html_lang(response) == ("he", "rtl")
    assert {"Accept-Language", "Cookie"} <= set(response.vary)
    assert "Accept-Language" not in client.get("/he/account/login").vary


def test_the_switcher_opens_the_same_page_and_search_in_the_chosen_language(client, db_session):
    response = client.post("/fr/language", data={"lang": "ru", "next": "/jobs?q=pediatrics&region=negev"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/ru/jobs?q=pediatrics&region=negev"
    assert "lang=ru" in response.headers["Set-Cookie"]
    assert client.get("/").headers["Location"] == "/ru/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_the_switcher_stays_on_the_board(client, db_session, target):
    response = client.post("/language", data={"lang": "he", "next": target})
    assert response.headers["Location"] == "/he/"


@pytest.mark.parametrize("code", ["de", "", "../he", "HE"])
def test_the_switcher_refuses_a_language_the_board_does_not_speak(client, db_session, code):
    response = client.post("/language", data={"lang": code, "next": "/jobs"})
    assert response.status_code == 422
    assert "Choose one of the board" in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers or "lang=" not in response.headers["Set-Cookie"]


def test_a_signed_in_persons_choice_is_saved_on_the_account(client, login, db_session):
    doctor = DoctorFactory()
    login(doctor)
    client.post("/language", data={"lang": "he", "next": "/me/profile"})
    db.session.expire_all()
    assert find_user_by_email(doctor.email).language == "he"
    # On another device (no cookie) the account's language wins over the browser's.
    client.delete_cookie("lang")
    assert html_lang(client.get("/me/profile", headers={"Accept-Language": "fr"})) == ("he", "rtl")


def test_every_page_names_its_address_in_each_language_and_its_canonical_one(client, db_session):
    page = client.get("/es/jobs?q=cardiology").get_data(as_text=True)
    assert '<link rel="canonical" href="http://jobboard.test/es/jobs?q=cardiology">' in page
    for code in ("en", "he", "fr", "es", "ru"):
        assert f'<link rel="alternate" hreflang="{code}" href="http://jobboard.test/{code}/jobs?q=cardiology">' in page
    assert '<link rel="alternate" hreflang="x-default" href="http://jobboard.test/jobs?q=cardiology">' in page


def test_links_in_mail_name_no_language_so_each_reader_opens_them_in_their_own(app, db_session):
    with app.test_request_context("/jobs", headers={"Accept-Language": "he"}), in_language("fr"):
        assert external_url("pages.privacy") == "http://jobboard.test/privacy"


def test_a_lazy_translation_is_escaped_like_any_text_on_a_page(app):
    with app.test_request_context():
        shown = render_template_string("{{ label }}", label=lazy_gettext("Posted by %(name)s", name="<b>Evil</b>"))
    assert shown == "Posted by &lt;b&gt;Evil&lt;/b&gt;"


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ("en", "Sunday 07 March 2027, 09:05"),
        ("fr", "dimanche 07 mars 2027, 09:05"),
        ("ru", "воскресенье 07 марта 2027, 09:05"),
        ("es", "domingo 07 marzo 2027, 09:05"),
        ("he", "יום ראשון 07 מרץ 2027, 09:05"),
    ],
)
def test_dates_name_days_and_months_in_the_readers_language_in_the_zone_they_carry(app, code, shown):
    london = datetime(2027, 3, 7, 9, 5, tzinfo=ZoneInfo("Europe/London"))
    with app.test_request_context(), in_language(code):
        assert when(london, "EEEE dd MMMM yyyy, HH:mm") == shown
        assert render_template_string("{{ day|when('dd MMM yyyy') }}", day=date(2027, 3, 7)).startswith("07 ")


@pytest.mark.parametrize(
    ("code", "shown"), [("en", "25,000"), ("fr", "25\u202f000"), ("es", "25.000"), ("ru", "25\xa0000")]
)
def test_numbers_are_written_as_the_reader_writes_them(app, code, shown):
    with app.test_request_context(), in_language(code):
        assert number(25_000) == shown


def test_a_site_served_under_a_path_keeps_it_when_choosing_the_language(client, db_session):
    home = client.get("/", headers={"Accept-Language": "fr"}, base_url="http://jobboard.test/board/")
    assert home.headers["Location"] == "/board/fr/"
    switched = client.post("/fr/language", data={"lang": "he", "next": "/jobs"}, base_url="http://jobboard.test/board/")
    assert switched.headers["Location"] == "/board/he/jobs"


@pytest.mark.parametrize(("header", "arrows"), [("en", "← →"), ("he", "→ ←")])
def test_arrows_point_the_reading_direction(app, header, arrows):
    with app.test_request_context("/jobs", headers={"Accept-Language": header}):
        assert render_template_string("{{ back }} {{ onward }}") == arrows


@pytest.mark.parametrize("base_url", ["http://jobboard.test/", "http://jobboard.test/board/"])
def test_static_files_have_one_address_whatever_the_pages_language(client, db_session, base_url):
    """A stylesheet cached once serves every language: its address names none."""
    root = base_url.removeprefix("http://jobboard.test").rstrip("/")
    hrefs = set()
    for code in ("en", "he", "ru"):
        page = client.get(f"/{code}/account/login", base_url=base_url).get_data(as_text=True)
        hrefs.add(re.search(r'<script src="([^"]*/js/app\.[0-9a-f]+\.js)"', page).group(1))
    assert len(hrefs) == 1
    (href,) = hrefs
    assert href.startswith(f"{root}/static/js/app.")
    assert client.get(href.removeprefix(root), base_url=base_url).status_code == 200
