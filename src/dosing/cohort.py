"""Cohorts: many patients from one spreadsheet, scheduled lazily and written as a stream.

The patients file (read by :mod:`dosing.patients_file`) has one row per patient: ``id``,
``height``, ``weight`` and ``start``, and optionally the patient's own ``protocol``,
``cycles`` and choices (a ``choose`` cell such as ``carfilzomib=36;dexamethasone=20``, or a
column named after the drug), and the facts the patient rules use: ``age``, ``sex``,
``creatinine``, ``dialysis``, ``date_of_birth``. A row's own cell wins over the cohort's
setting, which fills the empty cells.

:func:`schedule_patients` turns the rows into results - a :class:`Scheduled` patient or a
:class:`Rejected` row with its line number and the reason - one row at a time, so a bad row
never stops the others and no more than one schedule is held at once.
:func:`write_cohort_csv` streams them into one combined CSV, :func:`write_cohort_jsonl` into
JSON Lines, :func:`write_cohort_files` writes one file per patient into a folder, and
:class:`ClinicDays` counts what each date brings to the clinic.

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

import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import IO, TYPE_CHECKING, Final

from dosing._text import json_text
from dosing.bsa import BSAFormula
from dosing.errors import DosingError, OutputError, ScheduleError, UnknownProtocolError
from dosing.export import render as render_schedule
from dosing.export._common import COLUMNS, Header, generated_text, protocol_text, row
from dosing.export.formats import REGISTRY, get_format
from dosing.export.table import comment_line, csv_cell
from dosing.notation import format_amount
from dosing.patients_file import (
    MAX_LINE_BYTES,
    MAX_PATIENTS_BYTES,
    PatientRow,
    PatientRows,
    Rejected,
    open_patients,
    parse_choose,
    read_patients,
)
from dosing.protocol import resolve_choices
from dosing.schedule import VERIFICATION_NOTICE, Schedule, build_schedule, cycle_count

if TYPE_CHECKING:
    from dosing.protocol import Protocol
    from dosing.schedule import Administration

__all__ = [
    "CLINIC_DAY_COLUMNS",
    "COHORT_COLUMNS",
    "EXTENSIONS",
    "MAX_LINE_BYTES",
    "MAX_PATIENTS_BYTES",
    "ClinicDay",
    "ClinicDays",
    "CohortResult",
    "CohortResults",
    "CohortSummary",
    "PatientRow",
    "PatientRows",
    "Rejected",
    "Scheduled",
    "cohort_header_lines",
    "existing_files",
    "open_patients",
    "parse_choose",
    "patient_line",
    "protocol_lines",
    "read_patients",
    "safe_file_name",
    "schedule_patients",
    "to_json_line",
    "write_cohort_csv",
    "write_cohort_files",
    "write_cohort_jsonl",
]

#: The columns of the combined CSV: the patient's id and protocol, then every table's columns.
COHORT_COLUMNS: Final = ("patient", "protocol", *COLUMNS)

#: The patients file's columns that hold facts the patient rules use.
_FACTS: Final = ("age", "sex", "creatinine", "dialysis", "date_of_birth")

#: Extensions of the per-patient files, by format (from :data:`dosing.export.formats.REGISTRY`).
EXTENSIONS: Final = MappingProxyType(
    {f.name: f.extension for f in REGISTRY.values() if f.per_patient}
)


# -- results --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scheduled:
    """A patient whose row was read and scheduled, with the row it came from."""

    line: int
    identifier: str
    schedule: Schedule
    row: PatientRow | None = field(default=None, repr=False, compare=False)


CohortResult = Scheduled | Rejected


@dataclass(slots=True)
class CohortSummary:
    """What a cohort writer did: patients written, their administrations, rows rejected."""

    patients: int = 0
    administrations: int = 0
    rejected: int = 0


# -- scheduling -----------------------------------------------------------------------------


class CohortResults(Iterator[CohortResult]):
    """What :func:`schedule_patients` gives: the results, one per ``next()``, and the header's facts.

    ``separator``, ``columns`` and ``ignored`` are those of :class:`PatientRows`.
    """

    def __init__(self, results: Iterator[CohortResult], rows: PatientRows) -> None:
        self._results = results
        self.separator = rows.separator
        self.columns = rows.columns
        self.ignored = rows.ignored

    def __next__(self) -> CohortResult:
        """The next patient scheduled, or the next row rejected."""
        return next(self._results)


def schedule_patients(
    protocol: Protocol | None,
    lines: Iterable[str],
    *,
    cycles: int | None = None,
    bsa_formula: BSAFormula | str | None = None,
    accept_outlier: bool = False,
    today: dt.date | None = None,
    protocols: Iterable[Protocol] = (),
    renal_table: str | None = None,
    clearance_weight: str | None = None,
) -> CohortResults:
    """Schedule every patient of a patients CSV, lazily, one per ``next()``.

    ``protocol`` and ``cycles`` are the cohort's: they apply to every row that does not give
    its own. A row's own cell always wins - its ``protocol`` (an id, an alias or
    ``builtin:ID``, looked up among the built-in protocols, ``protocol`` and ``protocols``),
    its ``cycles``, its choices - and the cohort's setting fills only an empty cell or a
    missing column. ``protocol`` may be ``None`` when the file has a ``protocol`` column;
    a row that leaves it empty is then rejected. The patient's ``age``, ``sex``,
    ``creatinine``, ``dialysis`` and ``date_of_birth`` cells are used as
    :func:`~dosing.schedule.build_schedule` uses them: renal starting doses (with
    ``renal_table`` and ``clearance_weight``) and the older-patient check.

    The settings (with the checks :func:`~dosing.schedule.build_schedule` uses) and the
    header are checked before this returns (a :class:`~dosing.errors.DosingError` if any is
    wrong). Each row then becomes a :class:`Scheduled` or a :class:`Rejected` result; only
    the current schedule is held. ``today`` is the reference date for the start-date window
    (the system date unless given).

    >>> import datetime as dt
    >>> from dosing import get_protocol
    >>> lines = ["id,height,weight,start,choose", "A,5 ft 9 in,176lb,2026-01-05,carfilzomib=36"]
    >>> [first] = schedule_patients(get_protocol("KRd"), lines, cycles=2, today=dt.date(2026, 1, 1))
    >>> [(a.label, a.dose.text) for a in first.schedule.by_drug()["carfilzomib"]][2]
    ('C1 D8', '71 mg')
    >>> lines = ["id,height,weight,start,protocol,cycles,age", "B,175cm,80kg,2026-01-05,Kd,,82"]
    >>> [second] = schedule_patients(None, lines, today=dt.date(2026, 1, 1))
    >>> print(second)
    line 2: protocol must be a known id or alias, got 'Kd' - did you mean Kd-ARROW ...
    """
    _check_settings(protocol, cycles, bsa_formula)
    _check_renal(protocol, renal_table, clearance_weight)
    given = [p for p in (protocol, *protocols) if p is not None]
    extra = tuple(  # a protocol given as the cohort's and in protocols is one; built-ins are known
        p
        for i, p in enumerate(given)
        if not p.origin.startswith("builtin:") and all(p is not q for q in given[:i])
    )
    rows = read_patients(lines, protocols=extra)
    if protocol is None and "protocol" not in rows.columns:
        raise DosingError(
            "protocol",
            "given for the whole cohort or in a protocol column of the patients file",
            "neither",
            "add the column, or name the cohort's protocol (CLI: --protocol)",
        )
    cohort = _Cohort(
        protocol,
        cycles,
        bsa_formula,
        accept_outlier,
        today,
        renal_table,
        clearance_weight,
        _finder(extra),
    )
    return CohortResults(_schedule_rows(rows, cohort), rows)


def _finder(extra: tuple[Protocol, ...]) -> Callable[[str], Protocol]:
    """Protocol lookup by a cell's text, each name looked up once (a cohort names a few)."""
    from dosing.catalogue import get_protocol

    @functools.lru_cache(maxsize=64)
    def find(name: str) -> Protocol:
        return get_protocol(name, extra=extra)

    return find


