"""FHIR R4 export: protocols as PlanDefinitions, patient calendars as transaction Bundles.

Every resource is validated with the R4B models of ``fhir.resources`` (the closest to R4 it
ships; the test extra installs it, the command line never imports it); references must
resolve and codes must be the cited ones.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.plandefinition import PlanDefinition
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import dosing
from dosing._cli import main
from dosing.export.fhir import (
    BASE,
    EXTENSIONS,
    bundle,
    plan_definition,
    plan_url,
    resource_uuid,
    to_fhir,
    to_fhir_plan,
)
from dosing.export.table import to_json_data
from dosing.protocol import loads_protocol, parse_protocol
from dosing.trace import Event
from tests.test_validate import VALID

TODAY = dt.date(2026, 1, 1)
AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
BUILT_IN = ("D-KRd", "KRd", "KdD", "Kd-weekly", "KCyD")
DAYS_OF_CYCLE = "http://hl7.org/fhir/StructureDefinition/timing-daysOfCycle"
NORMALIZATION = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-normalization-basis"
UCUM = "http://unitsofmeasure.org"
RXNORM = {
    "carfilzomib": "1302966",
    "daratumumab": "1721947",
    "lenalidomide": "342369",
    "dexamethasone": "3264",
    "cyclophosphamide": "3002",
}
ATC = {
    "carfilzomib": "L01XG02",
    "daratumumab": "L01FC01",
    "lenalidomide": "L04AX04",
    "dexamethasone": "H02AB02",
    "cyclophosphamide": "L01AA01",
}
SNOMED_ROUTE = {"IV": "47625008", "PO": "26643006", "SC": "34206005", "IM": "78421000"}
EDQM_ROUTE = {"IV": "20045000", "PO": "20053000", "SC": "20066000", "IM": "20035000"}
NOTICE = dosing.VERIFICATION_NOTICE
PATIENT = ["--height", "175cm", "--weight", "80kg", "--start", "2026-01-05"]

# A protocol counted back from an infusion on day 0: lymphodepletion on days -5 to -3.
DAY_ZERO = """
format = 2
id = "LD-0"
name = "Lymphodepletion before an infusion"
setting = "test"
cycle_length_days = 28
anchor_day = 0
cycles = { default = 1, maximum = 1 }
[[sources]]
tag = "INST"
citation = "a test protocol"
[[drugs]]
name = "fludarabine"
route = "IV"
dose = "30 mg/m2"
sources = ["INST"]
schedule = [{ cycles = "1", days = [-5, -4, -3] }]
[[drugs]]
name = "dexamethasone"
route = "PO"
dose = "10 mg"
sources = ["INST"]
schedule = [{ cycles = "1", days = [0, 1] }]
"""


def _schedule(protocol: str = "KRd", *, cycles: int = 1, **patient: Any) -> dosing.Schedule:
    given = {"height": "175 cm", "weight": "80 kg", "identifier": "MRN 0001", **patient}
    return dosing.build_schedule(
        dosing.get_protocol(protocol),
        dosing.Patient(**given),
        "2026-01-05",
        cycles=cycles,
        today=TODAY,
    )


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _resources(b: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == kind]


def _actions(pd: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for action in pd["action"]:
        yield action
        yield from action.get("action", [])


def _days(action: dict[str, Any]) -> list[int]:
    found = [e for e in action.get("extension", []) if e["url"] == DAYS_OF_CYCLE]
    return [d["valueInteger"] for e in found for d in e["extension"]]


# -- PlanDefinition -------------------------------------------------------------------------


@pytest.mark.parametrize("protocol_id", BUILT_IN)
def test_each_built_in_plan_definition_validates(protocol_id: str) -> None:
    """The PlanDefinition of every built-in protocol, contained resources and all, is valid R4B."""
    text = to_fhir_plan(dosing.get_protocol(protocol_id), generated_at=AT)
    PlanDefinition.model_validate_json(text)


@pytest.mark.parametrize("protocol_id", BUILT_IN)
def test_every_contained_definition_is_used_and_every_canonical_resolves(protocol_id: str) -> None:
    """Each '#id' names a contained ActivityDefinition, and each one is named somewhere (dom-3)."""
    pd = plan_definition(dosing.get_protocol(protocol_id))
    contained = {c["id"] for c in pd["contained"]}
    named = {
        value[1:]
        for node in _walk(pd)
        for key, value in node.items()
        if key in {"definitionCanonical", "valueCanonical"}
    }
    assert named == contained
    assert all(c["resourceType"] == "ActivityDefinition" for c in pd["contained"])
    assert all(c["kind"] == "MedicationRequest" for c in pd["contained"])


def test_plan_definition_is_a_clinical_protocol_with_a_machine_name() -> None:
    """Type clinical-protocol; the name fits [A-Z][A-Za-z0-9_]*; sources become citations."""
    pd = plan_definition(dosing.get_protocol("Kd-weekly"))
    assert pd["type"]["coding"] == [
        {
            "system": "http://terminology.hl7.org/CodeSystem/plan-definition-type",
            "code": "clinical-protocol",
            "display": "Clinical Protocol",
        }
    ]
    assert pd["name"] == "KdWeekly"
    assert pd["url"] == "http://dosing.example.org/fhir/PlanDefinition/Kd-weekly"
    assert [a["label"] for a in pd["relatedArtifact"]] == ["SEED", "US"]
    assert {a["type"] for a in pd["relatedArtifact"]} == {"citation"}


def test_krd_cycles_and_days_are_actions_with_days_of_cycle() -> None:
    """KRd: cycle 1 (priming), then cycles 2+ as the default course; each drug's days listed."""
    pd = plan_definition(dosing.get_protocol("KRd"))
    assert [a["title"] for a in pd["action"]] == ["Cycle 1", "Cycles 2+"]
    assert [a["timingTiming"]["repeat"]["count"] for a in pd["action"]] == [1, 7]
    first = pd["action"][0]["timingTiming"]["repeat"]
    assert (first["duration"], first["durationUnit"], first["period"], first["periodUnit"]) == (
        28,
        "d",
        28,
        "d",
    )
    cycle_1 = {a["definitionCanonical"]: _days(a) for a in pd["action"][0]["action"]}
    assert cycle_1 == {
        "#carfilzomib-20-mg-m2": [1, 2],
        "#carfilzomib-56-mg-m2": [8, 9, 15, 16],
        "#lenalidomide-25-mg": list(range(1, 22)),
        "#dexamethasone-40-mg": [1, 8, 15, 22],
    }
    later = {a["definitionCanonical"]: _days(a) for a in pd["action"][1]["action"]}
    assert later["#carfilzomib-56-mg-m2"] == [1, 2, 8, 9, 15, 16]


