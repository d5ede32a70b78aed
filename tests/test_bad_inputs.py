"""A catalogue of mistaken and hostile input: each is stopped with a clear error, never a wrong dose.

Every case names the error class (library) or the exit status 2 (CLI), and a fragment of the
message that names the field and what was expected. The CLI cases also check that no output
file is created and that an existing one is left untouched.
"""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import math
import os
import re
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dosing
from dosing import _files
from dosing._cli import main
from dosing.errors import (
    ChoiceError,
    DateError,
    DosingError,
    MeasurementError,
    OutputError,
    PlausibilityError,
    ProtocolError,
    ScheduleError,
    UnknownProtocolError,
)
from dosing.export import parse_generated_at

TODAY = dt.date(2026, 1, 1)

# -- library -------------------------------------------------------------------------------

PATIENT_CASES = [
    ({"height": "-175 cm"}, MeasurementError, "height must be between 30 and 300 cm, got -175 cm"),
    ({"height": 0}, MeasurementError, "height must be between 30 and 300 cm, got 0 cm"),
    ({"height": float("nan")}, MeasurementError, "height must be a finite number"),
    ({"height": "nan cm"}, MeasurementError, "height must be a length"),
    ({"height": float("inf")}, MeasurementError, "height must be a finite number"),
    ({"height": "1e308 cm"}, MeasurementError, "height must be between 30 and 300 cm"),
    ({"height": ""}, MeasurementError, "height must be a length"),
    ({"height": "abc"}, MeasurementError, "height must be a length"),
    (
        {"height": "175 kg"},
        MeasurementError,
        "height must be a length such as '175 cm' or '69 in', got '175 kg' (a mass)",
    ),
    (
        {"weight": "80 cm"},
        MeasurementError,
        "weight must be a mass such as '80 kg' or '176 lb', got '80 cm' (a length)",
    ),
    ({"height": "69 cm"}, PlausibilityError, "did you mean 69 in?"),
    ({"height": 69}, PlausibilityError, "did you mean 69 in?"),
    ({"height": 1.75}, MeasurementError, "got 1.75 cm - did you mean 1.75 m?"),
    ({"weight": "400 kg"}, PlausibilityError, "did you mean 400 lb?"),
    ({"weight": "80 g"}, MeasurementError, "got 0.08 kg - did you mean 80 kg?"),
    ({"serum_creatinine": "88 mg/dL"}, PlausibilityError, "did you mean 88 µmol/L?"),
    ({"serum_creatinine": "1.0 µmol/L"}, PlausibilityError, "did you mean 1 mg/dL?"),
    ({"serum_creatinine": 1.2}, MeasurementError, "serum_creatinine must be a concentration"),
    (
        {"serum_creatinine": "1.2 mg/m2"},
        MeasurementError,
        "serum_creatinine must be a concentration",
    ),
    ({"height": True}, MeasurementError, "height must be a length"),
    ({"height": None}, MeasurementError, "height must be a length"),
    ({"height": ["175 cm"]}, MeasurementError, "height must be a length"),
    ({"age": 12}, PlausibilityError, "age must be between 18 and 120 years for an adult"),
    ({"age": "old"}, DosingError, "age must be"),
    ({"sex": "x"}, DosingError, "sex must be"),
    ({"date_of_birth": "2090-01-01"}, DateError, "date_of_birth must be in the past"),
    ({"colour": "blue"}, DosingError, "colour must be one of the known patient fields"),
    ({"identifier": ""}, DosingError, "identifier must be at least 1 character(s) long, got ''"),
    (
        {"identifier": "x" * 201},
        DosingError,
        "identifier must be at most 200 characters long, got 201 characters",
    ),
    (
        {"height": "69 in", "weight": 176},
        MeasurementError,
        "weight must be given with a unit when height is in imperial units (69 in), got '176' "
        "- did you mean 176 lb (79.83 kg) or 176 kg?",
    ),
    (
        {"height": "175", "weight": "176 lb"},
        MeasurementError,
        "height must be given with a unit when weight is in imperial units (176 lb), got '175' "
        "- did you mean 175 cm? 175 in (444.5 cm) would be outside the adult range",
    ),
    (
        {"height": "5 ft 9 in", "weight": "80"},
        MeasurementError,
        "weight must be given with a unit when height is in imperial units (5 ft 9 in)",
    ),
    (
        {"height": "69 in", "weight": "176 kg"},
        PlausibilityError,
        "BMI must be between 12 and 50 kg/m² for an adult, got 57.3 kg/m² (above 50 kg/m²) "
        "from height 69 in = 175.26 cm and weight 176 kg",
    ),
    ({"height": "190 cm", "weight": "40 kg"}, PlausibilityError, "got 11.1 kg/m² (below 12"),
]


@pytest.mark.parametrize(
    ("change", "error", "fragment"), PATIENT_CASES, ids=[repr(c[0]) for c in PATIENT_CASES]
)
def test_bad_patient_input_is_refused(
    change: dict[str, object], error: type[DosingError], fragment: str
) -> None:
    """A bad measurement raises the named DosingError with a message naming the field."""
    data: dict[str, object] = {"height": "175 cm", "weight": "80 kg", **change}
    with pytest.raises(error) as info:
        dosing.Patient(**data)
    assert fragment in str(info.value)


def _patient() -> dosing.Patient:
    return dosing.Patient(height="175 cm", weight="80 kg")


SCHEDULE_CASES = [
    ({"start": "2026-02-30"}, DateError, "start must be a real calendar date, got '2026-02-30'"),
    ({"start": "03/04/2026"}, DateError, "day/month order is ambiguous"),
    ({"start": "2026-1-5"}, DateError, "start must be an ISO date YYYY-MM-DD"),
    (
        {"start": "1990-01-05"},
        DateError,
        "start must be between 2016-01-01 and 2031-01-01 (10 years back, 5 ahead), got 1990-01-05",
    ),
    ({"start": "2099-01-05"}, DateError, "check the year"),
    ({"start": ""}, DateError, "start must be an ISO date"),
    ({"start": dt.datetime(2026, 1, 5, 9, 0)}, DateError, "start must be a date without a time"),
    ({"cycles": 0}, ScheduleError, "cycles must be between 1 and 24, got 0"),
    ({"cycles": -1}, ScheduleError, "cycles must be between 1 and 24, got -1"),
    ({"cycles": 25}, ScheduleError, "cycles must be between 1 and 24, got 25"),
    ({"cycles": 2.5}, ScheduleError, "cycles must be a whole number"),
    ({"cycles": True}, ScheduleError, "cycles must be a whole number"),
    (
        {"choices": {"carfilzomib": 45}},
        ChoiceError,
        "carfilzomib must be one of 36, 56 (mg/m²), got 45",
    ),
    ({"choices": {"carfilzomib": "56 mg/kg"}}, ChoiceError, "the value is in mg/m²"),
    ({"choices": {"carfilzomib": "lots"}}, ChoiceError, "carfilzomib must be one of 36, 56"),
    ({"choices": {"pomalidomide": 4}}, ChoiceError, "choose must be a drug with a choice in KRd"),
    ({"choices": {"dexamethazone": 20}}, ChoiceError, "did you mean dexamethasone?"),
    ({"bsa_formula": "fujimoto"}, DosingError, "bsa_formula must be one of mosteller, dubois"),
    (
        {"rounding": {"aspirin": dosing.NearestIncrement(1)}},
        ScheduleError,
        "rounding must be keyed by a drug of KRd",
    ),
]


