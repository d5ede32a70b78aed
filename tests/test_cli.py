"""The `dosing` command line: each command's output, formats, files and reproducibility."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dosing._cli import main

PATIENT = ["--height", "175cm", "--weight", "80kg", "--start", "2026-01-05"]
FIXED = ["--generated-at", "2026-01-01T00:00:00Z"]
REQUIRED_COLUMNS = ["date", "weekday", "cycle", "day", "drug", "dose", "unit", "route", "basis"]


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(args)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_bsa_json_gives_all_five_formulas(capsys: pytest.CaptureFixture[str]) -> None:
    """`dosing bsa --format json` reproduces the reference check values (170 cm, 75 kg)."""
    status, out, _ = _run(
        ["bsa", "--height", "170cm", "--weight", "75kg", "--format", "json"], capsys
    )
    assert status == 0
    assert json.loads(out) == {
        "mosteller": 1.8819,
        "dubois": 1.8636,
        "haycock": 1.8947,
        "gehan-george": 1.8975,
        "boyd": 1.9051,
    }


def test_bsa_imperial_equals_metric(capsys: pytest.CaptureFixture[str]) -> None:
    """Imperial input gives the same BSA as the same height and weight in metric units."""
    _, imperial, _ = _run(
        ["bsa", "--height", "5 ft 9 in", "--weight", "176lb", "--format", "json"], capsys
    )
    _, metric, _ = _run(
        ["bsa", "--height", "175.26cm", "--weight", "79.83226kg", "--format", "json"], capsys
    )
    assert json.loads(imperial) == json.loads(metric)


def test_bsa_echoes_the_measurements_as_entered(capsys: pytest.CaptureFixture[str]) -> None:
    """`dosing bsa` shows each measurement as typed and converted, and notes a bare number."""
    _, imperial, _ = _run(["bsa", "--height", "5 ft 9 in", "--weight", "176lb"], capsys)
    assert imperial.splitlines()[0] == "height 5 ft 9 in = 175.26 cm, weight 176 lb = 79.8323 kg"
    _, bare, _ = _run(["bsa", "--height", "175", "--weight", "80kg"], capsys)
    assert bare.splitlines()[0] == "height 175 cm, weight 80 kg"
    assert "note: height given without a unit, read as cm" in bare


def test_header_shows_measurements_as_entered_and_the_weight_doses_use(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """240 lb is shown as '240 lb = 108.8622 kg', the weight the 16 mg/kg dose uses."""
    args = ["calendar", "D-KRd", "--height", "6 ft 0 in", "--weight", "240lb"]
    status, out, _ = _run([*args, "--start", "2026-01-05", "--cycles", "1", *FIXED], capsys)
    assert status == 0
    lines = out.splitlines()
    assert "height: 6 ft 0 in = 182.88 cm" in lines
    assert "weight: 240 lb = 108.8622 kg" in lines
    assert re.search(r"daratumumab +1741\.8 +mg", out)  # 16 mg/kg × 108.8621688 kg = 1741.79


@pytest.mark.parametrize("fmt", ["csv", "md", "json", "html", "ics", "txt"])
def test_accepted_bmi_outlier_is_in_every_format(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A BMI accepted with --accept-outlier is named in every output format."""
    target = tmp_path / f"out.{fmt}"
    args = ["calendar", "KRd", "--height", "69in", "--weight", "176kg", "--accept-outlier"]
    status, _, _ = _run(
        [*args, "--start", "2026-01-05", "--cycles", "1", "-o", str(target)], capsys
    )
    assert status == 0
    text = " ".join(target.read_text(encoding="utf-8").split())  # the terminal text wraps
    assert "BMI 57.3 kg/m²" in text
    assert "outside the adult range 12 to 50 kg/m²" in text


