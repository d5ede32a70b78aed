"""The JSON schedule document: versioned, measurements with units, a schema, a model that round-trips.

Expected measurements are worked by hand: 5 ft 9 in = 69 × 2.54 = 175.26 cm; 176 lb =
176 × 0.45359237 = 79.83226 kg; 97 µmol/L × 113.12 g/mol = 1.09726 mg/dL; Mosteller
sqrt(175 × 80 / 3600) = 1.97203 m².
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dosing
from dosing._cli import main
from dosing.course import parse_amendment
from dosing.dose import NearestIncrement, OralStrengths, VialBanding
from dosing.export.document import ScheduleDocument, document_json_schema
from dosing.export.table import to_json, to_json_data
from dosing.strategies import patients, protocols
from dosing.trace import Event
from tests.conftest import FUZZ_EXAMPLES

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 1, 1)
MOMENT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
PUBLISHED = json.loads((ROOT / "docs" / "schedule.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(PUBLISHED)

# A drug with a maximum single dose: 300 mg/m² × 1.972 m² = 591.6 mg, capped at 500 mg.
CAPPED = """
format = 1
id = "Max-test"
name = "A protocol with a maximum dose"
setting = "test"
cycle_length_days = 21

[cycles]
default = 1

[[sources]]
tag = "INST"
citation = "Written for this test"

