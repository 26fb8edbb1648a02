"""The security tests share one world of real objects (two tenants, every kind of visitor),
built once per module in a database of their own; each test still runs inside a rolled-back
transaction (the ``db_session`` fixture), so what one test's requests change, the next does not
see."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.apps import app_on_own_database


@pytest.fixture(scope="module")
def app(database_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with app_on_own_database(database_kind, tmp_path_factory.mktemp("security")) as application:
        yield application
