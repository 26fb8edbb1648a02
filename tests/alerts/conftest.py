"""Fixtures for the job-alert tests: a two-tenant world with the app's own (emptied) search
engine, and no stale label cache or tripped breaker from another test."""

from __future__ import annotations

import pytest

from tests.jobs.helpers import make_world


@pytest.fixture(autouse=True)
def _fresh_search_state(app):
    for key in ("search_breaker", "search_catalogue"):
        app.extensions.pop(key, None)
    yield
    for key in ("search_breaker", "search_catalogue"):
        app.extensions.pop(key, None)


@pytest.fixture
def world(db_session, search_engine):
    return make_world(db_session)