def _check_settings(
    protocol: Protocol | None, cycles: int | None, bsa_formula: BSAFormula | str | None
) -> tuple[int | None, BSAFormula | None]:
    """The cohort's cycle count and formula, checked once before any row is read.

    Without a cohort protocol the cycle count is checked against each row's protocol.

    >>> from dosing import get_protocol
    >>> _check_settings(get_protocol("KRd"), 30, None)
    Traceback (most recent call last):
      ...
    dosing.errors.ScheduleError: cycles must be between 1 and 24, got 30 - KRd allows 1 to 24
    >>> _check_settings(None, 0, None)
    Traceback (most recent call last):
      ...
    dosing.errors.ScheduleError: cycles must be a whole number of at least 1, got 0
    """
    formula = None if bsa_formula is None else BSAFormula.parse(bsa_formula)
    if protocol is not None:
        return cycle_count(protocol, cycles), formula
    if cycles is not None and (
        isinstance(cycles, bool) or not isinstance(cycles, int) or cycles < 1
    ):
        raise ScheduleError("cycles", "a whole number of at least 1", repr(cycles))
    return cycles, formula


def _check_renal(
    protocol: Protocol | None, renal_table: str | None, clearance_weight: str | None
) -> None:
    """A renal table the cohort's protocol lacks, or an unknown weight policy, is one error."""
    from dosing.bsa import WeightPolicy
    from dosing.renal import decide

    if clearance_weight is not None and str(clearance_weight).strip().lower() not in set(
        WeightPolicy
    ):
        raise ScheduleError(
            "clearance_weight", "one of actual, ideal, adjusted", repr(clearance_weight)
        )
    if protocol is not None and renal_table is not None:
        decide(protocol, None, resolve_choices(protocol), table=renal_table)