def test_protocols_lists_the_builtins(capsys: pytest.CaptureFixture[str]) -> None:
    """`dosing protocols` lists id, name, setting, cycle length and cycles of each built-in."""
    status, out, _ = _run(["protocols"], capsys)
    assert status == 0
    for pid in ("D-KRd", "KRd", "KdD", "Kd-weekly", "KCyD", "KRd-ASPIRE", "Flu-Cy-LD"):
        assert f"\n{pid} " in out
    assert "28 days" in out
    assert "7 days" in out
    assert "until progression" in out


def test_protocols_are_grouped(capsys: pytest.CaptureFixture[str]) -> None:
    """Seed regimens come first, then label variants, then other regimens, each under a heading."""
    status, out, _ = _run(["protocols"], capsys)
    assert status == 0
    sections = out.strip().split("\n\n")
    assert [section.splitlines()[0] for section in sections] == [
        "Seed regimens",
        "Label variants",
        "Other regimens",
    ]
    ids = [[line.split()[0] for line in section.splitlines()[2:]] for section in sections]
    assert set(ids[0]) == {"D-KRd", "KCyD", "KRd", "Kd-weekly", "KdD"}
    assert {"KRd-ASPIRE", "Kd-ARROW", "KdD-SC"} <= set(ids[1])
    assert {"teclistamab", "Isa-KRd", "Flu-Cy-LD"} <= set(ids[2])
    assert all(section.splitlines()[1].startswith("id ") for section in sections)


def test_protocols_filter_by_drug(capsys: pytest.CaptureFixture[str]) -> None:
    """`--drug` keeps the protocols that give that drug, whatever the case of the name."""
    status, out, _ = _run(["protocols", "--drug", "Isatuximab"], capsys)
    assert status == 0
    lines = out.splitlines()
    assert len(lines) == 3
    assert lines[0] == "Other regimens"
    assert lines[1].split() == ["id", "name", "setting", "cycle", "cycles"]
    assert lines[2].startswith("Isa-KRd ")
    status, out, _ = _run(["protocols", "--drug", "lenalidomide"], capsys)
    listed = {line.split()[0] for line in out.splitlines() if line and line[0] != " "}
    assert {"KRd", "KRd-ASPIRE", "Isa-KRd", "R-maintenance", "R-maintenance-US"} <= listed
    assert not listed & {"KdD", "teclistamab", "Flu-Cy-LD"}


def test_protocols_unknown_drug_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """A drug no listed protocol gives is refused in one line, with the closest name offered."""
    status, out, err = _run(["protocols", "--drug", "daratumab"], capsys)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "--drug must be a drug of a listed protocol (" in err
    assert "got 'daratumab' - did you mean daratumumab?" in err


def test_show_prints_cycle_ranges_and_sources(capsys: pytest.CaptureFixture[str]) -> None:
    """`dosing show D-KRd` shows the cycle ranges of daratumumab and the sources."""
    status, out, _ = _run(["show", "dara-krd"], capsys)
    assert status == 0
    for heading in ("Cycle 1\n", "Cycle 2\n", "Cycles 3-6\n", "Cycles 7+\n"):
        assert heading in out
    assert "source [SEED]" in out
    assert "priming dose" in out


def test_schema_prints_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    """`dosing schema` prints a JSON Schema object."""
    status, out, _ = _run(["schema"], capsys)
    assert status == 0
    schema = json.loads(out)
    assert schema["$schema"].endswith("2020-12/schema")
    assert "drugs" in schema["properties"]


