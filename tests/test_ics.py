"""iCalendar export: events, UIDs, time zones, reminders and text safety, read back by vobject."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import vobject
from hypothesis import given
from hypothesis import strategies as st

from dosing import Patient, build_schedule, get_protocol, loads_protocol
from dosing.course import parse_amendment
from dosing.errors import DateError, DosingError
from dosing.export import ics
from dosing.export.ics import parse_duration, parse_time, parse_tz, to_calendar, to_ics
from dosing.schedule import VERIFICATION_NOTICE, Schedule

PROTOCOLS = ("D-KRd", "KRd", "KdD", "Kd-weekly", "KCyD")
TODAY = dt.date(2026, 1, 1)
STAMP = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
HOSTILE = '=cmd|" ;,\\ line1\nline2 \x07'


def schedule(
    protocol: str = "KRd",
    *,
    start: str = "2026-01-05",
    cycles: int = 1,
    height: str = "175 cm",
    weight: str = "80 kg",
    identifier: str | None = None,
    choices: dict[str, object] | None = None,
    rounding: dict[str, Any] | None = None,
) -> Schedule:
    patient = Patient(height=height, weight=weight, identifier=identifier)
    return build_schedule(
        get_protocol(protocol),
        patient,
        start,
        cycles=cycles,
        choices=choices,
        rounding=rounding,
        today=TODAY,
    )


def export(s: Schedule, **options: Any) -> bytes:
    options.setdefault("generated_at", STAMP)
    return to_ics(s, **options)


def parse(data: bytes) -> Any:
    return vobject.readOne(data.decode("utf-8"))


def events(data: bytes) -> list[Any]:
    return list(parse(data).vevent_list)


def uids(data: bytes) -> list[str]:
    return [e.uid.value for e in events(data)]


def only(items: list[Any]) -> Any:
    assert len(items) == 1, items
    return items[0]


# -- events -----------------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_one_all_day_event_per_treatment_day(protocol: str) -> None:
    """Each treatment day is one all-day event from that date to the next day."""
    s = schedule(protocol, cycles=3)
    found = events(export(s))
    days = s.by_day()
    assert len(found) == len(days)
    assert [e.dtstart.value for e in found] == [d.date for d in days]
    assert [e.dtend.value for e in found] == [d.date + dt.timedelta(days=1) for d in days]
    assert all(type(e.dtstart.value) is dt.date for e in found)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_one_event_per_administration_on_request(protocol: str) -> None:
    """per="administration" gives one event per dose, named by its drug."""
    s = schedule(protocol, cycles=2)
    found = events(export(s, per="administration"))
    assert len(found) == len(s.administrations)
    assert [e.dtstart.value for e in found] == [a.date for a in s.administrations]
    for event, admin in zip(found, s.administrations, strict=True):
        assert event.summary.value == (
            f"{admin.label} · {s.protocol.id}: {admin.drug} {admin.dose.text} {admin.route}"
        )


def test_summary_lists_every_dose_of_the_day() -> None:
    """KRd, 175 cm and 80 kg from 2026-01-05: C1 D8 is 2026-01-12 with three doses."""
    found = events(export(schedule("KRd")))
    day8 = only([e for e in found if e.dtstart.value == dt.date(2026, 1, 12)])
    assert day8.summary.value == (
        "C1 D8 · KRd: carfilzomib 110.4 mg IV, lenalidomide 25 mg PO, dexamethasone 40 mg PO"
    )
    assert day8.categories.value == ["KRd", "carfilzomib", "lenalidomide", "dexamethasone"]


def test_thousands_separator_survives_the_comma_escaping() -> None:
    """A dose of 1,280 mg keeps its separator in the summary (commas are escaped in the file)."""
    found = events(export(schedule("D-KRd")))
    assert found[0].summary.value.startswith("C1 D1 · D-KRd: daratumumab 1,280 mg IV, ")
    assert b"daratumumab 1\\,280 mg IV\\, " in export(schedule("D-KRd"))


def test_description_has_each_dose_its_calculation_notes_and_the_short_notice() -> None:
    """An event says each dose with its calculation, its reasons, the drug's note and a short
    notice; nothing of the order header (the calendar's description has it, once)."""
    s = schedule("KRd", identifier="MRN 0001")
    found = events(export(s))
    for event in found:
        text = event.description.value
        assert text.endswith("\n" + ics.EVENT_NOTICE)
        for repeated in ("MRN 0001", "weight: 80 kg", "protocol:", "time:", VERIFICATION_NOTICE):
            assert repeated not in text
    day1 = found[0].description.value
    assert day1.startswith(
        "carfilzomib 39.4 mg IV = 20 mg/m² × 1.972 m² (Mosteller) = 39.4405 mg\n"
        "  note: priming dose"
    )
    assert "\n  drug note: 30-minute infusion" in day1
    assert "\nlenalidomide 25 mg PO = 25 mg flat\n  drug note: Capsules" in day1
    assert "\ndexamethasone 40 mg PO = 40 mg flat\n" in day1


def test_no_event_repeats_the_calendar_description() -> None:
    """No line of the calendar's description (the order header) stands in any event, and
    the drug notes stand only in the events."""
    s = schedule("D-KRd", cycles=2, identifier="MRN 0001")
    cal = parse(export(s))
    head = cal.contents["description"][0].value.splitlines()
    assert "time: all-day events" in head
    assert "drug notes: in each event, under the doses of the drug" in head
    assert not any(line.startswith("drug note: ") for line in head)
    for event in events(export(s)):
        lines = set(event.description.value.splitlines())
        assert not lines & set(head)


def test_an_event_names_the_rounding_that_applied() -> None:
    """With a rounding policy the dose line names it after the calculation."""
    from dosing import parse_rounding

    s = schedule("KRd", rounding={"carfilzomib": parse_rounding("nearest:5")})
    day8 = next(e for e in events(export(s)) if e.dtstart.value == dt.date(2026, 1, 12))
    assert day8.description.value.startswith(
        "carfilzomib 110 mg IV = 56 mg/m² × 1.972 m² (Mosteller) = 110.4335 mg; "
        "rounding: nearest 5 mg within 10 %\n"
    )


def test_calendar_carries_name_version_prodid_and_full_header() -> None:
    """The calendar has VERSION 2.0, a PRODID, a name and the whole order header."""
    s = schedule("KdD", identifier="MRN 7")
    cal = parse(export(s))
    assert cal.version.value == "2.0"
    assert cal.prodid.value.startswith("-//dosing//dosing ")
    assert cal.contents["name"][0].value == "KdD dosing calendar: MRN 7"
    assert cal.contents["x-wr-calname"][0].value == "KdD dosing calendar: MRN 7"
    full = cal.contents["description"][0].value
    assert "\nsources: [SEED]" in full
    assert "\nprotocol note: " in full
    assert full.endswith(f"NOTICE: {VERIFICATION_NOTICE}")


def test_dtstamp_is_generated_at_and_output_is_byte_identical() -> None:
    """A fixed generated_at gives a fixed DTSTAMP and the same bytes on every export."""
    s = schedule("D-KRd", cycles=2)
    options = {
        "time": parse_time("09:00"),
        "tz": parse_tz("Europe/Berlin"),
        "remind": parse_duration("1d"),
        "remind_at": parse_time("08:00"),
    }
    first = export(s, **options)
    assert first == export(s, **options)
    assert {e.dtstamp.value for e in events(first)} == {STAMP}
    later = export(s, generated_at=STAMP + dt.timedelta(hours=1), **options)
    assert later != first


def test_sequence_does_not_depend_on_the_generation_time() -> None:
    """An event as planned has SEQUENCE 0 whenever it is exported; changes raise it
    (tests/test_course.py)."""
    s = schedule("KRd")
    early = events(export(s))[0].sequence.value
    late = events(export(s, generated_at=STAMP + dt.timedelta(days=3)))[0].sequence.value
    assert int(late) == int(early) == 0


def test_wire_format_is_crlf_and_folded() -> None:
    """Lines end in CRLF only and no line is longer than 75 octets."""
    data = export(
        schedule("D-KRd", identifier=HOSTILE),
        remind=parse_duration("1d"),
        remind_at=parse_time("08:00"),
    )
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"\r" not in data.replace(b"\r\n", b"")
    assert max(len(line) for line in data.split(b"\r\n")) <= 75


@pytest.mark.parametrize(
    ("per", "audience", "timed"),
    [
        ("day", "staff", False),
        ("day", "staff", True),
        ("administration", "staff", True),
        ("day", "patient", True),
        ("administration", "patient", False),
    ],
)
def test_written_bytes_equal_icalendar_serialization(per: str, audience: str, timed: bool) -> None:
    """to_ics writes exactly what icalendar writes for to_calendar's components."""
    s = schedule("KdD", cycles=2, identifier=HOSTILE)
    amended = build_schedule(
        s.protocol,
        s.patient,
        s.start,
        cycles=2,
        amendments=[
            parse_amendment("delay", "C1D8:7"),
            parse_amendment("hold", "carfilzomib@C2D1"),
        ],
        today=TODAY,
    )
    options: dict[str, Any] = {"per": per, "audience": audience, "generated_at": STAMP}
    options |= (
        {
            "time": parse_time("08:00"),
            "tz": parse_tz("America/New_York"),
            "remind": parse_duration("2h"),
            "remind_at": parse_time("07:00"),
        }
        if timed
        else {"remind_at": parse_time("07:00")}
    )
    for each in (s, amended):
        assert to_ics(each, **options) == to_calendar(each, **options).to_ical(sorted=False)


@given(
    st.text(
        st.sampled_from(list("ab\\^·é😀 ,;:")) | st.characters(exclude_categories=("Cs",)),
        max_size=400,
    ).map(lambda t: t.replace("\n", " ").replace("\r", " "))
)
def test_folding_is_icalendars(line: str) -> None:
    """Content lines are folded byte for byte as icalendar folds them: at most 74 octets of
    content a line, no character split, an escape never split from what it escapes."""
    from icalendar.parser import Contentline

    assert ics._fold(line) == Contentline(line).to_ical()


# -- UIDs -------------------------------------------------------------------------------------


def test_uids_are_stable_and_unique() -> None:
    """Two exports give the same UIDs; within one export every UID is different."""
    s = schedule("D-KRd", cycles=3)
    first = uids(export(s))
    again = uids(export(s, generated_at=STAMP + dt.timedelta(days=30)))
    assert first == again
    assert len(set(first)) == len(first)
    assert all(re.fullmatch(r"[0-9a-f]{32}@dosing", u) for u in first)
    per_admin = uids(export(s, per="administration"))
    assert len(set(per_admin)) == len(per_admin)
    assert not set(per_admin) & set(first)


def test_uid_survives_a_dose_change() -> None:
    """The same patient with another weight or another dose choice keeps every UID."""
    before = uids(export(schedule("KRd", identifier="MRN 1")))
    heavier = schedule("KRd", identifier="MRN 1", weight="95 kg")
    assert heavier.administrations[0].dose.text != schedule("KRd").administrations[0].dose.text
    assert uids(export(heavier)) == before
    unnamed = uids(export(schedule("KRd")))
    assert uids(export(schedule("KRd", choices={"carfilzomib": 36}))) == unnamed


def test_uid_differs_for_another_patient_protocol_or_start() -> None:
    """Another identifier, another unnamed patient, protocol or start date give new UIDs."""
    base = set(uids(export(schedule("KRd", identifier="MRN 1"))))
    for other in (
        schedule("KRd", identifier="MRN 2"),
        schedule("KRd"),
        schedule("KRd", height="160 cm"),
        schedule("KRd", identifier="MRN 1", start="2026-01-12"),
        schedule("D-KRd", identifier="MRN 1"),
    ):
        assert not base & set(uids(export(other)))


def test_uid_hides_the_patient() -> None:
    """No identifier text reaches the UIDs."""
    s = schedule("KRd", identifier="SECRET-4711")
    data = export(s)
    assert all("SECRET" not in u and "4711" not in u for u in uids(data))


# -- time zones -------------------------------------------------------------------------------


def test_timed_events_carry_a_vtimezone() -> None:
    """KdD, 2 cycles at 09:00 in Berlin: the 14 clinic days are timed, defined by a VTIMEZONE."""
    s = schedule("KdD", cycles=2)
    data = export(s, time=parse_time("09:00"), tz=parse_tz("Europe/Berlin"))
    cal = parse(data)
    assert only(list(cal.vtimezone_list)).tzid.value == "Europe/Berlin"
    timed = [e for e in cal.vevent_list if isinstance(e.dtstart.value, dt.datetime)]
    assert len(timed) == 14  # C1 and C2: days 1, 2, 8, 9, 15, 16, 22
    for event in timed:
        start, end = event.dtstart.value, event.dtend.value
        assert (start.hour, start.minute) == (9, 0)
        assert start.utcoffset() == ZoneInfo("Europe/Berlin").utcoffset(start.replace(tzinfo=None))
        # daratumumab has no infusion time in the protocol: the default hour; carfilzomib 30 min
        daratumumab = "daratumumab" in event.summary.value
        assert end - start == dt.timedelta(minutes=60 if daratumumab else 30)
    assert data.count(b"DTSTART;TZID=Europe/Berlin:") == 14
    assert b"COMMENT" not in data


def test_wall_time_holds_across_a_clock_change() -> None:
    """New York, from 2026-03-02 for 3 cycles: 09:00 local before and after the DST change."""
    s = schedule("KRd", start="2026-03-02", cycles=3)
    found = events(
        export(
            s,
            time=parse_time("09:00"),
            tz=parse_tz("America/New_York"),
            duration=parse_duration("90m"),
        )
    )
    timed = [e for e in found if isinstance(e.dtstart.value, dt.datetime)]
    assert len(timed) == 18  # carfilzomib on days 1, 2, 8, 9, 15, 16 of 3 cycles
    utc_hours = {e.dtstart.value.astimezone(dt.UTC).hour for e in timed}
    assert utc_hours == {13, 14}
    new_york = ZoneInfo("America/New_York")
    for event in timed:
        local = event.dtstart.value.astimezone(new_york)
        assert (local.hour, local.minute) == (9, 0)
        # the protocol gives carfilzomib's infusion time, so the 90 minutes are not used
        assert event.dtend.value - event.dtstart.value == dt.timedelta(minutes=30)


def test_a_time_that_does_not_exist_is_moved_and_said() -> None:
    """02:30 on the night clocks jump forward (KRd C1 D8, 2026-03-08) is 03:30, with a note."""
    s = schedule("KRd", start="2026-03-01", cycles=1)
    found = events(export(s, time=parse_time("02:30"), tz=parse_tz("America/New_York")))
    jump = only(
        [
            e
            for e in found
            if e.dtstart.value
            == dt.datetime(2026, 3, 8, 3, 30, tzinfo=ZoneInfo("America/New_York"))
        ]
    )
    assert jump.summary.value == "C1 D8 · KRd · Clinic: carfilzomib 110.4 mg IV"
    assert "02:30 does not exist on 2026-03-08 in America/New_York" in jump.description.value
    other = found[0]
    assert (other.dtstart.value.hour, other.dtstart.value.minute) == (2, 30)
    assert "does not exist" not in other.description.value


def test_a_time_that_occurs_twice_is_written_in_utc() -> None:
    """01:30 on the night clocks go back (KRd C1 D8, 2026-11-01) is the first 01:30, in UTC."""
    s = schedule("KRd", start="2026-10-25", cycles=1)
    data = export(s, time=parse_time("01:30"), tz=parse_tz("America/New_York"))
    # 01:30 EDT is 05:30 UTC; carfilzomib's 30 minutes end at 06:00 UTC (01:00 EST)
    assert b"DTSTART:20261101T053000Z\r\nDTEND:20261101T060000Z\r\n" in data
    twice = only([e for e in events(data) if e.summary.value.startswith("C1 D8 · KRd · Clinic")])
    assert "01:30 occurs twice on 2026-11-01 in America/New_York" in twice.description.value
    # 00:45 EDT plus 30 minutes ends at 01:15, a time that occurs twice: in UTC too
    late = export(s, time=parse_time("00:45"), tz=parse_tz("America/New_York"))
    assert b"DTSTART:20261101T044500Z\r\nDTEND:20261101T051500Z\r\n" in late
    assert b"DTSTART;TZID=America/New_York:20261102T004500\r\n" in late  # C1 D9


def test_clock_changes_of_a_long_calendar_are_yearly_rules() -> None:
    """KRd for 24 cycles (2026 to 2027) in Berlin: each change is a yearly rule, not RDATEs."""
    s = schedule("KRd", cycles=24)
    assert s.administrations[-1].date.year == 2027
    data = export(s, time=parse_time("09:00"), tz=parse_tz("Europe/Berlin"))
    zone = data[data.index(b"BEGIN:VTIMEZONE") : data.index(b"END:VTIMEZONE")]
    # summer time from the last Sunday of March, winter time from the last Sunday of October
    assert b"DTSTART:20250330T030000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\n" in zone
    assert b"DTSTART:20251026T030000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\n" in zone
    assert b"RDATE" not in zone
    # C17 D1 is 16 x 28 = 448 days after 2026-01-05: 2027-03-29, the day after the change
    assert b"DTSTART;TZID=Europe/Berlin:20270329T090000\r\n" in data


def test_time_without_zone_is_floating_and_said_so() -> None:
    """A time without tz is floating local time: no VTIMEZONE, and each timed event says so."""
    data = export(schedule("KRd"), time=parse_time("08:15"))
    cal = parse(data)
    assert "vtimezone" not in cal.contents
    timed = [e for e in cal.vevent_list if isinstance(e.dtstart.value, dt.datetime)]
    assert len(timed) == 6
    for event in timed:
        assert event.dtstart.value.tzinfo is None
        assert (event.dtstart.value.hour, event.dtstart.value.minute) == (8, 15)
        assert "floating local time" in event.description.value


def test_utc_needs_no_vtimezone() -> None:
    """Times in UTC are written with Z and no VTIMEZONE."""
    data = export(schedule("KRd"), time=parse_time("09:00"), tz=parse_tz("UTC"))
    assert b"BEGIN:VTIMEZONE" not in data
    assert b"DTSTART:20260105T090000Z" in data


# -- clinic and home --------------------------------------------------------------------------


def test_a_time_splits_clinic_from_home_doses() -> None:
    """KRd C1 at 09:00 in Berlin: 6 clinic appointments of 30 min, 22 all-day home events."""
    s = schedule("KRd")
    found = events(export(s, time=parse_time("09:00"), tz=parse_tz("Europe/Berlin")))
    clinic = [e for e in found if " · Clinic: " in e.summary.value]
    home = [e for e in found if " · Home: " in e.summary.value]
    assert (len(clinic), len(home), len(found)) == (6, 22, 28)
    berlin = ZoneInfo("Europe/Berlin")
    day1 = clinic[0]
    assert day1.summary.value == "C1 D1 · KRd · Clinic: carfilzomib 39.4 mg IV"
    assert day1.dtstart.value == dt.datetime(2026, 1, 5, 9, 0, tzinfo=berlin)
    assert day1.dtend.value == dt.datetime(2026, 1, 5, 9, 30, tzinfo=berlin)
    assert "time: 09:00, 30 min (infusion time from the protocol: carfilzomib 30 min)" in (
        day1.description.value
    )
    assert "transp" not in day1.contents  # an appointment blocks the time
    assert home[0].summary.value == (
        "C1 D1 · KRd · Home: lenalidomide 25 mg PO, dexamethasone 40 mg PO"
    )
    assert home[0].dtstart.value == dt.date(2026, 1, 5)
    assert home[0].dtend.value == dt.date(2026, 1, 6)
    assert home[0].transp.value == "TRANSPARENT"
    assert "time: all day: doses taken at home" in home[0].description.value
    assert home[-1].summary.value == "C1 D22 · KRd · Home: dexamethasone 40 mg PO"


def test_clinic_length_without_every_infusion_time_is_the_duration_and_says_so() -> None:
    """D-KRd C1 D1 (daratumumab, no time in the protocol; carfilzomib): 1 h, or the duration."""
    s = schedule("D-KRd")
    options: dict[str, Any] = {"time": parse_time("09:00"), "tz": parse_tz("Europe/Berlin")}
    day1 = events(export(s, **options))[0]
    assert day1.summary.value.startswith("C1 D1 · D-KRd · Clinic: daratumumab 1,280 mg IV, ")
    assert day1.dtend.value - day1.dtstart.value == dt.timedelta(hours=1)
    assert "1 h (default length; the protocol gives no infusion time for daratumumab)" in (
        day1.description.value
    )
    longer = events(export(s, duration=parse_duration("4h"), **options))
    assert longer[0].dtend.value - longer[0].dtstart.value == dt.timedelta(hours=4)
    assert "4 h (the duration given; the protocol gives no infusion time for daratumumab)" in (
        longer[0].description.value
    )
    alone = only([e for e in longer if e.summary.value.startswith("C1 D9 · D-KRd · Clinic: ")])
    assert alone.summary.value == "C1 D9 · D-KRd · Clinic: carfilzomib 110.4 mg IV"
    assert alone.dtend.value - alone.dtstart.value == dt.timedelta(minutes=30)


def test_per_administration_home_doses_stay_all_day() -> None:
    """Per administration with a time, lenalidomide is all day and carfilzomib a 30-min slot."""
    s = schedule("KRd")
    found = events(export(s, per="administration", time=parse_time("09:00")))
    assert len(found) == len(s.administrations)
    for event in found:
        if " carfilzomib " in event.summary.value:
            assert event.dtend.value - event.dtstart.value == dt.timedelta(minutes=30)
        else:
            assert type(event.dtstart.value) is dt.date


# -- reminders --------------------------------------------------------------------------------


def test_reminders_of_timed_events_come_that_long_before() -> None:
    """remind adds one display alarm to each timed event, that long before its start."""
    found = events(
        export(
            schedule("KRd"),
            time=parse_time("09:00"),
            remind=parse_duration("2h"),
            remind_at=parse_time("08:00"),
        )
    )
    clinic = [e for e in found if isinstance(e.dtstart.value, dt.datetime)]
    for event in clinic:
        alarm = only(list(event.valarm_list))
        assert alarm.action.value == "DISPLAY"
        assert alarm.trigger.value == -dt.timedelta(hours=2)
        assert alarm.description.value == "Reminder: " + event.summary.value
    # 2 h is no whole day: the home doses are reminded at 08:00 on their day
    home = [e for e in found if not isinstance(e.dtstart.value, dt.datetime)]
    assert {only(list(e.valarm_list)).trigger.value for e in home} == {dt.timedelta(hours=8)}


@pytest.mark.parametrize(
    ("remind", "trigger", "words"),
    [
        (None, dt.timedelta(hours=8), "08:00 on the day"),
        ("1d", -dt.timedelta(hours=16), "08:00 the day before"),  # 16 h before midnight
        ("2d", -dt.timedelta(hours=40), "08:00 2 days before"),
        ("1d6h", -dt.timedelta(hours=16), "08:00 the day before"),  # whole days only
    ],
)
def test_all_day_events_remind_at_the_hour_set(
    remind: str | None, trigger: dt.timedelta, words: str
) -> None:
    """All-day events remind at remind_at on the day, or remind's whole days before."""
    found = events(
        export(
            schedule("KRd"),
            remind=None if remind is None else parse_duration(remind),
            remind_at=parse_time("08:00"),
        )
    )
    assert len(found) == 22
    for event in found:
        assert only(list(event.valarm_list)).trigger.value == trigger
    data = export(
        schedule("KRd"),
        remind=None if remind is None else parse_duration(remind),
        remind_at=parse_time("08:00"),
    )
    head = parse(data).contents["description"][0].value
    assert f"\ntime: all-day events; reminder: {words}\n" in head


def test_all_day_reminders_without_an_hour_are_refused() -> None:
    """remind alone would fire at midnight for all-day events: remind_at is asked for."""
    with pytest.raises(DateError) as caught:
        to_ics(schedule("KRd"), remind=parse_duration("1d"))
    assert caught.value.field == "remind_at"
    with pytest.raises(DateError):  # the home doses are all day even when a time is given
        to_ics(schedule("KRd"), remind=parse_duration("1d"), time=parse_time("09:00"))
    assert all("valarm" not in e.contents for e in events(export(schedule("KRd"))))


def test_home_doses_get_at_most_one_reminder_a_day() -> None:
    """Per administration, KRd C1 D1's lenalidomide and dexamethasone share one reminder."""
    s = schedule("KRd")
    found = events(export(s, per="administration", remind_at=parse_time("08:00")))
    days = {e.dtstart.value for e in found}
    alarms = [e for e in found if "valarm" in e.contents]
    assert len(alarms) == len(days) == 22  # KRd cycle 1: days 1 to 22
    first = only([e for e in alarms if e.dtstart.value == dt.date(2026, 1, 5)])
    assert only(list(first.valarm_list)).description.value == (
        "Reminder: C1 D1 · KRd: carfilzomib 39.4 mg IV, lenalidomide 25 mg PO, "
        "dexamethasone 40 mg PO"
    )
    patient = events(
        export(s, per="administration", remind_at=parse_time("08:00"), audience="patient")
    )
    home = [e for e in patient if e.summary.value.startswith("Home: ")]
    clinic = [e for e in patient if e.summary.value.startswith("Clinic: ")]
    assert len([e for e in home if "valarm" in e.contents]) == 22
    assert len([e for e in clinic if "valarm" in e.contents]) == 6
    day1 = [e for e in home if e.dtstart.value == dt.date(2026, 1, 5) and "valarm" in e.contents]
    assert only(list(only(day1).valarm_list)).description.value == (
        "Reminder: Home: lenalidomide 25 mg, dexamethasone 40 mg"
    )


# -- a patient's calendar ---------------------------------------------------------------------

#: Text no patient calendar may hold: the identifier, the measurements and their units, the
#: BSA, renal function, the sources and the staff notice.
NOT_FOR_PATIENTS = (
    "MRN 4711-Q",
    "4711",
    "175",
    "kg",
    "m²",
    "m2",
    "BSA",
    "MRN",
    "Mosteller",
    "creatinine",
    "clearance",
    "mL/min",
    "prescribing information",
    "Kyprolis",
    "neutropenia",
    "For trained clinicians",
)


def patient_schedule(protocol: str, *, cycles: int = 2) -> Schedule:
    """A patient with an identifier, every measurement and a reweighed, delayed course."""
    patient = Patient(
        height="175 cm",
        weight="80 kg",
        identifier="MRN 4711-Q",
        age=70,
        sex="female",
        serum_creatinine="1.1 mg/dL",
    )
    changes = [
        parse_amendment("delay", "C2:7", recorded=TODAY, reason="neutropenia grade 3"),
        parse_amendment("reweigh", "92kg@C2", recorded=TODAY, reason="weight gain"),
    ]
    return build_schedule(
        get_protocol(protocol),
        patient,
        "2026-01-05",
        cycles=cycles,
        amendments=changes,
        today=TODAY,
    )


def property_values(component: Any) -> list[str]:
    """Every property value of ``component`` and of the components inside it, as text."""
    out = []
    for name, lines in component.contents.items():
        for line in lines:
            if hasattr(line, "contents") and not hasattr(line, "value"):
                out += property_values(line)
            else:
                out.append(f"{name}: {line.value}")
    return out


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"time": dt.time(9), "tz": ZoneInfo("Europe/Berlin"), "remind_at": dt.time(8)},
        {"per": "administration", "remind": dt.timedelta(days=1), "remind_at": dt.time(8)},
    ],
    ids=["all-day", "timed", "per-administration"],
)
def test_a_patient_calendar_holds_no_identifier_or_measurement(
    protocol: str, options: dict[str, Any]
) -> None:
    """No identifier, measurement, BSA, renal function, source or reason, in any property."""
    data = export(patient_schedule(protocol), audience="patient", **options)
    values = property_values(parse(data))
    assert len(values) > 100
    text = data.replace(b"\r\n ", b"").decode("utf-8")
    for forbidden in NOT_FOR_PATIENTS:
        assert forbidden not in text, forbidden
        assert not [v for v in values if forbidden.lower() in v.lower()], forbidden
    assert VERIFICATION_NOTICE not in text
    assert all(re.fullmatch(r"[a-z]{32}@dosing", u) for u in uids(data))


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("per", ["day", "administration"])
def test_patient_summaries_fit_a_phone(protocol: str, per: str) -> None:
    """Every summary of a patient's calendar has at most 60 characters."""
    s = schedule(protocol, cycles=3)
    for options in ({}, {"time": dt.time(9)}):
        found = events(export(s, audience="patient", per=per, **options))
        assert found
        assert max(len(e.summary.value) for e in found) <= 60
        assert ics.MAX_PATIENT_SUMMARY == 60


