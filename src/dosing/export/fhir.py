"""HL7 FHIR R4: a protocol as a PlanDefinition, a patient's calendar as a transaction Bundle.

:func:`plan_definition` writes a protocol (with its choices) as a ``PlanDefinition`` of type
``clinical-protocol``: one contained ``ActivityDefinition`` per drug and dose, one action per
range of cycles that share their days, and inside it one action per drug and dose with the
``timing-daysOfCycle`` extension. It is built from the dateless plan
(:func:`dosing.plan.build_plan`) and the protocol model, like every other output.

:func:`bundle` writes a schedule as a ``transaction`` Bundle: the patient (identifier only),
the height, weight and BSA observations, a ``CarePlan`` that instantiates the
PlanDefinition, a ``RequestGroup`` with one action per cycle, and one ``MedicationRequest``
per administration with the calculated dose, its basis and the whole trace as notes.

Every entry's ``fullUrl`` is a ``urn:uuid:`` made from the course's identity - patient
identifier, protocol, start date, resource, cycle, day, drug - never from a measurement or a
dose, so a re-export names the same resources and a changed dose updates them. Requests are
``draft`` with intent ``plan``: the doses are calculated for the stated measurements, and
every resource carries the verification notice. See ``docs/fhir.md``.

>>> import datetime as dt, json
>>> from dosing import Patient, build_schedule, get_protocol
>>> s = build_schedule(get_protocol("KRd"), Patient(height=175, weight=80, identifier="P1"),
...                    dt.date(2026, 1, 5), cycles=1, today=dt.date(2026, 1, 1))
>>> b = bundle(s, generated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
>>> b["type"], [e["resource"]["resourceType"] for e in b["entry"]][:6]
('transaction', ['Patient', 'Observation', 'Observation', 'Observation', 'CarePlan', 'RequestGroup'])
>>> first = b["entry"][6]["resource"]["dosageInstruction"][0]
>>> first["timing"]["event"], first["doseAndRate"][0]["doseQuantity"]
(['2026-01-05'], {'value': 39.4, 'unit': 'mg', 'system': 'http://unitsofmeasure.org', 'code': 'mg'})
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from dosing._text import json_text, multi_line, one_line
from dosing.codes import ATC, ROUTES, RXNORM, SNOMED
from dosing.dose import Basis, DoseRule
from dosing.export._common import generated_text, header
from dosing.notation import format_amount, format_number
from dosing.plan import Plan, PlannedDose, build_plan
from dosing.protocol import Drug, Protocol, ResolvedChoice, resolve_choices
from dosing.schedule import VERIFICATION_NOTICE, Administration, Schedule

__all__ = [
    "BASE",
    "EXTENSIONS",
    "IDENTIFIER_SYSTEM",
    "bundle",
    "plan_definition",
    "plan_url",
    "resource_uuid",
    "to_fhir",
    "to_fhir_plan",
]

#: The base of this library's own canonical URLs: the PlanDefinitions it writes and its
#: extensions. A reserved example domain, so that no one else's page is ever implied; the
#: names are identifiers, documented in ``docs/fhir.md``, not pages to fetch.
BASE: Final = "http://dosing.example.org/fhir"

UCUM: Final = "http://unitsofmeasure.org"
LOINC: Final = "http://loinc.org"
DAYS_OF_CYCLE: Final = "http://hl7.org/fhir/StructureDefinition/timing-daysOfCycle"
#: mCODE STU4 normalization basis (http, not https), with its required value set's codes.
NORMALIZATION_BASIS: Final = (
    "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-normalization-basis"
)

#: This library's own extensions, by name: what each says (``docs/fhir.md`` has their shapes).
EXTENSIONS: Final[Mapping[str, str]] = {
    "bsa-cap": "the BSA (m²) a mg/m² dose is capped at",
    "dose-levels": "a drug's dose levels from the label, highest first, and their source",
    "choice": "a prescriber's choice: the value used, the values allowed, whether it is the default",
}

_SCHEME: Final = "dosing-fhir-v1"
_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, BASE)
#: The system of the identifiers the Bundle's resources carry: the uuid of their ``fullUrl``
#: without ``urn:uuid:`` (a server rewrites every ``urn:uuid:`` of an entry it creates).
IDENTIFIER_SYSTEM: Final = f"{BASE}/identifier"
_UCUM_CODE: Final = {Basis.PER_M2: "mg/m2", Basis.PER_KG: "mg/kg", Basis.FLAT: "mg"}
# mCODE STU4 ValueSet mcode-normalization-basis-vs (SNOMED CT)
_BASIS_CODE: Final = {
    Basis.PER_M2: ("301898006", "Body surface area"),
    Basis.PER_KG: ("363804004", "Body weight characteristic"),
    Basis.FLAT: ("1157245009", "Fixed dose"),
}
# LOINC: Body height, Body weight, Body surface area, Creatinine [Mass/volume] in Serum or
# Plasma, Creatinine renal clearance predicted by Cockcroft-Gault formula
_HEIGHT: Final = ("8302-2", "Body height", "cm")
_WEIGHT: Final = ("29463-7", "Body weight", "kg")
_BSA: Final = ("8277-6", "Body surface area", "m2")
_CREATININE: Final = ("2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "mg/dL")
_CLEARANCE: Final = (
    "35591-7",
    "Creatinine renal clearance predicted by Cockcroft-Gault formula",
    "mL/min",
)
_PLAN_TYPE: Final = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/plan-definition-type",
            "code": "clinical-protocol",
            "display": "Clinical Protocol",
        }
    ]
}
_VITAL_SIGNS: Final = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "vital-signs",
            "display": "Vital Signs",
        }
    ]
}
_LABORATORY: Final = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "laboratory",
            "display": "Laboratory",
        }
    ]
}
_DOSE_TYPE: Final = "http://terminology.hl7.org/CodeSystem/dose-rate-type"


# -- names and identities -------------------------------------------------------------------


def extension_url(name: str) -> str:
    """The canonical URL of one of this library's :data:`EXTENSIONS`."""
    return f"{BASE}/StructureDefinition/{name}"


