"""The API's tests: the applications' two-tenant world (a published posting at each
organisation, doctors ready to apply), and API keys made through the service."""

from __future__ import annotations

import pytest

from jobboard.api import services as keys
from jobboard.api.models import Scope
from tests.applications.conftest import make_world, uploads  # noqa: F401 - a fixture used here too

ALL = list(Scope)


def make_key(org, owner, scopes=ALL, name="ATS") -> str:
    return keys.create_key(org, owner, name, list(scopes)).token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def world(db_session):
    w = make_world(db_session)
    w.token = make_key(w.org, w.owner)
    w.other_token = make_key(w.other, w.other_owner, name="Other ATS")
    db_session.commit()
    return w


@pytest.fixture
def api(client, world):
    """``api.get(path, ...)`` etc. with tenant A's key (all scopes)."""

    class Api:
        def __getattr__(self, method):
            def call(path, token=None, headers=None, **kwargs):
                return client.open(
                    path, method=method.upper(), headers={**bearer(token or world.token), **(headers or {})}, **kwargs
                )

            return call

    return Api()
