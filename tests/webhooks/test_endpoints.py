"""Registering endpoints: who may, which addresses (no requests into the board's own network in
production), and the secret shown once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from jobboard.extensions import db
from jobboard.webhooks import addresses, signing
from jobboard.webhooks.models import WebhookEndpoint


@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.215.14/hook",  # public, but not https
        "https://127.0.0.1/hook",
        "https://[::1]/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data",  # cloud metadata
        "https://100.64.0.1/hook",  # carrier-grade NAT
        "https://[::ffff:10.0.0.1]/hook",  # a private IPv4 address written as IPv6
        "https://[fd00::1]/hook",
        "https://0.0.0.0/hook",
        "https://224.0.0.1/hook",
        "https://user:pass@93.184.215.14/hook",
        "ftp://93.184.215.14/hook",
        "https:///hook",
        "https://93.184.215.14:99999/hook",
    ],
)
def test_production_refuses_addresses_outside_the_public_internet(app, db_session, monkeypatch, url):
    monkeypatch.setitem(app.config, "JOBBOARD_ENV", "production")
    with app.test_request_context(), pytest.raises(addresses.RefusedAddress):
        addresses.check(url)


def test_production_takes_a_public_https_address(app, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "JOBBOARD_ENV", "production")
    with app.test_request_context():
        target = addresses.check("https://93.184.215.14:8443/hooks?x=1")
    assert (target.scheme, target.port, target.path, target.addresses) == (
        "https",
        8443,
        "/hooks?x=1",
        ("93.184.215.14",),
    )


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1:8000/hook", True),
        ("http://localhost:8000/hook", True),
        ("https://[::1]/hook", True),
        ("http://10.1.2.3/hook", False),
        ("http://93.184.215.14/hook", False),
    ],
)
def test_testing_and_development_also_take_loopback(app, db_session, url, allowed):
    with app.test_request_context():
        if allowed:
            addresses.check(url)
        else:
            with pytest.raises(addresses.RefusedAddress):
                addresses.check(url)


def test_the_owner_registers_an_endpoint_and_sees_its_secret_once(client, login, world):
    login(world.owner)
    response = client.post(
        "/org/negev-test-mc/webhooks",
        data={"url": "http://127.0.0.1:8000/hook", "events": ["application.created"], "is_active": "y"},
    )
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    endpoint = db.session.scalars(select(WebhookEndpoint)).one()
    page = response.get_data(as_text=True)
    secret = signing.unseal(endpoint.secret_sealed)
    assert secret.startswith("whsec_") and secret in page
    assert secret not in endpoint.secret_sealed  # sealed at rest
    assert secret not in client.get(f"/org/negev-test-mc/webhooks/{endpoint.id}").get_data(as_text=True)
    assert secret not in client.get("/org/negev-test-mc/webhooks").get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"url": "https://10.0.0.5/hook", "events": ["application.created"]}, "private network"),
        ({"url": "http://127.0.0.1/hook", "events": ["application.deleted"]}, "not a valid choice"),
        ({"url": "http://127.0.0.1/hook"}, "Choose at least one of the listed events."),
        ({"url": "javascript:alert(1)", "events": ["application.created"]}, "starting with https://"),
    ],
)
def test_a_wrong_endpoint_is_refused_with_a_reason(client, login, world, data, message):
    login(world.owner)
    response = client.post("/org/negev-test-mc/webhooks", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(WebhookEndpoint)).all() == []


def test_a_secret_sealed_under_another_key_is_unreadable(app, db_session, monkeypatch):
    with app.test_request_context():
        sealed = signing.seal(signing.new_secret())
        monkeypatch.setitem(app.config, "SECRET_KEY", "another key")
        with pytest.raises(signing.UnreadableSecret):
            signing.unseal(sealed)