def _plain(value: float) -> str:
    """A number as FHIRPath and ids write it: up to six decimals, no separators (``1000``)."""
    return format_number(value, decimals=6).replace(",", "")


def _slug(text: str) -> str:
    """``text`` as a FHIR id part: letters, digits and single hyphens."""
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-") or "x"


def _choice_slug(protocol: Protocol, choices: Mapping[str, ResolvedChoice]) -> str:
    parts = [_slug(protocol.id)]
    for choice in choices.values():
        if not choice.is_default:
            parts.append(f"{_slug(choice.drug)}-{_slug(_plain(choice.value))}")
    return "-".join(parts)[:64].strip("-")


def plan_url(protocol: Protocol, choices: Mapping[str, ResolvedChoice] | None = None) -> str:
    """The canonical URL of ``protocol``'s PlanDefinition with ``choices`` (defaults if none).

    The choices a prescriber changed are part of it: a PlanDefinition with dexamethasone
    20 mg a week is another definition than the default one.

    >>> from dosing.catalogue import get_protocol
    >>> kdd = get_protocol("KdD")
    >>> plan_url(kdd)
    'http://dosing.example.org/fhir/PlanDefinition/KdD'
    >>> plan_url(kdd, resolve_choices(kdd, {"dexamethasone": 20}))
    'http://dosing.example.org/fhir/PlanDefinition/KdD-dexamethasone-20'
    """
    resolved = choices if choices is not None else resolve_choices(protocol)
    return f"{BASE}/PlanDefinition/{_choice_slug(protocol, resolved)}"


def _machine_name(text: str) -> str:
    """A ``name`` for machines (``[A-Z][A-Za-z0-9_]*``): ``Kd-weekly`` -> ``KdWeekly``.

    Two numbers in a row keep an ``_`` between them, so that 2.5 mg and 25 mg stay apart
    (``Lenalidomide2_5Mg``, ``Lenalidomide25Mg``).
    """
    name = ""
    for word in re.split(r"[^A-Za-z0-9]+", text):
        if not word:
            continue
        if name[-1:].isdigit() and word[0].isdigit():
            name += "_"
        name += word[:1].upper() + word[1:]
    return name if name[:1].isalpha() else f"Protocol{name}"


def resource_uuid(schedule: Schedule, resource: str, *parts: object) -> str:
    """The stable ``urn:uuid:`` of one resource of ``schedule``'s Bundle.

    Made from the patient's identifier (none: the empty text), the protocol id, the start
    date, the resource's kind and ``parts`` (cycle, day, drug) - never from height, weight
    or a dose, so that the same course gives the same names on every export.

    >>> import datetime as dt
    >>> from dosing import Patient, build_schedule, get_protocol
    >>> def s(weight):
    ...     return build_schedule(get_protocol("KRd"),
    ...                           Patient(height=175, weight=weight, identifier="A1"),
    ...                           dt.date(2026, 1, 5), cycles=1, today=dt.date(2026, 1, 1))
    >>> resource_uuid(s(80), "MedicationRequest", 1, 8, "carfilzomib") == resource_uuid(
    ...     s(90), "MedicationRequest", 1, 8, "carfilzomib")
    True
    >>> resource_uuid(s(80), "Patient").startswith("urn:uuid:")
    True
    """
    identity = (
        _SCHEME,
        "patient:" + (schedule.patient.identifier or "").strip(),
        "protocol:" + schedule.protocol.id,
        "start:" + schedule.start.isoformat(),
        resource,
        *(str(p) for p in parts),
    )
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, chr(0x1F).join(identity))}"


# -- small data types -----------------------------------------------------------------------


def _number(value: float, decimals: int = 6) -> int | float:
    """A JSON number: whole numbers as integers, others rounded to ``decimals``."""
    rounded = round(float(value), decimals)
    return int(rounded) if rounded == int(rounded) else rounded


