"""Body surface area, ideal and adjusted body weight, and creatinine clearance.

Formulas (height H in cm, weight W in kg; clinical reference §8):

========================  =================================================================
``mosteller`` (default)   √(H·W / 3600)
``dubois``                0.007184 · H^0.725 · W^0.425
``haycock``               0.024265 · H^0.3964 · W^0.5378
``gehan-george``          0.0235 · H^0.42246 · W^0.51456
``boyd``                  0.0003207 · H^0.3 · G^(0.7285 − 0.0188·log10 G), G = weight in grams
========================  =================================================================

>>> from dosing.bsa import BSAFormula, body_surface_area
>>> round(body_surface_area("170 cm", "75 kg").magnitude, 4)
1.8819
>>> round(body_surface_area("170 cm", "75 kg", BSAFormula.BOYD).magnitude, 4)
1.9051
"""

from __future__ import annotations

import enum
import math
from typing import TYPE_CHECKING

from dosing.errors import DosingError, MeasurementError
from dosing.units import Quantity, parse_length, parse_mass

if TYPE_CHECKING:
    import pint

__all__ = [
    "BSAFormula",
    "WeightPolicy",
    "adjusted_body_weight",
    "body_surface_area",
    "bsa_m2",
    "creatinine_clearance",
    "ideal_body_weight",
]


class BSAFormula(enum.StrEnum):
    """A body-surface-area formula, named as on the command line."""

    MOSTELLER = "mosteller"
    DUBOIS = "dubois"
    HAYCOCK = "haycock"
    GEHAN_GEORGE = "gehan-george"
    BOYD = "boyd"

    @property
    def label(self) -> str:
        """The formula's name as written in an order (``"Gehan-George"``)."""
        return _LABELS[self]

    @classmethod
    def parse(cls, value: object, *, field: str = "bsa_formula") -> BSAFormula:
        """Read a formula name, case-insensitively (``"DuBois"``, ``"gehan_george"``).

        >>> BSAFormula.parse("DuBois")
        <BSAFormula.DUBOIS: 'dubois'>
        """
        if isinstance(value, BSAFormula):
            return value
        text = str(value).strip().lower().replace("_", "-").replace(" ", "-")
        try:
            return cls(text)
        except ValueError:
            names = ", ".join(f.value for f in cls)
            raise DosingError(field, f"one of {names}", repr(value)) from None


_LABELS = {
    BSAFormula.MOSTELLER: "Mosteller",
    BSAFormula.DUBOIS: "DuBois",
    BSAFormula.HAYCOCK: "Haycock",
    BSAFormula.GEHAN_GEORGE: "Gehan-George",
    BSAFormula.BOYD: "Boyd",
}


def bsa_m2(height_cm: float, weight_kg: float, formula: BSAFormula) -> float:
    """Compute BSA in m² from plain numbers already in cm and kg.

    This is the arithmetic core; public callers pass quantities to
    :func:`body_surface_area`, which converts once and calls this.

    >>> round(bsa_m2(170, 75, BSAFormula.DUBOIS), 4)
    1.8636
    """
    if not (height_cm > 0 and weight_kg > 0 and math.isfinite(height_cm * weight_kg)):
        raise MeasurementError(
            "height and weight", "positive and finite", f"{height_cm} cm, {weight_kg} kg"
        )
    if formula is BSAFormula.MOSTELLER:
        return math.sqrt(height_cm * weight_kg / 3600)
    if formula is BSAFormula.DUBOIS:
        return float(0.007184 * height_cm**0.725 * weight_kg**0.425)
    if formula is BSAFormula.HAYCOCK:
        return float(0.024265 * height_cm**0.3964 * weight_kg**0.5378)
    if formula is BSAFormula.GEHAN_GEORGE:
        return float(0.0235 * height_cm**0.42246 * weight_kg**0.51456)
    grams = weight_kg * 1000
    return float(0.0003207 * height_cm**0.3 * grams ** (0.7285 - 0.0188 * math.log10(grams)))


def body_surface_area(
    height: object, weight: object, formula: BSAFormula | str = BSAFormula.MOSTELLER
) -> pint.Quantity[float]:
    """Return body surface area in m² for a height and weight (quantities or strings).

    >>> round(body_surface_area("69 in", "176 lb").magnitude, 3)
    1.971
    """
    chosen = BSAFormula.parse(formula)
    h = parse_length(height).magnitude
    w = parse_mass(weight).magnitude
    return Quantity(bsa_m2(h, w, chosen), "m**2")


