"""Fuzzing the public entry points: any input gives a valid result or a DosingError, nothing else.

Bounded by the hypothesis profile in the default run; set DOSING_HYPOTHESIS_PROFILE=long (see
docs/property-testing.md) for a longer run.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import math
import tempfile
import tomllib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from fhir.resources.R4B.bundle import Bundle
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import dosing
from dosing._cli import main
from dosing._text import message, multi_line, one_line
from dosing.catalogue import load_protocol
from dosing.cohort import (
    ClinicDays,
    open_patients,
    schedule_patients,
    write_cohort_csv,
    write_cohort_jsonl,
)
from dosing.export import render
from dosing.export.table import csv_cell
from dosing.protocol import loads_protocol, parse_protocol
from dosing.units import parse_creatinine, parse_length, parse_mass
from tests.test_injection import NEVER_SHOWN, _assert_no_formula
from tests.test_validate import VALID

pytestmark = pytest.mark.fuzz

TODAY = dt.date(2026, 1, 1)
BASE = tomllib.loads(VALID)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=True)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            out += _paths(value, (*prefix, index))
    return out


PATHS = _paths(BASE)


def _set(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    import copy

    out = copy.deepcopy(data)
    node = out
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return out


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_protocol_loader_accepts_any_text(text: str) -> None:
    """Any text is a valid protocol or a ProtocolError."""
    try:
        loads_protocol(text)
    except dosing.ProtocolError as err:
        assert err.problems


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(PATHS), json_values), min_size=1, max_size=3))
def test_protocol_loader_survives_mutated_files(edits: list[tuple[tuple[Any, ...], Any]]) -> None:
    """A valid file with values replaced at random is a protocol or a DosingError, and a protocol
    that loads can be scheduled or refused cleanly."""
    data = BASE
    for path, value in edits:
        try:
            data = _set(data, path, value)
        except (KeyError, IndexError, TypeError):
            continue
    try:
        protocol = parse_protocol(data)
    except dosing.DosingError:
        return
    patient = dosing.Patient(height="175 cm", weight="80 kg")
    try:
        schedule = dosing.build_schedule(protocol, patient, "2026-01-05", cycles=2, today=TODAY)
    except dosing.DosingError:
        return
    assert all(a.dose.final_mg > 0 for a in schedule.administrations)


OPTIONS = [
    "--height",
    "--weight",
    "--start",
    "--cycles",
    "--choose",
    "--bsa-formula",
    "--format",
    "--round",
    "--id",
    "--creatinine",
    "--age",
    "--sex",
    "--dialysis",
    "--no-dialysis",
    "--renal-table",
    "--clearance-weight",
    "--generated-at",
    "--per",
    "--time",
    "--tz",
    "--remind",
    "--remind-at",
    "--for",
    "--duration",
    "--per",
    "--protocol-file",
    "--age",
]
WORDS = st.one_of(
    st.sampled_from(OPTIONS),
    st.sampled_from(
        [
            "KRd",
            "D-KRd",
            "kdd",
            "175cm",
            "80kg",
            "2026-01-05",
            "carfilzomib=36",
            "dexamethasone=20",
            "2.4mg/dL",
            "97umol/L",
            "82",
            "female",
            "male",
            "eu",
            "us",
            "ideal",
            "json",
            "csv",
            "md",
            "ics",
            "html",
            "mosteller",
            "3",
            "-1",
            "0",
            "09:00",
            "Europe/Berlin",
            "patient",
            "1d",
            "=cmd",
            "nan",
            "",
            " ",
            "80 kilos",
            "13/04/2026",
            "P1;=1+1",
            "\u202e",
            "x\ry",
            "\x9b[2J",
        ]
    ),
    st.text(max_size=12),
)


@settings(
    deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    command=st.sampled_from(["calendar", "bsa", "show", "protocols", "schema"]),
    words=st.lists(WORDS, max_size=10),
)
def test_cli_arguments_never_crash(
    command: str, words: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Any argument list exits 0 or 2 with a one-line error; never an internal error."""
    args = [command, *words]
    if command == "calendar":
        args = [
            command,
            "KRd",
            "--height",
            "175cm",
            "--weight",
            "80kg",
            "--start",
            "2026-01-05",
            *words,
        ]
    args = [a for a in args if a not in {"-o", "--output", "--force"}]
    try:
        status = main(args)
    except SystemExit as exit_:  # --help and --version exit through argparse
        assert exit_.code == 0
        capsys.readouterr()
        return
    captured = capsys.readouterr()
    err = captured.err
    assert status in (0, 2), err
    assert not NEVER_SHOWN.search(err)
    if status == 2:
        assert err.count("\n") == 1, err
        assert "Traceback" not in err


