"""The demo doctor's history, so that trying the doctor's account shows the board at work: a
complete profile (a pediatrician from Lyon moving to the Negev), a CV, applications to pediatrics
positions at different stages (one still applied, one in screening, one in interview), and an
interview booked by the employer at the next fair. Made once: a doctor with a profile is left
as they are."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pikepdf
from sqlalchemy import select

from jobboard.accounts.models import User
from jobboard.applications import applying, cvs, pipeline, profiles
from jobboard.applications.models import Application, Stage
from jobboard.core.db import utcnow
from jobboard.core.errors import DomainError
from jobboard.extensions import db
from jobboard.fairs import interviews
from jobboard.fairs.models import Fair, FairRegistration, FairStatus
from jobboard.fairs.queries import free_times
from jobboard.jobs.models import Posting, Seniority
from jobboard.jobs.queries import listed_condition
from jobboard.licensing import milestones
from jobboard.licensing.models import LicenceTrack
from jobboard.orgs.models import Membership, Role
from jobboard.vocab.models import HebrewLevel

SPECIALTY = "pediatrics"
DEMO_TRACK = "exemption-listed-countries"  # trained in France, with an internship
# The moves each application goes through, newest posting first: to interview, to screening, none.
MOVES = ((Stage.SCREENING, Stage.INTERVIEW), (Stage.SCREENING,), ())
CV_LINES = (
    "Dr. Rachel Cohen - Curriculum vitae",
    "Pediatrician, Hopital Femme Mere Enfant, Lyon (2017-)",
    "Residency in pediatrics, Hospices Civils de Lyon (2012-2017)",
    "Languages: French, English, Hebrew (B1)",
)


def _cv() -> bytes:
    """A one-page PDF with the CV's lines."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
    )
    text = "BT /F1 12 Tf 72 770 Td 16 TL " + " ".join(f"({line}) '" for line in CV_LINES) + " ET"
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=[0, 0, 595, 842],
        Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
        Contents=pdf.make_stream(text.encode()),
    )
    pdf.pages.append(pikepdf.Page(page))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _actor_for(posting: Posting, admin: User) -> User:
    """Who moves the application: a recruiter or owner of the employer, else the administrator."""
    member = db.session.scalar(
        select(Membership).where(Membership.org_id == posting.org_id, Membership.role != Role.VIEWER).limit(1)
    )
    return member.user if member else admin


def _book_interview(application: Application, actor: User) -> bool:
    """The employer books the doctor at the first free time of the next fair it interviews at."""
    fair = db.session.scalar(
        select(Fair)
        .join(FairRegistration, FairRegistration.fair_id == Fair.id)
        .where(FairRegistration.org_id == application.org_id, Fair.status == FairStatus.PUBLISHED)
        .order_by(Fair.starts_on)
        .limit(1)
    )
    times = free_times(fair, application.org_id).get(application.org_id, []) if fair else []
    for time in times:
        try:
            interviews.book(application.doctor, time.slot_id, actor, application=application)  # type: ignore[arg-type]
        except DomainError:
            continue  # the booking window has closed, or the time has passed
        return True
    return False


def seed_demo_doctor(doctor: User, admin: User) -> int:
    """The doctor's profile, CV, applications and interview; how many applications were made."""
    if profiles.profile_of(doctor) is not None:
        return 0
    today = utcnow().date()
    profiles.save_profile(
        doctor,
        profiles.ProfileFields(
            profession_slug="physician",
            specialty_slug=SPECIALTY,
            seniority=Seniority.SPECIALIST,
            years_experience=9,
            training_country="FR",
            residence_country="FR",
            hebrew_level=HebrewLevel.B1,
            move_month=date(today.year + 1, today.month, 1),
            open_to_periphery=True,
            summary="Pediatrician in Lyon for nine years, moving with my family; keen on neonatal care.",
            phone="+33 6 12 34 56 78",
            language_codes=["en", "fr"],
            region_slugs=["negev", "galilee-north"],
        ),
    )
    track = db.session.scalar(select(LicenceTrack).where(LicenceTrack.slug == DEMO_TRACK))
    if track is not None:
        milestones.choose_track(doctor, track)
    milestones.save_milestones(
        doctor,
        milestones.MilestoneFields(
            file_opened_on=today - timedelta(days=20), provisional_expected=date(today.year + 1, today.month, 1)
        ),
        today,
    )
    cv = cvs.upload_cv(doctor, "rachel-cohen-cv.pdf", _cv())
    wanted = db.session.scalars(
        select(Posting)
        .where(listed_condition(), Posting.specialty_slug == SPECIALTY, ~Posting.is_revision)
        .order_by(Posting.first_published_at.desc())
        .limit(len(MOVES))
    )
    made = 0
    for posting, moves in zip(wanted, MOVES, strict=False):
        application = applying.apply(doctor, posting, cv, "I would be glad to tell you more about my work in Lyon.")
        actor = _actor_for(posting, admin)
        for stage in moves:
            pipeline.move(application, actor, stage)
        if application.stage == Stage.INTERVIEW:
            _book_interview(application, actor)
        made += 1
    return made
