"""Vocabulary tables are keyed by a readable slug, which is also what URLs and the search index
carry."""

from __future__ import annotations

import enum

from flask_babel import gettext as _
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobboard.extensions import Model
from jobboard.i18n import current_language


class Named:
    """A vocabulary entry's name in English (``name``) and in the board's other languages
    (``names``: language code → name); ``local_name`` is the reader's."""

    name: Mapped[str]
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)

    @property
    def local_name(self) -> str:
        return self.names.get(current_language()) or self.name


class Region(Named, Model):
    __tablename__ = "regions"

    slug: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    is_periphery: Mapped[bool]
    position: Mapped[int] = mapped_column(default=0)


class City(Named, Model):
    __tablename__ = "cities"

    slug: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    region_slug: Mapped[str] = mapped_column(ForeignKey("regions.slug"), index=True)
    lat: Mapped[float]
    lon: Mapped[float]
    # Mostly the region's flag; a city may differ (Ashdod is in the south but not periphery).
    is_periphery: Mapped[bool]
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)

    region: Mapped[Region] = relationship(lazy="joined")


class Profession(Named, Model):
    __tablename__ = "professions"

    slug: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)


class Specialty(Named, Model):
    __tablename__ = "specialties"

    slug: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The professions that practise it (a dentist's position has no pediatrics specialty).
    professions: Mapped[list[str]] = mapped_column(JSON, default=list)

    def suits(self, profession_slug: str | None) -> bool:
        return profession_slug in self.professions


class Language(Named, Model):
    __tablename__ = "languages"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(default=0)


class HebrewLevel(enum.IntEnum):
    """CEFR levels; stored as the number so 'at least B1' is a comparison."""

    NONE = 0
    A1 = 1
    A2 = 2
    B1 = 3
    B2 = 4
    C1 = 5
    C2 = 6

    @property
    def label(self) -> str:
        return {
            0: _("None"),
            1: _("A1 – beginner"),
            2: _("A2 – elementary"),
            3: _("B1 – intermediate"),
            4: _("B2 – upper intermediate"),
            5: _("C1 – advanced"),
            6: _("C2 – proficient"),
        }[self.value]
