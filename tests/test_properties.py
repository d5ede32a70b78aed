"""Properties of the dose arithmetic, checked with `dosing.strategies`, and fuzzing of every
public constructor and parser: any input gives a valid value or a DosingError, nothing else.

Example counts come from the hypothesis profile in tests/conftest.py; run with
DOSING_HYPOTHESIS_PROFILE=long for a thorough search.
"""

from __future__ import annotations

import math
from typing import Any

import pint
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dosing import (
    Basis,
    BSAFormula,
    DoseRule,
    DosingError,
    NearestIncrement,
    OralStrengths,
    Patient,
    VialBanding,
    compute_dose,
    parse_creatinine,
    parse_length,
    parse_mass,
    registry,
)
from dosing.bsa import body_surface_area
from dosing.notation import format_amount, report_precision, round_half_up
from dosing.strategies import (
    bsa_formulas,
    dose_rules,
    heights,
    measurement_strings,
    patients,
    rounding_policies,
    weights,
)
from tests.conftest import FUZZ_EXAMPLES

# -- arithmetic properties -----------------------------------------------------------------


def _patient(height_cm: float, weight_kg: float) -> Patient:
    # The arithmetic holds over the whole drawn range, BMI outliers included.
    return Patient(height=height_cm, weight=weight_kg, accept_outlier=True)


@given(
    rule=dose_rules(),
    formula=bsa_formulas(),
    height=st.floats(145, 205),
    weight=st.floats(40, 150),
    more_height=st.floats(0, 20),
    more_weight=st.floats(0, 50),
)
def test_dose_never_decreases_as_bsa_or_weight_grows(
    rule, formula, height, weight, more_height, more_weight
):
    """A taller or heavier patient never gets a smaller calculated or reported dose."""
    small = compute_dose(rule, _patient(height, weight), bsa_formula=formula)
    large = compute_dose(
        rule, _patient(height + more_height, weight + more_weight), bsa_formula=formula
    )
    assert large.calculated_mg >= small.calculated_mg
    assert large.final_mg >= small.final_mg


@given(rule=dose_rules(bases=(Basis.PER_M2,)), patient=patients(), formula=bsa_formulas())
def test_capped_dose_never_exceeds_rate_times_cap(rule, patient, formula):
    """With a BSA cap the dose is at most rate x cap; with a maximum, at most the maximum."""
    dose = compute_dose(rule, patient, bsa_formula=formula)
    if rule.bsa_cap_m2 is not None:
        assert dose.calculated_mg <= rule.amount * rule.bsa_cap_m2 * (1 + 1e-12)
        assert dose.measure is not None
        assert dose.measure <= rule.bsa_cap_m2
    if rule.max_dose_mg is not None:
        assert dose.calculated_mg <= rule.max_dose_mg


@given(rule=dose_rules(), patient=patients(), policy=rounding_policies())
def test_rounding_stays_within_tolerance_or_is_refused_with_a_warning(rule, patient, policy):
    """A rounded dose is within the policy's tolerance; otherwise a warning says it was left unrounded."""
    dose = compute_dose(rule, patient, rounding=policy)
    unrounded = round_half_up(dose.calculated_mg, report_precision(dose.calculated_mg))
    if dose.warnings:
        assert len(dose.warnings) == 1
        assert "dose left unrounded" in dose.warnings[0]
        assert dose.final_mg == unrounded
    else:
        change = abs(dose.final_mg - dose.calculated_mg)
        assert change <= policy.tolerance * dose.calculated_mg + 1e-9
    assert dose.rounding is policy
    assert f"rounding: {policy.describe()}" in dose.trace()


@given(height=heights(), weight=weights(), formula=bsa_formulas())
def test_any_unit_of_the_same_measurement_gives_the_same_bsa(height, weight, formula):
    """Height in cm, m or inches and weight in kg, g or lb give the BSA of their metric values."""
    as_given = body_surface_area(height, weight, formula).magnitude
    metric = body_surface_area(
        f"{height.to('cm').magnitude!r} cm", f"{weight.to('kg').magnitude!r} kg", formula
    ).magnitude
    assert as_given == pytest.approx(metric, rel=1e-12)


