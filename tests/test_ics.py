"""iCalendar export: events, UIDs, time zones, reminders and text safety, read back by vobject."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import vobject
from hypothesis import given
from hypothesis import strategies as st

from dosing import Patient, build_schedule, get_protocol
from dosing.errors import DateError, DosingError
from dosing.export import ics
from dosing.export._common import header
from dosing.export.ics import parse_duration, parse_time, parse_tz, to_ics
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
) -> Schedule:
    patient = Patient(height=height, weight=weight, identifier=identifier)
    return build_schedule(
        get_protocol(protocol), patient, start, cycles=cycles, choices=choices, today=TODAY
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


def test_description_has_trace_header_and_notice() -> None:
    """Every description has each dose's trace, the patient and BSA lines and the notice."""
    s = schedule("KRd", identifier="MRN 0001")
    for event in events(export(s)):
        text = event.description.value
        assert VERIFICATION_NOTICE in text
        assert "patient identifier: MRN 0001" in text
        assert "time: all-day events" in text
        assert "order header (measurements, BSA" in text
        assert "weight: 80 kg" not in text  # the calendar's description has it, once
    day1 = events(export(s))[0].description.value
    assert "carfilzomib 39.4 mg IV\n  rule: 20 mg/m² × 1.972 m² (Mosteller)\n" in day1
    assert "  note: priming dose" in day1
    assert "  protocol note: 30-minute infusion" in day1
    assert "  final: 25 mg (reported to 0.1 mg; no rounding policy)" in day1


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
    data = export(schedule("D-KRd", identifier=HOSTILE), remind=parse_duration("1d"))
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"\r" not in data.replace(b"\r\n", b"")
    assert max(len(line) for line in data.split(b"\r\n")) <= 75


def test_written_bytes_equal_icalendar_serialization() -> None:
    """The cached writer produces exactly what icalendar itself writes for the calendar."""
    s = schedule("KdD", cycles=2, identifier=HOSTILE)
    head = header(s, generated_at=STAMP)
    timing = ics._Timing(parse_time("08:00"), parse_tz("America/New_York"), None)
    cal = ics._calendar(s, head, STAMP, "administration", timing, parse_duration("2h"))
    assert ics._serialize(cal) == cal.to_ical(sorted=False)


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


# -- time zones and reminders -----------------------------------------------------------------


def test_timed_events_carry_a_vtimezone() -> None:
    """With time and tz, events start at that wall time in a zone defined by a VTIMEZONE."""
    s = schedule("KdD", cycles=2)
    data = export(s, time=parse_time("09:00"), tz=parse_tz("Europe/Berlin"))
    cal = parse(data)
    assert only(list(cal.vtimezone_list)).tzid.value == "Europe/Berlin"
    for event in cal.vevent_list:
        start, end = event.dtstart.value, event.dtend.value
        assert (start.hour, start.minute) == (9, 0)
        assert end - start == dt.timedelta(hours=1)
        assert start.utcoffset() == ZoneInfo("Europe/Berlin").utcoffset(start.replace(tzinfo=None))
    assert data.count(b"DTSTART;TZID=Europe/Berlin:") == len(s.by_day())
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
    utc_hours = {e.dtstart.value.astimezone(dt.UTC).hour for e in found}
    assert utc_hours == {13, 14}
    new_york = ZoneInfo("America/New_York")
    for event in found:
        local = event.dtstart.value.astimezone(new_york)
        assert (local.hour, local.minute) == (9, 0)
        assert event.dtend.value - event.dtstart.value == dt.timedelta(minutes=90)


def test_a_time_that_does_not_exist_is_moved_and_said() -> None:
    """02:30 on the night clocks jump forward is written as 03:30, with a note."""
    s = schedule("KRd", start="2026-03-02", cycles=1)
    found = events(export(s, time=parse_time("02:30"), tz=parse_tz("America/New_York")))
    jump = only([e for e in found if e.dtstart.value.date() == dt.date(2026, 3, 8)])
    assert (jump.dtstart.value.hour, jump.dtstart.value.minute) == (3, 30)
    assert "02:30 does not exist on 2026-03-08 in America/New_York" in jump.description.value
    other = found[0]
    assert (other.dtstart.value.hour, other.dtstart.value.minute) == (2, 30)
    assert "does not exist" not in other.description.value


def test_time_without_zone_is_floating_and_said_so() -> None:
    """A time without tz is floating local time: no VTIMEZONE, and each description says so."""
    data = export(schedule("KRd"), time=parse_time("08:15"))
    cal = parse(data)
    assert "vtimezone" not in cal.contents
    for event in cal.vevent_list:
        assert event.dtstart.value.tzinfo is None
        assert (event.dtstart.value.hour, event.dtstart.value.minute) == (8, 15)
        assert "floating local time" in event.description.value


def test_utc_needs_no_vtimezone() -> None:
    """Times in UTC are written with Z and no VTIMEZONE."""
    data = export(schedule("KRd"), time=parse_time("09:00"), tz=parse_tz("UTC"))
    assert b"BEGIN:VTIMEZONE" not in data
    assert b"DTSTART:20260105T090000Z" in data


def test_reminders_are_display_alarms() -> None:
    """remind adds one display alarm per event, that long before its start."""
    s = schedule("KRd")
    found = events(export(s, remind=parse_duration("1d")))
    for event in found:
        alarm = only(list(event.valarm_list))
        assert alarm.action.value == "DISPLAY"
        assert alarm.trigger.value == -dt.timedelta(days=1)
        assert alarm.description.value == "Reminder: " + event.summary.value
    assert all("valarm" not in e.contents for e in events(export(s)))


# -- free text --------------------------------------------------------------------------------


def test_hostile_identifier_round_trips() -> None:
    """Quotes, commas, semicolons, backslashes and newlines survive; a control char is U+FFFD."""
    data = export(schedule("KRd", identifier=HOSTILE))
    assert b"\x07" not in data
    cal = parse(data)
    expected = HOSTILE.replace("\x07", "\ufffd")
    for event in cal.vevent_list:
        assert f"patient identifier: {expected}\n" in event.description.value
    assert cal.contents["name"][0].value == "KRd dosing calendar: " + expected.replace("\n", " ")


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
    description = events(data)[0].description.value
    assert not NEVER_SHOWN.search(description)
    assert VERIFICATION_NOTICE in description


@given(PLAIN)
def test_a_plain_identifier_is_shown_as_given(identifier: str) -> None:
    """An identifier of letters, digits, punctuation and spaces is shown exactly."""
    try:
        s = schedule("Kd-weekly", identifier=identifier)
    except DosingError:
        return
    description = events(export(s))[0].description.value
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
        ({"generated_at": dt.datetime(2026, 1, 1)}, "generated_at"),
    ],
)
def test_to_ics_refuses_inconsistent_options(options: dict[str, Any], field: str) -> None:
    """A zone or duration without a time, bad spans, a bad per or a naive stamp are refused."""
    with pytest.raises(DosingError) as caught:
        to_ics(schedule("KRd"), **options)
    assert caught.value.field == field
