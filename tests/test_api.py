"""What a developer scripting `dosing` relies on besides the schedule itself.

`python -m dosing` is the command; records and a DataFrame carry the doses as numbers; values
show a short repr; the rounding grammar of ``--round`` is public; and neither pandas nor
hypothesis is imported unless asked for.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pandas
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dosing
from dosing._cli import main
from dosing.dose import NearestIncrement, OralStrengths, RoundingPolicy, VialBanding
from dosing.errors import RoundingError
from tests.conftest import FUZZ_EXAMPLES

TODAY = dt.date(2026, 1, 1)
PATIENT = ["--height", "175cm", "--weight", "80kg", "--start", "2026-01-05", "--cycles", "1"]


def _schedule(protocol: str = "KRd", **kwargs: object) -> dosing.Schedule:
    patient = dosing.Patient(height="175 cm", weight="80 kg", identifier="MRN 1")
    return dosing.build_schedule(
        dosing.get_protocol(protocol),
        patient,
        "2026-01-05",
        cycles=kwargs.pop("cycles", 1),  # type: ignore[arg-type]
        today=TODAY,
        **kwargs,  # type: ignore[arg-type]
    )


def _python(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, check=False, timeout=60
    )


# -- python -m dosing -------------------------------------------------------------------------


def test_python_m_dosing_writes_what_the_command_writes(tmp_path: Path) -> None:
    """`python -m dosing calendar ...` exits 0 and writes the same document as `dosing`."""
    fixed = ["--generated-at", "2026-01-01T00:00:00Z"]
    by_module = tmp_path / "module.json"
    result = _python("-m", "dosing", "calendar", "KRd", *PATIENT, *fixed, "-o", str(by_module))
    assert result.returncode == 0, result.stderr
    assert result.stderr == f"dosing: wrote {by_module} (json, 31 administrations, 1 cycles)\n"
    by_script = tmp_path / "script.json"
    assert main(["calendar", "KRd", *PATIENT, *fixed, "-o", str(by_script)]) == 0
    assert by_module.read_bytes() == by_script.read_bytes()


def test_python_m_dosing_exits_2_with_one_line_for_bad_input() -> None:
    """`python -m dosing` refuses bad input as the console script does: exit 2, one line."""
    bad = ["--height", "175kg", "--weight", "80kg", "--start", "2026-01-05"]
    result = _python("-m", "dosing", "calendar", "KRd", *bad)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("dosing: error: height must be a length")


def test_python_m_dosing_without_a_command_shows_help_and_exits_2() -> None:
    """With no command it prints the usage and exits 2, as `dosing` alone does."""
    result = _python("-m", "dosing")
    assert result.returncode == 2
    assert result.stdout.startswith("usage: dosing ")


def test_python_m_dosing_reports_the_version() -> None:
    """`python -m dosing --version` names the program and the installed version."""
    result = _python("-m", "dosing", "--version")
    assert (result.returncode, result.stdout.strip()) == (0, f"dosing {dosing.__version__}")


# -- start-up imports -------------------------------------------------------------------------


def test_neither_pandas_nor_hypothesis_is_on_the_command_path(tmp_path: Path) -> None:
    """A calendar run, a records export and the schema imports neither pandas nor hypothesis."""
    target = tmp_path / "x.json"
    code = (
        "import sys\n"
        "from dosing._cli import main\n"
        f"assert main(['calendar', 'KRd', *{PATIENT!r}, '-o', {str(target)!r}]) == 0\n"
        "assert main(['schema', '--document']) == 0\n"
        "import dosing\n"
        "dosing.build_schedule(dosing.get_protocol('KRd'), dosing.Patient(height=175, weight=80),"
        " '2026-01-05', cycles=1, today=__import__('datetime').date(2026, 1, 1)).to_records()\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        "assert not loaded & {'pandas', 'hypothesis'}, loaded & {'pandas', 'hypothesis'}\n"
        "assert 'dosing.strategies' not in sys.modules\n"
    )
    result = _python("-c", code)
    assert result.returncode == 0, result.stderr


def test_import_dosing_loads_only_the_package() -> None:
    """`import dosing` loads no unit registry, model library, pandas or hypothesis."""
    code = (
        "import sys, dosing\n"
        "heavy = {'pint', 'pydantic', 'pandas', 'hypothesis', 'numpy'}\n"
        "loaded = {m.split('.')[0] for m in sys.modules} & heavy\n"
        "assert not loaded, loaded\n"
    )
    result = _python("-c", code)
    assert result.returncode == 0, result.stderr


# -- records and pandas ------------------------------------------------------------------------


def test_records_are_plain_dicts_with_numeric_doses() -> None:
    """to_records gives one dict per administration: date, weekday, numbers in mg, event kinds."""
    records = _schedule().to_records()
    assert len(records) == 31  # KRd cycle 1: 6 carfilzomib + 21 lenalidomide + 4 dexamethasone
    c1d8 = next(r for r in records if r["drug"] == "carfilzomib" and r["day"] == 8)
    assert c1d8 == {
        "date": dt.date(2026, 1, 12),
        "weekday": "Mon",
        "cycle": 1,
        "day": 8,
        "drug": "carfilzomib",
        "route": "IV",
        "dose_mg": 110.4,
        "calculated_mg": pytest.approx(110.433489),  # 56 × 1.972027
        "basis": "56 mg/m² × 1.972 m² (Mosteller)",
        "reason": "",
        "event_kinds": [],
    }
    first = records[0]
    assert (first["weekday"], first["event_kinds"]) == ("Mon", ["step_up"])
    assert records[1]["date"] == dt.date(2026, 1, 5)
    tuesday = next(r for r in records if r["date"] == dt.date(2026, 1, 6))
    assert tuesday["weekday"] == "Tue"
    assert tuple(first) == dosing.schedule.RECORD_FIELDS


def test_records_carry_every_event_kind_of_a_dose() -> None:
    """A rounded dose lists 'rounded' among its event kinds; the dose is the rounded number."""
    vials = VialBanding((10, 30, 60), tolerance=0.05)
    records = _schedule(rounding={"carfilzomib": vials}).to_records()
    c1d8 = next(r for r in records if r["drug"] == "carfilzomib" and r["day"] == 8)
    assert (c1d8["dose_mg"], c1d8["event_kinds"]) == (110.0, ["rounded"])


def test_to_pandas_has_the_records_as_rows_and_dates_as_datetimes() -> None:
    """to_pandas is a DataFrame of the records, columns in order, date as datetime64."""
    frame = _schedule().to_pandas()
    assert list(frame.columns) == list(dosing.schedule.RECORD_FIELDS)
    assert len(frame) == 31
    assert str(frame["date"].dtype).startswith("datetime64")
    assert frame["date"].iloc[0] == pandas.Timestamp("2026-01-05")
    carfilzomib = frame[frame["drug"] == "carfilzomib"]
    # 2 × 39.4 mg (priming) + 4 × 110.4 mg
    assert carfilzomib["dose_mg"].sum() == pytest.approx(520.4)


def test_to_pandas_without_pandas_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without pandas installed, to_pandas raises a DosingError saying which extra to install."""
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(dosing.DosingError) as caught:
        _schedule().to_pandas()
    assert str(caught.value) == (
        "pandas must be installed for Schedule.to_pandas(), got no module named 'pandas' - "
        "install the extra: pip install 'dosing[pandas]'"
    )


