"""A catalogue of mistaken and hostile input: each is stopped with a clear error, never a wrong dose.

Every case names the error class (library) or the exit status 2 (CLI), and a fragment of the
message that names the field and what was expected. The CLI cases also check that no output
file is created and that an existing one is left untouched.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

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
    """An unknown protocol id is refused with the closest known id."""
    with pytest.raises(UnknownProtocolError, match="did you mean KRd"):
        dosing.get_protocol("KRD2")


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
    ([*GOOD, "--creatinine", "88mg/dL"], "did you mean 88 µmol/L?"),
    ([*GOOD, "--creatinine", "1.1"], "serum_creatinine must be a concentration"),
    (_replace(GOOD, "--start", "2026-02-30"), "start must be a real calendar date"),
    (_replace(GOOD, "--start", "03/04/2026"), "day/month order is ambiguous"),
    (_replace(GOOD, "--start", "1970-01-01"), "start must be between"),
    (_replace(GOOD, "--start", "2199-01-01"), "start must be between"),
    (["calendar", "DKR", *GOOD[2:]], "did you mean D-KRd?"),
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
    (["calendar", "KRd", "--height", "175cm"], "the following arguments are required"),
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
