"""The patient: plausibility ranges with unit hints, deliberate outliers, immutability, errors."""

from __future__ import annotations

import copy
import datetime as dt
import re

import pydantic
import pytest

from dosing import (
    DateError,
    DosingError,
    ImmutableError,
    MeasurementError,
    Patient,
    PlausibilityError,
)
from dosing.units import Quantity

BASE = {"height": "175 cm", "weight": "80 kg"}


def make(**changes):
    return Patient(**{**BASE, **changes})


def test_measurements_are_quantities_in_cm_and_kg():
    """Height and weight are stored as pint quantities in cm and kg, whatever unit was typed."""
    p = Patient(height="5 ft 9 in", weight="176 lb")
    assert p.height.magnitude == pytest.approx(175.26)
    assert p.height.units == Quantity(1, "cm").units
    assert p.weight.magnitude == pytest.approx(79.8322571)
    assert p.weight.units == Quantity(1, "kg").units


def test_bare_numbers_are_cm_and_kg():
    """Bare numbers are read in the documented default units, cm and kg."""
    p = Patient(height=175, weight=80)
    assert (p.height.magnitude, p.weight.magnitude) == (175.0, 80.0)


@pytest.mark.parametrize(
    ("changes", "hint"),
    [
        ({"height": "69 cm"}, "did you mean 69 in?"),
        ({"height": 1.75}, "did you mean 1.75 m?"),
        ({"height": "1.75"}, "did you mean 1.75 m?"),
        ({"weight": "400 kg"}, "did you mean 400 lb?"),
        ({"weight": 400}, "did you mean 400 lb?"),
        ({"weight": "80 g"}, "did you mean 80 kg?"),
        ({"serum_creatinine": "88 mg/dL"}, "did you mean 88 µmol/L?"),
        ({"serum_creatinine": "1 µmol/L"}, "did you mean 1 mg/dL?"),
    ],
)
def test_implausible_value_suggests_the_unit_probably_meant(changes, hint):
    """A value outside the adult range names the unit that would make it plausible."""
    with pytest.raises(MeasurementError) as info:
        make(**changes)
    assert hint in str(info.value)
    assert info.value.field == next(iter(changes))


def test_soft_range_error_says_how_to_override():
    """Outside the adult range (but possible) is a PlausibilityError that names accept_outlier."""
    with pytest.raises(PlausibilityError) as info:
        make(height="69 cm")
    assert str(info.value) == (
        "height must be between 100 and 250 cm for an adult, got 69 cm (below 100 cm) - "
        "did you mean 69 in? If the value is right, pass accept_outlier=True (CLI: --accept-outlier)"
    )


def test_no_hint_when_no_unit_makes_the_value_plausible():
    """A low creatinine in mg/dL gets no self-referential 'did you mean ... mg/dL' hint."""
    with pytest.raises(PlausibilityError) as info:
        make(serum_creatinine="0.05 mg/dL")
    assert "did you mean" not in str(info.value)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"height": "95 cm"}, "height"),
        ({"height": "255 cm"}, "height"),
        ({"weight": "25 kg"}, "weight"),
        ({"weight": "260 kg"}, "weight"),
        ({"age": 17}, "age"),
        ({"age": 121}, "age"),
        ({"serum_creatinine": "30 mg/dL"}, "serum_creatinine"),
        ({"serum_creatinine": "0.05 mg/dL"}, "serum_creatinine"),
    ],
)
def test_each_adult_range_is_enforced(changes, field):
    """Height 100-250 cm, weight 30-250 kg, age 18-120 y, creatinine 0.1-25 mg/dL are checked."""
    with pytest.raises(PlausibilityError) as info:
        make(**changes)
    assert info.value.field == field


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"height": "95 cm", "weight": "40 kg"}, "height"),
        ({"height": "230 cm", "weight": "260 kg"}, "weight"),
        ({"age": 17}, "age"),
        ({"serum_creatinine": "30 mg/dL"}, "serum_creatinine"),
    ],
)
def test_accept_outlier_admits_the_value_and_shows_it(changes, field):
    """accept_outlier=True accepts a soft outlier, lists it in .outliers and in describe()."""
    p = make(accept_outlier=True, **changes)
    assert len(p.outliers) == 1
    assert p.outliers[0].startswith(f"{field} ")
    assert "accepted deliberately" in p.outliers[0]
    assert p.describe()["plausibility override"] == p.outliers[0]


