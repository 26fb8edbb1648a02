"""The catalogue of licence tracks and documents: loaded from ``data.json`` (the programme's
domain reference) and then edited by the programme's staff.

Loading adds what is missing and never changes what is there, so it may run again (``flask
jobboard seed-vocab``) without undoing an administrator's edit. Every edit is in the audit log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from jobboard.accounts.models import User
from jobboard.core import audit
from jobboard.core.errors import DomainError
from jobboard.core.slugs import unique_slug
from jobboard.extensions import db
from jobboard.licensing.models import DocumentKind, LicenceTrack, TrackRequirement

DATA_FILE = Path(__file__).with_name("data.json")


def load_catalogue() -> dict[str, int]:
    data: dict[str, Any] = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    kinds = {kind.slug: kind for kind in db.session.scalars(select(DocumentKind))}
    for row in data["kinds"]:
        if row["slug"] not in kinds:
            kinds[row["slug"]] = DocumentKind(**row)
            db.session.add(kinds[row["slug"]])
    tracks = set(db.session.scalars(select(LicenceTrack.slug)))
    sources = data["requirement_sources"]
    for position, row in enumerate(data["tracks"]):
        if row["slug"] in tracks:
            continue
        fields = {k: v for k, v in row.items() if k not in ("requires", "requirement_source")}
        track = LicenceTrack(position=position, **fields)
        track.requirements = [
            TrackRequirement(
                kind=kinds[slug],
                source_url=row.get("requirement_source") or sources.get(slug) or sources["default"],
                is_confirmed=kinds[slug].is_confirmed,
                position=index,
            )
            for index, slug in enumerate(row["requires"])
        ]
        db.session.add(track)
    db.session.flush()
    return {"licence tracks": len(data["tracks"]), "licence documents": len(data["kinds"])}


@dataclass
class TrackFields:
    name: str
    summary: str
    source_url: str
    is_confirmed: bool


@dataclass
class KindFields:
    name: str
    description: str
    issuer: str
    has_expiry: bool
    is_confirmed: bool


def save_track(admin: User, fields: TrackFields, track: LicenceTrack | None = None) -> LicenceTrack:
    if track is None:
        position = db.session.scalar(select(func.coalesce(func.max(LicenceTrack.position), -1))) or 0
        track = LicenceTrack(
            slug=unique_slug(LicenceTrack.slug, fields.name, fallback="track"),
            name=fields.name,
            names={},
            position=position + 1,
        )
        db.session.add(track)
    track.set_english("name", fields.name)
    track.set_english("summary", fields.summary)
    track.source_url, track.is_confirmed = fields.source_url, fields.is_confirmed
    db.session.flush()
    audit.record("licence_track.saved", actor_id=admin.id, subject_type="licence_track", subject_id=track.id)
    return track


def save_kind(admin: User, fields: KindFields, kind: DocumentKind | None = None) -> DocumentKind:
    if kind is None:
        kind = DocumentKind(
            slug=unique_slug(DocumentKind.slug, fields.name, fallback="document"), name=fields.name, names={}
        )
        db.session.add(kind)
    for name in ("name", "description", "issuer"):
        kind.set_english(name, getattr(fields, name))
    kind.has_expiry, kind.is_confirmed = fields.has_expiry, fields.is_confirmed
    db.session.flush()
    audit.record(
        "licence_document_kind.saved", actor_id=admin.id, subject_type="licence_document_kind", subject_id=kind.id
    )
    return kind


def add_requirement(
    admin: User, track: LicenceTrack, kind: DocumentKind, source_url: str, is_confirmed: bool
) -> TrackRequirement:
    if any(r.kind_id == kind.id for r in track.requirements):
        raise DomainError(_("This track already asks for this document."), field="kind_id")
    requirement = TrackRequirement(
        kind=kind, source_url=source_url, is_confirmed=is_confirmed, position=len(track.requirements)
    )
    track.requirements.append(requirement)
    db.session.flush()
    audit.record(
        "licence_track.requirement_added",
        actor_id=admin.id,
        subject_type="licence_track",
        subject_id=track.id,
        kind=kind.slug,
    )
    return requirement


def remove_requirement(admin: User, requirement: TrackRequirement) -> None:
    """The doctors' documents of that kind stay; the track's checklist no longer lists it."""
    audit.record(
        "licence_track.requirement_removed",
        actor_id=admin.id,
        subject_type="licence_track",
        subject_id=requirement.track_id,
        kind=requirement.kind.slug,
    )
    db.session.delete(requirement)
    db.session.flush()
