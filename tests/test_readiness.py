"""``/readyz``: ready when the database answers and carries the code's migrations; the search
engine and the outbox backlog reported beside, degrading the site without stopping it."""

from __future__ import annotations

from datetime import timedelta

from jobboard import create_app
from jobboard.core import outbox
from jobboard.core.db import utcnow
from jobboard.extensions import db
from jobboard.search.port import EngineUnavailable
from tests.apps import config_for_testing


def test_a_migrated_database_is_ready_and_the_outbox_backlog_is_reported(client, db_session, time_machine):
    time_machine.move_to(utcnow(), tick=False)
    message = outbox.enqueue("test.readiness", {})
    message.created_at = utcnow() - timedelta(seconds=90)
    db.session.commit()

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json == {
        "ready": True,
        "database": "ok",
        "migrations": "current",
        "outbox_oldest_pending_seconds": 90,
        "search": "ok",
    }


def test_a_search_engine_that_does_not_answer_degrades_without_stopping(client, db_session, monkeypatch):
    def unavailable(*_args, **_kwargs):
        raise EngineUnavailable("connection refused")

    monkeypatch.setattr("jobboard.pages.readiness.get_engine", lambda: type("Down", (), {"search": unavailable})())
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["search"] == "degraded"


def test_a_database_without_the_migrations_is_not_ready(tmp_path):
    app = create_app(config_for_testing(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["ready"] is False
    assert response.json["migrations"] == "behind"
    with app.app_context():
        db.engine.dispose()


def test_an_unreachable_database_is_not_ready(tmp_path):
    app = create_app(config_for_testing("postgresql://postgres@127.0.0.1:9/nowhere?connect_timeout=1", tmp_path))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["ready"] is False
    assert response.json["database"].startswith("unreachable")