def test_outliers_text_for_a_short_patient():
    """The override note gives the value and the adult range."""
    p = make(height="95 cm", weight="40 kg", accept_outlier=True)
    assert p.outliers == (
        "height 95 cm is outside the adult range 100 to 250 cm; accepted deliberately",
    )


def test_no_override_note_for_values_inside_the_range():
    """A plausible patient has no outliers even with accept_outlier=True."""
    p = make(accept_outlier=True)
    assert p.outliers == ()
    assert "plausibility override" not in p.describe()


@pytest.mark.parametrize(
    "changes",
    [
        {"height": "20 cm"},
        {"height": "301 cm"},
        {"weight": "0.5 kg"},
        {"weight": "701 kg"},
        {"age": 131},
        {"height": "-175 cm"},
    ],
)
def test_hard_limits_hold_even_with_accept_outlier(changes):
    """Values no patient can have are refused even when outliers are accepted."""
    with pytest.raises(MeasurementError, match="outside what any patient can have"):
        make(accept_outlier=True, **changes)


def test_patient_is_frozen():
    """Assigning to a field raises an ImmutableError and leaves the patient unchanged."""
    p = make()
    with pytest.raises(ImmutableError, match=r"^height must be left unchanged"):
        p.height = Quantity(180, "cm")
    assert p.height.magnitude == 175.0


def test_unknown_field_is_named_with_the_known_ones():
    """An unknown keyword is a DosingError that names it and lists the known fields."""
    with pytest.raises(DosingError) as info:
        make(hair="brown")
    assert info.value.field == "hair"
    assert "known fields: height, weight, sex, age" in str(info.value)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"age": "abc"}, "age"),
        ({"age": 45.5}, "age"),
        ({"sex": "x"}, "sex"),
        ({"sex": 1}, "sex"),
        ({"identifier": 5}, "identifier"),
        ({"identifier": "x" * 201}, "identifier"),
        ({"accept_outlier": None}, "accept_outlier"),
        ({"date_of_birth": "01/02/1960"}, "date_of_birth"),
        ({"height": None}, "height"),
        ({"height": [175]}, "height"),
        ({"weight": "eighty"}, "weight"),
        ({"serum_creatinine": 1.2}, "serum_creatinine"),
    ],
)
def test_wrong_types_are_dosing_errors_naming_the_field(changes, field):
    """Every wrong type is a DosingError naming the field, never a pydantic ValidationError."""
    with pytest.raises(DosingError) as info:
        make(**changes)
    assert not isinstance(info.value, pydantic.ValidationError)
    assert info.value.field == field


@pytest.mark.parametrize(("data", "field"), [({"height": "175 cm"}, "weight"), ({}, "height")])
def test_missing_measurements_are_named(data, field):
    """Height and weight are required; the message names the missing one."""
    with pytest.raises(DosingError, match=rf"^{field} must be given, got nothing$"):
        Patient(**data)


@pytest.mark.parametrize(
    ("sex", "stored"), [("F", "female"), ("m", "male"), (" Female ", "female"), (None, None)]
)
def test_sex_reads_common_spellings(sex, stored):
    """Sex reads F/M and full words in any case; it may be left out."""
    assert make(sex=sex).sex == stored


def test_date_of_birth_in_the_future_is_refused():
    """A date of birth after today is a DateError."""
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(DateError, match="date_of_birth must be in the past"):
        make(date_of_birth=tomorrow)


def test_date_of_birth_and_age_must_agree():
    """An age more than a year away from the date of birth is refused."""
    born = dt.date.today().replace(year=dt.date.today().year - 60) - dt.timedelta(days=10)
    assert make(date_of_birth=born, age=60).age_on(dt.date.today()) == 60
    with pytest.raises(DosingError, match="consistent with date_of_birth"):
        make(date_of_birth=born, age=40)


