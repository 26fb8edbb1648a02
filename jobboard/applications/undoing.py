"""Taking back a move on the pipeline board. A recruiter moving fifty cards a day drops one in the
wrong column now and then: for ``UNDO_SECONDS`` the move can be undone, and the mail telling the
doctor waits in the outbox until a little after that (``MAIL_DELAY``), so an undone move leaves
no trace with the doctor. Undoing puts the application back where it was (the first day it
reached each step included) and deletes the move's event and its mail; it is offered only to the
recruiter who moved, through a signed token that names the move and expires with the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from jobboard.accounts.models import User
from jobboard.applications import pipeline
from jobboard.applications.models import Application, ApplicationEvent, Stage
from jobboard.core.db import utcnow
from jobboard.core.errors import Conflict, InvalidToken
from jobboard.core.outbox import OutboxMessage, OutboxStatus
from jobboard.core.tokens import Purpose, make_token, read_token
from jobboard.extensions import db

UNDO_SECONDS = 10
# The mail leaves once the window has closed, with room for a slow undo request.
MAIL_DELAY = timedelta(seconds=UNDO_SECONDS + 5)
UNDO_MOVE = Purpose("undo-move", UNDO_SECONDS)


def move_undoably(
    application: Application,
    actor: User,
    stage: Stage,
    *,
    note: str | None = None,
    send_rejection: bool = False,
    occurred_on: date | None = None,
) -> str | None:
    """``pipeline.move`` with the doctor's mail held back; the token that undoes it, or None when
    nothing moved."""
    before = application.stage
    mail = pipeline.move(
        application,
        actor,
        stage,
        note=note,
        send_rejection=send_rejection,
        occurred_on=occurred_on,
        mail_not_before=utcnow() + MAIL_DELAY,
    )
    if application.stage == before:
        return None
    db.session.flush()
    event = _latest_event(application)
    assert event is not None  # noqa: S101 - the move has just recorded it
    return make_token(UNDO_MOVE, {"a": application.id, "e": event.id, "u": actor.id, "m": mail.id if mail else None})


@dataclass(frozen=True)
class UndoableMove:
    application_id: int
    token: str


def undoable_move(token: str, actor: User) -> UndoableMove | None:
    """The move ``token`` undoes, if ``actor`` made it and it can still be undone (by the clock)."""
    try:
        move = read_token(UNDO_MOVE, token)
    except InvalidToken:
        return None
    if move.get("u") != actor.id or not isinstance(move.get("a"), int):
        return None
    return UndoableMove(move["a"], token)


def undo_move(application: Application, actor: User, token: str) -> Stage:
    """Put the application back in the stage it left, and take back the mail; the stage it is in
    again. Refused once the window has closed, or after another move."""
    try:
        move = read_token(UNDO_MOVE, token)
    except InvalidToken:
        raise Conflict(_("It is too late to undo this move.")) from None
    event = _latest_event(application)
    if (move.get("a"), move.get("u")) != (application.id, actor.id) or event is None or event.id != move.get("e"):
        raise Conflict(_("This application has moved since: it can no longer be undone."))
    mail = db.session.get(OutboxMessage, move["m"]) if move.get("m") else None
    if mail is not None:
        if mail.status != OutboxStatus.PENDING or mail.attempts:
            raise Conflict(_("It is too late to undo this move: the e-mail to the doctor has gone."))
        db.session.delete(mail)
    restored = event.from_stage or Stage.APPLIED
    application.stage = restored
    pipeline.stage_changed(application, event.to_stage)
    db.session.delete(event)
    db.session.flush()
    # The first day of each step, as the history without the move has it.
    remaining = db.session.scalars(select(ApplicationEvent).where(ApplicationEvent.application_id == application.id))
    application.reached_again((e.to_stage, e.occurred_on) for e in remaining)
    return restored


def _latest_event(application: Application) -> ApplicationEvent | None:
    return db.session.scalars(
        select(ApplicationEvent)
        .where(ApplicationEvent.application_id == application.id)
        .order_by(ApplicationEvent.id.desc())
        .limit(1)
    ).first()