def test_long_drug_names_fall_back_to_a_count() -> None:
    """Drug names of 50 and 55 characters: summaries name them while they fit, else count them."""
    long_a = "a" * 49 + "z"
    long_b = "b" * 54 + "z"
    text = (Path(__file__).parent.parent / "protocols" / "KRd.toml").read_text(encoding="utf-8")
    text = text.replace("lenalidomide", long_a).replace("dexamethasone", long_b)
    protocol = loads_protocol(text.replace('id = "KRd"', 'id = "KRd-long"'))
    s = build_schedule(
        protocol, Patient(height="175 cm", weight="80 kg"), "2026-01-05", cycles=1, today=TODAY
    )
    found = events(export(s, audience="patient"))
    summaries = {e.dtstart.value: e.summary.value for e in found if "Home" in e.summary.value}
    assert summaries[dt.date(2026, 1, 5)] == "Home: 2 medicines"  # both names: too long
    assert summaries[dt.date(2026, 1, 7)] == f"Home: {long_a}"  # 56 characters
    assert summaries[dt.date(2026, 1, 26)] == "Home: 1 medicine"  # 61 characters with the name
    assert max(len(e.summary.value) for e in found) <= 60


def test_patient_words_for_krd() -> None:
    """KRd C1 in plain words: the clinic visit without a dose, the home doses with theirs."""
    data = export(schedule("KRd", identifier="MRN 1"), audience="patient")
    cal = parse(data)
    assert cal.contents["name"][0].value == "KRd treatment calendar"
    assert cal.contents["x-wr-calname"][0].value == "KRd treatment calendar"
    assert cal.contents["description"][0].value == (
        "Treatment days of KRd: visits to the clinic and doses to take at home.\n"
        "Check every dose with your care team."
    )
    found = list(cal.vevent_list)
    assert len(found) == 28  # 6 clinic days, 22 home days
    clinic, home = found[0], found[1]
    assert clinic.summary.value == "Clinic: carfilzomib infusion (30 min)"
    assert clinic.description.value == (
        "At the clinic: cycle 1, day 1 of KRd\n"
        "- carfilzomib infusion (30 min)\n"
        "Time: ask the clinic when your visit is.\n"
        "Check every dose with your care team."
    )
    # "Home: lenalidomide 25 mg capsule, dexamethasone 40 mg by mouth" has 62 characters
    assert home.summary.value == "Home: lenalidomide 25 mg, dexamethasone 40 mg"
    assert home.description.value == (
        "At home: cycle 1, day 1 of KRd\n"
        "- lenalidomide 25 mg capsule\n"
        "- dexamethasone 40 mg by mouth\n"
        "Check every dose with your care team."
    )
    day3 = only([e for e in found if e.dtstart.value == dt.date(2026, 1, 7)])
    assert day3.summary.value == "Home: lenalidomide 25 mg capsule"
    assert all(type(e.dtstart.value) is dt.date for e in found)
    assert ics.PATIENT_NOTICE == "Check every dose with your care team."