def test_model_validate_applies_the_same_checks():
    """model_validate runs the plausibility checks and gives the same hints."""
    with pytest.raises(PlausibilityError, match="did you mean 69 in"):
        Patient.model_validate({"height": "69 cm", "weight": "80 kg"})
    with pytest.raises(DateError):
        Patient.model_validate({**BASE, "date_of_birth": "2999-01-01"})
    with pytest.raises(DosingError, match=r"^age must be"):
        Patient.model_validate({**BASE, "age": "abc"})


@pytest.mark.parametrize("data", ["abc", None, 5, [1, 2]])
def test_model_validate_of_a_non_mapping_is_a_dosing_error(data):
    """model_validate of something that is not a mapping raises DosingError, not ValidationError."""
    with pytest.raises(DosingError, match=r"^patient must be"):
        Patient.model_validate(data)


@pytest.mark.parametrize("text", ["not json", "[1]", '{"height": "69 cm", "weight": "80 kg"}', ""])
def test_model_validate_json_errors_are_dosing_errors(text):
    """Malformed JSON, a JSON array and implausible values from JSON are all DosingErrors."""
    with pytest.raises(DosingError):
        Patient.model_validate_json(text)


def test_json_round_trip_keeps_the_patient():
    """A patient dumped to JSON reads back equal, with quantities written as '175 cm'."""
    p = make(sex="female", age=60, serum_creatinine="97 µmol/L", identifier="MRN 1")
    text = p.model_dump_json()
    assert '"height":"175 cm"' in text
    back = Patient.model_validate_json(text)
    assert back.height == p.height
    assert back.weight == p.weight
    assert back.serum_creatinine.magnitude == pytest.approx(p.serum_creatinine.magnitude, rel=1e-3)


def test_describe_shows_only_fields_that_are_set():
    """describe() lists identifier, height and weight, and the optional fields only when set."""
    assert make(identifier="MRN 1").describe() == {
        "identifier": "MRN 1",
        "height": "175 cm",
        "weight": "80 kg",
    }


def test_bsa_uses_the_stated_formula():
    """Patient.bsa defaults to Mosteller and takes any formula by name (170 cm/75 kg, §8)."""
    p = Patient(height="170 cm", weight="75 kg")
    assert round(p.bsa().magnitude, 4) == 1.8819
    assert round(p.bsa("dubois").magnitude, 4) == 1.8636


# -- unit systems: a bare number beside imperial units -------------------------------------


def test_bare_weight_beside_inches_is_refused_with_both_readings():
    """69 in with a bare 176 is refused: 176 lb (79.83 kg) and 176 kg are both plausible."""
    with pytest.raises(MeasurementError) as info:
        Patient(height="69 in", weight=176)
    assert info.value.field == "weight"
    assert str(info.value) == (
        "weight must be given with a unit when height is in imperial units (69 in), got '176' - "
        "did you mean 176 lb (79.83 kg) or 176 kg? Write the unit after the number"
    )


def test_bare_height_beside_pounds_names_the_implausible_reading():
    """A bare 175 beside 176 lb offers 175 cm and says 175 in (444.5 cm) is outside the range."""
    with pytest.raises(MeasurementError) as info:
        Patient(height="175", weight="176lb")
    assert info.value.field == "height"
    assert str(info.value) == (
        "height must be given with a unit when weight is in imperial units (176 lb), got '175' - "
        "did you mean 175 cm? 175 in (444.5 cm) would be outside the adult range 100 to 250 cm. "
        "Write the unit after the number"
    )