@given(
    feet=st.integers(4, 6),
    inches=st.integers(0, 11),
    pounds=st.integers(90, 330),
    formula=bsa_formulas(),
)
def test_imperial_and_metric_text_give_the_same_bsa(feet, inches, pounds, formula):
    """'5 ft 9 in' and '176 lb' give the same BSA as the same height and weight written in cm and kg."""
    total_in = feet * 12 + inches
    imperial = body_surface_area(f"{feet} ft {inches} in", f"{pounds} lb", formula).magnitude
    inch_only = body_surface_area(f"{total_in} in", f"{pounds} lbs", formula).magnitude
    metric = body_surface_area(
        f"{total_in * 2.54!r} cm", f"{pounds * 0.45359237!r} kg", formula
    ).magnitude
    assert imperial == pytest.approx(metric, rel=1e-12)
    assert inch_only == pytest.approx(metric, rel=1e-12)


@given(patient=patients())
def test_formulas_agree_within_ten_percent_over_the_adult_range(patient):
    """Over 145-205 cm and 40-150 kg, every formula is within 10 % of Mosteller."""
    mosteller = patient.bsa(BSAFormula.MOSTELLER).magnitude
    for formula in BSAFormula:
        assert patient.bsa(formula).magnitude == pytest.approx(mosteller, rel=0.10)


@given(patient=patients(height=heights(text=True), weight=weights(text=True)))
def test_patients_build_from_typed_strings(patient):
    """Every string form the strategies produce builds a patient in the adult range."""
    assert 145 <= round(patient.height.magnitude, 6) <= 205
    assert 40 <= round(patient.weight.magnitude, 6) <= 150


_SEXES = st.sampled_from(["F", "m", "female", None])
_CREATININES = st.none() | measurement_strings("serum_creatinine")
_ENTERED = st.fixed_dictionaries(
    {
        "height": st.one_of(heights(), heights(text=True)),
        "weight": st.one_of(weights(), weights(text=True)),
    },
    optional={
        "sex": _SEXES,
        "age": st.none() | st.integers(18, 100),
        "serum_creatinine": _CREATININES,
        "identifier": st.text(min_size=1, max_size=12),
        "accept_outlier": st.booleans(),
    },
)
_UPDATES = st.fixed_dictionaries(
    {},
    optional={
        "height": st.one_of(
            heights(min_cm=100, max_cm=250), heights(text=True), st.integers(90, 260)
        ),
        "weight": st.one_of(
            weights(min_kg=30, max_kg=250), weights(text=True), st.integers(25, 260), st.just("x")
        ),
        "sex": _SEXES,
        "age": st.none() | st.integers(10, 130),
        "serum_creatinine": _CREATININES | st.just("1.2"),
        "identifier": st.none() | st.text(max_size=12),
        "accept_outlier": st.booleans(),
    },
)


def _outcome(function: Any, /, *args: Any, **kwargs: Any) -> Any:
    """The value ``function`` returns, or the type and text of the DosingError it raises."""
    try:
        return function(*args, **kwargs)
    except DosingError as err:
        return (type(err), str(err))


@given(raw=_ENTERED, update=_UPDATES)
def test_a_copied_patient_equals_a_newly_constructed_one(raw, update):
    """model_copy(update=...) and replace(...) give what Patient(...) gives for the merged values.

    The same patient (values, entered text, notes), or the same error with the same message.
    """
    original = _outcome(Patient, **raw)
    assume(isinstance(original, Patient))
    expected = _outcome(Patient, **{**raw, **update})
    assert _outcome(original.model_copy, update=update) == expected
    assert _outcome(original.replace, **update) == expected
    if isinstance(expected, Patient):
        assert original.model_copy(update=update).describe() == expected.describe()


@given(value=st.floats(0, 1e9, allow_nan=False))
def test_format_amount_round_trips_to_within_half_the_last_place(value):
    """Reading a written amount back gives the value to within 0.005 (two decimals kept)."""
    text = format_amount(value, "mg")
    number, unit = text.split(" ")
    assert unit == "mg"
    assert abs(float(number.replace(",", "")) - value) <= 0.005 + 1e-9 * value
    assert not number.endswith(".0")
    assert not number.startswith(".")