def test_calendar_json_has_the_documented_shape(capsys: pytest.CaptureFixture[str]) -> None:
    """JSON output has patient, protocol, choices (defaults marked) and administrations."""
    status, out, _ = _run(
        ["calendar", "KRd", *PATIENT, "--cycles", "2", "--format", "json", *FIXED], capsys
    )
    assert status == 0
    data = json.loads(out)
    assert {"patient", "protocol", "choices", "administrations", "notice"} <= set(data)
    assert data["choices"]["carfilzomib"] == {
        "value": 56.0,
        "unit": "mg/m2",
        "default": True,
        "allowed": [36.0, 56.0],
    }
    c1d8 = [
        a
        for a in data["administrations"]
        if a["date"] == "2026-01-12" and a["drug"] == "carfilzomib"
    ]
    assert c1d8 == [
        {
            "date": "2026-01-12",
            "weekday": "Mon",
            "cycle": 1,
            "day": 8,
            "drug": "carfilzomib",
            "dose": 110.4,
            "unit": "mg",
            "route": "IV",
            "basis": "56 mg/m² × 1.972 m² (Mosteller)",
            "calculated": {"value": 110.433489, "unit": "mg"},
            "rate": {"value": 56.0, "unit": "mg/m2"},
            "measure": {"value": 1.972, "unit": "m2"},
            "step_up": False,
            "reason": "",
            "events": [],
        }
    ]
    assert len(data["administrations"]) == 62


