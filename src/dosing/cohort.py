"""Cohorts: many patients from one CSV file, scheduled lazily and written as a stream.

The patients file has one row per patient and the columns ``id``, ``height``, ``weight``,
``start`` and optionally ``choose`` (``carfilzomib=36;dexamethasone=20``). Heights and
weights carry their units as on the command line (``175cm``, ``5 ft 9 in``, ``176lb``); the
start date is ISO ``YYYY-MM-DD``. Header names are case-insensitive, a UTF-8 byte order mark
is tolerated, and an unknown column is an error that names it.

:func:`schedule_patients` turns the rows into a generator of results - a :class:`Scheduled`
patient or a :class:`Rejected` row with its line number and the reason - one row at a time,
so a bad row never stops the others and no more than one schedule is held at once.
:func:`write_cohort_csv` streams them into one combined CSV; :func:`write_cohort_files`
writes one file per patient into a folder.

>>> import datetime as dt, io
>>> from dosing import get_protocol
>>> lines = ["id,height,weight,start", "P1,175cm,80kg,2026-01-05", "P2,175kg,80kg,2026-01-05"]
>>> results = schedule_patients(get_protocol("KRd"), lines, cycles=1, today=dt.date(2026, 1, 1))
>>> for result in results:
...     print(result.line, result.identifier, type(result).__name__)
2 P1 Scheduled
3 P2 Rejected
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import errno
import functools
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import IO, TYPE_CHECKING, Final

from dosing._text import message, one_line
from dosing.bsa import BSAFormula
from dosing.errors import ChoiceError, DosingError, OutputError
from dosing.export import render as render_schedule
from dosing.export._common import COLUMNS, Header, generated_text, protocol_text, row
from dosing.export.formats import REGISTRY
from dosing.export.table import comment_line, csv_cell
from dosing.notation import format_amount
from dosing.patient import Patient
from dosing.protocol import resolve_choices
from dosing.schedule import Schedule, build_schedule, cycle_count

if TYPE_CHECKING:
    from _csv import Reader

    from dosing.protocol import Protocol

__all__ = [
    "COHORT_COLUMNS",
    "EXTENSIONS",
    "MAX_LINE_BYTES",
    "MAX_PATIENTS_BYTES",
    "CohortResult",
    "CohortSummary",
    "PatientRow",
    "Rejected",
    "Scheduled",
    "cohort_header_lines",
    "open_patients",
    "parse_choose",
    "patient_line",
    "read_patients",
    "safe_file_name",
    "schedule_patients",
    "write_cohort_csv",
    "write_cohort_files",
]

#: The columns of the combined CSV: the patient's id, then the columns every table has.
COHORT_COLUMNS: Final = ("patient", *COLUMNS)

_REQUIRED: Final = ("id", "height", "weight", "start")
_OPTIONAL: Final = ("choose",)
_KNOWN_TEXT: Final = "id, height, weight, start and optionally choose"
_MAX_ID: Final = 200
_MAX_CHOOSE: Final = 400
#: The most a patients file may hold (far beyond any cohort: a row is well under 1 KB),
#: and its longest line; hard limits, whatever size the file claims to have.
MAX_PATIENTS_BYTES: Final = 64 * 1024 * 1024
MAX_LINE_BYTES: Final = 64 * 1024
_LINE_END: Final = re.compile(rb"\r\n|\r|\n")
#: What undecodable bytes become when a file is read with ``surrogateescape``.
_NOT_UTF8: Final = re.compile("[\udc80-\udcff]")

#: Extensions of the per-patient files, by format (from :data:`dosing.export.formats.REGISTRY`).
EXTENSIONS: Final = MappingProxyType(
    {f.name: f.extension for f in REGISTRY.values() if f.per_patient}
)


# -- results --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PatientRow:
    """One data row of the patients file, as text, with the line it starts on."""

    line: int
    identifier: str
    height: str
    weight: str
    start: str
    choose: str = ""


@dataclass(frozen=True, slots=True)
class Scheduled:
    """A patient whose row was read and scheduled."""

    line: int
    identifier: str
    schedule: Schedule


@dataclass(frozen=True, slots=True)
class Rejected:
    """A row that could not be scheduled (or written), with its line number and the reason."""

    line: int
    identifier: str | None
    message: str

    def __str__(self) -> str:
        """``line 3: height must be ...``, on one line whatever the message holds."""
        return f"line {self.line}: {message(self.message)}"


CohortResult = Scheduled | Rejected


@dataclass(slots=True)
class CohortSummary:
    """What a cohort writer did: patients written, their administrations, rows rejected."""

    patients: int = 0
    administrations: int = 0
    rejected: int = 0


# -- reading --------------------------------------------------------------------------------


@contextlib.contextmanager
def open_patients(path: str | Path) -> Iterator[Iterator[str]]:
    """Open a patients file and give its lines as text (a UTF-8 byte order mark is skipped).

    Any line end is read - LF, CRLF, or CR alone as some older spreadsheets write - and each
    line is decoded on its own, so bytes that are not UTF-8 reject only the row they are in.
    The file is read with hard limits whatever size it claims to have: a line longer than
    :data:`MAX_LINE_BYTES` or a file longer than :data:`MAX_PATIENTS_BYTES` (an endless
    stream such as ``/dev/zero``) stops the reading with a
    :class:`~dosing.errors.DosingError`. A missing or unreadable file is one too, naming it.

    >>> with open_patients("no-such-file.csv") as lines:
    ...     pass
    Traceback (most recent call last):
      ...
    dosing.errors.DosingError: patients must be a readable CSV file, got 'no-such-file.csv'
    - no such file
    """
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as err:
        raise DosingError(
            "patients", "a readable CSV file", repr(str(path)), _reason(err)
        ) from None
    with handle:
        yield _text_lines(handle)


def _reason(err: OSError) -> str:
    return {
        errno.ENOENT: "no such file",
        errno.EISDIR: "it is a folder",
        errno.EACCES: "permission denied",
        errno.ENAMETOOLONG: "the file name is too long",
        errno.ENOTDIR: "a part of the path is not a folder",
    }.get(err.errno or 0, err.strerror or type(err).__name__)


def _text_lines(handle: IO[bytes]) -> Iterator[str]:
    """The lines of a binary stream as text ending in ``\\n``, whatever line end they had.

    >>> import io
    >>> list(_text_lines(io.BytesIO(b"id,height\\rP1,175cm\\r\\nP2,1\\xff\\n")))
    ['id,height\\n', 'P1,175cm\\n', 'P2,1\\udcff\\n']
    """
    pending = b""
    read = 0
    while True:
        try:
            chunk = handle.read(1 << 16)
        except OSError as err:
            raise DosingError("patients", "readable", _reason(err)) from None
        read += len(chunk)
        if read > MAX_PATIENTS_BYTES:
            raise DosingError(
                "patients",
                f"a file of at most {MAX_PATIENTS_BYTES:,} bytes",
                "a longer file or an endless stream",
                "split the cohort into several files",
            )
        if not chunk:
            if pending:
                yield pending.removesuffix(b"\r").decode("utf-8", "surrogateescape") + "\n"
            return
        data = pending + chunk
        start = 0
        for end in _LINE_END.finditer(data):
            if end.end() == len(data) and end[0] == b"\r":
                break  # perhaps the first half of a CRLF: wait for the next chunk
            yield data[start : end.start()].decode("utf-8", "surrogateescape") + "\n"
            start = end.end()
        pending = data[start:]
        if len(pending) > MAX_LINE_BYTES:
            raise DosingError(
                "patients",
                f"a file with lines of at most {MAX_LINE_BYTES:,} bytes",
                "a longer line",
                "check that it is a CSV file with one patient per line",
            )


def read_patients(lines: Iterable[str]) -> Iterator[PatientRow | Rejected]:
    """Read a patients CSV: the header at once, then the rows lazily, one per ``next()``.

    ``lines`` is any iterable of text lines (an open file, a list). The header is checked
    before this returns: no rows, a missing column or an unknown column raise
    :class:`~dosing.errors.DosingError`. A row with a problem is a :class:`Rejected` with the
    line it starts on; blank lines are skipped.

    >>> rows = read_patients(["ID,Height,Weight,Start", "", "P1,175cm,80kg,2026-01-05"])
    >>> next(rows)
    PatientRow(line=3, identifier='P1', height='175cm', weight='80kg', start='2026-01-05',
               choose='')
    >>> read_patients(["id,height,weight,start,ward"])
    Traceback (most recent call last):
      ...
    dosing.errors.DosingError: patients header must be id, height, weight, start and optionally
    choose, got unknown column 'ward'
    """
    source = _Lines(lines)
    reader = csv.reader(source)
    columns = _read_header(reader, source)
    return _read_rows(reader, source, columns)


class _Lines:
    """An iterator over text lines that turns decoding and read errors into DosingError."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)
        self.first = True

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        try:
            line = next(self._lines)
        except UnicodeDecodeError as err:
            raise DosingError(
                "patients",
                "UTF-8 text",
                f"bytes that are not UTF-8 ({err.reason})",
                "save the file as UTF-8",
            ) from None
        except OSError as err:
            raise DosingError("patients", "readable", err.strerror or type(err).__name__) from None
        if self.first:
            self.first = False
            line = line.removeprefix("\ufeff")
        return line