def test_two_clinic_drugs_share_the_summary() -> None:
    """D-KRd C1 D1 gives daratumumab and carfilzomib: 59 characters, both named."""
    first = events(export(schedule("D-KRd"), audience="patient"))[0]
    assert first.summary.value == "Clinic: daratumumab infusion, carfilzomib infusion (30 min)"


def test_a_patient_appointment_says_how_long_and_why() -> None:
    """At 09:00 in Berlin, a carfilzomib visit lasts 30 min and says where that comes from."""
    found = events(
        export(
            schedule("KRd"),
            audience="patient",
            time=parse_time("09:00"),
            tz=parse_tz("Europe/Berlin"),
            remind_at=parse_time("08:00"),
        )
    )
    clinic, home = found[0], found[1]
    berlin = ZoneInfo("Europe/Berlin")
    assert clinic.dtstart.value == dt.datetime(2026, 1, 5, 9, 0, tzinfo=berlin)
    assert clinic.dtend.value == dt.datetime(2026, 1, 5, 9, 30, tzinfo=berlin)
    assert (
        "Time: 09:00 (Europe/Berlin time), shown as 30 min: the infusion time in your "
        "treatment plan; the visit may take longer."
    ) in clinic.description.value
    assert "valarm" not in clinic.contents  # remind_at is for all-day events
    assert only(list(home.valarm_list)).trigger.value == dt.timedelta(hours=8)
    assert only(list(home.valarm_list)).description.value == (
        "Reminder: Home: lenalidomide 25 mg, dexamethasone 40 mg"
    )
    assert "Reminder: 08:00 on the day." in home.description.value


