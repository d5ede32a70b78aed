"""The JSON schedule document: its model, its JSON Schema and its version.

:func:`dosing.export.table.to_json` writes a schedule as one JSON document whose ``format``
key names its version, :data:`~dosing.export.table.SCHEDULE_FORMAT` (``dosing-schedule/1``).
:class:`ScheduleDocument` is the pydantic model of exactly that document: every key, every
type, nothing more (``additionalProperties`` is false throughout). Read a document back with
``ScheduleDocument.model_validate_json(text)``; its ``model_dump(mode="json")`` is the
document again. :func:`document_json_schema` is its JSON Schema (``dosing schema
--document``; ``docs/schedule.schema.json``).

Measurements are objects of a number and its unit - ``{"value": 175.0, "unit": "cm"}`` - for
the patient's height, weight and serum creatinine, the BSA, the creatinine clearance, and
each dose's calculated value, rate and the measurement the rate was multiplied by. Each
unit is fixed by the schema and written as UCUM writes it, in ASCII, as protocol files do:
``cm``, ``kg``, ``mg/dL``, ``m2``, ``mL/min``, ``mg``; a rate in ``mg/m2``, ``mg/kg`` or
``mg``. An administration's dose to give is also a plain number beside its unit (``"dose":
110.4, "unit": "mg"``), like the CSV's columns. Reading is strict: a number is never a
string that looks like one, and anything that is not such a document raises
:class:`~dosing.errors.DocumentError`.

The model is built from the same trace events (:mod:`dosing.trace`) and course amendments
(:mod:`dosing.course`) the schedule holds, so a new event kind is in the document's schema
as soon as it exists.

>>> import datetime as dt
>>> from dosing import Patient, build_schedule, get_protocol
>>> s = build_schedule(get_protocol("KRd"), Patient(height="175 cm", weight="80 kg"),
...                    "2026-01-05", cycles=1, today=dt.date(2026, 1, 1))
>>> doc = ScheduleDocument.from_schedule(s, generated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
>>> doc.format, doc.patient.height, doc.bsa.value
('dosing-schedule/1', Centimetres(value=175.0, unit='cm'), 1.972)
>>> first = doc.administrations[0]
>>> first.date, first.drug, first.dose, first.calculated.value, [e.kind for e in first.events]
(datetime.date(2026, 1, 5), 'carfilzomib', 39.4, 39.440532, ['step_up'])
>>> ScheduleDocument.model_validate_json(doc.model_dump_json()) == doc
True
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import typing
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from dosing import course, trace
from dosing.bsa import BSAFormula, WeightPolicy
from dosing.errors import DocumentError

if TYPE_CHECKING:
    from dosing.schedule import Schedule

__all__ = [
    "AdministrationData",
    "BSAData",
    "Centimetres",
    "ChoiceData",
    "CodingData",
    "CourseData",
    "CyclesData",
    "DrugCodesData",
    "DrugData",
    "DrugTotalData",
    "HeldAdministration",
    "Kilograms",
    "Milligrams",
    "MilligramsPerDecilitre",
    "MillilitresPerMinute",
    "PatientData",
    "PremedicationDay",
    "ProtocolData",
    "Rate",
    "RenalData",
    "RouteCodesData",
    "ScheduleDocument",
    "SourceData",
    "SquareMetres",
    "StartingDose",
    "document_json_schema",
]


class _Part(BaseModel):
    """Base of every part of the document: frozen, strict, no key the document does not have.

    Strict: a number is a number, never a string that looks like one.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


# -- measurements ------------------------------------------------------------------------------


class Centimetres(_Part):
    """A length in cm."""

    value: float
    unit: Literal["cm"]


class Kilograms(_Part):
    """A mass in kg (a body weight)."""

    value: float
    unit: Literal["kg"]


class MilligramsPerDecilitre(_Part):
    """A serum creatinine in mg/dL (a value entered in µmol/L is converted)."""

    value: float
    unit: Literal["mg/dL"]


class SquareMetres(_Part):
    """A body surface area in m² (``m2``)."""

    value: float
    unit: Literal["m2"]


class MillilitresPerMinute(_Part):
    """A creatinine clearance in mL/min."""

    value: float
    unit: Literal["mL/min"]


class Milligrams(_Part):
    """A dose in mg."""

    value: float
    unit: Literal["mg"]


class Rate(_Part):
    """A dose rule's rate: per m² of BSA, per kg of body weight, or a flat dose in mg."""

    value: float
    unit: Literal["mg/m2", "mg/kg", "mg"]


Measure = Annotated[
    SquareMetres | Kilograms, Field(discriminator="unit", description="What the rate is per.")
]


# -- trace events and amendments, from their own definitions -----------------------------------


class _EventBase(_Part):
    """What every trace event has: its kind, its sentence, and whether it is a warning."""

    kind: str
    text: str
    warning: bool