@settings(deadline=None)
@given(
    st.sampled_from([p.id for p in dosing.builtin_protocols()]),
    st.floats(120, 230),
    st.floats(35, 200),
    st.one_of(st.none(), st.integers(-5, 200)),
    st.dictionaries(
        st.sampled_from(["carfilzomib", "dexamethasone", "lenalidomide", "x"]),
        st.one_of(st.integers(0, 100), st.text(max_size=8)),
        max_size=2,
    ),
)
def test_build_schedule_never_gives_anything_but_a_schedule_or_a_dosing_error(
    protocol_id: str, height: float, weight: float, cycles: int | None, choices: dict[str, object]
) -> None:
    """Random cycles and choices give a schedule with positive doses or a DosingError."""
    patient = dosing.Patient(height=height, weight=weight, accept_outlier=True)  # any BMI
    try:
        schedule = dosing.build_schedule(
            dosing.get_protocol(protocol_id),
            patient,
            "2026-01-05",
            cycles=cycles,
            choices=choices,
            today=TODAY,
        )
    except dosing.DosingError:
        return
    assert schedule.administrations
    assert all(a.dose.final_mg > 0 for a in schedule.administrations)


_KRD = dosing.build_schedule(
    dosing.get_protocol("KRd"),
    dosing.Patient(height="175 cm", weight="80 kg"),
    "2026-01-05",
    cycles=1,
    today=TODAY,
)


@settings(deadline=None)
@given(
    st.one_of(
        st.lists(
            st.one_of(
                st.dates(dt.date(2000, 1, 1), dt.date(2040, 1, 1)),
                st.dates(dt.date(2025, 12, 1), dt.date(2026, 3, 1)).map(dt.date.isoformat),
                st.text(max_size=12),
                st.integers(),
                st.none(),
            ),
            max_size=6,
        ),
        st.text(max_size=12),
        st.integers(),
        st.none(),
    )
)
def test_closure_dates_give_the_same_doses_or_a_dosing_error(closed: object) -> None:
    """Any closure list gives the schedule without closures, every dose on a closed date
    marked, or a DosingError - never anything else, and never a moved dose."""
    try:
        schedule = dosing.build_schedule(
            _KRD.protocol,
            _KRD.patient,
            "2026-01-05",
            cycles=1,
            closed=closed,
            today=TODAY,  # type: ignore[arg-type]
        )
    except dosing.DosingError:
        return
    assert [(a.date, a.drug, a.dose) for a in schedule.administrations] == [
        (a.date, a.drug, a.dose) for a in _KRD.administrations
    ]
    for admin in schedule.administrations:
        assert ("closed" in [e.flag for e in admin.events]) == (admin.date in schedule.closed)
    assert render(schedule, "html")


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    dose=st.builds("{} {}".format, st.floats(1e-4, 2e4), st.sampled_from(["mg", "mg/m2", "mg/kg"])),
    cap=st.none() | st.builds("{} m2".format, st.floats(0.5, 3.5)),
    maximum=st.none() | st.builds("{} mg".format, st.floats(1e-4, 2e4)),
    length=st.integers(1, 365),
    data=st.data(),
)
def test_what_validation_accepts_always_schedules(
    dose: str, cap: str | None, maximum: str | None, length: int, data: st.DataObject
) -> None:
    """A protocol with quantities near and beyond the plausibility limits either loads and
    then schedules a typical patient with positive finite doses and every export renders, or
    is refused at load with a ProtocolError - never in between."""
    raw = tomllib.loads(VALID)
    days = data.draw(st.lists(st.integers(1, length), min_size=1, max_size=40, unique=True))
    carfilzomib = raw["drugs"][0]
    carfilzomib.update(dose=dose, schedule=[{"cycles": "1+", "days": days}])
    carfilzomib.pop("bsa_cap")
    if cap is not None:
        carfilzomib["bsa_cap"] = cap
    if maximum is not None:
        carfilzomib["max_dose"] = maximum
    raw["drugs"][1]["schedule"] = [{"cycles": "1+", "days": [1]}]
    raw["cycle_length_days"] = length
    raw["cycles"] = {"default": data.draw(st.integers(1, 120))}
    raw["step_up"] = []
    try:
        protocol = parse_protocol(raw)
    except dosing.ProtocolError:
        return
    event("loaded")
    schedule = dosing.build_schedule(
        protocol, dosing.Patient(height="175 cm", weight="80 kg"), "2026-01-05", today=TODAY
    )
    assert all(0 < a.dose.final_mg < 1e6 for a in schedule.administrations)
    json.loads(render(schedule, "json"), parse_constant=_no_constants)
    assert render(schedule, "html")