def _read_header(reader: Reader, source: _Lines) -> dict[str, int]:
    cells: list[str] = []
    try:
        while not any(cell.strip() for cell in cells):
            cells = next(reader)
    except StopIteration:
        raise DosingError(
            "patients", f"a CSV file with a header row ({_KNOWN_TEXT})", "an empty file"
        ) from None
    except csv.Error as err:
        raise DosingError("patients header", "a valid CSV row", message(str(err))) from None
    if _NOT_UTF8.search("".join(cells)):
        raise DosingError(
            "patients", "UTF-8 text", "a header row that is not UTF-8", "save the file as UTF-8"
        )
    names = [cell.strip().lower() for cell in cells]
    unknown = [cells[i].strip() for i, n in enumerate(names) if n not in _REQUIRED + _OPTIONAL]
    if unknown:
        noun = "column" if len(unknown) == 1 else "columns"
        listed = ", ".join(repr(one_line(u)[:40]) for u in unknown[:10])
        raise DosingError("patients header", _KNOWN_TEXT, f"unknown {noun} {listed}")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        listed = ", ".join(map(repr, repeated))
        raise DosingError("patients header", "each column once", f"{listed} repeated")
    missing = [n for n in _REQUIRED if n not in names]
    if missing:
        noun = "column" if len(missing) == 1 else "columns"
        raise DosingError(
            "patients header",
            _KNOWN_TEXT,
            f"no {', '.join(map(repr, missing))} {noun}",
            f"the header row read: {', '.join(names)}",
        )
    return {name: index for index, name in enumerate(names)}


