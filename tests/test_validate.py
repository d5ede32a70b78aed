"""Protocol files are validated with every problem reported at once, each with its location."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

import dosing
from dosing.errors import ProtocolError
from dosing.protocol import loads_protocol, protocol_json_schema

VALID = """
format = 1
id = "Test-Kd"
name = "Test carfilzomib and dexamethasone"
setting = "test"
cycle_length_days = 28

[cycles]
default = 2
maximum = 6

[[sources]]
tag = "SEED"
citation = "seed Table 3"

[[drugs]]
name = "carfilzomib"
route = "IV"
dose = "70 mg/m2"
bsa_cap = "2.2 m2"
sources = ["SEED"]
schedule = [{ cycles = "1+", days = [1, 8, 15] }]

[[drugs]]
name = "dexamethasone"
route = "PO"
sources = ["SEED"]
schedule = [{ cycles = "1+", days = [1, 8, 15, 22] }]

[[step_up]]
drug = "carfilzomib"
cycles = "1"
days = [1]
dose = "20 mg/m2"
note = "priming dose"

[choices.dexamethasone]
unit = "mg"
allowed = [20, 40]
default = 40
"""


def _problems(text: str) -> list[str]:
    with pytest.raises(ProtocolError) as info:
        loads_protocol(text, origin="case.toml")
    return [str(p) for p in info.value.problems]


def test_the_base_file_is_valid() -> None:
    """The file the broken cases start from is itself valid."""
    protocol = loads_protocol(VALID)
    assert protocol.id == "Test-Kd"


# (case, replacement of one piece of VALID, a fragment every report must contain)
BROKEN = [
    (
        "day beyond the cycle",
        ("days = [1, 8, 15] }", "days = [1, 8, 29] }"),
        "drugs.carfilzomib.schedule[0]: days must lie within the 28-day cycle, got 29",
    ),
    (
        "duplicated days",
        ("days = [1, 8, 15] }", "days = [1, 8, 8] }"),
        "days must be free of repeats, got 8 more than once",
    ),
    (
        "overlapping cycle ranges giving one day twice",
        (
            'schedule = [{ cycles = "1+", days = [1, 8, 15] }]',
            'schedule = [{ cycles = "1-3", days = [1, 15] }, { cycles = "3+", days = [8, 15] }]',
        ),
        "drugs.carfilzomib: schedule must not give carfilzomib twice on the same day, got days 15 "
        "in both cycles 1-3 and 3+ (from cycle 3)",
    ),
    ("unknown unit", ('dose = "70 mg/m2"', 'dose = "70 mgg/m2"'), "drugs.carfilzomib.dose"),
    (
        "wrong unit dimension",
        ('dose = "70 mg/m2"', 'dose = "70 mg/m"'),
        "dose must be mg, mg/m² or mg/kg, got '70 mg/m'",
    ),
    ("missing unit", ('dose = "70 mg/m2"', 'dose = "70"'), "drugs.carfilzomib.dose"),
    (
        "choice default not allowed",
        ("default = 40", "default = 30"),
        "choices.dexamethasone: default must be one of the allowed values 20, 40, got 30",
    ),
    (
        "step-up for a drug not in the protocol",
        ('drug = "carfilzomib"', 'drug = "isatuximab"'),
        "step_up[0].drug: must be a drug of the protocol",
    ),
    (
        "step-up on a day the drug is not given",
        ("days = [1]\ndose", "days = [2]\ndose"),
        "step_up[0]: day 2 of cycle 1 must be a day carfilzomib is given",
    ),
    (
        "no sources",
        ('[[sources]]\ntag = "SEED"\ncitation = "seed Table 3"\n', ""),
        "sources: is required, got nothing",
    ),
    (
        "wrong type",
        ("cycle_length_days = 28", 'cycle_length_days = "twenty-eight"'),
        "cycle_length_days: input should be a valid integer",
    ),
    (
        "negative cycle length",
        ("cycle_length_days = 28", "cycle_length_days = -28"),
        "cycle_length_days: input should be greater than or equal to 1",
    ),
    (
        "unknown key",
        ('setting = "test"', 'setting = "test"\ncolour = "blue"'),
        "colour: is not a known key",
    ),
    (
        "same drug twice",
        (
            "[[step_up]]",
            '[[drugs]]\nname = "dexamethasone"\nroute = "PO"\ndose = "20 mg"\nsources = ["SEED"]\nschedule = [{ cycles = "1", days = [1] }]\n\n[[step_up]]',
        ),
        "drugs.dexamethasone: each drug must appear once",
    ),
    (
        "source tag not declared",
        (
            'sources = ["SEED"]\nschedule = [{ cycles = "1+", days = [1, 8, 15, 22] }]',
            'sources = ["EU"]\nschedule = [{ cycles = "1+", days = [1, 8, 15, 22] }]',
        ),
        "drugs.dexamethasone.sources: must be tags of the protocol's sources",
    ),
    (
        "negative day after cycle 1",
        ("days = [1, 8, 15] }", "days = [-1, 8, 15] }"),
        "days before day 1 must be in a block for cycle 1 alone, got cycles 1+",
    ),
    (
        "default cycles above maximum",
        ("default = 2", "default = 9"),
        "cycles: default must be at most maximum (6), got 9",
    ),
    (
        "BSA cap on a flat dose",
        ('route = "PO"\nsources', 'route = "PO"\nbsa_cap = "2 m2"\nsources'),
        "drugs.dexamethasone.bsa_cap: must be used only with a mg/m² dose, got a mg dose",
    ),
    # quantities checked for dimension and a plausible range at load (issue: values that
    # validated and then dosed wrongly)
    (
        "BSA cap in mm²",
        ('bsa_cap = "2.2 m2"', 'bsa_cap = "2.2 mm2"'),
        "drugs.carfilzomib.bsa_cap: bsa_cap must be between 1 and 3 m²",
    ),
    (
        "BSA cap without a unit",
        ('bsa_cap = "2.2 m2"', 'bsa_cap = "2.2"'),
        "drugs.carfilzomib.bsa_cap: bsa_cap must be an area",
    ),
    (
        "BSA cap in an unknown unit",
        ('bsa_cap = "2.2 m2"', 'bsa_cap = "2.2 M2"'),
        "drugs.carfilzomib.bsa_cap",
    ),
    (
        "huge dose",
        ('dose = "70 mg/m2"', 'dose = "1e308 mg"'),
        "drugs.carfilzomib.dose: dose must be between 0.001 and 10,000 mg",
    ),
    (
        "tiny dose",
        ('dose = "70 mg/m2"', 'dose = "0.00001 mg/m2"'),
        "dose must be between 0.001 and 5,000 mg/m²",
    ),
    (
        "far negative day",
        ("days = [1, 8, 15] }", "days = [-800000] }"),
        "days must be day -60 or later",
    ),
    (
        "huge maximum dose",
        ('bsa_cap = "2.2 m2"', 'bsa_cap = "2.2 m2"\nmax_dose = "1e9 mg"'),
        "max_dose must be between 0.001 and 10,000 mg",
    ),
    (
        "choice outside the range",
        ("allowed = [20, 40]\ndefault = 40", "allowed = [20, 40, 1e12]\ndefault = 40"),
        "choices.dexamethasone: allowed must be between 0.001 and 10,000 mg",
    ),
    (
        "a format 2 key in a format 1 file",
        (
            'sources = ["SEED"]\nschedule = [{ cycles = "1+", days = [1, 8, 15, 22] }]',
            'sources = ["SEED"]\nroles = ["corticosteroid"]\nschedule = [{ cycles = "1+", days = [1, 8, 15, 22] }]',
        ),
        "drugs.dexamethasone.roles: needs format = 2",
    ),
    (
        "a catalogue group in a format 1 file",
        ('setting = "test"', 'setting = "test"\ngroup = "label"'),
        "group: needs format = 2",
    ),
    (
        "an unknown catalogue group",
        ('format = 1\nid = "Test-Kd"', 'format = 2\nid = "Test-Kd"\ngroup = "variants"'),
        "group: input should be 'seed', 'label' or 'other', got 'variants'",
    ),
]


@pytest.mark.parametrize(("case", "edit", "fragment"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_file_is_reported_with_location(
    case: str, edit: tuple[str, str], fragment: str
) -> None:
    """Each kind of broken protocol file is refused with a message naming where and what."""
    old, new = edit
    assert old in VALID, case
    problems = _problems(VALID.replace(old, new, 1))
    assert any(fragment in p for p in problems), problems


def test_every_problem_is_reported_at_once() -> None:
    """A file with several problems reports all of them, not just the first."""
    text = (
        VALID.replace("days = [1, 8, 15] }", "days = [1, 8, 29] }")
        .replace("default = 40", "default = 30")
        .replace('drug = "carfilzomib"', 'drug = "isatuximab"')
        .replace("cycle_length_days = 28\n", "cycle_length_days = 28\ncolour = 1\n")
    )
    problems = "\n".join(_problems(text))
    for fragment in ("within the 28-day cycle", "default must be one of", "isatuximab", "colour"):
        assert fragment in problems


def test_empty_sources_list_is_refused() -> None:
    """A protocol must name at least one source."""
    text = VALID.replace('[[sources]]\ntag = "SEED"\ncitation = "seed Table 3"\n', "")
    text = text.replace("cycle_length_days = 28\n", "cycle_length_days = 28\nsources = []\n")
    assert "sources: sources must name at least one source, got none" in _problems(text)


def test_not_toml_is_one_clear_problem() -> None:
    """Text that is not TOML is refused with the parser's position."""
    problems = _problems("id = 'x\nname = ")
    assert len(problems) == 1
    assert "the file must be valid TOML" in problems[0]