# -- reprs --------------------------------------------------------------------------------------


def test_reprs_are_short_and_say_what_the_value_is() -> None:
    """Schedule, Protocol, Patient, Dose and Administration reprs are one short line each."""
    schedule = _schedule("D-KRd", cycles=8)
    assert repr(schedule) == (
        "<Schedule D-KRd for MRN 1: 8 cycles from 2026-01-05, 266 administrations>"
    )
    assert repr(schedule.protocol) == (
        "<Protocol D-KRd: daratumumab, carfilzomib, lenalidomide, dexamethasone; "
        "28-day cycles, 8 by default (builtin:D-KRd)>"
    )
    assert repr(schedule.patient) == "<Patient MRN 1: 175 cm, 80 kg>"
    carfilzomib = schedule.by_drug()["carfilzomib"][2]
    assert repr(carfilzomib.dose) == "<Dose 110.4 mg = 56 mg/m² × 1.972 m² (Mosteller)>"
    assert repr(carfilzomib) == "<Administration 2026-01-12 C1 D8 carfilzomib 110.4 mg IV>"
    for value in (schedule, schedule.protocol, schedule.patient, carfilzomib.dose, carfilzomib):
        assert len(repr(value)) <= 160
        assert "\n" not in repr(value)


def test_a_course_shows_its_cycles_and_changes_in_the_repr() -> None:
    """A course that starts later and has changes says so; a step-up dose shows its flag."""
    from dosing.course import parse_amendment

    schedule = _schedule(
        cycles=3,
        amendments=[
            parse_amendment("start-cycle", "2"),
            parse_amendment("hold", "lenalidomide@C3D1"),
        ],
    )
    assert repr(schedule) == (
        "<Schedule KRd for MRN 1: cycles 2 to 3 from 2026-01-05, 61 administrations, "
        "2 course changes, 1 held>"
    )
    priming = _schedule().administrations[0]
    assert repr(priming) == "<Administration 2026-01-05 C1 D1 carfilzomib 39.4 mg IV [step-up]>"