@pytest.mark.parametrize(
    ("height", "weight", "offered"),
    [
        ("5.75", "176 lb", "did you mean 5.75 ft (175.3 cm)?"),
        (1.75, "176 lb", "did you mean 1.75 m (175 cm)?"),
        ("5 ft 9 in", "12", "did you mean 12 st (76.2 kg)?"),
        (Quantity(69, "inch"), 80, "did you mean 80 lb (36.29 kg) or 80 kg?"),
    ],
)
def test_other_plausible_readings_are_offered(height, weight, offered):
    """Feet, metres and stones are offered when only they make the bare number plausible."""
    with pytest.raises(MeasurementError, match=r"when \w+ is in imperial units") as info:
        Patient(height=height, weight=weight)
    assert offered in str(info.value)


def test_no_reading_is_offered_when_none_is_plausible():
    """A bare 2,5 beside inches: neither 2.5 lb nor 2.5 kg is an adult weight, and it says so."""
    with pytest.raises(MeasurementError) as info:
        Patient(height="69 in", weight="2,5")
    assert str(info.value) == (
        "weight must be given with a unit when height is in imperial units (69 in), got '2,5' - "
        "2.5 lb (1.134 kg) and 2.5 kg would be outside the adult range 30 to 250 kg. "
        "Write the unit after the number"
    )


@pytest.mark.parametrize(
    ("height", "weight"),
    [
        ("175", "80kg"),
        (175, 80),
        ("1.75 m", 80),
        ("69 in", "80 kg"),
        ("175 cm", "176 lb"),
        ("5 ft 9 in", "176 lb"),
        ("1750 mm", "80000 g"),
        ("69 in", "12 st"),
        ("69 in", "2816 oz"),
    ],
)
def test_bare_numbers_beside_metric_or_explicit_units_are_accepted(height, weight):
    """A bare number beside metric units, or explicit units of either system, is accepted."""
    assert 12 <= Patient(height=height, weight=weight).bmi.magnitude <= 50


def test_the_mixed_units_check_holds_for_model_validate():
    """model_validate refuses a bare number beside imperial units like the constructor."""
    with pytest.raises(MeasurementError, match="weight must be given with a unit"):
        Patient.model_validate({"height": "5 ft 9 in", "weight": "80"})


# -- BMI -----------------------------------------------------------------------------------


def test_bmi_is_weight_over_height_squared_in_kg_per_m2():
    """175 cm and 80 kg give a BMI of 80 / 1.75² = 26.12 kg/m²."""
    bmi = Patient(height="175 cm", weight="80 kg").bmi
    assert bmi.units == Quantity(1, "kg/m**2").units
    assert bmi.magnitude == pytest.approx(26.1224, abs=1e-4)


def test_bmi_above_the_adult_range_is_refused_naming_its_measurements():
    """69 in and 176 kg give BMI 57.3 kg/m²: refused, naming both values and the override."""
    with pytest.raises(PlausibilityError) as info:
        Patient(height="69 in", weight="176 kg")
    assert info.value.field == "BMI"
    assert str(info.value) == (
        "BMI must be between 12 and 50 kg/m² for an adult, got 57.3 kg/m² (above 50 kg/m²) "
        "from height 69 in = 175.26 cm and weight 176 kg - check the height, the weight and "
        "their units. If both are right, pass accept_outlier=True (CLI: --accept-outlier)"
    )


def test_bmi_below_the_adult_range_is_refused():
    """190 cm and 40 kg give BMI 11.1 kg/m², below 12."""
    with pytest.raises(PlausibilityError, match=r"got 11\.1 kg/m² \(below 12 kg/m²\)"):
        Patient(height="190 cm", weight="40 kg")


@pytest.mark.parametrize(("height", "weight"), [("200 cm", "200 kg"), ("200 cm", "48 kg")])
def test_bmi_limits_are_inside_the_range(height, weight):
    """BMI exactly 50 and exactly 12 kg/m² are accepted."""
    assert Patient(height=height, weight=weight).outliers == ()


def test_bmi_just_outside_a_limit_is_not_rounded_onto_it():
    """A BMI of 50.04 is written with enough digits to show it is above 50."""
    with pytest.raises(PlausibilityError, match=r"got 50\.04 kg/m² \(above 50 kg/m²\)"):
        Patient(height="200 cm", weight="200.16 kg")


