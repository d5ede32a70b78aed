"""Body surface area, ideal and adjusted body weight, and Cockcroft-Gault creatinine clearance.

Check values come from the clinical reference §8 or are worked by hand in the docstring.
"""

from __future__ import annotations

import pytest

from dosing import (
    BSAFormula,
    DosingError,
    MeasurementError,
    WeightPolicy,
    adjusted_body_weight,
    body_surface_area,
    creatinine_clearance,
    ideal_body_weight,
)
from dosing.units import Quantity

# -- body surface area ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        (BSAFormula.MOSTELLER, 1.8819),
        (BSAFormula.DUBOIS, 1.8636),
        (BSAFormula.HAYCOCK, 1.8947),
        (BSAFormula.GEHAN_GEORGE, 1.8975),
        (BSAFormula.BOYD, 1.9051),
    ],
)
def test_five_formulas_match_the_reference_check_values(formula, expected):
    """170 cm / 75 kg gives the §8 check value for each formula to four decimals."""
    assert round(body_surface_area("170 cm", "75 kg", formula).magnitude, 4) == expected


@pytest.mark.parametrize(("height", "weight", "expected"), [(170, 70, 1.818), (178, 69, 1.847)])
def test_mosteller_matches_published_values(height, weight, expected):
    """Mosteller(170 cm, 70 kg) = 1.818 m² and (178 cm, 69 kg) = 1.847 m², as published (§8)."""
    assert round(body_surface_area(f"{height} cm", f"{weight} kg").magnitude, 3) == expected


def test_mosteller_is_the_default_formula():
    """Without a formula, body_surface_area uses Mosteller."""
    assert body_surface_area("170 cm", "75 kg").magnitude == pytest.approx(
        body_surface_area("170 cm", "75 kg", "mosteller").magnitude
    )


def test_result_is_an_area_in_square_metres():
    """The BSA is a pint quantity in m²."""
    bsa = body_surface_area("170 cm", "75 kg")
    assert bsa.units == Quantity(1, "m**2").units


@pytest.mark.parametrize("formula", list(BSAFormula))
def test_imperial_and_metric_input_give_the_same_bsa(formula):
    """69 in / 176 lb gives the same BSA as 175.26 cm / 79.8322571 kg for every formula."""
    imperial = body_surface_area("69 in", "176 lb", formula).magnitude
    metric = body_surface_area("175.26 cm", "79.8322571 kg", formula).magnitude
    feet = body_surface_area("5 ft 9 in", Quantity(176, "lb"), formula).magnitude
    assert imperial == pytest.approx(metric, rel=1e-9)
    assert feet == pytest.approx(metric, rel=1e-9)


@pytest.mark.parametrize(
    ("text", "formula"),
    [
        ("mosteller", BSAFormula.MOSTELLER),
        ("Mosteller", BSAFormula.MOSTELLER),
        ("DuBois", BSAFormula.DUBOIS),
        ("HAYCOCK", BSAFormula.HAYCOCK),
        ("gehan-george", BSAFormula.GEHAN_GEORGE),
        ("Gehan George", BSAFormula.GEHAN_GEORGE),
        ("gehan_george", BSAFormula.GEHAN_GEORGE),
        (" boyd ", BSAFormula.BOYD),
        (BSAFormula.BOYD, BSAFormula.BOYD),
    ],
)
def test_formula_names_parse_case_and_separator_insensitively(text, formula):
    """Formula names read regardless of case, spaces, hyphens or underscores."""
    assert BSAFormula.parse(text) is formula


@pytest.mark.parametrize("value", ["", "nope", "du bois x", None, 5, "mosteler"])
def test_unknown_formula_lists_the_known_ones(value):
    """An unknown formula is refused and the message lists all five names."""
    with pytest.raises(DosingError, match="bsa_formula must be one of mosteller, dubois, haycock"):
        BSAFormula.parse(value)