@pytest.mark.parametrize(
    ("change", "error", "fragment"), SCHEDULE_CASES, ids=[repr(c[0]) for c in SCHEDULE_CASES]
)
def test_bad_schedule_request_is_refused(
    change: dict[str, object], error: type[DosingError], fragment: str
) -> None:
    """A bad date, cycle count, choice or option raises the named DosingError."""
    kwargs: dict[str, object] = {"start": "2026-01-05", "cycles": 2, **change}
    start = kwargs.pop("start")
    with pytest.raises(error) as info:
        dosing.build_schedule(dosing.get_protocol("KRd"), _patient(), start, today=TODAY, **kwargs)  # type: ignore[arg-type]
    assert fragment in str(info.value)


def test_unknown_protocol_suggests_closest() -> None:
    """An unknown protocol id is refused with the closest known id alone, and its drugs."""
    with pytest.raises(UnknownProtocolError) as info:
        dosing.get_protocol("KRD2")
    assert "did you mean KRd (carfilzomib, lenalidomide, dexamethasone)? Known:" in str(info.value)


@pytest.mark.parametrize(
    ("typed", "offered", "not_offered"),
    [
        (
            "Kd",
            [
                "Kd-weekly (carfilzomib, dexamethasone)",
                "KdD (daratumumab, carfilzomib, dexamethasone)",
            ],
            ["KRd ("],
        ),
        ("kcy", ["KCyD (carfilzomib, cyclophosphamide, dexamethasone)"], ["KRd (", "KdD ("]),
        ("DKR", ["D-KRd (daratumumab, carfilzomib, lenalidomide, dexamethasone)"], ["KRd ("]),
    ],
)
def test_did_you_mean_offers_names_that_begin_with_what_was_typed(
    typed: str, offered: list[str], not_offered: list[str]
) -> None:
    """Names that begin with what was typed are offered, all of them with their drugs, and a
    regimen with another drug that merely looks alike is not."""
    with pytest.raises(UnknownProtocolError) as info:
        dosing.get_protocol(typed)
    hint = str(info.value).split(" - did you mean ", 1)[1].split("? Known:")[0]
    names = [part.split(" (")[0] for part in re.split(r", (?=[A-Z])| or ", hint)]
    for text in offered:
        assert text in hint
    for text in not_offered:
        assert text.split(" (")[0] not in names


def test_until_progression_protocol_has_the_library_limit() -> None:
    """A protocol without a maximum still refuses an absurd number of cycles."""
    with pytest.raises(ScheduleError, match="the library's limit"):
        dosing.build_schedule(
            dosing.get_protocol("KdD"), _patient(), "2026-01-05", cycles=500, today=TODAY
        )


# -- atomic writes -------------------------------------------------------------------------


def test_existing_file_is_not_replaced_without_force(tmp_path: Path) -> None:
    """An existing output file is refused and left as it was."""
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(OutputError, match="does not exist yet"):
        _files.write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    _files.write_atomic(target, "new", force=True)
    assert target.read_text(encoding="utf-8") == "new"


def test_missing_folder_is_refused(tmp_path: Path) -> None:
    """A file in a folder that does not exist is refused and nothing is created."""
    with pytest.raises(OutputError, match="in an existing folder"):
        _files.write_atomic(tmp_path / "no" / "out.csv", "x")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("failure", "fragment"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "the disk is full"),
        (PermissionError(errno.EACCES, "Permission denied"), "permission denied"),
    ],
)
def test_failed_write_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: OSError, fragment: str
) -> None:
    """A full disk or a permission error leaves the old file intact and no temporary file."""
    target = tmp_path / "out.ics"
    target.write_bytes(b"old calendar")

    def fail(fd: int) -> None:
        raise failure

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OutputError, match=fragment):
        _files.write_atomic(target, b"new calendar", force=True)
    assert target.read_bytes() == b"old calendar"
    assert [p.name for p in tmp_path.iterdir()] == ["out.ics"]