[[drugs]]
name = "cyclophosphamide"
route = "IV"
dose = "300 mg/m2"
max_dose = "500 mg"
sources = ["INST"]
schedule = [{ cycles = "1+", days = [1] }]
"""


def _schedule(protocol: str | dosing.Protocol, **kwargs: Any) -> dosing.Schedule:
    patient = dict(kwargs.pop("patient", {"height": "175 cm", "weight": "80 kg"}))
    return dosing.build_schedule(
        protocol if isinstance(protocol, dosing.Protocol) else dosing.get_protocol(protocol),
        dosing.Patient(**patient),
        "2026-01-05",
        cycles=kwargs.pop("cycles", 1),
        today=TODAY,
        **kwargs,
    )


def _amended() -> dosing.Schedule:
    recorded = {"recorded": dt.date(2026, 2, 1), "reason": "toxicity"}
    amendments = [
        parse_amendment("delay", "C2:7", **recorded),
        parse_amendment("hold", "lenalidomide@C2D15", **recorded),
        parse_amendment("reduce", "carfilzomib=-1@C2", **recorded),
        parse_amendment("reweigh", "95kg@C2", **recorded),
    ]
    return _schedule("KRd", cycles=2, amendments=amendments, course_id="course-0001")


def _special_schedules() -> dict[str, dosing.Schedule]:
    """Schedules that between them carry every kind of trace event and every optional part."""
    old_renal = {
        "height": "5 ft 9 in",
        "weight": "176 lb",
        "age": 80,
        "sex": "male",
        "serum_creatinine": "2.5 mg/dL",
        "identifier": "MRN 0001",
    }
    return {
        "amended": _amended(),
        "start-cycle": _schedule("KRd", cycles=3, amendments=[parse_amendment("start-cycle", "2")]),
        "renal and older": _schedule("KRd", patient=old_renal),
        "dialysis": _schedule(
            "KRd",
            patient={**old_renal, "dialysis": True, "serum_creatinine": "97 umol/L"},
            renal_table="eu",
            clearance_weight="ideal",
        ),
        "capped BSA": _schedule("D-KRd", patient={"height": "190 cm", "weight": "110 kg"}),
        "maximum dose": _schedule(dosing.loads_protocol(CAPPED)),
        "not dispensable": _schedule("KCyD"),
        "clinic closed": _schedule("KRd", closed=["2026-01-06"]),
        "rounded": _schedule(
            "KRd",
            rounding={
                "carfilzomib": VialBanding((10, 30, 60), tolerance=0.05),
                "dexamethasone": NearestIncrement(30, tolerance=0.05),
                "lenalidomide": OralStrengths((0.01,)),
            },
        ),
        **{p.id: _schedule(p, cycles=min(2, p.max_cycles())) for p in dosing.builtin_protocols()},
    }


SPECIAL = _special_schedules()


def test_the_document_names_its_format_first() -> None:
    """The JSON document starts with its format and version, dosing-schedule/1."""
    text = to_json(SPECIAL["KRd"], generated_at=MOMENT)
    assert text.startswith('{\n  "format": "dosing-schedule/1",\n')


def test_patient_measurements_are_numbers_with_units() -> None:
    """Height, weight and creatinine are converted numbers with units; 'entered' keeps the text."""
    data = to_json_data(SPECIAL["dialysis"], generated_at=MOMENT)
    patient = data["patient"]
    assert patient["height"] == {"value": 175.26, "unit": "cm"}
    assert patient["weight"] == {"value": 79.8323, "unit": "kg"}
    assert patient["serum_creatinine"] == {"value": 1.0973, "unit": "mg/dL"}
    assert patient["entered"] == {
        "height": "5 ft 9 in",
        "weight": "176 lb",
        "serum_creatinine": "97 umol/L",
    }
    assert (patient["identifier"], patient["age"], patient["sex"]) == ("MRN 0001", 80, "male")
    assert patient["date_of_birth"] is None  # every field is there, null when not given


def test_bsa_and_clearance_are_numbers_with_units() -> None:
    """BSA is m2 with its formula; the creatinine clearance is mL/min, null when not given."""
    krd = to_json_data(SPECIAL["KRd"], generated_at=MOMENT)
    assert krd["bsa"] == {
        "value": 1.972,
        "unit": "m2",
        "formula": "mosteller",
        "formula_is_default": True,
    }
    assert krd["renal"]["given"] is False
    assert krd["renal"]["clearance"] is None
    # Cockcroft-Gault: (140 - 80) × 79.83226 / (72 × 2.5) = 26.61 mL/min
    renal = to_json_data(SPECIAL["renal and older"], generated_at=MOMENT)["renal"]
    assert renal["clearance"] == {"value": 26.61, "unit": "mL/min"}
    assert (renal["method"], renal["weight_policy"], renal["table"]) == (
        "Cockcroft-Gault",
        "actual",
        "us",
    )


def test_each_dose_has_its_rate_measure_and_calculated_value_with_units() -> None:
    """Per kg, per m² and flat doses carry rate, measure and calculated value; dose/unit stay flat."""
    first_day = [
        a for a in to_json_data(SPECIAL["D-KRd"])["administrations"] if a["date"] == "2026-01-05"
    ]
    by_drug = {a["drug"]: a for a in first_day}
    # daratumumab 16 mg/kg × 80 kg = 1280 mg
    assert {k: by_drug["daratumumab"][k] for k in ("dose", "unit", "calculated", "rate")} == {
        "dose": 1280.0,
        "unit": "mg",
        "calculated": {"value": 1280.0, "unit": "mg"},
        "rate": {"value": 16.0, "unit": "mg/kg"},
    }
    assert by_drug["daratumumab"]["measure"] == {"value": 80.0, "unit": "kg"}
    # carfilzomib priming 20 mg/m² × 1.97203 m² = 39.4405 mg
    assert by_drug["carfilzomib"]["rate"] == {"value": 20.0, "unit": "mg/m2"}
    assert by_drug["carfilzomib"]["measure"] == {"value": 1.972, "unit": "m2"}
    assert by_drug["carfilzomib"]["calculated"] == {"value": 39.440532, "unit": "mg"}
    assert by_drug["carfilzomib"]["dose"] == 39.4
    # lenalidomide 25 mg flat: no measurement
    assert by_drug["lenalidomide"]["rate"] == {"value": 25.0, "unit": "mg"}
    assert by_drug["lenalidomide"]["measure"] is None


@pytest.mark.parametrize("name", sorted(SPECIAL))
def test_json_to_model_to_json_is_the_same_document(name: str) -> None:
    """Reading the exported JSON into ScheduleDocument and writing it again gives the same JSON."""
    text = to_json(SPECIAL[name], generated_at=MOMENT)
    document = ScheduleDocument.model_validate_json(text)
    assert json.loads(document.model_dump_json()) == json.loads(text)
    assert document.model_dump(mode="json") == to_json_data(SPECIAL[name], generated_at=MOMENT)


@pytest.mark.parametrize("name", sorted(SPECIAL))
def test_model_to_json_to_model_is_the_same_model(name: str) -> None:
    """A document built from a schedule, written and read back, is equal to itself."""
    document = ScheduleDocument.from_schedule(SPECIAL[name], generated_at=MOMENT)
    assert ScheduleDocument.model_validate_json(document.model_dump_json()) == document
    assert document == ScheduleDocument.model_validate_json(
        to_json(SPECIAL[name], generated_at=MOMENT)
    )


@pytest.mark.parametrize("name", sorted(SPECIAL))
def test_every_document_validates_against_the_published_schema(name: str) -> None:
    """docs/schedule.schema.json accepts every document the JSON exporter writes."""
    VALIDATOR.validate(json.loads(to_json(SPECIAL[name], generated_at=MOMENT)))


def test_the_special_schedules_carry_every_kind_of_event() -> None:
    """Between them the documents above hold every trace event kind, so the model covers each."""
    kinds = set()
    for schedule in SPECIAL.values():
        data = to_json_data(schedule, generated_at=MOMENT)
        kinds |= {e["kind"] for a in data["administrations"] for e in a["events"]}
        kinds |= {h["kind"] for h in data["course"]["held"]}
        kinds |= {p["kind"] for p in data["premedication"]}
    everything = {cls.kind for cls in _event_classes(Event)}
    assert kinds == everything
    assert {"held", "rounding_impossible", "maximum_dose"} <= kinds


def _event_classes(base: type[Event]) -> list[type[Event]]:
    out = []
    for cls in base.__subclasses__():
        out += [cls, *_event_classes(cls)]
    return out


def test_amendments_are_numbered_and_read_back() -> None:
    """The course's amendments keep their number and fields through the model."""
    document = ScheduleDocument.from_schedule(SPECIAL["amended"], generated_at=MOMENT)
    amendments = document.model_dump(mode="json")["course"]["amendments"]
    assert [(a["number"], a["kind"], a["at"]) for a in amendments] == [
        (1, "delay", "C2"),
        (2, "hold", "C2D15"),
        (3, "reduce", "C2"),
        (4, "reweigh", "C2"),
    ]
    assert amendments[3]["weight"] == "95kg"
    assert document.course.id == "course-0001"