def test_kdd_step_ups_have_their_own_definitions_and_notes() -> None:
    """The split first daratumumab dose and the carfilzomib priming dose are their own actions."""
    pd = plan_definition(dosing.get_protocol("KdD"))
    cycle_1 = pd["action"][0]["action"]
    split = next(a for a in cycle_1 if a["definitionCanonical"] == "#daratumumab-8-mg-kg")
    assert _days(split) == [1, 2]
    assert "split first dose" in split["textEquivalent"]
    full = next(a for a in cycle_1 if a["definitionCanonical"] == "#daratumumab-16-mg-kg")
    assert _days(full) == [8, 15, 22]
    assert [a["title"] for a in pd["action"]] == ["Cycle 1", "Cycle 2", "Cycles 3-6", "Cycles 7+"]
    assert "until progression" in pd["action"][-1]["textEquivalent"]


def test_activity_definitions_carry_product_route_and_ucum_dose() -> None:
    """Each definition has the drug's RxNorm and ATC codes, the route's codes and a UCUM dose."""
    pd = plan_definition(dosing.get_protocol("D-KRd"))
    units = set()
    for ad in pd["contained"]:
        drug = ad["id"].split("-")[0]
        codings = {c["system"]: c["code"] for c in ad["productCodeableConcept"]["coding"]}
        assert codings == {
            "http://www.nlm.nih.gov/research/umls/rxnorm": RXNORM[drug],
            "http://www.whocc.no/atc": ATC[drug],
        }
        dosage = ad["dosage"][0]
        route = dosage["route"]["text"]
        assert [c["code"] for c in dosage["route"]["coding"]] == [
            SNOMED_ROUTE[route],
            EDQM_ROUTE[route],
        ]
        quantity = dosage["doseAndRate"][0]["doseQuantity"]
        assert quantity["system"] == UCUM
        units.add(quantity["code"])
    assert units == {"mg/m2", "mg/kg", "mg"}