def test_accepted_bmi_outlier_is_shown():
    """With accept_outlier, a BMI outside the range is kept and listed in outliers and describe()."""
    p = Patient(height="69 in", weight="176 kg", accept_outlier=True)
    assert p.outliers == (
        "BMI 57.3 kg/m² (from height 69 in = 175.26 cm and weight 176 kg) is outside the "
        "adult range 12 to 50 kg/m²; accepted deliberately",
    )
    assert p.describe()["plausibility override"] == p.outliers[0]


# -- deriving and mutating -----------------------------------------------------------------


def test_model_copy_with_an_update_converts_like_the_constructor():
    """model_copy(update={'weight': 154 lb}) stores 69.85 kg, as Patient(...) does."""
    p = make(sex="female", age=60)
    copied = p.model_copy(update={"weight": Quantity(154, "lb")})
    assert copied.weight.magnitude == pytest.approx(69.85322498)
    assert copied.weight.units == Quantity(1, "kg").units
    assert copied == Patient(height="175 cm", weight=Quantity(154, "lb"), sex="F", age=60)
    assert copied.describe()["weight"] == "154 lb = 69.8532 kg"


def test_model_copy_reads_a_string_update():
    """A string weight in the update is parsed, not stored as text."""
    assert make().model_copy(update={"weight": "176 lb"}).weight.magnitude == pytest.approx(
        79.8322571
    )


@pytest.mark.parametrize(
    ("update", "error", "fragment"),
    [
        ({"weight": "eighty"}, MeasurementError, "weight must be a mass"),
        ({"weight": "400 kg"}, PlausibilityError, "did you mean 400 lb?"),
        ({"height": "69 in", "weight": 176}, MeasurementError, "weight must be given with a unit"),
        ({"weight": "200 kg"}, PlausibilityError, "BMI must be between 12 and 50"),
        ({"hair": "brown"}, DosingError, "hair must be one of the known patient fields"),
        ({1: "x"}, DosingError, "update must be keyed by patient field names, got 1"),
    ],
)
def test_model_copy_refuses_what_the_constructor_refuses(update, error, fragment):
    """An invalid update raises the DosingError the constructor would raise."""
    with pytest.raises(error, match=re.escape(fragment)):
        make().model_copy(update=update)


def test_model_copy_of_an_outlier_keeps_the_override_unless_updated():
    """A copy keeps accept_outlier; updating it to False re-checks the outlier."""
    p = make(height="95 cm", weight="40 kg", accept_outlier=True)
    assert p.model_copy(update={"identifier": "MRN 2"}).outliers == p.outliers
    with pytest.raises(PlausibilityError, match="height must be between 100 and 250 cm"):
        p.model_copy(update={"accept_outlier": False})


def test_a_bare_number_stays_bare_in_a_copy():
    """The values not updated are read again as entered: a bare height is still checked."""
    p = Patient(height=175, weight=80)
    assert p.replace(weight=79).assumed_units == (
        "height given without a unit, read as cm",
        "weight given without a unit, read as kg",
    )
    with pytest.raises(MeasurementError, match="height must be given with a unit"):
        p.replace(weight="176 lb")


def test_replace_is_model_copy_with_keywords():
    """replace(**changes) and the copy protocol give the patient the constructor gives."""
    p = make()
    expected = Patient(height="175 cm", weight="154 lb")
    assert p.replace(weight="154 lb") == expected
    assert p.__replace__(weight="154 lb") == expected


def test_a_copy_without_update_is_the_same_patient():
    """model_copy(), copy and deepcopy keep every value and the entered text."""
    p = make(weight="176 lb", serum_creatinine="97 µmol/L")
    for copied in (p.model_copy(), p.model_copy(update={}), copy.copy(p), copy.deepcopy(p)):
        assert copied == p
        assert dict(copied.entered) == dict(p.entered)


def test_model_construct_validates():
    """model_construct runs the constructor's checks instead of trusting its input."""
    assert Patient.model_construct(height="69 in", weight="176 lb") == Patient(
        height="69 in", weight="176 lb"
    )
    with pytest.raises(MeasurementError, match="weight must be given with a unit"):
        Patient.model_construct(height="69 in", weight=176)


