"""The programme's figures, across employers, for its administrators: hires through the board
against the goal, the funnel, a breakdown by one dimension, the periphery's share of the hires,
and the fairs. Every count is aggregated in the database and goes through the small-numbers
rule (``privacy``).

The goal is the programme's: ``GOAL_PER_YEAR`` doctors a year from its start
(``PROGRAMME_START_DATE``), ``GOAL_PER_YEAR * GOAL_YEARS`` in all. Hires are counted from the
start of the board, whatever the period asked: the line climbs from its beginning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from jobboard.applications.models import Application, DoctorProfile
from jobboard.extensions import db
from jobboard.fairs.models import Attendance, Booking, BookingStatus, Fair
from jobboard.outcomes import privacy
from jobboard.outcomes.funnel import Reached, funnel_table, reached
from jobboard.outcomes.paths import KEY, counts_doctors, doctor_expression, people
from jobboard.outcomes.queries import choices, unknown_name
from jobboard.outcomes.scope import Dimension, Filters
from jobboard.outcomes.sql import utc_day
from jobboard.outcomes.steps import APPLICATION_STEPS, FUNNEL, REACHED_ON, Step
from jobboard.outcomes.tables import Cell, Column, Kind, Table

GOAL_PER_YEAR = 400
GOAL_YEARS = 5
GOAL = GOAL_PER_YEAR * GOAL_YEARS
DAYS_A_YEAR = 365.25


def goal_on(start: date, day: date) -> int:
    """Where the goal line stands on a day."""
    return max(0, min(GOAL, round(GOAL_PER_YEAR * (day - start).days / DAYS_A_YEAR)))


def goal_end(start: date) -> date:
    return start.replace(year=start.year + GOAL_YEARS)


def _month_ends(start: date, until: date) -> list[date]:
    ends, month = [], start.replace(day=1)
    while month <= until:
        following = (month + timedelta(days=32)).replace(day=1)
        ends.append(min(following - timedelta(days=1), until))
        month = following
    return ends


def _shown_months(totals: list[int]) -> list[int]:
    """The months whose running total is shown: each at least ``MIN_PEOPLE`` above the one shown
    before it (so that no difference between two shown totals counts fewer people), and the last
    month, when it can be so (the one shown before it then gives way)."""
    shown: list[int] = []
    for index, total in enumerate(totals):
        if total - (totals[shown[-1]] if shown else 0) >= privacy.MIN_PEOPLE:
            shown.append(index)
    last = len(totals) - 1
    if shown and shown[-1] != last and totals[last] != totals[shown[-1]]:
        shown[-1] = last
    return shown


@dataclass(frozen=True)
class Hires:
    """Hires through the board, month by month, against the goal line."""

    start: date
    until: date
    total: Cell
    table: Table

    @property
    def goal_to_date(self) -> int:
        return goal_on(self.start, self.until)

    @property
    def chart_end(self) -> date:
        return max(goal_end(self.start), self.until)

    @property
    def goal_line(self) -> list[tuple[date, int]]:
        return [(self.start, 0), (goal_end(self.start), GOAL), (self.chart_end, GOAL)]

    @property
    def points(self) -> list[tuple[date, int]]:
        """(month's last day, hires so far) of the months shown."""
        return [(row[0].value, row[1].value) for row in self.table.rows]  # type: ignore[misc]


def hires(filters: Filters, start: date) -> Hires:
    hired = people(filters, steps=(Step.HIRED,), reached=Step.HIRED)
    by_day = dict(
        db.session.execute(
            select(hired.c.hired, func.count()).where(hired.c.hired <= filters.until).group_by(hired.c.hired)
        )
        .tuples()
        .all()
    )
    months = _month_ends(min(start, *by_day) if by_day else start, filters.until)
    totals = [sum(n for day, n in by_day.items() if day <= end) for end in months]
    rows = tuple((Cell(months[i]), Cell(totals[i]), Cell(goal_on(start, months[i]))) for i in _shown_months(totals))
    return Hires(
        start=start,
        until=filters.until,
        total=privacy.count(totals[-1] if totals else 0, protected=True),
        table=Table(
            name="hires",
            title=_("Doctors hired through this board"),
            columns=(
                Column("month", _("Month"), Kind.MONTH),
                Column("hired", _("Hired through this board, in all"), Kind.COUNT),
                Column("goal", _("Goal"), Kind.COUNT),
            ),
            rows=rows,
        ),
    )


def _steps_of(filters: Filters, key: Dimension | None = None) -> tuple[Step, ...]:
    return FUNNEL if counts_doctors(filters, key) else APPLICATION_STEPS


def funnel(filters: Filters) -> tuple[tuple[Step, ...], dict[Step, Reached]]:
    steps = _steps_of(filters)
    return steps, reached(filters, steps)


def _funnel_table(steps: tuple[Step, ...], overall: dict[Step, Reached]) -> Table:
    return funnel_table(steps, overall, title=_("From sign-up to work"), protected=True)


def _protected_columns(columns: Sequence[Sequence[Cell]], totals: Sequence[Cell]) -> list[tuple[Cell, ...]]:
    """Rows again, from columns each protected against its total."""
    protected = [privacy.with_total(column, total) for column, total in zip(columns, totals, strict=True)]
    return list(zip(*protected, strict=True)) if protected else []


def breakdown(filters: Filters, key: Dimension, overall: dict[Step, Reached]) -> Table:
    """The people at each step, per value of ``key``; the totals are the funnel's (a person with
    applications in two regions is in both rows, once in the total)."""
    steps = _steps_of(filters, key)
    rows_of = people(filters, steps=steps, key=key)
    in_period = [
        func.count(case((rows_of.c[step.value].between(filters.since, filters.until), 1))).label(step.value)
        for step in steps
    ]
    found = db.session.execute(select(rows_of.c[KEY], *in_period).group_by(rows_of.c[KEY])).tuples().all()
    names = dict(choices(key))
    ordered = sorted(found, key=lambda row: (row[0] is None, row[0] not in names, names.get(row[0], "")))
    totals = [privacy.count(overall[step].people if step in overall else 0, protected=True) for step in steps]
    columns = [[privacy.count(row[1 + i], protected=True) for row in ordered] for i in range(len(steps))]
    labels = [Cell(names.get(row[0], unknown_name(key))) for row in ordered]
    return Table(
        name="breakdown",
        title=_("By %(dimension)s", dimension=key.label.lower()),
        columns=(Column("name", key.label, Kind.TEXT), *(Column(s.value, s.label, Kind.COUNT) for s in steps)),
        rows=tuple((label, *cells) for label, cells in zip(labels, _protected_columns(columns, totals), strict=True)),
        total=(Cell(), *totals),
    )


@dataclass(frozen=True)
class Periphery:
    hired_there: Cell
    share: Cell  # percent of the hires


def periphery(filters: Filters, hired: int) -> Periphery:
    """The hires of the period in the periphery, and their share of every hire (a person hired
    both there and elsewhere counts there)."""
    hires_of = people(filters, steps=(Step.HIRED,), key=Dimension.PERIPHERY, reached=Step.HIRED)
    in_period = hires_of.c.hired.between(filters.since, filters.until)
    there = db.session.scalar(
        select(func.count(func.distinct(hires_of.c.person))).where(in_period, hires_of.c[KEY].is_(True))
    )
    total = privacy.count(hired, protected=True)
    cells = privacy.with_total(
        [privacy.count(there or 0, protected=True), privacy.count(hired - (there or 0), protected=True)], total
    )
    share = 100 * (there or 0) / hired if hired else None
    return Periphery(hired_there=cells[0], share=privacy.derived(share, cells[0], cells[1], total))


def fairs(filters: Filters) -> Table:
    """Per fair of the period: the doctors who booked, attended, did not come, and those whose
    application to an employer they met there reached an offer, or a hire, from that day on."""
    booking = Booking
    met = utc_day(booking.starts_at)
    query = (
        select(
            Fair.id,
            func.count(func.distinct(booking.doctor_id)),
            *(
                func.count(func.distinct(case((booking.attendance == attendance, booking.doctor_id))))
                for attendance in (Attendance.ATTENDED, Attendance.NO_SHOW)
            ),
            *(
                func.count(func.distinct(case((REACHED_ON[step] >= met, booking.doctor_id))))
                for step in (Step.OFFER, Step.HIRED)
            ),
        )
        .select_from(booking)
        .join(Fair, Fair.id == booking.fair_id)
        .outerjoin(Application, (Application.doctor_id == booking.doctor_id) & (Application.org_id == booking.org_id))
        .where(booking.status == BookingStatus.CONFIRMED, Fair.starts_on.between(filters.since, filters.until))
        .group_by(Fair.id)
    )
    doctors_own = {d: v for d, v in filters.chosen.items() if d.is_the_doctors}
    if doctors_own:
        query = query.join(DoctorProfile, DoctorProfile.user_id == booking.doctor_id)
        for dimension, value in doctors_own.items():
            query = query.where(doctor_expression(dimension) == value)
    if filters.employer is not None:
        query = query.where(booking.org_id == filters.employer)
    if filters.fair is not None:
        query = query.where(booking.fair_id == filters.fair)
    found = {row[0]: row[1:] for row in db.session.execute(query).tuples()}
    names = dict(choices(Dimension.FAIR))
    fair_ids = [fair_id for fair_id in names if fair_id in found]
    sums = [sum(found[fair_id][i] for fair_id in fair_ids) for i in range(5)]
    totals = [privacy.count(n, protected=True) for n in sums]
    columns = [[privacy.count(found[fair_id][i], protected=True) for fair_id in fair_ids] for i in range(5)]
    return Table(
        name="fairs",
        title=_("MedEx fairs"),
        columns=(
            Column("fair", _("Fair"), Kind.TEXT),
            Column("booked", _("Doctors who booked"), Kind.COUNT),
            Column("attended", _("Attended"), Kind.COUNT),
            Column("no_show", _("Did not come"), Kind.COUNT),
            Column("offer", _("Offers that followed"), Kind.COUNT),
            Column("hired", _("Hires that followed"), Kind.COUNT),
        ),
        rows=tuple(
            (Cell(names[fair_id]), *cells)
            for fair_id, cells in zip(fair_ids, _protected_columns(columns, totals), strict=True)
        ),
        total=(Cell(), *totals),
    )


@dataclass(frozen=True)
class Figures:
    hires: Hires
    steps: tuple[Step, ...]
    funnel: Table
    periphery: Periphery
    breakdown: Table
    fairs: Table

    def tables(self) -> dict[str, Table]:
        return {t.name: t for t in (self.hires.table, self.funnel, self.breakdown, self.fairs)}


def figures(filters: Filters, key: Dimension, start: date) -> Figures:
    steps, overall = funnel(filters)
    return Figures(
        hires=hires(filters, start),
        steps=steps,
        funnel=_funnel_table(steps, overall),
        periphery=periphery(filters, overall[Step.HIRED].people),
        breakdown=breakdown(filters, key, overall),
        fairs=fairs(filters),
    )


def table(name: str, filters: Filters, key: Dimension, start: date) -> Table:
    """One of the tables on its own, for its CSV file."""
    if name == "hires":
        return hires(filters, start).table
    if name == "fairs":
        return fairs(filters)
    steps, overall = funnel(filters)
    if name == "funnel":
        return _funnel_table(steps, overall)
    return breakdown(filters, key, overall)
