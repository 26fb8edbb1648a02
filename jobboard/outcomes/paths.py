"""Each person's way through the steps, as rows the figures aggregate in the database.

Three sources give the days of the steps, narrowed by the filters:

- the doctors' accounts: the day they signed up and the first moment their profile was complete
  (only while the figures are narrowed by the doctor's own dimensions: an account belongs to no
  job, employer or fair);
- the applications: the day of applying and the first day of each later step (``steps``);
- the interviews attended at a fair's table, which count as an interview too.

A person is a doctor's account; an application whose doctor deleted their account stays, with no
one behind it, as a person of its own (a deleted doctor with two applications counts twice).
``people`` gives one row per person (and per value of the dimension a breakdown follows) with the
first day of each step.
"""

from __future__ import annotations

from collections.abc import Sequence
from copy import copy
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Date,
    FromClause,
    Select,
    SQLColumnExpression,
    cast,
    exists,
    func,
    null,
    select,
    union_all,
)

from jobboard.accounts.models import AccountKind, User
from jobboard.applications.models import Application, DoctorProfile
from jobboard.fairs.models import Attendance, Booking, BookingStatus
from jobboard.jobs.models import Posting, posting_grants
from jobboard.orgs.models import Site
from jobboard.outcomes.scope import Dimension, Filters
from jobboard.outcomes.sql import utc_day
from jobboard.outcomes.steps import APPLICATION_STEPS, DOCTOR_STEPS, FUNNEL, REACHED_ON, Step
from jobboard.vocab.models import City

PERSON, KEY = "person", "key"
_PLACE = (Dimension.REGION, Dimension.PERIPHERY)


def _none() -> SQLColumnExpression[Any]:
    return cast(null(), Date())


class _Rows:
    """One source's select being built: the person, the key, and the days of the steps it knows,
    given as days or as moments (whose day, in UTC, counts)."""

    def __init__(
        self,
        person: SQLColumnExpression[Any],
        days: dict[Step, SQLColumnExpression[Any]],
        base: FromClause,
        moments: frozenset[Step] = frozenset(),
    ) -> None:
        self.person = person
        self.days = days
        self.moments = moments
        self.base: FromClause = base
        self.conditions: list[SQLColumnExpression[bool]] = []
        self.key: SQLColumnExpression[Any] | None = None

    def select(self, with_key: bool, *, per_person: bool = False) -> Select[tuple[object, ...]]:
        """A row per row of the source, or ``per_person``, its first days per person (and key)."""
        grouping: list[SQLColumnExpression[Any]] = [self.person]
        if with_key:
            grouping.append(self.key if self.key is not None else null())
        labelled: list[SQLColumnExpression[Any]] = [grouping[0].label(PERSON)]
        labelled += [column.label(KEY) for column in grouping[1:]]
        columns: list[SQLColumnExpression[Any]] = []
        for step in FUNNEL:
            if step not in self.days:
                columns.append(_none().label(step.value))
                continue
            day = func.min(self.days[step]) if per_person else self.days[step]
            columns.append((utc_day(day) if step in self.moments else day).label(step.value))
        query = select(*labelled, *columns).select_from(self.base).where(*self.conditions)
        return query.group_by(*grouping) if per_person else query


def doctor_expression(dimension: Dimension) -> SQLColumnExpression[Any]:
    return {
        Dimension.COUNTRY: func.coalesce(DoctorProfile.residence_country, DoctorProfile.training_country),
        Dimension.PROFESSION: DoctorProfile.profession_slug,
        Dimension.SPECIALTY: DoctorProfile.specialty_slug,
    }[dimension]


def _place_expression(dimension: Dimension) -> SQLColumnExpression[Any]:
    return City.region_slug if dimension == Dimension.REGION else City.is_periphery


def _wanted(filters: Filters, key: Dimension | None) -> set[Dimension]:
    return set(filters.chosen) | ({key} if key else set())


def _narrow_by_the_doctor(
    rows: _Rows, doctor_id: SQLColumnExpression[Any], filters: Filters, key: Dimension | None
) -> None:
    wanted = [d for d in _wanted(filters, key) if d.is_the_doctors]
    if not wanted:
        return
    rows.base = rows.base.outerjoin(DoctorProfile, DoctorProfile.user_id == doctor_id)
    for dimension, value in filters.chosen.items():
        if dimension.is_the_doctors:
            rows.conditions.append(doctor_expression(dimension) == value)
    if key is not None and key.is_the_doctors:
        rows.key = doctor_expression(key)


def _narrow_by_the_job(
    rows: _Rows, posting_id: SQLColumnExpression[Any], filters: Filters, key: Dimension | None
) -> None:
    """By the region and periphery of the job's site and its grant programs; a row tied to no
    posting (an interview booked without an application) drops out when one of them is asked."""
    wanted = _wanted(filters, key)
    if any(d in wanted for d in _PLACE):
        rows.base = (
            rows.base.outerjoin(Posting, Posting.id == posting_id)
            .outerjoin(Site, Site.id == Posting.site_id)
            .outerjoin(City, City.slug == Site.city_slug)
        )
        for dimension in _PLACE:
            if dimension in filters.chosen:
                rows.conditions.append(_place_expression(dimension) == filters.chosen[dimension])
        if key in _PLACE:
            rows.key = _place_expression(key)
    if Dimension.GRANT in filters.chosen:
        rows.conditions.append(
            exists().where(
                posting_grants.c.posting_id == posting_id,
                posting_grants.c.grant_program_id == filters.chosen[Dimension.GRANT],
            )
        )
    if key == Dimension.GRANT:
        rows.base = rows.base.outerjoin(posting_grants, posting_grants.c.posting_id == posting_id)
        rows.key = posting_grants.c.grant_program_id


