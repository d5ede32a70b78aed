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

from dosing.bsa import (
    BSAFormula,
    WeightPolicy,
    adjusted_body_weight,
    body_surface_area,
    creatinine_clearance,
    ideal_body_weight,
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
)
from dosing.errors import (
    ChoiceError,
    DateError,
    DosingError,
    FormatError,
    MeasurementError,
    OutputError,
    PlausibilityError,
    Problem,
    ProtocolError,
    RoundingError,
    ScheduleError,
    UnknownProtocolError,
)
from dosing.notation import format_amount
from dosing.patient import Patient
from dosing.protocol import (
    Protocol,
    builtin_protocols,
    get_protocol,
    load_protocol,
    load_protocols,
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

__all__ = [
    "VERIFICATION_NOTICE",
    "Administration",
    "BSAFormula",
    "Basis",
    "ChoiceError",
    "DateError",
    "Dose",
    "DoseRule",
    "DosingError",
    "FormatError",
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
    "protocol_json_schema",
    "registry",
    "resolve_choices",
]
