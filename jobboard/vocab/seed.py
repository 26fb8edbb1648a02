"""Loading the vocabularies into the database; safe to run again (rows are upserted by slug)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jobboard.extensions import db
from jobboard.vocab.models import City, Language, Profession, Region, Specialty

DATA_FILE = Path(__file__).with_name("data.json")


def vocabulary_data() -> dict[str, Any]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def load_vocabularies() -> dict[str, int]:
    data = vocabulary_data()
    for position, row in enumerate(data["regions"]):
        db.session.merge(Region(position=position, **row))
    db.session.flush()
    for row in data["cities"]:
        db.session.merge(
            City(
                slug=row["slug"],
                name=row["name"],
                names=row["names"],
                region_slug=row["region"],
                lat=row["lat"],
                lon=row["lon"],
                is_periphery=row["is_periphery"],
                aliases=row["aliases"],
            )
        )
    for position, row in enumerate(data["professions"]):
        db.session.merge(Profession(position=position, **row))
    for row in data["specialties"]:
        db.session.merge(Specialty(**row))
    for position, row in enumerate(data["languages"]):
        db.session.merge(Language(position=position, **row))
    db.session.flush()
    return {key: len(data[key]) for key in ("regions", "cities", "professions", "specialties", "languages")}