def _quantity(value: float, code: str, unit: str | None = None) -> dict[str, Any]:
    return {"value": _number(value), "unit": unit or code, "system": UCUM, "code": code}


def _text(value: str) -> str:
    """Free text as a FHIR string: no control characters, no surrounding blanks."""
    return multi_line(value).strip() or "-"


def _line(value: str) -> str:
    return one_line(value).strip() or "-"


def _notes(lines: Iterable[str]) -> list[dict[str, str]]:
    return [{"text": _text(line)} for line in dict.fromkeys(lines) if line.strip()]


def _loinc(code: tuple[str, str, str]) -> dict[str, Any]:
    return {"coding": [{"system": LOINC, "code": code[0], "display": code[1]}], "text": code[1]}


def _route(route: str) -> dict[str, Any]:
    codes = ROUTES[route]
    return {"coding": [codes.snomed.as_dict(), codes.edqm.as_dict()], "text": route}


def _product(drug: Drug) -> dict[str, Any]:
    coding = []
    if drug.codes is not None and drug.codes.rxnorm is not None:
        coding.append({"system": RXNORM, "code": drug.codes.rxnorm, "display": drug.name})
    if drug.codes is not None and drug.codes.atc is not None:
        coding.append({"system": ATC, "code": drug.codes.atc, "display": drug.name.capitalize()})
    out: dict[str, Any] = {"text": _line(drug.product or drug.name)}
    if coding:
        out["coding"] = coding
    return out


def _basis_extension(basis: Basis) -> dict[str, Any]:
    code, display = _BASIS_CODE[basis]
    return {
        "url": NORMALIZATION_BASIS,
        "valueCodeableConcept": {
            "coding": [{"system": SNOMED, "code": code, "display": display}],
            "text": display,
        },
    }


def _cap_extension(rule: DoseRule) -> list[dict[str, Any]]:
    if rule.bsa_cap_m2 is None:
        return []
    return [{"url": extension_url("bsa-cap"), "valueQuantity": _quantity(rule.bsa_cap_m2, "m2")}]


def _rule_quantity(rule: DoseRule) -> dict[str, Any]:
    code = _UCUM_CODE[rule.basis]
    return _quantity(rule.amount, code, str(rule.basis))


