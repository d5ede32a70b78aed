"""Reading heights, weights and serum creatinine: every unit form, and every way to get it wrong."""

from __future__ import annotations

import math

import pint
import pytest

from dosing.errors import DosingError, MeasurementError
from dosing.units import (
    Quantity,
    UnitSystem,
    as_entered,
    parse_creatinine,
    parse_length,
    parse_mass,
    parse_unit,
    registry,
    unit_system,
)

OTHER = pint.UnitRegistry()


@pytest.mark.parametrize(
    ("text", "cm"),
    [
        ("175 cm", 175.0),
        ("175cm", 175.0),
        ("1.75 m", 175.0),
        ("69 in", 175.26),
        ("5 ft 9 in", 175.26),
        ("5'9\"", 175.26),
        ("5' 9''", 175.26),
        ("175", 175.0),
        ("175,5 cm", 175.5),
        ("1,75 m", 175.0),
        ("  175 cm  ", 175.0),
    ],
)
def test_length_text_forms_convert_to_centimetres(text, cm):
    """Metric, imperial, feet-and-inches, bare-number (cm) and comma-decimal heights read the same."""
    assert parse_length(text).to("cm").magnitude == pytest.approx(cm, abs=1e-9)


@pytest.mark.parametrize(
    ("value", "kg"),
    [
        ("80 kg", 80.0),
        ("80", 80.0),
        (80, 80.0),
        ("80000 g", 80.0),
        ("176 lb", 79.8322571),
        ("80,5 kg", 80.5),
    ],
)
def test_mass_text_forms_convert_to_kilograms(value, kg):
    """Kilograms, grams, pounds (0.45359237 kg each) and bare numbers (kg) read as kilograms."""
    assert parse_mass(value).to("kg").magnitude == pytest.approx(kg, rel=1e-9)


def test_bare_number_height_is_centimetres():
    """A bare int or float height is read in centimetres, its documented default unit."""
    assert parse_length(175).magnitude == 175.0
    assert parse_length(175.5).units == registry().Unit("cm")


def test_quantity_from_the_shared_registry_is_accepted():
    """A quantity built with dosing's own registry passes through, converted to cm."""
    q = registry().Quantity(1.75, "m")
    assert parse_length(q).magnitude == pytest.approx(175.0)
    assert parse_length(q)._REGISTRY is registry()


@pytest.mark.parametrize(
    ("quantity", "parse", "expected"),
    [
        (OTHER.Quantity(175, "cm"), parse_length, 175.0),
        (OTHER.Quantity(69, "inch"), parse_length, 175.26),
        (OTHER.Quantity(5.75, "ft"), parse_length, 175.26),
        (OTHER.Quantity(80, "kg"), parse_mass, 80.0),
        (OTHER.Quantity(176, "lb"), parse_mass, 79.8322571),
    ],
)
def test_quantity_from_another_registry_is_recreated_in_the_shared_one(quantity, parse, expected):
    """A quantity from a different pint registry is re-created in dosing's registry by unit name."""
    result = parse(quantity)
    assert result._REGISTRY is registry()
    assert result.magnitude == pytest.approx(expected, rel=1e-9)


def test_quantity_from_another_registry_with_the_wrong_dimension_is_refused():
    """A foreign quantity of the wrong dimension is refused like a string would be."""
    with pytest.raises(MeasurementError, match=r"weight must be a mass .* \(a length\)"):
        parse_mass(OTHER.Quantity(80, "cm"))


def test_quantity_from_another_registry_in_an_unknown_unit_is_refused():
    """A foreign quantity in a unit dosing does not define (grain) is refused, not guessed."""
    with pytest.raises(MeasurementError, match="weight"):
        parse_mass(OTHER.Quantity(12, "grain"))


def test_height_given_as_a_mass_names_both_dimensions():
    """'175 kg' as a height says a length was wanted and a mass was given."""
    with pytest.raises(MeasurementError) as info:
        parse_length("175 kg")
    assert str(info.value) == (
        "height must be a length such as '175 cm' or '69 in', got '175 kg' (a mass)"
    )
    assert info.value.field == "height"


