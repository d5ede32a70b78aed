"""iCalendar (RFC 5545) export: a schedule as events that calendar clients import.

By default there is one all-day event per treatment day whose summary lists every drug and
dose given that day (``C1 D8 · KRd: carfilzomib 110.4 mg IV, lenalidomide 25 mg PO, ...``);
``per="administration"`` gives one event per administration instead. Each event's
description carries the full trace of every dose, the patient and BSA essentials and the
verification notice; the calendar's own description carries the whole order header.

UIDs are stable: the same patient, protocol, start date and cycle day (and drug, per
administration) give the same UID on every export, whatever the dose, so importing an
updated calendar updates its events instead of duplicating them. UIDs are hashed, so no
patient text appears in them.

Events are timed when ``time`` is given: in ``tz`` with a generated ``VTIMEZONE``, or as
floating local time without a zone (said so in every description). ``remind`` adds a
display alarm. Escaping and line folding are the ``icalendar`` package's; free text goes
through :mod:`dosing._text` before it reaches it (control and bidirectional characters
become U+FFFD; line breaks stay line breaks in descriptions, ``\\n`` once escaped, and
become spaces in one-line properties such as the summary).

>>> import datetime as dt
>>> from dosing import Patient, build_schedule, get_protocol
>>> s = build_schedule(get_protocol("KRd"), Patient(height="175 cm", weight="80 kg"),
...                    dt.date(2026, 1, 5), cycles=1, today=dt.date(2026, 1, 1))
>>> data = to_ics(s, generated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
>>> data.count(b"BEGIN:VEVENT"), len(s.by_day())
(22, 22)
>>> unfolded = data.replace(b"\\r\\n ", b"").decode()
>>> print([line for line in unfolded.splitlines() if line.startswith("SUMMARY:C1 D8 ")][0])
SUMMARY:C1 D8 · KRd: carfilzomib 110.4 mg IV\\, lenalidomide 25 mg PO\\, dexamethasone 40 mg PO
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Alarm, Calendar, Event, Timezone
from icalendar.prop import vCategory, vDDDTypes, vDuration, vInt, vText

from dosing._text import multi_line, one_line
from dosing.errors import DateError, DosingError, ScheduleError
from dosing.export._common import Header, header
from dosing.schedule import Administration, HeldAdministration, Schedule
from dosing.trace import Delayed, DoseLevelApplied, Reweighed

__all__ = [
    "DEFAULT_DURATION",
    "MAX_EVENT_DURATION",
    "MAX_REMINDER",
    "event_uid",
    "parse_duration",
    "parse_time",
    "parse_tz",
    "to_ics",
]

#: Length of a timed event when no ``duration`` is given.
DEFAULT_DURATION = dt.timedelta(hours=1)
#: Longest timed event: one day (treatment days would overlap otherwise).
MAX_EVENT_DURATION = dt.timedelta(hours=24)
#: Longest reminder lead time, and the longest duration :func:`parse_duration` reads.
MAX_REMINDER = dt.timedelta(days=28)

_UID_DOMAIN = "dosing"
_UID_SCHEME = "dosing-event-v2"
_ZONE_HISTORY = dt.timedelta(days=400)
_FOLD_AT = 74  # octets; a longer content line is folded

_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$", re.ASCII)
_DURATION = re.compile(
    r"^\s*(?:(\d{1,5})\s*d)?\s*(?:(\d{1,6})\s*h)?\s*(?:(\d{1,7})\s*m)?\s*$", re.I | re.ASCII
)
_ZONE_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)*$")
_NOT_ZONES = frozenset({"localtime", "posixrules", "factory"})


# -- option parsing -------------------------------------------------------------------------


def parse_time(value: str, *, field: str = "--time") -> dt.time:
    """Read a 24-hour wall-clock time ``HH:MM`` for timed events.

    >>> parse_time("09:00"), parse_time("7:30")
    (datetime.time(9, 0), datetime.time(7, 30))
    >>> parse_time("25:00")
    Traceback (most recent call last):
      ...
    dosing.errors.DateError: --time must be a 24-hour time HH:MM from 00:00 to 23:59, got '25:00'
    """
    text = value if isinstance(value, str) else ""
    m = _TIME.match(text) if len(text) <= 20 else None
    if m is None or int(m[1]) > 23 or int(m[2]) > 59:
        raise DateError(field, "a 24-hour time HH:MM from 00:00 to 23:59", _shown(value))
    return dt.time(int(m[1]), int(m[2]))


def parse_tz(value: str, *, field: str = "--tz") -> ZoneInfo:
    """Read an IANA time zone name such as ``Europe/Berlin`` (never the system's own zone).

    >>> parse_tz("Europe/Berlin")
    zoneinfo.ZoneInfo(key='Europe/Berlin')
    >>> parse_tz("Mars/Olympus")
    Traceback (most recent call last):
      ...
    dosing.errors.DateError: --tz must be an IANA time zone name such as Europe/Berlin or America/New_York, got 'Mars/Olympus'
    """
    constraint = "an IANA time zone name such as Europe/Berlin or America/New_York"
    text = value.strip() if isinstance(value, str) else ""
    if not (0 < len(text) <= 64 and _ZONE_KEY.match(text)) or text.lower() in _NOT_ZONES:
        raise DateError(field, constraint, _shown(value))
    try:
        zone = ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise DateError(field, constraint, _shown(value)) from None
    return zone


def parse_duration(value: str, *, field: str = "--duration") -> dt.timedelta:
    """Read a positive duration of days, hours and minutes: ``1d``, ``2h``, ``90m``, ``1h30m``.

    At most 28 days.

    >>> parse_duration("1d"), parse_duration("1h30m", field="--remind")
    (datetime.timedelta(days=1), datetime.timedelta(seconds=5400))
    >>> parse_duration("0m", field="--remind")
    Traceback (most recent call last):
      ...
    dosing.errors.DateError: --remind must be a positive duration such as 1d, 2h, 30m or 1h30m, got '0m'
    """
    constraint = "a positive duration such as 1d, 2h, 30m or 1h30m"
    text = value if isinstance(value, str) else ""
    m = _DURATION.match(text) if len(text) <= 40 else None
    if m is None or not any(m.groups()):
        raise DateError(field, constraint, _shown(value))
    days, hours, minutes = (int(g or 0) for g in m.groups())
    length = dt.timedelta(days=days, hours=hours, minutes=minutes)
    if length <= dt.timedelta(0):
        raise DateError(field, constraint, _shown(value))
    if length > MAX_REMINDER:
        raise DateError(field, "at most 28 days", _shown(value))
    return length


def _shown(value: object) -> str:
    if isinstance(value, dt.timedelta):
        sign = "-" if value < dt.timedelta(0) else ""
        return f"{sign}{_span_text(abs(value))}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# -- UIDs -----------------------------------------------------------------------------------


def _identity(schedule: Schedule) -> tuple[str, ...]:
    """Who and which course the calendar is for - never a measurement.

    A course id (kept in the course file) names the course; else the patient identifier and
    the start date; else the start date alone (give an identifier to keep two patients'
    calendars apart in one calendar client).
    """
    if schedule.course_id:
        return ("course:" + schedule.course_id,)
    ident = (schedule.patient.identifier or "").strip()
    if ident:
        return ("id:" + ident, schedule.start.isoformat())
    return ("anonymous", schedule.start.isoformat())


def event_uid(schedule: Schedule, cycle: int, day: int, drug: str | None = None) -> str:
    """The stable UID of the event for ``cycle``/``day`` (and ``drug``, per administration).

    Made from the calendar's identity (the course id; else the patient identifier and start
    date; else the start date), the protocol id, the cycle and day and the drug, hashed with
    SHA-256. Doses, measurements and amendments are not part of it, so a changed dose, a new
    weight or a delay updates the event on re-import instead of duplicating it.

    >>> import datetime as dt
    >>> from dosing import Patient, build_schedule, get_protocol
    >>> s = build_schedule(get_protocol("KRd"), Patient(height=175, weight=80, identifier="A1"),
    ...                    dt.date(2026, 1, 5), cycles=1, today=dt.date(2026, 1, 1))
    >>> uid = event_uid(s, 1, 8)
    >>> uid.endswith("@dosing"), len(uid), "A1" in uid
    (True, 39, False)
    """
    parts = (
        _UID_SCHEME,
        schedule.protocol.id,
        *_identity(schedule),
        f"C{cycle}",
        f"D{day}",
        "drug:" + drug if drug is not None else "day",
    )
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return f"{digest[:32]}@{_UID_DOMAIN}"


def _unique(uid: str, used: set[str]) -> str:
    """``uid``, or a derived one if an odd protocol put two events on the same key."""
    candidate, n = uid, 1
    while candidate in used:
        n += 1
        digest = hashlib.sha256(f"{uid}#{n}".encode()).hexdigest()
        candidate = f"{digest[:32]}@{_UID_DOMAIN}"
    used.add(candidate)
    return candidate


# -- time zones -----------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _vtimezone(zone: ZoneInfo, first: dt.date, last: dt.date) -> Timezone:
    # The component is never mutated after creation, so one object serves every export.
    component = Timezone.from_tzinfo(zone, zone.key, first, last)
    # icalendar notes the covered range in a COMMENT, which RFC 5545 does not allow directly
    # in VTIMEZONE (libical and the Ruby parser reject it); the range is in the docs instead.
    component.pop("COMMENT", None)
    return component


def _zone_key(tz: dt.tzinfo) -> str | None:
    """The TZID to write for ``tz``: a ZoneInfo key; ``None`` for UTC or an unnamed zone."""
    if isinstance(tz, ZoneInfo) and tz.key and tz.key.upper() not in {"UTC", "ETC/UTC", "Z"}:
        return str(tz.key)
    return None


def _on_the_clock(moment: dt.datetime, zone: str) -> tuple[dt.datetime, str]:
    """``moment`` as a wall-clock time that exists, and a note if it had to move or is ambiguous.

    A time inside a clock change forward (02:30 when clocks jump from 02:00 to 03:00) does
    not exist; RFC 5545 reads it with the offset before the change, which parsers disagree
    on, so the event is written at the existing time it means (03:30) and the note says so.
    A time that occurs twice (clocks going back) is the first occurrence, as RFC 5545 says.
    """
    if moment.tzinfo is None:
        return moment, ""
    wall = moment.replace(tzinfo=None)
    real = moment.astimezone(dt.UTC).astimezone(moment.tzinfo)
    if real.replace(tzinfo=None) != wall:
        return real, (
            f"note: {wall:%H:%M} does not exist on {wall:%Y-%m-%d} in {zone} "
            f"(clock change); the event is set at {real:%H:%M}."
        )
    if moment.replace(fold=1).utcoffset() != moment.utcoffset():
        return moment, (
            f"note: {wall:%H:%M} occurs twice on {wall:%Y-%m-%d} in {zone} "
            "(clock change); the first occurrence is meant."
        )
    return moment, ""


# -- the calendar ---------------------------------------------------------------------------


class _Timing:
    """How event times are written: all-day, floating, in a named zone or in UTC."""

    def __init__(
        self, time: dt.time | None, tz: dt.tzinfo | None, duration: dt.timedelta | None
    ) -> None:
        if time is not None and not isinstance(time, dt.time):
            raise DateError("time", "a datetime.time (see parse_time)", _shown(time))
        if time is not None and (time.tzinfo is not None or time.second or time.microsecond):
            raise DateError(
                "time",
                "a wall-clock time in whole minutes without a zone (give the zone as tz)",
                _shown(time),
            )
        if tz is not None and time is None:
            raise DateError(
                "tz", "used together with time (all-day events have no zone)", _shown(tz)
            )
        if tz is not None and not isinstance(tz, dt.tzinfo):
            raise DateError("tz", "a time zone (see parse_tz)", _shown(tz))
        if duration is not None and time is None:
            raise DateError(
                "duration",
                "used together with time (all-day events last one day)",
                _shown(duration),
            )
        if duration is not None and not (
            isinstance(duration, dt.timedelta) and dt.timedelta(0) < duration <= MAX_EVENT_DURATION
        ):
            raise DateError(
                "duration", "a positive time span of at most 24 hours", _shown(duration)
            )
        self.time = time
        self.tz = tz
        self.duration = duration or DEFAULT_DURATION
        self.zone = None if tz is None else _zone_key(tz)

    def describe(self) -> str:
        """The ``time`` line of every event description."""
        if self.time is None:
            return "all-day events"
        span = f"{self.time:%H:%M}, {_span_text(self.duration)}"
        if self.tz is None:
            return (
                f"{span}, floating local time (no time zone given: the event shows at "
                f"{self.time:%H:%M} in whatever zone the calendar is viewed)"
            )
        if self.zone is not None:
            return f"{span}, time zone {self.zone}"
        return f"{span}, time zone {self.tz} (written in UTC)"

    def start_end(self, day: dt.date) -> tuple[vDDDTypes, vDDDTypes, str]:
        """DTSTART and DTEND values for an event on ``day``, and any clock-change note."""
        if self.time is None:
            return vDDDTypes(day), vDDDTypes(day + dt.timedelta(days=1)), ""
        start, note = _on_the_clock(
            dt.datetime.combine(day, self.time, tzinfo=self.tz), self.zone or str(self.tz)
        )
        if self.tz is not None and self.zone is None:
            start = start.astimezone(dt.UTC)
        end = start + self.duration
        if self.zone is not None:  # wall-clock arithmetic across a clock change: go via UTC
            end = (start.astimezone(dt.UTC) + self.duration).astimezone(self.tz)
        return vDDDTypes(start), vDDDTypes(end), note


def _span_text(span: dt.timedelta) -> str:
    """``1 h 30 min``, ``25 h``, ``0 min`` (whole minutes; seconds are left out)."""
    minutes = int(span.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    parts = ([f"{hours} h"] if hours else []) + ([f"{minutes} min"] if minutes else [])
    return " ".join(parts) or "0 min"


def _header_text(head: Header) -> str:
    return multi_line("\n".join(head.lines()))


#: Header fields every event repeats: who and what, never a measurement or a course detail
#: (those change with a new weight or an amendment, and live in the calendar's description).
_EVENT_FIELDS = ("patient identifier", "protocol")


def _essentials(head: Header, timing: _Timing) -> str:
    """The few header lines every event repeats, and where the rest is.

    The patient identifier, the protocol and the time; measurements, BSA, choices, renal
    function and course changes are in the calendar's description, so that an event changes
    only when its own doses do.
    """
    lines = [f"{label}: {text}" for label, text in head.fields if label in _EVENT_FIELDS]
    lines.append(f"time: {timing.describe()}")
    lines.append(
        "order header (measurements, BSA, choices, renal function, course changes, sources): "
        "in the calendar's description"
    )
    return "\n".join(lines)


def _dose_block(admin: Administration, note: str | None) -> str:
    lines = [f"{admin.drug} {admin.dose.text} {admin.route}"]
    lines += [f"  {line}" for line in admin.dose.trace().splitlines()]
    lines += [f"  {'warning' if e.warning else 'note'}: {e}" for e in admin.events]
    if note:
        lines.append(f"  protocol note: {note}")
    return "\n".join(lines)


def to_ics(
    schedule: Schedule,
    *,
    generated_at: dt.datetime | None = None,
    per: str = "day",
    time: dt.time | None = None,
    tz: dt.tzinfo | None = None,
    remind: dt.timedelta | None = None,
    duration: dt.timedelta | None = None,
) -> bytes:
    """The schedule as an iCalendar file (UTF-8 bytes, CRLF line ends, folded at 75 octets).

    ``per`` is ``"day"`` (one all-day event per treatment day) or ``"administration"``.
    ``time`` makes events timed (``tz`` names their zone; without it they float in local
    time), lasting ``duration`` (default 1 hour, at most 24). ``remind`` adds a display
    alarm that long before each event (for an all-day event, before its midnight).
    ``generated_at`` (time-zone aware) fixes DTSTAMP, so the output is byte-identical
    for the same input; without it the current time is used.

    >>> import datetime as dt
    >>> from dosing import Patient, build_schedule, get_protocol
    >>> s = build_schedule(get_protocol("Kd-weekly"), Patient(height=175, weight=80),
    ...                    dt.date(2026, 3, 2), cycles=1, today=dt.date(2026, 3, 1))
    >>> data = to_ics(s, time=parse_time("09:00"), tz=parse_tz("America/New_York"),
    ...               remind=parse_duration("1d"), per="administration")
    >>> b"BEGIN:VTIMEZONE" in data, b"DTSTART;TZID=America/New_York:20260302T090000" in data
    (True, True)
    >>> data.count(b"BEGIN:VALARM") == data.count(b"BEGIN:VEVENT") == len(s.administrations)
    True
    """
    if per not in ("day", "administration"):
        raise DosingError("per", "'day' or 'administration'", _shown(per))
    if generated_at is not None and (
        not isinstance(generated_at, dt.datetime) or generated_at.tzinfo is None
    ):
        raise DateError("generated_at", "a time-zone-aware datetime", _shown(generated_at))
    if remind is not None and not (
        isinstance(remind, dt.timedelta) and dt.timedelta(0) < remind <= MAX_REMINDER
    ):
        raise DateError("remind", "a positive time span of at most 28 days", _shown(remind))
    timing = _Timing(time, tz, duration)
    if not schedule.administrations:
        raise ScheduleError("schedule", "at least one administration for a calendar", "none")

    moment = (generated_at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    head = header(schedule, generated_at=moment)
    calendar = _calendar(schedule, head, moment, per, timing, remind)
    return _serialize(calendar)


def _calendar(
    schedule: Schedule,
    head: Header,
    moment: dt.datetime,
    per: str,
    timing: _Timing,
    remind: dt.timedelta | None,
) -> Calendar:
    from dosing import __version__

    protocol = schedule.protocol
    ident = (schedule.patient.identifier or "").strip()
    title = one_line(head.title + (f": {ident}" if ident else ""))
    cal = Calendar()
    cal.add("PRODID", f"-//dosing//dosing {__version__}//EN")
    cal.add("VERSION", "2.0")
    cal.add("CALSCALE", "GREGORIAN")
    # icalendar types NAME (RFC 7986) and X- properties as unknown and would write them
    # unescaped; they are TEXT, so they are given as vText.
    name = vText(title)
    cal.add("NAME", name)
    cal.add("X-WR-CALNAME", name)
    full_header = vText(_header_text(head))
    cal.add("DESCRIPTION", full_header)
    cal.add("X-WR-CALDESC", full_header)

    if timing.tz is not None and timing.zone is not None:
        # From a year before the first event (covering reminders, and giving every
        # observance an onset before the first event, which some parsers need) to after
        # the last event's end.
        first = schedule.administrations[0].date - _ZONE_HISTORY
        last = schedule.administrations[-1].date + dt.timedelta(days=3)
        assert isinstance(timing.tz, ZoneInfo)
        cal.add_component(_vtimezone(timing.tz, first, last))

    # Values shared by many events are built once.
    stamp = vDDDTypes(moment)
    sequences: dict[int, vInt] = {}
    cancelled = vText("CANCELLED")
    transparent = vText("TRANSPARENT")
    alarm_action = vText("DISPLAY")
    trigger = None if remind is None else vDuration(-remind)
    essentials = _essentials(head, timing)
    notice = f"NOTICE: {head.notice}"
    blocks: dict[tuple[str, str, tuple[object, ...], int], str] = {}
    drug_notes = {d.name: d.note for d in protocol.drugs}
    descriptions: dict[tuple[object, ...], vText] = {}
    categories: dict[tuple[str, ...], vCategory] = {}
    used: set[str] = set()

    for day, uid, admins, held, label in _groups(schedule, per):
        start, end, clock_note = timing.start_end(day)
        key = tuple((a.drug, a.route, a.events, id(a.dose)) for a in admins)
        doses = [f"{a.drug} {a.dose.text} {a.route}" for a in admins]
        held_text = [f"{h.drug} held ({h.event.why})" for h in held]
        if doses:
            summary = one_line(f"{label} · {protocol.id}: {', '.join(doses)}")
        else:
            summary = one_line(
                f"{label} · {protocol.id}: cancelled - {', '.join(h.drug for h in held)} held"
            )

        description = descriptions.get((key, tuple(held_text), clock_note))
        if description is None:
            parts = []
            for a, k in zip(admins, key, strict=True):
                block = blocks.get(k)
                if block is None:
                    block = blocks[k] = _dose_block(a, drug_notes[a.drug])
                parts.append(block)
            parts += [f"held, not given: {text}" for text in held_text]
            if clock_note:
                parts.append(clock_note)
            parts += [essentials, notice]
            description = vText(multi_line("\n\n".join(parts)))
            descriptions[(key, tuple(held_text), clock_note)] = description

        changes = len(
            {e.amendment for a in admins for e in a.events if isinstance(e, _AMENDED)}
            | {h.event.amendment for h in held}
        )
        sequence = sequences.get(changes)
        if sequence is None:
            sequence = sequences[changes] = vInt(changes)

        drugs = tuple(dict.fromkeys([*(a.drug for a in admins), *(h.drug for h in held)]))
        category = categories.get(drugs)
        if category is None:
            category = categories[drugs] = vCategory([one_line(protocol.id), *map(one_line, drugs)])

        event = Event()
        event["UID"] = vText(_unique(uid, used))
        event["DTSTAMP"] = stamp
        event["SEQUENCE"] = sequence
        event["DTSTART"] = start
        event["DTEND"] = end
        event["SUMMARY"] = vText(summary)
        event["DESCRIPTION"] = description
        event["CATEGORIES"] = category
        if not admins:
            event["STATUS"] = cancelled
        if timing.time is None:
            event["TRANSP"] = transparent
        if trigger is not None:
            alarm = Alarm()
            alarm["ACTION"] = alarm_action
            alarm["TRIGGER"] = trigger
            alarm["DESCRIPTION"] = vText("Reminder: " + summary)
            event.add_component(alarm)
        cal.add_component(event)
    return cal


_AMENDED = (Delayed, DoseLevelApplied, Reweighed)


def _groups(
    schedule: Schedule, per: str
) -> list[tuple[dt.date, str, Sequence[Administration], Sequence[HeldAdministration], str]]:
    """The events to write: each treatment day (or administration) with what was held there.

    A day (or an administration) whose every dose a course held becomes an event of its own,
    so that a calendar that had it marks it cancelled instead of keeping a stale entry.
    """
    if per == "day":
        days: dict[
            tuple[int, int], tuple[dt.date, list[Administration], list[HeldAdministration]]
        ] = {}
        for a in schedule.administrations:
            days.setdefault((a.cycle, a.day), (a.date, [], []))[1].append(a)
        for h in schedule.held:
            days.setdefault((h.cycle, h.day), (h.date, [], []))[2].append(h)
        return sorted(
            (
                (date, event_uid(schedule, c, d), admins, held, f"C{c} D{d}")
                for (c, d), (date, admins, held) in days.items()
            ),
            key=lambda g: (g[0], g[4]),
        )
    items: list[
        tuple[dt.date, str, Sequence[Administration], Sequence[HeldAdministration], str]
    ] = [
        (a.date, event_uid(schedule, a.cycle, a.day, a.drug), (a,), (), a.label)
        for a in schedule.administrations
    ]
    items += [
        (h.date, event_uid(schedule, h.cycle, h.day, h.drug), (), (h,), h.label)
        for h in schedule.held
    ]
    return sorted(items, key=lambda g: g[0])


def _serialize(calendar: Calendar) -> bytes:
    """``calendar.to_ical(sorted=False)``, with each distinct property written and folded only once.

    Events share many values (DTSTAMP, descriptions, categories), and ``icalendar`` escapes
    and folds every line character by character. Here each distinct value object becomes a
    content line once (by ``icalendar``), and only lines longer than 74 octets are folded
    (by ``icalendar``); the bytes are the same as ``calendar.to_ical(sorted=False)``: properties in the order
    they were added.
    """
    written: dict[tuple[str, object], bytes] = {}
    out = []
    for name, value in calendar.property_items(sorted=False):
        key = (name, value if isinstance(value, bytes) else id(value))
        data = written.get(key)
        if data is None:
            line = calendar.content_line(name, value, sorted=False)
            data = line.encode("utf-8")
            if len(data) > _FOLD_AT:
                data = line.to_ical()
            written[key] = data
        out.append(data)
    return b"\r\n".join(out) + b"\r\n"
