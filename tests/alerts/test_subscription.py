"""Saving, confirming, managing and leaving job alerts, through the real pages: double opt-in for
visitors, immediate saving for confirmed accounts, the alerts page (list, rename, frequency,
pause, resume, delete), unsubscribing without signing in (page and RFC 8058 one click), forged
links, and saved searches the page would only run with notices."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import html5lib
import pytest
from sqlalchemy import func, select

from jobboard.alerts.models import Alert, AlertStatus, Frequency
from jobboard.alerts.services import next_run, unsubscribe_token
from jobboard.core.db import utcnow
from jobboard.extensions import db
from tests.alerts.helpers import (
    digest_titles,
    digests,
    make_due,
    publish,
    run,
    save_alert,
)
from tests.factories import DoctorFactory
from tests.jobs.helpers import page_text, text_of

VISITOR = "visitor@example.net"


def alert_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Alert))


def only_alert() -> Alert:
    alerts = list(db.session.scalars(select(Alert)))
    assert len(alerts) == 1, alerts
    return alerts[0]


def post_alert(client, **fields):
    data = {"name": "Pediatrics in the Negev", "frequency": "daily", "query": "region=negev", **fields}
    return client.post("/alerts", data=data)


# --- double opt-in ------------------------------------------------------------------------------


def test_a_visitors_alert_sends_nothing_until_the_confirmation_link_is_followed(world, client, mailbox):
    response = post_alert(client, email=VISITOR, query="q=pediatrician&region=negev")
    assert response.status_code == 200
    assert "Check your e-mail" in page_text(response)
    alert = only_alert()
    assert alert.status == AlertStatus.UNCONFIRMED and alert.email == VISITOR and alert.user_id is None
    confirmation = mailbox.last_to(VISITOR)
    assert confirmation["Subject"] == "Confirm your job alert"
    link = mailbox.link(confirmation, "/alerts/confirm/")

    publish(world, "Pediatrician before confirmation")
    make_due(alert, utcnow())
    stats = run()
    assert stats.processed == 0
    assert digests(mailbox, VISITOR) == []

    # Following the link shows a page with a button (a link scanner's GET confirms nothing).
    page = client.get(link)
    assert page.status_code == 200 and "Confirm the alert" in page_text(page)
    db.session.refresh(alert)
    assert alert.status == AlertStatus.UNCONFIRMED
    confirmed = client.post(link)
    assert confirmed.status_code == 200 and "The alert is on" in page_text(confirmed)
    db.session.refresh(alert)
    assert alert.status == AlertStatus.ACTIVE and alert.confirmed_at is not None

    publish(world, "Pediatrician after confirmation")
    make_due(alert, utcnow())
    stats = run()
    assert stats.processed == 1 and stats.mailed == 1
    [digest] = digests(mailbox, VISITOR)
    # What was published before the confirmation is not sent afterwards.
    assert digest_titles(mailbox, digest) == ["Pediatrician after confirmation"]


def test_a_strangers_words_reach_neither_a_subject_nor_the_confirmation(world, client, mailbox):
    """Anyone can subscribe any address: the confirmation says only what the board says, and no
    subject ever carries the name a visitor typed."""
    phishing = "Account locked - verify at http://evil.example"
    post_alert(client, email=VISITOR, name=phishing, query="q=pediatrician&region=negev")

    confirmation = mailbox.last_to(VISITOR)
    assert confirmation["Subject"] == "Confirm your job alert"
    text = mailbox.text(confirmation)
    assert "evil" not in text and "locked" not in text and "pediatrician" not in text
    client.post(mailbox.link(confirmation, "/alerts/confirm/"))
    alert = only_alert()
    publish(world, "Pediatrician after confirmation")
    make_due(alert, utcnow())
    run()
    [digest] = digests(mailbox, VISITOR)
    assert digest["Subject"] == "1 new position for your job alert"


def test_confirming_twice_changes_nothing(world, client, mailbox):
    post_alert(client, email=VISITOR)
    link = mailbox.link(mailbox.last_to(VISITOR), "/alerts/confirm/")
    client.post(link)
    first = only_alert().confirmed_at
    again = client.post(link)
    assert again.status_code == 200
    assert only_alert().confirmed_at == first
    assert "already confirmed" in page_text(client.get(link))


def test_a_visitor_must_give_an_address(world, client):
    response = post_alert(client)
    assert response.status_code == 422
    assert alert_count() == 0


# --- signed-in people ---------------------------------------------------------------------------


def test_a_confirmed_account_saves_an_alert_at_once(world, client, login, mailbox):
    login(world.doctor)
    response = post_alert(client, name="Negev pediatrics")
    assert response.status_code == 302 and response.headers["Location"].endswith("/alerts")
    alert = only_alert()
    assert alert.status == AlertStatus.ACTIVE and alert.user_id == world.doctor.id and alert.email is None
    assert alert.query_string == "region=negev"
    assert mailbox.to(world.doctor.email) == []  # no confirmation needed

    publish(world, "Pediatrician for the Negev")
    make_due(alert, utcnow())
    run()
    [digest] = digests(mailbox, world.doctor.email)
    assert digest_titles(mailbox, digest) == ["Pediatrician for the Negev"]


def test_an_account_with_an_unconfirmed_address_is_refused(world, client, login):
    unconfirmed = DoctorFactory(email="new@example.org", email_confirmed_at=None)
    db.session.commit()
    login(unconfirmed)
    response = post_alert(client)
    assert response.status_code == 403
    assert "Confirm your e-mail address" in page_text(response)
    assert alert_count() == 0


def test_the_alert_takes_the_accounts_time_zone(world, client, login):
    world.doctor.time_zone = "Europe/London"
    db.session.commit()
    login(world.doctor)
    post_alert(client)
    alert = only_alert()
    assert alert.time_zone == "Europe/London"
    assert alert.next_run_at == next_run(alert, alert.created_at)


# --- saved searches the page only runs with notices are refused ---------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("region=negev&colour=blue", "unknown filter “colour”"),
        ("region=atlantis", "unknown region “atlantis”"),
        ("min_salary=lots", "“lots” is not a whole number"),
        ("hebrew=99", "Hebrew level: it must be between"),
        ("city=gotham&km=10", "unknown city “gotham”"),
    ],
)
@pytest.mark.parametrize("signed_in", [False, True])
def test_a_malformed_saved_search_is_a_clear_422_and_never_saved(
    world, client, login, mailbox, query, message, signed_in
):
    if signed_in:
        login(world.doctor)
    response = post_alert(client, query=query, **({} if signed_in else {"email": VISITOR}))
    assert response.status_code == 422
    text = page_text(response)
    assert "This search cannot be saved" in text and message in text
    assert alert_count() == 0
    assert mailbox.to(VISITOR) == []


def test_the_saved_search_is_stored_in_canonical_form(world, client, login):
    login(world.doctor)
    post_alert(client, query="sort=newest&page=3&region=negev&q=pediatrics&region=galilee-north")
    post_alert(client, query="region=galilee-north&q=pediatrics&region=negev&sort=newest")
    # the page number is dropped, the rest sorted: the same search in any order is the same string
    first, second = db.session.scalars(select(Alert.query_string).order_by(Alert.id))
    assert first == second == "q=pediatrics&region=galilee-north&region=negev&sort=newest"


def test_the_alert_me_form_on_the_search_page_carries_the_search(world, client, login):
    page = client.get("/jobs?q=pediatrics&region=negev")
    document = html5lib.parse(page.get_data(as_text=True), namespaceHTMLElements=False)
    form = next(f for f in document.iter("form") if f.get("action") == "/alerts")
    fields = {i.get("name"): i.get("value") for i in form.iter("input")}
    assert fields["query"] == "q=pediatrics&region=negev"
    assert "email" in fields  # a visitor gives an address
    response = post_alert(client, email=VISITOR, query=fields["query"], name=fields["name"])
    assert response.status_code == 200
    assert only_alert().name == "pediatrics"


# --- the alerts page ----------------------------------------------------------------------------


def test_the_alerts_page_lists_the_alerts_with_last_sent_and_how_many_found(world, client, login, mailbox):
    first = save_alert(world.doctor, name="Negev pediatrics", query="region=negev")
    second = save_alert(world.doctor, name="Haifa anything", query="region=haifa", frequency=Frequency.WEEKLY)
    save_alert(DoctorFactory(email="someone.else@example.org"), name="Somebody else's")
    publish(world, "Pediatrician one")
    publish(world, "Pediatrician two")
    make_due(first, utcnow())
    run()

    login(world.doctor)
    page = text_of(client.get("/alerts"))
    assert "Somebody else's" not in page
    first_card = page[page.index("Negev pediatrics") : page.index("Haifa anything")]
    db.session.refresh(first)
    local = first.last_sent_at.astimezone(ZoneInfo("Asia/Jerusalem"))
    assert f"last sent {local:%d %b %Y %H:%M} (2 new" in first_card and "times in Jerusalem" in first_card
    assert f"next look {first.next_run_at.astimezone(ZoneInfo('Asia/Jerusalem')):%d %b %Y} 07:00" in first_card
    assert "Daily digest" in first_card
    second_card = page[page.index("Haifa anything") :]
    assert "Weekly digest" in second_card and "nothing sent yet" in second_card
    assert 'href="/jobs?region=haifa"' in client.get("/alerts").get_data(as_text=True)
    assert second.status == AlertStatus.ACTIVE


def test_rename_and_change_frequency(world, client, login):
    alert = save_alert(world.doctor, name="Old name", frequency=Frequency.DAILY)
    login(world.doctor)
    response = client.post(f"/alerts/{alert.id}", data={"name": "New name", "frequency": "instant"})
    assert response.status_code == 302
    db.session.refresh(alert)
    assert alert.name == "New name" and alert.frequency == Frequency.INSTANT
    # an instant alert runs within the quarter hour, not at 07:00 the next day
    assert alert.next_run_at - utcnow() <= timedelta(minutes=15)
    assert "New name" in text_of(client.get("/alerts"))

    bad = client.post(f"/alerts/{alert.id}", data={"name": "", "frequency": "hourly"})
    assert bad.status_code == 422
    db.session.refresh(alert)
    assert alert.name == "New name" and alert.frequency == Frequency.INSTANT


def test_nothing_is_sent_while_paused_and_what_was_published_meanwhile_is_not_sent_after_resuming(
    world, client, login, mailbox
):
    alert = save_alert(world.doctor, query="region=negev")
    login(world.doctor)
    assert client.post(f"/alerts/{alert.id}/pause").status_code == 302
    assert "paused" in text_of(client.get("/alerts"))

    publish(world, "Published while paused")
    make_due(alert, utcnow())
    assert run().processed == 0
    assert digests(mailbox, world.doctor.email) == []

    assert client.post(f"/alerts/{alert.id}/resume").status_code == 302
    db.session.refresh(alert)
    assert alert.status == AlertStatus.ACTIVE
    publish(world, "Published after resuming")
    make_due(alert, utcnow())
    run()
    [digest] = digests(mailbox, world.doctor.email)
    assert digest_titles(mailbox, digest) == ["Published after resuming"]


def test_delete(world, client, login):
    alert = save_alert(world.doctor, name="Short-lived")
    login(world.doctor)
    response = client.post(f"/alerts/{alert.id}/delete")
    assert response.status_code == 302
    assert alert_count() == 0
    assert "Short-lived" not in text_of(client.get("/alerts"))


# --- unsubscribing ------------------------------------------------------------------------------


def test_unsubscribe_without_signing_in_shows_a_page_then_confirms(world, client, mailbox):
    alert = save_alert(world.doctor, name="Negev pediatrics", query="region=negev")
    publish(world, "Pediatrician")
    make_due(alert, utcnow())
    run()
    [digest] = digests(mailbox, world.doctor.email)
    link = mailbox.link(digest, "/alerts/unsubscribe/")

    page = client.get(link)
    assert page.status_code == 200
    assert "Unsubscribe from “Negev pediatrics”" in page_text(page)
    db.session.refresh(alert)
    assert alert.status == AlertStatus.ACTIVE  # a GET (a link scanner) changes nothing

    done = client.post(link)
    assert done.status_code == 200
    assert "You are unsubscribed" in page_text(done)
    db.session.refresh(alert)
    assert alert.status == AlertStatus.UNSUBSCRIBED
    assert "already unsubscribed" in page_text(client.get(link))

    publish(world, "Another pediatrician")
    make_due(alert, utcnow())
    assert run().processed == 0
    assert len(digests(mailbox, world.doctor.email)) == 1


def test_one_click_unsubscribe_needs_no_csrf_token(world, app, client):
    alert = save_alert(email=None, user=world.doctor)
    token = unsubscribe_token(alert)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        # CSRF is really on: a form post elsewhere without a token is refused
        refused = post_alert(client, email=VISITOR)
        assert refused.status_code == 400 and "not sent from this site" in page_text(refused)
        response = client.post(
            f"/alerts/unsubscribe/{token}",
            data="List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        )
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 200
    db.session.refresh(alert)
    assert alert.status == AlertStatus.UNSUBSCRIBED


@pytest.mark.parametrize("kind", ["unsubscribe", "confirm"])
def test_tampered_tokens_are_a_400(world, client, mailbox, kind):
    post_alert(client, email=VISITOR)
    alert = only_alert()
    token = (
        unsubscribe_token(alert)
        if kind == "unsubscribe"
        else mailbox.link(mailbox.last_to(VISITOR), "/alerts/confirm/").rsplit("/", 1)[1]
    )
    forged = [
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        token + "x",
        "garbage",
        re.sub(r"^[^.]+", "eyJhIjo5OTk5fQ", token),
    ]  # another alert id, the old signature
    for bad in forged:
        for method in ("get", "post"):
            response = getattr(client, method)(f"/alerts/{kind}/{bad}")
            assert response.status_code == 400, (bad, method)
    db.session.refresh(alert)
    assert alert.status == AlertStatus.UNCONFIRMED


def test_a_confirmation_token_cannot_unsubscribe_and_vice_versa(world, client, mailbox):
    post_alert(client, email=VISITOR)
    alert = only_alert()
    confirm = mailbox.link(mailbox.last_to(VISITOR), "/alerts/confirm/").rsplit("/", 1)[1]
    assert client.post(f"/alerts/unsubscribe/{confirm}").status_code == 400
    assert client.post(f"/alerts/confirm/{unsubscribe_token(alert)}").status_code == 400
    db.session.refresh(alert)
    assert alert.status == AlertStatus.UNCONFIRMED
