from __future__ import annotations

import pytest

from tests.jobs.helpers import make_world


@pytest.fixture
def world(db_session):
    """Two verified organisations (this one with owner, recruiter and viewer, a Negev and a Tel
    Aviv site), a doctor and an administrator."""
    return make_world(db_session)
