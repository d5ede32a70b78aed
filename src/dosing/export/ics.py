"""iCalendar (RFC 5545) export: a schedule as events that calendar clients import.

By default there is one all-day event per treatment day whose summary lists every drug and
dose given that day (``C1 D8 · KRd: carfilzomib 110.4 mg IV, lenalidomide 25 mg PO, ...``);
``per="administration"`` gives one event per administration instead. Each event's
description carries every dose with its calculation, reasons and drug note, and a short
notice; the calendar's own description carries the whole order header and the full notice,
which no event repeats. :func:`to_calendar` gives the calendar as ``icalendar`` components.

``audience="patient"`` writes a calendar for the patient instead: plain words
(``Clinic: carfilzomib infusion (30 min)``, ``Home: lenalidomide 25 mg capsule``), summaries
of at most :data:`MAX_PATIENT_SUMMARY` characters, a short notice, and no identifier,
measurement, BSA, renal function or source anywhere in the file. Doses given at the clinic
(IV, SC, IM) and doses taken at home (PO) are then separate events, as they are in a staff
calendar with a ``time``.

UIDs are stable: the same patient, protocol, start date and cycle day (and drug, per
administration, or clinic or home part of a day) give the same UID on every export,
whatever the dose, so importing an updated calendar updates its events instead of
duplicating them. UIDs are hashed, so no patient text appears in them.

Clinic events are timed when ``time`` is given: in ``tz`` with a generated ``VTIMEZONE``,
or as floating local time without a zone (said so in every description), lasting the
protocol's infusion times. ``remind`` adds a display alarm before timed events,
``remind_at`` one at a time of day to all-day events. Line folding and the escaping of
values other than text are the ``icalendar`` package's (text is escaped here, as RFC 5545
says); free text goes through :mod:`dosing._text` before it reaches it
(control and bidirectional characters become U+FFFD; line breaks stay line breaks in
descriptions, ``\\n`` once escaped, and become spaces in one-line properties such as the
summary).

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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Alarm, Calendar, Event, Timezone
from icalendar.parser import Contentline
from icalendar.prop import vCategory, vDDDTypes, vDuration, vInt, vText

from dosing._text import multi_line, one_line
from dosing.dose import Basis
from dosing.errors import DateError, DosingError, ScheduleError
from dosing.export._common import Header, header
from dosing.notation import format_amount
from dosing.protocol import Drug
from dosing.schedule import Administration, HeldAdministration, Schedule
from dosing.trace import Delayed, DoseLevelApplied, Reweighed

__all__ = [
    "AUDIENCES",
    "DEFAULT_DURATION",
    "EVENT_NOTICE",
    "MAX_EVENT_DURATION",
    "MAX_PATIENT_SUMMARY",
    "MAX_REMINDER",
    "PATIENT_NOTICE",
    "event_uid",
    "parse_duration",
    "parse_time",
    "parse_tz",
    "to_calendar",
    "to_ics",
]

#: Length of a timed event when no ``duration`` is given.
DEFAULT_DURATION = dt.timedelta(hours=1)
#: Longest timed event: one day (treatment days would overlap otherwise).
MAX_EVENT_DURATION = dt.timedelta(hours=24)
#: Longest reminder lead time, and the longest duration :func:`parse_duration` reads.
MAX_REMINDER = dt.timedelta(days=28)
#: Who a calendar is for: ``staff`` (the full trace) or ``patient`` (plain words, no
#: identifier and no measurement).
AUDIENCES = ("staff", "patient")
#: Longest summary of an event in a patient's calendar, in characters: what a phone's
#: calendar shows of an event on one or two lines.
MAX_PATIENT_SUMMARY = 60
#: The notice every event of a patient's calendar carries.
PATIENT_NOTICE = "Check every dose with your care team."

_UID_DOMAIN = "dosing"
_UID_SCHEMES = {"staff": "dosing-event-v2", "patient": "dosing-patient-event-v1"}
#: Hexadecimal digits written as letters in a patient's UIDs: no digit, and none of the
#: letters of ``kg``, ``BSA``, ``MRN`` or ``m²``.
_LETTERS = str.maketrans("0123456789abcdef", "acdefhijlopqtuvw")
_PLACES = ("clinic", "home")
_ZONE_HISTORY = dt.timedelta(days=400)
_FOLD_AT = 74  # octets; a longer content line is folded

_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$", re.ASCII)
_DURATION = re.compile(
    r"^\s*(?:(\d{1,5})\s*d)?\s*(?:(\d{1,6})\s*h)?\s*(?:(\d{1,7})\s*m)?\s*$", re.I | re.ASCII
)
_ZONE_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)*$")
_NOT_ZONES = frozenset({"localtime", "posixrules", "factory"})


class _Text(vText):
    r"""A TEXT value escaped exactly as RFC 5545 says.

    ``icalendar`` first turns the two characters ``\N`` into a line break, so an identifier
    such as ``A\N1`` came back as two lines; here a backslash is only ever escaped.

    >>> _Text("A\\N1; x, y\nz").to_ical()
    b'A\\\\N1\\; x\\, y\\nz'
    """

    def to_ical(self) -> bytes:
        """The escaped value, encoded."""
        text = str(self).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
        return text.encode("utf-8")


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


def _identity(schedule: Schedule, audience: str) -> tuple[str, ...]:
    """Who and which course the calendar is for - never a measurement.

    A course id (kept in the course file) names the course; else the patient identifier and
    the start date; else the start date alone (give an identifier to keep two patients'
    calendars apart in one calendar client). A patient's calendar never uses the
    identifier, not even hashed: identifiers are short enough to be found again by trying
    them all, so its events are named by the course id, else the start date.
    """
    if schedule.course_id:
        return ("course:" + schedule.course_id,)
    ident = (schedule.patient.identifier or "").strip()
    if ident and audience == "staff":
        return ("id:" + ident, schedule.start.isoformat())
    return ("anonymous", schedule.start.isoformat())


def event_uid(
    schedule: Schedule,
    cycle: int,
    day: int,
    drug: str | None = None,
    *,
    place: str | None = None,
    audience: str = "staff",
) -> str:
    """The stable UID of the event for ``cycle``/``day`` (and ``drug``, or ``place``).

    Made from the calendar's identity (the course id; else the patient identifier and start
    date; else the start date), the protocol id, the cycle and day and what the event holds:
    the whole day, one drug (``drug``, per administration), or the doses given at the clinic
    or taken at home (``place`` ``"clinic"`` or ``"home"``, when a day is split), hashed with
    SHA-256. Doses, measurements, times and amendments are not part of it, so a changed
    dose, a new weight, a delay or another time updates the event on re-import instead of
    duplicating it.

    A patient's calendar (``audience="patient"``) has UIDs of its own: a scheme of their own,
    no identifier in the identity (see :func:`_identity`), and written in letters only, so
    that no number of the patient's (a height, a weight, an identifier) can appear in them,
    even by chance.

    >>> import datetime as dt
    >>> from dosing import Patient, build_schedule, get_protocol
    >>> s = build_schedule(get_protocol("KRd"), Patient(height=175, weight=80, identifier="A1"),
    ...                    dt.date(2026, 1, 5), cycles=1, today=dt.date(2026, 1, 1))
    >>> uid = event_uid(s, 1, 8)
    >>> uid.endswith("@dosing"), len(uid), "A1" in uid
    (True, 39, False)
    >>> clinic = event_uid(s, 1, 8, place="clinic", audience="patient")
    >>> clinic != event_uid(s, 1, 8, place="clinic"), any(c.isdigit() for c in clinic)
    (True, False)
    """
    if audience not in AUDIENCES:
        raise DosingError("audience", "'staff' or 'patient'", _shown(audience))
    if place not in (None, *_PLACES) or (place is not None and drug is not None):
        raise DosingError("place", "'clinic' or 'home', and not given with a drug", _shown(place))
    parts = (
        _UID_SCHEMES[audience],
        schedule.protocol.id,
        *_identity(schedule, audience),
        f"C{cycle}",
        f"D{day}",
        "drug:" + drug if drug is not None else place or "day",
    )
    return _uid_text("\x1f".join(parts), audience)


def _uid_text(key: str, audience: str) -> str:
    """The first 32 hexadecimal digits of the SHA-256 of ``key`` (letters for a patient), @dosing."""
    text = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    if audience == "patient":
        text = text.translate(_LETTERS)
    return f"{text}@{_UID_DOMAIN}"


def _unique(uid: str, used: set[str], audience: str) -> str:
    """``uid``, or a derived one if an odd protocol put two events on the same key."""
    candidate, n = uid, 1
    while candidate in used:
        n += 1
        candidate = _uid_text(f"{uid}#{n}", audience)
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
    # Over two years, icalendar gives an observance several onsets in one RDATE list, which
    # the Ruby parser cannot read and ical.js, vobject and ts-ics read wrongly (ts-ics also
    # one RDATE a line, and the Ruby parser observances that begin after an event). The
    # onsets of a clock change that comes back every year on the same weekday of the same
    # month (the last Sunday of March) are written as that yearly rule instead, the form
    # every parser reads; others stay RDATEs, one a line.
    for observance in component.subcomponents:
        listed = observance.pop("RDATE", None)
        if listed is None:
            continue
        onsets = [observance.decoded("DTSTART")]
        for value in listed if isinstance(listed, list) else [listed]:
            onsets += [onset.dt for onset in value.dts]
        rule = _yearly_rule(onsets)
        if rule is not None:
            # Open-ended, as calendar programs write it (vobject and the Ruby parser misread
            # an UNTIL here); it holds for every event of the file.
            observance.add("RRULE", rule)
        else:
            for onset in onsets[1:]:
                observance.add("RDATE", onset)
    return component


_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _yearly_rule(onsets: Sequence[dt.datetime]) -> dict[str, object] | None:
    """``FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU`` if ``onsets`` (one a year, from the first) follow it.

    >>> _yearly_rule([dt.datetime(2025, 3, 30, 2), dt.datetime(2026, 3, 29, 2)])
    {'FREQ': 'YEARLY', 'BYMONTH': 3, 'BYDAY': '-1SU'}
    >>> _yearly_rule([dt.datetime(2025, 3, 30, 2), dt.datetime(2026, 4, 5, 2)]) is None
    True
    """
    first = onsets[0]
    years = [o.year for o in onsets]
    if years != list(range(first.year, first.year + len(onsets))) or any(
        (o.month, o.weekday(), o.time()) != (first.month, first.weekday(), first.time())
        for o in onsets
    ):
        return None
    weekday = _WEEKDAYS[first.weekday()]
    if all((o + dt.timedelta(days=7)).month != o.month for o in onsets):
        return {"FREQ": "YEARLY", "BYMONTH": first.month, "BYDAY": f"-1{weekday}"}
    nth = (first.day - 1) // 7 + 1
    if all((o.day - 1) // 7 + 1 == nth for o in onsets):
        return {"FREQ": "YEARLY", "BYMONTH": first.month, "BYDAY": f"{nth}{weekday}"}
    return None


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


def _check_clock(value: object, field: str, hint: str) -> None:
    """``value`` must be a wall-clock ``datetime.time`` in whole minutes, without a zone."""
    if not isinstance(value, dt.time):
        raise DateError(field, "a datetime.time (see parse_time)", _shown(value))
    if value.tzinfo is not None or value.second or value.microsecond:
        raise DateError(
            field, f"a wall-clock time in whole minutes without a zone ({hint})", _shown(value)
        )


@dataclass(frozen=True, slots=True)
class _Length:
    """How long a clinic appointment is shown, and why (staff words)."""

    span: dt.timedelta
    why: str
    from_protocol: bool


class _Timing:
    """How event times are written: all-day, or timed - floating, in a named zone or in UTC."""

    def __init__(
        self, time: dt.time | None, tz: dt.tzinfo | None, duration: dt.timedelta | None
    ) -> None:
        if time is not None:
            _check_clock(time, "time", "give the zone as tz")
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
        self.duration = duration
        self.zone = None if tz is None else _zone_key(tz)

    def length(self, drugs: Sequence[Drug]) -> _Length:
        """How long a clinic appointment for ``drugs`` is shown.

        The sum of their infusion times in the protocol when it gives every one; else the
        duration given, else :data:`DEFAULT_DURATION`.
        """
        missing = [d.name for d in drugs if d.infusion_minutes is None]
        if drugs and not missing:
            times = ", ".join(f"{d.name} {d.infusion_minutes} min" for d in drugs)
            plural = "s" if len(drugs) > 1 else ""
            return _Length(
                dt.timedelta(minutes=sum(d.infusion_minutes or 0 for d in drugs)),
                f"infusion time{plural} from the protocol: {times}",
                True,
            )
        gap = f"the protocol gives no infusion time for {', '.join(missing)}"
        if self.duration is not None:
            return _Length(self.duration, f"the duration given; {gap}", False)
        return _Length(DEFAULT_DURATION, f"default length; {gap}", False)

    def describe(self, length: _Length | None) -> str:
        """The ``time`` line of a staff event's description (``length`` None: all day)."""
        if self.time is None or length is None:
            return "all-day events"
        span = f"{self.time:%H:%M}, {_span_text(length.span)} ({length.why})"
        if self.tz is None:
            return (
                f"{span}, floating local time (no time zone given: the event shows at "
                f"{self.time:%H:%M} in whatever zone the calendar is viewed)"
            )
        if self.zone is not None:
            return f"{span}, time zone {self.zone}"
        return f"{span}, time zone {self.tz} (written in UTC)"

    def plain(self, length: _Length) -> str:
        """When a clinic appointment is, in a patient's words."""
        assert self.time is not None
        if self.tz is None:
            where = "local time, wherever you are"
        elif self.zone is not None:
            where = f"{self.zone} time"
        else:
            where = str(self.tz)
        about = (
            "the infusion time in your treatment plan; the visit may take longer"
            if length.from_protocol
            else "ask the clinic how long the visit takes"
        )
        return f"Time: {self.time:%H:%M} ({where}), shown as {_span_text(length.span)}: {about}."

    def timed(self, day: dt.date, span: dt.timedelta) -> tuple[vDDDTypes, vDDDTypes, str]:
        """DTSTART and DTEND values for an event at the time on ``day``, and any clock-change note."""
        assert self.time is not None
        start, note = _on_the_clock(
            dt.datetime.combine(day, self.time, tzinfo=self.tz), self.zone or str(self.tz)
        )
        if self.tz is not None and self.zone is None:
            start = start.astimezone(dt.UTC)
        end = start + span
        if self.zone is not None:  # wall-clock arithmetic across a clock change: go via UTC
            end = (start.astimezone(dt.UTC) + span).astimezone(self.tz)
            if _twice(start) or _twice(end):
                # Parsers disagree on which occurrence of such a wall-clock time a TZID time
                # means (RFC 5545: the first), and one cannot name the second at all: the
                # event is written in UTC, where its times are exact.
                start, end = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
        return vDDDTypes(start), vDDDTypes(end), note