def test_a_held_clinic_dose_cancels_its_event_in_place() -> None:
    """KRd delayed from C2 by 7 days, carfilzomib held at C2 D15: the visit is cancelled."""
    plain = schedule("KRd", cycles=2)
    amended = build_schedule(
        get_protocol("KRd"),
        Patient(height="175 cm", weight="80 kg"),
        "2026-01-05",
        cycles=2,
        amendments=[
            parse_amendment("delay", "C2:7", recorded=TODAY, reason="neutropenia"),
            parse_amendment("hold", "carfilzomib@C2D15", recorded=TODAY, reason="neutropenia"),
        ],
        today=TODAY,
    )
    options: dict[str, Any] = {"audience": "patient", "remind_at": parse_time("08:00")}
    before = {e.uid.value: e for e in events(export(plain, **options))}
    after = {e.uid.value: e for e in events(export(amended, **options))}
    assert set(after) == set(before)
    # C2 D1 was 2026-02-02; 7 days later it is 2026-02-09, so C2 D15 is 2026-02-23
    on_day15 = [e for e in after.values() if e.dtstart.value == dt.date(2026, 2, 23)]
    clinic = only([e for e in on_day15 if e.summary.value.startswith("Clinic")])
    assert clinic.summary.value == "Clinic cancelled: carfilzomib"
    assert clinic.status.value == "CANCELLED"
    assert clinic.sequence.value == "2"  # moved by the delay, then held
    assert "- carfilzomib: not this time (held by your care team)" in clinic.description.value
    assert "valarm" not in clinic.contents
    home = only([e for e in on_day15 if e.summary.value.startswith("Home")])
    assert home.sequence.value == "1"  # moved by the delay
    assert "held" not in home.description.value
    for uid, event in after.items():
        if event.dtstart.value < dt.date(2026, 2, 9):
            assert event.sequence.value == "0"
            assert event.summary.value == before[uid].summary.value