@given(hundredths=st.integers(0, 10**11))
def test_format_amount_round_trips_exactly_for_two_decimals(hundredths):
    """An amount with at most two decimals reads back exactly."""
    value = hundredths / 100
    number = format_amount(value, "mg").split(" ")[0]
    assert float(number.replace(",", "")) == value


# -- fuzzing -------------------------------------------------------------------------------

anything = st.one_of(
    st.text(max_size=40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(),
    st.integers(min_value=10**300, max_value=10**400),
    st.none(),
    st.booleans(),
    st.binary(max_size=10),
    st.lists(st.integers(), max_size=3),
    st.tuples(st.floats(allow_nan=True), st.floats(allow_nan=True)),
    st.complex_numbers(),
    st.dates(),
    st.builds(
        registry().Quantity,
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from(["cm", "m", "inch", "kg", "lb", "g", "mg/dL", "umol/L", "m**2", "mg"]),
    ),
)
unit_text = st.builds(
    "{}{}{}".format,
    st.one_of(st.floats(allow_nan=True).map(repr), st.integers().map(str), st.just("")),
    st.sampled_from(["", " ", "  "]),
    st.sampled_from(
        [
            "cm",
            "m",
            "in",
            "ft",
            "kg",
            "lb",
            "g",
            "mg",
            "mg/dL",
            "µmol/L",
            "mg/m²",
            "mg/kg",
            "m²",
            "ft 9 in",
            "'9\"",
            "mg/m",
            "kg/kg",
            "L",
            "min",
            "1/cm",
            "μg/kg",
            "xyz",
            "m**400",
        ]
    ),
)
fuzz_inputs = st.one_of(
    anything,
    unit_text,
    measurement_strings("height"),
    measurement_strings("weight"),
    measurement_strings("serum_creatinine"),
)
fuzz = settings(max_examples=FUZZ_EXAMPLES)


def _valid_or_dosing_error(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``function``; a DosingError becomes ``None``, any other exception fails the test."""
    try:
        return function(*args, **kwargs)
    except DosingError as err:
        assert str(err)
        assert isinstance(err.field, str)
        assert err.field
        return None


def _finite_in(quantity: pint.Quantity, unit: str) -> None:
    assert quantity.units == registry().Unit(unit)
    assert math.isfinite(quantity.magnitude)


@pytest.mark.fuzz
@fuzz
@given(value=fuzz_inputs)
def test_fuzz_parse_length(value):
    """parse_length returns a finite length in cm or raises a DosingError."""
    result = _valid_or_dosing_error(parse_length, value)
    if result is not None:
        _finite_in(result, "cm")


@pytest.mark.fuzz
@fuzz
@given(value=fuzz_inputs)
def test_fuzz_parse_mass(value):
    """parse_mass returns a finite mass in kg or raises a DosingError."""
    result = _valid_or_dosing_error(parse_mass, value)
    if result is not None:
        _finite_in(result, "kg")


@pytest.mark.fuzz
@fuzz
@given(value=fuzz_inputs)
def test_fuzz_parse_creatinine(value):
    """parse_creatinine returns a finite concentration in mg/dL or raises a DosingError."""
    result = _valid_or_dosing_error(parse_creatinine, value)
    if result is not None:
        _finite_in(result, "mg/dL")


_PATIENT_FIELDS = [
    "height",
    "weight",
    "sex",
    "age",
    "date_of_birth",
    "serum_creatinine",
    "identifier",
    "accept_outlier",
    "hair",
]


@pytest.mark.fuzz
@fuzz
@given(
    base=st.fixed_dictionaries(
        {"height": measurement_strings("height"), "weight": measurement_strings("weight")}
    ),
    changes=st.dictionaries(st.sampled_from(_PATIENT_FIELDS), fuzz_inputs, max_size=3),
)
def test_fuzz_patient(base, changes):
    """Patient(...) with any field values builds a plausible patient or raises a DosingError."""
    patient = _valid_or_dosing_error(Patient, **{**base, **changes})
    if patient is not None:
        _finite_in(patient.height, "cm")
        _finite_in(patient.weight, "kg")
        assert patient.accept_outlier or not patient.outliers
        assert patient.bsa().magnitude > 0


@pytest.mark.fuzz
@fuzz
@given(data=st.one_of(anything, st.dictionaries(st.sampled_from(_PATIENT_FIELDS), fuzz_inputs)))
def test_fuzz_patient_model_validate(data):
    """Patient.model_validate of any value gives a patient or a DosingError."""
    _valid_or_dosing_error(Patient.model_validate, data)


@pytest.mark.fuzz
@fuzz
@given(
    text=st.one_of(
        st.text(max_size=60),
        st.builds(
            '{{"height": {}, "weight": {}}}'.format,
            st.sampled_from(['"175 cm"', "175", '"69 cm"', "null", "1e999", '"abc"', "true", "[]"]),
            st.sampled_from(['"80 kg"', "80", '"400"', "-1", "{}"]),
        ),
    )
)
def test_fuzz_patient_model_validate_json(text):
    """Patient.model_validate_json of any text gives a patient or a DosingError."""
    _valid_or_dosing_error(Patient.model_validate_json, text)


@pytest.mark.fuzz
@fuzz
@given(
    patient=patients(),
    update=st.one_of(
        anything,
        st.dictionaries(
            st.one_of(st.sampled_from(_PATIENT_FIELDS), st.integers()), fuzz_inputs, max_size=3
        ),
    ),
)
def test_fuzz_patient_model_copy(patient, update):
    """model_copy(update=...) of any update gives a checked patient or a DosingError."""
    copied = _valid_or_dosing_error(patient.model_copy, update=update)
    if copied is not None:
        _finite_in(copied.height, "cm")
        _finite_in(copied.weight, "kg")
        assert copied.accept_outlier or not copied.outliers
        assert 12 <= copied.bmi.magnitude <= 50 or copied.accept_outlier


@pytest.mark.fuzz
@fuzz
@given(dose=fuzz_inputs, bsa_cap=st.none() | fuzz_inputs, max_dose=st.none() | fuzz_inputs)
def test_fuzz_dose_rule_parse(dose, bsa_cap, max_dose):
    """DoseRule.parse gives a rule with a positive finite rate, or raises a DosingError."""
    rule = _valid_or_dosing_error(DoseRule.parse, dose, bsa_cap=bsa_cap, max_dose=max_dose)
    if rule is not None:
        assert math.isfinite(rule.amount)
        assert rule.amount > 0
        assert rule.basis in set(Basis)


@pytest.mark.fuzz
@fuzz
@given(value=st.one_of(anything, st.sampled_from([f.value.upper() for f in BSAFormula])))
def test_fuzz_bsa_formula_parse(value):
    """BSAFormula.parse gives one of the five formulas or raises a DosingError."""
    formula = _valid_or_dosing_error(BSAFormula.parse, value)
    assert formula is None or formula in set(BSAFormula)


sizes = st.one_of(
    anything,
    st.lists(
        st.one_of(st.floats(allow_nan=True), st.integers(), st.booleans(), st.text(max_size=3)),
        max_size=4,
    ).map(tuple),
)


@pytest.mark.fuzz
@fuzz
@given(
    kind=st.sampled_from(["nearest", "oral", "vials"]),
    first=st.one_of(sizes, st.floats(allow_nan=True)),
    tolerance=st.one_of(anything, st.floats(0, 0.3)),
    max_units=st.one_of(anything, st.integers(-2, 25)),
    dose_mg=st.floats(0.01, 5000),
)
def test_fuzz_rounding_policy_constructors(kind, first, tolerance, max_units, dose_mg):
    """Rounding policies build from valid settings or raise a DosingError, and then propose doses."""
    if kind == "nearest":
        policy = _valid_or_dosing_error(NearestIncrement, first, tolerance)
    elif kind == "oral":
        policy = _valid_or_dosing_error(OralStrengths, first, tolerance, max_units)
    else:
        policy = _valid_or_dosing_error(VialBanding, first, tolerance)
    if policy is not None:
        assert 0 < policy.tolerance <= 0.25
        proposal = policy.propose(dose_mg)
        assume(proposal is not None)
        value, made_of = proposal
        assert math.isfinite(value)
        assert made_of