@pytest.mark.parametrize(
    "attempt",
    [
        lambda p: setattr(p, "weight", Quantity(90, "kg")),
        lambda p: setattr(p, "accept_outlier", True),
        lambda p: setattr(p, "_entered", {}),
        lambda p: setattr(p, "nickname", "x"),
        lambda p: delattr(p, "height"),
        lambda p: delattr(p, "sex"),
    ],
)
def test_every_mutation_raises_an_immutable_error(attempt):
    """Assigning or deleting any attribute raises ImmutableError (a DosingError, and an
    AttributeError as Python's own frozen values raise) and changes nothing."""
    p = make(sex="male")
    before = p.model_copy()
    with pytest.raises(ImmutableError) as info:
        attempt(p)
    assert isinstance(info.value, DosingError)
    assert not isinstance(info.value, pydantic.ValidationError)
    assert "patient.replace(" in str(info.value)
    assert p == before


# -- entered values ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("weight", "176 lb", "176 lb = 79.8323 kg"),
        ("weight", "176lb", "176 lb = 79.8323 kg"),
        ("weight", "240 lb", "240 lb = 108.8622 kg"),
        ("weight", "80 kg", "80 kg"),
        ("weight", "80kg", "80 kg"),
        ("weight", "80500 g", "80500 g = 80.5 kg"),
        ("weight", "79,5 kg", "79,5 kg = 79.5 kg"),
        ("height", "5 ft 9 in", "5 ft 9 in = 175.26 cm"),
        ("height", "5'9\"", "5 ft 9 in = 175.26 cm"),
        ("height", "69 in", "69 in = 175.26 cm"),
        ("height", "1.75 m", "1.75 m = 175 cm"),
        ("height", Quantity(1.75, "m"), "1.75 m = 175 cm"),
        ("serum_creatinine", "97 µmol/L", "97 µmol/L = 1.0973 mg/dL"),
        ("serum_creatinine", "1.2 mg/dL", "1.2 mg/dL"),
    ],
)
def test_describe_shows_each_measurement_as_entered_then_converted(field, value, shown):
    """describe() gives the value as entered, '=', and the converted value the arithmetic uses."""
    p = make(**{field: value})
    label = "serum creatinine" if field == "serum_creatinine" else field
    assert p.describe()[label] == shown


def test_bare_numbers_are_shown_once_in_their_default_unit():
    """A bare 175 and 80 are shown as 175 cm and 80 kg, with the assumption noted."""
    shown = Patient(height=175, weight=80).describe()
    assert (shown["height"], shown["weight"]) == ("175 cm", "80 kg")
    assert shown["units assumed"] == (
        "height given without a unit, read as cm; weight given without a unit, read as kg"
    )


def test_entered_keeps_the_text_of_each_measurement():
    """entered maps each measurement to its text as typed, spacing made regular."""
    p = Patient(height="5'9\"", weight=" 176lb", serum_creatinine="97 umol/L")
    assert dict(p.entered) == {
        "height": "5 ft 9 in",
        "weight": "176 lb",
        "serum_creatinine": "97 umol/L",
    }
    with pytest.raises(TypeError):
        p.entered["weight"] = "1 kg"  # type: ignore[index]


def test_json_export_carries_the_entered_text():
    """The JSON export gives each measurement converted and, under 'entered', as typed."""
    from dosing import build_schedule, get_protocol
    from dosing.export.table import to_json_data

    schedule = build_schedule(
        get_protocol("KRd"),
        Patient(height="5 ft 9 in", weight="176 lb"),
        "2026-01-05",
        cycles=1,
        today=dt.date(2026, 1, 1),
    )
    patient = to_json_data(schedule)["patient"]
    assert patient["weight"] == {"value": 79.8323, "unit": "kg"}
    assert patient["height"] == {"value": 175.26, "unit": "cm"}
    assert patient["entered"] == {"height": "5 ft 9 in", "weight": "176 lb"}