def test_the_published_schema_is_the_models() -> None:
    """docs/schedule.schema.json is exactly what document_json_schema() gives."""
    assert json.loads(json.dumps(document_json_schema())) == PUBLISHED
    jsonschema.Draft202012Validator.check_schema(PUBLISHED)
    assert PUBLISHED["properties"]["format"]["const"] == "dosing-schedule/1"


def test_schema_command_prints_the_document_schema(capsys: pytest.CaptureFixture[str]) -> None:
    """`dosing schema --document` prints the published document schema."""
    assert main(["schema", "--document"]) == 0
    assert json.loads(capsys.readouterr().out) == PUBLISHED


def test_schema_command_takes_one_format_at_a_time(capsys: pytest.CaptureFixture[str]) -> None:
    """--course and --document together are refused in one line (exit 2)."""
    assert main(["schema", "--course", "--document"]) == 2
    assert "not allowed with argument" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("patient", "height", "unit"), "in", "patient.height.unit must be 'cm', got 'in'"),
        (
            ("format",),
            "dosing-schedule/2",
            "format must be 'dosing-schedule/1', got 'dosing-schedule/2' - "
            "this library reads version 1",
        ),
        (("bsa", "value"), "1.97", "bsa.value must be a valid number, got '1.97'"),
        (
            ("administrations", 0, "colour"),
            "red",
            "administrations.0.colour must be absent (no such key in dosing-schedule/1), got 'red'",
        ),
        (
            ("administrations", 1, "events", 0, "kind"),
            "unknown",
            "administrations.1.events.0.kind must be one of 'bsa_capped', 'clinic_closed', "
            "'delayed', "
            "'dose_level', 'held', 'maximum_dose', 'not_dispensable', 'older_patient_dose', "
            "'premedication_needed', 'renal_starting_dose', 'reweighed', 'rounded', "
            "'rounding_impossible', 'rounding_refused', 'step_up', got 'unknown'",
        ),
    ],
)
def test_a_changed_document_is_refused_by_schema_and_model(
    path: tuple[str | int, ...], value: object, message: str
) -> None:
    """A wrong unit, another version, a string for a number, an unknown key or event: both refuse."""
    data = to_json_data(SPECIAL["D-KRd"], generated_at=MOMENT)
    node: Any = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(data)
    with pytest.raises(dosing.DocumentError) as caught:
        ScheduleDocument.model_validate_json(json.dumps(data))
    assert str(caught.value) == message
    assert path[: len(caught.value.details[0]["loc"])] == caught.value.details[0]["loc"]
    with pytest.raises(dosing.DocumentError, match=re.escape(message)):
        ScheduleDocument.model_validate(json.loads(json.dumps(data)))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "document must be valid JSON, got EOF while parsing an object at line 1 column 1"),
        ("[]", "document must be an object, got []"),
        (
            '{"format": "dosing-schedule/1"}',
            "notice must be present, got nothing - 15 more problems are in the error's details",
        ),
    ],
)
def test_text_that_is_no_document_is_one_dosing_error(text: str, message: str) -> None:
    """Malformed JSON, another shape or missing keys give one DocumentError naming the first."""
    with pytest.raises(dosing.DocumentError) as caught:
        ScheduleDocument.model_validate_json(text)
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError)


