"""Mail speaks its recipient's language, whoever caused it: a doctor who reads French hears of a
move in French from a recruiter browsing in Hebrew, who sees the board in Hebrew."""

from __future__ import annotations

import pytest
from flask_babel import force_locale, gettext

from jobboard.applications import applying
from jobboard.applications.models import Stage
from jobboard.extensions import db
from tests.applications.conftest import deliver_held_mail


@pytest.fixture
def application(world):
    application = applying.apply(world.doctor, world.posting, world.cv, "")
    db.session.commit()
    return application


def in_french(message: str, **values: object) -> str:
    with force_locale("fr"):
        french = gettext(message, **values)
    assert french != message % values, f"no French for {message!r}"
    return french


def test_a_move_by_a_recruiter_in_hebrew_reaches_a_french_doctor_in_french(client, world, login, mailbox, application):
    world.doctor.language = "fr"
    db.session.commit()
    login(world.recruiter)

    response = client.post(
        f"/he/org/{world.org.slug}/applications/{application.id}/move",
        data={"stage": "interview"},
        follow_redirects=True,
    )

    page = response.get_data(as_text=True)
    assert '<html lang="he" dir="rtl">' in page
    with force_locale("he"):
        assert gettext("Moved to %(stage)s.", stage=Stage.INTERVIEW.label.lower()) in page
    deliver_held_mail()
    message = mailbox.last_to(world.doctor.email)
    with force_locale("fr"):
        stage = Stage.INTERVIEW.label
    assert message["Subject"] == in_french(
        "Your application to %(title)s at %(employer)s is now at the “%(stage)s” step",
        title=world.posting.title,
        employer=world.org.name,
        stage=stage,
    )
    text = mailbox.text(message)
    assert in_french("Hello %(name)s,", name=world.doctor.full_name) in text
    assert in_french("Follow your applications: %(url)s", url="X").split("X")[0] in text
