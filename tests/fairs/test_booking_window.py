"""When booking opens and closes, told on the fair pages in the fair's time and in the signed-in
viewer's own zone, with the day there when it is another day than the fair's."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from jobboard.extensions import db
from tests.applications.conftest import text_of
from tests.factories import DoctorFactory
from tests.fairs.conftest import FAIR_DAY, make_fair

NEW_YORK = ZoneInfo("America/New_York")


def teaneck_fair():
    """Booking from Monday 15 March, 09:00 to Friday 19 March, 22:00 in New York (EDT, UTC-4):
    15:00 on the Monday and 04:00 on the Saturday in Israel (IST, UTC+2)."""
    return make_fair(
        name="MedEx Teaneck",
        city="Teaneck",
        country="US",
        time_zone="America/New_York",
        booking_opens_at=datetime(2027, 3, 15, 9, 0, tzinfo=NEW_YORK),
        booking_closes_at=datetime.combine(FAIR_DAY.replace(day=19), time(22, 0), NEW_YORK),
    )


def test_the_window_shows_in_the_viewers_zone_with_the_day_when_it_crosses_midnight(client, login, clock, db_session):
    fair = teaneck_fair()
    doctor = DoctorFactory(time_zone="Asia/Jerusalem")
    db.session.commit()
    login(doctor)
    expected = (
        "Booking opens Monday 15 March, 09:00 (15:00 your time) "
        "and closes Friday 19 March, 22:00 (Saturday 20 March, 04:00 your time)."
    )
    assert expected in text_of(client.get(f"/en/fairs/{fair.slug}"))
    assert expected in text_of(client.get("/en/fairs"))


def test_a_visitor_and_a_viewer_in_the_fairs_zone_see_the_fairs_time_alone(client, login, clock, db_session):
    fair = teaneck_fair()
    local = DoctorFactory(time_zone="America/New_York")
    db.session.commit()
    expected = "Booking opens Monday 15 March, 09:00 and closes Friday 19 March, 22:00."
    assert expected in text_of(client.get(f"/en/fairs/{fair.slug}"))
    login(local)
    assert expected in text_of(client.get(f"/en/fairs/{fair.slug}"))


def test_an_open_window_and_a_closed_one_say_so(client, clock, db_session):
    fair = teaneck_fair()
    db.session.commit()
    clock.move_to(datetime(2027, 3, 16, 12, 0, tzinfo=NEW_YORK))
    assert "Booking is open until Friday 19 March, 22:00." in text_of(client.get(f"/en/fairs/{fair.slug}"))
    clock.move_to(datetime(2027, 3, 19, 23, 0, tzinfo=NEW_YORK))
    assert "Booking closed Friday 19 March, 22:00." in text_of(client.get(f"/en/fairs/{fair.slug}"))