def test_formula_labels_are_written_as_in_an_order():
    """Each formula has the label an order shows."""
    assert [f.label for f in BSAFormula] == [
        "Mosteller",
        "DuBois",
        "Haycock",
        "Gehan-George",
        "Boyd",
    ]


@pytest.mark.parametrize(
    ("height", "weight"), [("-170 cm", "75 kg"), ("170 cm", "0 kg"), ("0 cm", "75 kg")]
)
def test_non_positive_measurements_are_refused(height, weight):
    """A zero or negative height or weight has no surface area."""
    with pytest.raises(MeasurementError, match="positive"):
        body_surface_area(height, weight)


def test_wrong_dimension_is_refused():
    """A weight given as a length is refused before any arithmetic."""
    with pytest.raises(MeasurementError, match=r"weight must be a mass"):
        body_surface_area("170 cm", "75 cm")


# -- ideal and adjusted body weight (Devine) ------------------------------------------------


@pytest.mark.parametrize(
    ("height", "sex", "kg"),
    [
        ("72 in", "male", 77.6),
        ("6 ft 0 in", "m", 77.6),
        ("65 in", "female", 57.0),
        ("5 ft 5 in", "F", 57.0),
        ("60 in", "male", 50.0),
        ("60 in", "female", 45.5),
        ("150 cm", "female", 45.5),
    ],
)
def test_ideal_body_weight_by_devine(height, sex, kg):
    """Devine (1974): 50 kg (men) or 45.5 kg (women) + 2.3 kg per inch over 5 ft; 72 in man = 77.6 kg."""
    assert ideal_body_weight(height, sex).to("kg").magnitude == pytest.approx(kg)


def test_adjusted_body_weight_adds_forty_percent_of_the_excess():
    """Adjusted weight = IBW + 0.4 x (actual - IBW): 72 in man of 100 kg -> 77.6 + 8.96 = 86.56 kg."""
    assert adjusted_body_weight("72 in", "100 kg", "male").magnitude == pytest.approx(86.56)


def test_adjusted_body_weight_is_actual_weight_below_ideal():
    """A patient lighter than ideal weight is dosed on actual weight (Devine IBW 77.6 kg > 70 kg)."""
    assert adjusted_body_weight("72 in", "70 kg", "male").magnitude == pytest.approx(70.0)


@pytest.mark.parametrize("sex", ["x", "", None, "unknown"])
def test_ideal_body_weight_needs_a_known_sex(sex):
    """Devine needs sex; anything but female/male (or F/M) is refused."""
    with pytest.raises(DosingError, match="sex must be 'female' or 'male'"):
        ideal_body_weight("175 cm", sex)


def test_ideal_and_adjusted_weight_refuse_non_positive_measurements():
    """A negative height or weight is refused rather than turned into a weight."""
    with pytest.raises(MeasurementError, match="height must be positive"):
        ideal_body_weight("-5 cm", "female")
    with pytest.raises(MeasurementError, match="weight must be positive"):
        adjusted_body_weight("175 cm", "-100 kg", "male")


# -- Cockcroft-Gault ------------------------------------------------------------------------


def test_cockcroft_gault_male_reference_value():
    """Male, 65 y, 70 kg, SCr 1.4 mg/dL -> 52.1 mL/min on actual weight (§8)."""
    crcl = creatinine_clearance(
        age_years=65, weight="70 kg", serum_creatinine_mg_dl=1.4, sex="male", weight_policy="actual"
    )
    assert round(crcl.magnitude, 1) == 52.1
    assert crcl.units == Quantity(1, "mL/min").units


def test_cockcroft_gault_female_reference_value():
    """Female, 45 y, 60 kg, SCr 0.9 mg/dL -> 74.8 mL/min on actual weight (x 0.85; §8)."""
    crcl = creatinine_clearance(
        age_years=45, weight="60 kg", serum_creatinine_mg_dl=0.9, sex="F", weight_policy="actual"
    )
    assert round(crcl.magnitude, 1) == 74.8


