"""Invitations from an application's page to book an interview at a fair."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from jobboard.accounts.models import User
from jobboard.applications.models import INTERVIEW_STAGES, Application
from jobboard.core import audit
from jobboard.core.db import utcnow
from jobboard.core.errors import Conflict, NotPermitted
from jobboard.core.tokens import Purpose, make_token, read_token
from jobboard.core.urls import external_url
from jobboard.extensions import db
from jobboard.fairs.interviews import interviewing_registration
from jobboard.fairs.models import (
    BookingInvitation,
    Fair,
    FairStatus,
)
from jobboard.i18n import lazy_gettext as _l
from jobboard.mail import queue_mail

BOOKING_INVITATION = Purpose("fair-booking-invitation", 60 * 24 * 3600)


def invite(application: Application, actor: User, fair: Fair) -> BookingInvitation:
    if application.stage not in INTERVIEW_STAGES:
        raise Conflict(_("Invite applicants in screening, interview or offer."))
    doctor = application.doctor
    if doctor is None:
        raise Conflict(_("The doctor has deleted their account."))
    registration = interviewing_registration(fair, application.org_id)
    if fair.status != FairStatus.PUBLISHED or utcnow() >= fair.booking_closes_at:
        raise Conflict(_("Booking for this fair is not open."))
    invitation = db.session.scalar(
        select(BookingInvitation).where(
            BookingInvitation.application_id == application.id, BookingInvitation.fair_id == fair.id
        )
    )
    if invitation is None:
        invitation = BookingInvitation(
            application_id=application.id,
            fair_id=fair.id,
            org_id=application.org_id,
            doctor_id=application.doctor_id,
            invited_by_id=actor.id,
        )
        db.session.add(invitation)
    else:
        invitation.used_at = None
    db.session.flush()
    token = make_token(BOOKING_INVITATION, {"i": invitation.id, "d": application.doctor_id})
    queue_mail(
        doctor.email,
        _l("Book your interview with %(employer)s at %(fair)s", employer=registration.org.name, fair=fair.name),
        "fairs/invitation",
        language=doctor.language,
        fair=fair,
        org=registration.org,
        posting=application.posting,
        book_url=external_url("fairs.detail", fair_slug=fair.slug, invitation=token),
    )
    audit.record(
        "fair.invited",
        actor_id=actor.id,
        subject_type="application",
        subject_id=application.id,
        org_id=application.org_id,
        fair_id=fair.id,
    )
    return invitation


def invitation_from_token(token: str, doctor: User) -> BookingInvitation:
    payload = read_token(BOOKING_INVITATION, token)
    invitation = db.session.get(BookingInvitation, payload.get("i"))
    if invitation is None or payload.get("d") != doctor.id:
        raise NotPermitted(_("This invitation is for another account. Sign in with the address it was sent to."))
    return invitation
