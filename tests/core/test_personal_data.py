"""Personal data is a registry: every user key of the schema is answered for by a feature's
section (which exports and erases the rows) or declared as a staff member's attribution (nullable,
emptied on delete). The check walks the schema, so a model added with a user key and no
decision fails here."""

from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, Text

from jobboard.core import personal_data
from jobboard.core.personal_data import Exported, ExportedFile, Registry, Section
from jobboard.extensions import db


def test_every_user_key_of_the_schema_is_covered_or_declared(app):
    known = personal_data.registry(app)

    assert personal_data.coverage_problems(db.metadata, known) == []
    # The walk sees the schema's user keys (not a hand list): the doctor's and the staff's.
    keys = set(personal_data.user_keys(db.metadata))
    assert {"bookings.doctor_id", "alerts.user_id", "application_events.actor_id", "postings.created_by_id"} <= keys
    assert set(known.sections) >= {"account", "profile", "cvs", "applications", "fairs", "alerts", "mail"}


def test_a_new_model_with_a_user_key_and_no_decision_fails_the_check(app):
    schema = MetaData()
    for table in db.metadata.sorted_tables:
        table.to_metadata(schema)
    Table(
        "interview_feedback",
        schema,
        Column("id", Integer, primary_key=True),
        Column("doctor_id", ForeignKey("users.id", ondelete="CASCADE")),
        Column("body", Text),
    )
    Table(
        "feedback_readers",
        schema,
        Column("feedback_id", ForeignKey("interview_feedback.id"), primary_key=True),
        Column("reader_id", ForeignKey("users.id"), primary_key=True),
    )

    problems = personal_data.coverage_problems(schema, personal_data.registry(app))

    assert problems == [
        "interview_feedback.doctor_id: no section exports and erases it, and it is not declared as an attribution",
        "feedback_readers.reader_id: no section exports and erases it, and it is not declared as an attribution",
    ]


def test_an_attribution_must_be_emptied_when_the_account_goes_and_must_exist():
    schema = MetaData()
    users = Table("users", schema, Column("id", Integer, primary_key=True))
    Table(
        "notes",
        schema,
        Column("id", Integer, primary_key=True),
        Column("author_id", ForeignKey(users.c.id, ondelete="CASCADE")),
        Column("owner_id", ForeignKey(users.c.id, ondelete="CASCADE")),
    )
    known = Registry(
        sections={
            "notes": Section(
                "notes",
                "Your notes.",
                ("notes.owner_id", "notes.reader_id"),
                lambda user: Exported([]),
                lambda user: None,
            )
        },
        attributions={"notes.author_id": "who wrote it"},
    )

    assert personal_data.coverage_problems(schema, known) == [
        "notes.author_id: an attribution must be nullable with ON DELETE SET NULL",
        "notes.reader_id: declared, but not a user key of the schema",
    ]
    assert personal_data.user_keys(schema).keys() == {"notes.author_id", "notes.owner_id"}


def test_the_archive_holds_a_key_per_section_and_the_files(app, monkeypatch):
    known = Registry(
        sections={
            "first": Section(
                "first",
                "",
                (),
                lambda user: Exported({"id": user}, (ExportedFile("a/one.txt", b"one"),)),
                lambda user: None,
            ),
            "second": Section(
                "second",
                "",
                (),
                lambda user: Exported([], (ExportedFile("b/kept.pdf", b"%PDF-1.7 kept"),)),
                lambda user: None,
            ),
        }
    )
    monkeypatch.setitem(app.extensions, "personal_data", known)

    with app.app_context():
        archive = zipfile.ZipFile(io.BytesIO(personal_data.export_archive(7)))

    assert json.loads(archive.read("data.json")) == {"first": {"id": 7}, "second": []}
    assert sorted(archive.namelist()) == ["a/one.txt", "b/kept.pdf", "data.json"]
    assert archive.read("b/kept.pdf") == b"%PDF-1.7 kept"


def test_erasing_runs_every_section_in_the_order_registered(app, monkeypatch):
    calls: list[tuple[str, object]] = []
    known = Registry(
        sections={
            section: Section(
                section,
                "",
                (),
                lambda user: Exported(None),
                lambda user, section=section: calls.append((section, user)),
            )
            for section in ("account", "applications", "fairs")
        }
    )
    monkeypatch.setitem(app.extensions, "personal_data", known)

    with app.app_context():
        personal_data.erase("someone")

    assert calls == [("account", "someone"), ("applications", "someone"), ("fairs", "someone")]