def test_deeply_nested_file_is_refused_quickly() -> None:
    """A pathologically nested file is refused as a protocol error, not a crash."""
    text = "id = " + "[" * 50_000 + "]" * 50_000
    assert _problems(text)


def test_very_large_file_is_refused() -> None:
    """A file above the size limit is refused before parsing."""
    text = VALID + "\n" + "# padding\n" * 40_000
    problems = _problems(text)
    assert "at most" in problems[0]


def test_builtin_protocols_are_valid_and_listed() -> None:
    """The seed regimens, their label variants and the other regimens ship and load by id."""
    by_group: dict[str | None, set[str]] = {}
    for p in dosing.builtin_protocols():
        by_group.setdefault(p.group, set()).add(p.id)
    assert by_group == {
        "seed": {"D-KRd", "KRd", "KdD", "Kd-weekly", "KCyD"},
        "label": {
            "KRd-ASPIRE",
            "Kd-ENDEAVOR",
            "Kd-ARROW",
            "KdD-70",
            "D-KRd-SC",
            "KdD-SC",
            "R-maintenance-US",
        },
        "other": {
            "Isa-KRd",
            "R-maintenance",
            "teclistamab",
            "elranatamab",
            "talquetamab",
            "talquetamab-Q2W",
            "Flu-Cy-LD",
        },
    }


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("d-krd", "D-KRd"),
        ("DKRd", "D-KRd"),
        ("Dara-KRd", "D-KRd"),
        ("krd", "KRd"),
        ("KDD", "KdD"),
        ("kd-weekly", "Kd-weekly"),
        ("kd weekly", "Kd-weekly"),
        ("kcyd", "KCyD"),
    ],
)
def test_protocols_match_case_insensitively_and_by_alias(name: str, expected: str) -> None:
    """Ids and aliases match whatever their case and separators."""
    assert dosing.get_protocol(name).id == expected


