"""Webhook messages reach a real receiver on loopback, signed as Standard Webhooks 1.0 says:
the receiver (``tests.webhooks.receiver``) verifies every message with the ``standardwebhooks``
library, refuses a captured message replayed more than five minutes later, and handles each
event once per ``webhook-id`` although its first attempt failed."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

import time_machine
from sqlalchemy import select

from jobboard.applications import applying, pipeline
from jobboard.applications.models import Stage
from jobboard.core import outbox
from jobboard.core.db import utcnow
from jobboard.extensions import db
from jobboard.webhooks import services
from jobboard.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from tests.webhooks.conftest import ALL_EVENTS, shown_secret


def register(client, login, owner, url: str, events=ALL_EVENTS) -> str:
    login(owner)
    response = client.post("/org/negev-test-mc/webhooks", data={"url": url, "events": events, "is_active": "y"})
    assert response.status_code == 201, response.get_data(as_text=True)
    return shown_secret(response)


def deliveries() -> list[WebhookDelivery]:
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def deliver_an_application(client, login, world, receiver) -> None:
    """The owner registers the receiver, a doctor applies, the outbox delivers."""
    receiver.receiver.secret = register(client, login, world.owner, receiver.url)
    applying.apply(world.doctor, world.posting, world.cv, "")
    db.session.commit()
    outbox.drain()


def drain_later(minutes: float) -> None:
    """Drain the outbox as the worker does ``minutes`` from now."""
    with time_machine.travel(utcnow() + timedelta(minutes=minutes)):
        outbox.drain()


def test_an_application_reaches_the_receiver_once_although_the_first_attempt_failed(client, login, world, receiver):
    receiver.receiver.secret = register(client, login, world.owner, receiver.url)
    receiver.receiver.fail_first = 1

    application = applying.apply(world.doctor, world.posting, world.cv, "A cover note that stays here")
    db.session.commit()
    outbox.drain()

    [delivery] = deliveries()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.PENDING, 1, 500)
    assert delivery.next_attempt_at > utcnow()
    assert receiver.receiver.events == {}

    drain_later(1)
    db.session.refresh(delivery)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.DELIVERED, 2, 204)
    assert list(receiver.receiver.events) == [delivery.message_id]
    message = receiver.receiver.events[delivery.message_id]
    assert message["type"] == "application.created"
    assert message["data"] == {
        "application_id": application.id,
        "posting_id": world.posting.id,
        "posting_reference": None,  # made on the web pages
        "stage": "applied",
    }
    ids = [r.headers["webhook-id"] for r in receiver.receiver.requests]
    assert ids == [delivery.message_id, delivery.message_id]  # the same id on every attempt
    assert receiver.receiver.rejected == []
    # No CV, no cover note, no name: ids only.
    sent = receiver.receiver.requests[-1].body.decode()
    assert "cover note" not in sent and world.doctor.full_name not in sent and world.doctor.email not in sent


def test_a_captured_message_replayed_after_five_minutes_is_refused(client, login, world, receiver):
    deliver_an_application(client, login, world, receiver)
    [captured] = receiver.receiver.requests

    with time_machine.travel(utcnow() + timedelta(minutes=6)):
        assert receiver.post(captured) == 400
    assert receiver.receiver.rejected == ["Message timestamp too old"]
    assert len(receiver.receiver.events) == 1


def test_a_tampered_body_is_refused(client, login, world, receiver):
    deliver_an_application(client, login, world, receiver)
    [captured] = receiver.receiver.requests
    tampered = json.loads(captured.body)
    tampered["data"]["application_id"] += 1
    captured.body = json.dumps(tampered, separators=(",", ":"), sort_keys=True).encode()
    assert receiver.post(captured) == 400
    assert receiver.receiver.rejected == ["No matching signature found"]


def test_the_owner_reads_the_log_and_replays_a_message_with_its_id(client, login, world, receiver):
    deliver_an_application(client, login, world, receiver)
    [delivery] = deliveries()

    page = client.get(f"/org/negev-test-mc/webhooks/{delivery.endpoint_id}")
    assert page.status_code == 200 and "application.created" in page.get_data(as_text=True)
    detail = client.get(f"/org/negev-test-mc/webhooks/deliveries/{delivery.id}")
    assert delivery.message_id in detail.get_data(as_text=True)
    # The message laid out for reading, in a region the keyboard can scroll.
    shown = html.unescape(
        re.search(r"<pre[^>]*tabindex=\"0\"[^>]*>(.*?)</pre>", detail.get_data(as_text=True), re.S)[1]
    )
    assert json.loads(shown) == json.loads(delivery.body)
    assert '\n  "type": "application.created"' in shown

    assert client.post(f"/org/negev-test-mc/webhooks/deliveries/{delivery.id}/replay").status_code == 302
    db.session.refresh(delivery)
    assert delivery.status == DeliveryStatus.DELIVERED
    assert [r.headers["webhook-id"] for r in receiver.receiver.requests] == [delivery.message_id] * 2
    assert receiver.receiver.duplicates == 1 and len(receiver.receiver.events) == 1


def test_a_message_fails_after_the_last_attempt_and_a_replay_sends_it(app, client, login, world, receiver, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_MAX_ATTEMPTS", 3)
    receiver.receiver.secret = register(client, login, world.owner, receiver.url)
    receiver.receiver.always_fail = True
    applying.apply(world.doctor, world.posting, world.cv, "")
    db.session.commit()
    outbox.drain()
    drain_later(1)
    drain_later(3)
    [delivery] = deliveries()
    db.session.refresh(delivery)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DEAD, 3)
    assert "down for maintenance" in (delivery.last_error or "")
    drain_later(120)
    assert len(receiver.receiver.requests) == 3  # nothing more once dead

    receiver.receiver.always_fail = False
    client.post(f"/org/negev-test-mc/webhooks/deliveries/{delivery.id}/replay")
    db.session.refresh(delivery)
    assert delivery.status == DeliveryStatus.DELIVERED
    assert len(receiver.receiver.events) == 1


def test_after_a_rotation_both_secrets_sign_for_a_day(client, login, world, receiver):
    old = register(client, login, world.owner, receiver.url)
    endpoint = db.session.scalars(select(WebhookEndpoint)).one()
    response = client.post(f"/org/negev-test-mc/webhooks/{endpoint.id}/rotate")
    new = shown_secret(response)
    assert new != old

    receiver.receiver.secret = old
    pipeline.move(applying.apply(world.doctor, world.posting, world.cv, ""), world.recruiter, Stage.SCREENING)
    db.session.commit()
    outbox.drain()
    assert len(receiver.receiver.events) == 2  # created and stage_changed, accepted with the old secret
    signatures = receiver.receiver.requests[-1].headers["webhook-signature"].split(" ")
    assert len(signatures) == 2 and all(s.startswith("v1,") for s in signatures)

    receiver.receiver.secret = new
    with time_machine.travel(utcnow() + timedelta(hours=25)):
        pipeline.move(db.session.scalars(select(applying.Application)).one(), world.recruiter, Stage.INTERVIEW)
        db.session.commit()
        outbox.drain()
        assert len(receiver.receiver.requests[-1].headers["webhook-signature"].split(" ")) == 1
    assert len(receiver.receiver.events) == 3 and receiver.receiver.rejected == []


def test_only_the_organisations_endpoints_listening_to_the_event_get_it(client, login, world, receiver):
    register(client, login, world.owner, receiver.url, events=["posting.published"])
    services.create_endpoint(world.other, world.other_owner, services.EndpointFields(receiver.url, "", ALL_EVENTS))
    applying.apply(world.doctor, world.posting, world.cv, "")
    db.session.commit()
    assert deliveries() == []
