"""Personal data: what each feature holds about a person, to hand it over (the export) and to
erase it (the account's deletion), kept as a registry so no feature can be forgotten.

Each feature registers from its ``init_app``:

- a ``Section``: its name (the key in ``data.json``), a sentence for the privacy page, the user
  keys whose rows it answers for, ``export(user)`` (JSON-able data, and files for the zip) and
  ``erase(user)`` (removes or anonymises the feature's data of the person inside the caller's
  transaction; files go only after the commit). A section may answer for data without a user
  key too, such as mail kept for an address.
- an attribution: a user key that records which staff member did something (created a
  posting, moved an application). Such a row is the organisation's record, not the person's
  data; the key must be nullable with ``ON DELETE SET NULL``, so deleting the account empties
  it and the row stays.

``coverage_problems`` walks a schema: every column with a foreign key to the users' id is
answered for by a section or declared as an attribution, and an attribution is nullable and
set to NULL on delete. A test runs it over the app's schema, so a new model with a user key
fails until its feature decides what the key means.

The export is one zip: ``data.json`` with a key per section, and the files. Erasing runs every
section in the order registered; the caller deletes the account afterwards.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from sqlalchemy import ColumnElement, ForeignKey, MetaData
from sqlalchemy.orm import QueryableAttribute

UserKey = QueryableAttribute[Any] | ColumnElement[Any]


@dataclass(frozen=True)
class ExportedFile:
    name: str  # the path inside the zip
    source: bytes


@dataclass(frozen=True)
class Exported:
    data: object  # anything json.dumps writes
    files: tuple[ExportedFile, ...] = ()


@dataclass(frozen=True)
class Section:
    name: str
    summary: str
    covers: tuple[str, ...]  # "table.column" of the user keys it answers for
    export: Callable[[Any], Exported]
    erase: Callable[[Any], None]


@dataclass
class Registry:
    sections: dict[str, Section] = field(default_factory=dict)
    attributions: dict[str, str] = field(default_factory=dict)  # "table.column" -> why it stays


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _name(column: UserKey) -> str:
    expression = column.expression
    return f"{expression.table.name}.{expression.name}"


def registry(app: Flask | None = None) -> Registry:
    extensions = (app or current_app).extensions
    found: Registry = extensions.setdefault("personal_data", Registry())
    return found


def register_section(
    app: Flask,
    name: str,
    summary: str,
    *,
    covers: tuple[UserKey, ...],
    export: Callable[[Any], Exported],
    erase: Callable[[Any], None],
) -> None:
    registry(app).sections[name] = Section(name, summary, tuple(_name(c) for c in covers), export, erase)


def register_attribution(app: Flask, reason: str, *columns: UserKey) -> None:
    for column in columns:
        registry(app).attributions[_name(column)] = reason


def sections() -> list[Section]:
    return list(registry().sections.values())


def export_archive(user: Any) -> bytes:
    data: dict[str, object] = {}
    files: list[ExportedFile] = []
    for section in sections():
        exported = section.export(user)
        data[section.name] = exported.data
        files.extend(exported.files)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2, default=str))
        for file in files:
            archive.writestr(file.name, file.source)
    return buffer.getvalue()


def erase(user: Any) -> None:
    for section in sections():
        section.erase(user)


def user_keys(metadata: MetaData, users: str = "users.id") -> dict[str, ForeignKey]:
    """Every column of the schema (association tables included) with a foreign key to ``users``,
    by "table.column", with that foreign key."""
    return {
        f"{table.name}.{key.parent.name}": key
        for table in metadata.sorted_tables
        for key in table.foreign_keys
        if key.target_fullname == users
    }


def coverage_problems(metadata: MetaData, known: Registry, users: str = "users.id") -> list[str]:
    keys = user_keys(metadata, users)
    covered = {name for section in known.sections.values() for name in section.covers}
    problems = [
        f"{name}: no section exports and erases it, and it is not declared as an attribution"
        for name in keys
        if name not in covered and name not in known.attributions
    ]
    problems += [
        f"{name}: an attribution must be nullable with ON DELETE SET NULL"
        for name in known.attributions
        if name in keys and ((keys[name].ondelete or "").upper() != "SET NULL" or not keys[name].parent.nullable)
    ]
    problems += [
        f"{name}: declared, but not a user key of the schema"
        for name in sorted(covered | set(known.attributions))
        if name not in keys
    ]
    return problems
