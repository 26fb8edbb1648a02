"""Choices for forms, read from the vocabulary tables."""

from __future__ import annotations

from sqlalchemy import select

from jobboard.extensions import db
from jobboard.vocab.models import City, Language, Profession, Region, Specialty


def city_choices() -> list[tuple[str, str]]:
    """Cities labelled with their region, in region order."""
    rows = db.session.execute(
        select(City.slug, City.name, Region.name).join(Region).order_by(Region.position, City.name)
    )
    return [(slug, f"{name} ({region})") for slug, name, region in rows]


def region_choices() -> list[tuple[str, str]]:
    return [(r.slug, r.name) for r in db.session.scalars(select(Region).order_by(Region.position))]


def profession_choices() -> list[tuple[str, str]]:
    return [(p.slug, p.name) for p in db.session.scalars(select(Profession).order_by(Profession.position))]


def specialty_choices() -> list[tuple[str, str]]:
    return [(s.slug, s.name) for s in db.session.scalars(select(Specialty).order_by(Specialty.name))]


def language_choices() -> list[tuple[str, str]]:
    return [(lang.code, lang.name) for lang in db.session.scalars(select(Language).order_by(Language.position))]
