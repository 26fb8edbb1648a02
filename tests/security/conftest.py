"""The security tests share one world of real objects (two tenants, every kind of visitor),
built once per module in a database of their own; each test still runs inside a rolled-back
transaction (the ``db_session`` fixture), so what one test's requests change, the next does not
see."""

from __future__ import annotations

import os
from collections.abc import Iterator

import flask_migrate
import pytest
from flask import Flask

from jobboard import create_app
from jobboard.extensions import db
from jobboard.vocab.seed import load_vocabularies
from tests.conftest import FreshUserClient, create_postgres_database, drop_postgres_database, testing_config


@pytest.fixture(scope="module")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    root = tmp_path_factory.mktemp("security")
    own_url = f"sqlite:///{root / 'security.db'}" if database_url.startswith("sqlite") else create_postgres_database()
    os.environ["JOBBOARD_INSTANCE_PATH"] = str(root)
    application = create_app(testing_config(own_url, root))
    application.test_client_class = FreshUserClient
    with application.app_context():
        flask_migrate.upgrade()
        load_vocabularies()
        db.session.commit()
        db.session.remove()
    yield application
    with application.app_context():
        db.engine.dispose()
    if not own_url.startswith("sqlite"):
        drop_postgres_database(own_url)
