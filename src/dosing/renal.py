"""Renal function and the renal starting doses a protocol's drugs declare.

When a patient's age, sex and serum creatinine are known, creatinine clearance is worked out
by Cockcroft-Gault (clinical reference §8) with a stated weight policy - the actual body
weight unless another is chosen - and each drug with a renal starting-dose table gets the
row its clearance (or dialysis) falls in, from the table asked for (``us`` by default). A
row never raises a dose: where a table's dose is above the protocol's own dose of the same
kind, the protocol's dose stays and the header says so.

>>> import datetime as dt
>>> from dosing import Patient
>>> patient = Patient(height="165 cm", weight="60 kg", age=82, sex="female",
...                   serum_creatinine="2.4 mg/dL")
>>> function = assess(patient, on=dt.date(2026, 1, 5))
>>> round(function.clearance_ml_min, 1)
17.1
>>> print(function)
CrCl 17.1 mL/min by Cockcroft-Gault (actual body weight 60 kg (default weight policy); age 82, female, serum creatinine 2.4 mg/dL); dialysis not stated (taken as not on dialysis)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dosing.bsa import WeightPolicy, adjusted_body_weight, ideal_body_weight
from dosing.errors import ScheduleError
from dosing.notation import format_amount, format_number
from dosing.protocol import Protocol, RenalRow, ResolvedChoice, choice_rule
from dosing.trace import RenalStartingDose

if TYPE_CHECKING:
    from dosing.patient import Patient

__all__ = ["DEFAULT_TABLE", "RenalDecision", "RenalFunction", "assess", "decide"]

#: The renal table used unless another is asked for.
DEFAULT_TABLE = "us"


@dataclass(frozen=True, slots=True)
class RenalFunction:
    """A patient's renal function as the starting-dose tables need it.

    ``clearance_ml_min`` is ``None`` when it could not be worked out; ``missing`` then names
    what was not given. ``dialysis`` is ``None`` when not stated.
    """

    clearance_ml_min: float | None
    weight_policy: WeightPolicy
    weight_policy_is_default: bool
    weight_kg: float | None
    age: int | None
    sex: str | None
    creatinine_mg_dl: float | None
    dialysis: bool | None
    missing: tuple[str, ...] = ()

    @property
    def on_dialysis(self) -> bool:
        """True only when dialysis was stated."""
        return bool(self.dialysis)

    @property
    def clearance_text(self) -> str:
        """``CrCl 17.4 mL/min`` or ``on dialysis``."""
        if self.clearance_ml_min is not None:
            return f"CrCl {format_number(self.clearance_ml_min, decimals=1)} mL/min"
        return "on dialysis" if self.on_dialysis else "clearance not worked out"

    def __str__(self) -> str:
        dialysis = (
            "on dialysis"
            if self.dialysis
            else "not on dialysis"
            if self.dialysis is False
            else "dialysis not stated (taken as not on dialysis)"
        )
        if self.clearance_ml_min is None:
            if self.missing:
                return (
                    f"serum creatinine given but clearance not worked out: "
                    f"{' and '.join(self.missing)} not given; {dialysis}"
                )
            return dialysis
        policy = " (default weight policy)" if self.weight_policy_is_default else ""
        assert self.weight_kg is not None
        assert self.creatinine_mg_dl is not None
        return (
            f"{self.clearance_text} by Cockcroft-Gault ({self.weight_policy.value} body weight "
            f"{format_amount(self.weight_kg, 'kg')}{policy}; age {self.age}, {self.sex}, "
            f"serum creatinine {format_amount(self.creatinine_mg_dl, 'mg/dL', decimals=3)}); "
            f"{dialysis}"
        )


def assess(
    patient: Patient, *, on: dt.date, weight_policy: WeightPolicy | str | None = None
) -> RenalFunction | None:
    """The patient's renal function on ``on``; ``None`` when neither creatinine nor dialysis is given.

    ``weight_policy`` defaults to the actual body weight (and says it is the default).
    """
    policy = WeightPolicy.ACTUAL if weight_policy is None else _policy(weight_policy)
    creatinine = patient.serum_creatinine
    if creatinine is None and not patient.dialysis:
        return None
    age = patient.age_on(on)
    missing = tuple(name for name, value in (("age", age), ("sex", patient.sex)) if value is None)
    clearance = weight = None
    if creatinine is not None and not missing:
        assert age is not None
        assert patient.sex is not None
        weight = _weight(patient, policy)
        clearance = (140 - age) * weight / (72 * creatinine.magnitude)
        if patient.sex == "female":
            clearance *= 0.85
    return RenalFunction(
        clearance_ml_min=clearance,
        weight_policy=policy,
        weight_policy_is_default=weight_policy is None,
        weight_kg=weight,
        age=age,
        sex=patient.sex,
        creatinine_mg_dl=None if creatinine is None else creatinine.magnitude,
        dialysis=patient.dialysis,
        missing=missing if creatinine is not None else (),
    )


def _policy(value: WeightPolicy | str) -> WeightPolicy:
    text = str(value).strip().lower()
    if text not in {p.value for p in WeightPolicy}:
        raise ScheduleError("clearance_weight", "one of actual, ideal, adjusted", repr(value))
    return WeightPolicy(text)


def _weight(patient: Patient, policy: WeightPolicy) -> float:
    if policy is WeightPolicy.ACTUAL:
        return float(patient.weight.magnitude)
    assert patient.sex is not None
    if policy is WeightPolicy.IDEAL:
        return float(ideal_body_weight(patient.height, patient.sex).magnitude)
    return float(adjusted_body_weight(patient.height, patient.weight, patient.sex).magnitude)


@dataclass(frozen=True, slots=True)
class RenalDecision:
    """What a drug's renal table gave: the row and its trace event, or why none applies."""

    drug: str
    table: str
    row: RenalRow | None
    event: RenalStartingDose | None
    note: str


