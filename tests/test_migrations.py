"""The Alembic migrations build exactly the schema the models declare, on SQLite and PostgreSQL,
and can be undone and redone. Each test gets its own empty database."""

from __future__ import annotations

import json
from collections.abc import Iterator

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from jobboard import create_app
from jobboard.extensions import db
from jobboard.licensing.milestones import status_mismatches
from tests.apps import config_for_testing, own_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    with own_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def fresh_app(empty_database_url: str, tmp_path) -> Iterator[Flask]:
    """An app on an empty database: each test runs the migrations it is about."""
    application = create_app(config_for_testing(empty_database_url, tmp_path))
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


def table_names() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def schema_differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_a_fresh_database_upgraded_to_head_has_every_table(fresh_app):
    assert table_names() == set()

    flask_migrate.upgrade()

    assert table_names() == set(db.metadata.tables) | {"alembic_version"}
    with db.engine.connect() as connection:
        heads = MigrationContext.configure(connection).get_current_heads()
    assert len(heads) == 1


def test_the_migrated_schema_matches_the_models(fresh_app):
    flask_migrate.upgrade()

    differences = schema_differences()

    assert differences == [], "models and migrations differ; write a migration:\n" + "\n".join(map(str, differences))


def test_the_comparison_notices_a_missing_column(fresh_app):
    """The control for the test above: compare_metadata does report a difference when there is one."""
    flask_migrate.upgrade()
    with db.engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE organizations ADD COLUMN stray INTEGER")
    differences = schema_differences()
    assert any(diff[0] == "remove_column" and diff[3].name == "stray" for diff in differences), differences


def test_downgrade_to_base_and_upgrade_again(fresh_app):
    flask_migrate.upgrade()
    flask_migrate.downgrade(revision="base")

    assert table_names() <= {"alembic_version"}
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            leftover = connection.exec_driver_sql(
                "SELECT proname FROM pg_proc WHERE proname = 'audit_log_append_only'"
            ).all()
        assert leftover == []

    flask_migrate.upgrade()

    assert table_names() == set(db.metadata.tables) | {"alembic_version"}
    assert schema_differences() == []
    # The audit log triggers are back too.
    with db.engine.connect() as connection:
        connection.exec_driver_sql(
            "INSERT INTO audit_log (created_at, action, subject_type, details) VALUES (CURRENT_TIMESTAMP, 'x', 't', '{}')"
        )
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            connection.exec_driver_sql("DELETE FROM audit_log")
        connection.rollback()


