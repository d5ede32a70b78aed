"""Dose rules, BSA caps, maximum doses, report precision, rounding policies and the trace.

Carfilzomib values follow the clinical reference §2 (BSA cap 2.2 m²; manufacturer example at
1.8 m²); daratumumab 16 mg/kg follows §3.
"""

from __future__ import annotations

import pint
import pytest

from dosing import (
    Basis,
    DoseRule,
    MeasurementError,
    NearestIncrement,
    OralStrengths,
    Patient,
    RoundingError,
    VialBanding,
    compute_dose,
)
from dosing.units import Quantity

STANDARD = Patient(height="175 cm", weight="80 kg")  # Mosteller 1.972 m²
LARGE = Patient(height="200 cm", weight="120 kg")  # Mosteller 2.582 m², above the cap
BSA_1_8 = Patient(height="162 cm", weight="72 kg")  # Mosteller √(162·72/3600) = 1.8 m² exactly


# -- rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount", "basis"),
    [
        ("56 mg/m²", 56.0, Basis.PER_M2),
        ("56 mg/m2", 56.0, Basis.PER_M2),
        ("56mg/m2", 56.0, Basis.PER_M2),
        ("56 mg/m^2", 56.0, Basis.PER_M2),
        ("1.5 g/m2", 1500.0, Basis.PER_M2),
        ("16 mg/kg", 16.0, Basis.PER_KG),
        ("500 µg/kg", 0.5, Basis.PER_KG),
        ("25 mg", 25.0, Basis.FLAT),
        ("1 g", 1000.0, Basis.FLAT),
        (Quantity(56, "mg/m**2"), 56.0, Basis.PER_M2),
        (pint.UnitRegistry().Quantity(16, "mg/kg"), 16.0, Basis.PER_KG),
    ],
)
def test_rule_parses_per_m2_per_kg_and_flat(text, amount, basis):
    """Rules read in mg/m², mg/kg or mg, with unit prefixes converted to mg."""
    rule = DoseRule.parse(text)
    assert rule.basis is basis
    assert rule.amount == pytest.approx(amount)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("56 mg/m", r"dose must be mg, mg/m² or mg/kg, got '56 mg/m' \(mg/m\)"),
        ("16 mg/kg/day", "dose must be mg, mg/m² or mg/kg"),
        ("56 kg/kg", "dose must be mg, mg/m² or mg/kg"),
        ("56", "dose must be a unit"),
        ("mg", "dose must be a number and a unit"),
        ("", "dose must be a number and a unit"),
        ("-5 mg", "dose must be a positive finite dose"),
        ("0 mg", "dose must be a positive finite dose"),
        ("nan mg", "dose must be a positive finite dose"),
        ("inf mg/kg", "dose must be a positive finite dose"),
        (56, "dose must be a dose with a unit"),
        (None, "dose must be a dose with a unit"),
        (True, "dose must be a dose with a unit"),
    ],
)
def test_rule_with_the_wrong_dimension_or_no_number_is_refused(text, message):
    """A rate per length, per time, dimensionless, bare or non-positive is refused."""
    with pytest.raises(MeasurementError, match=message):
        DoseRule.parse(text)


def test_bsa_cap_needs_an_area_and_a_per_m2_rule():
    """The BSA cap must be an area with a unit, and only a mg/m² rule can have one."""
    assert DoseRule.parse("56 mg/m²", bsa_cap="2.2 m²").cap == Quantity(2.2, "m**2")
    with pytest.raises(MeasurementError, match="bsa_cap must be an area"):
        DoseRule.parse("56 mg/m²", bsa_cap="2.2")
    with pytest.raises(MeasurementError, match="bsa_cap must be used only with a mg/m² dose"):
        DoseRule.parse("16 mg/kg", bsa_cap="2.2 m²")
    with pytest.raises(MeasurementError, match="bsa_cap must be a positive"):
        DoseRule.parse("56 mg/m²", bsa_cap="-2.2 m²")