def decide(
    protocol: Protocol,
    function: RenalFunction | None,
    choices: Mapping[str, ResolvedChoice],
    *,
    table: str | None = None,
) -> dict[str, RenalDecision]:
    """Each drug's renal starting dose under ``table`` (``us`` unless given), by drug name.

    A protocol without renal tables gives ``{}``. With tables, a creatinine without age or
    sex is refused (the dose cannot be checked); so is a table no drug has.
    """
    drugs = [d for d in protocol.drugs if d.renal]
    if not drugs:
        return {}
    name = DEFAULT_TABLE if table is None else str(table).strip().lower()
    known = protocol.renal_tables()
    if name not in known:
        raise ScheduleError(
            "renal_table", f"one of the tables {protocol.id} has ({', '.join(known)})", repr(table)
        )
    if function is not None and function.missing and not function.on_dialysis:
        raise ScheduleError(
            ", ".join(function.missing),
            "given with a serum creatinine",
            "nothing",
            f"creatinine clearance (Cockcroft-Gault) needs age and sex; without it the "
            f"{', '.join(d.name for d in drugs)} starting dose cannot be checked",
        )
    out: dict[str, RenalDecision] = {}
    for drug in drugs:
        rows = [r for r in drug.renal if r.table == name]
        if function is None:
            out[drug.name] = RenalDecision(drug.name, name, None, None, "renal function not given")
            continue
        row = next(
            (r for r in rows if r.matches(function.clearance_ml_min, function.on_dialysis)), None
        )
        if row is None and function.on_dialysis:
            raise ScheduleError(
                "renal_table",
                f"a table with a dialysis row for {drug.name}",
                repr(name),
                "choose another table or check the dialysis status",
            )
        if row is None:
            out[drug.name] = RenalDecision(
                drug.name, name, None, None, f"{function.clearance_text}: no adjustment"
            )
            continue
        planned = choices.get(drug.name)
        base = choice_rule(protocol, planned) if planned is not None else drug.rule
        assert base is not None
        if row.dose.basis is base.basis and row.dose.amount > base.amount:
            out[drug.name] = RenalDecision(
                drug.name,
                name,
                None,
                None,
                f"{function.clearance_text}: the table's {row.dose} is above the protocol's "
                f"{base}; the protocol's dose stays",
            )
            continue
        cited = f"{row.source}: {row.citation}" + (f" ({row.note})" if row.note else "")
        event = RenalStartingDose(
            drug=drug.name,
            clearance=function.clearance_text,
            band=row.band,
            table=name.upper(),
            dose=str(row.dose),
            every_days=row.every_days,
            source=cited,
        )
        out[drug.name] = RenalDecision(drug.name, name, row, event, f"{event.outcome()} ({cited})")
    return out
