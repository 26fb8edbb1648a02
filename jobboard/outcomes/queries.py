"""The names of each dimension's values, in the reader's language and order: the choices of the
filters, and the rows of a breakdown."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from jobboard.extensions import db
from jobboard.fairs.models import Fair, FairStatus
from jobboard.i18n import alphabetical, countries
from jobboard.jobs.models import GrantProgram
from jobboard.orgs.models import Organization
from jobboard.outcomes.scope import Dimension
from jobboard.vocab.queries import profession_choices, region_choices, specialty_choices


def _alphabetical(pairs: list[tuple[object, str]]) -> list[tuple[object, str]]:
    return sorted(pairs, key=lambda pair: alphabetical(pair[1]))


def choices(dimension: Dimension) -> list[tuple[object, str]]:
    """(value, name) of every value the dimension takes."""
    if dimension == Dimension.COUNTRY:
        return list(countries())
    if dimension == Dimension.PROFESSION:
        return list(profession_choices())
    if dimension == Dimension.SPECIALTY:
        return list(specialty_choices())
    if dimension == Dimension.REGION:
        return list(region_choices())
    if dimension == Dimension.PERIPHERY:
        return [(True, _("In the periphery")), (False, _("Elsewhere"))]
    if dimension == Dimension.GRANT:
        return _alphabetical([(g.id, g.local_name) for g in db.session.scalars(select(GrantProgram))])
    if dimension == Dimension.EMPLOYER:
        return _alphabetical(list(db.session.execute(select(Organization.id, Organization.name)).tuples()))
    fairs = select(Fair.id, Fair.name).where(Fair.status != FairStatus.DRAFT).order_by(Fair.starts_on.desc())
    return list(db.session.execute(fairs).tuples())


def unknown_name(dimension: Dimension) -> str:
    """The row of a breakdown for people or jobs without a value."""
    if dimension.is_the_doctors:
        return _("Not given")
    if dimension == Dimension.GRANT:
        return _("No grant program")
    return _("Not tied to a posting")