def _read_rows(
    reader: Reader, source: _Lines, columns: Mapping[str, int]
) -> Iterator[PatientRow | Rejected]:
    width = len(columns)
    end = reader.line_num
    while True:
        start = end + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            end = max(reader.line_num, start)
            yield Rejected(start, None, f"row must be valid CSV, got {err}")
            continue
        except DosingError as err:
            yield Rejected(start, None, f"{err}; the rest of the file was not read")
            return
        end = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if _NOT_UTF8.search("".join(cells)):
            yield Rejected(start, None, "row must be UTF-8 text, got bytes that are not UTF-8")
            continue
        if len(cells) > width:
            message = f"row must have {width} cells like the header, got {len(cells)}"
            yield Rejected(start, None, message)
            continue
        values = {name: cells[i].strip() if i < len(cells) else "" for name, i in columns.items()}
        identifier = values["id"]
        problem = _row_problem(values)
        if problem:
            yield Rejected(start, identifier or None, problem)
            continue
        yield PatientRow(
            start,
            identifier,
            values["height"],
            values["weight"],
            values["start"],
            values.get("choose", ""),
        )


def _row_problem(values: Mapping[str, str]) -> str:
    for name in _REQUIRED:
        if not values[name]:
            return f"{name} must be given, got nothing"
    if len(values["id"]) > _MAX_ID:
        return f"id must be at most {_MAX_ID} characters, got {len(values['id'])} characters"
    return ""