def test_interrupted_write_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An interruption mid-write leaves the old file intact and no temporary file."""
    target = tmp_path / "out.ics"
    target.write_bytes(b"old calendar")

    def interrupt(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        _files.write_atomic(target, b"new calendar", force=True)
    assert target.read_bytes() == b"old calendar"
    assert [p.name for p in tmp_path.iterdir()] == ["out.ics"]


def _stream_then_fail(target: Path, error: BaseException) -> None:
    with _files.atomic_output(target, force=True) as out:
        out.write("patient,date\r\n")
        raise error


def test_failed_stream_keeps_the_old_file(tmp_path: Path) -> None:
    """A text stream that fails half-way (disk full, or any error) leaves the old file alone."""
    target = tmp_path / "all.csv"
    target.write_bytes(b"old rows")
    disk_full = OSError(errno.ENOSPC, "No space left on device")
    with pytest.raises(OutputError, match="the disk is full; nothing was written"):
        _stream_then_fail(target, disk_full)
    with pytest.raises(MeasurementError, match="height"):
        _stream_then_fail(target, MeasurementError("height", "a length", "'tall'"))
    assert target.read_bytes() == b"old rows"
    assert [p.name for p in tmp_path.iterdir()] == ["all.csv"]


def test_atomic_output_checks_the_target_before_creating_anything(tmp_path: Path) -> None:
    """A folder, an existing file without force, or a missing folder is refused up front."""
    (tmp_path / "old.csv").write_text("keep", encoding="utf-8")
    cases = [
        (tmp_path, "a file path, not a folder"),
        (tmp_path / "old.csv", "does not exist yet"),
        (tmp_path / "no" / "new.csv", "in an existing folder"),
    ]
    for target, fragment in cases:
        with pytest.raises(OutputError, match=fragment), _files.atomic_output(target):
            pytest.fail("the block must not run")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.csv"]


@pytest.fixture
def umask() -> Iterator[Callable[[int], None]]:
    """Set the process umask for one test and restore it afterwards."""
    previous = os.umask(0o022)
    os.umask(previous)
    yield os.umask
    os.umask(previous)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
@pytest.mark.parametrize("mask", [0o022, 0o002, 0o077])
def test_new_file_mode_follows_the_umask(
    tmp_path: Path, umask: Callable[[int], None], mask: int
) -> None:
    """A new output file gets 0o666 minus the umask, like any file a program creates."""
    umask(mask)
    written = _files.write_atomic(tmp_path / "out.csv", "x")
    with _files.atomic_output(tmp_path / "stream.csv") as out:
        out.write("x")
    assert stat.S_IMODE(written.stat().st_mode) == 0o666 & ~mask
    assert stat.S_IMODE((tmp_path / "stream.csv").stat().st_mode) == 0o666 & ~mask


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o600, 0o664])
def test_replaced_file_keeps_its_mode(
    tmp_path: Path, umask: Callable[[int], None], mode: int
) -> None:
    """With force, the new content replaces the file but its permission bits stay as they were."""
    umask(0o077)
    target = tmp_path / "out.ics"
    target.write_bytes(b"old")
    target.chmod(mode)
    _files.write_atomic(target, b"new", force=True)
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == mode


# -- the command line ----------------------------------------------------------------------

GOOD = [
    "calendar",
    "KRd",
    "--height",
    "175cm",
    "--weight",
    "80kg",
    "--start",
    "2026-01-05",
    "--cycles",
    "2",
]


def _replace(args: list[str], option: str, value: str) -> list[str]:
    out = list(args)
    out[out.index(option) + 1] = value
    return out


CLI_CASES = [
    ([*GOOD, "--height=-175cm"], "height must be between 30 and 300 cm"),
    (_replace(GOOD, "--height", "0"), "height must be between 30 and 300 cm"),
    (_replace(GOOD, "--height", "nan"), "height must be a length"),
    (_replace(GOOD, "--height", "inf cm"), "height must be a length"),
    (_replace(GOOD, "--height", "1e999"), "height must be a finite number"),
    (_replace(GOOD, "--height", ""), "--height must be given a value, got an empty string"),
    (_replace(GOOD, "--height", "abc"), "height must be a length"),
    (
        _replace(GOOD, "--height", "175kg"),
        "height must be a length such as '175 cm' or '69 in', got '175kg' (a mass)",
    ),
    (_replace(GOOD, "--weight", "80cm"), "weight must be a mass"),
    (_replace(GOOD, "--weight", "400"), "did you mean 400 lb?"),
    (_replace(GOOD, "--height", "69"), "did you mean 69 in?"),
    (
        _replace(_replace(GOOD, "--height", "69in"), "--weight", "176"),
        "weight must be given with a unit when height is in imperial units (69 in), got '176' "
        "- did you mean 176 lb (79.83 kg) or 176 kg?",
    ),
    (
        _replace(_replace(GOOD, "--height", "175"), "--weight", "176lb"),
        "height must be given with a unit when weight is in imperial units (176 lb), got '175'",
    ),
    (
        _replace(_replace(GOOD, "--height", "69in"), "--weight", "176kg"),
        "BMI must be between 12 and 50 kg/m² for an adult, got 57.3 kg/m² (above 50 kg/m²) from "
        "height 69 in = 175.26 cm and weight 176 kg - check the height, the weight and their "
        "units. If both are right, pass accept_outlier=True (CLI: --accept-outlier)",
    ),
    (["bsa", "--height", "5 ft 9 in", "--weight", "80"], "weight must be given with a unit"),
    ([*GOOD, "--creatinine", "88mg/dL"], "did you mean 88 µmol/L?"),
    ([*GOOD, "--creatinine", "1.1"], "serum_creatinine must be a concentration"),
    (_replace(GOOD, "--start", "2026-02-30"), "start must be a real calendar date"),
    (_replace(GOOD, "--start", "03/04/2026"), "day/month order is ambiguous"),
    (_replace(GOOD, "--start", "1970-01-01"), "start must be between"),
    (_replace(GOOD, "--start", "2199-01-01"), "start must be between"),
    (["calendar", "DKR", *GOOD[2:]], "did you mean D-KRd (daratumumab, carfilzomib"),
    (_replace(GOOD, "--cycles", "0"), "cycles must be between 1 and 24, got 0"),
    ([*GOOD, "--cycles=-3"], "cycles must be between 1 and 24, got -3"),
    (_replace(GOOD, "--cycles", "99"), "cycles must be between 1 and 24, got 99"),
    (_replace(GOOD, "--cycles", "two"), "--cycles must be a whole number, got 'two'"),
    ([*GOOD, "--choose", "pomalidomide=4"], "choose must be a drug with a choice in KRd"),
    ([*GOOD, "--choose", "carfilzomib=45"], "carfilzomib must be one of 36, 56 (mg/m²), got '45'"),
    ([*GOOD, "--choose", "carfilzomib"], "--choose must be DRUG=VALUE"),
    ([*GOOD, "--bsa-formula", "fujimoto"], "bsa_formula must be one of"),
    ([*GOOD, "--round", "carfilzomib=vials:0@5%"], "vial_sizes must be"),
    (
        [*GOOD, "--round", "carfilzomib=vials:10,30@50%"],
        "tolerance must be a fraction above 0 and at most 0.25",
    ),
    ([*GOOD, "--round", "carfilzomib=sideways"], "--round must be"),
    ([*GOOD, "--format", "pdf"], "argument --format: invalid choice"),
    ([*GOOD, "--time", "09:00"], "--time must be used with the ics format only"),
    ([*GOOD, "--for", "patient"], "--for must be used with the ics format only"),
    ([*GOOD, "--remind-at", "08:00"], "--remind-at must be used with the ics format only"),
    ([*GOOD, "--generated-at", "yesterday"], "--generated-at must be an ISO 8601 date-time"),
    (
        [*GOOD, "--generated-at", "9999-12-31T23:59:59-01:00"],
        "--generated-at must be a date-time in the years 2000 to 2100 (UTC)",
    ),
    (
        [*GOOD, "--generated-at", "0001-01-01T00:00:00+01:00"],
        "--generated-at must be a date-time in the years 2000 to 2100 (UTC)",
    ),
    (
        [*GOOD, "--format", "ics", "--generated-at", "9999-06-01T00:00:00Z"],
        "--generated-at must be a date-time in the years 2000 to 2100 (UTC)",
    ),
    (
        [*GOOD, "--format", "ics", "--generated-at", "2100-12-31T23:30:00-01:00"],
        "got '2100-12-31T23:30:00-01:00' - check the year",
    ),
    (
        ["calendar", "KRd", "--height", "175cm"],
        "--weight must be given (or a course with --course FILE), got nothing",
    ),
    (["bsa", "--height", "175 kg", "--weight", "80kg"], "height must be a length"),
    (["show", "nothing-like-it"], "protocol must be a known id or alias"),
    (["frobnicate"], "argument COMMAND: invalid choice"),
]


@pytest.mark.parametrize(
    ("args", "fragment"), CLI_CASES, ids=[" ".join(c[0][-3:]) for c in CLI_CASES]
)
def test_cli_refuses_bad_input_with_one_line(
    args: list[str], fragment: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Bad input exits 2 with one line on stderr naming the field, and writes no file."""
    target = tmp_path / "out.csv"
    use_output = args[0] == "calendar"
    status = main([*args, "-o", str(target)] if use_output else args)
    captured = capsys.readouterr()
    assert status == 2
    assert captured.err.count("\n") == 1, captured.err
    assert fragment in captured.err
    assert "Traceback" not in captured.err
    assert not target.exists()


def test_cli_leaves_an_existing_file_untouched_on_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A failed run never changes an existing output file, even with --force."""
    target = tmp_path / "out.csv"
    target.write_text("keep me", encoding="utf-8")
    status = main([*_replace(GOOD, "--height", "69"), "-o", str(target), "--force"])
    assert status == 2
    assert target.read_text(encoding="utf-8") == "keep me"
    assert "existing" not in capsys.readouterr().out


def test_cli_refuses_to_replace_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An existing output file needs --force; with it, the file is replaced."""
    target = tmp_path / "out.csv"
    target.write_text("keep me", encoding="utf-8")
    assert main([*GOOD, "-o", str(target)]) == 2
    assert "does not exist yet (or pass --force)" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "keep me"
    assert main([*GOOD, "-o", str(target), "--force"]) == 0
    assert target.read_text(encoding="utf-8").startswith("# KRd dosing calendar")


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_cli_force_keeps_the_mode_of_the_replaced_file(
    tmp_path: Path, umask: Callable[[int], None], capsys: pytest.CaptureFixture[str]
) -> None:
    """`dosing calendar -o FILE --force` keeps a 0o644 file at 0o644, and a new file follows the umask."""
    umask(0o022)
    target = tmp_path / "out.csv"
    assert main([*GOOD, "-o", str(target)]) == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert main([*GOOD, "-o", str(target), "--force"]) == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    capsys.readouterr()


