"""An employer's own figures: its funnel, each of its postings and each fair it took part in.
Every query is narrowed to the organisation's id, so another tenant's data is never counted; the
figures are its own applicants, whom it knows by name already, so no cell is hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from jobboard.applications.models import Application
from jobboard.extensions import db
from jobboard.fairs.models import Attendance, Booking, BookingStatus, Fair, FairRegistration, Slot, SlotStatus
from jobboard.jobs.models import Posting, PostingViewCount
from jobboard.orgs.models import Organization
from jobboard.outcomes.funnel import funnel_table, reached
from jobboard.outcomes.scope import Filters
from jobboard.outcomes.sql import days_between, utc_day
from jobboard.outcomes.steps import APPLICATION_STEPS, REACHED_ON, Step
from jobboard.outcomes.tables import Cell, Column, Kind, Table


def _share(part: int, whole: int) -> Cell:
    return Cell(100 * part / whole if whole else None)


def postings(org: Organization, since: date, until: date) -> Table:
    """Per posting ever published: its page views, the applications that reached each step in the
    period, the share of its applicants hired, and the days from publication to its first hire."""
    applied = utc_day(Application.created_at)
    in_period = [func.count(case((applied.between(since, until), 1)))] + [
        func.count(case((day.between(since, until), 1))) for day in REACHED_ON.values()
    ]
    steps = (
        select(
            Posting.id,
            Posting.title,
            *in_period,
            days_between(func.min(Application.hired_on), utc_day(Posting.first_published_at)),
        )
        .select_from(Posting)
        .outerjoin(Application, (Application.posting_id == Posting.id) & (Application.org_id == org.id))
        .where(Posting.org_id == org.id, ~Posting.is_revision, Posting.first_published_at.is_not(None))
        .group_by(Posting.id, Posting.title, Posting.first_published_at)
        .order_by(Posting.first_published_at.desc(), Posting.id.desc())
    )
    views = dict(
        db.session.execute(
            select(PostingViewCount.posting_id, func.sum(PostingViewCount.views))
            .join(Posting, Posting.id == PostingViewCount.posting_id)
            .where(Posting.org_id == org.id, PostingViewCount.day.between(since, until))
            .group_by(PostingViewCount.posting_id)
        )
        .tuples()
        .all()
    )
    rows = []
    for posting_id, title, *counts, to_fill in db.session.execute(steps).tuples():
        rows.append(
            (
                Cell(title),
                Cell(views.get(posting_id, 0)),
                *(Cell(n) for n in counts),
                _share(counts[APPLICATION_STEPS.index(Step.HIRED)], counts[0]),
                Cell(to_fill),
            )
        )
    return Table(
        name="postings",
        title=_("Postings"),
        columns=(
            Column("posting", _("Posting"), Kind.TEXT),
            Column("views", _("Page views"), Kind.COUNT),
            *(Column(step.value, step.label, Kind.COUNT) for step in APPLICATION_STEPS),
            Column("hired_share", _("Share of applicants hired"), Kind.PERCENT),
            Column("days_to_fill", _("Days from publication to the first hire"), Kind.DAYS),
        ),
        rows=tuple(rows),
    )


def fairs(org: Organization, since: date, until: date) -> Table:
    """Per fair of the period the employer took part in: the slots it offered, those booked, the
    interviews held and missed, and the doctors met there whose application reached an offer
    from that day on."""
    slots = dict(
        db.session.execute(
            select(Slot.fair_id, func.count())
            .where(Slot.org_id == org.id, Slot.status == SlotStatus.OPEN)
            .group_by(Slot.fair_id)
        )
        .tuples()
        .all()
    )
    met = utc_day(Booking.starts_at)
    bookings = {
        row[0]: row[1:]
        for row in db.session.execute(
            select(
                Booking.fair_id,
                func.count(func.distinct(Booking.id)),
                *(
                    func.count(func.distinct(case((Booking.attendance == attendance, Booking.id))))
                    for attendance in (Attendance.ATTENDED, Attendance.NO_SHOW)
                ),
                func.count(func.distinct(case((Application.offered_on >= met, Booking.doctor_id)))),
            )
            .outerjoin(
                Application, (Application.doctor_id == Booking.doctor_id) & (Application.org_id == Booking.org_id)
            )
            .where(Booking.org_id == org.id, Booking.status == BookingStatus.CONFIRMED)
            .group_by(Booking.fair_id)
        ).tuples()
    }
    taken_part = db.session.execute(
        select(Fair.id, Fair.name)
        .join(FairRegistration, FairRegistration.fair_id == Fair.id)
        .where(FairRegistration.org_id == org.id, Fair.starts_on.between(since, until))
        .order_by(Fair.starts_on.desc())
    ).tuples()
    return Table(
        name="fairs",
        title=_("MedEx fairs"),
        columns=(
            Column("fair", _("Fair"), Kind.TEXT),
            Column("slots", _("Slots offered"), Kind.COUNT),
            Column("booked", _("Booked"), Kind.COUNT),
            Column("attended", _("Attended"), Kind.COUNT),
            Column("no_show", _("Did not come"), Kind.COUNT),
            Column("offer", _("Offers that followed"), Kind.COUNT),
        ),
        rows=tuple(
            (Cell(name), Cell(slots.get(fair_id, 0)), *(Cell(n) for n in bookings.get(fair_id, (0, 0, 0, 0))))
            for fair_id, name in taken_part
        ),
    )


@dataclass(frozen=True)
class Figures:
    funnel: Table
    postings: Table
    fairs: Table

    def tables(self) -> dict[str, Table]:
        return {t.name: t for t in (self.funnel, self.postings, self.fairs)}


def funnel(org: Organization, since: date, until: date) -> Table:
    return funnel_table(
        APPLICATION_STEPS,
        reached(Filters(since=since, until=until, employer=org.id), APPLICATION_STEPS),
        title=_("From application to work"),
        protected=False,
    )


TABLES = {"funnel": funnel, "postings": postings, "fairs": fairs}


def figures(org: Organization, since: date, until: date) -> Figures:
    return Figures(funnel(org, since, until), postings(org, since, until), fairs(org, since, until))
