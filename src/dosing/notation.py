"""Writing doses the ISMP way: the one function every output uses.

Rules (ISMP list of error-prone abbreviations; clinical reference §9): no trailing zero
(``5 mg``, never ``5.0 mg``), always a leading zero (``0.5 mg``), a space between number and
unit, thousands separators from 1,000 up, and ``units`` spelled out.

>>> from dosing.notation import format_amount
>>> format_amount(5.0, "mg"), format_amount(0.5, "mg"), format_amount(1280, "mg")
('5 mg', '0.5 mg', '1,280 mg')
>>> format_amount(12.0, "U")
'12 units'
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, localcontext

__all__ = [
    "REPORTING",
    "format_amount",
    "format_number",
    "plain_number",
    "report_decimals",
    "report_precision",
    "round_half_up",
]

_UNIT_SPELLING = {
    "U": "units",
    "u": "units",
    "IU": "units",
    "unit": "units",
    "m**2": "m²",
    "mg/m**2": "mg/m²",
    "mg/m2": "mg/m²",
    "m2": "m²",
}


def round_half_up(value: float, step: float) -> float:
    """Round ``value`` to a multiple of ``step``, halves away from zero (as on paper).

    >>> round_half_up(110.45, 0.1), round_half_up(0.125, 0.01), round_half_up(2.5, 1)
    (110.5, 0.13, 3.0)
    """
    if not math.isfinite(value):
        raise ValueError(f"value must be finite, got {value}")
    if not (math.isfinite(step) and step > 0):
        raise ValueError(f"step must be positive and finite, got {step}")
    # Enough digits for any float over any float step (1e308 / 5e-324 has 632 digits);
    # the default 28 made quantize() fail for a tiny step or a huge value.
    with localcontext() as ctx:
        ctx.prec = 700
        quantum = Decimal(repr(step))
        exact = Decimal(repr(value)) / quantum
        return float(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP) * quantum)


#: How a dose is reported without a rounding policy, as text for outputs.
REPORTING = "0.1 mg (0.01 mg under 1 mg, 0.001 mg under 0.1 mg, 0.0001 mg under 0.01 mg)"


def report_precision(mg: float) -> float:
    """The step a dose is reported to without a rounding policy (see :data:`REPORTING`).

    A small dose keeps two significant figures or more, so that it never reads as 0 mg.

    >>> report_precision(110.43), report_precision(0.456), report_precision(0.06), report_precision(0.003)
    (0.1, 0.01, 0.001, 0.0001)
    """
    size = abs(mg)
    if size >= 1:
        return 0.1
    if size >= 0.1:
        return 0.01
    return 0.001 if size >= 0.01 else 0.0001


def report_decimals(mg: float) -> int:
    """The decimals of :func:`report_precision` for ``mg`` (1 to 4).

    >>> report_decimals(110.4), report_decimals(0.0012)
    (1, 4)
    """
    return {0.1: 1, 0.01: 2, 0.001: 3}.get(report_precision(mg), 4)


def format_number(value: float, *, decimals: int = 2) -> str:
    """Write a number with at most ``decimals`` places, no trailing zeros, with separators.

    >>> format_number(1234.5), format_number(0.25), format_number(2.0), format_number(1.97203, decimals=3)
    ('1,234.5', '0.25', '2', '1.972')
    """
    if not math.isfinite(value):
        raise ValueError(f"value must be finite, got {value}")
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def plain_number(value: float, *, decimals: int = 4) -> str:
    """A number for a data column: no separators, no trailing zeros (``1280``, ``110.4335``).

    Spreadsheets in any locale and CSV readers take it as a number; the ISMP forms with
    thousands separators are for text a person reads.

    >>> plain_number(1280.0), plain_number(110.43349), plain_number(0.5)
    ('1280', '110.4335', '0.5')
    """
    return format_number(value, decimals=decimals).replace(",", "")


def format_amount(value: float, unit: str, *, decimals: int = 2) -> str:
    """Write an amount and its unit per ISMP: ``110.4 mg``, ``0.5 mg``, ``1,800 mg``, ``56 mg/m²``.

    >>> format_amount(56, "mg/m**2")
    '56 mg/m²'
    """
    return f"{format_number(value, decimals=decimals)} {_UNIT_SPELLING.get(unit, unit)}"