def test_cli_refuses_a_missing_output_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An output path in a missing folder exits 2 and creates nothing."""
    assert main([*GOOD, "-o", str(tmp_path / "missing" / "out.csv")]) == 2
    assert "output must be in an existing folder" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_cli_refuses_a_broken_protocol_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A broken user protocol file exits 2 with its problems on one line."""
    path = tmp_path / "bad.toml"
    path.write_text("id = 'x'\ncycle_length_days = -1\n", encoding="utf-8")
    assert main([*GOOD, "--protocol-file", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "cycle_length_days: input should be greater than or equal to 1" in err


def test_protocol_errors_are_dosing_errors() -> None:
    """ProtocolError is part of the one error hierarchy."""
    assert issubclass(ProtocolError, DosingError)


@pytest.mark.parametrize(
    ("text", "epoch", "expected"),
    [
        ("2000-01-01T00:00:00Z", None, dt.datetime(2000, 1, 1, tzinfo=dt.UTC)),
        ("2100-12-31T23:59:59Z", None, dt.datetime(2100, 12, 31, 23, 59, 59, tzinfo=dt.UTC)),
        (None, "946684800", dt.datetime(2000, 1, 1, tzinfo=dt.UTC)),
        (None, None, None),
    ],
)
def test_generation_time_accepts_the_years_2000_to_2100(
    text: str | None, epoch: str | None, expected: dt.datetime | None
) -> None:
    """The first and last second of the allowed years are accepted, and nothing given is None."""
    assert parse_generated_at(text, source_date_epoch=epoch) == expected


@pytest.mark.parametrize(
    ("text", "epoch", "fragment"),
    [
        ("9999-12-31T23:59:59-01:00", None, "generated_at must be a date-time in the years"),
        ("0001-01-01T00:00:00+01:00", None, "generated_at must be a date-time in the years"),
        ("1999-12-31T23:59:59Z", None, "got '1999-12-31T23:59:59Z' - check the year"),
        ("2000-01-01T00:30:00+01:00", None, "2000 to 2100 (UTC)"),
        ("2101-01-01T00:00:00Z", None, "2000 to 2100 (UTC)"),
        ("2026-01-01T00:00:00", None, "generated_at must be a date-time with a zone"),
        ("soon", None, "generated_at must be an ISO 8601 date-time"),
        (None, "0", "SOURCE_DATE_EPOCH must be a date-time in the years 2000 to 2100 (UTC)"),
        (None, "253402300799", "SOURCE_DATE_EPOCH must be a date-time in the years"),
        (None, "9" * 400, "SOURCE_DATE_EPOCH must be a date-time in the years"),
        (None, "1.5e9", "SOURCE_DATE_EPOCH must be whole seconds since 1970"),
    ],
)
def test_generation_time_outside_the_years_2000_to_2100_is_a_date_error(
    text: str | None, epoch: str | None, fragment: str
) -> None:
    """A generation time that would overflow or break the calendar's SEQUENCE is a DateError."""
    with pytest.raises(DateError) as info:
        parse_generated_at(text, source_date_epoch=epoch)
    assert fragment in str(info.value)


def test_naive_generation_time_is_a_dosing_error() -> None:
    """Exporters refuse a generation time without a zone with a DateError naming the field."""
    from dosing.export.table import to_csv

    schedule = dosing.build_schedule(
        dosing.get_protocol("KRd"), _patient(), "2026-01-05", cycles=1, today=TODAY
    )
    with pytest.raises(DateError, match="generated_at must be a time-zone-aware datetime"):
        to_csv(schedule, generated_at=dt.datetime(2026, 1, 1))


LIBRARY_TYPE_CASES = [
    (
        lambda: dosing.build_schedule(
            dosing.get_protocol("KRd"), {"height": 175}, "2026-01-05", today=TODAY
        ),  # type: ignore[arg-type]
        "patient must be a dosing.Patient",
    ),
    (
        lambda: dosing.build_schedule("KRd", _patient(), "2026-01-05", today=TODAY),  # type: ignore[arg-type]
        "protocol must be a dosing.Protocol",
    ),
    (
        lambda: dosing.build_schedule(
            dosing.get_protocol("KRd"),
            _patient(),
            "2026-01-05",
            choices="carfilzomib=36",
            today=TODAY,
        ),  # type: ignore[arg-type]
        "choices must be a mapping of drug to value",
    ),
    (
        lambda: dosing.build_schedule(
            dosing.get_protocol("KRd"),
            _patient(),
            "2026-01-05",
            rounding={"carfilzomib": 5},
            today=TODAY,
        ),  # type: ignore[dict-item]
        "rounding['carfilzomib'] must be a rounding policy",
    ),
    (
        lambda: dosing.build_schedule(
            dosing.get_protocol("KRd"), _patient(), "2026-01-05", today=dt.datetime(2026, 1, 1)
        ),
        "today must be a date",
    ),
    (
        lambda: dosing.creatinine_clearance(
            age_years=65,
            weight="70 kg",
            serum_creatinine_mg_dl="1.4",
            sex="male",
            weight_policy="actual",
        ),  # type: ignore[arg-type]
        "serum_creatinine must be a number",
    ),
    (
        lambda: dosing.loads_protocol(b"id = 'x'"),  # type: ignore[arg-type]
        "the protocol must be text (str), got bytes",
    ),
]


@pytest.mark.parametrize(
    ("call", "fragment"), LIBRARY_TYPE_CASES, ids=[c[1] for c in LIBRARY_TYPE_CASES]
)
def test_library_refuses_wrong_kinds_of_argument(call: object, fragment: str) -> None:
    """An argument of the wrong kind is a DosingError naming it, not a crash further in."""
    with pytest.raises(DosingError) as info:
        call()  # type: ignore[operator]
    assert fragment in str(info.value)


def test_generation_time_must_be_a_datetime() -> None:
    """A date where a datetime is expected is refused by every exporter's header."""
    from dosing.export.table import to_csv

    schedule = dosing.build_schedule(
        dosing.get_protocol("KRd"), _patient(), "2026-01-05", cycles=1, today=TODAY
    )
    with pytest.raises(DateError, match="generated_at must be a time-zone-aware datetime"):
        to_csv(schedule, generated_at=dt.date(2026, 1, 1))  # type: ignore[arg-type]


def test_a_device_is_never_replaced(capsys: pytest.CaptureFixture[str]) -> None:
    """Even with --force, an output path that is a device (not a regular file) is refused."""
    assert main([*GOOD, "-o", "/dev/null", "--format", "csv", "--force"]) == 2
    assert "output must be a regular file" in capsys.readouterr().err
    assert Path("/dev/null").is_char_device()


def test_a_symlink_is_followed_not_replaced(tmp_path: Path) -> None:
    """Writing through a symlink replaces the file it points to and keeps the link."""
    real = tmp_path / "real.csv"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    _files.write_atomic(link, "new", force=True)
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8") == "new"


# -- races, links and read-only files --------------------------------------------------------

START_SOON = (dt.date.today() + dt.timedelta(days=3)).isoformat()
CLI = [sys.executable, "-m", "dosing._cli"]
COHORT = [*CLI, "cohort", "--protocol", "KRd", "--cycles", "1", "--no-progress"]


def _temporary_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob(".*.tmp"))


#: A writer that waits, with its content written and synced, until all writers are there,
#: so that they all try to create the file at the same moment.
GATED_WRITER = """
import os, sys, time
from pathlib import Path
from dosing import _files
from dosing.errors import OutputError

target, gate, index, count = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
real_fsync = os.fsync

def wait_for_all(fd):
    real_fsync(fd)
    (gate / index).touch()
    deadline = time.monotonic() + 30
    while len(list(gate.iterdir())) < count and time.monotonic() < deadline:
        time.sleep(0.005)

os.fsync = wait_for_all
try:
    _files.write_atomic(target, f"writer {index}\\n")
except OutputError as err:
    print(err)
    sys.exit(2)
print("ok")
"""


def test_concurrent_writers_of_one_path_never_both_succeed(tmp_path: Path) -> None:
    """Eight processes that all passed the up-front check: exactly one creates the file."""
    target, gate = tmp_path / "out" / "calendar.csv", tmp_path / "gate"
    target.parent.mkdir()
    gate.mkdir()
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", GATED_WRITER, str(target), str(gate), str(i), "8"],
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(8)
    ]
    results = [(w.wait(timeout=60), w.communicate()[0]) for w in writers]
    winners = [i for i, (status, _) in enumerate(results) if status == 0]
    assert len(winners) == 1, results
    assert target.read_text(encoding="utf-8") == f"writer {winners[0]}\n"
    for status, out in results:
        if status != 0:
            assert status == 2
            assert "output must be a file that does not exist yet" in out
            assert "another program created it while this one was writing" in out
    assert _temporary_files(target.parent) == []