def test_cockcroft_gault_on_ideal_weight():
    """Ideal policy: 65 in woman, IBW 57 kg -> 95 x 57 / (72 x 0.9) x 0.85 = 71.03 mL/min."""
    crcl = creatinine_clearance(
        age_years=45,
        weight="60 kg",
        serum_creatinine_mg_dl=0.9,
        sex="female",
        weight_policy=WeightPolicy.IDEAL,
        height="65 in",
    )
    assert crcl.magnitude == pytest.approx(95 * 57.0 / (72 * 0.9) * 0.85)
    assert round(crcl.magnitude, 2) == 71.03


def test_cockcroft_gault_on_adjusted_weight():
    """Adjusted policy: 65 in woman of 60 kg -> 57 + 0.4 x 3 = 58.2 kg -> 72.53 mL/min."""
    crcl = creatinine_clearance(
        age_years=45,
        weight="60 kg",
        serum_creatinine_mg_dl=0.9,
        sex="female",
        weight_policy="adjusted",
        height="65 in",
    )
    assert crcl.magnitude == pytest.approx(95 * 58.2 / (72 * 0.9) * 0.85)


@pytest.mark.parametrize("policy", ["actual", "ACTUAL", WeightPolicy.ACTUAL])
def test_weight_policy_reads_names_and_enum_members(policy):
    """The weight policy may be given as a case-insensitive name or a WeightPolicy."""
    crcl = creatinine_clearance(
        age_years=65, weight="70 kg", serum_creatinine_mg_dl=1.4, sex="male", weight_policy=policy
    )
    assert round(crcl.magnitude, 1) == 52.1


@pytest.mark.parametrize("policy", [WeightPolicy.IDEAL, WeightPolicy.ADJUSTED])
def test_ideal_and_adjusted_policies_need_height(policy):
    """Ideal and adjusted weight cannot be worked out without the height."""
    with pytest.raises(
        DosingError, match=f"height must be given for the {policy.value} weight policy"
    ):
        creatinine_clearance(
            age_years=65,
            weight="70 kg",
            serum_creatinine_mg_dl=1.4,
            sex="male",
            weight_policy=policy,
        )


@pytest.mark.parametrize("policy", ["lean", "", None, "default"])
def test_weight_policy_has_no_default(policy):
    """An unknown or missing weight policy is refused: the caller must state which weight."""
    with pytest.raises(DosingError, match="weight_policy must be one of actual, ideal, adjusted"):
        creatinine_clearance(
            age_years=65,
            weight="70 kg",
            serum_creatinine_mg_dl=1.4,
            sex="male",
            weight_policy=policy,
        )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"serum_creatinine_mg_dl": 0}, "serum_creatinine must be above 0"),
        ({"serum_creatinine_mg_dl": float("nan")}, "serum_creatinine must be above 0"),
        ({"serum_creatinine_mg_dl": -1.0}, "serum_creatinine must be above 0"),
        ({"age_years": -1}, "age must be between 0 and 140"),
        ({"age_years": 140}, "age must be between 0 and 140"),
        ({"age_years": float("nan")}, "age must be between 0 and 140"),
        ({"sex": "unknown"}, "sex must be"),
        ({"weight": "-70 kg"}, "weight must be positive"),
        ({"weight": "0 kg"}, "weight must be positive"),
        ({"weight": "70 cm"}, "weight must be a mass"),
    ],
)
def test_cockcroft_gault_refuses_bad_input(changes, message):
    """Zero/negative/NaN creatinine, impossible ages, unknown sex and bad weights are refused."""
    args = {
        "age_years": 65,
        "weight": "70 kg",
        "serum_creatinine_mg_dl": 1.4,
        "sex": "male",
        "weight_policy": "actual",
        **changes,
    }
    with pytest.raises(DosingError, match=message):
        creatinine_clearance(**args)