def _twice(moment: dt.datetime) -> bool:
    """True if the wall-clock time of ``moment`` occurs twice in its zone (clocks going back)."""
    return moment.replace(fold=1 - moment.fold).utcoffset() != moment.utcoffset()


@dataclass(frozen=True, slots=True)
class _Options:
    """Everything but the schedule that shapes the events."""

    per: str
    audience: str
    timing: _Timing
    remind: dt.timedelta | None
    remind_at: dt.time | None

    @property
    def split(self) -> bool:
        """Clinic and home doses are separate events: for a patient, or when events are timed."""
        return self.audience == "patient" or self.timing.time is not None

    def timed(self, place: str | None) -> bool:
        """Events of ``place`` have a time: clinic doses, when a time is given."""
        return self.timing.time is not None and place == "clinic"

    def trigger(self, timed: bool) -> dt.timedelta | None:
        """When a reminder fires, from the event's start (an all-day event's is its midnight)."""
        if timed:
            return None if self.remind is None else -self.remind
        if self.remind_at is None:
            return None
        days = 0 if self.remind is None else self.remind.days
        return dt.timedelta(hours=self.remind_at.hour, minutes=self.remind_at.minute, days=-days)

    def reminder(self, timed: bool) -> str:
        """When the reminder of such an event fires, in words (``""`` for none)."""
        if timed:
            return "" if self.remind is None else f"{_lead_text(self.remind)} before the start"
        if self.remind_at is None:
            return ""
        days = 0 if self.remind is None else self.remind.days
        when = {0: "on the day", 1: "the day before"}.get(days, f"{days} days before")
        return f"{self.remind_at:%H:%M} {when}"