def test_patient_uids_survive_times_reminders_and_a_new_weight() -> None:
    """A patient's UIDs stay through another time, reminder, weight, and with or without --id."""
    base = uids(export(schedule("KRd", cycles=2), audience="patient"))
    assert len(set(base)) == len(base) == 56
    for other, options in (
        (schedule("KRd", cycles=2), {"time": dt.time(9), "remind_at": dt.time(8)}),
        (schedule("KRd", cycles=2, weight="95 kg"), {"time": dt.time(7, 30)}),
        (schedule("KRd", cycles=2, identifier="MRN 1"), {}),
        (patient_schedule("KRd"), {}),  # reweighed and delayed, same identity (start date)
    ):
        assert set(uids(export(other, audience="patient", **options))) == set(base)


def test_staff_and_patient_calendars_never_share_an_event() -> None:
    """Staff and patient UIDs differ, in every shape, so neither file overwrites the other."""
    s = schedule("KRd", identifier="MRN 1")
    patient = set(uids(export(s, audience="patient")))
    for options in ({}, {"time": dt.time(9)}, {"per": "administration"}):
        assert not patient & set(uids(export(s, **options)))


def test_every_written_uid_is_event_uid() -> None:
    """The UIDs in a file are event_uid's, for days, administrations and a patient's parts."""
    s = schedule("KRd", identifier="MRN 1")
    days = sorted({(a.cycle, a.day) for a in s.administrations})
    assert uids(export(s)) == [ics.event_uid(s, c, d) for c, d in days]
    assert uids(export(s, per="administration")) == [
        ics.event_uid(s, a.cycle, a.day, a.drug) for a in s.administrations
    ]
    patient = set(uids(export(s, audience="patient")))
    assert patient == {
        ics.event_uid(s, a.cycle, a.day, place=ics._place(a.route), audience="patient")
        for a in s.administrations
    }