def test_eight_cli_runs_without_force_give_one_file_and_seven_clear_refusals(
    tmp_path: Path,
) -> None:
    """Eight `dosing calendar -o FILE` at once: one writes it, seven exit 2 with one line."""
    target = tmp_path / "krd.csv"
    args = [*CLI, *GOOD, "-o", str(target), "--generated-at", "2026-01-01T00:00:00Z"]
    runs = [
        subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(8)
    ]
    results = [(r.wait(timeout=120), r.communicate()[1]) for r in runs]
    assert sorted(status for status, _ in results) == [0] + [2] * 7
    for status, err in results:
        assert err.count("\n") == 1, err
        if status == 2:
            assert "output must be a file that does not exist yet (or pass --force)" in err
    assert target.read_text(encoding="utf-8").startswith("# KRd dosing calendar")
    assert _temporary_files(tmp_path) == []


def _patients_file(path: Path, count: int) -> Path:
    lines = ["id,height,weight,start"] + [f"P{i:04d},175cm,80kg,{START_SOON}" for i in range(count)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_two_cohort_runs_into_one_folder_replace_no_file(tmp_path: Path) -> None:
    """Two runs into one folder: each patient's file is written by one run, refused by the other.

    The other refuses it row by row, or - if the first run's files were there when it
    started - all at once, in one line, before any work.
    """
    patients = _patients_file(tmp_path / "patients.csv", 150)
    folder = tmp_path / "out"
    folder.mkdir()
    stamps = ["2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"]
    runs = [
        subprocess.Popen(
            [*COHORT, str(patients), "-o", str(folder), "--format", "csv", "--generated-at", stamp],
            stderr=subprocess.PIPE,
            text=True,
        )
        for stamp in stamps
    ]
    errs = [r.communicate(timeout=120)[1] for r in runs]
    every = {f"P{i:04d}" for i in range(150)}
    written = []
    for err in errs:
        if "of it already" in err:  # refused before any work: it wrote nothing
            assert err.count("\n") == 1, err
            assert "pass --force" in err
            written.append(set())
            continue
        rejected = {
            f"P{int(line.split(':')[0].split()[1]) - 2:04d}"
            for line in err.splitlines()
            if line.startswith("line ")
        }
        assert all(
            "does not exist yet" in line for line in err.splitlines() if line.startswith("line ")
        )
        written.append(every - rejected)
    assert written[0].isdisjoint(written[1])
    assert written[0] | written[1] == every
    for stamp, names in zip(stamps, written, strict=True):
        for name in names:  # the file holds what the run that reported writing it wrote
            assert f"generated: {stamp}" in (folder / f"{name}.csv").read_text(encoding="utf-8")
    assert _temporary_files(folder) == []


def test_a_link_in_the_output_folder_is_never_written_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A planted link (to a file or to nowhere) rejects that patient even with --force."""
    patients = _patients_file(tmp_path / "patients.csv", 3)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.ics").write_text("keep", encoding="utf-8")
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "P0000.ics").symlink_to(outside / "victim.ics")
    (folder / "P0001.ics").symlink_to(outside / "new.ics")
    args = ["cohort", str(patients), "--protocol", "KRd", "--cycles", "1", "-o", str(folder)]
    assert main([*args, "--force"]) == 2
    err = capsys.readouterr().err
    assert "line 2: output must be a file that is not a symbolic link" in err
    assert "line 3: output must be a file that is not a symbolic link" in err
    assert "1 patient " in err.splitlines()[-1]
    assert (outside / "victim.ics").read_text(encoding="utf-8") == "keep"
    assert sorted(p.name for p in outside.iterdir()) == ["victim.ics"]
    assert (folder / "P0000.ics").is_symlink()
    assert (folder / "P0001.ics").is_symlink()


def test_a_link_that_appears_during_a_forced_write_is_replaced_not_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With force, a link put in place while writing is replaced as a name, never written through."""
    victim = tmp_path / "victim.txt"
    victim.write_text("keep", encoding="utf-8")
    target = tmp_path / "P1.ics"
    real_fsync = os.fsync

    def plant_link(fd: int) -> None:
        real_fsync(fd)
        target.symlink_to(victim)

    monkeypatch.setattr(os, "fsync", plant_link)
    with pytest.raises(OutputError, match="not a symbolic link"):
        _files.write_atomic(target, "patient data", force=True, follow_symlinks=False)
    assert victim.read_text(encoding="utf-8") == "keep"
    assert _temporary_files(tmp_path) == []


def test_a_file_that_appears_while_writing_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without force, a file another program creates during the write is kept, ours discarded."""
    target = tmp_path / "out.csv"
    real_fsync = os.fsync

    def other_program_writes(fd: int) -> None:
        real_fsync(fd)
        target.write_text("theirs", encoding="utf-8")

    monkeypatch.setattr(os, "fsync", other_program_writes)
    with pytest.raises(OutputError, match="another program created it"):
        _files.write_atomic(target, "ours")
    assert target.read_text(encoding="utf-8") == "theirs"
    assert _temporary_files(tmp_path) == []


@pytest.mark.parametrize("appears", [False, True])
def test_creation_stays_exclusive_without_hard_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, appears: bool
) -> None:
    """Where the file system has no hard links, the name is claimed with O_EXCL instead."""
    target = tmp_path / "out.csv"

    def no_links(source: object, destination: object) -> None:
        if appears:
            target.write_text("theirs", encoding="utf-8")
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    if appears:
        with pytest.raises(OutputError, match="another program created it"):
            _files.write_atomic(target, "ours")
        assert target.read_text(encoding="utf-8") == "theirs"
    else:
        _files.write_atomic(target, "ours")
        assert target.read_text(encoding="utf-8") == "ours"
    assert _temporary_files(tmp_path) == []


def test_a_loop_of_links_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """-o through links that point at each other exits 2 in one line, even with --force."""
    (tmp_path / "a.csv").symlink_to(tmp_path / "b.csv")
    (tmp_path / "b.csv").symlink_to(tmp_path / "a.csv")
    assert main([*GOOD, "-o", str(tmp_path / "a.csv"), "--force"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "the links loop" in err


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
@pytest.mark.parametrize("mode", [0o444, 0o400, 0o555])
def test_force_never_replaces_a_read_only_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: int
) -> None:
    """A file with no write permission bit is refused even with --force, and left as it was."""
    target = tmp_path / "out.csv"
    target.write_text("signed copy", encoding="utf-8")
    target.chmod(mode)
    with pytest.raises(OutputError, match=f"read-only file.*mode {mode:04o}"):
        _files.write_atomic(target, "new", force=True)
    assert main([*GOOD, "-o", str(target), "--force"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--force never replaces a read-only file" in err
    assert target.read_text(encoding="utf-8") == "signed copy"
    assert stat.S_IMODE(target.stat().st_mode) == mode


# -- signals ----------------------------------------------------------------------------------

STOPS = [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)]


def _stop_when(
    process: subprocess.Popen[str], ready: Callable[[], bool], number: int
) -> tuple[int, str]:
    """Send signal ``number`` to ``process`` as soon as ``ready()``; its status and stderr."""
    deadline = time.monotonic() + 60
    while not ready():
        assert process.poll() is None, "finished before the signal could be sent"
        assert time.monotonic() < deadline, "never got ready"
        time.sleep(0.002)
    process.send_signal(number)
    _, err = process.communicate(timeout=60)
    return process.returncode, err


@pytest.mark.parametrize(("number", "status"), STOPS, ids=[s.name for s, _ in STOPS])
def test_a_signal_during_a_combined_cohort_leaves_no_temporary_file(
    tmp_path: Path, number: int, status: int
) -> None:
    """INT, TERM or HUP while the combined CSV is written: no temporary file, the old file kept."""
    patients = _patients_file(tmp_path / "patients.csv", 3000)
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "all.csv"
    target.write_bytes(b"the previous run")
    process = subprocess.Popen(
        [*CLI, "cohort", str(patients), "--protocol", "KRd", "-o", str(target), "--force"],
        stderr=subprocess.PIPE,
        text=True,
    )
    returned, err = _stop_when(process, lambda: bool(_temporary_files(folder)), number)
    assert returned == status
    assert err.count("\n") == 1, err
    assert "the file being written was discarded" in err
    assert _temporary_files(folder) == []
    assert target.read_bytes() == b"the previous run"


@pytest.mark.parametrize(("number", "status"), STOPS[1:], ids=[s.name for s, _ in STOPS[1:]])
def test_a_signal_during_a_cohort_into_a_folder_leaves_only_whole_files(
    tmp_path: Path, number: int, status: int
) -> None:
    """TERM or HUP while per-patient files are written: no temporary file, every file whole."""
    patients = _patients_file(tmp_path / "patients.csv", 3000)
    folder = tmp_path / "out"
    folder.mkdir()
    process = subprocess.Popen(
        [*COHORT, str(patients), "-o", str(folder), "--format", "csv"],
        stderr=subprocess.PIPE,
        text=True,
    )
    returned, err = _stop_when(process, lambda: len(list(folder.iterdir())) > 3, number)
    assert returned == status
    assert f"stopped by {signal.Signals(number).name}" in err
    assert _temporary_files(folder) == []
    for path in folder.iterdir():  # KRd, one cycle: the column row and 31 administrations
        lines = path.read_bytes().decode("utf-8").split("\r\n")
        assert lines[-1] == ""
        assert len([line for line in lines[:-1] if not line.startswith("#")]) == 32


SIGNAL_MID_WRITE = """
import os, signal, sys
from dosing._cli import main
real_fsync = os.fsync

def stop(fd):
    real_fsync(fd)
    os.kill(os.getpid(), int(sys.argv[1]))

os.fsync = stop
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.parametrize(("number", "status"), STOPS, ids=[s.name for s, _ in STOPS])
def test_a_signal_during_a_single_calendar_write_leaves_nothing(
    tmp_path: Path, number: int, status: int
) -> None:
    """A real signal arriving mid-write of `dosing calendar -o`: exit 128+n, no file, no temp."""
    target = tmp_path / "krd.ics"
    result = subprocess.run(
        [sys.executable, "-c", SIGNAL_MID_WRITE, str(int(number)), *GOOD, "-o", str(target)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == status
    assert result.stderr.count("\n") == 1, result.stderr
    assert not target.exists()
    assert _temporary_files(tmp_path) == []


# -- what the system refuses: long names, folders without permission, endless streams --------

LONG_NAME = "x" * 300 + ".csv"  # over NAME_MAX (255) on every common file system
LONG_PATH = "/".join(["y" * 200] * 25) + "/out.csv"  # over PATH_MAX (4096)


def _patients_args(patients: str, output: str) -> list[str]:
    return ["cohort", patients, "--protocol", "KRd", "--cycles", "1", "-o", output]


@pytest.mark.parametrize("name", [LONG_NAME, LONG_PATH], ids=["name", "path"])
def test_a_file_name_over_the_system_limit_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """-o, --protocol-file, the patients file and validate: a name too long exits 2, one line."""
    monkeypatch.chdir(tmp_path)
    patients = _patients_file(tmp_path / "patients.csv", 1)
    runs = [
        [*GOOD, "-o", name],
        [*GOOD, "--protocol-file", name],
        _patients_args(name, "all.csv"),
        _patients_args(str(patients), name),
        ["validate", name],
        ["show", "KRd", "--protocol-file", name],
    ]
    for args in runs:
        assert main(args) == 2, args
        err = capsys.readouterr().err
        assert err.count("\n") == 1 + (args[0] == "validate"), err
        assert "too long" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["patients.csv"]


def _refuse_under(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Make the system refuse every path under ``folder`` as a folder without search permission."""
    prefix = str(folder) + os.sep

    def guarded(real: Callable[..., Any]) -> Callable[..., Any]:
        def call(path: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(path, str | os.PathLike) and os.fspath(path).startswith(prefix):
                raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
            return real(path, *args, **kwargs)

        return call

    for name in ("stat", "lstat", "open"):
        monkeypatch.setattr(os, name, guarded(getattr(os, name)))
    monkeypatch.setattr("builtins.open", guarded(open))


def test_a_folder_without_search_permission_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """EACCES on a folder on the way (as a non-root user meets it) exits 2 with one line."""
    locked = tmp_path / "locked"
    patients = _patients_file(tmp_path / "patients.csv", 1)
    _refuse_under(monkeypatch, locked)
    runs = [
        [*GOOD, "-o", str(locked / "out.csv")],
        [*GOOD, "--protocol-file", str(locked / "my.toml")],
        _patients_args(str(locked / "patients.csv"), str(tmp_path / "all.csv")),
        _patients_args(str(patients), str(locked / "all.csv")),
        ["validate", str(locked / "my.toml")],
    ]
    for args in runs:
        assert main(args) == 2, args
        err = capsys.readouterr().err
        assert "permission denied" in err, err
        assert "Traceback" not in err
        assert "internal error" not in err
    assert not (tmp_path / "all.csv").exists()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_a_real_folder_without_search_permission_never_crashes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mode 000 folder: refused in one line, or - for root, whom it does not stop - written."""
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        status = main([*GOOD, "-o", str(locked / "out.csv")])
        err = capsys.readouterr().err
    finally:
        locked.chmod(0o700)
    assert err.count("\n") == 1, err
    assert (status, "permission denied" in err) in {(2, True), (0, False)}
    assert status == 0 or not (locked / "out.csv").exists()


#: A patients file the cohort refuses whole, before any output: its header, and the fragment.
PATIENTS_FILE_CASES = [
    ("id,hieght,weight,start", "patients header must be known column names spelt right"),
    ("id,height,wieght,start", "'wieght' (did you mean 'weight'?)"),
    ("id,height,weight,start,creatinin", "'creatinin' (did you mean 'creatinine'?)"),
    ("id,height,weight,start,serum creatinine", "(did you mean 'creatinine'?)"),
    ("id,height,weight_kg,start", "'weight_kg' (did you mean 'weight'?)"),
    ("id,height,weight,start,Dexamethason", "(did you mean 'dexamethasone'?)"),
    ("id,height,,weight,start", "patients header must be a name for every column"),
    ("id;height;weight;start;id", "'id' repeated"),
]


@pytest.mark.parametrize(("header", "fragment"), PATIENTS_FILE_CASES)
def test_a_patients_file_with_a_look_alike_column_is_refused_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], header: str, fragment: str
) -> None:
    """A misspelt or empty column name exits 2 in one line naming it; nothing is written."""
    patients = tmp_path / "patients.csv"
    patients.write_text(f"{header}\nP1,175cm,80kg,{START_SOON}\n", encoding="utf-8")
    assert main(_patients_args(str(patients), str(tmp_path / "all.csv"))) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert fragment in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["patients.csv"]


#: A patients row the cohort rejects, the others being written: extra columns, the row's
#: cells after id, height, weight, and the fragment of its `line 3:` message.
PATIENTS_ROW_CASES = [
    ("start", "2026-01-04T23:00:00", "a time of day may come from a time zone"),
    ("start", "2026-01-05T00:00:00+01:00", "start must be an ISO date YYYY-MM-DD"),
    ("start", "05/01/2026", "day/month order is ambiguous"),
    ("start,protocol", f"{START_SOON},nothing-like-it", "protocol must be a known id or alias"),
    ("start,protocol", f"{START_SOON},../../etc/x.toml", "protocol must be a known id or alias"),
    ("start,cycles", f"{START_SOON},2.5", "cycles must be a whole number, got '2.5'"),
    ("start,cycles", f"{START_SOON},99", "cycles must be between 1 and 24, got 99"),
    ("start,age", f"{START_SOON},-3", "age must be a whole number, got '-3'"),
    ("start,age", f"{START_SOON},300", "age must be between 0 and 130 years"),
    ("start,sex", f"{START_SOON},x", "sex must be 'female' or 'male'"),
    (
        "start,creatinine",
        f"{START_SOON},1.4mg/dL",
        "age, sex must be given with a serum creatinine",
    ),
    ("start,creatinine,age,sex", f"{START_SOON},88mg/dL,70,m", "did you mean 88 µmol/L?"),
    ("start,dialysis", f"{START_SOON},maybe", "dialysis must be yes or no"),
    ("start,date_of_birth", f"{START_SOON},2999-01-01", "date_of_birth must be in the past"),
    ("start,lenalidomide", f"{START_SOON},15", "lenalidomide column must be empty for KRd"),
    ("start,dexamethasone", f"{START_SOON},30", "dexamethasone must be one of 20, 40"),
    ("start,choose,dexamethasone", f"{START_SOON},dexamethasone=20,20", "chosen once"),
    ("start,", f"{START_SOON},x", "row must have 4 cells like the header, got 5"),
]


@pytest.mark.parametrize(("columns", "cells", "fragment"), PATIENTS_ROW_CASES)
def test_a_patients_row_with_a_bad_cell_is_rejected_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], columns: str, cells: str, fragment: str
) -> None:
    """A bad cell rejects its row by line number (exit 2); the good rows around it are written."""
    good = ",".join([START_SOON, *[""] * columns.count(",")])
    patients = tmp_path / "patients.csv"
    patients.write_text(
        f"id,height,weight,{columns}\nP1,175cm,80kg,{good}\nP2,175cm,80kg,{cells}\n"
        f"P3,175cm,80kg,{good}\n",
        encoding="utf-8",
    )
    assert main(_patients_args(str(patients), str(tmp_path / "all.csv"))) == 2
    err = capsys.readouterr().err.splitlines()
    [line] = [e for e in err if e.startswith("line ")]
    assert line.startswith("line 3: ")
    assert fragment in line
    assert err[-1].startswith("dosing: wrote 2 patients")