@dataclass(frozen=True, slots=True)
class _Cohort:
    """The cohort's settings, and how a row becomes a schedule under them."""

    protocol: Protocol | None
    cycles: int | None
    bsa_formula: BSAFormula | str | None
    accept_outlier: bool
    today: dt.date | None
    renal_table: str | None
    clearance_weight: str | None
    find: Callable[[str], Protocol]

    def schedule(self, item: PatientRow) -> Schedule:
        """The row's schedule: its own cells first, the cohort's settings for the empty ones."""
        protocol = self._protocol(item.protocol)
        patient = item.patient(accept_outlier=self.accept_outlier)
        own = item.cycle_count()
        return build_schedule(
            protocol,
            patient,
            item.start_text(),
            cycles=self.cycles if own is None else own,
            choices=item.chosen(protocol) or None,
            bsa_formula=self.bsa_formula,
            renal_table=self.renal_table,
            clearance_weight=self.clearance_weight,
            today=self.today,
        )

    def _protocol(self, cell: str) -> Protocol:
        if cell:
            return self.find(cell)
        if self.protocol is not None:
            return self.protocol
        raise UnknownProtocolError(
            "protocol",
            "given in the row or for the whole cohort",
            "an empty cell",
            "fill the cell, or name the cohort's protocol (CLI: --protocol)",
        )