def test_staff_uids_of_split_days_are_their_own() -> None:
    """A staff day split by a time has clinic and home UIDs, kept whatever the time and reminder;
    per administration the UIDs are the same with and without a time."""
    s = schedule("KRd", identifier="MRN 1")
    whole_days = set(uids(export(s)))
    split = uids(export(s, time=parse_time("09:00")))
    assert set(split) == set(
        uids(
            export(s, time=parse_time("14:00"), remind=dt.timedelta(hours=1), remind_at=dt.time(8))
        )
    )
    assert not set(split) & whole_days
    assert ics.event_uid(s, 1, 1, place="clinic") in split
    assert ics.event_uid(s, 1, 1, place="home") in split
    per_admin = uids(export(s, per="administration"))
    assert uids(export(s, per="administration", time=parse_time("09:00"))) == per_admin


def test_event_uid_refuses_a_place_with_a_drug_or_an_unknown_audience() -> None:
    """A place is 'clinic' or 'home' and never given with a drug; an audience is staff or patient."""
    s = schedule("KRd")
    for kwargs, field in (
        ({"place": "ward"}, "place"),
        ({"place": "home", "drug": "lenalidomide"}, "place"),
        ({"audience": "family"}, "audience"),
    ):
        with pytest.raises(DosingError) as caught:
            ics.event_uid(s, 1, 1, **kwargs)
        assert caught.value.field == field


