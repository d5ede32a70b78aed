"""dosing: multiple-myeloma carfilzomib protocols expanded into per-patient dosing calendars.

Every dose carries its trace (rule, measurement, caps, rounding), so it can be checked.
A calculator for trained clinicians: verify every dose before use.

>>> import datetime, dosing
>>> schedule = dosing.build_schedule(
...     dosing.get_protocol("D-KRd"),
...     dosing.Patient(height="175 cm", weight="80 kg"),
...     "2026-01-05", cycles=1, today=datetime.date(2026, 1, 1),
... )
>>> len(schedule.administrations)
35
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dosing.bsa import (
        BSAFormula,
        WeightPolicy,
        adjusted_body_weight,
        body_surface_area,
        creatinine_clearance,
        ideal_body_weight,
    )
    from dosing.catalogue import (
        builtin_protocols,
        get_protocol,
        load_protocol,
        load_protocols,
    )
    from dosing.dose import (
        Basis,
        Dose,
        DoseRule,
        NearestIncrement,
        OralStrengths,
        RoundingPolicy,
        VialBanding,
        compute_dose,
        parse_rounding,
    )
    from dosing.errors import (
        ChoiceError,
        DateError,
        DocumentError,
        DosingError,
        FormatError,
        ImmutableError,
        MeasurementError,
        OutputError,
        PlausibilityError,
        Problem,
        ProtocolError,
        RoundingError,
        ScheduleError,
        UnknownProtocolError,
    )
    from dosing.export.document import ScheduleDocument
    from dosing.notation import format_amount
    from dosing.patient import Patient
    from dosing.protocol import (
        Protocol,
        loads_protocol,
        protocol_json_schema,
        resolve_choices,
    )
    from dosing.schedule import (
        VERIFICATION_NOTICE,
        Administration,
        Schedule,
        TreatmentDay,
        build_schedule,
        parse_date,
    )
    from dosing.units import parse_creatinine, parse_length, parse_mass, registry

__version__ = "0.1.0"

# Each public name and the module it lives in: imported on first use, so that a command
# such as `dosing --help` does not pay for pint and pydantic.
_LAZY = {
    "Administration": "dosing.schedule",
    "BSAFormula": "dosing.bsa",
    "Basis": "dosing.dose",
    "ChoiceError": "dosing.errors",
    "DateError": "dosing.errors",
    "DocumentError": "dosing.errors",
    "Dose": "dosing.dose",
    "DoseRule": "dosing.dose",
    "DosingError": "dosing.errors",
    "FormatError": "dosing.errors",
    "ImmutableError": "dosing.errors",
    "MeasurementError": "dosing.errors",
    "NearestIncrement": "dosing.dose",
    "OralStrengths": "dosing.dose",
    "OutputError": "dosing.errors",
    "Patient": "dosing.patient",
    "PlausibilityError": "dosing.errors",
    "Problem": "dosing.errors",
    "Protocol": "dosing.protocol",
    "ProtocolError": "dosing.errors",
    "RoundingError": "dosing.errors",
    "RoundingPolicy": "dosing.dose",
    "Schedule": "dosing.schedule",
    "ScheduleDocument": "dosing.export.document",
    "ScheduleError": "dosing.errors",
    "TreatmentDay": "dosing.schedule",
    "UnknownProtocolError": "dosing.errors",
    "VERIFICATION_NOTICE": "dosing.schedule",
    "VialBanding": "dosing.dose",
    "WeightPolicy": "dosing.bsa",
    "adjusted_body_weight": "dosing.bsa",
    "body_surface_area": "dosing.bsa",
    "build_schedule": "dosing.schedule",
    "builtin_protocols": "dosing.catalogue",
    "compute_dose": "dosing.dose",
    "creatinine_clearance": "dosing.bsa",
    "format_amount": "dosing.notation",
    "get_protocol": "dosing.catalogue",
    "ideal_body_weight": "dosing.bsa",
    "load_protocol": "dosing.catalogue",
    "load_protocols": "dosing.catalogue",
    "loads_protocol": "dosing.protocol",
    "parse_creatinine": "dosing.units",
    "parse_date": "dosing.schedule",
    "parse_length": "dosing.units",
    "parse_mass": "dosing.units",
    "parse_rounding": "dosing.dose",
    "protocol_json_schema": "dosing.protocol",
    "registry": "dosing.units",
    "resolve_choices": "dosing.protocol",
}


def __getattr__(name: str) -> Any:
    """Import a public name from its module the first time it is used."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'dosing' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "VERIFICATION_NOTICE",
    "Administration",
    "BSAFormula",
    "Basis",
    "ChoiceError",
    "DateError",
    "DocumentError",
    "Dose",
    "DoseRule",
    "DosingError",
    "FormatError",
    "ImmutableError",
    "MeasurementError",
    "NearestIncrement",
    "OralStrengths",
    "OutputError",
    "Patient",
    "PlausibilityError",
    "Problem",
    "Protocol",
    "ProtocolError",
    "RoundingError",
    "RoundingPolicy",
    "Schedule",
    "ScheduleDocument",
    "ScheduleError",
    "TreatmentDay",
    "UnknownProtocolError",
    "VialBanding",
    "WeightPolicy",
    "__version__",
    "adjusted_body_weight",
    "body_surface_area",
    "build_schedule",
    "builtin_protocols",
    "compute_dose",
    "creatinine_clearance",
    "format_amount",
    "get_protocol",
    "ideal_body_weight",
    "load_protocol",
    "load_protocols",
    "loads_protocol",
    "parse_creatinine",
    "parse_date",
    "parse_length",
    "parse_mass",
    "parse_rounding",
    "protocol_json_schema",
    "registry",
    "resolve_choices",
]