def test_weight_given_as_a_length_names_both_dimensions():
    """'80 cm' as a weight says a mass was wanted and a length was given."""
    with pytest.raises(
        MeasurementError, match=r"^weight must be a mass such as .*got '80 cm' \(a length\)$"
    ):
        parse_mass("80 cm")


def test_field_name_is_used_in_the_message():
    """The caller's field name appears in the error, so a form can point at it."""
    with pytest.raises(MeasurementError, match=r"^--height must be") as info:
        parse_length("abc", field="--height")
    assert info.value.field == "--height"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "abc",
        "cm",
        "nan",
        "inf",
        "NaN cm",
        "-inf cm",
        "1e999 cm",
        "6 ft 12 in",
        "+-1 cm",
        "175 cm cm",
        "12 in²",
        "1.2.3 cm",
    ],
)
def test_unreadable_or_non_finite_height_text_is_refused(value):
    """Empty, non-numeric, NaN/infinite, out-of-range inches and area units are all refused."""
    with pytest.raises(MeasurementError, match=r"^height must be"):
        parse_length(value)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_float_is_refused(value):
    """NaN and infinities as floats are refused as 'a finite number'."""
    with pytest.raises(MeasurementError, match="must be a finite number"):
        parse_length(value)
    with pytest.raises(MeasurementError, match="must be a finite number"):
        parse_mass(value)


def test_non_finite_quantity_is_refused():
    """A quantity whose magnitude is NaN is refused."""
    with pytest.raises(MeasurementError, match="finite"):
        parse_mass(Quantity(math.nan, "kg"))


def test_value_that_overflows_on_conversion_is_refused():
    """'1e308 m' is finite in metres but not in centimetres, so it is refused, not returned as inf."""
    with pytest.raises(MeasurementError, match="finite"):
        parse_length("1e308 m")


def test_integer_too_large_for_a_float_is_refused():
    """An integer beyond float range is a MeasurementError, not an OverflowError."""
    with pytest.raises(MeasurementError, match="finite"):
        parse_length(10**400)
    with pytest.raises(MeasurementError, match="finite"):
        parse_length(OTHER.Quantity(10**400, "cm"))


@pytest.mark.parametrize("value", [True, False, None, [175], b"175 cm", 1j, {"cm": 175}])
def test_booleans_none_and_other_types_are_refused(value):
    """Booleans are not numbers here; None, lists, bytes and complex numbers are refused too."""
    with pytest.raises(MeasurementError, match=r"^height must be a length"):
        parse_length(value)


def test_huge_string_is_refused_without_echoing_it():
    """A very long string is refused and the message gives its length, not the text."""
    with pytest.raises(MeasurementError, match="got 10000 characters"):
        parse_length("9" * 10_000)


@pytest.mark.parametrize(
    ("value", "mg_dl"),
    [
        ("1 mg/dL", 1.0),
        ("1.2 mg/dl", 1.2),
        ("88.4 µmol/L", 1.0),
        ("88.4 μmol/L", 1.0),  # Greek mu
        ("88.4 umol/L", 1.0),
        ("176.8 µmol/L", 2.0),
        (Quantity(1.1, "mg/dL"), 1.1),
        (OTHER.Quantity(88.4, "umol/L"), 1.0),
    ],
)
def test_creatinine_in_mg_per_dl_or_micromol_per_litre(value, mg_dl):
    """Serum creatinine reads in mg/dL or µmol/L, with 88.4 µmol/L = 1 mg/dL (§8 convention)."""
    result = parse_creatinine(value)
    assert result.units == registry().Unit("mg/dL")
    assert result.magnitude == pytest.approx(mg_dl, rel=1e-4)


@pytest.mark.parametrize("value", [1.2, 1, "1.2"])
def test_creatinine_bare_number_is_refused(value):
    """Creatinine has no default unit: a bare number is refused and the message asks for one."""
    with pytest.raises(MeasurementError, match=r"^serum_creatinine must be a concentration"):
        parse_creatinine(value)


def test_creatinine_bare_float_message_asks_for_the_unit():
    """The refusal of a bare creatinine number says to give the unit."""
    with pytest.raises(MeasurementError, match="give the unit explicitly"):
        parse_creatinine(1.2)