def test_clinic_days_naming_the_output_or_an_existing_file_is_refused_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--clinic-days equal to -o, or an existing file without --force: one line, nothing written."""
    patients = _patients_file(tmp_path / "patients.csv", 2)
    out = tmp_path / "all.csv"
    existing = tmp_path / "days.csv"
    existing.write_text("keep me", encoding="utf-8")
    for days, fragment in [
        (str(out), "--clinic-days must be another file than -o"),
        (str(existing), "output must be a file that does not exist yet (or pass --force)"),
    ]:
        assert main([*_patients_args(str(patients), str(out)), "--clinic-days", days]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err
        assert fragment in err
    assert not out.exists()
    assert existing.read_text(encoding="utf-8") == "keep me"


@pytest.mark.parametrize("endings", [b"\r", b"\r\n", b"\n"], ids=["CR only", "CRLF", "LF"])
def test_a_patients_file_with_any_line_ending_is_read_row_by_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], endings: bytes
) -> None:
    """CR-only line ends (old spreadsheets) are read like LF: same rows, same line numbers."""
    rows = ["id,height,weight,start", f"P1,175cm,80kg,{START_SOON}", "P2,175kg,80kg,x"]
    rows.append(f"P3,175cm,80kg,{START_SOON}")
    patients = tmp_path / "patients.csv"
    patients.write_bytes(endings.join(r.encode() for r in rows) + endings)
    assert main(_patients_args(str(patients), str(tmp_path / "all.csv"))) == 2
    err = capsys.readouterr().err
    assert "line 3: height must be a length" in err
    assert "wrote 2 patients" in err.splitlines()[-1]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"id," + b"h" * 200_000 + b",weight,start\n", "lines of at most 65,536 bytes"),
        (b'id,"' + b"h\n" * 70_000 + b'",start\n', "field larger than field limit"),
        (b"\x00" * 100_000, "lines of at most 65,536 bytes"),
    ],
    ids=["huge header cell", "huge quoted header cell", "NUL bytes"],
)
def test_a_patients_file_with_a_huge_header_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, fragment: str
) -> None:
    """A header cell larger than any real one exits 2 in one line, before any output."""
    patients = tmp_path / "patients.csv"
    patients.write_bytes(content)
    assert main(_patients_args(str(patients), str(tmp_path / "all.csv"))) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert fragment in err
    assert not (tmp_path / "all.csv").exists()


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
@pytest.mark.parametrize(
    "args",
    [
        [*GOOD, "--protocol-file", "/dev/zero"],
        ["validate", "/dev/zero"],
        _patients_args("/dev/zero", "all.csv"),
    ],
    ids=["protocol file", "validate", "patients file"],
)
def test_an_endless_stream_is_read_up_to_a_limit(tmp_path: Path, args: list[str]) -> None:
    """/dev/zero claims 0 bytes and never ends: it is refused in one line, in seconds."""
    result = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 2
    assert "at most" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [
        GOOD,
        [*GOOD, "--format", "md"],
        [*GOOD, "--format", "ics"],
        ["bsa", "--height", "175cm", "--weight", "80kg"],
        ["show", "KRd"],
        [*_replace(GOOD, "--height", "175µ")],
    ],
    ids=["table", "md", "ics", "bsa", "show", "error"],
)
def test_a_terminal_that_cannot_show_symbols_gets_plain_ascii(args: list[str]) -> None:
    """PYTHONIOENCODING=ascii: m² is written m2 and × x, never a traceback or exit 70."""
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    result = subprocess.run([*CLI, *args], capture_output=True, env=env, timeout=60)
    assert result.returncode in (0, 2), result.stderr
    assert b"Traceback" not in result.stderr
    assert b"internal error" not in result.stderr
    result.stdout.decode("ascii")
    result.stderr.decode("ascii")
    if args == GOOD:
        assert b"20 mg/m2 x 1.972 m2 (Mosteller)" in result.stdout


@pytest.mark.parametrize(
    "text", ["1.6e306 umol/L", "1.7e308 µmol/L", "1e308 mg/dL", "9e307 mmol/L"]
)
def test_creatinine_is_finite_after_conversion(text: str) -> None:
    """A creatinine whose conversion would overflow is a finite number or a MeasurementError."""
    try:
        value = dosing.units.parse_creatinine(text)
    except MeasurementError:
        return
    assert math.isfinite(value.magnitude)


def test_an_absurd_creatinine_never_reaches_a_patient() -> None:
    """1.6e306 µmol/L is refused by the patient as implausible, not carried as infinity."""
    with pytest.raises(MeasurementError, match="serum_creatinine"):
        dosing.Patient(height="175 cm", weight="80 kg", serum_creatinine="1.6e306 umol/L")


# -- input silently ignored ------------------------------------------------------------------


def _value_options() -> list[tuple[str, str]]:
    """Every (command, option) of the command line that takes a value."""
    from dosing._cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    found = []
    for command, subparser in sub.choices.items():
        for action in subparser._actions:
            if action.option_strings and action.nargs != 0 and action.choices is None:
                found.append((command, action.option_strings[-1]))
    return found


#: A valid command line for each command, to which one option with an empty value is added.
BASES = {
    "calendar": [*GOOD, "-o", "x.ics", "--time", "09:00"],
    "cohort": ["cohort", "patients.csv", "--protocol", "KRd", "-o", "out/"],
    "bsa": ["bsa", "--height", "175cm", "--weight", "80kg"],
    "show": ["show", "KRd"],
    "fhir-plan": ["fhir-plan", "KRd", "-o", "x.fhir.json"],
    "protocols": ["protocols"],
    "validate": ["validate", "x.toml"],
    "schema": ["schema"],
}


@pytest.mark.parametrize(("command", "option"), _value_options())
@pytest.mark.parametrize("empty", ["", "  "], ids=["empty", "blank"])
def test_every_option_given_an_empty_value_is_refused_by_name(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    option: str,
    empty: str,
) -> None:
    """--tz "", -o "", --protocol-file "", --id "" and every other option: exit 2, named."""
    monkeypatch.chdir(tmp_path)
    _patients_file(tmp_path / "patients.csv", 1)
    (tmp_path / "x.toml").write_text("", encoding="utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main([*BASES[command], option, empty]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert f"{option} must be " in err, err  # given a value, or a whole number
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize(
    "args",
    [
        ["show", ""],
        ["validate", ""],
        ["calendar", "", *GOOD[2:]],
        ["cohort", "", "--protocol", "KRd", "-o", "out/"],
    ],
    ids=["show", "validate", "calendar", "cohort"],
)
def test_an_empty_argument_is_refused_by_name(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """An empty protocol id, path or patients file is an error that names it."""
    assert main(args) == 2
    assert "must be given a value, got an empty string" in capsys.readouterr().err


def test_per_is_refused_outside_the_ics_format(capsys: pytest.CaptureFixture[str]) -> None:
    """--per administration with a CSV was silently ignored; now it is an error."""
    assert main([*GOOD, "--format", "csv", "--per", "administration"]) == 2
    assert "--per must be used with the ics format only" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("value", "suggestion"),
    [
        ("80 kilos", "unknown unit 'kilos'; did you mean kg?"),
        ("80 kilo", "unknown unit 'kilo'; did you mean kg?"),
        ("80 kgs", "unknown unit 'kgs'; did you mean kg?"),
        ("80 KG", "unknown unit 'KG'; did you mean kg?"),
        ("176 ibs", "unknown unit 'ibs'; did you mean lb?"),
    ],
)
def test_an_unknown_weight_unit_is_named_with_a_suggestion(value: str, suggestion: str) -> None:
    """'80 kilos' is an unknown unit with a suggestion, never 'a time' (kilo-seconds)."""
    with pytest.raises(MeasurementError) as info:
        dosing.Patient(height="175 cm", weight=value)
    assert suggestion in str(info.value)
    assert "(a time)" not in str(info.value)


def test_a_protocol_file_with_a_byte_order_mark_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A UTF-8 BOM (as Windows editors write) is accepted, as in patients files."""
    text = (Path(__file__).parents[1] / "protocols" / "KRd.toml").read_text(encoding="utf-8")
    text = text.replace('id = "KRd"', 'id = "KRd-bom"').replace(
        'aliases = ["K-Rd", "CRd"]', "aliases = []"
    )
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert main(["validate", str(path)]) == 0
    assert dosing.load_protocol(path).id == "KRd-bom"
    capsys.readouterr()


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("13/04/2026", "write 2026-04-13"),
        ("04/13/2026", "write 2026-04-13"),
        ("03/04/2026", "day/month order is ambiguous; write 2026-04-03 or 2026-03-04"),
        ("04.04.2026", "write 2026-04-04"),
        ("31/02/2026", "no reading of it is a real date"),
    ],
)
def test_a_date_hint_offers_only_real_dates(text: str, hint: str) -> None:
    """13/04/2026 suggests 2026-04-13 only: a hint never offers an impossible date."""
    with pytest.raises(DateError) as info:
        dosing.build_schedule(dosing.get_protocol("KRd"), _patient(), text, today=TODAY)
    assert str(info.value).endswith(hint)


@settings(deadline=None)
@given(st.integers(0, 99), st.integers(0, 99), st.integers(1000, 9999), st.sampled_from("/."))
def test_every_date_a_hint_offers_is_a_real_date(
    first: int, second: int, year: int, separator: str
) -> None:
    """Whatever day/month pair is typed, each YYYY-MM-DD in the message is a real date."""
    text = f"{first:02d}{separator}{second:02d}{separator}{year}"
    with pytest.raises(DateError) as info:
        dosing.build_schedule(dosing.get_protocol("KRd"), _patient(), text, today=TODAY)
    for offered in re.findall(r"\d{4}-\d{2}-\d{2}", str(info.value)):
        dt.date.fromisoformat(offered)
