"""Writing a schedule out: tables (CSV, Markdown, JSON, HTML, plain text), iCalendar and FHIR.

Every output carries the same header (patient, BSA and formula, protocol, choices with
defaults marked, cycles, date generated, sources) and the verification notice. Exporters
are pure: they return text or bytes; writing files is the caller's (see :mod:`dosing._files`).

The formats are listed once, in :mod:`dosing.export.formats`; :func:`render` picks the
exporter from there. :func:`parse_generated_at` reads the generation time that makes an
output byte-identical from one run to the next. Importing this package is cheap: the
exporters, and the header and row helpers, load when first used.
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import TYPE_CHECKING, Any, Final

from dosing.errors import DateError, DosingError
from dosing.export.formats import REGISTRY, get_format

if TYPE_CHECKING:
    from dosing.export._common import Header, Row, header, rows
    from dosing.schedule import Schedule

__all__ = [
    "FORMATS",
    "GENERATED_YEARS",
    "Header",
    "Row",
    "header",
    "parse_generated_at",
    "render",
    "rows",
]

#: The format names :func:`render` knows, as the command line's ``--format`` takes them
#: (the names of :data:`dosing.export.formats.REGISTRY`).
FORMATS: Final = tuple(REGISTRY)

#: The years a generation time may fall in (UTC), first and last included. Further out is
#: a typing mistake.
GENERATED_YEARS: Final = (2000, 2100)

_ISO_EXAMPLE: Final = "an ISO 8601 date-time such as 2026-01-01T00:00:00Z"

_LAZY: Final = dict.fromkeys(("Header", "Row", "header", "rows"), "dosing.export._common")


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'dosing.export' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def render(
    schedule: Schedule, fmt: str, *, generated_at: dt.datetime | None = None, **options: Any
) -> str | bytes:
    """Render ``schedule`` in ``fmt``, one of :data:`FORMATS`: text, or bytes for a binary format.

    ``generated_at`` fixes the generation time; ``options`` go to the format's exporter and
    must be ones it takes (the iCalendar exporter's ``per``, ``time``, ``tz``, ``remind``,
    ``remind_at``, ``duration``, ``audience``: see :func:`dosing.export.ics.to_ics`). Each
    exporter is imported only when asked for.

    >>> import datetime as dt
    >>> from dosing import Patient, build_schedule, get_protocol
    >>> s = build_schedule(get_protocol("KRd"), Patient(height=175, weight=80), "2026-01-05",
    ...                    cycles=1, today=dt.date(2026, 1, 1))
    >>> render(s, "csv", generated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)).splitlines()[0]
    '# KRd dosing calendar'
    >>> render(s, "ics")[:15]
    b'BEGIN:VCALENDAR'
    >>> render(s, "pdf")
    Traceback (most recent call last):
      ...
    dosing.errors.DosingError: format must be one of table, csv, md, json, html, ics, fhir, jsonl, got 'pdf'
    >>> render(s, "csv", time="09:00")
    Traceback (most recent call last):
      ...
    dosing.errors.DosingError: options must be ones the csv format takes (none), got time
    """
    spec = get_format(fmt)
    unknown = sorted(set(options) - set(spec.options))
    if unknown:
        raise DosingError(
            "options",
            f"ones the {spec.name} format takes ({', '.join(spec.options) or 'none'})",
            ", ".join(unknown),
        )
    return spec.render(schedule, generated_at=generated_at, **options)


def parse_generated_at(
    text: str | None,
    *,
    source_date_epoch: str | None = None,
    field: str = "generated_at",
) -> dt.datetime | None:
    """The generation time from ISO 8601 ``text``, else from a ``SOURCE_DATE_EPOCH`` value.

    ``text`` needs a zone (``Z`` or ``+01:00``); ``source_date_epoch`` is whole seconds
    since 1970 (UTC), as reproducible-build tools set it. Either must fall in the years
    :data:`GENERATED_YEARS` (UTC). ``None`` when neither is given: the exporters then use
    the current time. Anything else raises :class:`~dosing.errors.DateError` naming
    ``field`` (or ``SOURCE_DATE_EPOCH``).

    >>> parse_generated_at("2026-01-01T00:00:00Z")
    datetime.datetime(2026, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)
    >>> parse_generated_at(None, source_date_epoch="1767225600")
    datetime.datetime(2026, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)
    >>> parse_generated_at("9999-12-31T23:59:59-01:00")
    Traceback (most recent call last):
      ...
    dosing.errors.DateError: generated_at must be a date-time in the years 2000 to 2100 (UTC),
    got '9999-12-31T23:59:59-01:00' - check the year
    """
    if text is not None:
        try:
            moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            raise DateError(field, _ISO_EXAMPLE, repr(text)) from None
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise DateError(field, "a date-time with a zone (Z or +01:00)", repr(text))
        return _in_range(moment, field, repr(text))
    if source_date_epoch is None:
        return None
    shown = repr(source_date_epoch)
    field = "SOURCE_DATE_EPOCH"
    try:
        seconds = int(source_date_epoch.strip())
    except ValueError:
        raise DateError(field, "whole seconds since 1970", shown) from None
    first, last = GENERATED_YEARS
    lowest = dt.datetime(first, 1, 1, tzinfo=dt.UTC).timestamp()
    highest = dt.datetime(last + 1, 1, 1, tzinfo=dt.UTC).timestamp()
    if not lowest <= seconds < highest:
        raise DateError(field, _years_text(), shown, "check the value")
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def _in_range(moment: dt.datetime, field: str, shown: str) -> dt.datetime:
    """``moment`` itself, if it falls in :data:`GENERATED_YEARS` in UTC; else a DateError."""
    first, last = GENERATED_YEARS
    # The local year is checked first: converting a time at the very edge of the calendar
    # (year 1 or 9999) to UTC would overflow.
    near = first - 1 <= moment.year <= last + 1
    if near and first <= moment.astimezone(dt.UTC).year <= last:
        return moment
    raise DateError(field, _years_text(), shown, "check the year")


def _years_text() -> str:
    first, last = GENERATED_YEARS
    return f"a date-time in the years {first} to {last} (UTC)"