def _no_constants(name: str) -> object:
    raise AssertionError(f"JSON must not hold {name}")


# -- text that reaches an output ------------------------------------------------------------


@given(st.text(max_size=80))
def test_text_filters_leave_no_control_or_bidi_character(text: str) -> None:
    """Any text made one line, several lines or a message holds no control or bidi character."""
    for shown in (one_line(text), multi_line(text), message(text)):
        assert not NEVER_SHOWN.search(shown)
    assert not set("\r\n\t") & set(one_line(text))
    assert "\r" not in multi_line(text)


@given(st.lists(st.text(max_size=30), min_size=1, max_size=4))
def test_csv_cells_are_one_line_and_never_a_formula(cells: list[str]) -> None:
    """Any cells, made safe and written as a CSV record, give one line with no formula piece."""
    out = io.StringIO()
    safe = [csv_cell(c, first=i == 0) for i, c in enumerate(cells)]
    csv.writer(out, lineterminator="\r\n").writerow(safe)
    record = out.getvalue()
    assert record.count("\r\n") == 1
    assert record.endswith("\r\n")
    assert "\n" not in record[:-2]
    assert "\r" not in record[:-2]
    _assert_no_formula(record)


@settings(deadline=None)
@given(st.text(max_size=60))
def test_any_identifier_gives_exports_without_control_characters(identifier: str) -> None:
    """Whatever the identifier, every format is free of controls and the CSV keeps its rows."""
    try:
        patient = dosing.Patient(height="175 cm", weight="80 kg", identifier=identifier)
    except dosing.DosingError:
        return
    schedule = dosing.build_schedule(
        dosing.get_protocol("Kd-weekly"), patient, "2026-01-05", cycles=1, today=TODAY
    )
    moment = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for fmt in ("table", "csv", "md", "json", "html", "ics", "fhir", "jsonl"):
        data = render(schedule, fmt, generated_at=moment)
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        assert not NEVER_SHOWN.search(text.replace("\r\n", "\n")), fmt
        if fmt == "fhir":
            Bundle.model_validate_json(text)
        if fmt == "csv":
            body = [line for line in text.split("\r\n") if line and not line.startswith("#")]
            assert len(body) == 1 + len(schedule.administrations)
            _assert_no_formula(text)