def _event_model(cls: type[trace.Event]) -> type[_EventBase]:
    """The model of ``cls.as_dict()``: kind, text and warning, then the event's facts."""
    hints = typing.get_type_hints(cls)
    fields: dict[str, Any] = {
        "kind": (Literal[cls.kind], ...),
        "warning": (Literal[cls.warning], ...),
    }
    fields |= {f.name: (hints[f.name], ...) for f in dataclasses.fields(cls)}
    return create_model(
        cls.__name__, __base__=_EventBase, __doc__=cls.__doc__, __module__=__name__, **fields
    )


_EVENT_MODELS = {
    cls: _event_model(cls)
    for cls in (getattr(trace, name) for name in trace.__all__)
    if isinstance(cls, type) and issubclass(cls, trace.Event) and cls is not trace.Event
}


class _Numbered(_Part):
    number: int = Field(ge=1, description="The amendment's place in the course, from 1.")


class _Placed(_Part):
    """Where in the course an entry falls."""

    date: dt.date
    cycle: int
    day: int


if TYPE_CHECKING:  # what the type checker sees; the models themselves are built below
    AnyEvent = _EventBase
    AnyAmendment = course._Amendment
    HeldAdministration = _EventBase
    PremedicationDay = _EventBase
else:
    AnyEvent = Annotated[Union[tuple(_EVENT_MODELS.values())], Field(discriminator="kind")]  # noqa: UP007
    # a course amendment as the document lists it: its own fields and its number
    AnyAmendment = Annotated[
        Union[  # noqa: UP007
            tuple(
                create_model(f"{c.__name__}Amendment", __base__=(c, _Numbered), __module__=__name__)
                for c in typing.get_args(typing.get_args(course.Amendment)[0])
            )
        ],
        Field(discriminator="kind"),
    ]
    HeldAdministration = create_model(
        "HeldAdministration",
        __base__=(_Placed, _EVENT_MODELS[trace.HeldDose]),
        __module__=__name__,
        __doc__="A planned dose a course amendment held: where it was, and why.",
        route=(str, ...),
    )
    PremedicationDay = create_model(
        "PremedicationDay",
        __base__=(_Placed, _EVENT_MODELS[trace.PremedicationNeeded]),
        __module__=__name__,
        __doc__="A day a drug needs premedication the schedule does not give.",
    )


# -- the document ------------------------------------------------------------------------------


class PatientData(_Part):
    """The patient: measurements as used (converted), the other facts, values as entered."""

    height: Centimetres
    weight: Kilograms
    sex: Literal["female", "male"] | None
    age: int | None
    date_of_birth: dt.date | None
    serum_creatinine: MilligramsPerDecilitre | None
    dialysis: bool | None
    identifier: str | None
    accept_outlier: bool
    outliers: tuple[str, ...]
    entered: dict[str, str] = Field(description="Each measurement as typed, before conversion.")


class BSAData(_Part):
    """The patient's BSA (uncapped) and the formula that gave it."""

    value: float
    unit: Literal["m2"]
    formula: BSAFormula
    formula_is_default: bool


class SourceData(_Part):
    """A source the protocol follows."""

    tag: str
    citation: str


class CodingData(_Part):
    """One code in one code system, with its display text (a FHIR ``Coding``)."""

    system: str
    code: str
    display: str


class RouteCodesData(_Part):
    """A route's SNOMED CT and EDQM Standard Terms codes, and where they were found."""

    text: str
    snomed: CodingData
    edqm: CodingData
    citation: str


class DrugCodesData(_Part):
    """A drug's own codes as its protocol file gives them, and where they were found."""

    rxnorm: str | None
    atc: str | None
    citation: str


class DrugData(_Part):
    """A protocol drug's identity: name, route, product, and the codes of both."""

    name: str
    route: str
    product: str | None
    codes: DrugCodesData | None = Field(description="Null when the protocol file gives none.")
    route_codes: RouteCodesData


class ProtocolData(_Part):
    """The protocol the schedule follows, and where it was loaded from."""

    id: str
    name: str
    setting: str
    cycle_length_days: int
    anchor_day: int = Field(description="The day of cycle 1 that the start date names.")
    origin: str
    sources: tuple[SourceData, ...]
    notes: tuple[str, ...]
    drugs: tuple[DrugData, ...]


class ChoiceData(_Part):
    """The value used for one of the protocol's choices, in the choice's unit."""

    value: float
    unit: str
    default: bool
    allowed: tuple[float, ...]


class CyclesData(_Part):
    """How many cycles, whether that is the protocol's default, and the dates they span."""

    count: int
    default: bool
    start: dt.date
    end: dt.date


class CourseData(_Part):
    """The course: its id, first cycle, amendments in order, and the doses they held."""

    id: str | None
    first_cycle: int
    amendments: tuple[AnyAmendment, ...]
    held: tuple[HeldAdministration, ...]


class StartingDose(_Part):
    """What a drug's renal starting-dose table gave."""

    applied: bool
    note: str


class RenalData(_Part):
    """The renal assessment (``null`` facts when not given) and each renal table's outcome."""

    given: bool
    summary: str
    clearance: MillilitresPerMinute | None
    method: Literal["Cockcroft-Gault"] | None
    weight_policy: WeightPolicy | None
    weight_policy_is_default: bool | None
    dialysis: bool | None
    table: str | None
    table_is_default: bool | None
    starting_doses: dict[str, StartingDose]


