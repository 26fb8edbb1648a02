"""Readable, unique URL slugs ("soroka-university-medical-center", "…-2" on a clash)."""

from __future__ import annotations

from slugify import slugify
from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from jobboard.extensions import db


def unique_slug(column: InstrumentedAttribute[str], text: str, *, fallback: str, max_length: int = 60) -> str:
    base = slugify(text, max_length=max_length, word_boundary=True) or fallback
    taken = set(db.session.scalars(select(column).where(column.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug
