"""Choices for forms, read from the vocabulary tables and named in the reader's language. Lists
with an order of their own (regions, professions, languages) keep it; the others are in the
reader's alphabetical order."""

from __future__ import annotations

from sqlalchemy import select

from jobboard.extensions import db
from jobboard.i18n import alphabetical
from jobboard.vocab.models import City, Language, Profession, Region, Specialty


def city_choices() -> list[tuple[str, str]]:
    """Cities labelled with their region, in region order."""
    cities = sorted(
        db.session.scalars(select(City)),
        key=lambda city: (city.region.position, alphabetical(city.local_name)),
    )
    return [(city.slug, f"{city.local_name} ({city.region.local_name})") for city in cities]


def region_choices() -> list[tuple[str, str]]:
    return [(r.slug, r.local_name) for r in db.session.scalars(select(Region).order_by(Region.position))]


def profession_choices() -> list[tuple[str, str]]:
    return [(p.slug, p.local_name) for p in db.session.scalars(select(Profession).order_by(Profession.position))]


def specialty_choices() -> list[tuple[str, str]]:
    return sorted(
        ((s.slug, s.local_name) for s in db.session.scalars(select(Specialty))), key=lambda pair: alphabetical(pair[1])
    )


def language_choices() -> list[tuple[str, str]]:
    return [(lang.code, lang.local_name) for lang in db.session.scalars(select(Language).order_by(Language.position))]
