from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.applications.conftest import make_world
from tests.webhooks.receiver import Receiver, ReceiverServer


@pytest.fixture
def receiver() -> Iterator[ReceiverServer]:
    with ReceiverServer(Receiver()) as server:
        yield server


@pytest.fixture
def world(db_session):
    """The applications' two-tenant world: a published posting at each organisation and doctors
    ready to apply."""
    return make_world(db_session)


def shown_secret(response) -> str:
    found = re.search(r'id="webhook-secret">(whsec_[A-Za-z0-9+/=]+)<', response.get_data(as_text=True))
    assert found, "the page shows no secret"
    return found.group(1)


ALL_EVENTS = [
    "application.created",
    "application.stage_changed",
    "booking.created",
    "booking.moved",
    "booking.cancelled",
    "posting.published",
    "posting.changes_requested",
    "posting.expired",
]