def _dose_type(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": _DOSE_TYPE, "code": code, "display": display}]}


# -- the PlanDefinition ---------------------------------------------------------------------


def _horizon(protocol: Protocol, choices: Mapping[str, ResolvedChoice]) -> int:
    """Cycles to plan: the default course, and at least up to where nothing changes any more."""
    ranges = [b.cycles for d in protocol.drugs for b in d.schedule]
    ranges += [s.cycles for s in protocol.step_up]
    for name, choice in protocol.choices.items():
        blocks = choice.schedule_for(choices[name].value) or ()
        ranges += [b.cycles for b in blocks]
    edges = [r.first for r in ranges] + [r.last + 1 for r in ranges if r.last is not None]
    return min(max([protocol.cycles.default, *edges]), protocol.max_cycles())


def _signature(doses: Sequence[PlannedDose]) -> tuple[object, ...]:
    return tuple((d.day, d.drug, d.rule, d.events) for d in doses)


def _cycle_ranges(plan: Plan) -> list[tuple[int, int]]:
    """Runs of consecutive cycles whose planned doses are the same, as (first, last)."""
    out: list[tuple[int, int]] = []
    previous: tuple[object, ...] | None = None
    for cycle in range(1, plan.cycles + 1):
        signature = _signature(plan.in_cycle(cycle))
        if out and signature == previous:
            out[-1] = (out[-1][0], cycle)
        else:
            out.append((cycle, cycle))
        previous = signature
    return out


class _Definitions:
    """The contained ActivityDefinitions: one per drug and dose, made once each."""

    def __init__(self, protocol: Protocol) -> None:
        self.protocol = protocol
        self.ids: dict[tuple[str, DoseRule], str] = {}
        self.resources: list[dict[str, Any]] = []

    def ref(self, drug_name: str, rule: DoseRule) -> str:
        key = (drug_name, rule)
        found = self.ids.get(key)
        if found is None:
            drug = self.protocol.drug(drug_name)
            amount = _slug(_plain(rule.amount))
            unit = _slug(_UCUM_CODE[rule.basis])
            # a resource id holds at most 64 characters, a numbered twin's suffix included
            base = f"{_slug(drug_name)[: 56 - len(amount) - len(unit)]}-{amount}-{unit}".strip("-")
            found, n = base, 1
            while found in self.ids.values():
                n += 1
                found = f"{base}-{n}"
            self.ids[key] = found
            self.resources.append(_activity_definition(found, drug, rule))
        return f"#{found}"


def _activity_definition(ident: str, drug: Drug, rule: DoseRule) -> dict[str, Any]:
    route = ROUTES[drug.route]
    text = f"{drug.name} {rule} {drug.route}"
    dosage: dict[str, Any] = {
        "text": _line(text),
        "route": _route(drug.route),
        "doseAndRate": [
            {"type": _dose_type("ordered", "Ordered"), "doseQuantity": _rule_quantity(rule)}
        ],
    }
    if drug.infusion_minutes is not None:
        dosage["timing"] = {
            "repeat": {"duration": drug.infusion_minutes, "durationUnit": "min"},
        }
    if rule.max_dose_mg is not None:
        dosage["maxDosePerAdministration"] = _quantity(rule.max_dose_mg, "mg")
    resource: dict[str, Any] = {
        "resourceType": "ActivityDefinition",
        "id": ident,
        "extension": [_basis_extension(rule.basis), *_cap_extension(rule)],
        "name": _machine_name(ident),
        "title": _line(f"{drug.name.capitalize()} {rule} {route.text}"),
        "status": "draft",
        "kind": "MedicationRequest",
        "productCodeableConcept": _product(drug),
        "dosage": [dosage],
    }
    usage = [u for u in _drug_usage(drug) if u]
    if usage:
        resource["usage"] = _text("\n\n".join(usage))
    artifacts = _drug_artifacts(drug)
    if artifacts:
        resource["relatedArtifact"] = artifacts
    dynamic = _dose_expression(rule)
    if dynamic is not None:
        resource["dynamicValue"] = [dynamic]
    return resource


def _drug_usage(drug: Drug) -> list[str]:
    out = [drug.note or ""]
    if drug.premedication is not None:
        p = drug.premedication
        out.append(f"Premedication (cycles {p.cycles}): {p.timing} ({p.source}: {p.citation})")
    for row in drug.renal:
        every = "daily" if row.every_days == 1 else f"every {row.every_days * 24} hours"
        extra = f"; {row.note}" if row.note else ""
        out.append(
            f"Renal starting dose ({row.table.upper()} table), {row.band}: {row.dose} {every}"
            f"{extra} ({row.source}: {row.citation})"
        )
    if drug.weight_change is not None:
        w = drug.weight_change
        out.append(
            f"Weight change: the dose follows the baseline BSA within "
            f"{format_number(w.recalculate_above)} % of the baseline weight ({w.source}: "
            f"{w.citation})"
        )
    return out


def _drug_artifacts(drug: Drug) -> list[dict[str, Any]]:
    out = []
    if drug.codes is not None:
        out.append(
            {"type": "documentation", "label": "codes", "display": _line(drug.codes.citation)}
        )
    return out


def _dose_expression(rule: DoseRule) -> dict[str, Any] | None:
    """How an engine applying the definition works the dose out, as FHIRPath on the value."""
    if rule.basis is Basis.FLAT:
        return None
    rate = format_amount(rule.amount, str(rule.basis))
    if rule.basis is Basis.PER_M2:
        measure = "%bsa"
        words = f"{rate} × the patient's BSA in m² (%bsa)"
        if rule.bsa_cap_m2 is not None:
            cap = _plain(rule.bsa_cap_m2)
            measure = f"iif(%bsa > {cap}, {cap}, %bsa)"
            words += f", capped at {cap} m²"
    else:
        measure = "%weight"
        words = f"{rate} × the patient's actual weight in kg (%weight)"
    expression = f"{_plain(rule.amount)} * {measure}"
    if rule.max_dose_mg is not None:
        top = _plain(rule.max_dose_mg)
        expression = f"iif({expression} > {top}, {top}, {expression})"
        words += f", at most {top} mg"
    return {
        "path": "dosageInstruction.doseAndRate.doseQuantity.value",
        "expression": {
            "description": _line(f"dose in mg: {words}"),
            "language": "text/fhirpath",
            "expression": expression,
        },
    }


def _days_of_cycle(days: Iterable[int]) -> dict[str, Any]:
    return {
        "url": DAYS_OF_CYCLE,
        "extension": [{"url": "day", "valueInteger": d} for d in days],
    }


def _range_title(first: int, last: int, open_ended: bool) -> str:
    if open_ended:
        return f"Cycles {first}+" if first != last or first > 1 else f"Cycle {first}+"
    return f"Cycle {first}" if first == last else f"Cycles {first}-{last}"


def _drug_actions(
    protocol: Protocol, doses: Sequence[PlannedDose], parent: str, defs: _Definitions
) -> list[dict[str, Any]]:
    """One action per drug and dose in one cycle, with its days; days before day 1 apart."""
    groups: dict[tuple[str, DoseRule, tuple[object, ...]], list[int]] = {}
    for d in doses:
        groups.setdefault((d.drug, d.rule, d.events), []).append(d.day)
    order = {drug.name: i for i, drug in enumerate(protocol.drugs)}
    out: list[dict[str, Any]] = []
    for (drug_name, rule, events), days in sorted(
        groups.items(), key=lambda item: (order[item[0][0]], min(item[1]))
    ):
        drug = protocol.drug(drug_name)
        canonical = defs.ref(drug_name, rule)
        why = "; ".join(str(e) for e in events)
        counted = sorted(d for d in days if d >= 1)
        early = sorted(d for d in days if d < 1)
        base_id = f"{parent}-{canonical[1:]}"
        if counted:
            listed = ", ".join(map(str, counted))
            action: dict[str, Any] = {
                "id": base_id,
                "extension": [_days_of_cycle(counted)],
                "title": _line(f"{drug_name} {rule} {drug.route}"),
                "textEquivalent": _text(
                    f"{drug_name} {rule} {drug.route} on day{'s' if len(counted) > 1 else ''} "
                    f"{listed}" + (f" ({why})" if why else "")
                ),
                "definitionCanonical": canonical,
            }
            out.append(action)
        for day in early:
            before = 1 - day
            out.append(
                {
                    "id": f"{base_id}-day-{'minus-' if day < 0 else ''}{abs(day)}",
                    "title": _line(f"{drug_name} {rule} {drug.route}, day {day}"),
                    "textEquivalent": _text(
                        f"{drug_name} {rule} {drug.route} on day {day}, {before} "
                        f"day{'s' if before > 1 else ''} before day 1"
                        + (f" ({why})" if why else "")
                    ),
                    "relatedAction": [
                        {
                            "actionId": parent,
                            "relationship": "before-start",
                            "offsetDuration": _quantity(before, "d", "days"),
                        }
                    ],
                    "definitionCanonical": canonical,
                }
            )
    return out


def _choice_extensions(
    protocol: Protocol, choices: Mapping[str, ResolvedChoice]
) -> list[dict[str, Any]]:
    out = []
    for name, choice in choices.items():
        unit = DoseRule.parse(f"1 {choice.unit}")
        code = _UCUM_CODE[unit.basis]
        parts: list[dict[str, Any]] = [
            {"url": "drug", "valueString": name},
            {"url": "value", "valueQuantity": _quantity(choice.value, code, str(unit.basis))},
        ]
        parts += [
            {"url": "allowed", "valueQuantity": _quantity(v, code, str(unit.basis))}
            for v in choice.allowed
        ]
        parts.append({"url": "default", "valueBoolean": choice.is_default})
        meaning = protocol.choices[name].meaning
        if meaning:
            parts.append({"url": "meaning", "valueString": _line(meaning)})
        out.append({"url": extension_url("choice"), "extension": parts})
    return out


def _level_extensions(protocol: Protocol, defs: _Definitions) -> list[dict[str, Any]]:
    out = []
    for drug in protocol.drugs:
        levels = drug.dose_levels
        if levels is None:
            continue
        parts: list[dict[str, Any]] = [{"url": "drug", "valueString": drug.name}]
        parts += [
            {"url": "level", "valueCanonical": defs.ref(drug.name, drug.with_caps(level))}
            for level in levels.levels
        ]
        parts.append({"url": "source", "valueString": _line(f"{levels.source}: {levels.citation}")})
        out.append({"url": extension_url("dose-levels"), "extension": parts})
    return out


def _cycles_text(protocol: Protocol, count: int) -> str:
    return f"{protocol.cycle_length_days}-day cycle, {count} cycle{'s' if count != 1 else ''}"


def plan_definition(
    protocol: Protocol,
    choices: Mapping[str, object] | None = None,
    *,
    generated_at: dt.datetime | None = None,
) -> dict[str, Any]:
    """``protocol`` as a FHIR R4 PlanDefinition (as data), with ``choices`` (defaults if none).

    ``choices`` maps a drug to a value as :func:`dosing.protocol.resolve_choices` takes it,
    or to an already resolved choice.

    >>> from dosing.catalogue import get_protocol
    >>> pd = plan_definition(get_protocol("KdD"))
    >>> pd["name"], pd["type"]["coding"][0]["code"], [a["title"] for a in pd["action"]]
    ('KdD', 'clinical-protocol', ['Cycle 1', 'Cycle 2', 'Cycles 3-6', 'Cycles 7+'])
    >>> pd["action"][3]["timingTiming"]["repeat"]
    {'count': 6, 'duration': 28, 'durationUnit': 'd', 'frequency': 1, 'period': 28, 'periodUnit': 'd'}
    """
    resolved = _resolved(protocol, choices)
    plan = build_plan(protocol, resolved, cycles=_horizon(protocol, resolved))
    defs = _Definitions(protocol)
    ranges = _cycle_ranges(plan)
    actions = []
    for i, (first, last) in enumerate(ranges):
        open_ended = i == len(ranges) - 1 and protocol.max_cycles() > last
        ident = (
            f"cycles-{first}"
            if first == last and not open_ended
            else f"cycles-{first}-{'on' if open_ended else last}"
        )
        count = last - first + 1
        repeat: dict[str, Any] = {
            "count": count,
            "duration": protocol.cycle_length_days,
            "durationUnit": "d",
            "frequency": 1,
            "period": protocol.cycle_length_days,
            "periodUnit": "d",
        }
        words = _cycles_text(protocol, count)
        if open_ended and protocol.cycles.maximum is not None:
            repeat["countMax"] = max(protocol.cycles.maximum - first + 1, count)
            words += f", at most {repeat['countMax']}"
        if open_ended and protocol.cycles.until_progression:
            words += (
                f", until progression (the default course of {protocol.cycles.default} cycles "
                f"ends with cycle {protocol.cycles.default})"
            )
        if first == 1 and protocol.anchor_day != 1:
            words += f"; the start date is cycle 1 day {protocol.anchor_day}"
        actions.append(
            {
                "id": ident,
                "title": _range_title(first, last, open_ended),
                "textEquivalent": _line(words),
                "timingTiming": {"repeat": repeat},
                "groupingBehavior": "logical-group",
                "action": _drug_actions(protocol, plan.in_cycle(first), ident, defs),
            }
        )
    extensions = _choice_extensions(protocol, resolved) + _level_extensions(protocol, defs)
    usage = [*protocol.notes, f"NOTICE: {VERIFICATION_NOTICE}"]
    resource: dict[str, Any] = {
        "resourceType": "PlanDefinition",
        "id": _choice_slug(protocol, resolved),
        "url": plan_url(protocol, resolved),
        "name": _machine_name(_choice_slug(protocol, resolved)),
        "title": _line(protocol.name),
        "type": _PLAN_TYPE,
        "status": "draft",
        "description": _text(
            f"{protocol.id}: {protocol.name} ({protocol.setting}). Cycles: "
            f"{protocol.cycle_length_days} days, {protocol.cycles_text()}. Choices: "
            + ("; ".join(str(c) for c in resolved.values()) or "none")
            + "."
        ),
        "usage": _text("\n\n".join(usage)),
        "relatedArtifact": [
            {"type": "citation", "label": s.tag, "citation": _text(s.citation)}
            for s in protocol.sources
        ],
        "action": actions,
    }
    if generated_at is not None:
        resource["date"] = generated_text(generated_at)
    if extensions:
        resource["extension"] = extensions
    resource["contained"] = defs.resources
    return _ordered(resource)


#: Keys that lead a resource, in this order; the others keep the order they were written in.
_LEADING: Final[tuple[str, ...]] = (
    "resourceType",
    "id",
    "contained",
    "extension",
    "url",
    "identifier",
)


def _ordered(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource with its leading keys first, as the specification lists elements."""
    first: dict[str, Any] = {k: resource[k] for k in _LEADING if k in resource}
    return {**first, **{k: v for k, v in resource.items() if k not in first}}


def _resolved(
    protocol: Protocol, choices: Mapping[str, object] | None
) -> Mapping[str, ResolvedChoice]:
    if choices and all(isinstance(c, ResolvedChoice) for c in choices.values()):
        return choices  # type: ignore[return-value]
    return resolve_choices(protocol, choices)


def to_fhir_plan(
    protocol: Protocol,
    choices: Mapping[str, object] | None = None,
    *,
    generated_at: dt.datetime | None = None,
) -> str:
    """The PlanDefinition of :func:`plan_definition` as JSON text."""
    return _json(plan_definition(protocol, choices, generated_at=generated_at))


def _json(data: Mapping[str, Any]) -> str:
    return json_text(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"


# -- the patient's Bundle -------------------------------------------------------------------


class _Entries:
    """The Bundle's entries, each with a unique ``urn:uuid:`` and its request."""

    def __init__(self, schedule: Schedule) -> None:
        self.schedule = schedule
        self.identified = bool((schedule.patient.identifier or "").strip())
        self.entries: list[dict[str, Any]] = []
        self.used: set[str] = set()

    def name(self, resource: str, *parts: object) -> str:
        url = resource_uuid(self.schedule, resource, *parts)
        n = 1
        while url in self.used:
            n += 1
            url = resource_uuid(self.schedule, resource, *parts, f"#{n}")
        self.used.add(url)
        return url

    def add(self, url: str, resource: dict[str, Any]) -> None:
        """Add an entry, created by POST; resources of a named patient carry their urn too.

        A patient without an identifier has no identity across exports, so their resources
        carry no identifier that could match another patient's.
        """
        kind = resource["resourceType"]
        if self.identified and kind != "Patient":
            resource = {**resource, "identifier": [_identifier(url)]}
        self.entries.append(
            {
                "fullUrl": url,
                "resource": _ordered(resource),
                "request": {"method": "POST", "url": kind},
            }
        )


def _identifier(url: str) -> dict[str, str]:
    return {"system": IDENTIFIER_SYSTEM, "value": url.removeprefix("urn:uuid:")}


def _ref(url: str) -> dict[str, str]:
    return {"reference": url}


def _observation(
    code: tuple[str, str, str],
    value: float,
    patient: str,
    issued: str,
    *,
    category: dict[str, Any],
    decimals: int = 4,
    notes: Sequence[str] = (),
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "category": [category],
        "code": _loinc(code),
        "subject": _ref(patient),
        "issued": issued,
        "valueQuantity": _quantity(round(value, decimals), code[2]),
    }
    if notes:
        resource["note"] = _notes(notes)
    return resource


def bundle(schedule: Schedule, *, generated_at: dt.datetime | None = None) -> dict[str, Any]:
    """``schedule`` as a FHIR R4 transaction Bundle (as data); see the module's description."""
    moment = generated_text(generated_at)
    protocol, patient = schedule.protocol, schedule.patient
    entries = _Entries(schedule)
    canonical = plan_url(protocol, schedule.choices)

    patient_url = entries.name("Patient")
    ident = (patient.identifier or "").strip()
    patient_resource: dict[str, Any] = {"resourceType": "Patient"}
    if ident:
        patient_resource["identifier"] = [{"value": _line(ident)}]
    else:
        patient_resource["active"] = True
    entries.add(patient_url, patient_resource)

    shown = patient.describe()

    def typed(field: str) -> list[str]:
        """How a measurement was typed, when that is not plain cm or kg (no silent reading)."""
        lines = [f"entered as {shown[field]}"] if "=" in shown[field] else []
        return lines + [a for a in patient.assumed_units if a.startswith(field)]

    height_url, weight_url, bsa_url = (
        entries.name("Observation", "height"),
        entries.name("Observation", "weight"),
        entries.name("Observation", "bsa"),
    )
    for url, code, quantity, decimals, field in (
        (height_url, _HEIGHT, patient.height, 2, "height"),
        (weight_url, _WEIGHT, patient.weight, 3, "weight"),
    ):
        entries.add(
            url,
            _observation(
                code,
                quantity.magnitude,
                patient_url,
                moment,
                category=_VITAL_SIGNS,
                decimals=decimals,
                notes=typed(field),
            ),
        )
    bsa = _observation(
        _BSA,
        schedule.bsa_m2,
        patient_url,
        moment,
        category=_VITAL_SIGNS,
        notes=[
            f"calculated by {schedule.bsa_formula.label}"
            + (" (the default formula)" if schedule.bsa_formula_is_default else "")
            + " from the height and weight observations; uncapped (a cap is on each dose)"
        ],
    )
    bsa["method"] = {"text": schedule.bsa_formula.label}
    bsa["derivedFrom"] = [_ref(height_url), _ref(weight_url)]
    entries.add(bsa_url, bsa)
    renal_urls = _renal_observations(schedule, entries, patient_url, weight_url, moment)

    careplan_url = entries.name("CarePlan")
    group_url = entries.name("RequestGroup")
    group_identifier = _identifier(group_url) if entries.identified else None
    first_date = min([schedule.start, *(a.date for a in schedule.administrations)])
    head = header(schedule, generated_at=generated_at)
    entries.add(
        careplan_url,
        {
            "resourceType": "CarePlan",
            "instantiatesCanonical": [canonical],
            "status": "draft",
            "intent": "plan",
            "title": _line(f"{protocol.id} dosing calendar"),
            "description": _text(
                f"{protocol.id}: {protocol.name}; {schedule.cycles} cycles from "
                f"{schedule.start.isoformat()}. {VERIFICATION_NOTICE}"
            ),
            "subject": _ref(patient_url),
            "period": {"start": first_date.isoformat(), "end": schedule.end.isoformat()},
            "created": moment,
            "supportingInfo": [_ref(u) for u in (height_url, weight_url, bsa_url, *renal_urls)],
            "activity": [{"reference": _ref(group_url)}],
            "note": _notes(head.lines()),
        },
    )

    requests: list[tuple[Administration, str]] = []
    for admin in schedule.administrations:
        requests.append(
            (admin, entries.name("MedicationRequest", admin.cycle, admin.day, admin.drug))
        )
    entries.add(
        group_url,
        {
            "resourceType": "RequestGroup",
            "instantiatesCanonical": [canonical],
            "basedOn": [_ref(careplan_url)],
            **({"groupIdentifier": group_identifier} if group_identifier else {}),
            "status": "draft",
            "intent": "plan",
            "subject": _ref(patient_url),
            "authoredOn": moment,
            "note": _notes([VERIFICATION_NOTICE]),
            "action": _cycle_actions(schedule, requests),
        },
    )
    measures = {Basis.PER_M2: bsa_url, Basis.PER_KG: weight_url}
    for admin, url in requests:
        entries.add(
            url,
            _medication_request(
                admin,
                schedule,
                patient=patient_url,
                careplan=careplan_url,
                group=group_identifier,
                canonical=canonical,
                moment=moment,
                supporting=[measures[b] for b in (admin.dose.rule.basis,) if b in measures]
                + (renal_urls if protocol.drug(admin.drug).renal else []),
            ),
        )
    out: dict[str, Any] = {"resourceType": "Bundle"}
    if entries.identified:
        out["identifier"] = _identifier(entries.name("Bundle"))
    return {**out, "type": "transaction", "timestamp": moment, "entry": entries.entries}


def _renal_observations(
    schedule: Schedule, entries: _Entries, patient_url: str, weight_url: str, moment: str
) -> list[str]:
    renal = schedule.renal
    if renal is None:
        return []
    out = []
    creatinine_url = None
    if renal.creatinine_mg_dl is not None:
        creatinine_url = entries.name("Observation", "creatinine")
        shown = schedule.patient.describe().get("serum creatinine", "")
        entries.add(
            creatinine_url,
            _observation(
                _CREATININE,
                renal.creatinine_mg_dl,
                patient_url,
                moment,
                category=_LABORATORY,
                notes=[f"entered as {shown}"] if "=" in shown else (),
            ),
        )
        out.append(creatinine_url)
    if renal.clearance_ml_min is not None:
        url = entries.name("Observation", "creatinine-clearance")
        clearance = _observation(
            _CLEARANCE,
            renal.clearance_ml_min,
            patient_url,
            moment,
            category=_LABORATORY,
            decimals=1,
            notes=[str(renal)],
        )
        clearance["derivedFrom"] = [_ref(u) for u in (creatinine_url, weight_url) if u is not None]
        entries.add(url, clearance)
        out.append(url)
    return out


def _cycle_actions(
    schedule: Schedule, requests: Sequence[tuple[Administration, str]]
) -> list[dict[str, Any]]:
    by_cycle: dict[int, list[tuple[Administration, str]]] = {}
    for admin, url in requests:
        by_cycle.setdefault(admin.cycle, []).append((admin, url))
    out = []
    for cycle in range(1, schedule.cycles + 1):
        start, end = schedule.cycle_window(cycle)
        items = by_cycle.get(cycle, [])
        dates = [a.date for a, _ in items]
        action: dict[str, Any] = {
            "id": f"cycle-{cycle}",
            "title": f"Cycle {cycle}",
            "timingPeriod": {
                "start": min([start, *dates]).isoformat(),
                "end": max([end, *dates]).isoformat(),
            },
        }
        if items:
            action["groupingBehavior"] = "logical-group"
            action["action"] = [_administration_action(a, url) for a, url in items]
        else:
            action["textEquivalent"] = "no administration in this cycle"
        out.append(action)
    return out


def _administration_action(admin: Administration, url: str) -> dict[str, Any]:
    action: dict[str, Any] = {
        "title": _line(f"{admin.label} {admin.drug} {admin.dose.text} {admin.route}"),
        "timingDateTime": admin.date.isoformat(),
        "resource": _ref(url),
    }
    if admin.day >= 1:
        action = {"extension": [_days_of_cycle([admin.day])], **action}
    return action


def _medication_request(
    admin: Administration,
    schedule: Schedule,
    *,
    patient: str,
    careplan: str,
    group: dict[str, str] | None,
    canonical: str,
    moment: str,
    supporting: Sequence[str],
) -> dict[str, Any]:
    dose = admin.dose
    drug = schedule.protocol.drug(admin.drug)
    timing: dict[str, Any] = {"event": [admin.date.isoformat()]}
    if drug.infusion_minutes is not None:
        timing["repeat"] = {"duration": drug.infusion_minutes, "durationUnit": "min"}
    notes = [f"dose trace:\n{dose.trace()}"]
    notes += [f"{'warning' if e.warning else 'note'} ({e.kind}): {e}" for e in admin.reasons]
    notes.append(VERIFICATION_NOTICE)
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "extension": [_basis_extension(dose.rule.basis), *_cap_extension(dose.rule)],
        "status": "draft",
        "intent": "plan",
        "medicationCodeableConcept": _product(drug),
        "subject": _ref(patient),
        "authoredOn": moment,
        "instantiatesCanonical": [canonical],
        "basedOn": [_ref(careplan)],
        **({"groupIdentifier": group} if group else {}),
        "note": _notes(notes),
        "dosageInstruction": [
            {
                "sequence": 1,
                "text": _line(
                    f"{admin.label} ({admin.date.isoformat()}): {admin.drug} {dose.text} "
                    f"{admin.route} = {dose.basis}"
                ),
                "timing": timing,
                "route": _route(admin.route),
                "doseAndRate": [
                    {
                        "type": _dose_type("calculated", "Calculated"),
                        "doseQuantity": _quantity(dose.final_mg, "mg"),
                    },
                    {
                        "type": _dose_type("ordered", "Ordered"),
                        "doseQuantity": _rule_quantity(dose.rule),
                    },
                ],
            }
        ],
    }
    if supporting:
        resource["supportingInformation"] = [_ref(u) for u in dict.fromkeys(supporting)]
    return resource


def to_fhir(schedule: Schedule, *, generated_at: dt.datetime | None = None) -> str:
    """The schedule as a FHIR R4 transaction Bundle in JSON (see :func:`bundle`)."""
    return _json(bundle(schedule, generated_at=generated_at))
