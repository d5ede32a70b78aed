"""The patient: plausibility ranges with unit hints, deliberate outliers, immutability, errors."""

from __future__ import annotations

import datetime as dt

import pydantic
import pytest

from dosing import DateError, DosingError, MeasurementError, Patient, PlausibilityError
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
    "changes",
    [{"height": "95 cm"}, {"weight": "260 kg"}, {"age": 17}, {"serum_creatinine": "30 mg/dL"}],
)
def test_accept_outlier_admits_the_value_and_shows_it(changes):
    """accept_outlier=True accepts a soft outlier, lists it in .outliers and in describe()."""
    p = make(accept_outlier=True, **changes)
    field = next(iter(changes))
    assert len(p.outliers) == 1
    assert p.outliers[0].startswith(f"{field} ")
    assert "accepted deliberately" in p.outliers[0]
    assert p.describe()["plausibility override"] == p.outliers[0]


def test_outliers_text_for_a_short_patient():
    """The override note gives the value and the adult range."""
    p = make(height="95 cm", accept_outlier=True)
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
    """Assigning to a field raises and leaves the patient unchanged."""
    p = make()
    with pytest.raises(pydantic.ValidationError, match="frozen"):
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
