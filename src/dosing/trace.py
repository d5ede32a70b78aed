"""Why a dose is what it is: typed trace events.

Every reason a dose differs from its plain rule - a step-up, a BSA cap, a maximum dose, a
rounding applied or refused, a renal starting dose, a dose no whole number of units makes -
is an immutable event with its facts as attributes and its sentence from ``__str__``.
Exports render events; none searches their text. Each event has a :attr:`~Event.kind` (a
stable name for machines) and a :attr:`~Event.flag` that an order sheet shows as a word
(``step-up``, ``capped``, ``rounded``, ``renal``, ``closed``, ``check``), and says whether it is a
:attr:`~Event.warning` (something a clinician must look at) or a note.

>>> event = BSACapped(bsa_m2=2.409, cap_m2=2.2, formula="Mosteller")
>>> str(event), event.kind, event.flag, event.warning
('BSA 2.409 m² (Mosteller) capped at 2.2 m²', 'bsa_capped', 'capped', False)
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar

from dosing.notation import format_amount, format_number

__all__ = [
    "BSACapped",
    "ClinicClosed",
    "Delayed",
    "DoseLevelApplied",
    "Event",
    "HeldDose",
    "MaximumDose",
    "NotDispensable",
    "OlderPatientDose",
    "PremedicationNeeded",
    "RenalStartingDose",
    "Reweighed",
    "Rounded",
    "RoundingImpossible",
    "RoundingRefused",
    "StepUpDose",
    "percent",
]


def percent(fraction: float) -> str:
    """A fraction written as a percentage to 0.1 % (``0.1`` -> ``10 %``).

    >>> percent(0.0536)
    '5.4 %'
    """
    return f"{format_number(fraction * 100, decimals=1)} %"


@dataclass(frozen=True, slots=True)
class Event:
    """Base of every trace event: ``kind`` names it, ``flag`` is the word an order sheet shows."""

    kind: ClassVar[str] = "event"
    flag: ClassVar[str] = "check"
    warning: ClassVar[bool] = False

    def as_dict(self) -> dict[str, Any]:
        """The event as plain data: its kind, its sentence and its facts (for JSON).

        >>> StepUpDose("priming dose").as_dict()
        {'kind': 'step_up', 'text': 'priming dose', 'warning': False, 'note': 'priming dose'}
        """
        out: dict[str, Any] = {"kind": self.kind, "text": str(self), "warning": self.warning}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


@dataclass(frozen=True, slots=True)
class StepUpDose(Event):
    """A dose that replaces the drug's rule on given days: a priming or split dose."""

    kind: ClassVar[str] = "step_up"
    flag: ClassVar[str] = "step-up"

    note: str

    def __str__(self) -> str:
        return self.note


@dataclass(frozen=True, slots=True)
class BSACapped(Event):
    """The patient's BSA was above the rule's cap, so the cap was used."""

    kind: ClassVar[str] = "bsa_capped"
    flag: ClassVar[str] = "capped"

    bsa_m2: float
    cap_m2: float
    formula: str

    def __str__(self) -> str:
        return (
            f"BSA {format_amount(self.bsa_m2, 'm²', decimals=3)} ({self.formula}) capped at "
            f"{format_amount(self.cap_m2, 'm²', decimals=3)}"
        )


@dataclass(frozen=True, slots=True)
class MaximumDose(Event):
    """The calculated dose was above the rule's maximum single dose, so the maximum was used."""

    kind: ClassVar[str] = "maximum_dose"
    flag: ClassVar[str] = "capped"

    calculated_mg: float
    maximum_mg: float

    def __str__(self) -> str:
        return (
            f"calculated {format_amount(self.calculated_mg, 'mg', decimals=1)} capped at the "
            f"maximum dose {format_amount(self.maximum_mg, 'mg')}"
        )


@dataclass(frozen=True, slots=True)
class Rounded(Event):
    """A rounding policy moved the dose, within its tolerance."""

    kind: ClassVar[str] = "rounded"
    flag: ClassVar[str] = "rounded"

    from_mg: float
    to_mg: float
    made_of: str
    change: float
    tolerance: float

    def __str__(self) -> str:
        return (
            f"rounded from {format_amount(self.from_mg, 'mg', decimals=2)} to "
            f"{format_amount(self.to_mg, 'mg')} ({self.made_of}; {percent(self.change)} change, "
            f"within {percent(self.tolerance)})"
        )


@dataclass(frozen=True, slots=True)
class RoundingRefused(Event):
    """A rounding would have moved the dose beyond its tolerance; the dose was left as it was."""

    kind: ClassVar[str] = "rounding_refused"
    flag: ClassVar[str] = "check"
    warning: ClassVar[bool] = True

    from_mg: float
    to_mg: float
    made_of: str
    change: float
    tolerance: float

    def __str__(self) -> str:
        return (
            f"rounding {format_amount(self.from_mg, 'mg', decimals=2)} to "
            f"{format_amount(self.to_mg, 'mg')} ({self.made_of}) refused: "
            f"{percent(self.change)} change exceeds the {percent(self.tolerance)} tolerance; "
            "dose left unrounded"
        )


@dataclass(frozen=True, slots=True)
class RoundingImpossible(Event):
    """The rounding policy could not make the dose at all; the dose was left as it was."""

    kind: ClassVar[str] = "rounding_impossible"
    flag: ClassVar[str] = "check"
    warning: ClassVar[bool] = True

    mg: float
    policy: str

    def __str__(self) -> str:
        return (
            f"rounding ({self.policy}) not possible for {format_amount(self.mg, 'mg')}; "
            "dose left unrounded"
        )