def test_max_dose_needs_a_mass():
    """The maximum dose must be a positive mass with a unit."""
    assert DoseRule.parse("300 mg/m²", max_dose="0.5 g").maximum == Quantity(500, "mg")
    with pytest.raises(MeasurementError, match="max_dose must be a mass"):
        DoseRule.parse("300 mg/m²", max_dose=500)
    with pytest.raises(MeasurementError, match="max_dose must be a positive"):
        DoseRule.parse("300 mg/m²", max_dose="-500 mg")


def test_rule_text_names_caps():
    """A rule prints its rate and any cap or maximum."""
    assert str(DoseRule.parse("56 mg/m2", bsa_cap="2.2 m2")) == "56 mg/m² (BSA capped at 2.2 m²)"
    assert str(DoseRule.parse("300 mg/m2", max_dose="500 mg")) == "300 mg/m² (max 500 mg)"


# -- doses ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "mg"), [("20 mg/m²", 44.0), ("56 mg/m²", 123.2), ("70 mg/m²", 154.0)]
)
def test_carfilzomib_is_capped_at_2_2_m2(rate, mg):
    """Above 2.2 m², carfilzomib is dosed as 2.2 m²: 44, 123.2 and 154 mg at 20, 56, 70 mg/m²."""
    dose = compute_dose(DoseRule.parse(rate, bsa_cap="2.2 m²"), LARGE)
    assert dose.final_mg == pytest.approx(mg)
    assert dose.measure == 2.2
    assert dose.notes == ("BSA 2.582 m² (Mosteller) capped at 2.2 m²",)
    assert dose.modified


@pytest.mark.parametrize(("rate", "mg"), [("20 mg/m²", 36.0), ("70 mg/m²", 126.0)])
def test_manufacturer_example_at_1_8_m2(rate, mg):
    """At BSA 1.8 m², 20 mg/m² gives 36 mg and 70 mg/m² gives 126 mg (manufacturer example)."""
    dose = compute_dose(DoseRule.parse(rate, bsa_cap="2.2 m²"), BSA_1_8)
    assert dose.final_mg == pytest.approx(mg)
    assert dose.notes == ()
    assert not dose.modified


def test_cap_does_not_apply_below_it():
    """A BSA under the cap is used as is: 56 mg/m² x 1.972 m² = 110.4 mg."""
    dose = compute_dose(DoseRule.parse("56 mg/m²", bsa_cap="2.2 m²"), STANDARD)
    assert dose.text == "110.4 mg"
    assert dose.basis == "56 mg/m² × 1.972 m² (Mosteller)"


def test_per_kg_dose_uses_actual_weight():
    """Daratumumab 16 mg/kg x 80 kg = 1,280 mg."""
    dose = compute_dose(DoseRule.parse("16 mg/kg"), STANDARD)
    assert dose.final_mg == 1280.0
    assert dose.text == "1,280 mg"
    assert dose.mg == Quantity(1280, "mg")
    assert dose.basis == "16 mg/kg × 80 kg actual weight"


def test_flat_dose_ignores_the_patient():
    """A flat 25 mg dose is 25 mg for every patient."""
    assert compute_dose(DoseRule.parse("25 mg"), STANDARD).final_mg == 25.0
    assert compute_dose(DoseRule.parse("25 mg"), LARGE).final_mg == 25.0
    assert compute_dose(DoseRule.parse("25 mg"), STANDARD).basis == "25 mg flat"


def test_maximum_dose_caps_the_calculation():
    """Cyclophosphamide 300 mg/m² capped at 500 mg gives 500 mg at 2.58 m² and says so."""
    dose = compute_dose(DoseRule.parse("300 mg/m²", max_dose="500 mg"), LARGE)
    assert dose.final_mg == 500.0
    assert dose.notes == ("calculated 774.6 mg capped at the maximum dose 500 mg",)


def test_bsa_formula_is_used_and_named():
    """The chosen formula is used for the BSA and named in the basis."""
    dose = compute_dose(
        DoseRule.parse("56 mg/m²"), Patient(height=170, weight=75), bsa_formula="boyd"
    )
    assert dose.calculated_mg == pytest.approx(56 * 1.9051, abs=0.01)
    assert "(Boyd)" in dose.basis