def _booked_at(fair_id: object, doctor_id: SQLColumnExpression[Any]) -> ColumnElement[bool]:
    return (
        exists()
        .where(Booking.doctor_id == doctor_id, Booking.fair_id == fair_id, Booking.status == BookingStatus.CONFIRMED)
        .correlate_except(Booking)
    )


def _application_rows(filters: Filters, key: Dimension | None, reached: Step | None) -> _Rows:
    application = Application
    rows = _Rows(
        application.doctor_id,
        {Step.APPLIED: application.created_at, **REACHED_ON},
        application.__table__,
        moments=frozenset({Step.APPLIED}),
    )
    if reached in REACHED_ON:
        rows.conditions.append(REACHED_ON[reached].is_not(None))
    _narrow_by_the_doctor(rows, application.doctor_id, filters, key)
    _narrow_by_the_job(rows, application.posting_id, filters, key)
    if Dimension.EMPLOYER in filters.chosen:
        rows.conditions.append(application.org_id == filters.chosen[Dimension.EMPLOYER])
    if key == Dimension.EMPLOYER:
        rows.key = application.org_id
    if Dimension.FAIR in filters.chosen:
        rows.conditions.append(_booked_at(filters.chosen[Dimension.FAIR], application.doctor_id))
    return rows


def _application_selects(filters: Filters, key: Dimension | None, reached: Step | None) -> list[Select[Any]]:
    """The doctors' applications and those of deleted accounts, each a person of its own.

    Without a key, the first days per doctor are taken here, read in doctor order along
    ``ix_applications_doctor_steps`` with no sort, so that fewer rows reach ``people``'s grouping.
    With one, that grouping (by doctor and key) would need a sort of its own: the rows go to
    ``people`` as they are, to be grouped once."""
    rows = _application_rows(filters, key, reached)
    with_key = key is not None
    anonymous = copy(rows)
    rows.conditions = [*rows.conditions, Application.doctor_id.is_not(None)]
    anonymous.person = -Application.id
    anonymous.conditions = [*anonymous.conditions, Application.doctor_id.is_(None)]
    return [rows.select(with_key, per_person=rows.key is None), anonymous.select(with_key)]


def _fair_interview_rows(filters: Filters, key: Dimension | None) -> _Rows:
    booking = Booking
    linked = Application.__table__.alias("booked_for")
    rows = _Rows(
        booking.doctor_id,
        {Step.INTERVIEWED: booking.starts_at},
        booking.__table__.outerjoin(linked, linked.c.id == booking.application_id),
        moments=frozenset({Step.INTERVIEWED}),
    )
    rows.conditions += [booking.status == BookingStatus.CONFIRMED, booking.attendance == Attendance.ATTENDED]
    _narrow_by_the_doctor(rows, booking.doctor_id, filters, key)
    _narrow_by_the_job(rows, linked.c.posting_id, filters, key)
    if Dimension.EMPLOYER in filters.chosen:
        rows.conditions.append(booking.org_id == filters.chosen[Dimension.EMPLOYER])
    if key == Dimension.EMPLOYER:
        rows.key = booking.org_id
    if Dimension.FAIR in filters.chosen:
        rows.conditions.append(booking.fair_id == filters.chosen[Dimension.FAIR])
    return rows


def _doctor_rows(filters: Filters, key: Dimension | None) -> _Rows:
    rows = _Rows(
        User.id,
        {Step.SIGNED_UP: User.created_at, Step.PROFILE_COMPLETE: DoctorProfile.completed_at},
        User.__table__.outerjoin(DoctorProfile, DoctorProfile.user_id == User.id),
        moments=frozenset({Step.SIGNED_UP, Step.PROFILE_COMPLETE}),
    )
    rows.conditions.append(User.kind == AccountKind.DOCTOR)
    for dimension, value in filters.chosen.items():
        rows.conditions.append(doctor_expression(dimension) == value)
    if key is not None:
        rows.key = doctor_expression(key)
    return rows


def counts_doctors(filters: Filters, key: Dimension | None = None) -> bool:
    """Whether sign-ups and profiles belong in figures so narrowed and broken down."""
    return filters.only_the_doctors and (key is None or key.is_the_doctors)


def people(
    filters: Filters, *, steps: Sequence[Step] = FUNNEL, key: Dimension | None = None, reached: Step | None = None
) -> CTE:
    """Per person (and per value of ``key``): the first day of each step, from the sources that
    know ``steps``; only people who reached ``reached``, when given. A common table expression,
    computed once however often the query reads it."""
    with_key = key is not None
    selects: list[Select[Any]] = []
    if reached is None and any(step in DOCTOR_STEPS for step in steps) and counts_doctors(filters, key):
        selects.append(_doctor_rows(filters, key).select(with_key))
    if any(step in APPLICATION_STEPS for step in steps):
        selects += _application_selects(filters, key, reached)
    if Step.INTERVIEWED in steps and reached in (None, Step.INTERVIEWED):
        selects.append(_fair_interview_rows(filters, key).select(with_key))
    rows = union_all(*selects).subquery("rows")
    grouping = [rows.c[PERSON], *([rows.c[KEY]] if with_key else [])]
    return (
        select(*grouping, *(func.min(rows.c[step.value]).label(step.value) for step in FUNNEL))
        .group_by(*grouping)
        .cte("people")
    )
