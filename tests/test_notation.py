"""Doses written the ISMP way (clinical reference §9): no trailing zero, a leading zero, a space,
thousands separators and 'units' spelled out."""

from __future__ import annotations

import pytest

from dosing.notation import format_amount, format_number, report_precision, round_half_up


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (5, "mg", "5 mg"),
        (5.0, "mg", "5 mg"),  # never 5.0 mg
        (0.5, "mg", "0.5 mg"),  # never .5 mg
        (0.25, "mg", "0.25 mg"),
        (110.4, "mg", "110.4 mg"),
        (110.4 + 1e-9, "mg", "110.4 mg"),
        (1000, "mg", "1,000 mg"),
        (1280, "mg", "1,280 mg"),
        (1800.0, "mg", "1,800 mg"),
        (999, "mg", "999 mg"),
        (200000, "mg", "200,000 mg"),
        (56, "mg/m**2", "56 mg/m²"),
        (56, "mg/m2", "56 mg/m²"),
        (2.2, "m**2", "2.2 m²"),
        (16, "mg/kg", "16 mg/kg"),
        (12, "U", "12 units"),
        (12, "IU", "12 units"),
        (12, "u", "12 units"),
        (0, "mg", "0 mg"),
    ],
)
def test_amounts_follow_ismp(value, unit, text):
    """No trailing zero, always a leading zero, a space before the unit, separators from 1,000."""
    assert format_amount(value, unit) == text


@pytest.mark.parametrize("unit", ["U", "IU", "u", "unit"])
def test_units_are_spelled_out(unit):
    """'U' and 'IU' are error-prone abbreviations; 'units' is written instead."""
    assert format_amount(3, unit).endswith(" units")


def test_decimals_limit_places_without_trailing_zeros():
    """At most `decimals` places are kept and trailing zeros removed."""
    assert format_number(1.97203, decimals=3) == "1.972"
    assert format_number(1.9, decimals=3) == "1.9"
    assert format_number(1234.5) == "1,234.5"
    assert format_number(-0.001) == "0"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_numbers_cannot_be_written(value):
    """NaN and infinities are refused rather than written into an order."""
    with pytest.raises(ValueError, match="finite"):
        format_number(value)


@pytest.mark.parametrize(
    ("value", "step", "rounded"),
    [
        (110.45, 0.1, 110.5),
        (110.44, 0.1, 110.4),
        (0.125, 0.01, 0.13),
        (2.5, 1, 3.0),
        (-2.5, 1, -3.0),
        (123.2, 10, 120.0),
        (125, 10, 130.0),
        (100, 1e-300, 100.0),
        (1e300, 0.1, 1e300),
    ],
)
def test_round_half_up_rounds_halves_away_from_zero(value, step, rounded):
    """Halves go away from zero as on paper (not to even), for any finite value and step."""
    assert round_half_up(value, step) == rounded


@pytest.mark.parametrize(("mg", "step"), [(110.43, 0.1), (1.0, 0.1), (0.999, 0.01), (0.456, 0.01)])
def test_report_precision_is_0_1_mg_or_0_01_under_1_mg(mg, step):
    """Doses of 1 mg and above are reported to 0.1 mg, smaller ones to 0.01 mg."""
    assert report_precision(mg) == step
