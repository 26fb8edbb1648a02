"""Fixtures for the job-alert tests: a two-tenant world with the app's own (emptied) search
engine, and no stale label cache or tripped breaker from another test."""

from __future__ import annotations

import pytest

from tests.jobs.helpers import make_world


@pytest.fixture(autouse=True)
def _fresh_search_state(fresh_search_state):
    """Every alerts test, with or without the world."""


@pytest.fixture
def world(db_session, search_engine):
    return make_world(db_session)
