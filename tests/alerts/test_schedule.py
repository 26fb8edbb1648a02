"""When alerts run: daily digests at 07:00 in the alert's time zone across daylight-saving
changes (Europe/London and Asia/Jerusalem change on different days in spring), weekly digests
on Mondays, instant alerts every quarter hour. The clock is moved with time_machine and the
worker's ``run_due_alerts`` is called at regular intervals, as the worker does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from jobboard.alerts.models import Alert, Frequency
from jobboard.alerts.services import next_run, run_due_alerts
from jobboard.extensions import db
from tests.alerts.helpers import digest_titles, digests, publish, save_alert, sync
from tests.factories import DoctorFactory


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def drive(
    world, alerts: list[Alert], start: datetime, end: datetime, step: timedelta, publish_at_hour: int | None = 12
) -> dict[int, list[datetime]]:
    """Move the clock from ``start`` to ``end`` in steps, running the due alerts at each step (and
    publishing one matching posting a minute past ``publish_at_hour`` UTC each day). Returns, per
    alert, the instants it was processed."""
    runs: dict[int, list[datetime]] = {alert.id: [] for alert in alerts}
    with time_machine.travel(start, tick=False) as traveller:
        now = start
        while now < end:
            traveller.move_to(now)
            if publish_at_hour is not None and now.hour == publish_at_hour and now.minute == 0:
                traveller.move_to(now + timedelta(minutes=1))
                publish(world, f"Pediatrician published {now:%d %b %H:%M}")
                traveller.move_to(now)
            before = {alert.id: alert.next_run_at for alert in alerts}
            stats = run_due_alerts()
            if stats.processed:
                sync()
                for alert in alerts:
                    db.session.refresh(alert)
                    if alert.next_run_at != before[alert.id]:
                        assert before[alert.id] <= now < alert.next_run_at
                        runs[alert.id].append(now)
            now += step
    return runs


def people_in(*zones: str) -> list:
    users = [DoctorFactory(email=f"{zone.split('/')[1].lower()}@example.org", time_zone=zone) for zone in zones]
    db.session.commit()
    return users


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(
            at(2027, 3, 24, 12),
            at(2027, 3, 30, 0),
            {
                # London: summer time from 28 March 01:00 UTC
                "Europe/London": [
                    at(2027, 3, 25, 7),
                    at(2027, 3, 26, 7),
                    at(2027, 3, 27, 7),
                    at(2027, 3, 28, 6),
                    at(2027, 3, 29, 6),
                ],
                # Israel: summer time from Friday 26 March 02:00 local (00:00 UTC)
                "Asia/Jerusalem": [
                    at(2027, 3, 25, 5),
                    at(2027, 3, 26, 4),
                    at(2027, 3, 27, 4),
                    at(2027, 3, 28, 4),
                    at(2027, 3, 29, 4),
                ],
            },
            id="spring",
        ),
        pytest.param(
            at(2027, 10, 29, 12),
            at(2027, 11, 2, 0),
            {
                # both end summer time on Sunday 31 October
                "Europe/London": [at(2027, 10, 30, 6), at(2027, 10, 31, 7), at(2027, 11, 1, 7)],
                "Asia/Jerusalem": [at(2027, 10, 30, 4), at(2027, 10, 31, 5), at(2027, 11, 1, 5)],
            },
            id="autumn",
        ),
    ],
)
def test_daily_digests_go_out_at_seven_local_exactly_once_a_day_across_daylight_saving(
    world, mailbox, start, end, expected
):
    london, jerusalem = people_in("Europe/London", "Asia/Jerusalem")
    with time_machine.travel(start, tick=False):
        alerts = {
            zone: save_alert(user, query="region=negev", name=zone)
            for zone, user in (("Europe/London", london), ("Asia/Jerusalem", jerusalem))
        }

    runs = drive(world, list(alerts.values()), start, end, timedelta(minutes=15))

    for zone, alert in alerts.items():
        assert runs[alert.id] == expected[zone], zone
        assert {r.astimezone(ZoneInfo(zone)).hour for r in runs[alert.id]} == {7}
        # every run had the one posting published since the previous run, and sent it once
        sent = digests(mailbox, alert.user.email)
        assert len(sent) == len(expected[zone])
        titles = [digest_titles(mailbox, m) for m in sent]
        assert all(len(t) == 1 for t in titles), titles
        assert len({t[0] for t in titles}) == len(titles)


def test_weekly_digests_go_out_on_monday_mornings_local(world, mailbox):
    london, jerusalem = people_in("Europe/London", "Asia/Jerusalem")
    start = at(2027, 3, 24, 12)  # a Wednesday, before both spring changes
    with time_machine.travel(start, tick=False):
        alerts = [save_alert(user, query="region=negev", frequency=Frequency.WEEKLY) for user in (london, jerusalem)]

    runs = drive(world, alerts, start, at(2027, 4, 13, 0), timedelta(hours=1))

    assert runs[alerts[0].id] == [at(2027, 3, 29, 6), at(2027, 4, 5, 6), at(2027, 4, 12, 6)]
    assert runs[alerts[1].id] == [at(2027, 3, 29, 4), at(2027, 4, 5, 4), at(2027, 4, 12, 4)]
    for alert in alerts:
        sent = digests(mailbox, alert.user.email)
        assert len(sent) == 3
        # a week's postings in each digest (first week: Wed to Sun, five days)
        assert [len(digest_titles(mailbox, m)) for m in sent] == [5, 7, 7]


def test_a_late_worker_sends_once_and_keeps_the_seven_oclock_rhythm(world, mailbox):
    (jerusalem,) = people_in("Asia/Jerusalem")
    start = at(2027, 5, 3, 12)
    with time_machine.travel(start, tick=False):
        alert = save_alert(jerusalem, query="region=negev")
    # the worker only comes round every 50 minutes
    runs = drive(world, [alert], start, at(2027, 5, 6, 12), timedelta(minutes=50))
    local = [r.astimezone(ZoneInfo("Asia/Jerusalem")) for r in runs[alert.id]]
    assert [d.date().day for d in local] == [4, 5, 6]
    assert all(7 <= d.hour < 8 for d in local)


def test_instant_alerts_run_every_quarter_hour(world, mailbox):
    (user,) = people_in("Asia/Jerusalem")
    start = at(2027, 5, 3, 10)
    with time_machine.travel(start, tick=False):
        alert = save_alert(user, query="region=negev", frequency=Frequency.INSTANT)
    runs = drive(world, [alert], start, at(2027, 5, 3, 13), timedelta(minutes=5), publish_at_hour=12)
    assert runs[alert.id] == [start + timedelta(minutes=15 * n) for n in range(1, 12)]
    [digest] = digests(mailbox, user.email)  # only the run after the 12:01 posting had anything
    assert digest_titles(mailbox, digest) == ["Pediatrician published 03 May 12:00"]


@pytest.mark.parametrize(
    ("zone", "after", "frequency", "expected"),
    [
        ("Asia/Jerusalem", at(2027, 3, 25, 4, 59), Frequency.DAILY, at(2027, 3, 25, 5)),  # 06:59 local
        ("Asia/Jerusalem", at(2027, 3, 25, 5), Frequency.DAILY, at(2027, 3, 26, 4)),  # 07:00 local: the next day
        ("Europe/London", at(2027, 3, 27, 23, 30), Frequency.DAILY, at(2027, 3, 28, 6)),
        ("Europe/London", at(2027, 10, 31, 1, 30), Frequency.DAILY, at(2027, 10, 31, 7)),  # in the repeated hour
        ("Asia/Jerusalem", at(2027, 3, 29, 3, 59), Frequency.WEEKLY, at(2027, 3, 29, 4)),  # a Monday, before 07:00
        ("Asia/Jerusalem", at(2027, 3, 29, 4), Frequency.WEEKLY, at(2027, 4, 5, 4)),  # a Monday at 07:00
        ("Europe/London", at(2027, 3, 28, 12), Frequency.WEEKLY, at(2027, 3, 29, 6)),  # a Sunday
        ("Asia/Jerusalem", at(2027, 3, 25, 4, 59), Frequency.INSTANT, at(2027, 3, 25, 5, 14)),
    ],
)
def test_next_run(zone, after, frequency, expected):
    alert = Alert(frequency=frequency, time_zone=zone)
    assert next_run(alert, after) == expected
