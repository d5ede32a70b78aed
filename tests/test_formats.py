"""The format registry: one table the command line, render and the cohort all read."""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

import dosing
from dosing import cohort
from dosing._cli import build_parser, main
from dosing.errors import DosingError
from dosing.export import FORMATS, render
from dosing.export.formats import REGISTRY, format_for_path, get_format

TODAY = dt.date(2026, 1, 1)
AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
PATIENT = ["--height", "175cm", "--weight", "80kg", "--start", "2026-01-05"]


def _schedule() -> dosing.Schedule:
    return dosing.build_schedule(
        dosing.get_protocol("KRd"),
        dosing.Patient(height=175, weight=80, identifier="P1"),
        "2026-01-05",
        cycles=1,
        today=TODAY,
    )


def _choices(command: str, option: str) -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    action = next(a for a in sub.choices[command]._actions if option in a.option_strings)
    assert action.choices is not None
    return list(action.choices)


def test_the_registry_lists_every_format_once_in_order() -> None:
    """The registry holds the eight formats, in the order --format lists them."""
    assert list(REGISTRY) == ["table", "csv", "md", "json", "html", "ics", "fhir", "jsonl"]
    assert FORMATS == ("table", "csv", "md", "json", "html", "ics", "fhir", "jsonl")


def test_calendar_format_choices_are_the_registry() -> None:
    """`dosing calendar --format` offers exactly the registry's formats."""
    assert _choices("calendar", "--format") == list(REGISTRY)


def test_cohort_format_choices_are_the_per_patient_formats() -> None:
    """`dosing cohort --format` offers the formats a per-patient file can be in (not the terminal table)."""
    assert _choices("cohort", "--format") == ["csv", "md", "json", "html", "ics", "fhir"]


def test_cohort_extensions_come_from_the_registry() -> None:
    """Per-patient files take each format's first extension; FHIR files end in .fhir.json."""
    assert dict(cohort.EXTENSIONS) == {
        "csv": "csv",
        "md": "md",
        "json": "json",
        "html": "html",
        "ics": "ics",
        "fhir": "fhir.json",
    }


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("plan.fhir.json", "fhir"),
        ("PLAN.FHIR.JSON", "fhir"),
        ("plan.json", "json"),
        ("out/x.fhir.json.csv", "csv"),
        ("a.markdown", "md"),
        ("a.htm", "html"),
        ("a.txt", "table"),
        ("a.ics", "ics"),
    ],
)
def test_the_longest_matching_extension_names_the_format(name: str, expected: str) -> None:
    """`-o x.fhir.json` picks FHIR, not JSON: the longest extension that matches wins."""
    found = format_for_path(name)
    assert found is not None
    assert found.name == expected


@pytest.mark.parametrize("name", ["a.pdf", "a", ".csv", "folder/.json", "a.fhir"])
def test_a_name_without_a_known_extension_names_no_format(name: str) -> None:
    """An unknown extension, or a name that is only an extension, names no format."""
    assert format_for_path(name) is None


def test_an_unknown_format_name_is_refused() -> None:
    """get_format names the known formats when given another."""
    with pytest.raises(
        DosingError,
        match=r"^format must be one of table, csv, md, json, html, ics, fhir, jsonl, got 'pdf'$",
    ):
        get_format("pdf")


def test_render_refuses_an_option_the_format_does_not_take() -> None:
    """An iCalendar option given to the CSV exporter is an error naming the option."""
    with pytest.raises(
        DosingError, match=r"^options must be ones the csv format takes \(none\), got per$"
    ):
        render(_schedule(), "csv", per="day")


@pytest.mark.parametrize("fmt", list(REGISTRY))
def test_every_format_renders_through_the_registry(fmt: str) -> None:
    """Each registry entry's exporter renders a schedule: bytes for a binary format, else text."""
    data = render(_schedule(), fmt, generated_at=AT)
    assert isinstance(data, bytes) is get_format(fmt).binary
    assert len(data) > 100


def test_o_with_fhir_json_writes_fhir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`dosing calendar ... -o plan.fhir.json` writes a FHIR Bundle, and says it wrote fhir."""
    out = tmp_path / "plan.fhir.json"
    status = main(["calendar", "KRd", *PATIENT, "--cycles", "1", "-o", str(out)])
    assert status == 0
    assert "(fhir, 31 administrations, 1 cycles)" in capsys.readouterr().err
    assert '"resourceType": "Bundle"' in out.read_text(encoding="utf-8")


def test_an_ics_option_with_fhir_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """--time belongs to the iCalendar format; with FHIR it exits 2 naming the option."""
    status = main(["calendar", "KRd", *PATIENT, "--format", "fhir", "--time", "09:00"])
    assert status == 2
    assert capsys.readouterr().err == (
        "dosing: error: --time must be used with the ics format only, got '09:00'\n"
    )


def test_help_imports_no_exporter() -> None:
    """`dosing --help` and `dosing calendar --help` load the registry, not an exporter, pint or pydantic."""
    code = (
        "import sys, contextlib, io\n"
        "from dosing._cli import main\n"
        "for argv in (['--help'], ['calendar', '--help'], ['cohort', '--help']):\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        try:\n"
        "            main(argv)\n"
        "        except SystemExit:\n"
        "            pass\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('dosing', 'pint', 'pydantic')))\n"
        "print(' '.join(loaded))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == [
        "dosing",
        "dosing._cli",
        "dosing._text",
        "dosing.errors",
        "dosing.export",
        "dosing.export.formats",
    ]
