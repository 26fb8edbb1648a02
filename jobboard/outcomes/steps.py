"""The steps of a doctor's way through the programme.

An application's first day at each step past applying is kept on it as its history grows
(``Application.note_reached``): it has reached a step once its history holds a move to that
stage or a later one, so a doctor later rejected (or who withdrew) still counts at every step
they reached, and one moved from applied straight to hired reached the interview and the offer
that day. The day is the move's (the recruiter's for an offer, a hire, a start of work).
"""

from __future__ import annotations

import enum
from typing import Any

from flask_babel import pgettext
from sqlalchemy.orm import InstrumentedAttribute

from jobboard.applications.models import Application


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
            "signed_up": pgettext("program step", "Signed up"),
            "profile_complete": pgettext("program step", "Completed their profile"),
            "applied": pgettext("program step", "Applied"),
            "interviewed": pgettext("program step", "Interviewed"),
            "offer": pgettext("program step", "Received an offer"),
            "hired": pgettext("program step", "Hired"),
            "started": pgettext("program step", "Started work"),
        }[self.value]


FUNNEL = tuple(Step)
# The steps of one application; the two before are the doctor's own.
APPLICATION_STEPS = (Step.APPLIED, Step.INTERVIEWED, Step.OFFER, Step.HIRED, Step.STARTED)
DOCTOR_STEPS = (Step.SIGNED_UP, Step.PROFILE_COMPLETE)
# The first day of each step past applying, as each application keeps it.
REACHED_ON: dict[Step, InstrumentedAttribute[Any]] = {
    Step.INTERVIEWED: Application.interviewed_on,
    Step.OFFER: Application.offered_on,
    Step.HIRED: Application.hired_on,
    Step.STARTED: Application.started_on,
}