def test_reprs_stay_short_and_on_one_line_for_hostile_text() -> None:
    """A 200-character identifier with a line break is cut and made one line in every repr."""
    identifier = "MRN\n" + "9" * 196
    patient = dosing.Patient(
        height="175 cm",
        weight="80 kg",
        identifier=identifier,
        sex="female",
        age=70,
        serum_creatinine="1.1 mg/dL",
        dialysis=False,
    )
    schedule = dosing.build_schedule(
        dosing.get_protocol("KRd"), patient, "2026-01-05", cycles=1, today=TODAY
    )
    # the identifier cut to 24 characters: "MRN " (the line break made a space), 19 nines, "…"
    assert repr(patient) == (
        "<Patient MRN 9999999999999999999…: 175 cm, 80 kg, female, age 70, "
        "creatinine 1.1 mg/dL, not on dialysis>"
    )
    for value in (patient, schedule):
        assert len(repr(value)) <= 160
        assert "\n" not in repr(value)
    assert len(repr(schedule)) < 3400 / 20  # it was 3.4 KB


# -- the rounding grammar ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "policy"),
    [
        ("vials:10,30,60@5%", VialBanding((10, 30, 60), tolerance=0.05)),
        ("nearest:10", NearestIncrement(10, tolerance=0.10)),
        ("strengths:25,50@10%,max=12", OralStrengths((25, 50), tolerance=0.10, max_units=12)),
    ],
)
def test_rounding_policy_parse_reads_the_command_line_grammar(
    spec: str, policy: RoundingPolicy
) -> None:
    """RoundingPolicy.parse reads what --round takes, as parse_rounding does."""
    assert RoundingPolicy.parse(spec) == policy
    assert dosing.RoundingPolicy.parse(spec) == dosing.parse_rounding(spec)
    assert type(policy).parse(spec) == policy


def test_a_policy_class_parses_only_its_own_form() -> None:
    """VialBanding.parse refuses a nearest-increment text, naming the form it reads."""
    with pytest.raises(RoundingError, match=r"rounding must be vials:MG,MG\[@PCT%\], got"):
        VialBanding.parse("nearest:10")
    with pytest.raises(RoundingError, match=r"^dose rounding must be"):
        RoundingPolicy.parse("bands:10", field="dose rounding")


@pytest.mark.fuzz
@settings(max_examples=FUZZ_EXAMPLES, deadline=None)
@given(
    spec=st.one_of(
        st.text(max_size=40),
        st.from_regex(
            r"(nearest|vials|strengths|bands):[0-9.,e\-]{0,12}(@[0-9.]{0,5}%?)?(,max=-?[0-9]{0,4})?",
            fullmatch=True,
        ),
        st.integers(),
        st.none(),
    ),
    kind=st.sampled_from([RoundingPolicy, NearestIncrement, OralStrengths, VialBanding]),
)
def test_any_rounding_text_gives_a_policy_or_a_rounding_error(
    spec: object, kind: type[RoundingPolicy]
) -> None:
    """RoundingPolicy.parse returns a policy of the class asked for, or raises RoundingError."""
    try:
        policy = kind.parse(spec)  # type: ignore[arg-type]
    except RoundingError:
        return
    assert isinstance(policy, kind)
    assert 0 < policy.tolerance <= 0.25


def test_a_policy_of_ones_own_derives_from_rounding_policy() -> None:
    """A subclass defining tolerance, propose and describe rounds doses like the built-in ones."""

    class Tens(RoundingPolicy):
        tolerance = 0.10

        def propose(self, mg: float) -> tuple[float, str] | None:
            return round(mg, -1), "nearest 10 mg"

        def describe(self) -> str:
            return "nearest 10 mg within 10 %"

    dose = dosing.compute_dose(
        dosing.DoseRule.parse("56 mg/m²"), dosing.Patient(height=175, weight=80), rounding=Tens()
    )
    assert dose.final_mg == 110.0
    with pytest.raises(TypeError, match="abstract"):
        RoundingPolicy()  # type: ignore[abstract]


def test_json_document_model_is_public() -> None:
    """dosing.ScheduleDocument reads the JSON the exporter writes."""
    from dosing.export.table import to_json

    text = to_json(_schedule(), generated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    document = dosing.ScheduleDocument.model_validate_json(text)
    assert document.patient.identifier == "MRN 1"
    assert json.loads(document.model_dump_json())["format"] == "dosing-schedule/1"