def _schedule_rows(
    rows: Iterator[PatientRow | Rejected], cohort: _Cohort
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
            schedule = cohort.schedule(item)
        except DosingError as err:
            yield Rejected(item.line, item.identifier, str(err))
            continue
        yield Scheduled(item.line, item.identifier, schedule, item)


# -- the combined CSV -----------------------------------------------------------------------


def cohort_header_lines(
    protocol: Protocol | None,
    *,
    cycles: int | None = None,
    bsa_formula: BSAFormula | str | None = None,
    generated_at: dt.datetime | None = None,
    columns: Collection[str] = (),
) -> list[str]:
    """The header block of the combined CSV, once for the whole cohort (without ``#``).

    The protocol, generated and sources fields are those of
    :func:`dosing.export._common.header`; what differs from patient to patient
    (measurements, BSA, choices made, dates) comes in each patient's own ``# patient`` line.
    In its place the block says what every patient shares - the cycle count, the BSA formula
    and the default choices. ``columns`` are the patients file's known columns
    (:attr:`CohortResults.columns`): with a ``protocol`` column each protocol is described
    before its first patient instead (:func:`protocol_lines`), and the block says which
    settings a patient's own cells change.

    >>> import datetime as dt
    >>> from dosing import get_protocol
    >>> lines = cohort_header_lines(get_protocol("KRd"), cycles=2,
    ...                             generated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    >>> lines[0]
    'KRd cohort dosing calendar'
    >>> print(lines[2])
    cycles: 2 (requested) of 28 days from each patient's start date
    >>> print(cohort_header_lines(None, columns=["protocol"])[1])
    protocol: each patient's own (the protocol column), described before its first patient
    """
    _, formula = _check_settings(protocol, cycles, bsa_formula)
    formula_text = (formula or BSAFormula.MOSTELLER).label + (
        " (default)" if formula is None else ""
    )
    own_cycles = "; a patient's cycles cell wins" if "cycles" in columns else ""
    replaces = "a patient's choose cell or drug column replaces a default for that patient"
    fields: list[tuple[str, str]]
    if protocol is not None and "protocol" not in columns:
        defaults = "; ".join(str(c) for c in resolve_choices(protocol).values())
        cycle_note = "requested" if cycles is not None else "protocol default"
        title = f"{protocol.id} cohort dosing calendar"
        fields = [
            ("protocol", protocol_text(protocol)),
            (
                "cycles",
                f"{cycle_count(protocol, cycles)} ({cycle_note}) of "
                f"{protocol.cycle_length_days} days from each patient's start date{own_cycles}",
            ),
            ("BSA formula", formula_text),
            ("choices", f"{defaults}; {replaces}" if defaults else "none"),
            ("generated", generated_text(generated_at)),
            ("sources", protocol.source_text()),
        ]
        notes = protocol.notes
    else:
        shown = "each patient's own (the protocol column), described before its first patient"
        title = "cohort dosing calendar"
        fields = [
            ("protocol", shown + ("" if protocol is None else f"; else {protocol.id}")),
            (
                "cycles",
                f"{cycles} (requested) for every patient{own_cycles}"
                if cycles is not None
                else f"each protocol's default{own_cycles}",
            ),
            ("BSA formula", formula_text),
            ("choices", f"each protocol's defaults, described with the protocol; {replaces}"),
            ("generated", generated_text(generated_at)),
            ("sources", "each protocol's, described with the protocol"),
        ]
        notes = ()
    facts = [name for name in _FACTS if name in columns]
    if facts:
        fields.append(
            (
                "patient facts",
                f"{', '.join(facts)} from the patients file, used where given: renal starting "
                "doses need creatinine, age and sex; the older-patient check an age or date of "
                "birth; each patient's line says what was given",
            )
        )
    cohort = Header(
        title=title,
        fields=tuple(fields),
        notes=(),  # the notes are about one patient's doses: BSA, caps, choices
        protocol_notes=notes,
    )
    return cohort.lines()


def protocol_lines(protocol: Protocol) -> list[str]:
    """The lines (without ``#``) that describe one protocol of a cohort with a protocol column.

    >>> from dosing import get_protocol
    >>> lines = protocol_lines(get_protocol("KRd"))
    >>> print(lines[1])
    protocol KRd cycles: 8 (maximum 24) by default, of 28 days from each patient's start date
    """
    label = f"protocol {protocol.id}"
    defaults = "; ".join(str(c) for c in resolve_choices(protocol).values()) or "none"
    return [
        f"{label}: {protocol_text(protocol)}",
        f"{label} cycles: {protocol.cycles_text()} by default, of "
        f"{protocol.cycle_length_days} days from each patient's start date",
        f"{label} choices: {defaults}",
        f"{label} sources: {protocol.source_text()}",
        *(f"{label} note: {note}" for note in protocol.notes),
    ]


def patient_line(identifier: str, schedule: Schedule, *, row: PatientRow | None = None) -> str:
    """The ``# patient`` line written before a patient's rows in the combined CSV.

    It gives what the rows of oral drugs (lenalidomide, dexamethasone) do not show - the
    protocol, the cycles, the patient's measurements and facts, and BSA - and every choice,
    marked ``(default)`` or ``(chosen)``. With the patients file's ``row``, the protocol and
    cycles say where they came from: ``(row)`` the patient's own cell, ``(cohort)`` the
    cohort's setting, ``(protocol default)`` neither.

    >>> import datetime as dt
    >>> from dosing import Patient, build_schedule, get_protocol
    >>> patient = Patient(height="175 cm", weight="80 kg", identifier="MRN 1")
    >>> s = build_schedule(get_protocol("KRd"), patient, "2026-01-05", cycles=1,
    ...                    choices={"dexamethasone": 20}, today=dt.date(2026, 1, 1))
    >>> print(patient_line("MRN 1", s), end="")
    # patient MRN 1: protocol KRd, cycles 1 (requested), height 175 cm, weight 80 kg,
    BSA 1.972 m² (Mosteller), choices: carfilzomib 56 mg/m² (default); dexamethasone 20 mg
    per week (chosen)
    """
    cohort = "cohort" if row is not None else "requested"
    cycles_from = (
        "row"
        if row is not None and row.cycles
        else "protocol default"
        if schedule.cycles_is_default
        else cohort
    )
    protocol_from = "" if row is None else " (row)" if row.protocol else " (cohort)"
    shown = [
        f"protocol {schedule.protocol.id}{protocol_from}",
        f"cycles {schedule.cycles} ({cycles_from})",
    ]
    shown += [
        f"{label} {text}"
        for label, text in schedule.patient.describe().items()
        if label not in {"identifier", "plausibility override"}  # the id leads; outliers follow
    ]
    bsa = format_amount(schedule.bsa_m2, "m²", decimals=3)
    shown.append(f"BSA {bsa} ({schedule.bsa_formula.label})")
    choices = "; ".join(str(c) for c in schedule.choices.values()) or "none"
    return comment_line(f"patient {identifier}: {', '.join(shown)}, choices: {choices}")


def _patient_notes(identifier: str, schedule: Schedule) -> str:
    """The ``#`` lines after a patient's line: outliers, renal function, warnings."""
    notes = list(schedule.patient.outliers)
    if schedule.renal is not None:
        notes.append(f"renal function: {schedule.renal}")
        notes.extend(f"renal starting dose: {line}" for line in schedule.renal_dose_lines())
    notes.extend(f"WARNING: {warning}" for warning in schedule.warnings())
    return "".join(comment_line(f"patient {identifier}: {note}") for note in notes)


#: What a CSV cell is quoted for: RFC 4180's separator, quote and line ends, and ``#``, so that
#: a reader that cuts lines at a comment character (pandas ``comment="#"``) keeps the cell.
_QUOTED: Final = re.compile(r'[,"\r\n#]')


class _Encoder:
    """One CSV record without its line end, each cell made safe by :func:`csv_cell`.

    Cells are quoted as RFC 4180 says - and also when they hold a ``#``, which a reader
    cutting comments (``pandas.read_csv(comment="#")``) leaves alone only inside quotes.

    >>> print(_Encoder()(["MRN #1", 'a"b', "=1+1", "-5"], first=True))
    "MRN #1","a""b",'=1+1,-5
    """

    def __call__(self, cells: Iterable[object], *, first: bool = False) -> str:
        """The cells as CSV; ``first`` if they start the record (see :func:`csv_cell`)."""
        return ",".join(_quote(csv_cell(c, first=first and i == 0)) for i, c in enumerate(cells))


def _quote(cell: str) -> str:
    return f'"{cell.replace(chr(34), chr(34) * 2)}"' if _QUOTED.search(cell) else cell


#: The columns of :data:`COLUMNS` whose cells depend only on an administration's day, and
#: those that depend only on its dose; any other column is worked out for every line.
_DAY_COLUMNS: Final = frozenset({"date", "weekday", "cycle", "day"})
_DOSE_COLUMNS: Final = frozenset({"drug", "dose", "unit", "route", "basis", "calculated", "reason"})


def _runs(columns: tuple[str, ...]) -> tuple[tuple[str, tuple[tuple[str, int], ...]], ...]:
    """The columns in runs of one kind - ``day``, ``dose`` or ``other`` - with their indexes.

    >>> _runs(("date", "weekday", "cycle", "day", "drug", "dose", "note"))[1:]
    (('dose', (('drug', 4), ('dose', 5))), ('other', (('note', 6),)))
    """
    out: list[tuple[str, list[tuple[str, int]]]] = []
    for index, column in enumerate(columns):
        kind = "day" if column in _DAY_COLUMNS else "dose" if column in _DOSE_COLUMNS else "other"
        if out and out[-1][0] == kind:
            out[-1][1].append((column, index))
        else:
            out.append((kind, [(column, index)]))
    return tuple((kind, tuple(run)) for kind, run in out)


_RUNS: Final = _runs(COLUMNS)


#: Whether the table's columns are the date, cycle and day, then only dose columns: the
#: combined CSV then takes the quickest way (:func:`_patient_csv`).
#: Whether the table's columns are the date, perhaps the weekday, the cycle and the day,
#: then only dose columns: the combined CSV then takes the quickest way (_patient_csv).
_PLAIN: Final = [kind for kind, _ in _RUNS] == ["day", "dose"] and [c for c, _ in _RUNS[0][1]] in (
    ["date", "cycle", "day"],
    ["date", "weekday", "cycle", "day"],
)
#: The weekday column's index, if the table has one.
_WEEKDAY: Final = dict(_RUNS[0][1]).get("weekday")
#: Where the cells that are the same for every dose of one rule begin.
_DRUG_COLUMN: Final = COLUMNS.index("drug")


def _patient_csv(identifier: str, schedule: Schedule, encode: _Encoder) -> str:
    """Every administration of one patient as combined-CSV lines.

    The cells of each distinct dose (dose, basis, calculated, reason) are made once per
    patient by :func:`dosing.export._common.row` and made safe by :func:`csv_cell`, exactly
    as :func:`dosing.export.table.write_csv_rows` writes them; each line then adds its own
    date, weekday, cycle and day (the weekday's text made once per day of the week). Should
    the table gain other columns, each is made the same way: once per day, once per dose,
    or - for a column of another kind - for every administration.
    """
    prefix = encode((identifier, schedule.protocol.id), first=True)
    doses: dict[tuple[int, tuple[object, ...], str, str], str] = {}
    known: dict[tuple[str, int], str] = {}
    out: list[str] = []
    append = out.append
    if _PLAIN:
        for admin in schedule.administrations:
            dose = (id(admin.dose), admin.events, admin.drug, admin.route)
            tail = doses.get(dose)
            if tail is None:
                tail = doses[dose] = encode(row(admin).cells()[_DRUG_COLUMN:])
            cycle = known.get(("cycle", admin.cycle))
            if cycle is None:
                cycle = known[("cycle", admin.cycle)] = encode((admin.cycle,))
            day = known.get(("day", admin.day))
            if day is None:
                day = known[("day", admin.day)] = encode((admin.day,))
            date = admin.date.isoformat()
            if _WEEKDAY is not None:
                weekday = known.get(("weekday", admin.date.weekday()))
                if weekday is None:
                    weekday = _day_cell(admin, "weekday", _WEEKDAY, known, encode)
                date = f"{date},{weekday}"
            append(f"{prefix},{date},{cycle},{day},{tail}\r\n")
        return "".join(out)
    for admin in schedule.administrations:
        cells: tuple[object, ...] | None = None
        line = [prefix]
        for kind, run in _RUNS:
            if kind == "day":
                line.append(",".join(_day_cell(admin, c, i, known, encode) for c, i in run))
                continue
            if kind == "dose":
                dose = (id(admin.dose), admin.events, admin.drug, admin.route)
                text = doses.get(dose)
                if text is not None:
                    line.append(text)
                    continue
            cells = cells or row(admin).cells()
            text = encode([cells[i] for _, i in run])
            if kind == "dose":
                doses[dose] = text
            line.append(text)
        append(",".join(line) + "\r\n")
    return "".join(out)


def _day_cell(
    admin: Administration,
    column: str,
    index: int,
    known: dict[tuple[str, int], str],
    encode: _Encoder,
) -> str:
    """A day column's cell as CSV: the date as such, the cycle, day and weekday each made once.

    The weekday's text is the one :func:`dosing.export._common.row` gives, whatever it is.
    """
    if column == "date":
        return admin.date.isoformat()
    value = (
        admin.cycle if column == "cycle" else admin.day if column == "day" else admin.date.weekday()
    )
    text = known.get((column, value))
    if text is None:
        cell = value if column in {"cycle", "day"} else row(admin).cells()[index]
        text = known[(column, value)] = encode((cell,))
    return text


def write_cohort_csv(
    stream: IO[str],
    results: Iterable[CohortResult],
    *,
    protocol: Protocol | None = None,
    cycles: int | None = None,
    bsa_formula: BSAFormula | str | None = None,
    generated_at: dt.datetime | None = None,
    on_rejected: Callable[[Rejected], None] | None = None,
    on_written: Callable[[Scheduled], None] | None = None,
    columns: Collection[str] | None = None,
) -> CohortSummary:
    """Stream ``results`` into one CSV: the header block, the column row, then each patient.

    The header block (``#`` lines from :func:`cohort_header_lines`: protocol, cycles, BSA
    formula, default choices, the verification notice) is written once; ``columns`` are the
    patients file's (by default those ``results`` carry, if it is a :class:`CohortResults`).
    Each patient follows as soon as it is scheduled: the description of its protocol if no
    patient before had it and the header did not give it (:func:`protocol_lines`), its
    :func:`patient_line` (protocol, cycles, height, weight, BSA, choices), a ``#`` line for
    each value accepted outside the adult ranges, its renal function and each warning, then
    its rows with the id and protocol in the first two columns. A cell holding ``#`` is
    quoted. Rejected results are counted and passed to ``on_rejected``; each patient written
    is passed to ``on_written``.

    >>> import datetime as dt, io
    >>> from dosing import get_protocol
    >>> krd = get_protocol("KRd")
    >>> lines = ["id,height,weight,start", "=HYPERLINK(1),175cm,80kg,2026-01-05"]
    >>> out = io.StringIO()
    >>> write_cohort_csv(out, schedule_patients(krd, lines, cycles=1, today=dt.date(2026, 1, 1)),
    ...                  protocol=krd, cycles=1)
    CohortSummary(patients=1, administrations=31, rejected=0)
    >>> print([line for line in out.getvalue().splitlines() if not line.startswith("#")][1])
    '=HYPERLINK(1),KRd,2026-01-05,Mon,1,1,carfilzomib,39.4,mg,IV,20 mg/m² × 1.972 m² (Mosteller),...
    """
    if columns is None:
        columns = results.columns if isinstance(results, CohortResults) else ()
    summary = CohortSummary()
    head = cohort_header_lines(
        protocol, cycles=cycles, bsa_formula=bsa_formula, generated_at=generated_at, columns=columns
    )
    stream.write("".join(comment_line(line) for line in head))
    described = set() if protocol is None or "protocol" in columns else {_key(protocol)}
    encode = _Encoder()
    stream.write(encode(COHORT_COLUMNS, first=True) + "\r\n")
    for result in _scheduled(results, summary, on_rejected):
        schedule = result.schedule
        if _key(schedule.protocol) not in described:
            described.add(_key(schedule.protocol))
            stream.write("".join(comment_line(line) for line in protocol_lines(schedule.protocol)))
        stream.write(patient_line(result.identifier, schedule, row=result.row))
        stream.write(_patient_notes(result.identifier, schedule))
        stream.write(_patient_csv(result.identifier, schedule, encode))
        _written(summary, result, on_written)
    return summary


def _scheduled(
    results: Iterable[CohortResult],
    summary: CohortSummary,
    on_rejected: Callable[[Rejected], None] | None,
) -> Iterator[Scheduled]:
    """The scheduled results; each rejected one is counted and passed to ``on_rejected``."""
    for result in results:
        if isinstance(result, Scheduled):
            yield result
        else:
            _rejected(summary, result, on_rejected)


def _rejected(
    summary: CohortSummary, result: Rejected, on_rejected: Callable[[Rejected], None] | None
) -> None:
    summary.rejected += 1
    if on_rejected is not None:
        on_rejected(result)


def _written(
    summary: CohortSummary, result: Scheduled, on_written: Callable[[Scheduled], None] | None
) -> None:
    summary.patients += 1
    summary.administrations += len(result.schedule.administrations)
    if on_written is not None:
        on_written(result)


def _key(protocol: Protocol) -> tuple[str, str]:
    return protocol.id, protocol.origin


# -- JSON Lines -----------------------------------------------------------------------------


def to_json_line(schedule: Schedule, *, generated_at: dt.datetime | None = None) -> str:
    """One patient's JSON document (the ``json`` format's) on one line, ending in ``\\n``.

    A file of these lines is JSON Lines: one patient per line, each line a whole document
    with the patient, protocol, choices, every administration, the notes and the notice.

    >>> import datetime as dt, json
    >>> from dosing import Patient, build_schedule, get_protocol
    >>> s = build_schedule(get_protocol("KRd"), Patient(height=175, weight=80, identifier="#1"),
    ...                    "2026-01-05", cycles=1, today=dt.date(2026, 1, 1))
    >>> line = to_json_line(s)
    >>> line.count("\\n"), json.loads(line)["patient"]["identifier"]
    (1, '#1')
    """
    document = get_format("json").render(schedule, generated_at=generated_at)
    text = document.decode("utf-8") if isinstance(document, bytes) else document
    compact = json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":"))
    return json_text(compact) + "\n"