def parse_choose(text: str) -> dict[str, str]:
    """Read a ``choose`` cell: ``DRUG=VALUE`` pairs separated by ``;``.

    >>> parse_choose("carfilzomib=36; Dexamethasone=20")
    {'carfilzomib': '36', 'dexamethasone': '20'}
    >>> parse_choose("carfilzomib")
    Traceback (most recent call last):
      ...
    dosing.errors.ChoiceError: choose must be DRUG=VALUE pairs separated by ';',
    e.g. carfilzomib=36;dexamethasone=20, got 'carfilzomib'
    """
    constraint = "DRUG=VALUE pairs separated by ';', e.g. carfilzomib=36;dexamethasone=20"
    out: dict[str, str] = {}
    if len(text) > _MAX_CHOOSE:
        raise ChoiceError("choose", constraint, f"{len(text)} characters")
    for item in text.split(";"):
        if not item.strip():
            continue
        key, sep, value = item.partition("=")
        key = key.strip().lower()
        if not sep or not key or not value.strip():
            raise ChoiceError("choose", constraint, repr(item.strip()))
        if key in out:
            raise ChoiceError("choose", "given once per drug", repr(text))
        out[key] = value.strip()
    return out


# -- scheduling -----------------------------------------------------------------------------


def schedule_patients(
    protocol: Protocol,
    lines: Iterable[str],
    *,
    cycles: int | None = None,
    bsa_formula: BSAFormula | str | None = None,
    accept_outlier: bool = False,
    today: dt.date | None = None,
) -> Iterator[CohortResult]:
    """Schedule every patient of a patients CSV under ``protocol``, lazily, one per ``next()``.

    ``cycles`` and ``bsa_formula`` (with the checks :func:`~dosing.schedule.build_schedule`
    uses) and the header are checked before this returns (a
    :class:`~dosing.errors.DosingError` if any is wrong). Each row then becomes a
    :class:`Scheduled` or a :class:`Rejected` result; only the current schedule is held.
    ``today`` is the reference date for the start-date window (the system date unless given).

    >>> import datetime as dt
    >>> from dosing import get_protocol
    >>> lines = ["id,height,weight,start,choose", "A,5 ft 9 in,176lb,2026-01-05,carfilzomib=36"]
    >>> [first] = schedule_patients(get_protocol("KRd"), lines, cycles=2, today=dt.date(2026, 1, 1))
    >>> [(a.label, a.dose.text) for a in first.schedule.by_drug()["carfilzomib"]][2]
    ('C1 D8', '71 mg')
    """
    _check_settings(protocol, cycles, bsa_formula)
    rows = read_patients(lines)
    return _schedule_rows(protocol, rows, cycles, bsa_formula, accept_outlier, today)


def _check_settings(
    protocol: Protocol, cycles: int | None, bsa_formula: BSAFormula | str | None
) -> tuple[int, BSAFormula | None]:
    """The cohort's cycle count and formula, checked once before any row is read.

    >>> from dosing import get_protocol
    >>> _check_settings(get_protocol("KRd"), 30, None)
    Traceback (most recent call last):
      ...
    dosing.errors.ScheduleError: cycles must be between 1 and 24, got 30 - KRd allows 1 to 24
    """
    formula = None if bsa_formula is None else BSAFormula.parse(bsa_formula)
    return cycle_count(protocol, cycles), formula