_WALL_TIMES = st.times().map(lambda t: t.replace(second=0, microsecond=0))
_ICS_OPTIONS = st.fixed_dictionaries(
    {},
    optional={  # mostly values to_ics takes, now and then one it must refuse
        "per": st.sampled_from(["day", "day", "administration", "week"]),
        "time": st.one_of(st.none(), _WALL_TIMES, _WALL_TIMES, st.just("09:00")),
        "tz": st.none()
        | st.sampled_from(["Europe/Berlin", "America/New_York", "UTC"]).map(ZoneInfo),
        "duration": st.one_of(
            st.none(),
            st.timedeltas(dt.timedelta(minutes=1), dt.timedelta(hours=24)),
            st.timedeltas(dt.timedelta(minutes=-5), dt.timedelta(hours=30)),
        ),
        "remind": st.one_of(
            st.none(),
            st.timedeltas(dt.timedelta(minutes=1), dt.timedelta(days=28)),
            st.timedeltas(dt.timedelta(minutes=-5), dt.timedelta(days=30)),
        ),
        "remind_at": st.one_of(st.none(), _WALL_TIMES, _WALL_TIMES, st.times(), st.just("08:00")),
    },
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    protocol=st.sampled_from(["KRd", "D-KRd", "KdD", "Kd-weekly", "KCyD"]),
    audience=st.sampled_from(["staff", "patient"]),
    options=_ICS_OPTIONS,
)
def test_any_ics_options_give_a_calendar_or_a_dosing_error(
    protocol: str, audience: str, options: dict[str, Any]
) -> None:
    """Any calendar options give a calendar that reads back, or a DosingError; a patient's has
    short summaries and no identifier."""
    from dosing.export.ics import to_ics

    patient = dosing.Patient(height="175 cm", weight="80 kg", identifier="MRN 4711-Q")
    schedule = dosing.build_schedule(
        dosing.get_protocol(protocol), patient, "2026-01-05", cycles=1, today=TODAY
    )
    try:
        data = to_ics(
            schedule,
            generated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            audience=audience,
            **options,
        )
    except dosing.DosingError as err:
        event(f"refused: {err.field}")
        return
    event(f"calendar for {audience}")
    # Read back with icalendar, not vobject: vobject keeps the first VTIMEZONE it reads for a
    # TZID for the rest of the process, which would change what later tests read.
    found = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert len(found) >= len(schedule.by_day())
    if audience == "patient":
        assert b"4711" not in data
        assert max(len(str(e["SUMMARY"])) for e in found) <= 60


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.binary(max_size=300), st.sampled_from([b"", b"\xef\xbb\xbf", b"id,height,weight,start\r"])
)
def test_any_patients_file_gives_results_or_a_dosing_error(data: bytes, head: bytes) -> None:
    """Any bytes as a patients file are read into results or refused with a DosingError."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "patients.csv"
        path.write_bytes(head + data)
        try:
            with open_patients(path) as lines:
                for _ in schedule_patients(dosing.get_protocol("KRd"), lines, cycles=1):
                    pass
        except dosing.DosingError:
            pass


#: The columns a spreadsheet row may have: cells that read, then cells near them that do not.
SHEET = {
    "id": (["P1", "MRN #1", "=1+1", "a;b"], [""]),
    "height": (["175cm", "1,75 m", "5 ft 9 in", "69in"], ["175", "1cm"]),
    "weight": (["80kg", "176lb", "80,5 kg"], ["80", "9kg"]),
    "start": (
        ["2026-01-05", "2026-01-05T00:00:00", "2026/1/5"],
        ["05/01/2026", "2026-01-05 13:00"],
    ),
    "protocol": (["", "KRd", "d-krd", "builtin:KdD", "D-KRd-SC"], ["Kd", "Flu-Cy-LD"]),
    "cycles": (["", "1", "2"], ["0", "1.0"]),
    "age": (["", "82", "65"], ["17", "x"]),
    "sex": (["", "f", "male"], ["W"]),
    "creatinine": (["", "1.4mg/dL", "97 umol/L"], ["1.4"]),
    "dialysis": (["", "yes", "no"], ["1", "maybe"]),
    "date_of_birth": (["", "1944-03-10", "1944-03-10T00:00:00"], ["10/03/1944"]),
    "dexamethasone": (["", "20", "40"], ["30"]),
}


def _cell(good: list[str], bad: list[str]) -> st.SearchStrategy[str]:
    """Mostly a cell that reads; one time in ten one that does not, or any text."""
    return st.integers(0, 9).flatmap(
        lambda n: st.sampled_from(bad) | st.text(max_size=12) if n == 0 else st.sampled_from(good)
    )


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.fixed_dictionaries({name: _cell(*cells) for name, cells in SHEET.items()}),
    st.sampled_from([",", ";", "\t"]),
    st.sampled_from([None, "KRd"]),
)
def test_any_spreadsheet_row_gives_a_patient_or_a_rejection(
    cells: dict[str, str], separator: str, cohort: str | None
) -> None:
    """Any cells under every column, in any separator: scheduled and written, or rejected by line."""
    out = io.StringIO()
    csv.writer(out, delimiter=separator).writerows([list(cells), list(cells.values())])
    protocol = None if cohort is None else dosing.get_protocol(cohort)
    try:
        results = list(schedule_patients(protocol, out.getvalue().splitlines(), today=TODAY))
    except dosing.DosingError:
        return  # a header that says nothing about a protocol, with none for the cohort
    event(type(results[0]).__name__ if results else "blank")
    days = ClinicDays()
    for write in (write_cohort_csv, write_cohort_jsonl):
        summary = write(io.StringIO(), iter(results), on_written=lambda r: days.add(r.schedule))
        assert summary.patients + summary.rejected == len(results)
    days.to_csv()


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300), st.booleans())
def test_any_protocol_file_gives_a_protocol_or_a_dosing_error(data: bytes, bom: bool) -> None:
    """Any bytes as a protocol file (with or without a byte order mark) load or are refused."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.toml"
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
        with contextlib.suppress(dosing.DosingError):
            load_protocol(path)


UNITS = ["cm", "m", "in", "kg", "lb", "g", "kilos", "kgs", "mg/dL", "umol/L", "µmol/L", "mmol/L"]


@given(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(UNITS),
    st.sampled_from([parse_length, parse_mass, parse_creatinine]),
)
def test_measurements_are_finite_or_refused(number: float, unit: str, parse: Any) -> None:
    """Any number with any unit reads as a finite quantity or raises a MeasurementError."""
    try:
        value = parse(f"{number!r} {unit}")
    except dosing.MeasurementError:
        return
    assert math.isfinite(value.magnitude)