class AdministrationData(_Part):
    """One dose of one drug on one date, with its calculation and its trace."""

    date: dt.date
    weekday: Literal["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    cycle: int
    day: int
    drug: str
    dose: float = Field(description="The dose to give, in ``unit``.")
    unit: Literal["mg"]
    route: str
    basis: str = Field(description="The calculation in words.")
    calculated: Milligrams = Field(description="Rate × measure after caps, before rounding.")
    rate: Rate
    measure: Measure | None = Field(description="The BSA or weight used; null for a flat dose.")
    step_up: bool
    reason: str
    events: tuple[AnyEvent, ...]


class DrugTotalData(_Part):
    """Total mg of one drug in one cycle, and cumulative to the end of that cycle."""

    drug: str
    cycle: int
    doses: int
    total_mg: float
    cumulative_mg: float


class ScheduleDocument(_Part):
    """The JSON document of one schedule, format ``dosing-schedule/1``.

    Build one from a schedule with :meth:`from_schedule`, or read one a file holds with
    ``ScheduleDocument.model_validate_json(text)``.
    """

    model_config = ConfigDict(title="dosing schedule document")

    format: Literal["dosing-schedule/1"] = Field(description="The document's name and version.")
    notice: str
    generated: dt.datetime = Field(description="When the document was generated (UTC).")
    patient: PatientData
    bsa: BSAData
    protocol: ProtocolData
    choices: dict[str, ChoiceData]
    cycles: CyclesData
    course: CourseData
    renal: RenalData
    age_checks: tuple[str, ...]
    warnings: tuple[str, ...]
    premedication: tuple[PremedicationDay, ...]
    notes: tuple[str, ...]
    drug_notes: dict[str, str]
    administrations: tuple[AdministrationData, ...]
    totals: tuple[DrugTotalData, ...]

    @classmethod
    def model_validate_json(
        cls, json_data: str | bytes | bytearray, **kwargs: Any
    ) -> ScheduleDocument:
        """Read a document from JSON text; anything else is a :class:`~dosing.DocumentError`.

        >>> ScheduleDocument.model_validate_json('{"format": "dosing-schedule/2"}')
        Traceback (most recent call last):
          ...
        dosing.errors.DocumentError: format must be 'dosing-schedule/1', got 'dosing-schedule/2' - this library reads version 1; 16 more problems are in the error's details
        """
        try:
            return super().model_validate_json(json_data, **kwargs)
        except ValidationError as err:
            raise _document_error(err) from None

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> ScheduleDocument:
        """Read a document from JSON data as ``json.load`` gives it, as the JSON text is read.

        A document is JSON: dates are ISO strings, lists stand for tuples, and a number is
        never a string, so the data is read exactly as :meth:`model_validate_json` reads it.
        """
        try:
            text = json.dumps(obj, allow_nan=False)
        except (TypeError, ValueError):
            raise DocumentError(
                "document", "JSON data (as json.load gives it)", type(obj).__name__
            ) from None
        return cls.model_validate_json(text, **kwargs)

    @classmethod
    def from_schedule(
        cls, schedule: Schedule, *, generated_at: dt.datetime | None = None
    ) -> ScheduleDocument:
        """The document :func:`~dosing.export.table.to_json` writes for ``schedule``, read back."""
        from dosing.export.table import to_json_data

        return cls.model_validate(to_json_data(schedule, generated_at=generated_at))


def _document_error(error: ValidationError) -> DocumentError:
    """The first of pydantic's problems as a DosingError; all of them in ``details``."""
    problems = error.errors(include_url=False)
    first = problems[0]
    where = ".".join(str(part) for part in first["loc"]) or "document"
    kind, text = first["type"], first["msg"]
    got: object = repr(first.get("input"))
    if kind == "missing":
        constraint, got = "present", "nothing"
    elif kind == "extra_forbidden":
        constraint = "absent (no such key in dosing-schedule/1)"
    elif kind in {"union_tag_invalid", "union_tag_not_found"}:
        context = first.get("ctx", {})
        where += "." + str(context.get("discriminator", "kind")).strip("'")
        constraint = f"one of {context.get('expected_tags', 'the known kinds')}"
        got = repr(context["tag"]) if "tag" in context else "nothing"
    elif kind == "json_invalid":
        where, constraint = "document", "valid JSON"
        got = text.removeprefix("Invalid JSON: ")
    else:
        constraint = text[0].lower() + text[1:]
        constraint = constraint.removeprefix("input should be ").removeprefix("value error, ")
    more = len(problems) - 1
    hints = []
    if first["loc"] == ("format",):
        hints.append("this library reads version 1")
    if more:
        noun = "problem is" if more == 1 else "problems are"
        hints.append(f"{more} more {noun} in the error's details")
    shown = str(got)
    shown = shown if len(shown) <= 100 else shown[:97] + "..."
    result = DocumentError(where, constraint, shown, "; ".join(hints))
    result.details = tuple(dict(p) for p in problems)
    return result


def document_json_schema() -> dict[str, Any]:
    """The JSON Schema of the schedule document (what ``dosing schema --document`` prints)."""
    schema = ScheduleDocument.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