@dataclass(frozen=True, slots=True)
class RenalStartingDose(Event):
    """A renal starting-dose rule replaced the protocol's dose (and possibly its days).

    ``clearance`` is the patient's creatinine clearance in mL/min (``None`` on dialysis
    without a creatinine), ``band`` the table row that matched, ``table`` which label's
    table, ``every_days`` 1 for daily, 2 for every 48 hours.
    """

    kind: ClassVar[str] = "renal_starting_dose"
    flag: ClassVar[str] = "renal"
    warning: ClassVar[bool] = True

    drug: str
    clearance: str
    band: str
    table: str
    dose: str
    every_days: int
    source: str

    def outcome(self) -> str:
        """``CrCl 17.1 mL/min, band < 30 mL/min, not on dialysis -> 15 mg every 48 hours``."""
        every = "daily" if self.every_days == 1 else f"every {self.every_days * 24} hours"
        where = self.band if self.band == "on dialysis" else f"{self.clearance}, {self.band}"
        return f"{where} -> {self.dose} {every}"

    def __str__(self) -> str:
        return f"renal starting dose ({self.table} table): {self.outcome()}"


@dataclass(frozen=True, slots=True)
class NotDispensable(Event):
    """No whole number of the drug's declared strengths makes this dose."""

    kind: ClassVar[str] = "not_dispensable"
    flag: ClassVar[str] = "check"
    warning: ClassVar[bool] = True

    mg: float
    strengths: str
    nearest: tuple[str, ...]

    def __str__(self) -> str:
        nearest = " or ".join(self.nearest) if self.nearest else "none"
        return (
            f"no whole number of {self.strengths} units makes "
            f"{format_amount(self.mg, 'mg')}; nearest dispensable: {nearest}"
        )


@dataclass(frozen=True, slots=True)
class PremedicationNeeded(Event):
    """A drug that needs premedication on a day when the schedule has none of that kind."""

    kind: ClassVar[str] = "premedication_needed"
    flag: ClassVar[str] = "premedication"
    warning: ClassVar[bool] = True

    drug: str
    needs: str
    timing: str
    source: str

    def __str__(self) -> str:
        return (
            f"premedication to order separately: {self.drug} needs a {self.needs} "
            f"({self.timing}) and none is scheduled that day ({self.source})"
        )


@dataclass(frozen=True, slots=True)
class OlderPatientDose(Event):
    """The patient is older than a label's age cut, and a higher dose than it allows was chosen."""

    kind: ClassVar[str] = "older_patient_dose"
    flag: ClassVar[str] = "check"
    warning: ClassVar[bool] = True

    drug: str
    age: int
    age_above: int
    chosen: str
    allowed: str
    value: str
    source: str

    def __str__(self) -> str:
        return (
            f"patient is {self.age} years old (over {self.age_above}): the labels allow "
            f"{self.drug} {self.allowed} ({self.source}); {self.chosen} was chosen - to use "
            f"the lower dose, choose {self.drug} = {self.value}"
        )


@dataclass(frozen=True, slots=True)
class Delayed(Event):
    """A course amendment moved this dose later."""

    kind: ClassVar[str] = "delayed"
    flag: ClassVar[str] = "delayed"

    days: int
    at: str
    amendment: int
    why: str

    def __str__(self) -> str:
        return f"delayed {self.days} days from {self.at} ({self.why})"


@dataclass(frozen=True, slots=True)
class DoseLevelApplied(Event):
    """A course amendment set this dose to one of the drug's declared dose levels."""

    kind: ClassVar[str] = "dose_level"
    flag: ClassVar[str] = "dose level"
    warning: ClassVar[bool] = True

    level: str
    previous: str
    at: str
    amendment: int
    why: str
    source: str

    def __str__(self) -> str:
        tag = self.source.split(":", 1)[0]
        return f"dose level {self.level} from {self.at}, was {self.previous} ({self.why}; levels: {tag})"


@dataclass(frozen=True, slots=True)
class Reweighed(Event):
    """A course amendment gave a new weight; ``bsa`` says what it did to a mg/m² dose."""

    kind: ClassVar[str] = "reweighed"
    flag: ClassVar[str] = "new weight"

    weight_kg: float
    baseline_kg: float
    change_percent: float
    basis: str
    at: str
    amendment: int
    why: str

    def __str__(self) -> str:
        sign = "+" if self.weight_kg >= self.baseline_kg else "-"
        change = f"{sign}{format_number(abs(self.change_percent), decimals=1)} %"
        return (
            f"new weight {format_amount(self.weight_kg, 'kg', decimals=4)} from {self.at} "
            f"({change} from baseline {format_amount(self.baseline_kg, 'kg', decimals=4)}): "
            f"{self.basis} ({self.why})"
        )


@dataclass(frozen=True, slots=True)
class HeldDose(Event):
    """A course amendment held (omitted) this dose; it is not given."""

    kind: ClassVar[str] = "held"
    flag: ClassVar[str] = "held"
    warning: ClassVar[bool] = True

    drug: str
    at: str
    amendment: int
    why: str

    def __str__(self) -> str:
        return f"{self.drug} held at {self.at} ({self.why})"


@dataclass(frozen=True, slots=True)
class ClinicClosed(Event):
    """The dose falls on a date the clinic gave as closed; it was not moved."""

    kind: ClassVar[str] = "clinic_closed"
    flag: ClassVar[str] = "closed"
    warning: ClassVar[bool] = True

    date: str
    weekday: str

    def __str__(self) -> str:
        return (
            f"clinic closed on {self.weekday} {self.date}: dose not moved - give it elsewhere "
            "or record a delay"
        )
