"""The funnel: how many people reached each step in the period, what share of the step before
that is, and the median number of days from the step before.

A person counts at a step when they first reached it in the period (``paths``); the days to it
are from the first day they reached the step before, whenever that was. Counted in one query,
which returns per step the number of people for each number of days: the median is read from
that distribution.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, literal, null, select, union_all

from jobboard.extensions import db
from jobboard.outcomes import privacy
from jobboard.outcomes.paths import people
from jobboard.outcomes.scope import Filters
from jobboard.outcomes.sql import days_between
from jobboard.outcomes.steps import Step
from jobboard.outcomes.tables import Cell, Column, Kind, Table


@dataclass
class Reached:
    """The people who reached a step in the period, by the days it took them from the step before
    (None: no day for the step before)."""

    by_days: dict[int | None, int] = field(default_factory=dict)

    @property
    def people(self) -> int:
        return sum(self.by_days.values())

    @property
    def timed(self) -> dict[int, int]:
        return {days: n for days, n in self.by_days.items() if days is not None}

    @property
    def median_days(self) -> float | None:
        return median(self.timed)


def median(counts: dict[int, int]) -> float | None:
    """The median of values given with how often each occurs."""
    total = sum(counts.values())
    if not total:
        return None
    middle = ((total - 1) // 2, total // 2)  # the two middle positions (the same one when odd)
    found: list[int] = []
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        found += [value for position in middle if seen - counts[value] <= position < seen]
    return sum(found) / 2


def reached(filters: Filters, steps: Sequence[Step]) -> dict[Step, Reached]:
    everyone = people(filters, steps=steps)
    parts = []
    for index, step in enumerate(steps):
        day = everyone.c[step.value]
        gap = days_between(day, everyone.c[steps[index - 1].value]) if index else null()
        part = select(literal(step.value).label("step"), gap.label("days"), func.count().label("people"))
        part = part.where(day.between(filters.since, filters.until))
        parts.append(part.group_by(gap) if index else part)
    found = {step: Reached() for step in steps}
    for name, days, count in db.session.execute(union_all(*parts)).tuples():
        if count:
            found[Step(name)].by_days[days] = count
    return found


def funnel_table(steps: Sequence[Step], figures: dict[Step, Reached], *, title: str, protected: bool) -> Table:
    counts = {step: privacy.count(figures[step].people, protected=protected) for step in steps}
    rows = []
    for index, step in enumerate(steps):
        before = steps[index - 1] if index else None
        share = None
        if before is not None and figures[before].people:
            share = 100 * figures[step].people / figures[before].people
        rows.append(
            (
                Cell(step.label),
                counts[step],
                privacy.derived(share, counts[step], *([counts[before]] if before else [])),
                privacy.median(
                    figures[step].median_days if before else None,
                    sum(figures[step].timed.values()),
                    protected=protected,
                ),
            )
        )
    return Table(
        name="funnel",
        title=title,
        columns=(
            Column("step", _("Step"), Kind.TEXT),
            Column("people", _("People"), Kind.COUNT),
            Column("share", _("Share of the step before"), Kind.PERCENT),
            Column("days", _("Median days from the step before"), Kind.DAYS),
        ),
        rows=tuple(rows),
    )