def test_unknown_protocol_suggests_the_closest() -> None:
    """An unknown id names the closest known one."""
    with pytest.raises(dosing.UnknownProtocolError, match="did you mean D-KRd"):
        dosing.get_protocol("D-KR")


def test_json_schema_is_published_and_describes_the_format() -> None:
    """The JSON Schema names the top-level keys a protocol file has."""
    schema = protocol_json_schema()
    assert {"id", "cycle_length_days", "drugs", "sources", "step_up", "choices"} <= set(
        schema["properties"]
    )
    json.dumps(schema)


def test_user_protocol_loads_from_a_file(tmp_path: Path) -> None:
    """A user's protocol file loads the same way and can be scheduled."""
    path = tmp_path / "mine.toml"
    path.write_text(VALID, encoding="utf-8")
    protocol = dosing.load_protocol(path)
    assert dosing.get_protocol("test-kd", extra=[protocol]) is protocol


def test_validate_command_reports_all_files_and_exits_2(tmp_path: Path) -> None:
    """`dosing validate DIR` prints every problem of every file and exits 2 if any is invalid."""
    (tmp_path / "good.toml").write_text(VALID, encoding="utf-8")
    (tmp_path / "bad.toml").write_text(
        VALID.replace("days = [1, 8, 15] }", "days = [1, 8, 29] }").replace(
            "default = 40", "default = 30"
        ),
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "dosing._cli", "validate", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "good.toml: ok" in result.stdout
    assert "bad.toml: 2 problems" in result.stderr
    assert (
        "drugs.carfilzomib.schedule[0]: days must lie within the 28-day cycle, got 29"
        in result.stderr
    )
    assert "Traceback" not in result.stderr


def test_validate_command_accepts_the_builtin_folder() -> None:
    """The repository's protocols folder validates cleanly."""
    folder = Path(__file__).resolve().parents[1] / "protocols"
    result = subprocess.run(
        [sys.executable, "-m", "dosing._cli", "validate", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout
    assert result.stdout.count(": ok") == 19


def test_builtin_files_are_named_after_their_ids() -> None:
    """Each built-in file is called ID.toml, so a lookup by id reads one file."""
    folder = Path(__file__).resolve().parents[1] / "protocols"
    for path in sorted(folder.glob("*.toml")):
        assert dosing.load_protocol(path).id == path.stem


def test_choice_values_of_a_thousand_and_more_work() -> None:
    """A choice of 1,000 mg validates and schedules (its value is never re-read from text)."""
    text = VALID.replace(
        "allowed = [20, 40]\ndefault = 40", "allowed = [500, 1000]\ndefault = 1000"
    )
    protocol = loads_protocol(text)
    patient = dosing.Patient(height="175 cm", weight="80 kg")
    schedule = dosing.build_schedule(
        protocol, patient, "2026-01-05", cycles=1, today=dt.date(2026, 1, 1)
    )
    assert {a.dose.final_mg for a in schedule.by_drug()["dexamethasone"]} == {1000.0}


def test_a_huge_day_list_is_refused_quickly() -> None:
    """Tens of thousands of days are refused without quadratic work."""
    days = ",".join(str(d) for d in range(1, 40_000))
    problems = _problems(VALID.replace("days = [1, 8, 15] }", f"days = [{days}] }}"))
    assert any("days must be at most 400 days, got 39999 entries" in p for p in problems)


CHOICE_CAP = VALID.replace('dose = "70 mg/m2"\n', "").replace(
    "[choices.dexamethasone]",
    '[choices.carfilzomib]\nunit = "mg/m2"\nallowed = [56, 70]\ndefault = 70\n\n[choices.dexamethasone]',
)


def test_caps_are_checked_when_a_choice_gives_the_dose() -> None:
    """A BSA cap in the wrong unit is refused also for a drug whose dose a choice gives."""
    assert loads_protocol(CHOICE_CAP).drug("carfilzomib").bsa_cap == 2.2
    problems = _problems(CHOICE_CAP.replace('bsa_cap = "2.2 m2"', 'bsa_cap = "2.2 mm2"'))
    assert any("bsa_cap must be between 1 and 3 m²" in p for p in problems)


def test_a_protocol_whose_schedule_would_exhaust_the_machine_is_refused() -> None:
    """365-day cycles of a daily drug for 120 cycles would hold 43,800 administrations: the
    cycle counts are refused, naming the bound of 10,000."""
    text = (
        VALID.replace("cycle_length_days = 28", "cycle_length_days = 365")
        .replace("default = 2\nmaximum = 6", "default = 120\nmaximum = 120")
        .replace("days = [1, 8, 15, 22] }", 'days = "1-365" }')
    )
    problems = _problems(text)
    assert any(
        p.startswith("cycles.default: must be at most 27, got 120")
        and "more than the 10,000 a schedule may have" in p
        for p in problems
    ), problems