def ideal_body_weight(height: object, sex: str) -> pint.Quantity[float]:
    """Ideal body weight by the Devine formula (1974), in kg.

    Men 50 kg, women 45.5 kg, plus 2.3 kg for each inch over 5 feet; heights at or under
    5 feet give the base weight.

    >>> round(ideal_body_weight("175 cm", "male").magnitude, 1)
    70.5
    """
    sex_value = _sex(sex)
    inches = parse_length(height).to("inch").magnitude
    if not inches > 0:
        raise MeasurementError("height", "positive", f"{height!r}")
    base = 50.0 if sex_value == "male" else 45.5
    return Quantity(base + 2.3 * max(inches - 60.0, 0.0), "kg")


def adjusted_body_weight(height: object, weight: object, sex: str) -> pint.Quantity[float]:
    """Adjusted body weight, IBW + 0.4 × (actual − IBW), in kg; actual weight if below IBW.

    >>> round(adjusted_body_weight("175 cm", "100 kg", "male").magnitude, 1)
    82.3
    """
    ibw = ideal_body_weight(height, sex).magnitude
    actual = parse_mass(weight).magnitude
    if not actual > 0:
        raise MeasurementError("weight", "positive", f"{weight!r}")
    if actual <= ibw:
        return Quantity(actual, "kg")
    return Quantity(ibw + 0.4 * (actual - ibw), "kg")


class WeightPolicy(enum.StrEnum):
    """Which weight Cockcroft-Gault uses; there is no default, the caller states it."""

    ACTUAL = "actual"
    IDEAL = "ideal"
    ADJUSTED = "adjusted"


def _sex(value: object) -> str:
    text = str(value).strip().lower()
    if text in {"m", "male"}:
        return "male"
    if text in {"f", "female"}:
        return "female"
    raise DosingError("sex", "'female' or 'male'", repr(value))


def creatinine_clearance(
    *,
    age_years: float,
    weight: object,
    serum_creatinine_mg_dl: float,
    sex: str,
    weight_policy: WeightPolicy | str,
    height: object = None,
) -> pint.Quantity[float]:
    """Cockcroft-Gault creatinine clearance in mL/min.

    CrCl = (140 − age) · weight / (72 · SCr in mg/dL), × 0.85 for women. The weight used is
    the caller's explicit ``weight_policy``; ideal and adjusted weight need ``height``.

    >>> round(creatinine_clearance(age_years=65, weight="70 kg", serum_creatinine_mg_dl=1.4,
    ...       sex="male", weight_policy="actual").magnitude, 1)
    52.1
    """
    policy = (
        WeightPolicy(str(weight_policy).lower())
        if str(weight_policy).lower() in set(WeightPolicy)
        else None
    )
    if policy is None:
        raise DosingError("weight_policy", "one of actual, ideal, adjusted", repr(weight_policy))
    sex_value = _sex(sex)
    for name, number in (("serum_creatinine", serum_creatinine_mg_dl), ("age", age_years)):
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise MeasurementError(name, "a number", repr(number))
    if not (0 < serum_creatinine_mg_dl < 100 and math.isfinite(serum_creatinine_mg_dl)):
        raise MeasurementError("serum_creatinine", "above 0 mg/dL", repr(serum_creatinine_mg_dl))
    if not (0 <= age_years < 140):
        raise DosingError("age", "between 0 and 140 years for Cockcroft-Gault", repr(age_years))
    if policy is WeightPolicy.ACTUAL:
        kg = parse_mass(weight).magnitude
    elif height is None:
        raise DosingError("height", f"given for the {policy.value} weight policy", "None")
    elif policy is WeightPolicy.IDEAL:
        kg = ideal_body_weight(height, sex_value).magnitude
    else:
        kg = adjusted_body_weight(height, weight, sex_value).magnitude
    if not kg > 0:
        raise MeasurementError("weight", "positive", f"{weight!r}")
    clearance = (140 - age_years) * kg / (72 * serum_creatinine_mg_dl)
    if sex_value == "female":
        clearance *= 0.85
    return Quantity(clearance, "mL/min")