def write_cohort_jsonl(
    stream: IO[str],
    results: Iterable[CohortResult],
    *,
    generated_at: dt.datetime | None = None,
    on_rejected: Callable[[Rejected], None] | None = None,
    on_written: Callable[[Scheduled], None] | None = None,
) -> CohortSummary:
    """Stream ``results`` as JSON Lines: one line per patient, each :func:`to_json_line`.

    >>> import datetime as dt, io
    >>> from dosing import get_protocol
    >>> lines = ["id,height,weight,start", "P1,175cm,80kg,2026-01-05", "P2,1cm,80kg,2026-01-05"]
    >>> out = io.StringIO()
    >>> results = schedule_patients(get_protocol("KRd"), lines, cycles=1, today=dt.date(2026, 1, 1))
    >>> write_cohort_jsonl(out, results)
    CohortSummary(patients=1, administrations=31, rejected=1)
    >>> out.getvalue().count("\\n")
    1
    """
    summary = CohortSummary()
    for result in _scheduled(results, summary, on_rejected):
        stream.write(to_json_line(result.schedule, generated_at=generated_at))
        _written(summary, result, on_written)
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


class _FileNames:
    """Each id's file name, unique within a run (``P1``, ``P1-2``), compared without case."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def claim(self, identifier: str) -> str:
        base = safe_file_name(identifier)
        name, n = base, 1
        while name.lower() in self._taken:
            n += 1
            name = f"{base}-{n}"
        self._taken.add(name.lower())
        return name


def _suffix(fmt: str, extension: str | None) -> str:
    if fmt not in EXTENSIONS:
        raise DosingError("format", f"one of {', '.join(EXTENSIONS)}", repr(fmt))
    return extension or EXTENSIONS[fmt]


def existing_files(
    folder: str | Path,
    lines: Iterable[str],
    *,
    fmt: str = "ics",
    extension: str | None = None,
    protocols: Iterable[Protocol] = (),
) -> list[Path]:
    """The files of ``folder`` that :func:`write_cohort_files` would meet for these patients.

    The patients file is read, not scheduled: each row's id gives the name its file gets
    (rows rejected later keep theirs, so the names do not depend on which rows pass). A
    name that exists in ``folder`` - a file, a link, anything - is listed, so that a run can
    report them all before any work instead of rejecting one patient after another.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "P_1.ics").write_text("an earlier run")
    >>> [p.name for p in existing_files(folder, ["id,height,weight,start", "P 1,x,y,z"])]
    ['P_1.ics']
    """
    suffix = _suffix(fmt, extension)
    names = _FileNames()
    found: list[Path] = []
    for item in read_patients(lines, protocols=protocols):
        if item.identifier is None:
            continue
        path = Path(folder) / f"{names.claim(item.identifier)}.{suffix}"
        if path.is_symlink() or path.exists():
            found.append(path)
    return found


def write_cohort_files(
    folder: str | Path,
    results: Iterable[CohortResult],
    *,
    fmt: str = "ics",
    generated_at: dt.datetime | None = None,
    render: Callable[[Schedule], str | bytes] | None = None,
    extension: str | None = None,
    force: bool = False,
    create: bool = False,
    on_rejected: Callable[[Rejected], None] | None = None,
    on_written: Callable[[Scheduled], None] | None = None,
) -> CohortSummary:
    """Write one file per scheduled patient into ``folder``: ``<safe id>.<extension>``.

    Each file is the document :func:`dosing.export.render` makes in ``fmt`` (one of
    :data:`EXTENSIONS`, default ``ics``) with ``generated_at``; ``render``, if given, makes
    it instead, from the schedule, and ``extension`` replaces the format's. With ``create``
    a missing ``folder`` is made when the first file is written, so a run in which every
    row is rejected leaves no empty folder.

    Names come from :func:`safe_file_name` and are made unique within the run (``P1``,
    ``P1-2``; compared without case, for case-insensitive file systems); a rejected row
    keeps its name too, so a file's name never depends on which rows were rejected. Each
    file is written atomically and created exclusively: an existing file - even one another
    run created a moment ago - is replaced only with ``force``, otherwise that patient is
    rejected (:func:`existing_files` finds them all beforehand). A symbolic link in the
    folder is never written through, even with ``force`` (the patient is rejected), so no
    patient's data can land outside the folder; nor is a read-only file replaced.

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
    from dosing._files import os_reason, write_atomic

    suffix = _suffix(fmt, extension)
    draw = render or functools.partial(render_schedule, fmt=fmt, generated_at=generated_at)
    target = Path(folder)
    summary = CohortSummary()
    names = _FileNames()
    for result in results:
        name = "" if result.identifier is None else names.claim(result.identifier)
        if isinstance(result, Scheduled):
            if create and not target.is_dir():
                try:
                    target.mkdir()
                except OSError as err:
                    raise OutputError(
                        "folder",
                        "a folder that exists or can be created",
                        repr(str(folder)),
                        os_reason(err),
                    ) from None
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
                _written(summary, result, on_written)
                continue
        _rejected(summary, result, on_rejected)
    return summary


