"""What a dashboard counts: a period, and the doctors and jobs it is narrowed to.

The dimensions are the doctor's own (the country they come from, their profession and specialty,
from their profile) or the job's (the region of its site and whether it is in the periphery, the
grant programs it is tagged with, the employer), and the fair where the doctor booked an
interview. Each narrows the figures (``Filters``) and any one of them breaks them down.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _


class Dimension(enum.StrEnum):
    COUNTRY = "country"
    PROFESSION = "profession"
    SPECIALTY = "specialty"
    REGION = "region"
    PERIPHERY = "periphery"
    GRANT = "grant"
    EMPLOYER = "employer"
    FAIR = "fair"

    @property
    def label(self) -> str:
        return {
            "country": _("Country the doctor comes from"),
            "profession": _("Profession"),
            "specialty": _("Specialty"),
            "region": _("Region of the job"),
            "periphery": _("Periphery"),
            "grant": _("Grant program"),
            "employer": _("Employer"),
            "fair": _("MedEx fair"),
        }[self.value]

    @property
    def is_the_doctors(self) -> bool:
        """Known for every doctor, from sign-up on; the others belong to an application or a booking."""
        return self in DOCTOR_DIMENSIONS


DOCTOR_DIMENSIONS = frozenset({Dimension.COUNTRY, Dimension.PROFESSION, Dimension.SPECIALTY})
# The dimensions a breakdown follows through the steps; the fairs have a table of their own.
BREAKDOWNS = tuple(d for d in Dimension if d != Dimension.FAIR)


@dataclass(frozen=True)
class Filters:
    """The period (both days included) and a value for any of the dimensions."""

    since: date
    until: date
    country: str | None = None  # ISO 3166 code
    profession: str | None = None
    specialty: str | None = None
    region: str | None = None
    periphery: bool | None = None
    grant: int | None = None
    employer: int | None = None
    fair: int | None = None

    @property
    def chosen(self) -> dict[Dimension, object]:
        """The dimensions narrowed, with their values."""
        return {d: getattr(self, d.value) for d in Dimension if getattr(self, d.value) is not None}

    @property
    def only_the_doctors(self) -> bool:
        """Narrowed by nothing but the doctor's own dimensions: sign-ups and profiles count."""
        return all(d.is_the_doctors for d in self.chosen)
