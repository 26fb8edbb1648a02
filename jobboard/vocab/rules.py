"""Rules over the vocabularies that every form holding a profession and a specialty obeys."""

from __future__ import annotations

from flask_babel import gettext as _

from jobboard.core.errors import DomainError
from jobboard.extensions import db
from jobboard.vocab.models import Profession, Specialty


def check_profession_and_specialty(profession_slug: str | None, specialty_slug: str | None) -> None:
    """Both from the vocabularies, and the specialty one that the profession practises."""
    profession = db.session.get(Profession, profession_slug) if profession_slug else None
    if profession_slug and profession is None:
        raise DomainError(_("Choose a profession from the list."), field="profession_slug")
    specialty = db.session.get(Specialty, specialty_slug) if specialty_slug else None
    if specialty_slug and specialty is None:
        raise DomainError(_("Choose a specialty from the list."), field="specialty_slug")
    if specialty is None:
        return
    if profession is None:
        raise DomainError(_("Choose the profession this specialty belongs to."), field="profession_slug")
    if not specialty.suits(profession.slug):
        raise DomainError(
            _(
                "%(specialty)s is not a specialty of the profession %(profession)s.",
                specialty=specialty.local_name,
                profession=profession.local_name,
            ),
            field="specialty_slug",
        )