@pytest.mark.parametrize("value", ["80 kg", "abc", "", None, True, "nan mg/dL", "1 mg"])
def test_creatinine_of_the_wrong_kind_is_refused(value):
    """Masses, text, None, booleans and NaN are refused as serum creatinine."""
    with pytest.raises(MeasurementError, match=r"^serum_creatinine must be"):
        parse_creatinine(value)


def test_every_refusal_is_a_dosing_error():
    """MeasurementError is a DosingError, so callers catch one root."""
    assert issubclass(MeasurementError, DosingError)


@pytest.mark.parametrize(
    ("unit", "system"),
    [
        ("cm", UnitSystem.METRIC),
        ("m", UnitSystem.METRIC),
        ("mm", UnitSystem.METRIC),
        ("kg", UnitSystem.METRIC),
        ("g", UnitSystem.METRIC),
        ("in", UnitSystem.IMPERIAL),
        ("inches", UnitSystem.IMPERIAL),
        ("ft", UnitSystem.IMPERIAL),
        ("lb", UnitSystem.IMPERIAL),
        ("lbs", UnitSystem.IMPERIAL),
        ("oz", UnitSystem.IMPERIAL),
        ("st", UnitSystem.IMPERIAL),
        ("mg/dL", None),
        ("µmol/L", None),
        ("m²", None),
    ],
)
def test_unit_systems_are_as_documented(unit, system):
    """cm, m, mm, kg, g are metric; in, ft, lb, oz, st imperial; other units are neither."""
    assert unit_system(parse_unit(unit, field="x")) is system


@pytest.mark.parametrize(
    ("kg", "text"), [(0.45359237, "1 lb"), (0.028349523125, "1 oz"), (6.35029318, "1 st")]
)
def test_pounds_ounces_and_stones_convert_exactly(kg, text):
    """1 lb = 0.45359237 kg, 1 oz = 1/16 lb, 1 st = 14 lb."""
    assert parse_mass(text).magnitude == pytest.approx(kg, rel=1e-12)


@pytest.mark.parametrize(
    ("value", "text", "system"),
    [
        ("176lb", "176 lb", UnitSystem.IMPERIAL),
        ("  5 ft  9 in ", "5 ft 9 in", UnitSystem.IMPERIAL),
        ("5'9\"", "5 ft 9 in", UnitSystem.IMPERIAL),
        ("1,75 m", "1,75 m", UnitSystem.METRIC),
        ("175", "175", None),
        (175, "175", None),
        (175.0, "175", None),
        (79.83225712, "79.83225712", None),
        (Quantity(176, "lb"), "176 lb", UnitSystem.IMPERIAL),
        (OTHER.Quantity(69, "inch"), "69 in", UnitSystem.IMPERIAL),
        ("97 umol/L", "97 umol/L", None),
    ],
)
def test_as_entered_echoes_the_value_and_its_unit_system(value, text, system):
    """as_entered keeps the number typed and the unit written; a bare number has no system."""
    entered = as_entered(value, field="x")
    assert (entered.text, entered.system) == (text, system)


@pytest.mark.parametrize(
    ("value", "parse"),
    [
        ("176lb", parse_mass),
        (79.83225712, parse_mass),
        (Quantity(154, "lb"), parse_mass),
        ("5'9\"", parse_length),
        ("1,75 m", parse_length),
        (Quantity(69, "in"), parse_length),
        (OTHER.Quantity(175.26 / 2.54, "inch"), parse_length),
    ],
)
def test_entered_text_reads_back_to_the_same_quantity(value, parse):
    """Reading an entered text again gives exactly the quantity the value gave."""
    assert parse(as_entered(value, field="x").text) == parse(value)


@pytest.mark.parametrize("value", [None, True, "", "tall", float("nan"), [1], "1" * 70])
def test_as_entered_refuses_what_the_parser_refuses(value):
    """Values the parser cannot read raise a MeasurementError naming the field."""
    with pytest.raises(MeasurementError, match=r"^x must be"):
        as_entered(value, field="x")