# -- the clinic-day summary -----------------------------------------------------------------

#: Routes a clinic gives (an infusion chair, a nurse); PO doses are taken at home.
_CLINIC_ROUTES: Final = frozenset({"IV", "SC", "IM"})
_WEEKDAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: The clinic-day CSV's columns.
CLINIC_DAY_COLUMNS: Final = (
    "date",
    "weekday",
    "patients",
    "iv",
    "sc_im",
    "chair_minutes",
    "iv_without_time",
    "drugs_without_time",
)


@dataclass(frozen=True, slots=True)
class ClinicDay:
    """What one date brings to the clinic across a cohort.

    ``patients`` come for at least one IV, SC or IM dose; ``iv`` and ``sc_im`` count the
    administrations; ``chair_minutes`` adds the protocol files' infusion times of the IV
    administrations that have one, and ``iv_without_time`` counts those that have none
    (``drugs_without_time`` names their drugs), so that the minutes are then a lower bound.
    """

    date: dt.date
    patients: int
    iv: int
    sc_im: int
    chair_minutes: int
    iv_without_time: int
    drugs_without_time: tuple[str, ...]

    def cells(self) -> tuple[object, ...]:
        """The day as the clinic-day CSV's cells, in :data:`CLINIC_DAY_COLUMNS` order."""
        return (
            self.date.isoformat(),
            _WEEKDAYS[self.date.weekday()],
            self.patients,
            self.iv,
            self.sc_im,
            self.chair_minutes,
            self.iv_without_time,
            "; ".join(self.drugs_without_time),
        )