def test_data_that_is_not_json_is_refused() -> None:
    """model_validate reads JSON data; a Python object JSON cannot hold is one DocumentError."""
    with pytest.raises(dosing.DocumentError, match=r"^document must be JSON data"):
        ScheduleDocument.model_validate({"generated": MOMENT})


def _json_values() -> st.SearchStrategy[Any]:
    return st.recursive(
        st.none()
        | st.booleans()
        | st.integers(-(10**6), 10**6)
        | st.floats(allow_nan=False)
        | st.text(max_size=20),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.text(max_size=8), children, max_size=3)
        ),
        max_leaves=8,
    )


@pytest.mark.fuzz
@settings(max_examples=FUZZ_EXAMPLES, deadline=None)
@given(data=st.data(), value=_json_values())
def test_any_edited_document_is_read_or_refused_with_a_dosing_error(
    data: st.DataObject, value: object
) -> None:
    """Any value at any place of a document gives a document or a DocumentError, nothing else."""
    document = to_json_data(SPECIAL["amended"], generated_at=MOMENT)
    node: Any = document
    while isinstance(node, dict | list) and node and data.draw(st.booleans()):
        key = data.draw(
            st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node)))
        )
        if not isinstance(node[key], dict | list):
            break
        node = node[key]
    if isinstance(node, dict):
        node[data.draw(st.sampled_from([*sorted(node), "extra"]))] = value
    elif node:
        node[data.draw(st.integers(0, len(node) - 1))] = value
    try:
        read = ScheduleDocument.model_validate_json(json.dumps(document))
    except dosing.DocumentError:
        return
    assert json.loads(read.model_dump_json()) == document


@settings(max_examples=25, deadline=None)
@given(
    patient=patients(),
    protocol=protocols(),
    cycles=st.integers(1, 3),
    start=st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)),
)
def test_any_schedule_round_trips_and_validates(
    patient: dosing.Patient, protocol: dosing.Protocol, cycles: int, start: dt.date
) -> None:
    """For any patient, protocol and start, the document validates and round-trips."""
    count = min(cycles, protocol.max_cycles())
    schedule = dosing.build_schedule(protocol, patient, start, cycles=count, today=TODAY)
    text = to_json(schedule, generated_at=MOMENT)
    VALIDATOR.validate(json.loads(text))
    document = ScheduleDocument.model_validate_json(text)
    assert json.loads(document.model_dump_json()) == json.loads(text)