# -- report precision -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "final"),
    [
        ("110.45 mg", 110.5),  # half up, not half even
        ("110.44 mg", 110.4),
        ("0.625 mg", 0.63),  # under 1 mg: 0.01 mg, half up
        ("0.624 mg", 0.62),
        ("0.995 mg", 1.0),
        ("2.25 mg", 2.3),
    ],
)
def test_without_a_policy_doses_are_reported_to_0_1_mg_or_0_01_under_1_mg(rule, final):
    """The reported dose is to 0.1 mg (0.01 mg under 1 mg), halves rounded up; calculated is kept."""
    dose = compute_dose(DoseRule.parse(rule), STANDARD)
    assert dose.final_mg == final
    assert dose.calculated_mg == float(rule.split()[0])


def test_report_precision_for_a_small_weight_based_dose():
    """0.0125 mg/kg x 50 kg = 0.625 mg is reported as 0.63 mg (half up)."""
    dose = compute_dose(DoseRule.parse("0.0125 mg/kg"), Patient(height=160, weight=50))
    assert dose.text == "0.63 mg"


# -- rounding -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "policy", "final", "made_of"),
    [
        ("56 mg/m²", NearestIncrement(10), 110.0, "nearest 10 mg"),
        ("56 mg/m²", NearestIncrement(1, tolerance=0.05), 110.0, "nearest 1 mg"),
        ("24.2 mg", OralStrengths((2.5, 5, 10, 15, 20, 25)), 25.0, "1 × 25 mg capsules/tablets"),
        ("17 mg", OralStrengths((2.5, 5, 10, 15, 20, 25)), 17.5, "1 × 15 mg + 1 × 2.5 mg"),
        ("123.2 mg", VialBanding((10, 30, 60), tolerance=0.05), 120.0, "2 × 60 mg vials"),
        ("1280 mg", VialBanding((100, 400), tolerance=0.05), 1300.0, "3 × 400 mg + 1 × 100 mg"),
    ],
)
def test_rounding_within_tolerance_is_applied_and_noted(rule, policy, final, made_of):
    """A rounding within its tolerance sets the final dose and the note says from what and how."""
    dose = compute_dose(DoseRule.parse(rule), STANDARD, rounding=policy)
    assert dose.final_mg == final
    assert dose.warnings == ()
    assert len(dose.notes) == 1
    assert dose.notes[0].startswith("rounded from ")
    assert made_of in dose.notes[0]
    assert abs(dose.final_mg - dose.calculated_mg) <= policy.tolerance * dose.calculated_mg


@pytest.mark.parametrize(
    ("rule", "policy", "change"),
    [
        ("56 mg/m²", NearestIncrement(50, tolerance=0.05), "9.4 %"),
        ("36 mg", VialBanding((60,), tolerance=0.10), "66.7 %"),
        ("15 mg", OralStrengths((25,), tolerance=0.10), "66.7 %"),
        ("11 mg", NearestIncrement(10, tolerance=0.05), "9.1 %"),
    ],
)
def test_rounding_beyond_tolerance_is_refused_with_a_warning(rule, policy, change):
    """A rounding past its tolerance is refused: a warning says why, the dose stays unrounded."""
    dose = compute_dose(DoseRule.parse(rule), STANDARD, rounding=policy)
    assert dose.final_mg == round(dose.calculated_mg, 1)
    assert len(dose.warnings) == 1
    warning = dose.warnings[0]
    assert "refused" in warning
    assert change in warning
    assert "dose left unrounded" in warning
    assert f"warning: {warning}" in dose.trace()


def test_rounding_that_is_not_possible_is_a_warning():
    """When no combination can be searched (a dose over 100 g), the dose stays unrounded."""
    dose = compute_dose(DoseRule.parse("200 g"), STANDARD, rounding=OralStrengths((2.5,)))
    assert dose.final_mg == 200_000
    assert "not possible" in dose.warnings[0]