class _Group(NamedTuple):
    """What one event holds: the doses of a day, of its clinic or home part, or one dose.

    ``place`` is ``"clinic"`` or ``"home"`` when clinic and home doses are apart (``None``:
    the whole day); ``drug`` is set for one event per administration.
    """

    date: dt.date
    cycle: int
    day: int
    place: str | None
    drug: str | None
    admins: tuple[Administration, ...]
    held: tuple[HeldAdministration, ...]

    @property
    def label(self) -> str:
        """``C1 D8``."""
        return f"C{self.cycle} D{self.day}"


def _place(route: str) -> str:
    """``"home"`` for a dose taken by mouth, ``"clinic"`` for one given there (IV, SC, IM)."""
    return "home" if route == "PO" else "clinic"


def _span_text(span: dt.timedelta) -> str:
    """``1 h 30 min``, ``25 h``, ``0 min`` (whole minutes; seconds are left out)."""
    minutes = int(span.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    parts = ([f"{hours} h"] if hours else []) + ([f"{minutes} min"] if minutes else [])
    return " ".join(parts) or "0 min"


def _lead_text(span: dt.timedelta) -> str:
    """``1 day``, ``2 days``, else as :func:`_span_text` (``2 h``, ``1 day 2 h`` is ``26 h``)."""
    if span.days and not span.seconds:
        return f"{span.days} day{'s' if span.days != 1 else ''}"
    return _span_text(span)


#: The notice every event of a staff calendar ends with; the calendar's description has the
#: full one, with the order header.
EVENT_NOTICE = "Verify every dose before use (order header: the calendar's description)."


def _dose_block(admin: Administration, note: str | None) -> str:
    """A dose, its calculation on one line, then its notes, warnings and the drug's note.

    ``carfilzomib 39.4 mg IV = 20 mg/m² × 1.972 m² (Mosteller) = 39.4405 mg``; the rounding is
    named when one applies (the calendar's description says how doses are reported
    otherwise).
    """
    dose = admin.dose
    line = f"{admin.drug} {dose.text} {admin.route} = {dose.basis}"
    calculated = format_amount(dose.calculated_mg, "mg", decimals=4)
    if dose.rule.basis is not Basis.FLAT or calculated != dose.text:
        line += f" = {calculated}"
    if dose.rounding is not None:
        line += f"; rounding: {dose.rounding.describe()}"
    lines = [line]
    lines += [f"  {'warning' if e.warning else 'note'}: {e}" for e in admin.reasons]
    if note:
        lines.append(f"  drug note: {note}")
    return "\n".join(lines)


# -- a patient's words ----------------------------------------------------------------------

#: How a dose is given, in plain words, when the protocol names no form.
_ROUTE_WORDS = {
    "PO": "by mouth",
    "IV": "into a vein",
    "SC": "injection under the skin",
    "IM": "injection into a muscle",
}


def _form(drug: Drug | None, route: str) -> str:
    """``capsule``, ``infusion``: the protocol's form of the drug, else the route in words."""
    if drug is not None and drug.form is not None:
        return drug.form
    return _ROUTE_WORDS.get(route, route)


def _fit(head: str, wordings: Sequence[Sequence[str]], count: int) -> str:
    """``head: item, item`` in the first wording that fits :data:`MAX_PATIENT_SUMMARY`.

    Wordings go from the fullest to the shortest; when none fits, the number of medicines.
    """
    for items in wordings:
        text = one_line(f"{head}: {', '.join(items)}")
        if len(text) <= MAX_PATIENT_SUMMARY:
            return text
    return f"{head}: {count} medicine{'s' if count != 1 else ''}"


def _patient_summary(group: _Group, drugs: Mapping[str, Drug]) -> str:
    """``Clinic: carfilzomib infusion (30 min)``, ``Home: lenalidomide 25 mg capsule``.

    At most :data:`MAX_PATIENT_SUMMARY` characters: a day with more than fits drops the
    infusion times and forms, then the doses, then names only the number of medicines (the
    description has every dose). No measurement, no identifier.
    """
    head = "Clinic" if group.place == "clinic" else "Home"
    if not group.admins:
        names = list(dict.fromkeys(h.drug for h in group.held))
        return _fit(f"{head} cancelled", [names], len(names))
    admins = group.admins
    if group.place == "clinic":
        wordings = [
            [f"{a.drug} {_form(drugs.get(a.drug), a.route)}{_minutes(drugs, a)}" for a in admins],
            [f"{a.drug} {_form(drugs.get(a.drug), a.route)}" for a in admins],
            [a.drug for a in admins],
        ]
    else:
        wordings = [
            [f"{a.drug} {a.dose.text} {_form(drugs.get(a.drug), a.route)}" for a in admins],
            [f"{a.drug} {a.dose.text}" for a in admins],
            [a.drug for a in admins],
        ]
    return _fit(head, wordings, len(admins))


def _minutes(drugs: Mapping[str, Drug], admin: Administration) -> str:
    """`` (30 min)`` when the protocol gives the drug's infusion time, else ``""``."""
    drug = drugs.get(admin.drug)
    minutes = None if drug is None else drug.infusion_minutes
    return "" if minutes is None else f" ({_span_text(dt.timedelta(minutes=minutes))})"


def _patient_description(
    group: _Group, drugs: Mapping[str, Drug], protocol_id: str, lines_after: Sequence[str]
) -> str:
    """What the event holds, in plain words.

    Each dose (home doses with their amount), what is held, then ``lines_after`` (time,
    clock change, reminder) and the short notice.
    """
    clinic = group.place == "clinic"
    lines = [
        f"{'At the clinic' if clinic else 'At home'}: cycle {group.cycle}, day {group.day} "
        f"of {protocol_id}"
    ]
    for a in group.admins:
        drug = drugs.get(a.drug)
        form = _form(drug, a.route)
        item = (
            f"{a.drug} {form}{_minutes(drugs, a)}" if clinic else f"{a.drug} {a.dose.text} {form}"
        )
        if drug is not None and drug.product:
            item += f" ({drug.product})"
        lines.append(f"- {item}")
    lines += [f"- {h.drug}: not this time (held by your care team)" for h in group.held]
    lines += [line for line in lines_after if line]
    lines.append(PATIENT_NOTICE)
    return multi_line("\n".join(lines))


# -- the file -------------------------------------------------------------------------------


def to_ics(
    schedule: Schedule,
    *,
    generated_at: dt.datetime | None = None,
    per: str = "day",
    time: dt.time | None = None,
    tz: dt.tzinfo | None = None,
    remind: dt.timedelta | None = None,
    duration: dt.timedelta | None = None,
    audience: str = "staff",
    remind_at: dt.time | None = None,
) -> bytes:
    """The schedule as an iCalendar file (UTF-8 bytes, CRLF line ends, folded at 75 octets).

    ``per`` is ``"day"`` (one event per treatment day) or ``"administration"``.
    ``audience`` is ``"staff"`` (every dose's full trace and the order header) or
    ``"patient"`` (plain words, no identifier and no measurement anywhere in the file:
    ``Clinic: carfilzomib infusion (30 min)``, ``Home: lenalidomide 25 mg capsule``).

    Doses given at the clinic (IV, SC, IM) and doses taken at home (PO) are separate events
    in a patient's calendar, and in a staff calendar when ``time`` is given. ``time`` makes
    clinic events timed (``tz`` names their zone; without it they float in local time),
    lasting the sum of the protocol's infusion times when it gives every one, else
    ``duration`` (default 1 hour, at most 24); doses taken at home stay all-day events.

    ``remind`` adds a display alarm that long before each timed event; ``remind_at`` gives
    all-day events an alarm at that time of day, on the day or, with ``remind``, as many
    whole days before. All-day events with ``remind`` need ``remind_at`` (from their
    midnight, a reminder would fire at night). There is at most one reminder per day and
    place. ``generated_at`` (time-zone aware) fixes DTSTAMP, so the output is byte-identical
    for the same input; without it the current time is used.

    >>> import datetime as dt
    >>> from dosing import Patient, build_schedule, get_protocol
    >>> s = build_schedule(get_protocol("Kd-weekly"), Patient(height=175, weight=80),
    ...                    dt.date(2026, 3, 2), cycles=1, today=dt.date(2026, 3, 1))
    >>> data = to_ics(s, time=parse_time("09:00"), tz=parse_tz("America/New_York"),
    ...               remind=parse_duration("1d"), remind_at=parse_time("08:00"),
    ...               per="administration")
    >>> b"BEGIN:VTIMEZONE" in data, b"DTSTART;TZID=America/New_York:20260302T090000" in data
    (True, True)
    >>> b"DTEND;TZID=America/New_York:20260302T093000" in data  # carfilzomib: 30 min
    True
    >>> data.count(b"BEGIN:VALARM") == data.count(b"BEGIN:VEVENT") == len(s.administrations)
    True
    >>> patient = to_ics(s, audience="patient").replace(b"\\r\\n ", b"").decode()
    >>> [line for line in patient.splitlines() if line.startswith("SUMMARY")][:2]
    ['SUMMARY:Clinic: carfilzomib infusion (30 min)', 'SUMMARY:Home: dexamethasone 40 mg by mouth']
    """
    parts = _prepare(schedule, generated_at, per, time, tz, remind, duration, audience, remind_at)
    return _write(_head(parts), _events(parts))


def to_calendar(
    schedule: Schedule,
    *,
    generated_at: dt.datetime | None = None,
    per: str = "day",
    time: dt.time | None = None,
    tz: dt.tzinfo | None = None,
    remind: dt.timedelta | None = None,
    duration: dt.timedelta | None = None,
    audience: str = "staff",
    remind_at: dt.time | None = None,
) -> Calendar:
    """The calendar :func:`to_ics` writes, as an ``icalendar.Calendar`` to work with.

    Takes the options of :func:`to_ics`; ``to_calendar(s).to_ical(sorted=False)`` is what
    ``to_ics(s)`` returns (with the same ``generated_at``).

    >>> import datetime as dt
    >>> from dosing import Patient, build_schedule, get_protocol
    >>> s = build_schedule(get_protocol("KRd"), Patient(height=175, weight=80),
    ...                    dt.date(2026, 1, 5), cycles=1, today=dt.date(2026, 1, 1))
    >>> cal = to_calendar(s, generated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    >>> len(cal.events), str(cal.events[0]["SUMMARY"])
    (22, 'C1 D1 · KRd: carfilzomib 39.4 mg IV, lenalidomide 25 mg PO, dexamethasone 40 mg PO')
    """
    parts = _prepare(schedule, generated_at, per, time, tz, remind, duration, audience, remind_at)
    return _component(parts)


def _prepare(
    schedule: Schedule,
    generated_at: dt.datetime | None,
    per: str,
    time: dt.time | None,
    tz: dt.tzinfo | None,
    remind: dt.timedelta | None,
    duration: dt.timedelta | None,
    audience: str,
    remind_at: dt.time | None,
) -> _Parts:
    """The options checked, and what the head and the events of the calendar are made from."""
    if per not in ("day", "administration"):
        raise DosingError("per", "'day' or 'administration'", _shown(per))
    if audience not in AUDIENCES:
        raise DosingError("audience", "'staff' or 'patient'", _shown(audience))
    if generated_at is not None and (
        not isinstance(generated_at, dt.datetime) or generated_at.tzinfo is None
    ):
        raise DateError("generated_at", "a time-zone-aware datetime", _shown(generated_at))
    if remind is not None and not (
        isinstance(remind, dt.timedelta) and dt.timedelta(0) < remind <= MAX_REMINDER
    ):
        raise DateError("remind", "a positive time span of at most 28 days", _shown(remind))
    if remind_at is not None:
        _check_clock(remind_at, "remind_at", "the time of day all-day events remind at")
    options = _Options(per, audience, _Timing(time, tz, duration), remind, remind_at)
    if not schedule.administrations:
        raise ScheduleError("schedule", "at least one administration for a calendar", "none")

    groups = _groups(schedule, per, options.split)
    if remind is not None and remind_at is None and not all(options.timed(g.place) for g in groups):
        raise DateError(
            "remind_at",
            "a time of day for the reminders of all-day events (counted from their midnight, "
            "a reminder fires at night)",
            "none",
            "e.g. 08:00",
        )
    moment = (generated_at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    return _Parts(schedule, header(schedule, generated_at=moment), moment, options, groups)


@dataclass(frozen=True, slots=True)
class _Parts:
    """A calendar's makings: the schedule, its order header, the time stamp, options, events."""

    schedule: Schedule
    head: Header
    moment: dt.datetime
    options: _Options
    groups: Sequence[_Group]


#: A property of an event: its name and its ``icalendar`` value, or a ``str`` for TEXT.
_Property = tuple[str, Any]


def _times_text(parts: _Parts) -> str:
    """When the events are and when they remind, for the calendar's description.

    Each timed event says its own time and length.
    """
    options = parts.options
    timing = options.timing
    if timing.time is None:
        text = "all-day events"
    else:
        text = f"clinic doses from {timing.time:%H:%M} (each event says how long); doses taken at home all day"
    reminders = [
        f"{options.reminder(timed)}{' for timed events' if timed else ''}"
        for timed in (False, True)
        if options.reminder(timed) and any(options.timed(g.place) is timed for g in parts.groups)
    ]
    if reminders:
        text += f"; reminder: {' and '.join(reminders)}"
    return text


def _head(parts: _Parts) -> Calendar:
    """The calendar without its events: name, description (the order header), time zone."""
    from dosing import __version__

    schedule, options = parts.schedule, parts.options
    protocol = schedule.protocol
    timing = options.timing
    cal = Calendar()
    cal.add("PRODID", f"-//dosing//dosing {__version__}//EN")
    cal.add("VERSION", "2.0")
    cal.add("CALSCALE", "GREGORIAN")
    if options.audience == "patient":
        title = one_line(f"{protocol.id} treatment calendar")
        about = multi_line(
            f"Treatment days of {protocol.id}: visits to the clinic and doses to take at "
            f"home.\n{PATIENT_NOTICE}"
        )
    else:
        ident = (schedule.patient.identifier or "").strip()
        title = one_line(parts.head.title + (f": {ident}" if ident else ""))
        # The drug notes stand in each event where the drug is given, so they are not
        # repeated here; nothing here is repeated in the events.
        head = replace(
            parts.head,
            fields=(*parts.head.fields, ("time", _times_text(parts))),
            drug_notes=(),
        )
        lines = head.lines()
        if parts.head.drug_notes:
            lines.insert(-1, "drug notes: in each event, under the doses of the drug")
        about = multi_line("\n".join(lines))
    # icalendar types NAME (RFC 7986) and X- properties as unknown and would write them
    # unescaped; they are TEXT, so they are given as vText.
    name = _Text(title)
    cal.add("NAME", name)
    cal.add("X-WR-CALNAME", name)
    full_header = _Text(about)
    cal.add("DESCRIPTION", full_header)
    cal.add("X-WR-CALDESC", full_header)

    if timing.zone is not None and any(options.timed(g.place) for g in parts.groups):
        # From a year before the first event (covering reminders, and giving every
        # observance an onset before the first event, which some parsers need) to after
        # the last event's end.
        first = schedule.administrations[0].date - _ZONE_HISTORY
        last = schedule.administrations[-1].date + dt.timedelta(days=3)
        assert isinstance(timing.tz, ZoneInfo)
        cal.add_component(_vtimezone(timing.tz, first, last))
    return cal


@lru_cache(maxsize=4096)
def _all_day(day: dt.date) -> tuple[vDDDTypes, vDDDTypes]:
    """DTSTART and DTEND of an all-day event on ``day`` (shared: values are never changed)."""
    return vDDDTypes(day), vDDDTypes(day + dt.timedelta(days=1))


def _events(parts: _Parts) -> Iterator[tuple[list[_Property], list[_Property]]]:
    """Each event's properties in the order written, and its alarm's (empty: no alarm)."""
    schedule, options = parts.schedule, parts.options
    protocol = schedule.protocol
    patient = options.audience == "patient"
    timing = options.timing
    # Values shared by many events are built once.
    stamp = vDDDTypes(parts.moment)
    sequences: dict[int, vInt] = {}
    cancelled = _Text("CANCELLED")
    transparent = _Text("TRANSPARENT")
    alarm_action = _Text("DISPLAY")
    triggers = {
        timed: None if (t := options.trigger(timed)) is None else vDuration(t)
        for timed in (False, True)
    }
    reminders = {timed: options.reminder(timed) for timed in (False, True)}
    drugs = {d.name: d for d in protocol.drugs}
    staff_text = _StaffText(drugs, any_timed=timing.time is not None)
    dose_texts: dict[tuple[int, str, str], str] = {}
    lengths: dict[tuple[str, ...], _Length] = {}
    categories: dict[tuple[str, ...], vCategory] = {}
    used: set[str] = set()
    reminded: set[tuple[dt.date, str | None]] = set()
    together = _together(parts.groups) if options.per == "administration" else {}
    # A held dose carries only its hold; the delays before it moved its event too.
    audience = options.audience
    # event_uid's key without the event's part, made once.
    identity = "\x1f".join((_UID_SCHEMES[audience], protocol.id, *_identity(schedule, audience)))
    amended = bool(schedule.amendments)
    safe_id = one_line(protocol.id)
    delays = []
    if amended:
        from dosing.course import Delay

        delays = [
            (i, a.point) for i, a in enumerate(schedule.amendments, 1) if isinstance(a, Delay)
        ]

    for group in parts.groups:
        admins, held = group.admins, group.held
        timed = options.timed(group.place)
        drug_names = tuple(dict.fromkeys([*(a.drug for a in admins), *(h.drug for h in held)]))
        length = None
        clock_note = ""
        if timed:
            length = lengths.get(drug_names)
            if length is None:
                length = lengths[drug_names] = timing.length([drugs[n] for n in drug_names])
            start, end, clock_note = timing.timed(group.date, length.span)
        else:
            start, end = _all_day(group.date)

        if patient:
            summary = _patient_summary(group, drugs)
            when = _patient_when(group, timing, length, clock_note)
            if reminders[timed]:
                when.append(f"Reminder: {reminders[timed]}.")
            description = _Text(_patient_description(group, drugs, protocol.id, when))
        else:
            summary = _staff_summary(group, safe_id, dose_texts)
            time_line = (
                "all day: doses taken at home"
                if group.place == "home" and not timed
                else timing.describe(length)
            )
            description = staff_text(group, time_line, clock_note)

        changes = (
            len(
                {e.amendment for a in admins for e in a.events if isinstance(e, _AMENDED)}
                | {h.event.amendment for h in held}
                | {i for h in held for i, point in delays if point.covers(h.cycle, h.day)}
            )
            if amended
            else 0
        )
        sequence = sequences.get(changes)
        if sequence is None:
            sequence = sequences[changes] = vInt(changes)

        category = categories.get(drug_names)
        if category is None:
            category = categories[drug_names] = vCategory(
                [one_line(protocol.id), *map(one_line, drug_names)]
            )

        what = "drug:" + group.drug if group.drug is not None else group.place or "day"
        uid = _uid_text(f"{identity}\x1fC{group.cycle}\x1fD{group.day}\x1f{what}", audience)
        event: list[_Property] = [
            ("UID", _unique(uid, used, options.audience)),
            ("DTSTAMP", stamp),
            ("SEQUENCE", sequence),
            ("DTSTART", start),
            ("DTEND", end),
            ("SUMMARY", summary),
            ("DESCRIPTION", description),
            ("CATEGORIES", category),
        ]
        if not admins:
            event.append(("STATUS", cancelled))
        if not timed:
            event.append(("TRANSP", transparent))
        alarm: list[_Property] = []
        trigger = triggers[timed]
        if trigger is not None and admins and (group.date, group.place) not in reminded:
            reminded.add((group.date, group.place))
            whole = together.get((group.date, group.place))
            if whole is not None:  # one reminder for the doses of that day and place
                summary = (
                    _patient_summary(whole, drugs)
                    if patient
                    else _staff_summary(whole, safe_id, dose_texts)
                )
            alarm = [
                ("ACTION", alarm_action),
                ("TRIGGER", trigger),
                ("DESCRIPTION", "Reminder: " + summary),
            ]
        yield event, alarm


def _value(value: Any) -> Any:
    """A property's ``icalendar`` value: a ``str`` is TEXT (:class:`_Text`)."""
    return _Text(value) if type(value) is str else value


def _component(parts: _Parts) -> Calendar:
    """The whole calendar as ``icalendar`` components."""
    cal = _head(parts)
    for properties, alarm_properties in _events(parts):
        event = Event()
        for name, value in properties:
            event[name] = _value(value)
        if alarm_properties:
            alarm = Alarm()
            for name, value in alarm_properties:
                alarm[name] = _value(value)
            event.add_component(alarm)
        cal.add_component(event)
    return cal


class _StaffText:
    """The descriptions of a staff calendar's events, each distinct one built once.

    A description holds each dose with its calculation, reasons and drug note, what was
    held, a clock-change note, the time line when the calendar has timed events, and the
    short notice; the order header is the calendar's description, and not repeated here.
    """

    def __init__(self, drugs: Mapping[str, Drug], *, any_timed: bool) -> None:
        self.drugs = drugs
        self.any_timed = any_timed
        self.blocks: dict[tuple[str, str, tuple[object, ...], int], str] = {}
        self.descriptions: dict[tuple[object, ...], _Text] = {}

    def __call__(self, group: _Group, time_line: str, clock_note: str) -> _Text:
        """The description of the event for ``group``."""
        key = tuple((a.drug, a.route, a.events, id(a.dose)) for a in group.admins)
        held_text = tuple(f"{h.drug} held ({h.event.why})" for h in group.held)
        found = (key, held_text, clock_note, time_line)
        description = self.descriptions.get(found)
        if description is None:
            parts = []
            for a, k in zip(group.admins, key, strict=True):
                block = self.blocks.get(k)
                if block is None:
                    block = self.blocks[k] = _dose_block(a, self.drugs[a.drug].note)
                parts.append(block)
            parts += [f"held, not given: {text}" for text in held_text]
            if clock_note:
                parts.append(clock_note)
            if self.any_timed:
                parts.append(f"time: {time_line}")
            parts.append(EVENT_NOTICE)
            description = self.descriptions[found] = _Text(multi_line("\n".join(parts)))
        return description


def _patient_when(
    group: _Group, timing: _Timing, length: _Length | None, clock_note: str
) -> list[str]:
    """When a patient's event is, in words: the appointment, or to ask the clinic."""
    if length is not None:
        return [timing.plain(length), *([clock_note] if clock_note else [])]
    if group.place == "clinic":
        return ["Time: ask the clinic when your visit is."]
    return []


def _staff_summary(group: _Group, protocol_id: str, texts: dict[tuple[int, str, str], str]) -> str:
    """``C1 D8 · KRd: carfilzomib 110.4 mg IV, ...`` (``· Clinic``/``· Home`` when apart).

    ``protocol_id`` is on one line already (:func:`~dosing._text.one_line`). ``texts`` keeps each ``drug dose route`` (made one line) by the identity of the dose
    object (alive as long as the schedule), for the events of one calendar; the cycle day
    and the words around are plain already.
    """
    where = "" if group.place is None or group.drug is not None else f" · {group.place.title()}"
    prefix = f"{group.label} · {protocol_id}{where}"
    if group.admins:
        doses = []
        for a in group.admins:
            key = (id(a.dose), a.drug, a.route)
            text = texts.get(key)
            if text is None:
                text = texts[key] = one_line(f"{a.drug} {a.dose.text} {a.route}")
            doses.append(text)
        return f"{prefix}: {', '.join(doses)}"
    return one_line(f"{prefix}: cancelled - {', '.join(h.drug for h in group.held)} held")


_AMENDED = (Delayed, DoseLevelApplied, Reweighed)


def _groups(schedule: Schedule, per: str, split: bool) -> list[_Group]:
    """The events to write, each with what was held there.

    Each treatment day (its clinic and home parts apart when ``split``) or each
    administration. A day (or a part, or an administration) whose every dose a course held becomes an event
    of its own, so that a calendar that had it marks it cancelled instead of keeping a stale
    entry.
    """

    def where(route: str) -> str | None:
        return _place(route) if split else None

    if per == "day":
        days: dict[
            tuple[int, int, str | None],
            tuple[dt.date, list[Administration], list[HeldAdministration]],
        ] = {}
        for a in schedule.administrations:
            key = (a.cycle, a.day, where(a.route) if split else None)
            found = days.get(key)
            if found is None:
                found = days[key] = (a.date, [], [])
            found[1].append(a)
        for h in schedule.held:
            key = (h.cycle, h.day, where(h.route))
            found = days.get(key)
            if found is None:
                found = days[key] = (h.date, [], [])
            found[2].append(h)
        return sorted(
            (
                _Group(date, c, d, place, None, tuple(admins), tuple(held))
                for (c, d, place), (date, admins, held) in days.items()
            ),
            key=lambda g: (g.date, g.cycle, g.day, g.place == "home"),
        )
    items = [
        _Group(a.date, a.cycle, a.day, where(a.route), a.drug, (a,), ())
        for a in schedule.administrations
    ]
    items += [
        _Group(h.date, h.cycle, h.day, where(h.route), h.drug, (), (h,)) for h in schedule.held
    ]
    return sorted(items, key=lambda g: g.date)


def _together(groups: Sequence[_Group]) -> dict[tuple[dt.date, str | None], _Group]:
    """The doses given on each date at each place, as one group.

    Events per administration get one reminder for them, with this text.
    """
    out: dict[tuple[dt.date, str | None], _Group] = {}
    for g in groups:
        if not g.admins:
            continue
        key = (g.date, g.place)
        seen = out.get(key)
        if seen is None:
            out[key] = g._replace(drug=None)
        else:
            out[key] = seen._replace(admins=seen.admins + g.admins)
    return out


_END = b"END:VCALENDAR\r\n"
#: Content lines already written, by property name and value, shared by the exports of one
#: process: a clinic's calendars repeat dates, summaries and descriptions. Bounded; a full
#: cache starts again empty, so memory stays flat however many calendars are written.
_LINES: dict[tuple[object, ...], bytes] = {}
_MAX_LINES = 5_000
#: Properties whose every value is new (nothing to gain from keeping their lines).
_UNIQUE = frozenset({"UID"})
_PLAIN_UID = re.compile(r"[0-9a-z]{32}@dosing\Z")
#: ``NAME;PARAMETERS:`` by name and parameters (a handful per process).
_PREFIXES: dict[tuple[object, ...], str] = {}


def _fold(line: str) -> bytes:
    r"""``icalendar``'s folding of a content line, on its UTF-8 bytes instead of per character.

    Each physical line holds at most 74 octets of the content line, never splits a
    character, and a backslash or caret (the start of an escape) that would end one
    starts the next instead; continuation lines begin with a space. The result is the bytes
    of ``icalendar.parser.Contentline(line).to_ical()`` (tested on arbitrary text).

    >>> _fold("DESCRIPTION:" + "a" * 70)
    b'DESCRIPTION:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n aaaaaaaa'
    """
    data = line.encode("utf-8")
    size = len(data)
    if size <= _FOLD_AT:
        return data
    chunks = []
    start = 0
    while size - start > _FOLD_AT:
        end = start + _FOLD_AT
        while data[end] & 0xC0 == 0x80:  # inside a character: break before it
            end -= 1
        if end - start > 1 and data[end - 1] in b"\\^":
            end -= 1
        chunks.append(data[start:end])
        start = end
    chunks.append(data[start:])
    return b"\r\n ".join(chunks)


def _line(name: str, value: Any) -> bytes:
    """One content line, CRLF-ended, as ``icalendar`` writes it (folded when long).

    ``NAME``, its parameters and ``:`` as ``icalendar``'s ``Contentline.from_parts`` makes
    them (kept per name and parameters: every date of a calendar has the same), then the
    value's ``to_ical()``.
    """
    value = _value(value)
    params = getattr(value, "params", None)
    if not params:
        return _fold(f"{name}:{value.to_ical().decode('utf-8')}") + b"\r\n"
    shape = (name, tuple((key, str(params[key])) for key in params))
    prefix = _PREFIXES.get(shape)
    if prefix is None:
        prefix = _PREFIXES[shape] = Contentline.from_parts(name, params, "", sorted=False)
    return _fold(prefix + value.to_ical().decode("utf-8")) + b"\r\n"


def _value_key(name: str, value: Any) -> tuple[object, ...] | None:
    """What decides a property's content line, or ``None`` when only the object itself does."""
    kind = type(value)
    if kind is str or kind is _Text or kind is vInt:
        return (name, kind is vInt, value)
    if kind is vDDDTypes:
        moment = value.dt
        return (name, kind, type(moment), moment, getattr(moment, "tzinfo", None))
    return None


def _write(head: Calendar, events: Iterable[tuple[list[_Property], list[_Property]]]) -> bytes:
    """``icalendar``'s bytes for ``head`` with ``events``, each distinct line made once.

    Events share many values (DTSTAMP, descriptions, dates, categories), and ``icalendar``
    escapes and folds every line character by character. Here each distinct property value
    becomes a content line once (by ``icalendar``) and is reused: a value object met again
    in this export by its identity, else by what decides its line (:data:`_LINES`); the
    bytes are those of :func:`to_calendar`'s ``to_ical(sorted=False)``: properties in the
    order they were added.
    """
    top = _serialize(head)
    assert top.endswith(_END)
    out = [top[: -len(_END)]]
    lines = _LINES
    if len(lines) > _MAX_LINES:
        lines.clear()
    # By identity, with the value kept, so that no other object can take its id meanwhile.
    own: dict[tuple[str, int], tuple[object, bytes]] = {}
    for properties, alarm in events:
        out.append(b"BEGIN:VEVENT\r\n")
        for group in (properties, alarm) if alarm else (properties,):
            if group is alarm:
                out.append(b"BEGIN:VALARM\r\n")
            for name, value in group:
                known = own.get((name, id(value)))
                if known is not None:
                    out.append(known[1])
                    continue
                if name in _UNIQUE:
                    out.append(
                        b"UID:" + value.encode() + b"\r\n"
                        if _PLAIN_UID.match(value)  # nothing to escape or fold
                        else _line(name, value)
                    )
                    continue
                key = _value_key(name, value)
                data = None if key is None else lines.get(key)
                if data is None:
                    data = _line(name, value)
                    if key is not None:
                        lines[key] = data
                if type(value) is not str:  # text made for this event is not met again
                    own[(name, id(value))] = (value, data)
                out.append(data)
            if group is alarm:
                out.append(b"END:VALARM\r\n")
        out.append(b"END:VEVENT\r\n")
    out.append(_END)
    return b"".join(out)


def _serialize(calendar: Calendar) -> bytes:
    """``calendar.to_ical(sorted=False)``, each distinct property object written once."""
    written: dict[tuple[str, object], bytes] = {}
    out = []
    for name, value in calendar.property_items(sorted=False):
        key = (name, value if isinstance(value, bytes) else id(value))
        data = written.get(key)
        if data is None:
            data = written[key] = _fold(calendar.content_line(name, value, sorted=False))
        out.append(data)
    return b"\r\n".join(out) + b"\r\n"
