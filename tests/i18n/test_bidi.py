"""User-written text on a right-to-left page: names isolated in ``<bdi>`` (escaped like any value),
a posting's title and description marked with the language and direction they are written in,
text inputs taking their direction from what they hold."""

from __future__ import annotations

import html5lib
from flask import render_template_string

from jobboard.i18n import bdi
from tests.jobs.helpers import make_world, published

HTML_NS = "{http://www.w3.org/1999/xhtml}"


def hebrew_page_of(client, posting):
    response = client.get(f"/he/jobs/{posting.id}-{posting.slug}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_latin_employer_and_title_on_a_hebrew_page_keep_their_direction(client, db_session):
    world = make_world(db_session)
    world.org.name = "Acme Medical Ltd."
    posting = published(world, title="Senior Pediatrician (ICU)")
    db_session.commit()

    page = hebrew_page_of(client, posting)
    assert '<html lang="he" dir="rtl">' in page
    assert '<h1 class="h3" lang="en" dir="ltr">Senior Pediatrician (ICU)</h1>' in page
    assert "<bdi>Acme Medical Ltd.</bdi>" in page
    assert "<bdi>Beersheba Campus</bdi>" in page


def test_markup_in_a_name_or_a_title_stays_escaped(client, db_session):
    world = make_world(db_session)
    world.org.name = '<script>alert("x")</script> Clinic'
    posting = published(world, title="<b>Bold</b> & co")
    db_session.commit()

    page = hebrew_page_of(client, posting)
    assert "<bdi>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Clinic</bdi>" in page
    assert '<h1 class="h3" lang="en" dir="ltr">&lt;b&gt;Bold&lt;/b&gt; &amp; co</h1>' in page
    assert "<script>alert" not in page and "<b>Bold" not in page


def test_the_description_takes_the_direction_of_its_language(client, db_session):
    world = make_world(db_session)
    posting = published(world)
    db_session.commit()

    document = html5lib.parse(hebrew_page_of(client, posting))
    [description] = [
        el for el in document.iter(f"{HTML_NS}section") if "posting-description" in el.get("class", "").split()
    ]
    assert (description.get("lang"), description.get("dir")) == ("en", "ltr")
    assert "pediatrician" in "".join(description.itertext())


def test_text_inputs_take_their_direction_from_what_is_typed(client, db_session):
    response = client.get("/he/account/signup")
    assert response.status_code == 200
    inputs = {el.get("name"): el for el in html5lib.parse(response.get_data(as_text=True)).iter(f"{HTML_NS}input")}
    assert inputs["full_name"].get("dir") == "auto" and inputs["email"].get("dir") == "auto"
    # Not on passwords nor on hidden fields.
    assert inputs["password"].get("dir") is None and inputs["csrf_token"].get("dir") is None


def test_a_name_isolated_inside_a_translated_sentence_is_escaped_once(app):
    with app.test_request_context():
        shown = render_template_string('{{ _("Welcome, %(name)s", name=who|bdi) }}', who="<b>Dana</b> & Co")
        assert shown == "Welcome, <bdi>&lt;b&gt;Dana&lt;/b&gt; &amp; Co</bdi>"
        assert render_template_string("[{{ nobody|bdi }}]", nobody=None) == "[]"
    assert str(bdi("Tel Aviv")) == "<bdi>Tel Aviv</bdi>"