def test_rounding_search_is_bounded_for_tiny_sizes():
    """A 0.01 mg vial for a 99 g dose is refused quickly instead of exhausting memory."""
    assert VialBanding((0.01,)).propose(99_999) is None


def test_rounding_at_exactly_the_dose_adds_no_note():
    """A rounding that changes nothing leaves no note and no warning."""
    dose = compute_dose(DoseRule.parse("25 mg"), STANDARD, rounding=NearestIncrement(5))
    assert (dose.final_mg, dose.notes, dose.warnings) == (25.0, (), ())


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: NearestIncrement(0), "increment"),
        (lambda: NearestIncrement(float("nan")), "increment"),
        (lambda: NearestIncrement("5"), "increment"),
        (lambda: NearestIncrement(None), "increment"),
        (lambda: NearestIncrement(5, tolerance=0), "tolerance"),
        (lambda: NearestIncrement(5, tolerance=0.3), "tolerance"),
        (lambda: NearestIncrement(5, tolerance=True), "tolerance"),
        (lambda: OralStrengths(()), "strengths"),
        (lambda: OralStrengths(5), "strengths"),
        (lambda: OralStrengths((0.001,)), "strengths"),
        (lambda: OralStrengths((2.5,), max_units=0), "max_units"),
        (lambda: OralStrengths((2.5,), max_units="3"), "max_units"),
        (lambda: VialBanding(()), "vial_sizes"),
        (lambda: VialBanding((True,)), "vial_sizes"),
        (lambda: VialBanding((10,), tolerance="x"), "tolerance"),
    ],
)
def test_malformed_rounding_policies_are_refused(build, field):
    """Zero, NaN, non-numeric or out-of-range policy settings are RoundingErrors naming the field."""
    with pytest.raises(RoundingError) as info:
        build()
    assert info.value.field == field


def test_policies_describe_themselves():
    """Each policy names its step or sizes and its tolerance, as an order shows it."""
    assert NearestIncrement(10).describe() == "nearest 10 mg within 10 %"
    assert (
        OralStrengths((2.5, 5)).describe()
        == "whole capsules/tablets of 2.5, 5 mg, any number per dose up to 200, within 10 %"
    )
    assert VialBanding((10, 30, 60)).describe() == "vials of 10, 30, 60 mg within 5 %"


# -- the trace ------------------------------------------------------------------------------


def test_trace_has_rule_formula_cap_calculated_final_and_policy():
    """The trace shows the rule, the formula, the cap, the calculated and final dose and the policy."""
    dose = compute_dose(
        DoseRule.parse("56 mg/m²", bsa_cap="2.2 m²"),
        LARGE,
        bsa_formula="dubois",
        rounding=VialBanding((10, 30, 60), tolerance=0.05),
    )
    assert dose.trace() == "\n".join(
        [
            "rule: 56 mg/m² × 2.2 m² (capped; DuBois BSA 2.56 m²)",
            "calculated: 123.2 mg",
            "note: BSA 2.56 m² (DuBois) capped at 2.2 m²",
            "note: rounded from 123.2 mg to 120 mg (2 × 60 mg vials; 2.6 % change, within 5 %)",
            "final: 120 mg (rounding: vials of 10, 30, 60 mg within 5 %)",
        ]
    )


def test_trace_without_policy_says_how_the_dose_was_reported():
    """Without a policy the trace's final line says the report precision and that none was set."""
    trace = compute_dose(DoseRule.parse("16 mg/kg"), STANDARD).trace()
    assert trace.splitlines() == [
        "rule: 16 mg/kg × 80 kg actual weight",
        "calculated: 1,280 mg",
        "final: 1,280 mg (reported to 0.1 mg; no rounding policy)",
    ]


def test_overflowing_dose_is_refused():
    """A rule so large that rate x BSA overflows is a MeasurementError, not an infinite dose."""
    with pytest.raises(MeasurementError, match="finite"):
        compute_dose(DoseRule.parse("1e308 mg/m²"), STANDARD)