def test_0007_carries_the_view_counts_over_and_keeps_what_hangs_off_a_posting(fresh_app):
    """The counter moves from the posting's row to a table of its own. The column is dropped in
    place: rebuilding ``postings`` on SQLite would drop the old table with foreign keys on, which
    deletes every row that cascades from a posting (here, its history)."""
    flask_migrate.upgrade(revision="0006")
    with db.engine.begin() as connection:
        for statement in (
            "INSERT INTO regions (slug, name, is_periphery, position) VALUES ('negev', 'Negev', true, 0)",
            "INSERT INTO cities (slug, name, name_he, region_slug, lat, lon, is_periphery, aliases) "
            "VALUES ('beersheba', 'Beersheba', 'באר שבע', 'negev', 31.25, 34.79, true, '[]')",
            "INSERT INTO professions (slug, name, position) VALUES ('physician', 'Physician', 0)",
            "INSERT INTO organizations (id, slug, name, kind, description, status, created_at, updated_at) "
            "VALUES (1, 'negev', 'Negev', 'hospital', '', 'verified', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            "INSERT INTO sites (id, org_id, name, city_slug, lat, lon, created_at, updated_at) "
            "VALUES (1, 1, 'Campus', 'beersheba', 31.25, 34.8, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            "INSERT INTO postings (id, org_id, status, title, profession_slug, seniority, employment_type, site_id, "
            "licence_requirement, hebrew_level, duration_days, description_md, view_count, created_at, updated_at) "
            "VALUES (1, 1, 'published', 'Pediatrician', 'physician', 'specialist', 'full_time', 1, 'israeli_licence', "
            "3, 60, 'Text', 17, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            "INSERT INTO posting_transitions (posting_id, action, from_status, to_status, created_at) "
            "VALUES (1, 'approve', 'pending_review', 'published', CURRENT_TIMESTAMP)",
        ):
            connection.exec_driver_sql(statement)

    flask_migrate.upgrade()

    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT posting_id, views FROM posting_view_counts").all() == [(1, 17)]
        assert connection.exec_driver_sql("SELECT count(*) FROM posting_transitions").scalar() == 1
    flask_migrate.downgrade(revision="0006")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT view_count FROM postings").all() == [(17,)]
        assert connection.exec_driver_sql("SELECT count(*) FROM posting_transitions").scalar() == 1


def test_0008_gives_each_specialty_its_professions_in_place(fresh_app):
    """Added without rebuilding ``specialties``, which the postings that name one would not survive."""
    flask_migrate.upgrade(revision="0007")
    with db.engine.begin() as connection:
        for statement in (
            "INSERT INTO specialties (slug, name, aliases) VALUES ('pediatrics', 'Pediatrics', '[]'), "
            "('oral-and-maxillofacial-surgery', 'Oral and maxillofacial surgery', '[]')",
            "INSERT INTO professions (slug, name, position) VALUES ('physician', 'Physician', 0)",
            "INSERT INTO regions (slug, name, is_periphery, position) VALUES ('negev', 'Negev', true, 0)",
            "INSERT INTO cities (slug, name, name_he, region_slug, lat, lon, is_periphery, aliases) "
            "VALUES ('beersheba', 'Beersheba', 'באר שבע', 'negev', 31.25, 34.79, true, '[]')",
            "INSERT INTO organizations (id, slug, name, kind, description, status, created_at, updated_at) "
            "VALUES (1, 'negev', 'Negev', 'hospital', '', 'verified', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            "INSERT INTO sites (id, org_id, name, city_slug, lat, lon, created_at, updated_at) "
            "VALUES (1, 1, 'Campus', 'beersheba', 31.25, 34.8, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            "INSERT INTO postings (id, org_id, status, title, profession_slug, specialty_slug, seniority, "
            "employment_type, site_id, licence_requirement, hebrew_level, duration_days, description_md, created_at, "
            "updated_at) VALUES (1, 1, 'draft', 'Pediatrician', 'physician', 'pediatrics', 'specialist', 'full_time', "
            "1, 'israeli_licence', 3, 60, 'Text', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        ):
            connection.exec_driver_sql(statement)

    flask_migrate.upgrade()

    with db.engine.connect() as connection:
        rows = dict(connection.exec_driver_sql("SELECT slug, professions FROM specialties").all())
        assert connection.exec_driver_sql("SELECT count(*) FROM postings").scalar() == 1
    parsed = {slug: value if isinstance(value, list) else json.loads(value) for slug, value in rows.items()}
    assert parsed == {"pediatrics": ["physician"], "oral-and-maxillofacial-surgery": ["physician", "dentist"]}
    flask_migrate.downgrade(revision="0007")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM postings").scalar() == 1


def test_0010_moves_each_citys_hebrew_name_among_its_names_and_back(fresh_app):
    flask_migrate.upgrade(revision="0009")
    with db.engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO regions (slug, name, is_periphery, position) VALUES ('negev', 'Negev', true, 0)"
        )
        connection.exec_driver_sql(
            "INSERT INTO cities (slug, name, name_he, region_slug, lat, lon, is_periphery, aliases) "
            "VALUES ('beersheba', 'Beersheba', 'באר שבע', 'negev', 31.25, 34.79, true, '[]')"
        )

    flask_migrate.upgrade()

    with db.engine.connect() as connection:
        names = connection.exec_driver_sql("SELECT names FROM cities").scalar()
        region_names = connection.exec_driver_sql("SELECT names FROM regions").scalar()
    assert (names if isinstance(names, dict) else json.loads(names)) == {"he": "באר שבע"}
    assert (region_names if isinstance(region_names, dict) else json.loads(region_names)) == {}
    flask_migrate.downgrade(revision="0009")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT name_he FROM cities").scalar() == "באר שבע"


def test_0011_writes_existing_postings_and_their_approved_versions_in_english(fresh_app):
    """The language is added in place (rebuilding ``postings`` would delete what cascades from it),
    and the approved snapshots name it, so a first edit does not show it as a change."""
    flask_migrate.upgrade(revision="0010")
    with db.engine.begin() as connection:
        for statement in (
            "INSERT INTO regions (slug, name, is_periphery, position, names) VALUES ('negev', 'Negev', true, 0, '{}')",
            "INSERT INTO cities (slug, name, region_slug, lat, lon, is_periphery, aliases, names) "
            "VALUES ('beersheba', 'Beersheba', 'negev', 31.25, 34.79, true, '[]', '{}')",
            "INSERT INTO professions (slug, name, position, names) VALUES ('physician', 'Physician', 0, '{}')",
            "INSERT INTO organizations (id, slug, name, kind, description, status, created_at, updated_at) "
            "VALUES (1, 'negev', 'Negev', 'hospital', '', 'verified', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            "INSERT INTO sites (id, org_id, name, city_slug, lat, lon, created_at, updated_at) "
            "VALUES (1, 1, 'Campus', 'beersheba', 31.25, 34.8, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            "INSERT INTO postings (id, org_id, status, title, profession_slug, seniority, employment_type, site_id, "
            "licence_requirement, hebrew_level, duration_days, description_md, created_at, updated_at) "
            "VALUES (1, 1, 'published', 'Pediatrician', 'physician', 'specialist', 'full_time', 1, 'israeli_licence', "
            "3, 60, 'Text', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            "INSERT INTO posting_transitions (posting_id, action, from_status, to_status, created_at) "
            "VALUES (1, 'approve', 'pending_review', 'published', CURRENT_TIMESTAMP)",
            """INSERT INTO posting_versions (posting_id, content, approved_at) """
            """VALUES (1, '{"Title": "Pediatrician"}', CURRENT_TIMESTAMP)""",
        ):
            connection.exec_driver_sql(statement)

    flask_migrate.upgrade()

    def snapshot() -> dict:
        with db.engine.connect() as connection:
            content = connection.exec_driver_sql("SELECT content FROM posting_versions").scalar()
        return content if isinstance(content, dict) else json.loads(content)

    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT text_language FROM postings").all() == [("en",)]
        assert connection.exec_driver_sql("SELECT count(*) FROM posting_transitions").scalar() == 1
    assert snapshot() == {"Title": "Pediatrician", "Language of the text": "English"}
    flask_migrate.downgrade(revision="0010")
    assert snapshot() == {"Title": "Pediatrician"}
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM posting_transitions").scalar() == 1


def test_0012_adds_the_last_steps_in_place_and_dates_what_happened_before(fresh_app):
    """The stages widen without rebuilding ``applications`` (which would delete what cascades from
    it: the history, the notes); every past step is dated the day it was recorded, and a profile
    is complete from the doctor's first application, or from its last change once it has a CV.
    Going back, a start of work becomes a hire again."""
    flask_migrate.upgrade(revision="0011")
    with db.engine.begin() as connection:
        for statement in (
            "INSERT INTO regions (slug, name, is_periphery, position, names) VALUES ('negev', 'Negev', true, 0, '{}')",
            "INSERT INTO cities (slug, name, region_slug, lat, lon, is_periphery, aliases, names) "
            "VALUES ('beersheba', 'Beersheba', 'negev', 31.25, 34.79, true, '[]', '{}')",
            "INSERT INTO professions (slug, name, position, names) VALUES ('physician', 'Physician', 0, '{}')",
            "INSERT INTO specialties (slug, name, aliases, professions, names) "
            """VALUES ('pediatrics', 'Pediatrics', '[]', '["physician"]', '{}')""",
            "INSERT INTO organizations (id, slug, name, kind, description, status, created_at, updated_at) "
            "VALUES (1, 'negev', 'Negev', 'hospital', '', 'verified', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            "INSERT INTO sites (id, org_id, name, city_slug, lat, lon, created_at, updated_at) "
            "VALUES (1, 1, 'Campus', 'beersheba', 31.25, 34.8, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            "INSERT INTO postings (id, org_id, status, title, profession_slug, seniority, employment_type, site_id, "
            "licence_requirement, hebrew_level, duration_days, description_md, text_language, created_at, updated_at) "
            "VALUES (1, 1, 'published', 'Pediatrician', 'physician', 'specialist', 'full_time', 1, 'israeli_licence', "
            "3, 60, 'Text', 'en', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            "INSERT INTO users (id, email, full_name, password_hash, kind, is_admin, is_deactivated, session_version, "
            "created_at, updated_at) VALUES "
            "(1, 'a@example.org', 'A', 'x', 'doctor', false, false, 1, '2026-01-05 09:00:00', '2026-01-05 09:00:00'), "
            "(2, 'b@example.org', 'B', 'x', 'doctor', false, false, 1, '2026-01-05 09:00:00', '2026-01-05 09:00:00'), "
            "(3, 'c@example.org', 'C', 'x', 'doctor', false, false, 1, '2026-01-05 09:00:00', '2026-01-05 09:00:00')",
            "INSERT INTO doctor_profiles (id, user_id, profession_slug, specialty_slug, training_country, "
            "licence_status, hebrew_level, move_month, open_to_periphery, summary, created_at, updated_at) VALUES "
            "(1, 1, 'physician', 'pediatrics', 'FR', 'not_started', 2, '2027-01-01', true, '', "
            "'2026-01-06 10:00:00', '2026-04-01 10:00:00'), "
            "(2, 2, 'physician', 'pediatrics', 'FR', 'not_started', 2, '2027-01-01', true, '', "
            "'2026-01-06 10:00:00', '2026-02-01 10:00:00'), "
            "(3, 3, 'physician', NULL, 'FR', 'not_started', 2, '2027-01-01', true, '', "
            "'2026-01-06 10:00:00', '2026-02-01 10:00:00')",
            "INSERT INTO cv_documents (owner_id, stored_name, original_name, size_bytes, page_count, sha256, "
            "is_default, uploaded_at) VALUES "
            "(1, 'a', 'cv.pdf', 1, 1, 'x', true, '2026-01-07 10:00:00'), "
            "(2, 'b', 'cv.pdf', 1, 1, 'x', true, '2026-02-03 10:00:00'), "
            "(3, 'c', 'cv.pdf', 1, 1, 'x', true, '2026-01-07 10:00:00')",
            "INSERT INTO applications (id, posting_id, org_id, doctor_id, stage, cover_note, created_at, updated_at) "
            "VALUES (1, 1, 1, 1, 'hired', '', '2026-03-01 10:00:00', '2026-03-20 10:00:00')",
            "INSERT INTO application_events (application_id, from_stage, to_stage, created_at) VALUES "
            "(1, NULL, 'applied', '2026-03-01 23:30:00'), (1, 'applied', 'hired', '2026-03-20 10:00:00')",
            "INSERT INTO application_notes (application_id, body, created_at) VALUES (1, 'Good', CURRENT_TIMESTAMP)",
        ):
            connection.exec_driver_sql(statement)

    flask_migrate.upgrade()

    def rows(sql: str) -> list[tuple]:
        with db.engine.connect() as connection:
            return [tuple(row) for row in connection.exec_driver_sql(sql).all()]

    assert [str(day) for (day,) in rows("SELECT occurred_on FROM application_events ORDER BY id")] == [
        "2026-03-01",
        "2026-03-20",
    ]
    # Hired straight from applying: the interview and the offer reached that day too.
    assert [
        tuple(map(str, row))
        for row in rows("SELECT interviewed_on, offered_on, hired_on, started_on FROM applications")
    ] == [("2026-03-20", "2026-03-20", "2026-03-20", "None")]
    completed = dict(rows("SELECT user_id, completed_at FROM doctor_profiles"))
    assert str(completed[1])[:16] == "2026-03-01 10:00"  # applied: complete by then
    assert str(completed[2])[:16] == "2026-02-03 10:00"  # complete once the CV came, after the last change
    assert completed[3] is None  # a physician without a specialty
    assert rows("SELECT count(*) FROM application_notes") == [(1,)]
    with db.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE applications SET stage = 'started'")
        connection.exec_driver_sql(
            "INSERT INTO application_events (application_id, from_stage, to_stage, created_at, occurred_on) "
            "VALUES (1, 'hired', 'started', CURRENT_TIMESTAMP, '2026-04-01')"
        )
    with db.engine.connect() as connection, pytest.raises(sa.exc.IntegrityError):
        connection.exec_driver_sql("UPDATE applications SET stage = 'promoted'")
    if db.engine.dialect.name == "sqlite":
        assert rows("PRAGMA integrity_check") == [("ok",)]

    flask_migrate.downgrade(revision="0011")

    assert rows("SELECT stage FROM applications") == [("hired",)]
    assert rows("SELECT to_stage FROM application_events ORDER BY id") == [("applied",), ("hired",), ("hired",)]
    assert rows("SELECT count(*) FROM application_notes") == [(1,)]
    with db.engine.connect() as connection, pytest.raises(sa.exc.IntegrityError):
        connection.exec_driver_sql("UPDATE applications SET stage = 'started'")


LICENCE_STATUSES = ("not_started", "file_submitted", "exam_scheduled", "exam_exemption_granted", "licensed")


def test_0019_turns_each_licence_status_into_the_milestone_that_gives_it(fresh_app):
    """Each doctor's derived status is the one they had chosen (an Israeli licence of either kind:
    the provisional one), its milestone dated the day the profile last changed."""
    flask_migrate.upgrade(revision="0013")
    users = ", ".join(
        f"({n}, 'd{n}@example.org', 'D', 'x', 'doctor', false, false, 1, '2026-01-05 09:00:00', '2026-01-05 09:00:00')"
        for n in range(1, 6)
    )
    profiles = ", ".join(
        f"({n}, {n}, '{status}', 0, true, '', '2026-01-06 10:00:00', '2026-03-0{n} 10:00:00')"
        for n, status in enumerate(LICENCE_STATUSES, start=1)
    )
    with db.engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO users (id, email, full_name, password_hash, kind, is_admin, is_deactivated, "
            f"session_version, created_at, updated_at) VALUES {users}"
        )
        connection.exec_driver_sql(
            "INSERT INTO doctor_profiles (id, user_id, licence_status, hebrew_level, open_to_periphery, summary, "
            f"created_at, updated_at) VALUES {profiles}"
        )

    flask_migrate.upgrade()

    with db.engine.connect() as connection:
        statuses = dict(connection.exec_driver_sql("SELECT user_id, licence_status FROM doctor_profiles").all())
        files = {
            row[0]: tuple(str(day) if day else None for day in row[1:])
            for row in connection.exec_driver_sql(
                "SELECT user_id, file_opened_on, exam_on, exemption_granted_on, provisional_licence_on FROM licence_files"
            ).all()
        }
    assert statuses == {
        1: "not_started",
        2: "file_submitted",
        3: "exam_scheduled",
        4: "exam_exemption_granted",
        5: "provisional_licence",
    }
    assert files == {
        2: ("2026-03-02", None, None, None),
        3: (None, "2026-03-03", None, None),
        4: (None, None, "2026-03-04", None),
        5: (None, None, None, "2026-03-05"),
    }
    assert status_mismatches() == []
