"""The steps of a doctor's way through the programme, and the day each application reached
each step, read from the pipeline's history.

An application has reached a step once its history holds a move to that stage or a later one, so
a doctor later rejected (or who withdrew) still counts at every step they reached, and one moved
from applied straight to hired reached the interview and the offer that day. The day is the
event's (the recruiter's for an offer, a hire, a start of work); the first such day counts.
"""

from __future__ import annotations

import enum

from flask_babel import pgettext
from sqlalchemy import Subquery, case, func, select

from jobboard.applications.models import ApplicationEvent, Stage


class Step(enum.StrEnum):
    SIGNED_UP = "signed_up"
    PROFILE_COMPLETE = "profile_complete"
    APPLIED = "applied"
    INTERVIEWED = "interviewed"  # in the pipeline, or at a fair's table
    OFFER = "offer"
    HIRED = "hired"
    STARTED = "started"

    @property
    def label(self) -> str:
        return {
            "signed_up": pgettext("programme step", "Signed up"),
            "profile_complete": pgettext("programme step", "Completed their profile"),
            "applied": pgettext("programme step", "Applied"),
            "interviewed": pgettext("programme step", "Interviewed"),
            "offer": pgettext("programme step", "Received an offer"),
            "hired": pgettext("programme step", "Hired"),
            "started": pgettext("programme step", "Started work"),
        }[self.value]


FUNNEL = tuple(Step)
# The steps of one application; the two before are the doctor's own.
APPLICATION_STEPS = (Step.APPLIED, Step.INTERVIEWED, Step.OFFER, Step.HIRED, Step.STARTED)
DOCTOR_STEPS = (Step.SIGNED_UP, Step.PROFILE_COMPLETE)
# The stages that show an application has reached each step after applying.
_REACHED_AT = {
    Step.INTERVIEWED: (Stage.INTERVIEW, Stage.OFFER, Stage.HIRED, Stage.STARTED),
    Step.OFFER: (Stage.OFFER, Stage.HIRED, Stage.STARTED),
    Step.HIRED: (Stage.HIRED, Stage.STARTED),
    Step.STARTED: (Stage.STARTED,),
}
LATER_STEPS = tuple(_REACHED_AT)


def stage_days() -> Subquery:
    """Per application that went past applying: the first day it reached each later step. Read
    from the moves forward alone, along the index that holds them
    (``ix_application_events_progress``)."""
    event = ApplicationEvent
    return (
        select(
            event.application_id,
            *(
                func.min(case((event.to_stage.in_(stages), event.occurred_on))).label(step.value)
                for step, stages in _REACHED_AT.items()
            ),
        )
        .where(event.to_stage.in_(_REACHED_AT[Step.INTERVIEWED]))
        .group_by(event.application_id)
        .subquery("stage_days")
    )