def test_the_bsa_cap_is_an_extension_with_a_dose_expression() -> None:
    """A capped mg/m² definition states the cap (our extension) and a FHIRPath dose expression."""
    pd = plan_definition(dosing.get_protocol("KRd"))
    ad = next(c for c in pd["contained"] if c["id"] == "carfilzomib-56-mg-m2")
    cap = next(e for e in ad["extension"] if e["url"].endswith("/bsa-cap"))
    assert cap == {
        "url": "http://dosing.example.org/fhir/StructureDefinition/bsa-cap",
        "valueQuantity": {"value": 2.2, "unit": "m2", "system": UCUM, "code": "m2"},
    }
    assert ad["dynamicValue"] == [
        {
            "path": "dosageInstruction.doseAndRate.doseQuantity.value",
            "expression": {
                "description": "dose in mg: 56 mg/m² × the patient's BSA in m² (%bsa), "
                "capped at 2.2 m²",
                "language": "text/fhirpath",
                "expression": "56 * iif(%bsa > 2.2, 2.2, %bsa)",
            },
        }
    ]
    basis = next(e for e in ad["extension"] if e["url"] == NORMALIZATION)
    assert basis["valueCodeableConcept"]["coding"][0]["code"] == "301898006"


def test_dose_levels_name_a_definition_for_each_level_in_order() -> None:
    """Carfilzomib's label levels are definitions, highest first; daratumumab states none."""
    pd = plan_definition(dosing.get_protocol("KdD"))
    levels = {
        parts[0]["valueString"]: [p["valueCanonical"] for p in parts if p["url"] == "level"]
        for e in pd["extension"]
        if e["url"].endswith("/dose-levels")
        for parts in [e["extension"]]
    }
    assert levels == {
        "daratumumab": [],
        "carfilzomib": [
            "#carfilzomib-56-mg-m2",
            "#carfilzomib-45-mg-m2",
            "#carfilzomib-36-mg-m2",
            "#carfilzomib-27-mg-m2",
        ],
    }


def test_choices_change_the_plan_and_its_url() -> None:
    """Dexamethasone 20 mg a week gives another PlanDefinition: its own url, days 1, 8, 15, 22."""
    kdd = dosing.get_protocol("KdD")
    pd = plan_definition(kdd, {"dexamethasone": 20})
    assert pd["url"] == "http://dosing.example.org/fhir/PlanDefinition/KdD-dexamethasone-20"
    dex = [a for a in pd["action"][0]["action"] if a["definitionCanonical"].startswith("#dexa")]
    assert [(a["definitionCanonical"], _days(a)) for a in dex] == [
        ("#dexamethasone-20-mg", [1, 8, 15, 22])
    ]
    choice = next(e for e in pd["extension"] if e["url"].endswith("/choice"))
    parts = {p["url"]: p for p in choice["extension"]}
    assert parts["value"]["valueQuantity"]["value"] == 20
    assert parts["default"]["valueBoolean"] is False