# -- free text --------------------------------------------------------------------------------


def test_hostile_identifier_round_trips() -> None:
    """Quotes, commas, semicolons, backslashes and newlines survive; a control char is U+FFFD."""
    data = export(schedule("KRd", identifier=HOSTILE))
    assert b"\x07" not in data
    cal = parse(data)
    expected = HOSTILE.replace("\x07", "\ufffd")
    assert f"\npatient identifier: {expected}\n" in cal.contents["description"][0].value
    assert cal.contents["name"][0].value == "KRd dosing calendar: " + expected.replace("\n", " ")


@pytest.mark.parametrize("audience", ["staff", "patient"])
def test_a_backslash_n_in_text_stays_a_backslash_n(audience: str) -> None:
    """An identifier A\\N1 is written A\\\\N1 and read back as A\\N1, not as two lines."""
    data = export(schedule("Kd-weekly", identifier="A\\N1"), audience=audience)
    if audience == "staff":
        assert b"NAME:Kd-weekly dosing calendar: A\\\\N1\r\n" in data
        assert parse(data).contents["name"][0].value == "Kd-weekly dosing calendar: A\\N1"
    else:
        assert b"A\\" not in data


#: Characters no calendar text may hold as themselves: C0 (but tab and newline), DEL, C1,
#: bidirectional controls, line and paragraph separators.
NEVER_SHOWN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)
PLAIN = st.text(st.characters(whitelist_categories=("L", "N", "P", "Zs")), max_size=40)