def _schedule_rows(
    protocol: Protocol,
    rows: Iterator[PatientRow | Rejected],
    cycles: int | None,
    bsa_formula: BSAFormula | str | None,
    accept_outlier: bool,
    today: dt.date | None,
) -> Iterator[CohortResult]:
    seen: dict[str, int] = {}
    for item in rows:
        if isinstance(item, Rejected):
            yield item
            continue
        first = seen.get(item.identifier)
        if first is not None:
            yield Rejected(
                item.line,
                item.identifier,
                f"id must be unique in the file, got {item.identifier!r} (also on line {first})",
            )
            continue
        seen[item.identifier] = item.line
        try:
            patient = Patient(
                height=item.height,
                weight=item.weight,
                identifier=item.identifier,
                accept_outlier=accept_outlier,
            )
            schedule = build_schedule(
                protocol,
                patient,
                item.start,
                cycles=cycles,
                choices=parse_choose(item.choose) if item.choose else None,
                bsa_formula=bsa_formula,
                today=today,
            )
        except DosingError as err:
            yield Rejected(item.line, item.identifier, str(err))
            continue
        yield Scheduled(item.line, item.identifier, schedule)


# -- the combined CSV -----------------------------------------------------------------------


def cohort_header_lines(
    protocol: Protocol,
    *,
    cycles: int | None = None,
    bsa_formula: BSAFormula | str | None = None,
    generated_at: dt.datetime | None = None,
) -> list[str]:
    """The header block of the combined CSV, once for the whole cohort (without ``#``).

    The protocol, generated and sources fields are those of
    :func:`dosing.export._common.header`; what differs from patient to patient
    (measurements, BSA, choices made, dates) comes in each patient's own ``# patient`` line.
    In its place the block says what every patient shares - the cycle count, the BSA formula
    and the default choices.

    >>> import datetime as dt
    >>> from dosing import get_protocol
    >>> lines = cohort_header_lines(get_protocol("KRd"), cycles=2,
    ...                             generated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    >>> lines[0]
    'KRd cohort dosing calendar'
    >>> print(lines[2])
    cycles: 2 (requested) of 28 days from each patient's start date
    """
    count, formula = _check_settings(protocol, cycles, bsa_formula)
    formula_text = (formula or BSAFormula.MOSTELLER).label + (
        " (default)" if formula is None else ""
    )
    defaults = "; ".join(str(c) for c in resolve_choices(protocol).values())
    choices = (
        f"{defaults}; a patient's choose column replaces a default for that patient"
        if defaults
        else "none"
    )
    cycle_note = "requested" if cycles is not None else "protocol default"
    cohort = Header(
        title=f"{protocol.id} cohort dosing calendar",
        fields=(
            ("protocol", protocol_text(protocol)),
            (
                "cycles",
                f"{count} ({cycle_note}) of {protocol.cycle_length_days} days "
                "from each patient's start date",
            ),
            ("BSA formula", formula_text),
            ("choices", choices),
            ("generated", generated_text(generated_at)),
            ("sources", protocol.source_text()),
        ),
        notes=(),  # the notes are about one patient's doses: BSA, caps, choices
        protocol_notes=protocol.notes,
    )
    return cohort.lines()


def patient_line(identifier: str, schedule: Schedule) -> str:
    """The ``# patient`` line written before a patient's rows in the combined CSV.

    It gives what the rows of oral drugs (lenalidomide, dexamethasone) do not show - the
    patient's measurements and BSA - and every choice, marked ``(default)`` or ``(chosen)``.

    >>> import datetime as dt
    >>> from dosing import Patient, build_schedule, get_protocol
    >>> patient = Patient(height="175 cm", weight="80 kg", identifier="MRN 1")
    >>> s = build_schedule(get_protocol("KRd"), patient, "2026-01-05", cycles=1,
    ...                    choices={"dexamethasone": 20}, today=dt.date(2026, 1, 1))
    >>> print(patient_line("MRN 1", s), end="")
    # patient MRN 1: height 175 cm, weight 80 kg, BSA 1.972 m² (Mosteller),
    choices: carfilzomib 56 mg/m² (default); dexamethasone 20 mg per week (chosen)
    """
    shown = [
        f"{label} {text}"
        for label, text in schedule.patient.describe().items()
        if label not in {"identifier", "plausibility override"}  # the id leads; outliers follow
    ]
    bsa = format_amount(schedule.bsa_m2, "m²", decimals=3)
    shown.append(f"BSA {bsa} ({schedule.bsa_formula.label})")
    choices = "; ".join(str(c) for c in schedule.choices.values()) or "none"
    return comment_line(f"patient {identifier}: {', '.join(shown)}, choices: {choices}")