def test_calendar_csv_has_required_columns_and_header(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CSV written from the -o extension has the header block and the required columns."""
    target = tmp_path / "krd.csv"
    status, _, err = _run(
        ["calendar", "KRd", *PATIENT, "--cycles", "1", "--id", "MRN 7", "-o", str(target), *FIXED],
        capsys,
    )
    assert status == 0
    assert "wrote" in err
    text = target.read_bytes().decode("utf-8")
    assert "\r\n" in text
    body = [line for line in text.splitlines() if not line.startswith("#")]
    table = list(csv.DictReader(io.StringIO("\n".join(body))))
    assert list(table[0])[: len(REQUIRED_COLUMNS)] == REQUIRED_COLUMNS
    assert len(table) == 31
    for fragment in (
        "# patient identifier: MRN 7",
        "# BSA: 1.972 m² (Mosteller (default))",
        "(default)",
        "# generated: 2026-01-01T00:00:00Z",
        "# sources: [SEED]",
        "# NOTICE: For trained clinicians",
    ):
        assert fragment in text


def test_calendar_markdown_has_table_and_notice(capsys: pytest.CaptureFixture[str]) -> None:
    """Markdown output has the notice, the header list and a table with the columns."""
    status, out, _ = _run(
        ["calendar", "KdD", *PATIENT, "--cycles", "1", "--format", "md", *FIXED], capsys
    )
    assert status == 0
    assert "For trained clinicians only" in out
    assert "| date | weekday | cycle | day | drug | dose | unit | route | basis |" in out
    assert (
        "| 2026-01-05 | Mon | 1 | 1 | daratumumab | 640 | mg | IV | 8 mg/kg × 80 kg actual weight |"
        in out
    )


def test_same_input_gives_byte_identical_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two runs with a fixed generation time write identical bytes, for every format."""
    for fmt in ("csv", "md", "json", "table"):
        outputs = []
        for n in range(2):
            target = tmp_path / f"{fmt}{n}.out"
            assert (
                main(
                    [
                        "calendar",
                        "D-KRd",
                        *PATIENT,
                        "--cycles",
                        "2",
                        "--format",
                        fmt,
                        "-o",
                        str(target),
                        *FIXED,
                    ]
                )
                == 0
            )
            outputs.append(target.read_bytes())
        assert outputs[0] == outputs[1], fmt
    capsys.readouterr()


def test_source_date_epoch_fixes_the_generation_time(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """SOURCE_DATE_EPOCH sets the generation time when --generated-at is not given."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    _, out, _ = _run(["calendar", "KRd", *PATIENT, "--cycles", "1", "--format", "json"], capsys)
    assert json.loads(out)["generated"] == "2026-01-01T00:00:00Z"


def test_source_date_epoch_outside_the_allowed_years_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SOURCE_DATE_EPOCH in year 9999 exits 2 naming the variable, not with an internal error."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "253402300799")
    status, out, err = _run(
        ["calendar", "KRd", *PATIENT, "--cycles", "1", "--format", "ics"], capsys
    )
    assert status == 2
    assert out == ""
    assert err == (
        "dosing: error: SOURCE_DATE_EPOCH must be a date-time in the years 2000 to 2100 (UTC), "
        "got '253402300799' - check the value\n"
    )


def test_calendar_for_a_patient_is_plain_and_names_no_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """--for patient writes plain summaries, timed clinic visits and no identifier."""
    target = tmp_path / "patient.ics"
    args = ["calendar", "KRd", *PATIENT, "--cycles", "1", "--id", "MRN 0001", "--for", "patient"]
    args += ["--time", "09:00", "--tz", "Europe/Berlin", "--remind-at", "08:00"]
    status, _, err = _run([*args, "-o", str(target), *FIXED], capsys)
    assert status == 0, err
    data = target.read_bytes()
    assert b"MRN" not in data
    assert b"0001" not in data
    assert b"SUMMARY:Clinic: carfilzomib infusion (30 min)\r\n" in data
    assert b"DTSTART;TZID=Europe/Berlin:20260105T090000\r\n" in data
    assert b"DTEND;TZID=Europe/Berlin:20260105T093000\r\n" in data
    assert b"TRIGGER:PT8H\r\n" in data


def test_all_day_reminders_need_an_hour(capsys: pytest.CaptureFixture[str]) -> None:
    """--remind for all-day events without --remind-at exits 2 naming --remind-at."""
    status, out, err = _run(
        ["calendar", "KRd", *PATIENT, "--cycles", "1", "--format", "ics", "--remind", "1d"],
        capsys,
    )
    assert (status, out) == (2, "")
    assert err == (
        "dosing: error: --remind-at must be a time of day for the reminders of all-day events "
        "(counted from their midnight, a reminder fires at night), got none - e.g. 08:00\n"
    )


def _protocol_file_commands(tmp_path: Path) -> list[list[str]]:
    patients = tmp_path / "patients.csv"
    patients.write_text("id,height,weight,start\nA,175cm,80kg,2026-01-05\n", encoding="utf-8")
    return [
        ["protocols"],
        ["show", "KRd"],
        ["calendar", "KRd", *PATIENT, "--cycles", "1", "-o", str(tmp_path / "out.csv")],
        ["cohort", str(patients), "--protocol", "KRd", "-o", str(tmp_path / "all.csv")],
    ]


@pytest.mark.parametrize("command", ["protocols", "show", "calendar", "cohort"])
@pytest.mark.parametrize(
    ("empty_folder", "fragment"),
    [
        (
            True,
            "--protocol-file must be a protocol file or a folder with *.toml protocol files, got "
            "'{path}' - the folder has none",
        ),
        (
            False,
            "--protocol-file must be an existing protocol file or folder, got '{path}' - "
            "no such path",
        ),
    ],
    ids=["empty folder", "missing path"],
)
def test_protocol_file_that_holds_no_protocol_exits_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    empty_folder: bool,
    fragment: str,
) -> None:
    """An empty folder or a missing path given to --protocol-file is one line and status 2."""
    path = tmp_path / "mine"
    if empty_folder:
        path.mkdir()
    args = next(c for c in _protocol_file_commands(tmp_path) if c[0] == command)
    status, out, err = _run([*args, "--protocol-file", str(path)], capsys)
    assert status == 2
    assert out == ""
    assert err == f"dosing: error: {fragment.format(path=path)}\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["patients.csv"]


def test_choose_and_bsa_formula_appear_in_the_output(capsys: pytest.CaptureFixture[str]) -> None:
    """A chosen value is marked chosen and a chosen formula is named on the dose."""
    _, out, _ = _run(
        [
            "calendar",
            "KCyD",
            *PATIENT,
            "--cycles",
            "1",
            "--choose",
            "carfilzomib=36",
            "--bsa-formula",
            "dubois",
            "--format",
            "json",
            *FIXED,
        ],
        capsys,
    )
    data = json.loads(out)
    assert data["choices"]["carfilzomib"]["default"] is False
    # DuBois: 0.007184 x 175^0.725 x 80^0.425 = 1.95606 m2
    assert data["bsa"] == {
        "value": 1.9561,
        "unit": "m2",
        "formula": "dubois",
        "formula_is_default": False,
    }
    targets = {
        a["basis"]
        for a in data["administrations"]
        if a["drug"] == "carfilzomib" and not a["step_up"]
    }
    assert targets == {"36 mg/m² × 1.956 m² (DuBois)"}


def test_rounding_is_applied_and_explained(capsys: pytest.CaptureFixture[str]) -> None:
    """--round bands a dose to vials within tolerance and the reason says how."""
    _, out, _ = _run(
        [
            "calendar",
            "KRd",
            *PATIENT,
            "--cycles",
            "1",
            "--round",
            "carfilzomib=vials:10,30,60@5%",
            "--format",
            "json",
            *FIXED,
        ],
        capsys,
    )
    data = json.loads(out)
    c1d8 = next(a for a in data["administrations"] if a["day"] == 8 and a["drug"] == "carfilzomib")
    assert c1d8["dose"] == 110.0
    assert "rounded from 110.43 mg to 110 mg" in c1d8["reason"]


def test_outlier_override_is_shown(capsys: pytest.CaptureFixture[str]) -> None:
    """--accept-outlier lets a genuine outlier through and every output shows it."""
    _, out, _ = _run(
        [
            "calendar",
            "KRd",
            "--height",
            "95cm",
            "--weight",
            "40kg",
            "--start",
            "2026-01-05",
            "--cycles",
            "1",
            "--accept-outlier",
            *FIXED,
        ],
        capsys,
    )
    assert "plausibility override: height 95 cm is outside the adult range" in out


def test_every_command_has_help_with_an_example() -> None:
    """`dosing COMMAND --help` exits 0 and shows an example, without a traceback."""
    for command in ("protocols", "show", "calendar", "bsa", "validate", "schema", "cohort"):
        result = subprocess.run(
            [sys.executable, "-m", "dosing._cli", command, "--help"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, command
        assert "example" in result.stdout, command


def test_console_script_runs_as_a_process(tmp_path: Path) -> None:
    """The installed `dosing` process exits 2 with one stderr line for bad input."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "dosing._cli",
            "calendar",
            "KRd",
            "--height",
            "175kg",
            "--weight",
            "80kg",
            "--start",
            "2026-01-05",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("dosing: error: height must be a length")
    assert result.stderr.count("\n") == 1


def test_csv_numbers_have_no_thousands_separators(capsys: pytest.CaptureFixture[str]) -> None:
    """Dose and calculated cells are plain numbers a spreadsheet in any locale reads as numbers."""
    _, out, _ = _run(
        ["calendar", "D-KRd", *PATIENT, "--cycles", "1", "--format", "csv", *FIXED], capsys
    )
    row = next(
        r
        for r in csv.reader(io.StringIO(out))
        if r[:5] == ["2026-01-05", "Mon", "1", "1", "daratumumab"]
    )
    assert row[5:8] == ["1280", "mg", "IV"]
    assert row[9] == "1280"
    assert (
        "# protocol: D-KRd: Daratumumab, carfilzomib, lenalidomide and dexamethasone (newly diagnosed); built in"
        in out
    )


def test_bare_numbers_are_read_as_cm_and_kg_and_say_so(capsys: pytest.CaptureFixture[str]) -> None:
    """A height and weight without units are read as cm and kg, and the output says so."""
    _, out, _ = _run(
        [
            "calendar",
            "KRd",
            "--height",
            "175",
            "--weight",
            "80",
            "--start",
            "2026-01-05",
            "--cycles",
            "1",
            "--format",
            "json",
            *FIXED,
        ],
        capsys,
    )
    data = json.loads(out)
    assert "patient: height given without a unit, read as cm" in data["notes"]
    assert "patient: weight given without a unit, read as kg" in data["notes"]
    assert data["administrations"][0]["dose"] == 39.4