@given(st.text(max_size=40))
def test_any_identifier_gives_a_readable_calendar(identifier: str) -> None:
    """Whatever the identifier, vobject reads the calendar and no control character reaches it."""
    try:
        s = schedule("Kd-weekly", identifier=identifier)
    except DosingError:
        return
    data = export(s)
    assert max(len(line) for line in data.split(b"\r\n")) <= 75
    description = parse(data).contents["description"][0].value
    assert not NEVER_SHOWN.search(description)
    assert VERIFICATION_NOTICE in description


@given(PLAIN)
def test_a_plain_identifier_is_shown_as_given(identifier: str) -> None:
    """An identifier of letters, digits, punctuation and spaces is shown exactly."""
    try:
        s = schedule("Kd-weekly", identifier=identifier)
    except DosingError:
        return
    description = parse(export(s)).contents["description"][0].value
    if identifier.strip():
        assert f"patient identifier: {identifier}" in description


# -- options ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00", dt.time(9, 0)),
        ("7:05", dt.time(7, 5)),
        (" 23:59 ", dt.time(23, 59)),
        ("00:00", dt.time(0, 0)),
    ],
)
def test_parse_time_reads_24_hour_times(text: str, expected: dt.time) -> None:
    """HH:MM from 00:00 to 23:59 is read as a wall-clock time."""
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text",
    ["25:00", "24:00", "12:60", "9", "9am", "", "09:00:00", "-1:00", "１２:００", "9:5", "9" * 100],
)
def test_parse_time_refuses_other_text(text: str) -> None:
    """Anything else is a DateError naming --time."""
    with pytest.raises(DateError) as caught:
        parse_time(text)
    assert caught.value.field == "--time"


@pytest.mark.parametrize("text", ["Europe/Berlin", "America/New_York", "UTC", "Asia/Kolkata"])
def test_parse_tz_reads_iana_names(text: str) -> None:
    """IANA zone names give a ZoneInfo with that key."""
    assert parse_tz(text).key == text


@pytest.mark.parametrize(
    "text",
    [
        "Mars/Olympus",
        "../etc/passwd",
        "/usr/share/zoneinfo/UTC",
        "localtime",
        "",
        "Europe",
        "Europe/Berlin\x00",
        "x" * 100,
    ],
)
def test_parse_tz_refuses_unknown_zones(text: str) -> None:
    """Unknown, path-like or system-dependent names are a DateError naming --tz."""
    with pytest.raises(DateError) as caught:
        parse_tz(text)
    assert caught.value.field == "--tz"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1d", dt.timedelta(days=1)),
        ("2h", dt.timedelta(hours=2)),
        ("30m", dt.timedelta(minutes=30)),
        ("90m", dt.timedelta(minutes=90)),
        ("1h30m", dt.timedelta(minutes=90)),
        ("28d", dt.timedelta(days=28)),
        ("2H", dt.timedelta(hours=2)),
    ],
)
def test_parse_duration_reads_days_hours_minutes(text: str, expected: dt.timedelta) -> None:
    """Days, hours and minutes, alone or combined, are read."""
    assert parse_duration(text, field="--remind") == expected


@pytest.mark.parametrize(
    "text",
    [
        "0m",
        "0d0h0m",
        "-1d",
        "29d",
        "673h",
        "1w",
        "",
        "d",
        "1.5h",
        "1m1h",
        "99999999999999d",
        "1 day",
    ],
)
def test_parse_duration_refuses_zero_negative_long_or_unclear(text: str) -> None:
    """Zero, negative, over 28 days or unreadable text is a DateError naming the field."""
    with pytest.raises(DateError) as caught:
        parse_duration(text, field="--remind")
    assert caught.value.field == "--remind"


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"tz": ZoneInfo("Europe/Berlin")}, "tz"),
        ({"duration": dt.timedelta(hours=2)}, "duration"),
        ({"time": dt.time(9), "duration": dt.timedelta(hours=25)}, "duration"),
        ({"time": dt.time(9), "duration": dt.timedelta(0)}, "duration"),
        ({"time": dt.time(9, tzinfo=dt.UTC)}, "time"),
        ({"time": dt.time(9, 0, 30)}, "time"),
        ({"remind": dt.timedelta(0)}, "remind"),
        ({"remind": dt.timedelta(days=-1)}, "remind"),
        ({"remind": dt.timedelta(days=29)}, "remind"),
        ({"per": "week"}, "per"),
        ({"audience": "family"}, "audience"),
        ({"remind_at": "08:00"}, "remind_at"),
        ({"remind_at": dt.time(8, tzinfo=dt.UTC)}, "remind_at"),
        ({"remind_at": dt.time(8, 0, 30)}, "remind_at"),
        ({"generated_at": dt.datetime(2026, 1, 1)}, "generated_at"),
    ],
)
def test_to_ics_refuses_inconsistent_options(options: dict[str, Any], field: str) -> None:
    """A zone or duration without a time, bad spans, a bad per or a naive stamp are refused."""
    with pytest.raises(DosingError) as caught:
        to_ics(schedule("KRd"), **options)
    assert caught.value.field == field