class _Encoder:
    """One CSV record without its line end, each cell made safe by :func:`csv_cell`.

    Cells are quoted as RFC 4180 says, exactly as :func:`dosing.export.table.to_csv` writes.
    """

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")

    def __call__(self, cells: Iterable[object], *, first: bool = False) -> str:
        """The cells as CSV; ``first`` if they start the record (see :func:`csv_cell`)."""
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow([csv_cell(c, first=first and i == 0) for i, c in enumerate(cells)])
        return self._buffer.getvalue()[:-2]


def _patient_csv(identifier: str, schedule: Schedule, encode: _Encoder) -> str:
    """Every administration of one patient as combined-CSV lines.

    The text of each distinct dose (dose, basis, calculated, reason) is made once per patient
    by :func:`dosing.export._common.row` and made safe by :func:`csv_cell`, exactly as
    :func:`dosing.export.table.write_csv_rows` writes it; each line then only adds the date,
    cycle and day.
    """
    prefix = encode((identifier,), first=True)
    tails: dict[tuple[int, tuple[object, ...], str, str], str] = {}
    numbers: dict[int, str] = {}
    out: list[str] = []
    append = out.append
    for admin in schedule.administrations:
        key = (id(admin.dose), admin.events, admin.drug, admin.route)
        tail = tails.get(key)
        if tail is None:
            tail = tails[key] = encode(row(admin).cells()[3:])
        cycle = numbers.get(admin.cycle)
        if cycle is None:
            cycle = numbers[admin.cycle] = csv_cell(str(admin.cycle))
        day = numbers.get(admin.day)
        if day is None:
            day = numbers[admin.day] = csv_cell(str(admin.day))
        append(f"{prefix},{admin.date.isoformat()},{cycle},{day},{tail}\r\n")
    return "".join(out)


def write_cohort_csv(
    stream: IO[str],
    results: Iterable[CohortResult],
    *,
    protocol: Protocol,
    cycles: int | None = None,
    bsa_formula: BSAFormula | str | None = None,
    generated_at: dt.datetime | None = None,
    on_rejected: Callable[[Rejected], None] | None = None,
) -> CohortSummary:
    """Stream ``results`` into one CSV: the header block, the column row, then each patient.

    The header block (``#`` lines from :func:`cohort_header_lines`: protocol, cycles, BSA
    formula, default choices, the verification notice) is written once. Each patient follows
    as soon as it is scheduled: its :func:`patient_line` (height, weight, BSA, choices), a
    ``#`` line for each value accepted outside the adult ranges, then its rows with the id in
    the first column. Rejected results are counted and passed to ``on_rejected``.

    >>> import datetime as dt, io
    >>> from dosing import get_protocol
    >>> krd = get_protocol("KRd")
    >>> lines = ["id,height,weight,start", "=HYPERLINK(1),175cm,80kg,2026-01-05"]
    >>> out = io.StringIO()
    >>> write_cohort_csv(out, schedule_patients(krd, lines, cycles=1, today=dt.date(2026, 1, 1)),
    ...                  protocol=krd, cycles=1)
    CohortSummary(patients=1, administrations=31, rejected=0)
    >>> print([line for line in out.getvalue().splitlines() if not line.startswith("#")][1])
    '=HYPERLINK(1),2026-01-05,1,1,carfilzomib,39.4,mg,IV,20 mg/m² × 1.972 m² (Mosteller),...
    """
    summary = CohortSummary()
    head = cohort_header_lines(
        protocol, cycles=cycles, bsa_formula=bsa_formula, generated_at=generated_at
    )
    stream.write("".join(comment_line(line) for line in head))
    encode = _Encoder()
    stream.write(encode(COHORT_COLUMNS, first=True) + "\r\n")
    for result in results:
        if isinstance(result, Rejected):
            summary.rejected += 1
            if on_rejected is not None:
                on_rejected(result)
            continue
        schedule = result.schedule
        stream.write(patient_line(result.identifier, schedule))
        for note in schedule.patient.outliers:
            stream.write(comment_line(f"patient {result.identifier}: {note}"))
        stream.write(_patient_csv(result.identifier, schedule, encode))
        summary.patients += 1
        summary.administrations += len(schedule.administrations)
    return summary


