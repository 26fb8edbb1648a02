"""Slot times and displayed times across zones and clock changes (scheduling.md T1–T5). Pure
functions of the fair's zone: no database needed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from jobboard.accounts.models import User
from jobboard.fairs import notices, registrations
from jobboard.fairs.models import Fair

DEMO_ZONES = (
    "America/Los_Angeles",
    "America/New_York",
    "Europe/London",
    "Europe/Paris",
    "America/Argentina/Buenos_Aires",
)


def fair_in(zone: str) -> Fair:
    return Fair(time_zone=zone, name="MedEx", slug="medex")


def viewer_in(zone: str | None) -> User:
    return User(time_zone=zone, email="v@example.org", full_name="Viewer")


def local(instants, zone: str) -> list[str]:
    return [instant.astimezone(ZoneInfo(zone)).strftime("%H:%M") for instant, _ in instants]


def test_t1_london_weekend_across_the_spring_change_has_the_same_slots_each_day():
    fair = fair_in("Europe/London")
    saturday = registrations.slot_times(fair, date(2027, 3, 27), time(9, 0), time(17, 0), 20, [])
    sunday = registrations.slot_times(fair, date(2027, 3, 28), time(9, 0), time(17, 0), 20, [])

    assert len(saturday) == len(sunday) == 24
    assert saturday[0][0] == datetime(2027, 3, 27, 9, 0, tzinfo=UTC)  # GMT
    assert sunday[0][0] == datetime(2027, 3, 28, 8, 0, tzinfo=UTC)  # BST
    assert local(saturday, "Europe/London")[0] == local(sunday, "Europe/London")[0] == "09:00"
    assert local(saturday, "Europe/London")[-1] == local(sunday, "Europe/London")[-1] == "16:40"
    assert sunday[-1][1].astimezone(ZoneInfo("Europe/London")).strftime("%H:%M") == "17:00"


def test_t2_the_spring_forward_gap_gives_no_slot_from_a_nonexistent_wall_time():
    slots = registrations.slot_times(fair_in("Europe/London"), date(2027, 3, 28), time(0, 30), time(3, 0), 30, [])

    assert local(slots, "Europe/London") == ["00:30", "02:00", "02:30"]
    assert [start for start, _ in slots] == [
        datetime(2027, 3, 28, 0, 30, tzinfo=UTC),
        datetime(2027, 3, 28, 1, 0, tzinfo=UTC),
        datetime(2027, 3, 28, 1, 30, tzinfo=UTC),
    ]
    assert all(end - start == timedelta(minutes=30) for start, end in slots)


def test_t3_fall_back_gives_seven_increasing_non_overlapping_slots_and_the_repeated_hour_twice():
    slots = registrations.slot_times(fair_in("Europe/London"), date(2027, 10, 31), time(0, 30), time(3, 0), 30, [])

    assert len(slots) == 7
    assert slots[0][0] == datetime(2027, 10, 30, 23, 30, tzinfo=UTC)  # 00:30 BST
    assert slots[-1][1] == datetime(2027, 10, 31, 3, 0, tzinfo=UTC)  # 03:00 GMT
    for (start, end), (next_start, _) in pairwise(slots):
        assert start < end <= next_start
    # The repeated 01:00 and 01:30 appear twice, told apart by their offsets.
    shown = [start.astimezone(ZoneInfo("Europe/London")).strftime("%H:%M %Z") for start, _ in slots]
    assert shown == ["00:30 BST", "01:00 BST", "01:30 BST", "01:00 GMT", "01:30 GMT", "02:00 GMT", "02:30 GMT"]


def test_breaks_are_skipped_in_local_time():
    slots = registrations.slot_times(
        fair_in("Europe/Paris"), date(2027, 5, 23), time(10, 0), time(14, 0), 30, [(time(12, 0), time(13, 0))]
    )
    assert local(slots, "Europe/Paris") == ["10:00", "10:30", "11:00", "11:30", "13:00", "13:30"]


times_of_day = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(DEMO_ZONES),
    day=st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)),
    start=times_of_day,
    end=times_of_day,
    minutes=st.integers(5, 240),
    with_break=st.booleans(),
)
def test_t3_property_slots_are_increasing_disjoint_and_exactly_the_slot_length(
    zone, day, start, end, minutes, with_break
):
    breaks = [(time(12, 0), time(13, 0))] if with_break else []
    slots = registrations.slot_times(fair_in(zone), day, start, end, minutes, breaks)

    for slot_start, slot_end in slots:
        assert slot_end - slot_start == timedelta(minutes=minutes)  # elapsed time, whatever the clock does
        assert slot_start.utcoffset() == timedelta(0)
    for (_, end_a), (start_b, _) in pairwise(slots):
        assert end_a <= start_b  # strictly increasing and never overlapping
    # Nothing starts before the first local start or ends after the last local end.
    zone_info = ZoneInfo(zone)
    if slots:
        earliest = min(
            datetime.combine(day, start, zone_info).astimezone(UTC),
            datetime.combine(day, start, zone_info).replace(fold=1).astimezone(UTC),
        )
        latest = max(
            datetime.combine(day, end, zone_info).astimezone(UTC),
            datetime.combine(day, end, zone_info).replace(fold=1).astimezone(UTC),
        )
        assert earliest <= slots[0][0] and slots[-1][1] <= latest


def test_t4_teaneck_slot_shown_to_viewers_in_london_and_israel():
    fair = fair_in("America/New_York")
    instant = registrations.slot_times(fair, date(2027, 3, 20), time(10, 0), time(10, 20), 20, [])[0][0]
    assert instant == datetime(2027, 3, 20, 14, 0, tzinfo=UTC)  # 10:00 EDT

    in_london = notices.local_times(instant, fair, viewer_in("Europe/London"))
    in_israel = notices.local_times(instant, fair, viewer_in("Asia/Jerusalem"))

    assert in_london.fair.strftime("%H:%M %Z") == "10:00 EDT"
    assert in_london.viewer.strftime("%H:%M %Z") == "14:00 GMT"  # four hours: the US is on DST, the UK not yet
    assert in_israel.viewer.strftime("%H:%M") == "16:00"  # Israel changes on 26 March
    assert notices.local_times(instant, fair, viewer_in("America/New_York")).viewer is None  # same zone: shown once
    assert notices.local_times(instant, fair, None, with_israel=True).israel.strftime("%H:%M") == "16:00"


def test_t5_buenos_aires_is_utc_minus_three_all_year_without_a_dst_label():
    fair = fair_in("America/Argentina/Buenos_Aires")
    for day in (date(2027, 1, 15), date(2027, 4, 4), date(2027, 7, 4), date(2027, 10, 3)):
        slots = registrations.slot_times(fair, day, time(9, 0), time(10, 0), 20, [])
        assert slots[0][0] == datetime.combine(day, time(12, 0), UTC)
        shown = slots[0][0].astimezone(ZoneInfo(fair.time_zone))
        assert shown.utcoffset() == timedelta(hours=-3)
        assert shown.dst() == timedelta(0)
        assert shown.tzname() == "-03"