def test_day_zero_and_negative_days_are_offsets_before_day_one() -> None:
    """Days 0 and -5 to -3 are actions before the start of day 1; daysOfCycle counts from 1."""
    pd = plan_definition(loads_protocol(DAY_ZERO))
    PlanDefinition.model_validate(pd)
    cycle = pd["action"][0]
    offsets = {
        a["title"]: a["relatedAction"][0]["offsetDuration"]["value"]
        for a in cycle["action"]
        if "relatedAction" in a
    }
    assert offsets == {
        "fludarabine 30 mg/m² IV, day -5": 6,
        "fludarabine 30 mg/m² IV, day -4": 5,
        "fludarabine 30 mg/m² IV, day -3": 4,
        "dexamethasone 10 mg PO, day 0": 1,
    }
    related = [a["relatedAction"][0] for a in cycle["action"] if "relatedAction" in a]
    assert {(r["actionId"], r["relationship"]) for r in related} == {(cycle["id"], "before-start")}
    assert {r["offsetDuration"]["code"] for r in related} == {"d"}
    assert all(d >= 1 for a in _actions(pd) for d in _days(a))
    assert [_days(a) for a in cycle["action"] if _days(a)] == [[1]]
    assert "the start date is cycle 1 day 0" in cycle["textEquivalent"]


def test_a_one_cycle_protocol_has_one_closed_range() -> None:
    """A protocol of at most one cycle is one action "Cycle 1" of count 1, not an open range."""
    pd = plan_definition(loads_protocol(DAY_ZERO))
    assert [(a["title"], a["timingTiming"]["repeat"]) for a in pd["action"]] == [
        (
            "Cycle 1",
            {
                "count": 1,
                "duration": 28,
                "durationUnit": "d",
                "frequency": 1,
                "period": 28,
                "periodUnit": "d",
            },
        )
    ]


def test_definition_names_are_machine_names_and_distinct() -> None:
    """Lenalidomide 2.5 mg and 25 mg get distinct ids and names, each [A-Z][A-Za-z0-9_]*."""
    pd = plan_definition(dosing.get_protocol("D-KRd"))
    names = {c["id"]: c["name"] for c in pd["contained"]}
    assert names["lenalidomide-2-5-mg"] == "Lenalidomide2_5Mg"
    assert names["lenalidomide-25-mg"] == "Lenalidomide25Mg"
    assert len(set(names.values())) == len(names)
    assert all(re.fullmatch(r"[A-Z][A-Za-z0-9_]*", n) for n in [*names.values(), pd["name"]])


@settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.from_regex(r"[a-z][a-z0-9\- ]{0,59}", fullmatch=True),
    route=st.sampled_from(["IV", "PO", "SC", "IM"]),
    dose=st.builds(
        "{} {}".format,
        st.decimals("0.001", "150", places=3).map(str),
        st.sampled_from(["mg", "mg/m2", "mg/kg"]),
    ),
    length=st.integers(1, 60),
    data=st.data(),
)
def test_any_protocol_validation_accepts_gives_a_valid_plan_definition(
    name: str, route: str, dose: str, length: int, data: st.DataObject
) -> None:
    """Any protocol that loads - odd names, early days, long cycles - gives a valid
    PlanDefinition whose ids fit, whose canonicals resolve and whose days count from 1."""
    raw = tomllib.loads(VALID)
    raw["format"] = 2
    early = data.draw(st.lists(st.integers(-10, 0), max_size=3, unique=True))
    later = data.draw(st.lists(st.integers(1, length), min_size=1, max_size=12, unique=True))
    start = data.draw(st.integers(2, 4))
    raw["cycle_length_days"] = length
    raw["drugs"][0].update(
        name=name.strip() or "x",
        route=route,
        dose=dose,
        schedule=[
            {"cycles": "1", "days": sorted(early + later)},
            {"cycles": f"{start}+", "days": later[:2]},
        ],
    )
    raw["drugs"][0].pop("bsa_cap")
    raw["drugs"][1]["schedule"] = [{"cycles": "1+", "days": [1]}]
    raw["step_up"] = []
    try:
        protocol = parse_protocol(raw)
    except dosing.ProtocolError:
        return
    event("loaded")
    pd = plan_definition(protocol)
    PlanDefinition.model_validate(pd)
    assert all(re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", c["id"]) for c in pd["contained"])
    contained = {f"#{c['id']}" for c in pd["contained"]}
    assert {a["definitionCanonical"] for a in _actions(pd) if "definitionCanonical" in a} <= (
        contained
    )
    assert all(d >= 1 for a in _actions(pd) for d in _days(a))
    before = [a for a in _actions(pd) if "relatedAction" in a]
    assert len(before) == len(early)


def test_the_notice_and_the_notes_are_in_usage() -> None:
    """The PlanDefinition's usage has the protocol's notes and the verification notice."""
    krd = dosing.get_protocol("KRd")
    usage = plan_definition(krd)["usage"]
    assert usage.endswith(f"NOTICE: {NOTICE}")
    assert all(note in usage for note in krd.notes)


# -- the patient's Bundle -------------------------------------------------------------------


@pytest.mark.parametrize("protocol_id", BUILT_IN)
def test_each_calendar_bundle_validates_and_its_references_resolve(protocol_id: str) -> None:
    """A two-cycle Bundle is valid R4B, every reference is an entry's fullUrl, fullUrls are unique."""
    text = to_fhir(_schedule(protocol_id, cycles=2), generated_at=AT)
    Bundle.model_validate_json(text)
    b = json.loads(text)
    urls = [e["fullUrl"] for e in b["entry"]]
    assert len(urls) == len(set(urls))
    assert all(re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", u) for u in urls)
    references = [n["reference"] for n in _walk(b) if isinstance(n.get("reference"), str)]
    assert references
    assert set(references) <= set(urls)
    assert all(
        e["request"] == {"method": "POST", "url": e["resource"]["resourceType"]} for e in b["entry"]
    )


def test_one_medication_request_per_administration_with_the_json_dose_and_date() -> None:
    """Each administration is one MedicationRequest whose dose, unit and date are the JSON export's."""
    schedule = _schedule("KdD", cycles=2)
    rows = to_json_data(schedule, generated_at=AT)["administrations"]
    requests = _resources(bundle(schedule, generated_at=AT), "MedicationRequest")
    assert len(requests) == len(rows) == 35
    for row, request in zip(rows, requests, strict=True):
        dosage = request["dosageInstruction"][0]
        calculated = dosage["doseAndRate"][0]
        assert calculated["type"]["coding"][0]["code"] == "calculated"
        assert calculated["doseQuantity"] == {
            "value": row["dose"],
            "unit": "mg",
            "system": UCUM,
            "code": "mg",
        }
        assert dosage["timing"]["event"] == [row["date"]]
        assert request["medicationCodeableConcept"]["coding"][0]["code"] == RXNORM[row["drug"]]
        assert [c["code"] for c in dosage["route"]["coding"]] == [
            SNOMED_ROUTE[row["route"]],
            EDQM_ROUTE[row["route"]],
        ]
        assert (request["status"], request["intent"]) == ("draft", "plan")


def test_first_carfilzomib_request_is_the_hand_worked_dose() -> None:
    """175 cm, 80 kg: BSA 1.972 m² (Mosteller), so 20 mg/m² is 39.4 mg on 2026-01-05."""
    request = _resources(bundle(_schedule(), generated_at=AT), "MedicationRequest")[0]
    dosage = request["dosageInstruction"][0]
    assert dosage["timing"]["event"] == ["2026-01-05"]
    assert [d["doseQuantity"]["value"] for d in dosage["doseAndRate"]] == [39.4, 20]
    assert [d["doseQuantity"]["code"] for d in dosage["doseAndRate"]] == ["mg", "mg/m2"]
    assert (
        dosage["text"]
        == "C1 D1 (2026-01-05): carfilzomib 39.4 mg IV = 20 mg/m² × 1.972 m² (Mosteller)"
    )


@pytest.mark.parametrize(
    ("drug", "code"),
    [("carfilzomib", "301898006"), ("daratumumab", "363804004"), ("dexamethasone", "1157245009")],
)
def test_each_request_states_its_normalization_basis(drug: str, code: str) -> None:
    """mCODE normalization basis: BSA for mg/m², body weight for mg/kg, fixed dose for mg."""
    requests = _resources(bundle(_schedule("KdD"), generated_at=AT), "MedicationRequest")
    request = next(
        r for r in requests if r["medicationCodeableConcept"]["coding"][0]["code"] == RXNORM[drug]
    )
    basis = next(e for e in request["extension"] if e["url"] == NORMALIZATION)
    assert basis["valueCodeableConcept"]["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": code,
        "display": {
            "301898006": "Body surface area",
            "363804004": "Body weight characteristic",
            "1157245009": "Fixed dose",
        }[code],
    }


def test_observations_have_loinc_codes_and_the_bsa_its_method_and_sources() -> None:
    """Height 8302-2 in cm, weight 29463-7 in kg, BSA 8277-6 in m² by Mosteller from both."""
    b = bundle(_schedule(), generated_at=AT)
    observations = _resources(b, "Observation")
    by_code = {o["code"]["coding"][0]["code"]: o for o in observations}
    assert {
        k: (v["valueQuantity"]["value"], v["valueQuantity"]["code"]) for k, v in by_code.items()
    } == {
        "8302-2": (175, "cm"),
        "29463-7": (80, "kg"),
        "8277-6": (1.972, "m2"),
    }
    bsa = by_code["8277-6"]
    assert bsa["method"] == {"text": "Mosteller"}
    urls = {
        e["resource"]["code"]["coding"][0]["code"]: e["fullUrl"]
        for e in b["entry"]
        if e["resource"]["resourceType"] == "Observation"
    }
    assert bsa["derivedFrom"] == [{"reference": urls["8302-2"]}, {"reference": urls["29463-7"]}]


def test_patient_is_only_an_identifier() -> None:
    """The Patient resource holds the identifier and nothing invented."""
    patient = _resources(bundle(_schedule(sex="female", age=60), generated_at=AT), "Patient")
    assert patient == [{"resourceType": "Patient", "identifier": [{"value": "MRN 0001"}]}]


def test_care_plan_instantiates_the_plan_definition_and_holds_the_request_group() -> None:
    """The CarePlan names the PlanDefinition's url and its activity is the RequestGroup."""
    schedule = _schedule(cycles=2)
    b = bundle(schedule, generated_at=AT)
    (careplan,) = _resources(b, "CarePlan")
    (group,) = _resources(b, "RequestGroup")
    group_url = next(e["fullUrl"] for e in b["entry"] if e["resource"] is group)
    assert careplan["instantiatesCanonical"] == [plan_url(schedule.protocol)]
    assert careplan["activity"] == [{"reference": {"reference": group_url}}]
    assert careplan["period"] == {"start": "2026-01-05", "end": "2026-03-01"}
    assert [a["title"] for a in group["action"]] == ["Cycle 1", "Cycle 2"]
    assert group["action"][1]["timingPeriod"] == {"start": "2026-02-02", "end": "2026-03-01"}
    assert len(group["action"][0]["action"]) == 31


def test_the_notice_is_in_every_request_and_plan() -> None:
    """Every MedicationRequest, the RequestGroup and the CarePlan carry the verification notice."""
    b = bundle(_schedule(), generated_at=AT)
    for entry in b["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] in {"MedicationRequest", "RequestGroup", "CarePlan"}:
            assert any(NOTICE in n["text"] for n in resource["note"]), resource["resourceType"]


def test_the_trace_is_a_note_on_each_request() -> None:
    """A request's notes hold the dose's trace and each reason as kind and sentence."""
    request = _resources(bundle(_schedule(), generated_at=AT), "MedicationRequest")[0]
    notes = [n["text"] for n in request["note"]]
    assert notes[0].startswith("dose trace:\nrule: 20 mg/m² × 1.972 m² (Mosteller)\n")
    assert notes[1] == (
        "note (step_up): priming dose: 20 mg/m2 on cycle 1 days 1-2, target dose from day 8 if tolerated"
    )


def test_a_new_kind_of_event_appears_without_code_changes() -> None:
    """An event kind the exporter has never seen is written with its kind and its sentence."""

    @dataclasses.dataclass(frozen=True, slots=True)
    class Delayed(Event):
        kind: ClassVar[str] = "delayed_for_test"
        flag: ClassVar[str] = "delayed"
        warning: ClassVar[bool] = True
        days: int

        def __str__(self) -> str:
            return f"delayed by {self.days} days"

    schedule = _schedule()
    first = schedule.administrations[0]._replace(events=(Delayed(7),))
    changed = dataclasses.replace(schedule, administrations=(first, *schedule.administrations[1:]))
    request = _resources(bundle(changed, generated_at=AT), "MedicationRequest")[0]
    assert "warning (delayed_for_test): delayed by 7 days" in [n["text"] for n in request["note"]]


def test_a_renal_patient_has_clearance_observations_behind_the_renal_dose() -> None:
    """Age 82, female, creatinine 2.4 mg/dL: a CrCl observation (35591-7) backs the renal dose."""
    schedule = _schedule("KRd", age=82, sex="female", serum_creatinine="2.4mg/dL")
    b = bundle(schedule, generated_at=AT)
    Bundle.model_validate(b)
    codes = [o["code"]["coding"][0]["code"] for o in _resources(b, "Observation")]
    assert codes == ["8302-2", "29463-7", "8277-6", "2160-0", "35591-7"]
    clearance_url = b["entry"][5]["fullUrl"]
    lenalidomide = [
        r
        for r in _resources(b, "MedicationRequest")
        if r["medicationCodeableConcept"]["coding"][0]["code"] == RXNORM["lenalidomide"]
    ]
    assert lenalidomide
    for request in lenalidomide:
        assert {"reference": clearance_url} in request["supportingInformation"]
        assert any("(renal_starting_dose)" in n["text"] for n in request["note"])


def test_ids_are_stable_and_never_made_from_measurements() -> None:
    """The same course gives the same fullUrls whatever the weight; another patient others."""
    one = [e["fullUrl"] for e in bundle(_schedule(), generated_at=AT)["entry"]]
    heavier = [e["fullUrl"] for e in bundle(_schedule(weight="95 kg"), generated_at=AT)["entry"]]
    other = [
        e["fullUrl"] for e in bundle(_schedule(identifier="MRN 0002"), generated_at=AT)["entry"]
    ]
    assert one == heavier
    assert not set(one) & set(other)


def test_a_resource_uuid_is_made_of_its_identity() -> None:
    """resource_uuid changes with the cycle, day and drug, and the identifier repeats the uuid."""
    schedule = _schedule()
    names = {
        resource_uuid(schedule, "MedicationRequest", c, d, drug)
        for c in (1, 2)
        for d in (1, 8)
        for drug in ("carfilzomib", "dexamethasone")
    }
    assert len(names) == 8
    request = _resources(bundle(schedule, generated_at=AT), "MedicationRequest")[0]
    url = resource_uuid(schedule, "MedicationRequest", 1, 1, "carfilzomib")
    assert request["identifier"] == [
        {"system": f"{BASE}/identifier", "value": url.removeprefix("urn:uuid:")}
    ]


def test_an_anonymous_patient_gives_no_identifiers() -> None:
    """Without a patient identifier there is no identity to keep: no resource gets an identifier."""
    b = bundle(_schedule(identifier=None), generated_at=AT)
    Bundle.model_validate(b)
    assert "identifier" not in b
    assert all("identifier" not in e["resource"] for e in b["entry"])
    assert all("groupIdentifier" not in e["resource"] for e in b["entry"])


# -- the command line and the docs ----------------------------------------------------------


def test_fhir_plan_writes_the_plan_definition(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`dosing fhir-plan KdD --choose dexamethasone=20 -o FILE` writes that PlanDefinition."""
    out = tmp_path / "kdd.json"
    status = main(["fhir-plan", "KdD", "--choose", "dexamethasone=20", "-o", str(out)])
    assert status == 0
    assert capsys.readouterr().err == f"dosing: wrote {out} (FHIR PlanDefinition of KdD)\n"
    assert json.loads(out.read_text(encoding="utf-8"))["id"] == "KdD-dexamethasone-20"


def test_show_format_fhir_is_the_plan_definition(capsys: pytest.CaptureFixture[str]) -> None:
    """`dosing show KRd --format fhir` prints what `dosing fhir-plan KRd` prints."""
    assert main(["show", "KRd", "--format", "fhir"]) == 0
    shown = capsys.readouterr().out
    assert main(["fhir-plan", "KRd"]) == 0
    assert capsys.readouterr().out == shown
    assert json.loads(shown)["resourceType"] == "PlanDefinition"


def test_the_command_line_runs_without_fhir_resources(tmp_path: Path) -> None:
    """The FHIR export never imports fhir.resources: the CLI writes a Bundle without it."""
    out = tmp_path / "p.fhir.json"
    code = (
        "import sys\n"
        "sys.modules['fhir'] = None\n"
        "from dosing._cli import main\n"
        f"status = main(['calendar', 'KRd', *{PATIENT!r}, '--cycles', '1', '-o', {str(out)!r}])\n"
        "assert status == 0, status\n"
        "assert main(['fhir-plan', 'KRd']) == 0\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    assert json.loads(out.read_text(encoding="utf-8"))["type"] == "transaction"


def test_a_cohort_writes_one_bundle_per_patient(tmp_path: Path) -> None:
    """`dosing cohort ... -o DIR --format fhir` writes NAME.fhir.json transaction Bundles."""
    patients = tmp_path / "patients.csv"
    patients.write_text(
        "id,height,weight,start\nP1,175cm,80kg,2026-01-05\nP2,160cm,60kg,2026-01-05\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    args = ["cohort", str(patients), "--protocol", "KRd", "--cycles", "1", "-o", f"{out}/"]
    assert main([*args, "--format", "fhir", "--no-progress"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["P1.fhir.json", "P2.fhir.json"]
    for path in out.iterdir():
        Bundle.model_validate_json(path.read_text(encoding="utf-8"))


def test_a_cohort_refuses_a_fhir_file_as_its_combined_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """-o all.fhir.json is not a combined CSV: the hint names the folder form with --format fhir."""
    patients = tmp_path / "patients.csv"
    patients.write_text("id,height,weight,start\nP1,175cm,80kg,2026-01-05\n", encoding="utf-8")
    out = tmp_path / "all.fhir.json"
    assert main(["cohort", str(patients), "--protocol", "KRd", "-o", str(out)]) == 2
    assert capsys.readouterr().err.endswith(
        "for one file per patient give a folder, e.g. calendars/ --format fhir\n"
    )


def test_each_extension_of_ours_is_documented() -> None:
    """docs/fhir.md describes every extension URL the export uses."""
    page = (Path(__file__).parent.parent / "docs" / "fhir.md").read_text(encoding="utf-8")
    for name in EXTENSIONS:
        assert f"{BASE}/StructureDefinition/{name}" in page