@dataclass(slots=True)
class _Counts:
    """What one date has so far: patients, IV and SC/IM doses, minutes, untimed IV by drug."""

    patients: int = 0
    iv: int = 0
    sc_im: int = 0
    minutes: int = 0
    untimed: dict[str, int] = field(default_factory=dict)


class ClinicDays:
    """The clinic-day summary of a cohort, built one schedule at a time.

    Only counts are kept, per date and per drug, never a schedule, so a cohort of any size
    runs in little memory.

    >>> import datetime as dt
    >>> from dosing import Patient, build_schedule, get_protocol
    >>> days = ClinicDays()
    >>> days.add(build_schedule(get_protocol("KRd"), Patient(height=175, weight=80),
    ...                         "2026-01-05", cycles=1, today=dt.date(2026, 1, 1)))
    >>> [(d.date.isoformat(), d.patients, d.iv, d.chair_minutes) for d in days.days()][:2]
    [('2026-01-05', 1, 1, 30), ('2026-01-06', 1, 1, 30)]
    """

    def __init__(self) -> None:
        self._days: dict[dt.date, _Counts] = {}
        self._timed: dict[tuple[str, int], dict[str, None]] = {}
        self._without: dict[str, dict[str, None]] = {}
        self.patients = 0

    def add(self, schedule: Schedule) -> None:
        """Count one patient's clinic administrations."""
        minutes = {d.name: d.infusion_minutes for d in schedule.protocol.drugs}
        seen: set[dt.date] = set()
        for admin in schedule.administrations:
            if admin.route not in _CLINIC_ROUTES:
                continue
            counts = self._days.setdefault(admin.date, _Counts())
            if admin.date not in seen:
                seen.add(admin.date)
                counts.patients += 1
            if admin.route != "IV":
                counts.sc_im += 1
                continue
            counts.iv += 1
            time = minutes[admin.drug]
            if time is None:
                counts.untimed[admin.drug] = counts.untimed.get(admin.drug, 0) + 1
                self._without.setdefault(admin.drug, {})[schedule.protocol.id] = None
            else:
                counts.minutes += time
                self._timed.setdefault((admin.drug, time), {})[schedule.protocol.id] = None
        self.patients += 1

    def days(self) -> tuple[ClinicDay, ...]:
        """Each date with a clinic administration, in date order."""
        return tuple(
            ClinicDay(
                day,
                patients=counts.patients,
                iv=counts.iv,
                sc_im=counts.sc_im,
                chair_minutes=counts.minutes,
                iv_without_time=sum(counts.untimed.values()),
                drugs_without_time=tuple(sorted(counts.untimed)),
            )
            for day, counts in sorted(self._days.items())
        )

    def header_lines(self, *, generated_at: dt.datetime | None = None) -> list[str]:
        """What the counts mean and which infusion times they used (without ``#``)."""
        timed = "; ".join(
            f"{drug} {time} min ({', '.join(sorted(protocols))})"
            for (drug, time), protocols in sorted(self._timed.items())
        )
        without = "; ".join(
            f"{drug} ({', '.join(sorted(protocols))})"
            for drug, protocols in sorted(self._without.items())
        )
        return [
            "cohort clinic days",
            f"patients: {self.patients}, each counted on the dates of their IV, SC or IM "
            "doses (PO doses are taken at home and are not counted)",
            "chair_minutes: the sum of the protocol files' infusion times of the day's IV "
            "administrations; iv_without_time counts those whose drug has none, so that the "
            "minutes are then a lower bound",
            f"infusion times used: {timed or 'none'}",
            f"no infusion time in the protocol file: {without or 'none'}",
            f"generated: {generated_text(generated_at)}",
            f"NOTICE: {VERIFICATION_NOTICE}",
        ]

    def to_csv(self, *, generated_at: dt.datetime | None = None) -> str:
        """The summary as CSV: the ``#`` header block, the column row, one row per date.

        Cells are made safe as in the combined CSV (:func:`csv_cell`).
        """
        encode = _Encoder()
        head = "".join(comment_line(line) for line in self.header_lines(generated_at=generated_at))
        rows = [encode(CLINIC_DAY_COLUMNS, first=True)]
        rows += [encode(day.cells(), first=True) for day in self.days()]
        return head + "".join(f"{line}\r\n" for line in rows)