# -- one file per patient -------------------------------------------------------------------

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"] + [f"{p}{n}" for p in ("COM", "LPT") for n in range(1, 10)]
)
_MAX_NAME = 80


def safe_file_name(identifier: str) -> str:
    """A file name (without extension) made from a patient id, safe on every file system.

    Letters, digits, ``.``, ``_`` and ``-`` are kept; anything else becomes ``_``; leading
    dots and dashes go; device names such as ``CON`` get a ``_`` in front.

    >>> safe_file_name("MRN 0001"), safe_file_name("../etc/passwd"), safe_file_name("con")
    ('MRN_0001', 'etc_passwd', '_con')
    >>> safe_file_name('=HYPERLINK("http://x")')
    'HYPERLINK_http_x'
    """
    name = _UNSAFE.sub("_", identifier).strip("._-")[:_MAX_NAME].rstrip("._-") or "patient"
    if name.split(".")[0].upper() in _RESERVED:
        name = "_" + name
    return name


def write_cohort_files(
    folder: str | Path,
    results: Iterable[CohortResult],
    *,
    fmt: str = "ics",
    generated_at: dt.datetime | None = None,
    render: Callable[[Schedule], str | bytes] | None = None,
    extension: str | None = None,
    force: bool = False,
    on_rejected: Callable[[Rejected], None] | None = None,
) -> CohortSummary:
    """Write one file per scheduled patient into ``folder``: ``<safe id>.<extension>``.

    Each file is the document :func:`dosing.export.render` makes in ``fmt`` (one of
    :data:`EXTENSIONS`, default ``ics``) with ``generated_at``; ``render``, if given, makes
    it instead, from the schedule, and ``extension`` replaces the format's.

    Names come from :func:`safe_file_name` and are made unique within the run (``P1``,
    ``P1-2``; compared without case, for case-insensitive file systems). Each file is written
    atomically and created exclusively: an existing file - even one another run created a
    moment ago - is replaced only with ``force``, otherwise that patient is rejected. A
    symbolic link in the folder is never written through, even with ``force`` (the patient
    is rejected), so no patient's data can land outside the folder; nor is a read-only file
    replaced.

    >>> import datetime as dt, tempfile
    >>> from dosing import get_protocol
    >>> folder = tempfile.mkdtemp()
    >>> lines = ["id,height,weight,start", "P 1,175cm,80kg,2026-01-05", "P/1,175cm,80kg,2026-01-05"]
    >>> results = schedule_patients(get_protocol("KRd"), lines, cycles=1, today=dt.date(2026, 1, 1))
    >>> write_cohort_files(folder, results, fmt="csv")
    CohortSummary(patients=2, administrations=62, rejected=0)
    >>> sorted(p.name for p in Path(folder).iterdir())
    ['P_1-2.csv', 'P_1.csv']
    """
    from dosing._files import write_atomic

    if fmt not in EXTENSIONS:
        raise DosingError("format", f"one of {', '.join(EXTENSIONS)}", repr(fmt))
    suffix = extension or EXTENSIONS[fmt]
    draw = render or functools.partial(render_schedule, fmt=fmt, generated_at=generated_at)
    target = Path(folder)
    summary = CohortSummary()
    taken: set[str] = set()
    for result in results:
        if isinstance(result, Scheduled):
            base = safe_file_name(result.identifier)
            name, n = base, 1
            while name.lower() in taken:
                n += 1
                name = f"{base}-{n}"
            taken.add(name.lower())
            try:
                write_atomic(
                    target / f"{name}.{suffix}",
                    draw(result.schedule),
                    force=force,
                    follow_symlinks=False,
                )
            except OutputError as err:
                result = Rejected(result.line, result.identifier, str(err))
            else:
                summary.patients += 1
                summary.administrations += len(result.schedule.administrations)
                continue
        summary.rejected += 1
        if on_rejected is not None:
            on_rejected(result)
    return summary
